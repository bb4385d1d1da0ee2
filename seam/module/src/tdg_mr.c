/*
 * TDG.MR.RTMR.EXTEND (reference tdx-abi.md 2.2, 7): RTMR[i] =
 * SHA-384(RTMR[i] || 48 bytes of the TD's private memory).
 */
#include "measure.h"
#include "sept.h"
#include "tdcall.h"

enum tdcall_action tdg_mr_rtmr_extend(struct tdcall_ctx *c)
{
	uint64_t gpa = c->gpr[VCPU_RCX], idx = c->gpr[VCPU_RDX];
	struct sept_ref ref;
	uint8_t data[48];
	tdx_status_t st;

	/* RCX: a 64-byte aligned private GPA, mapped; RDX: RTMR 0..3. */
	if (!TDX_IS_ALIGNED(gpa, 64) || gpa >= td_shared_bit(c->td)) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	if (idx > 3) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		return TDCALL_RESUME;
	}
	st = sept_walk_leaf(c->mod, c->lp, c->td, gpa, &ref);
	if (st == TDX_SUCCESS && sept_state(ref.entry) != SEPT_MAPPED)
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
	if (st != TDX_SUCCESS) {
		c->gpr[VCPU_RAX] = st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD ?
				   st : tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	st = td_private_read(c->mod, c->lp, c->td,
			     (ref.entry & SEPT_PA_MASK) + (gpa & (sept_level_size(ref.level) - 1)),
			     data, sizeof(data));
	if (st == TDX_SUCCESS && measure_rtmr_extend(c->td, (unsigned int)idx, data))
		st = TDX_SYS_BUSY;	/* no digest engine: nothing extended, try again */
	c->gpr[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

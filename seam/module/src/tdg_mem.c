/*
 * TDG.MEM.PAGE.ACCEPT (reference tdx-abi.md 2.2): the guest takes a
 * PENDING page the host AUGed, which the module zeroes under the TD's key
 * and makes MAPPED.  A page the host has not AUGed yet is an EPT-violation
 * TD exit (extended qualification ACCEPT) after which the TDCALL runs
 * again.
 */
#include "platform.h"
#include "pmem.h"
#include "sept.h"
#include "tdcall.h"

enum tdcall_action tdg_mem_page_accept(struct tdcall_ctx *c)
{
	uint64_t rcx = c->gpr[VCPU_RCX], gpa = rcx & ~0xFFFULL;
	unsigned int level = (unsigned int)(rcx & 7);
	struct sept_ref ref;
	enum sept_state s;
	tdx_status_t st;

	/* 4 KiB or 2 MiB, bits 11:3 clear, aligned to the level, private. */
	if ((rcx & 0xFF8) || level > 1 || !TDX_IS_ALIGNED(gpa, sept_level_size(level)) ||
	    gpa >= td_shared_bit(c->td)) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	st = sept_walk_leaf(c->mod, c->lp, c->td, gpa, &ref);
	if (st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD) {
		c->gpr[VCPU_RAX] = st;
		return TDCALL_RESUME;
	}
	s = sept_state(ref.entry);
	/* Nothing AUGed there yet (or blocked): the host must act first. */
	if (st == TDX_EPT_WALK_FAILED || s == SEPT_FREE || s == SEPT_BLOCKED ||
	    s == SEPT_PENDING_BLOCKED) {
		td_exit_ept_violation(c->exit, gpa, EPT_QUAL_READ | EPT_QUAL_WRITE,
				      TDX_EEQ_ACCEPT | (uint64_t)level << 32);
		return TDCALL_EXIT_RETRY;
	}
	if (ref.level != level) {
		c->gpr[VCPU_RAX] = TDX_PAGE_SIZE_MISMATCH | ref.level;
		return TDCALL_RESUME;
	}
	if (s == SEPT_MAPPED) {
		c->gpr[VCPU_RAX] = TDX_PAGE_ALREADY_ACCEPTED | ref.level;
		return TDCALL_RESUME;
	}
	if (s != SEPT_PENDING) {
		td_exit_ept_violation(c->exit, gpa, EPT_QUAL_READ | EPT_QUAL_WRITE,
				      TDX_EEQ_ACCEPT | (uint64_t)level << 32);
		return TDCALL_EXIT_RETRY;
	}
	/* PENDING: zero it under the TD's key, then map it. */
	if (pmem_seam_init(c->lp, pmem_pa_with_keyid(c->mod->plat, ref.entry & SEPT_PA_MASK,
						     c->td->hkid),
			   sept_level_size(level)) ||
	    !sept_transition(c->mod, c->lp, c->td, &ref, SEPT_MAPPED, ref.entry & SEPT_PA_MASK)) {
		c->td->fatal = true;
		c->gpr[VCPU_RAX] = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		return TDCALL_RESUME;
	}
	c->gpr[VCPU_RAX] = TDX_SUCCESS;
	return TDCALL_RESUME;
}

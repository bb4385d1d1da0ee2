/*
 * TDH.MR.EXTEND and TDH.MR.FINALIZE.
 */
#include "measure.h"
#include "platform.h"
#include "pmem.h"
#include "tdh_mem.h"
#include "tdh_mem_common.h"

#define MR_EXTEND_CHUNK 256

tdx_status_t tdh_mr_extend(struct tdx_module *mod, struct plat_lp *lp,
			   struct tdx_module_args *args)
{
	uint8_t chunk[MR_EXTEND_CHUNK];
	struct sept_ref sref;
	struct td *td;
	uint64_t gpa = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS(OP_STATE_INITIALIZED), false);
	if (st != TDX_SUCCESS)
		goto out;
	/* RCX: a 256-byte aligned private GPA. */
	if (!TDX_IS_ALIGNED(gpa, MR_EXTEND_CHUNK) || gpa >= td_shared_bit(td)) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	st = sept_walk_leaf(mod, lp, td, gpa, &sref);
	if (st == TDX_SUCCESS && sept_state(sref.entry) != SEPT_MAPPED)
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	/* The leaf may be a promoted 2 MiB page: keep the offset inside it. */
	st = td_private_read(mod, lp, td, (sref.entry & SEPT_PA_MASK) +
					  (gpa & (sept_level_size(sref.level) - 1)),
			     chunk, sizeof(chunk));
	if (st != TDX_SUCCESS)
		goto out;

	/* Commit: nothing below may fail. */
	measure_mrtd_header(td, "MR.EXTEND", gpa);
	measure_mrtd_data(td, chunk, sizeof(chunk));
out:
	return td_release(td, st);
}

tdx_status_t tdh_mr_finalize(struct tdx_module *mod, struct plat_lp *lp,
			     struct tdx_module_args *args)
{
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS(OP_STATE_INITIALIZED), false);
	if (st != TDX_SUCCESS)
		goto out;
	if (!td->num_vcpus) {
		st = TDX_NO_VCPUS;
		goto out;
	}

	/* Commit: nothing below may fail. */
	measure_mrtd_finalize(td);
	op_state_transition(td, OP_STATE_RUNNABLE);
out:
	return td_release(td, st);
}

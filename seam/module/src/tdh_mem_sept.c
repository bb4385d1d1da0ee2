/*
 * TDH.MEM.SEPT.ADD, SEPT.RD and SEPT.REMOVE, and the operand decoding the
 * MEM family shares.
 */
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "tdh_mem.h"
#include "tdh_mem_common.h"

tdx_status_t mem_decode_gpa(const struct td *td, uint64_t rcx, unsigned int min_level,
			    unsigned int max_level, uint64_t *gpa, unsigned int *level)
{
	unsigned int l = (unsigned int)(rcx & 7);
	uint64_t g = rcx & ~0xFFFULL;

	if ((rcx & 0xFF8) || l < min_level || l > max_level ||
	    !TDX_IS_ALIGNED(g, 1ULL << (12 + 9 * l)) || g >= td_shared_bit(td))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	*gpa = g;
	*level = l;
	return TDX_SUCCESS;
}

void mem_report_sept(struct tdx_module_args *args, const struct sept_ref *ref)
{
	args->rcx = sept_arch_entry(ref->entry);
	args->rdx = sept_arch_info(ref);
}

bool mem_tlb_tracked(const struct td *td, uint64_t bepoch)
{
	/*
	 * Two epochs on, TRACK itself waited for epoch @bepoch to drain (its
	 * refcount slot is reused); one epoch on, it must be empty now.
	 */
	if (bepoch >= td->td_epoch)
		return false;
	return bepoch + 1 < td->td_epoch || !td->epoch_refcount[bepoch & 1];
}

bool mem_tracking_required(const struct td *td)
{
	return td->op_state == OP_STATE_RUNNABLE;
}

tdx_status_t tdh_mem_sept_add(struct tdx_module *mod, struct plat_lp *lp,
			      struct tdx_module_args *args)
{
	struct pamt_ref ref;
	struct sept_ref sref;
	struct td *td;
	uint64_t gpa, page = args->r8;
	unsigned int level;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 1, SEPT_ROOT_LEVEL, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = td_check_ndapage(mod, lp, page, TDX_OPERAND_ID_R8, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st == TDX_SUCCESS && sept_state(sref.entry) != SEPT_FREE)
		st = TDX_EPT_ENTRY_NOT_FREE;
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto unlock;
	}
	st = sept_init_table(mod, lp, td, page);
	if (st != TDX_SUCCESS)
		goto unlock;
	if (!pamt_transition(mod, lp, &ref, PT_EPT, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_NL_MAPPED, page);
	td->chldcnt++;
unlock:
	page_unlock(mod, page);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_sept_rd(struct tdx_module *mod, struct plat_lp *lp,
			     struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct td *td;
	uint64_t gpa;
	unsigned int level;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	/* A read that changes nothing: still allowed once the TD is fatal. */
	st = td_check_state(td, OPS_BUILT, true);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 0, SEPT_ROOT_LEVEL, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st == TDX_SUCCESS || st == TDX_EPT_WALK_FAILED)
		mem_report_sept(args, &sref);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_sept_remove(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct pamt_ref ref;
	struct td *td;
	uint64_t gpa, child;
	unsigned int level;
	enum sept_state s;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 1, SEPT_ROOT_LEVEL - 1, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	s = sept_state(sref.entry);
	if (s != SEPT_NL_MAPPED && s != SEPT_NL_BLOCKED) {
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
		mem_report_sept(args, &sref);
		goto out;
	}
	child = sref.entry & SEPT_PA_MASK;
	st = pamt_walk(mod, lp, child, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	if (mem_tracking_required(td)) {
		if (s != SEPT_NL_BLOCKED) {
			st = TDX_GPA_RANGE_NOT_BLOCKED;
			mem_report_sept(args, &sref);
			goto out;
		}
		if (!mem_tlb_tracked(td, ref.e.bepoch)) {
			st = TDX_TLB_TRACKING_NOT_DONE;
			goto out;
		}
	}
	if (!sept_table_empty(mod, lp, td, child)) {
		st = TDX_EPT_PAGE_NOT_FREE;
		mem_report_sept(args, &sref);
		goto out;
	}
	if (!pamt_transition(mod, lp, &ref, PT_NDA, 0)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto out;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_FREE, 0);
	td->chldcnt--;
out:
	return td_release(td, st);
}

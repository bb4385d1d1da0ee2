/*
 * TDH.MEM.PAGE.ADD, PAGE.AUG, PAGE.REMOVE, RANGE.BLOCK, RANGE.UNBLOCK,
 * MEM.TRACK, MEM.RD and MEM.WR (reference tdx-abi.md 1.3, 4.7).
 */
#include <string.h>

#include "measure.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "tdh_mem.h"
#include "tdh_mem_common.h"

static const uint64_t pages_at_level[3] = { 1, 512, 512 * 512 };

static uint64_t td_hpa(const struct tdx_module *mod, const struct td *td, uint64_t pa)
{
	return pmem_pa_with_keyid(mod->plat, pa, td->hkid);
}

tdx_status_t tdh_mem_page_add(struct tdx_module *mod, struct plat_lp *lp,
			      struct tdx_module_args *args)
{
	uint8_t buf[TDX_PAGE_SIZE];
	struct sept_ref sref;
	struct pamt_ref ref;
	struct td *td;
	uint64_t gpa, page = args->r8;
	unsigned int level;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	/* Only before MR.FINALIZE. */
	st = td_check_state(td, OPS(OP_STATE_INITIALIZED), false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 0, 0, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	/* R9: the source, a shared 4 KiB page. */
	if (!module_shared_buffer_ok(mod, args->r9, TDX_PAGE_SIZE, TDX_PAGE_SIZE) ||
	    pmem_seam_read(lp, args->r9, buf, sizeof(buf))) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9);
		goto out;
	}
	st = td_check_ndapage(mod, lp, page, TDX_OPERAND_ID_R8, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, 0, &sref);
	if (st == TDX_SUCCESS && sept_state(sref.entry) != SEPT_FREE)
		st = TDX_EPT_ENTRY_NOT_FREE;
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto unlock;
	}
	if (pmem_seam_write(lp, td_hpa(mod, td, page), buf, sizeof(buf)) ||
	    !pamt_transition(mod, lp, &ref, PT_REG, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_MAPPED, page);
	measure_mrtd_header(td, "MEM.PAGE.ADD", gpa);
	td->chldcnt++;
unlock:
	page_unlock(mod, page);
out:
	return td_release(td, st);
}

/*
 * A 2 MiB page for AUG: every 4K entry under it must be PT_NDA too.  A page
 * some TD or the module owns is the stronger refusal; a range that only
 * touches a TDMR reserved area is outside what TDs may use.
 */
static tdx_status_t check_nda_2m(struct tdx_module *mod, struct plat_lp *lp, uint64_t pa)
{
	bool reserved = false;
	struct pamt_ref r;

	for (uint64_t i = 0; i < 512; i++) {
		tdx_status_t st = pamt_walk(mod, lp, pa + i * TDX_PAGE_SIZE, &r);

		if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
			return tdx_status_operand(st, TDX_OPERAND_ID_R8);
		if (st != TDX_SUCCESS)
			return st;
		if (pamt_page_type(&r.e) == PT_RSVD)
			reserved = true;
		else if (pamt_page_type(&r.e) != PT_NDA)
			return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	}
	if (reserved)
		return tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	return TDX_SUCCESS;
}

tdx_status_t tdh_mem_page_aug(struct tdx_module *mod, struct plat_lp *lp,
			      struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct pamt_ref ref;
	struct td *td;
	uint64_t gpa, page = args->r8;
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
	st = mem_decode_gpa(td, gpa_lvl, 0, 1, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	if (!TDX_IS_ALIGNED(page, TDX_PAGE_SIZE << (9 * level)) || (page >> mod->pa_bits)) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		goto out;
	}
	if (level == 1) {
		st = check_nda_2m(mod, lp, page);
		if (st != TDX_SUCCESS)
			goto out;
		if (pamt_walk(mod, lp, page, &ref) != TDX_SUCCESS || ref.level != TDX_PS_4K) {
			st = tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
			goto out;
		}
		/* The 2M PAMT entry is the one that records a 2M page. */
		ref.level = TDX_PS_2M;
		ref.entry_pa = mod->tdmr[ref.tdmr].pamt_2m_base +
			       ((page - mod->tdmr[ref.tdmr].base) >> 21) * TDX_PAMT_ENTRY_SIZE;
		if (pmem_seam_read(lp, module_global_pa(mod, ref.entry_pa), &ref.e, sizeof(ref.e))) {
			st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
			goto out;
		}
		if (!page_trylock(mod, page)) {
			st = tdx_status_operand(TDX_OPERAND_BUSY, TDX_OPERAND_ID_R8);
			goto out;
		}
	} else {
		st = td_check_ndapage(mod, lp, page, TDX_OPERAND_ID_R8, &ref);
		if (st != TDX_SUCCESS)
			goto out;
	}
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	s = sept_state(sref.entry);
	if (st == TDX_SUCCESS && s != SEPT_FREE && s != SEPT_REMOVED)
		st = TDX_EPT_ENTRY_NOT_FREE;
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto unlock;
	}
	/* The page starts zeroed under the TD's key. */
	if (pmem_seam_init(lp, td_hpa(mod, td, page), TDX_PAGE_SIZE << (9 * level)) ||
	    !pamt_transition(mod, lp, &ref, PT_REG, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_PENDING, page);
	td->chldcnt += pages_at_level[level];
unlock:
	page_unlock(mod, page);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_page_remove(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct pamt_ref ref;
	struct td *td;
	uint64_t gpa, page;
	unsigned int level;
	enum sept_state s;
	bool blocked;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 0, 2, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	s = sept_state(sref.entry);
	if (!sept_is_leaf_state(s)) {
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
		mem_report_sept(args, &sref);
		goto out;
	}
	page = sref.entry & SEPT_PA_MASK;
	st = pamt_walk(mod, lp, page, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	blocked = s == SEPT_BLOCKED || s == SEPT_PENDING_BLOCKED;
	if (mem_tracking_required(td)) {
		if (!blocked) {
			st = TDX_GPA_RANGE_NOT_BLOCKED;
			mem_report_sept(args, &sref);
			goto out;
		}
		if (!mem_tlb_tracked(td, ref.e.bepoch)) {
			st = TDX_TLB_TRACKING_NOT_DONE;
			goto out;
		}
	}
	if (!pamt_transition(mod, lp, &ref, PT_NDA, 0)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto out;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_FREE, 0);
	td->chldcnt -= pages_at_level[level];
	args->rcx = page;
out:
	return td_release(td, st);
}

/* Record the TD epoch a range was blocked in (PAMT BEPOCH of its page). */
static bool set_bepoch(struct tdx_module *mod, struct plat_lp *lp, uint64_t page, uint64_t epoch)
{
	struct pamt_ref ref;

	if (pamt_walk(mod, lp, page, &ref) != TDX_SUCCESS)
		return false;
	ref.e.bepoch = epoch;
	return pmem_seam_write(lp, module_global_pa(mod, ref.entry_pa), &ref.e, sizeof(ref.e)) == 0;
}

tdx_status_t tdh_mem_range_block(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct td *td;
	uint64_t gpa;
	unsigned int level;
	enum sept_state s, to;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 0, SEPT_ROOT_LEVEL - 1, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	s = sept_state(sref.entry);
	switch (s) {
	case SEPT_NL_MAPPED: to = SEPT_NL_BLOCKED; break;
	case SEPT_MAPPED: to = SEPT_BLOCKED; break;
	case SEPT_PENDING: to = SEPT_PENDING_BLOCKED; break;
	case SEPT_NL_BLOCKED:
	case SEPT_BLOCKED:
	case SEPT_PENDING_BLOCKED:
		st = TDX_GPA_RANGE_ALREADY_BLOCKED;
		goto out;
	default:
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
		mem_report_sept(args, &sref);
		goto out;
	}
	if (!set_bepoch(mod, lp, sref.entry & SEPT_PA_MASK, td->td_epoch)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto out;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, to, sref.entry & SEPT_PA_MASK);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_range_unblock(struct tdx_module *mod, struct plat_lp *lp,
				   struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct pamt_ref ref;
	struct td *td;
	uint64_t gpa;
	unsigned int level;
	enum sept_state to;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	st = mem_decode_gpa(td, gpa_lvl, 0, SEPT_ROOT_LEVEL - 1, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	switch (sept_state(sref.entry)) {
	case SEPT_NL_BLOCKED: to = SEPT_NL_MAPPED; break;
	case SEPT_BLOCKED: to = SEPT_MAPPED; break;
	case SEPT_PENDING_BLOCKED: to = SEPT_PENDING; break;
	default:
		st = TDX_GPA_RANGE_NOT_BLOCKED;
		mem_report_sept(args, &sref);
		goto out;
	}
	st = pamt_walk(mod, lp, sref.entry & SEPT_PA_MASK, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	if (!mem_tlb_tracked(td, ref.e.bepoch)) {
		st = TDX_TLB_TRACKING_NOT_DONE;
		goto out;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, to, sref.entry & SEPT_PA_MASK);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_track(struct tdx_module *mod, struct plat_lp *lp,
			   struct tdx_module_args *args)
{
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	/* The epoch may advance only when nobody is left inside from the one before. */
	if (td->epoch_refcount[(td->td_epoch - 1) & 1]) {
		st = TDX_PREVIOUS_TLB_EPOCH_BUSY;
		goto out;
	}

	/* Commit: nothing below may fail. */
	td->td_epoch++;
out:
	return td_release(td, st);
}

/* MEM.RD / MEM.WR: 8 bytes of a debug TD's private memory. */
static tdx_status_t mem_rdwr(struct tdx_module *mod, struct plat_lp *lp,
			     struct tdx_module_args *args, bool write)
{
	struct sept_ref sref;
	struct td *td;
	uint64_t gpa = args->rcx, old, hpa;
	enum sept_state s;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* The GPA-based MEM leaves' output rule (tdh_mem_common.h). */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	if (!(td->attributes & TDX_BIT(0))) {
		st = TDX_TD_NON_DEBUG;
		goto out;
	}
	if (!TDX_IS_ALIGNED(gpa, 8) || gpa >= td_shared_bit(td)) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	st = sept_walk_leaf(mod, lp, td, gpa, &sref);
	s = sept_state(sref.entry);
	if (st == TDX_SUCCESS && s != SEPT_MAPPED)
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto out;
	}
	/* The leaf may map a large page: keep the GPA's offset inside it. */
	hpa = (sref.entry & SEPT_PA_MASK) + (gpa & (sept_level_size(sref.level) - 1));
	st = td_private_read(mod, lp, td, hpa, &old, 8);
	if (st != TDX_SUCCESS)
		goto out;
	if (write && pmem_seam_write(lp, td_hpa(mod, td, hpa), &args->r8, 8)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto out;
	}
	args->r8 = old;
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_rd(struct tdx_module *mod, struct plat_lp *lp, struct tdx_module_args *args)
{
	return mem_rdwr(mod, lp, args, false);
}

tdx_status_t tdh_mem_wr(struct tdx_module *mod, struct plat_lp *lp, struct tdx_module_args *args)
{
	return mem_rdwr(mod, lp, args, true);
}

tdx_status_t tdh_mem_page_demote(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	struct sept_ref sref;
	struct pamt_ref ref, pref;
	struct td *td;
	uint64_t gpa, page, table = args->r8;
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
	/* RCX: the large page's GPA and its current level (1 = 2M, 2 = 1G). */
	st = mem_decode_gpa(td, gpa_lvl, 1, 2, &gpa, &level);
	if (st != TDX_SUCCESS)
		goto out;
	st = td_check_ndapage(mod, lp, table, TDX_OPERAND_ID_R8, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	st = sept_walk(mod, lp, td, gpa, level, &sref);
	if (st != TDX_SUCCESS) {
		mem_report_sept(args, &sref);
		goto unlock;
	}
	s = sept_state(sref.entry);
	if (!sept_is_leaf_state(s)) {
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
		mem_report_sept(args, &sref);
		goto unlock;
	}
	page = sref.entry & SEPT_PA_MASK;
	st = pamt_walk(mod, lp, page, &pref);
	if (st != TDX_SUCCESS)
		goto unlock;
	if (mem_tracking_required(td)) {
		if (s != SEPT_BLOCKED && s != SEPT_PENDING_BLOCKED) {
			st = TDX_GPA_RANGE_NOT_BLOCKED;
			mem_report_sept(args, &sref);
			goto unlock;
		}
		if (!mem_tlb_tracked(td, pref.e.bepoch)) {
			st = TDX_TLB_TRACKING_NOT_DONE;
			goto unlock;
		}
	}
	/* The new table holds 512 leaves of the level below, in the same state. */
	st = sept_init_table_leaves(mod, lp, td, table, s, page,
				    TDX_PAGE_SIZE << (9 * (level - 1)));
	if (st != TDX_SUCCESS)
		goto unlock;
	if (!pamt_transition(mod, lp, &ref, PT_EPT, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock;
	}
	st = pamt_resize(mod, lp, pref.tdmr, pref.level, page, true, td->tdr_pa);
	if (st != TDX_SUCCESS) {
		pamt_transition(mod, lp, &ref, PT_NDA, 0);
		goto unlock;
	}

	/* Commit: nothing below may fail. */
	sept_transition(mod, lp, td, &sref, SEPT_NL_MAPPED, table);
	td->chldcnt++;
unlock:
	page_unlock(mod, table);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mem_page_promote(struct tdx_module *mod, struct plat_lp *lp,
				  struct tdx_module_args *args)
{
	uint64_t child[512];
	struct sept_ref sref;
	struct pamt_ref tref, pref;
	struct td *td;
	uint64_t gpa, table, first;
	unsigned int level;
	enum sept_state s, cs, to;
	const uint64_t gpa_lvl = args->rcx;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	/* RCX and RDX are outputs from entry on: 0 unless a SEPT check fails. */
	args->rcx = args->rdx = 0;
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	/* RCX: the GPA and the level of the large page to form (1 = 2M, 2 = 1G). */
	st = mem_decode_gpa(td, gpa_lvl, 1, 2, &gpa, &level);
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
	table = sref.entry & SEPT_PA_MASK;
	st = pamt_walk(mod, lp, table, &tref);
	if (st != TDX_SUCCESS)
		goto out;
	if (mem_tracking_required(td)) {
		if (s != SEPT_NL_BLOCKED) {
			st = TDX_GPA_RANGE_NOT_BLOCKED;
			mem_report_sept(args, &sref);
			goto out;
		}
		if (!mem_tlb_tracked(td, tref.e.bepoch)) {
			st = TDX_TLB_TRACKING_NOT_DONE;
			goto out;
		}
	}
	/* All 512 children: the same leaf state, contiguous, aligned pages. */
	st = sept_read_table(mod, lp, td, table, child);
	if (st != TDX_SUCCESS)
		goto out;
	cs = sept_state(child[0]);
	first = child[0] & SEPT_PA_MASK;
	if ((cs != SEPT_MAPPED && cs != SEPT_PENDING) ||
	    !TDX_IS_ALIGNED(first, TDX_PAGE_SIZE << (9 * level))) {
		st = TDX_EPT_INVALID_PROMOTE_CONDITIONS;
		goto out;
	}
	for (unsigned int k = 1; k < 512; k++) {
		if (sept_state(child[k]) != cs ||
		    (child[k] & SEPT_PA_MASK) != first + k * (TDX_PAGE_SIZE << (9 * (level - 1)))) {
			st = TDX_EPT_INVALID_PROMOTE_CONDITIONS;
			goto out;
		}
	}
	st = pamt_walk(mod, lp, first, &pref);
	if (st != TDX_SUCCESS)
		goto out;
	st = pamt_check_children(mod, lp, pref.tdmr, (enum pamt_page_size)level, first, PT_REG,
				 td->tdr_pa);
	if (st != TDX_SUCCESS) {
		st = TDX_EPT_INVALID_PROMOTE_CONDITIONS;
		goto out;
	}
	if (!page_trylock(mod, table)) {
		st = tdx_status_operand(TDX_OPERAND_BUSY, TDX_OPERAND_ID_SEPT);
		goto out;
	}
	st = pamt_resize(mod, lp, pref.tdmr, (enum pamt_page_size)level, first, false, td->tdr_pa);
	if (st == TDX_SUCCESS && !pamt_transition(mod, lp, &tref, PT_NDA, 0))
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	page_unlock(mod, table);
	if (st != TDX_SUCCESS)
		goto out;

	/* Commit: nothing below may fail. */
	if (s == SEPT_NL_BLOCKED)
		to = cs == SEPT_MAPPED ? SEPT_BLOCKED : SEPT_PENDING_BLOCKED;
	else
		to = cs;
	sept_transition(mod, lp, td, &sref, to, first);
	td->chldcnt--;
	/* RCX: the SEPT page the merge freed, for the host to reclaim. */
	args->rcx = table;
out:
	return td_release(td, st);
}

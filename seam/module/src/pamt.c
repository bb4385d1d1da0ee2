/*
 * PAMT walk, initialization (TDH.SYS.TDMR.INIT) and the one writer of
 * page type and owner.
 */
#include <string.h>

#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"

static const unsigned int level_shift[TDX_PS_NR] = { 12, 21, 30 };

static bool in_reserved(const struct tdmr_info *t, uint64_t pa)
{
	uint64_t off = pa - t->base;

	for (unsigned int r = 0; r < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[r].size; r++)
		if (off >= t->reserved_areas[r].offset &&
		    off - t->reserved_areas[r].offset < t->reserved_areas[r].size)
			return true;
	return false;
}

int pamt_find_tdmr(const struct tdx_module *mod, uint64_t pa)
{
	for (unsigned int i = 0; i < mod->nr_tdmrs; i++) {
		const struct tdmr_info *t = &mod->tdmr[i];

		if (pa >= t->base && pa - t->base < t->size &&
		    (pa - t->base) / TDX_PAGE_SIZE < mod->tdmr_init_pages[i])
			return (int)i;
	}
	return -1;
}

static uint64_t pamt_base(const struct tdmr_info *t, enum pamt_page_size level)
{
	switch (level) {
	case TDX_PS_1G: return t->pamt_1g_base;
	case TDX_PS_2M: return t->pamt_2m_base;
	default: return t->pamt_4k_base;
	}
}

static tdx_status_t read_entry(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
			       enum pamt_page_size level, uint64_t pa, struct pamt_ref *ref)
{
	const struct tdmr_info *t = &mod->tdmr[i];
	uint64_t index = (pa - t->base) >> level_shift[level];

	ref->tdmr = i;
	ref->level = level;
	ref->entry_pa = pamt_base(t, level) + index * TDX_PAMT_ENTRY_SIZE;
	if (pmem_seam_read(lp, module_global_pa(mod, ref->entry_pa), &ref->e, sizeof(ref->e)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;	/* the PAMT was tampered with */
	return TDX_SUCCESS;
}

tdx_status_t pamt_walk(struct tdx_module *mod, struct plat_lp *lp, uint64_t pa,
		       struct pamt_ref *ref)
{
	int i = pamt_find_tdmr(mod, pa);
	tdx_status_t st;

	if (i < 0)
		return TDX_OPERAND_ADDR_RANGE_ERROR;
	for (int level = TDX_PS_1G; level >= TDX_PS_4K; level--) {
		st = read_entry(mod, lp, (unsigned int)i, (enum pamt_page_size)level, pa, ref);
		if (st != TDX_SUCCESS)
			return st;
		if (pamt_page_type(&ref->e) != PT_NDA || level == TDX_PS_4K)
			return TDX_SUCCESS;
	}
	return TDX_SUCCESS;
}

tdx_status_t pamt_init_chunk(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
			     uint64_t max_pages)
{
	const struct tdmr_info *t = &mod->tdmr[i];
	uint64_t total = t->size / TDX_PAGE_SIZE;
	uint64_t first = mod->tdmr_init_pages[i];
	uint64_t n = total - first < max_pages ? total - first : max_pages;
	struct pamt_entry chunk[1024];

	if (n > TDX_ARRAY_SIZE(chunk))
		n = TDX_ARRAY_SIZE(chunk);
	if (first == 0) {
		/* The small 1G and 2M PAMTs in one go: every entry PT_NDA. */
		if (pmem_seam_init(lp, module_global_pa(mod, t->pamt_1g_base), t->pamt_1g_size) ||
		    pmem_seam_init(lp, module_global_pa(mod, t->pamt_2m_base), t->pamt_2m_size))
			return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	}
	memset(chunk, 0, sizeof(chunk));
	for (uint64_t k = 0; k < n; k++) {
		uint64_t pa = t->base + (first + k) * TDX_PAGE_SIZE;

		if (in_reserved(t, pa))
			chunk[k].qword0 = TDX_FIELD_PREP(PAMT_PAGE_TYPE_MASK, PT_RSVD);
	}
	/* Chunks start on 1024-entry boundaries, so they are whole lines. */
	if (pmem_seam_write(lp, module_global_pa(mod, t->pamt_4k_base + first * TDX_PAMT_ENTRY_SIZE),
			    chunk, n * sizeof(chunk[0])))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	mod->tdmr_init_pages[i] = first + n;
	return TDX_SUCCESS;
}

static bool pamt_allowed(enum pamt_page_type from, enum pamt_page_type to)
{
	switch (from) {
	case PT_NDA:
		return to == PT_TDR || to == PT_TDCX || to == PT_TDVPR || to == PT_EPT ||
		       to == PT_REG;
	case PT_TDR:
	case PT_TDCX:
	case PT_TDVPR:
	case PT_EPT:
	case PT_REG:
		return to == PT_NDA;
	default:
		return false;	/* PT_RSVD never changes */
	}
}

bool pamt_transition(struct tdx_module *mod, struct plat_lp *lp, struct pamt_ref *ref,
		     enum pamt_page_type to, uint64_t owner_pa)
{
	struct pamt_entry e = ref->e;

	if (!pamt_allowed(pamt_page_type(&e), to))
		return false;
	e.qword0 &= ~(PAMT_PAGE_TYPE_MASK | PAMT_OWNER_MASK);
	e.qword0 |= TDX_FIELD_PREP(PAMT_PAGE_TYPE_MASK, to);
	if (to != PT_NDA)
		e.qword0 |= TDX_FIELD_PREP(PAMT_OWNER_MASK, owner_pa >> 12);
	if (pmem_seam_write(lp, module_global_pa(mod, ref->entry_pa), &e, sizeof(e)))
		return false;
	ref->e = e;
	return true;
}

static uint64_t entry_pa_at(const struct tdmr_info *t, enum pamt_page_size level, uint64_t pa)
{
	return pamt_base(t, level) + ((pa - t->base) >> level_shift[level]) * TDX_PAMT_ENTRY_SIZE;
}

tdx_status_t pamt_check_children(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
				 enum pamt_page_size level, uint64_t pa,
				 enum pamt_page_type type, uint64_t owner)
{
	const struct tdmr_info *t = &mod->tdmr[i];
	struct pamt_entry e[512];

	if (level == TDX_PS_4K)
		return TDX_OPERAND_INVALID;
	if (pmem_seam_read(lp, module_global_pa(mod, entry_pa_at(t, level - 1, pa)), e, sizeof(e)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	for (unsigned int k = 0; k < 512; k++)
		if (pamt_page_type(&e[k]) != type || (type != PT_NDA && pamt_owner(&e[k]) != owner))
			return TDX_PAGE_METADATA_INCORRECT;
	return TDX_SUCCESS;
}

tdx_status_t pamt_resize(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
			 enum pamt_page_size level, uint64_t pa, bool split, uint64_t owner)
{
	const struct tdmr_info *t = &mod->tdmr[i];
	struct pamt_entry big, small[512];
	enum pamt_page_type small_type = split ? PT_REG : PT_NDA;

	if (level == TDX_PS_4K)
		return TDX_OPERAND_INVALID;
	memset(&big, 0, sizeof(big));
	if (!split)
		big.qword0 = TDX_FIELD_PREP(PAMT_PAGE_TYPE_MASK, PT_REG) |
			     TDX_FIELD_PREP(PAMT_OWNER_MASK, owner >> 12);
	memset(small, 0, sizeof(small));
	for (unsigned int k = 0; k < 512; k++)
		if (small_type == PT_REG)
			small[k].qword0 = TDX_FIELD_PREP(PAMT_PAGE_TYPE_MASK, PT_REG) |
					  TDX_FIELD_PREP(PAMT_OWNER_MASK, owner >> 12);
	/* The small entries first: a walk that sees the big one NDA finds them. */
	if (pmem_seam_write(lp, module_global_pa(mod, entry_pa_at(t, level - 1, pa)), small,
			    sizeof(small)) ||
	    pmem_seam_write(lp, module_global_pa(mod, entry_pa_at(t, level, pa)), &big, sizeof(big)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	return TDX_SUCCESS;
}

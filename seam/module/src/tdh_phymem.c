/*
 * The PHYMEM family: TDH.PHYMEM.PAGE.RDMD reads a page's PAMT metadata.
 */
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "td.h"
#include "tdh_mng.h"
#include "vcpu.h"

tdx_status_t tdh_phymem_page_rdmd(struct tdx_module *mod, struct plat_lp *lp,
				  struct tdx_module_args *args)
{
	struct pamt_ref ref;
	tdx_status_t st;

	/* TDH.PHYMEM.PAGE.RDMD: RCX is a 4 KiB aligned PA without KeyID bits. */
	if (!TDX_IS_ALIGNED(args->rcx, TDX_PAGE_SIZE) || (args->rcx >> mod->pa_bits))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	st = pamt_walk(mod, lp, args->rcx, &ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, TDX_OPERAND_ID_RCX);
	if (st != TDX_SUCCESS)
		return st;
	args->rcx = pamt_page_type(&ref.e);
	args->rdx = pamt_owner(&ref.e);
	args->r8 = ref.level;
	args->r9 = ref.e.bepoch;
	args->r10 = 0;
	args->r11 = 0;
	return TDX_SUCCESS;
}

static bool is_td_page(enum pamt_page_type t)
{
	return t == PT_TDR || t == PT_TDCX || t == PT_TDVPR || t == PT_EPT || t == PT_REG;
}

tdx_status_t tdh_phymem_page_reclaim(struct tdx_module *mod, struct plat_lp *lp,
				     struct tdx_module_args *args)
{
	static const uint64_t pages_at[TDX_PS_NR] = { 1, 512, 512 * 512 };
	struct pamt_ref ref;
	enum pamt_page_type type;
	uint64_t owner;
	struct td *td;
	tdx_status_t st;

	/* TDH.PHYMEM.PAGE.RECLAIM: RCX is a TD page of a TD in teardown. */
	if (!TDX_IS_ALIGNED(args->rcx, TDX_PAGE_SIZE) || (args->rcx >> mod->pa_bits))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	st = pamt_walk(mod, lp, args->rcx, &ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, TDX_OPERAND_ID_RCX);
	if (st != TDX_SUCCESS)
		return st;
	type = pamt_page_type(&ref.e);
	owner = pamt_owner(&ref.e);
	if (!is_td_page(type))
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	st = td_get_locked(mod, lp, owner, TDX_OPERAND_ID_TDR, &td);
	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_TEARDOWN) {
		st = TDX_LIFECYCLE_STATE_INCORRECT;
		goto out;
	}
	if (type == PT_TDR && td->chldcnt) {
		st = TDX_TD_ASSOCIATED_PAGES_EXIST;
		goto out;
	}
	if (!page_trylock(mod, args->rcx)) {
		st = tdx_status_operand(TDX_OPERAND_BUSY, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (!pamt_transition(mod, lp, &ref, PT_NDA, 0)) {
		page_unlock(mod, args->rcx);
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto out;
	}

	/* Commit: nothing below may fail. */
	if (type == PT_TDVPR || type == PT_TDCX)
		vcpu_forget_page(mod, td, args->rcx);
	page_unlock(mod, args->rcx);
	args->rcx = type;
	args->rdx = owner;
	args->r8 = ref.level;
	if (type == PT_TDR) {
		td_unlock(td);
		vcpu_forget_td(mod, td->tdr_pa);
		td_free(mod, td);
		return TDX_SUCCESS;
	}
	td->chldcnt -= pages_at[ref.level] <= td->chldcnt ? pages_at[ref.level] : td->chldcnt;
out:
	return td_release(td, st);
}

tdx_status_t tdh_phymem_page_wbinvd(struct tdx_module *mod, struct plat_lp *lp,
				    struct tdx_module_args *args)
{
	uint64_t pa = pmem_pa_strip_keyid(mod->plat, args->rcx);
	struct pamt_ref ref;
	tdx_status_t st;

	/* RCX: the page with the TD's HKID in the KeyID bits; it must be PT_NDA by now. */
	if (!TDX_IS_ALIGNED(pa, TDX_PAGE_SIZE) || (args->rcx >> platform_cfg(mod->plat)->max_pa))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	st = pamt_walk(mod, lp, pa, &ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, TDX_OPERAND_ID_RCX);
	if (st != TDX_SUCCESS)
		return st;
	if (pamt_page_type(&ref.e) != PT_NDA)
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	/* The emulated caches are always written back: nothing else to do. */
	return TDX_SUCCESS;
}

tdx_status_t tdh_phymem_cache_wb(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	uint64_t pkg = 1ULL << lp_package(lp);
	bool any = false;

	if (args->rcx > 1)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	/* The write-back never gets interrupted here, so there is nothing to resume. */
	if (args->rcx == 1)
		return TDX_WBCACHE_RESUME_ERROR;
	pthread_mutex_lock(&mod->td_list_lock);
	for (unsigned int h = mod->private_hkid_min; h <= mod->private_hkid_max; h++) {
		if (kot_get(mod, (hkid_t)h) == KOT_FLUSHED && (mod->wb_pending[h] & pkg)) {
			mod->wb_pending[h] &= ~pkg;
			any = true;
		}
	}
	pthread_mutex_unlock(&mod->td_list_lock);
	return any ? TDX_SUCCESS : TDX_NO_HKID_READY_TO_WBCACHE;
}

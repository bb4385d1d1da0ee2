/*
 * The PHYMEM family: TDH.PHYMEM.PAGE.RDMD reads a page's PAMT metadata.
 */
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "tdh_sys.h"

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

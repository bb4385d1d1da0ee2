/*
 * The typed SEAMCALL wrappers.  Only here does kvm-tdx lay out a leaf's
 * registers; the status goes back raw for seamcall_policy.c to judge.
 */
#include <tdx/tdx_seamcall.h>

#include "host_internal.h"
#include "tdh.h"

static uint64_t call(struct tdx_host *host, unsigned int cpu, struct tdx_module_args *a)
{
	return tdx_sc_retry(host, cpu, a);
}

static uint64_t call_e(struct tdx_host *host, struct tdx_module_args *a, uint64_t *e1,
		       uint64_t *e2)
{
	uint64_t st = call(host, 0, a);

	if (e1)
		*e1 = a->rcx;
	if (e2)
		*e2 = a->rdx;
	return st;
}

uint64_t host_tdh_sys_init(struct tdx_host *host)
{
	struct tdx_module_args a = { .rax = TDH_SYS_INIT };

	return call(host, 0, &a);
}

uint64_t host_tdh_sys_lp_init(struct tdx_host *host, unsigned int cpu)
{
	struct tdx_module_args a = { .rax = TDH_SYS_LP_INIT };

	return call(host, cpu, &a);
}

uint64_t host_tdh_sys_rd(struct tdx_host *host, uint64_t field_id, uint64_t *value)
{
	struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = field_id };
	uint64_t st = call(host, 0, &a);

	*value = a.r8;
	return st;
}

uint64_t host_tdh_sys_config(struct tdx_host *host, uint64_t tdmr_array_pa, uint64_t nr_tdmrs,
			hkid_t global_keyid)
{
	struct tdx_module_args a = { .rax = TDH_SYS_CONFIG, .rcx = tdmr_array_pa,
				     .rdx = nr_tdmrs, .r8 = global_keyid };

	return call(host, 0, &a);
}

uint64_t host_tdh_sys_key_config(struct tdx_host *host, unsigned int cpu)
{
	struct tdx_module_args a = { .rax = TDH_SYS_KEY_CONFIG };

	return call(host, cpu, &a);
}

uint64_t host_tdh_sys_tdmr_init(struct tdx_host *host, uint64_t tdmr_base, uint64_t *next)
{
	struct tdx_module_args a = { .rax = TDH_SYS_TDMR_INIT, .rcx = tdmr_base };
	uint64_t st = call(host, 0, &a);

	*next = a.rdx;
	return st;
}

uint64_t host_tdh_sys_shutdown(struct tdx_host *host, uint64_t handoff_version)
{
	struct tdx_module_args a = { .rax = TDH_SYS_SHUTDOWN, .rcx = handoff_version };

	return call(host, 0, &a);
}

uint64_t host_tdh_sys_update(struct tdx_host *host)
{
	struct tdx_module_args a = { .rax = TDH_SYS_UPDATE };

	return call(host, 0, &a);
}

uint64_t host_tdh_mng_create(struct tdx_host *host, uint64_t tdr, hkid_t hkid)
{
	struct tdx_module_args a = { .rax = TDH_MNG_CREATE, .rcx = tdr, .rdx = hkid };

	return call(host, 0, &a);
}

uint64_t host_tdh_mng_key_config(struct tdx_host *host, unsigned int cpu, uint64_t tdr)
{
	struct tdx_module_args a = { .rax = TDH_MNG_KEY_CONFIG, .rcx = tdr };

	return call(host, cpu, &a);
}

uint64_t host_tdh_mng_addcx(struct tdx_host *host, uint64_t tdr, uint64_t tdcs_page)
{
	struct tdx_module_args a = { .rax = TDH_MNG_ADDCX, .rcx = tdcs_page, .rdx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_mng_init(struct tdx_host *host, uint64_t tdr, uint64_t td_params_pa, uint64_t *e1)
{
	struct tdx_module_args a = { .rax = TDH_MNG_INIT, .rcx = tdr, .rdx = td_params_pa };

	return call_e(host, &a, e1, NULL);
}

uint64_t host_tdh_mng_rd(struct tdx_host *host, uint64_t tdr, uint64_t field_id, uint64_t *value)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = tdr, .rdx = field_id };
	uint64_t st = call(host, 0, &a);

	*value = a.r8;
	return st;
}

uint64_t host_tdh_mng_vpflushdone(struct tdx_host *host, uint64_t tdr)
{
	struct tdx_module_args a = { .rax = TDH_MNG_VPFLUSHDONE, .rcx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_mng_key_freeid(struct tdx_host *host, uint64_t tdr)
{
	struct tdx_module_args a = { .rax = TDH_MNG_KEY_FREEID, .rcx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_mem_sept_add(struct tdx_host *host, uint64_t tdr, uint64_t gpa, unsigned int level,
			  uint64_t page, uint64_t *e1, uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD, .rcx = gpa | level, .rdx = tdr,
				     .r8 = page };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_mem_page_add(struct tdx_host *host, uint64_t tdr, uint64_t gpa, uint64_t page,
			  uint64_t source, uint64_t *e1, uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MEM_PAGE_ADD, .rcx = gpa, .rdx = tdr, .r8 = page,
				     .r9 = source };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_mr_extend(struct tdx_host *host, uint64_t tdr, uint64_t gpa, uint64_t *e1,
		       uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MR_EXTEND, .rcx = gpa, .rdx = tdr };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_mr_finalize(struct tdx_host *host, uint64_t tdr)
{
	struct tdx_module_args a = { .rax = TDH_MR_FINALIZE, .rcx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_vp_create(struct tdx_host *host, uint64_t tdr, uint64_t tdvpr)
{
	struct tdx_module_args a = { .rax = TDH_VP_CREATE, .rcx = tdvpr, .rdx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_vp_addcx(struct tdx_host *host, uint64_t tdvpr, uint64_t page)
{
	struct tdx_module_args a = { .rax = TDH_VP_ADDCX, .rcx = page, .rdx = tdvpr };

	return call(host, 0, &a);
}

uint64_t host_tdh_vp_init(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr, uint64_t rcx,
		     uint32_t x2apic_id)
{
	/* Version 1: R8 carries the vCPU's x2APIC id. */
	struct tdx_module_args a = { .rax = TDH_VP_INIT | TDX_LEAF_VERSION(1), .rcx = tdvpr,
				     .rdx = rcx, .r8 = x2apic_id };

	return call(host, cpu, &a);
}

uint64_t host_tdh_vp_wr(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr,
			uint64_t field_id, uint64_t value, uint64_t mask)
{
	struct tdx_module_args a = { .rax = TDH_VP_WR, .rcx = tdvpr, .rdx = field_id,
				     .r8 = value, .r9 = mask };

	return call(host, cpu, &a);
}

uint64_t host_tdh_vp_flush(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr)
{
	struct tdx_module_args a = { .rax = TDH_VP_FLUSH, .rcx = tdvpr };

	return call(host, cpu, &a);
}

uint64_t host_tdh_phymem_page_rdmd(struct tdx_host *host, uint64_t page, uint64_t *type,
			      uint64_t *owner)
{
	struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = page };
	uint64_t st = call(host, 0, &a);

	*type = a.rcx;
	*owner = a.rdx;
	return st;
}

uint64_t host_tdh_phymem_page_reclaim(struct tdx_host *host, uint64_t page, uint64_t *type,
				 uint64_t *owner, uint64_t *size)
{
	struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = page };
	uint64_t st = call(host, 0, &a);

	*type = a.rcx;
	*owner = a.rdx;
	*size = a.r8;
	return st;
}

uint64_t host_tdh_phymem_page_wbinvd(struct tdx_host *host, uint64_t hpa_with_keyid)
{
	struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_WBINVD, .rcx = hpa_with_keyid };

	return call(host, 0, &a);
}

uint64_t host_tdh_phymem_cache_wb(struct tdx_host *host, unsigned int cpu, uint64_t resume)
{
	struct tdx_module_args a = { .rax = TDH_PHYMEM_CACHE_WB, .rcx = resume };

	return call(host, cpu, &a);
}

uint64_t host_tdh_mem_page_aug(struct tdx_host *host, uint64_t tdr, uint64_t gpa, unsigned int level,
			       uint64_t page, uint64_t *e1, uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MEM_PAGE_AUG, .rcx = gpa | level, .rdx = tdr,
				     .r8 = page };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_mem_range_block(struct tdx_host *host, uint64_t tdr, uint64_t gpa,
				  unsigned int level, uint64_t *e1, uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MEM_RANGE_BLOCK, .rcx = gpa | level, .rdx = tdr };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_mem_track(struct tdx_host *host, uint64_t tdr)
{
	struct tdx_module_args a = { .rax = TDH_MEM_TRACK, .rcx = tdr };

	return call(host, 0, &a);
}

uint64_t host_tdh_mem_page_remove(struct tdx_host *host, uint64_t tdr, uint64_t gpa,
				  unsigned int level, uint64_t *e1, uint64_t *e2)
{
	struct tdx_module_args a = { .rax = TDH_MEM_PAGE_REMOVE, .rcx = gpa | level, .rdx = tdr };

	return call_e(host, &a, e1, e2);
}

uint64_t host_tdh_vp_enter(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr,
			   struct tdx_module_args *io)
{
	/* RCX is the TDVPR going in and the exit's RCX coming out; the rest carry GPRs. */
	io->rax = TDH_VP_ENTER;
	io->rcx = tdvpr;
	return tdx_host_seamcall(host, cpu, io);
}

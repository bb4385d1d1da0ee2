/*
 * One typed wrapper per TDH leaf the host uses (Linux's tdh_*() in
 * arch/x86/virt/vmx/tdx/tdx.c; prefixed host_ here because the module's
 * interface functions, linked into the same emulator, own the tdh_ names).  Each returns the raw 64-bit status after
 * the retry policy (seamcall_policy.c) and hands back the leaf's outputs
 * through pointers; nothing else in kvm-tdx builds a struct
 * tdx_module_args for the module.  @e1/@e2 get RCX/RDX on failure (the
 * SEPT entry and level/state for MEM leaves).
 */
#ifndef TDX_KVM_TDH_H
#define TDX_KVM_TDH_H

#include <stdint.h>

#include <tdx/tdx_types.h>

struct tdx_host;
struct tdx_module_args;

uint64_t host_tdh_sys_init(struct tdx_host *host);
uint64_t host_tdh_sys_lp_init(struct tdx_host *host, unsigned int cpu);
uint64_t host_tdh_sys_rd(struct tdx_host *host, uint64_t field_id, uint64_t *value);
uint64_t host_tdh_sys_config(struct tdx_host *host, uint64_t tdmr_array_pa, uint64_t nr_tdmrs,
			hkid_t global_keyid);
uint64_t host_tdh_sys_key_config(struct tdx_host *host, unsigned int cpu);
uint64_t host_tdh_sys_tdmr_init(struct tdx_host *host, uint64_t tdmr_base, uint64_t *next);
uint64_t host_tdh_sys_shutdown(struct tdx_host *host, uint64_t handoff_version);
uint64_t host_tdh_sys_update(struct tdx_host *host);

uint64_t host_tdh_mng_create(struct tdx_host *host, uint64_t tdr, hkid_t hkid);
uint64_t host_tdh_mng_key_config(struct tdx_host *host, unsigned int cpu, uint64_t tdr);
uint64_t host_tdh_mng_addcx(struct tdx_host *host, uint64_t tdr, uint64_t tdcs_page);
uint64_t host_tdh_mng_init(struct tdx_host *host, uint64_t tdr, uint64_t td_params_pa,
		      uint64_t *e1);
uint64_t host_tdh_mng_rd(struct tdx_host *host, uint64_t tdr, uint64_t field_id, uint64_t *value);
uint64_t host_tdh_mng_vpflushdone(struct tdx_host *host, uint64_t tdr);
uint64_t host_tdh_mng_key_freeid(struct tdx_host *host, uint64_t tdr);

uint64_t host_tdh_mem_sept_add(struct tdx_host *host, uint64_t tdr, uint64_t gpa, unsigned int level,
			  uint64_t page, uint64_t *e1, uint64_t *e2);
uint64_t host_tdh_mem_page_add(struct tdx_host *host, uint64_t tdr, uint64_t gpa, uint64_t page,
			  uint64_t source, uint64_t *e1, uint64_t *e2);
uint64_t host_tdh_mr_extend(struct tdx_host *host, uint64_t tdr, uint64_t gpa, uint64_t *e1,
		       uint64_t *e2);
uint64_t host_tdh_mr_finalize(struct tdx_host *host, uint64_t tdr);

uint64_t host_tdh_vp_create(struct tdx_host *host, uint64_t tdr, uint64_t tdvpr);
uint64_t host_tdh_vp_addcx(struct tdx_host *host, uint64_t tdvpr, uint64_t page);
uint64_t host_tdh_vp_init(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr, uint64_t rcx,
		     uint32_t x2apic_id);
uint64_t host_tdh_vp_flush(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr);
uint64_t host_tdh_vp_wr(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr,
			uint64_t field_id, uint64_t value, uint64_t mask);
/* @io: the host's GPR values in (after a TDVMCALL exit), the TD exit's registers out. */
uint64_t host_tdh_vp_enter(struct tdx_host *host, unsigned int cpu, uint64_t tdvpr,
			   struct tdx_module_args *io);

uint64_t host_tdh_mem_page_aug(struct tdx_host *host, uint64_t tdr, uint64_t gpa, unsigned int level,
			       uint64_t page, uint64_t *e1, uint64_t *e2);
uint64_t host_tdh_mem_range_block(struct tdx_host *host, uint64_t tdr, uint64_t gpa,
				  unsigned int level, uint64_t *e1, uint64_t *e2);
uint64_t host_tdh_mem_track(struct tdx_host *host, uint64_t tdr);
uint64_t host_tdh_mem_page_remove(struct tdx_host *host, uint64_t tdr, uint64_t gpa,
				  unsigned int level, uint64_t *e1, uint64_t *e2);

uint64_t host_tdh_phymem_page_rdmd(struct tdx_host *host, uint64_t page, uint64_t *type,
			      uint64_t *owner);
uint64_t host_tdh_phymem_page_reclaim(struct tdx_host *host, uint64_t page, uint64_t *type,
				 uint64_t *owner, uint64_t *size);
uint64_t host_tdh_phymem_page_wbinvd(struct tdx_host *host, uint64_t hpa_with_keyid);
uint64_t host_tdh_phymem_cache_wb(struct tdx_host *host, unsigned int cpu, uint64_t resume);

#endif /* TDX_KVM_TDH_H */

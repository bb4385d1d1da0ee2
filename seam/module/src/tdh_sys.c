/*
 * The platform (SYS) interface functions: TDH.SYS.INIT, LP.INIT, INFO,
 * RD, RDALL, CONFIG, KEY.CONFIG, TDMR.INIT, LP.SHUTDOWN, SHUTDOWN and
 * UPDATE (reference tdx-abi.md 1.3).  Each checks every operand first and
 * changes state only after the commit marker.  The SYS lock serializes
 * them, as the module's global lock does.
 */
#include <string.h>

#include <openssl/rand.h>

#include <tdx/tdx_msr.h>

#include "metadata.h"
#include "mktme.h"
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "tdh_sys.h"

/* TDMR.INIT initializes this many 4K PAMT entries (4 MiB of TDMR) per call. */
#define TDMR_INIT_CHUNK_PAGES	1024

static tdx_status_t read_msr(struct plat_lp *lp, uint32_t msr, uint64_t *v)
{
	if (lp_rdmsr(lp, msr, v))
		return tdx_status_operand(TDX_INCORRECT_MSR_VALUE, msr);
	return TDX_SUCCESS;
}

tdx_status_t tdh_sys_init(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	uint64_t part, tme, nr_mktme, nr_tdx;
	tdx_status_t st = TDX_SUCCESS;

	/* TDH.SYS.INIT: RCX (attributes) is all reserved. */
	if (args->rcx)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state != SYSINIT_PENDING) {
		st = TDX_SYS_INIT_NOT_PENDING;
		goto out;
	}
	/* Platform checks on this LP: TME and the KeyID split. */
	st = read_msr(lp, MSR_IA32_TME_ACTIVATE, &tme);
	if (st == TDX_SUCCESS)
		st = read_msr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, &part);
	if (st != TDX_SUCCESS)
		goto out;
	nr_mktme = TDX_FIELD_GET(KEYID_PART_NR_MKTME, part);
	nr_tdx = TDX_FIELD_GET(KEYID_PART_NR_TDX, part);
	if (!(tme & TME_ACTIVATE_LOCK) || !(tme & TME_ACTIVATE_ENABLE) || nr_tdx < 2) {
		st = tdx_status_operand(TDX_INCORRECT_MSR_VALUE, MSR_IA32_MKTME_KEYID_PARTITIONING);
		goto out;
	}

	/* Commit: nothing below may fail. */
	mod->private_hkid_min = (hkid_t)(nr_mktme + 1);
	mod->private_hkid_max = (hkid_t)(nr_mktme + nr_tdx);
	mod->hkid_bits = (unsigned int)TDX_FIELD_GET(TME_ACTIVATE_MK_TME_KEYID_BITS, tme);
	mod->pa_bits = platform_pa_bits(mod->plat);
	sys_state_transition(mod, SYSINIT_DONE);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}

tdx_status_t tdh_sys_lp_init(struct tdx_module *mod, struct plat_lp *lp,
			     struct tdx_module_args *args)
{
	unsigned int idx = lp_index(lp);
	uint64_t part;
	tdx_status_t st = TDX_SUCCESS;

	(void)args;
	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state == SYSINIT_PENDING) {
		st = TDX_SYS_STATE_INCORRECT;
		goto out;
	}
	if (idx >= mod->nr_lps) {
		st = TDX_SYS_LP_INIT_NOT_PENDING;
		goto out;
	}
	if (mod->lp_init_done[idx]) {
		st = TDX_SYS_LP_INIT_DONE;
		goto out;
	}
	/* This LP must see the KeyID split SYS.INIT saw. */
	st = read_msr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, &part);
	if (st != TDX_SUCCESS)
		goto out;
	if (TDX_FIELD_GET(KEYID_PART_NR_MKTME, part) + 1 != mod->private_hkid_min) {
		st = tdx_status_operand(TDX_INCONSISTENT_MSR, MSR_IA32_MKTME_KEYID_PARTITIONING);
		goto out;
	}

	/* Commit: nothing below may fail. */
	mod->lp_init_done[idx] = true;
	mod->nr_lp_init_done++;
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}

tdx_status_t tdh_sys_info(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	struct tdsysinfo_struct info;
	struct cmr_info cmr[TDX_MAX_CMRS];

	/* TDH.SYS.INFO: a 1 KiB-aligned info buffer and a 32-entry CMR array. */
	if (!module_shared_buffer_ok(mod, args->rcx, sizeof(info), TDSYSINFO_STRUCT_ALIGNMENT))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if (args->rdx < sizeof(info))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	if (!module_shared_buffer_ok(mod, args->r8, sizeof(cmr), CMR_INFO_ARRAY_ALIGNMENT))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	if (args->r9 < TDX_MAX_CMRS)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9);

	memset(&info, 0, sizeof(info));
	info.attributes = (mod->boot.sigstruct.module_type & SEAM_SIGSTRUCT_MODULE_DEBUG) ? 1U << 31 : 0;
	info.vendor_id = 0x8086;
	info.build_date = md_bcd_to_decimal(mod->boot.image.build_date);
	info.build_num = mod->boot.image.build_num;
	info.minor_version = mod->boot.image.minor_version;
	info.major_version = mod->boot.image.major_version;
	info.sys_rd = 1;
	info.max_tdmrs = MODULE_MAX_TDMRS;
	info.max_reserved_per_tdmr = MODULE_MAX_RESERVED_PER_TDMR;
	info.pamt_entry_size = TDX_PAMT_ENTRY_SIZE;
	info.tdcs_base_size = MODULE_TDCS_BASE_SIZE;
	info.tdvps_base_size = MODULE_TDVPS_BASE_SIZE;
	info.attributes_fixed0 = MODULE_ATTRIBUTES_FIXED0;
	info.attributes_fixed1 = MODULE_ATTRIBUTES_FIXED1;
	info.xfam_fixed0 = MODULE_XFAM_FIXED0;
	info.xfam_fixed1 = MODULE_XFAM_FIXED1;
	info.num_cpuid_config = MODULE_NUM_CPUID_CONFIG;
	for (unsigned int i = 0; i < MODULE_NUM_CPUID_CONFIG; i++) {
		uint64_t leaf = 0, next, v = 0;

		md_sys_read(mod, MD_SYS_CPUID_CONFIG_LEAVES + i, &leaf, &next);
		md_sys_read(mod, MD_SYS_CPUID_CONFIG_VALUES + 2 * i, &v, &next);
		info.cpuid_configs[i].leaf = (uint32_t)leaf;
		info.cpuid_configs[i].sub_leaf = (uint32_t)(leaf >> 32);
		info.cpuid_configs[i].eax = (uint32_t)v;
		info.cpuid_configs[i].ebx = (uint32_t)(v >> 32);
		md_sys_read(mod, MD_SYS_CPUID_CONFIG_VALUES + 2 * i + 1, &v, &next);
		info.cpuid_configs[i].ecx = (uint32_t)v;
		info.cpuid_configs[i].edx = (uint32_t)(v >> 32);
	}
	for (unsigned int i = 0; i < TDX_MAX_CMRS; i++) {
		cmr[i].base = mod->boot.sysinfo.mcheck.cmr[i].base;
		cmr[i].size = mod->boot.sysinfo.mcheck.cmr[i].size;
	}
	if (pmem_seam_write(lp, args->rcx, &info, sizeof(info)))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	if (pmem_seam_write(lp, args->r8, cmr, sizeof(cmr)))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	args->rdx = sizeof(info);
	args->r9 = TDX_MAX_CMRS;
	return TDX_SUCCESS;
}

tdx_status_t tdh_sys_rd(struct tdx_module *mod, struct plat_lp *lp,
			struct tdx_module_args *args)
{
	uint64_t value, next;
	tdx_status_t st;

	(void)lp;
	st = md_sys_read(mod, args->rdx, &value, &next);
	if (st != TDX_SUCCESS)
		return tdx_status_operand(st, TDX_OPERAND_ID_RDX);
	args->r8 = value;
	args->rdx = next;
	return TDX_SUCCESS;
}

/* TDH.SYS.RDALL writes a metadata list (md_sys_list()) to a shared page. */
tdx_status_t tdh_sys_rdall(struct tdx_module *mod, struct plat_lp *lp,
			   struct tdx_module_args *args)
{
	uint64_t page[TDX_PAGE_SIZE / 8];
	uint64_t next;

	if (!module_shared_buffer_ok(mod, args->rdx, TDX_PAGE_SIZE, TDX_PAGE_SIZE))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	if (md_sys_list(mod, args->r8, page, &next) != TDX_SUCCESS)
		return tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_R8);
	if (pmem_seam_write(lp, args->rdx, page, sizeof(page)))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	args->r8 = next;
	return TDX_SUCCESS;
}

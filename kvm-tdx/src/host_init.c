/*
 * Bringing the TDX module up, in Linux's order (reference tdx-abi.md 1.5,
 * host-stack.md 2): SYS.INIT, LP.INIT on every CPU, metadata, TDMRs and
 * PAMTs, SYS.CONFIG, KEY.CONFIG per package, TDMR.INIT.  And the runtime
 * update flow built on the same pieces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_msr.h>
#include <tdx/tdx_status.h>

#include "host_internal.h"
#include "pmem.h"
#include "tdh.h"

int tdx_host_sys_rd(struct tdx_host *host, uint64_t field_id, uint64_t *value,
		    struct emu_error *err)
{
	uint64_t st = host_tdh_sys_rd(host, field_id, value);

	if (st != TDX_SUCCESS)
		return tdx_seamcall_err(host, "TDH.SYS.RD", st, NULL, err);
	return 0;
}

static int read_metadata(struct tdx_host *host, struct emu_error *err)
{
	struct tdx_host_module_info *mi = &host->info;
	struct {
		uint64_t id;
		void *dst;
		size_t size;
	} f[] = {
		{ MD_SYS_MAJOR_VERSION, &mi->major, 2 },
		{ MD_SYS_MINOR_VERSION, &mi->minor, 2 },
		{ MD_SYS_UPDATE_VERSION, &mi->update, 2 },
		{ MD_SYS_INTERNAL_VERSION, &mi->internal, 2 },
		{ MD_SYS_BUILD_NUM, &mi->build_num, 2 },
		{ MD_SYS_BUILD_DATE, &mi->build_date, 4 },
		{ MD_SYS_MAX_TDMRS, &mi->max_tdmrs, 2 },
		{ MD_SYS_MAX_RESERVED_PER_TDMR, &mi->max_reserved_per_tdmr, 2 },
		{ MD_SYS_PAMT_4K_ENTRY_SIZE, &mi->pamt_entry_size[TDX_PS_4K], 2 },
		{ MD_SYS_PAMT_2M_ENTRY_SIZE, &mi->pamt_entry_size[TDX_PS_2M], 2 },
		{ MD_SYS_PAMT_1G_ENTRY_SIZE, &mi->pamt_entry_size[TDX_PS_1G], 2 },
		{ MD_SYS_TDR_BASE_SIZE, &mi->tdr_base_size, 8 },
		{ MD_SYS_TDCS_BASE_SIZE, &mi->tdcs_base_size, 8 },
		{ MD_SYS_TDVPS_BASE_SIZE, &mi->tdvps_base_size, 8 },
		{ MD_SYS_ATTRIBUTES_FIXED0, &mi->attributes_fixed0, 8 },
		{ MD_SYS_ATTRIBUTES_FIXED1, &mi->attributes_fixed1, 8 },
		{ MD_SYS_XFAM_FIXED0, &mi->xfam_fixed0, 8 },
		{ MD_SYS_XFAM_FIXED1, &mi->xfam_fixed1, 8 },
	};
	uint64_t v;
	int ret;

	for (size_t i = 0; i < TDX_ARRAY_SIZE(f); i++) {
		ret = tdx_host_sys_rd(host, f[i].id, &v, err);
		if (ret)
			return ret;
		memcpy(f[i].dst, &v, f[i].size);	/* little-endian: the low bytes */
	}
	ret = tdx_host_sys_rd(host, MD_SYS_NUM_CMRS, &v, err);
	if (ret)
		return ret;
	if (v > TDX_MAX_CMRS)
		return emu_error_set(err, -EINVAL, "module reports %llu CMRs", (unsigned long long)v);
	mi->nr_cmrs = (unsigned int)v;
	for (unsigned int i = 0; i < mi->nr_cmrs; i++) {
		uint64_t base = 0, size = 0;

		ret = tdx_host_sys_rd(host, MD_SYS_CMR_BASE + i, &base, err);
		if (!ret)
			ret = tdx_host_sys_rd(host, MD_SYS_CMR_SIZE + i, &size, err);
		if (ret)
			return ret;
		mi->cmr[i].base = base;
		mi->cmr[i].size = size;
	}
	return 0;
}

static int pamt_alloc(void *arg, uint64_t npages, uint64_t *pa)
{
	return tdx_host_alloc_pages(arg, npages, 0, pa);
}

static void pamt_free(void *arg, uint64_t pa, uint64_t npages)
{
	tdx_host_free_pages(arg, pa, npages);
}

/* KeyIDs: the first TDX KeyID is the module's global one, the rest are for TDs. */
static int setup_keyids(struct tdx_host *host, struct emu_error *err)
{
	uint64_t part;
	unsigned int nr_mktme, nr_tdx, n;

	if (lp_rdmsr(platform_lp(host->plat, 0), MSR_IA32_MKTME_KEYID_PARTITIONING, &part))
		return emu_error_set(err, -EIO, "cannot read IA32_MKTME_KEYID_PARTITIONING");
	nr_mktme = (unsigned int)TDX_FIELD_GET(KEYID_PART_NR_MKTME, part);
	nr_tdx = (unsigned int)TDX_FIELD_GET(KEYID_PART_NR_TDX, part);
	if (nr_tdx < 2)
		return emu_error_set(err, -ENODEV, "only %u TDX KeyIDs, need 2", nr_tdx);
	host->global_keyid = (hkid_t)(nr_mktme + 1);
	host->hkid_first = (hkid_t)(nr_mktme + 2);
	host->hkid_last = (hkid_t)(nr_mktme + nr_tdx);
	n = host->hkid_last - host->hkid_first + 1;
	host->hkid_used = calloc((n + 63) / 64, sizeof(uint64_t));
	if (!host->hkid_used)
		return emu_error_set(err, -ENOMEM, "out of memory for the HKID bitmap");
	return 0;
}

/* Copy the TDMRs into host memory as SYS.CONFIG wants them. */
static int stage_tdmrs(struct tdx_host *host, uint64_t *array_pa, uint64_t *npages)
{
	unsigned int n = host->tdmrs.nr;
	uint64_t pas[TDX_MAX_TDMRS];
	uint64_t per_page = TDX_PAGE_SIZE / TDMR_INFO_ALIGNMENT;
	uint64_t base;
	int ret;

	*npages = 1 + (n + per_page - 1) / per_page;
	ret = tdx_host_alloc_pages(host, *npages, 0, &base);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < n; i++) {
		pas[i] = base + TDX_PAGE_SIZE + i * TDMR_INFO_ALIGNMENT;
		ret = pmem_host_write(host->plat, pas[i], &host->tdmrs.tdmrs[i],
				      sizeof(struct tdmr_info));
		if (ret)
			goto fail;
	}
	ret = pmem_host_write(host->plat, base, pas, n * sizeof(uint64_t));
	if (ret)
		goto fail;
	*array_pa = base;
	return 0;
fail:
	tdx_host_free_pages(host, base, *npages);
	return ret;
}

struct lp_init_call {
	struct tdx_host *host;
	uint64_t status;
};

static int lp_init_all(struct tdx_host *host, struct emu_error *err)
{
	for (unsigned int cpu = 0; cpu < platform_nr_lps(host->plat); cpu++) {
		uint64_t st = host_tdh_sys_lp_init(host, cpu);

		if (st != TDX_SUCCESS)
			return tdx_seamcall_err(host, "TDH.SYS.LP.INIT", st, NULL, err);
	}
	return 0;
}

static int key_config_all(struct tdx_host *host, struct emu_error *err)
{
	uint64_t done = 0;

	for (unsigned int cpu = 0; cpu < platform_nr_lps(host->plat); cpu++) {
		unsigned int pkg = lp_package(platform_lp(host->plat, cpu));
		uint64_t st;

		if (done & (1ULL << pkg))
			continue;
		do {
			st = host_tdh_sys_key_config(host, cpu);
		} while (tdx_status_code_eq(st, TDX_KEY_GENERATION_FAILED));
		if (st != TDX_SUCCESS && st != TDX_KEY_CONFIGURED)
			return tdx_seamcall_err(host, "TDH.SYS.KEY.CONFIG", st, NULL, err);
		done |= 1ULL << pkg;
	}
	return 0;
}

static int tdmr_init_all(struct tdx_host *host, struct emu_error *err)
{
	for (unsigned int i = 0; i < host->tdmrs.nr; i++) {
		const struct tdmr_info *t = &host->tdmrs.tdmrs[i];

		for (;;) {
			uint64_t next = 0;
			uint64_t st = host_tdh_sys_tdmr_init(host, t->base, &next);

			if (st == TDX_TDMR_ALREADY_INITIALIZED)
				break;
			if (st != TDX_SUCCESS)
				return tdx_seamcall_err(host, "TDH.SYS.TDMR.INIT", st, NULL, err);
			if (next >= t->base + t->size)
				break;
		}
	}
	return 0;
}

int tdx_host_module_init(struct tdx_host *host, struct emu_error *err)
{
	struct tdx_host_module_info *mi = &host->info;
	struct tdx_sys_info_tdmr ti;
	struct tdmr_pamt_alloc pa = { pamt_alloc, pamt_free, host };
	uint64_t array_pa = 0, array_pages = 0, st;
	int ret;

	if (host->module_initialized)
		return 0;
	st = host_tdh_sys_init(host);
	if (st != TDX_SUCCESS)
		return tdx_seamcall_err(host, "TDH.SYS.INIT", st, NULL, err);
	ret = lp_init_all(host, err);
	if (!ret)
		ret = read_metadata(host, err);
	if (ret)
		return ret;
	host_log(host, "TDX module: attributes 0x0, vendor_id 0x8086, major_version %u, "
		 "minor_version %u, build_date %u, build_num %u", mi->major, mi->minor,
		 mi->build_date, mi->build_num);

	ti.max_tdmrs = mi->max_tdmrs;
	ti.max_reserved_per_tdmr = mi->max_reserved_per_tdmr;
	memcpy(ti.pamt_entry_size, mi->pamt_entry_size, sizeof(ti.pamt_entry_size));
	ret = tdmrs_build(mi->cmr, mi->nr_cmrs, &ti, &pa, &host->tdmrs, err);
	if (ret)
		return ret;
	mi->nr_tdmrs = host->tdmrs.nr;
	mi->pamt_kb = host->tdmrs.pamt_pages * 4;
	ret = setup_keyids(host, err);
	if (!ret)
		ret = stage_tdmrs(host, &array_pa, &array_pages);
	if (ret) {
		ret = emu_error_set(err, ret ? ret : -ENOMEM, "cannot stage the TDMRs");
		goto fail;
	}
	st = host_tdh_sys_config(host, array_pa, host->tdmrs.nr, host->global_keyid);
	tdx_host_free_pages(host, array_pa, array_pages);
	if (st != TDX_SUCCESS) {
		ret = tdx_seamcall_err(host, "TDH.SYS.CONFIG", st, NULL, err);
		goto fail;
	}
	ret = key_config_all(host, err);
	if (!ret)
		ret = tdmr_init_all(host, err);
	if (ret)
		goto fail;
	host_log(host, "%llu KB allocated for PAMT", (unsigned long long)mi->pamt_kb);
	host_log(host, "module initialized");
	host->module_initialized = true;
	return 0;
fail:
	/* The module may own the PAMTs now: leak them rather than reuse them. */
	return ret;
}

const struct tdx_host_module_info *tdx_host_module_info(const struct tdx_host *host)
{
	return host->module_initialized ? &host->info : NULL;
}

hkid_t tdx_host_global_keyid(const struct tdx_host *host)
{
	return host->global_keyid;
}

int tdx_host_hkid_alloc(struct tdx_host *host, hkid_t *hkid)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&host->mem_lock);
	for (unsigned int k = host->hkid_first; host->hkid_used && k <= host->hkid_last; k++) {
		unsigned int i = k - host->hkid_first;

		if (!(host->hkid_used[i / 64] & (1ULL << (i % 64)))) {
			host->hkid_used[i / 64] |= 1ULL << (i % 64);
			*hkid = (hkid_t)k;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&host->mem_lock);
	return ret;
}

void tdx_host_hkid_free(struct tdx_host *host, hkid_t hkid)
{
	unsigned int i;

	if (!host->hkid_used || hkid < host->hkid_first || hkid > host->hkid_last)
		return;
	i = hkid - host->hkid_first;
	pthread_mutex_lock(&host->mem_lock);
	host->hkid_used[i / 64] &= ~(1ULL << (i % 64));
	pthread_mutex_unlock(&host->mem_lock);
}

int tdx_host_module_update(struct tdx_host *host, const struct seam_sigstruct *sigstruct,
			   const void *pages, uint64_t npages, tdx_install_progress_fn progress,
			   void *arg, uint64_t *status, struct emu_error *err)
{
	uint64_t hv = 0;
	int ret;

	*status = 0;
	ret = tdx_host_sys_rd(host, MD_SYS_MODULE_HV, &hv, err);
	if (ret)
		return ret;
	*status = host_tdh_sys_shutdown(host, hv);
	if (*status != TDX_SUCCESS)
		return tdx_seamcall_err(host, "TDH.SYS.SHUTDOWN", *status, NULL, err);
	ret = tdx_host_seamldr_install(host, SEAMLDR_SCENARIO_UPDATE, sigstruct, pages, npages,
				       progress, arg, status, err);
	if (ret)
		return ret;
	ret = lp_init_all(host, err);
	if (ret)
		return ret;
	*status = host_tdh_sys_update(host);
	if (*status != TDX_SUCCESS)
		return tdx_seamcall_err(host, "TDH.SYS.UPDATE", *status, NULL, err);
	host_log(host, "module updated");
	return 0;
}

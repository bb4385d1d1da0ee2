/*
 * The host's side of the loader path: launch NP-SEAMLDR at early boot,
 * bring the CPUs up, and drive P-SEAMLDR (INFO, SEAMINFO, INSTALL on
 * every LP, SHUTDOWN).  P-SEAMLDR calls are serialized, as Linux does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_status.h>

#include "host_internal.h"
#include "pmem.h"
#include "seam_loader.h"

const char *seamldr_status_name(uint64_t status)
{
	static const struct {
		uint64_t status;
		const char *name;
	} names[] = {
		{ SEAMLDR_SUCCESS, "SUCCESS" },
		{ SEAMLDR_EBADPARAM, "EBADPARAM" },
		{ SEAMLDR_EMODBUSY, "EMODBUSY" },
		{ SEAMLDR_EBADCALL, "EBADCALL" },
		{ SEAMLDR_EBADHANDOFF, "EBADHANDOFF" },
		{ SEAMLDR_ECLEANUPREQ, "ECLEANUPREQ" },
		{ SEAMLDR_EUNSUPPORTED, "EUNSUPPORTED" },
		{ SEAMLDR_ENOMEM, "ENOMEM" },
		{ SEAMLDR_EUNSPECERR, "EUNSPECERR" },
		{ SEAMLDR_EUNSUPCPU, "EUNSUPCPU" },
		{ SEAMLDR_EBADSIG, "EBADSIG" },
		{ SEAMLDR_EBADHASH, "EBADHASH" },
		{ SEAMLDR_EINTERRUPT, "EINTERRUPT" },
		{ SEAMLDR_ENOENTROPY, "ENOENTROPY" },
		{ TDX_SEAMCALL_VMFAILINVALID, "VMFAILINVALID" },
		{ TDX_SEAMCALL_GP, "#GP" },
		{ TDX_SEAMCALL_UD, "#UD" },
	};

	for (size_t i = 0; i < TDX_ARRAY_SIZE(names); i++)
		if (names[i].status == status)
			return names[i].name;
	return "UNKNOWN";
}

struct getsec_call {
	struct tdx_host *host;
	uint64_t pa;
	uint32_t size;
	uint64_t r9;
	struct emu_error *err;
	int ret;
};

static void do_getsec(struct plat_lp *lp, void *arg)
{
	struct getsec_call *c = arg;

	lp_set_smxe(lp, true);
	c->ret = getsec_enteraccs(c->host->cpu_getsec, lp, c->pa, c->size, &c->r9, c->err);
	lp_set_smxe(lp, false);
}

int tdx_host_launch_np_seamldr(struct tdx_host *host, const void *acm, size_t size,
			       uint64_t *np_status, struct emu_error *err)
{
	uint64_t npages = TDX_ALIGN_UP(size, TDX_PAGE_SIZE) / TDX_PAGE_SIZE;
	struct getsec_call c = { .host = host, .size = (uint32_t)size, .err = err };
	int ret;

	*np_status = SEAMLDR_EUNSPECERR;
	if (!size || size > (64ULL << 20))
		return emu_error_set(err, -EINVAL, "NP-SEAMLDR: ACM size %zu out of range", size);
	ret = tdx_host_alloc_pages(host, npages, 1ULL << 32, &c.pa);
	if (ret)
		return emu_error_set(err, ret, "NP-SEAMLDR: no memory below 4 GiB for the ACM");
	ret = pmem_host_write(host->plat, c.pa, acm, size);
	if (ret) {
		tdx_host_free_pages(host, c.pa, npages);
		return emu_error_set(err, ret, "NP-SEAMLDR: cannot copy the ACM to 0x%llx",
				     (unsigned long long)c.pa);
	}
	ret = platform_lp_call(host->plat, 0, do_getsec, &c);
	tdx_host_free_pages(host, c.pa, npages);
	if (ret)
		return emu_error_set(err, ret, "NP-SEAMLDR: the BSP is not running");
	if (c.ret)
		return c.ret;
	*np_status = c.r9;
	if (c.r9 != SEAMLDR_SUCCESS)
		return emu_error_set(err, -EIO, "NP-SEAMLDR failed: %s (0x%016llx)",
				     seamldr_status_name(c.r9), (unsigned long long)c.r9);
	host_log(host, "NP-SEAMLDR launched on CPU 0: P-SEAMLDR loaded");
	return 0;
}

static void do_vmxon(struct plat_lp *lp, void *arg)
{
	int *ret = arg;

	*ret = lp_vmxon(lp);
}

int tdx_host_start_cpus(struct tdx_host *host, struct emu_error *err)
{
	platform_start_aps(host->plat);
	for (unsigned int cpu = 0; cpu < platform_nr_lps(host->plat); cpu++) {
		int r = 0;
		int ret = platform_lp_call(host->plat, cpu, do_vmxon, &r);

		if (ret || r)
			return emu_error_set(err, ret ? ret : r, "VMXON failed on CPU %u", cpu);
	}
	return 0;
}

static uint64_t seamldr_call(struct tdx_host *host, unsigned int cpu, struct tdx_module_args *a)
{
	uint64_t ret;

	pthread_mutex_lock(&host->seamldr_lock);
	ret = tdx_host_seamcall(host, cpu, a);
	pthread_mutex_unlock(&host->seamldr_lock);
	return ret;
}

/* A page the host lends P-SEAMLDR, filled with @len bytes of @data. */
static int lend_page(struct tdx_host *host, const void *data, size_t len, uint64_t *pa)
{
	int ret = tdx_host_alloc_pages(host, 1, 0, pa);

	if (ret)
		return ret;
	ret = pmem_host_write(host->plat, *pa, data, len);
	if (ret)
		tdx_host_free_pages(host, *pa, 1);
	return ret;
}

int tdx_host_seamldr_info(struct tdx_host *host, unsigned int cpu,
			  struct seamldr_info *info, uint64_t *status, struct emu_error *err)
{
	struct tdx_module_args a = { .rax = SEAMLDR_INFO };
	uint64_t pa;
	int ret = tdx_host_alloc_pages(host, 1, 0, &pa);

	if (ret)
		return emu_error_set(err, ret, "SEAMLDR.INFO: no memory for the buffer");
	a.rcx = pa;
	*status = seamldr_call(host, cpu, &a);
	ret = 0;
	if (*status != SEAMLDR_SUCCESS)
		ret = emu_error_set(err, -EIO, "SEAMLDR.INFO on CPU %u: %s (0x%016llx)", cpu,
				    seamldr_status_name(*status), (unsigned long long)*status);
	else if (pmem_host_read(host->plat, pa, info, sizeof(*info)))
		ret = emu_error_set(err, -EIO, "SEAMLDR.INFO: cannot read the buffer back");
	tdx_host_free_pages(host, pa, 1);
	return ret;
}

int tdx_host_seamldr_seaminfo(struct tdx_host *host, unsigned int cpu,
			      struct mcheck_sysinfo *info, struct emu_error *err)
{
	struct tdx_module_args a = { .rax = SEAMLDR_SEAMINFO };
	uint64_t pa, status;
	int ret = tdx_host_alloc_pages(host, 1, 0, &pa);

	if (ret)
		return emu_error_set(err, ret, "SEAMLDR.SEAMINFO: no memory for the buffer");
	a.rcx = pa;
	status = seamldr_call(host, cpu, &a);
	ret = 0;
	if (status != SEAMLDR_SUCCESS)
		ret = emu_error_set(err, -EIO, "SEAMLDR.SEAMINFO on CPU %u: %s", cpu,
				    seamldr_status_name(status));
	else if (pmem_host_read(host->plat, pa, info, sizeof(*info)))
		ret = emu_error_set(err, -EIO, "SEAMLDR.SEAMINFO: cannot read the buffer back");
	tdx_host_free_pages(host, pa, 1);
	return ret;
}

uint64_t tdx_host_seamldr_shutdown(struct tdx_host *host, unsigned int cpu)
{
	struct tdx_module_args a = { .rax = SEAMLDR_SHUTDOWN };

	return seamldr_call(host, cpu, &a);
}

int tdx_host_seamldr_install(struct tdx_host *host, uint32_t scenario,
			     const struct seam_sigstruct *sigstruct, const void *pages,
			     uint64_t npages, tdx_install_progress_fn progress, void *arg,
			     uint64_t *status, struct emu_error *err)
{
	unsigned int nr_cpus = platform_nr_lps(host->plat);
	struct seamldr_params *params = NULL;
	uint64_t params_pa = 0, sig_pa = 0, mod_pa = 0;
	int ret;

	*status = SEAMLDR_EUNSPECERR;
	if (!npages || npages > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "SEAMLDR.INSTALL: %llu module pages, need 1..%d",
				     (unsigned long long)npages, SEAMLDR_MAX_NR_MODULE_PAGES);
	params = calloc(1, sizeof(*params));
	if (!params)
		return emu_error_set(err, -ENOMEM, "SEAMLDR.INSTALL: out of memory");
	ret = lend_page(host, sigstruct, sizeof(*sigstruct), &sig_pa);
	if (!ret)
		ret = tdx_host_alloc_pages(host, npages, 0, &mod_pa);
	if (!ret)
		ret = pmem_host_write(host->plat, mod_pa, pages, npages * TDX_PAGE_SIZE);
	if (ret) {
		ret = emu_error_set(err, ret, "SEAMLDR.INSTALL: cannot stage the module in host memory");
		goto out;
	}
	params->version = 0;
	params->scenario = scenario;
	params->sigstruct_pa = sig_pa;
	params->num_module_pages = npages;
	for (uint64_t i = 0; i < npages; i++)
		params->mod_pages_pa_list[i] = mod_pa + i * TDX_PAGE_SIZE;
	ret = lend_page(host, params, sizeof(*params), &params_pa);
	if (ret) {
		ret = emu_error_set(err, ret, "SEAMLDR.INSTALL: no memory for SEAMLDR_PARAMS");
		goto out;
	}

	/* APs first, the BSP last, one at a time. */
	for (unsigned int n = 0; n < nr_cpus; n++) {
		unsigned int cpu = (n + 1) % nr_cpus;
		struct tdx_module_args a = { .rax = SEAMLDR_INSTALL, .rcx = params_pa };

		*status = seamldr_call(host, cpu, &a);
		if (progress)
			progress(arg, cpu, *status, a.rdx);
		if (*status != SEAMLDR_SUCCESS) {
			struct tdx_module_args c = { .rax = SEAMLDR_CLEANUP };

			ret = emu_error_set(err, -EIO, "SEAMLDR.INSTALL on CPU %u: %s (0x%016llx)",
					    cpu, seamldr_status_name(*status),
					    (unsigned long long)*status);
			/* Abandon the session (and clear the range if it was touched). */
			seamldr_call(host, cpu, &c);
			goto out;
		}
	}
	ret = 0;
out:
	if (params_pa)
		tdx_host_free_pages(host, params_pa, 1);
	if (sig_pa)
		tdx_host_free_pages(host, sig_pa, 1);
	if (mod_pa)
		tdx_host_free_pages(host, mod_pa, npages);
	free(params);
	return ret;
}

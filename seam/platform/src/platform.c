/*
 * Platform power-on and teardown, fuses, the memory controller's CMR
 * configuration and the SEAM registers (SEAMRR activation, entries,
 * SEAMEXTEND).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "dram_backing.h"
#include "platform_internal.h"
#include "pmem.h"

static int check_config(const struct platform_config *cfg, struct emu_error *err)
{
	uint64_t nr_lps = (uint64_t)cfg->nr_packages * cfg->lps_per_package;

	if (cfg->max_pa < 36 || cfg->max_pa > 52)
		return emu_error_set(err, -EINVAL, "max-pa=%u: must be 36..52", cfg->max_pa);
	if (cfg->keyid_bits > 15 || cfg->keyid_bits + 32 > cfg->max_pa)
		return emu_error_set(err, -EINVAL,
				     "keyid-bits=%u: must leave at least 32 address bits below max-pa=%u",
				     cfg->keyid_bits, cfg->max_pa);
	if (cfg->dram_size < TDX_SZ_1G || !TDX_IS_ALIGNED(cfg->dram_size, TDX_SZ_2M))
		return emu_error_set(err, -EINVAL,
				     "dram=0x%llx: must be at least 1G and 2M aligned",
				     (unsigned long long)cfg->dram_size);
	if (cfg->dram_size > (1ULL << (cfg->max_pa - cfg->keyid_bits)))
		return emu_error_set(err, -EINVAL,
				     "dram=0x%llx: larger than the %u address bits left beside the KeyID",
				     (unsigned long long)cfg->dram_size,
				     cfg->max_pa - cfg->keyid_bits);
	if (cfg->nr_packages < 1 || cfg->nr_packages > PLATFORM_MAX_PACKAGES)
		return emu_error_set(err, -EINVAL, "packages=%u: must be 1..%u",
				     cfg->nr_packages, PLATFORM_MAX_PACKAGES);
	if (cfg->lps_per_package < 1 || nr_lps > PLATFORM_MAX_LPS)
		return emu_error_set(err, -EINVAL, "lps=%llu: must be 1..%u",
				     (unsigned long long)nr_lps, PLATFORM_MAX_LPS);
	if (cfg->nr_cmrs > PLATFORM_MAX_CMRS)
		return emu_error_set(err, -EINVAL, "cmr: at most %u ranges", PLATFORM_MAX_CMRS);
	return 0;
}

/*
 * DRAM is a memory file mapped shared, so the vCPU engine can map single
 * pages of it into a TD's guest-physical space (dram_backing.h); tmpfs
 * keeps it sparse.
 */
static void *map_dram(size_t size, int *fd)
{
	void *p;

	*fd = memfd_create("tdx-emu-dram", MFD_CLOEXEC);
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, (off_t)size)) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, *fd, 0);
	if (p == MAP_FAILED) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return p;
}

static void *map_sparse(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int platform_create(const struct platform_config *cfg, struct platform **out,
		    struct emu_error *err)
{
	struct platform *plat;
	unsigned int pkg_shift = 0;
	int ret;

	*out = NULL;
	ret = check_config(cfg, err);
	if (ret)
		return ret;
	while ((1U << pkg_shift) < cfg->lps_per_package)
		pkg_shift++;

	plat = calloc(1, sizeof(*plat));
	if (!plat)
		return emu_error_set(err, -ENOMEM, "platform: out of memory");
	plat->cfg = *cfg;
	plat->nr_lps = cfg->nr_packages * cfg->lps_per_package;
	plat->nr_lines = cfg->dram_size / TDX_CACHELINE_SIZE;
	for (unsigned int i = 0; i < PMEM_NR_LOCKS; i++)
		pthread_mutex_init(&plat->line_locks[i], NULL);
	pthread_mutex_init(&plat->seam_lock, NULL);
	pthread_rwlock_init(&plat->shared_ept_lock, NULL);
	atomic_flag_clear(&plat->pseamldr_busy);

	/* Sparse: a large host costs only the pages that are touched. */
	plat->dram_fd = -1;
	plat->dram = map_dram(cfg->dram_size, &plat->dram_fd);
	plat->meta = map_sparse(plat->nr_lines * sizeof(uint64_t));
	if (!plat->dram || !plat->meta) {
		ret = emu_error_set(err, -ENOMEM, "dram=0x%llx: cannot reserve address space",
				    (unsigned long long)cfg->dram_size);
		goto err_free;
	}
	if (cfg->root_secret_set) {
		memcpy(plat->root_secret, cfg->root_secret, sizeof(plat->root_secret));
		OPENSSL_cleanse(plat->cfg.root_secret, sizeof(plat->cfg.root_secret));
	} else if (RAND_bytes(plat->root_secret, sizeof(plat->root_secret)) != 1) {
		ret = emu_error_set(err, -EIO, "platform: no entropy for the root secret");
		goto err_free;
	}
	ret = mktme_init(plat);
	if (ret) {
		emu_error_set(err, ret, "platform: cannot set up the key table");
		goto err_free;
	}

	plat->lps = calloc(plat->nr_lps, sizeof(*plat->lps));
	if (!plat->lps) {
		ret = emu_error_set(err, -ENOMEM, "platform: out of memory for LPs");
		goto err_keys;
	}
	for (unsigned int i = 0; i < plat->nr_lps; i++) {
		struct plat_lp *lp = &plat->lps[i];

		lp->plat = plat;
		lp->index = i;
		lp->package = i / cfg->lps_per_package;
		/* x2APIC id: package above the thread bits, as CPUID.0xB reports it. */
		lp->x2apic_id = (lp->package << pkg_shift) | (i % cfg->lps_per_package);
		lp->run_state = i == 0 ? LP_RUNNING : LP_WAIT_FOR_SIPI;
		lp->mode = LP_MODE_NORMAL;
		lp_msrs_reset(lp);
	}
	ret = lp_threads_start(plat);
	if (ret) {
		emu_error_set(err, ret, "platform: cannot start LP threads");
		goto err_lps;
	}
	*out = plat;
	return 0;

err_lps:
	free(plat->lps);
err_keys:
	mktme_fini(plat);
err_free:
	if (plat->dram)
		munmap(plat->dram, cfg->dram_size);
	if (plat->dram_fd >= 0)
		close(plat->dram_fd);
	if (plat->meta)
		munmap(plat->meta, plat->nr_lines * sizeof(uint64_t));
	free(plat);
	return ret;
}

void platform_destroy(struct platform *plat)
{
	if (!plat)
		return;
	lp_threads_stop(plat);
	free(plat->lps);
	mktme_fini(plat);
	munmap(plat->dram, plat->cfg.dram_size);
	close(plat->dram_fd);
	munmap(plat->meta, plat->nr_lines * sizeof(uint64_t));
	OPENSSL_cleanse(plat->root_secret, sizeof(plat->root_secret));
	free(plat);
}

const struct platform_config *platform_cfg(const struct platform *plat)
{
	return &plat->cfg;
}

unsigned int platform_nr_lps(const struct platform *plat)
{
	return plat->nr_lps;
}

unsigned int platform_nr_packages(const struct platform *plat)
{
	return plat->cfg.nr_packages;
}

struct plat_lp *platform_lp(struct platform *plat, unsigned int index)
{
	return index < plat->nr_lps ? &plat->lps[index] : NULL;
}

uint64_t platform_dram_size(const struct platform *plat)
{
	return plat->cfg.dram_size;
}

unsigned int platform_pa_bits(const struct platform *plat)
{
	return plat->cfg.max_pa - plat->cfg.keyid_bits;
}

/* ---- fuses ---- */

const uint8_t *platform_vendor_key_hash(const struct platform *plat)
{
	return plat->cfg.vendor_key_hash;
}

const uint8_t *platform_cpusvn(const struct platform *plat)
{
	return plat->cfg.cpusvn;
}

uint32_t platform_cpuid_fms(const struct platform *plat)
{
	return plat->cfg.cpuid_fms;
}

int platform_root_secret(struct plat_lp *lp, uint8_t out[32])
{
	if (lp->mode != LP_MODE_SEAM)
		return -EPERM;
	memcpy(out, lp->plat->root_secret, 32);
	return 0;
}

/* ---- memory controller ---- */

int platform_mc_set_cmrs(struct platform *plat, const struct platform_range *cmr,
			 unsigned int nr)
{
	if (nr > PLATFORM_MAX_CMRS)
		return -EINVAL;
	if (plat->seam_enabled)
		return -EPERM;
	memcpy(plat->cmr, cmr, nr * sizeof(*cmr));
	plat->nr_cmrs = nr;
	return 0;
}

unsigned int platform_mc_cmrs(const struct platform *plat, struct platform_range *cmr)
{
	memcpy(cmr, plat->cmr, plat->nr_cmrs * sizeof(*cmr));
	return plat->nr_cmrs;
}

/* ---- SEAM registers ---- */

void platform_seam_enable(struct platform *plat, struct platform_range seamrr,
			  const struct mcheck_sysinfo *info)
{
	uint64_t table = seamrr.base + seamrr.size - TDX_PAGE_SIZE;

	pthread_mutex_lock(&plat->seam_lock);
	plat->seamrr = seamrr;
	plat->sysinfo = *info;
	/* MCHECK's P_SYS_INFO_TABLE: the last page of SEAMRR, under KeyID 0. */
	if (table + TDX_PAGE_SIZE <= plat->cfg.dram_size) {
		memset(plat->dram + table, 0, TDX_PAGE_SIZE);
		memcpy(plat->dram + table, info, sizeof(*info));
		memset(&plat->meta[table / TDX_CACHELINE_SIZE], 0,
		       TDX_PAGE_SIZE / TDX_CACHELINE_SIZE * sizeof(uint64_t));
	}
	plat->seam_enabled = true;
	pthread_mutex_unlock(&plat->seam_lock);
}

bool platform_seam_enabled(const struct platform *plat)
{
	return plat->seam_enabled;
}

struct platform_range platform_seamrr(const struct platform *plat)
{
	return plat->seamrr;
}

static bool privileged(const struct plat_lp *lp)
{
	return lp->mode == LP_MODE_SEAM || lp->mode == LP_MODE_ACM;
}

int platform_set_pseamldr_entry(struct plat_lp *lp, seam_entry_fn fn, void *ctx)
{
	struct platform *plat = lp->plat;

	if (lp->mode != LP_MODE_ACM && lp->mode != LP_MODE_SEAM)
		return -EPERM;
	pthread_mutex_lock(&plat->seam_lock);
	plat->pseamldr_entry = fn;
	plat->pseamldr_ctx = ctx;
	pthread_mutex_unlock(&plat->seam_lock);
	return 0;
}

int platform_set_module_entry(struct plat_lp *caller, unsigned int lp_index,
			      seam_entry_fn fn, void *ctx)
{
	struct platform *plat = caller->plat;

	if (caller->mode != LP_MODE_SEAM)
		return -EPERM;
	if (lp_index >= plat->nr_lps)
		return -EINVAL;
	pthread_mutex_lock(&plat->seam_lock);
	plat->lps[lp_index].module_entry = fn;
	plat->lps[lp_index].module_ctx = ctx;
	pthread_mutex_unlock(&plat->seam_lock);
	return 0;
}

void platform_seamextend_read(const struct platform *plat, struct seamextend *out)
{
	pthread_mutex_lock((pthread_mutex_t *)&plat->seam_lock);
	*out = plat->seamextend;
	pthread_mutex_unlock((pthread_mutex_t *)&plat->seam_lock);
}

int platform_seamextend_write(struct plat_lp *lp, const struct seamextend *val)
{
	struct platform *plat = lp->plat;

	if (!privileged(lp))
		return -EPERM;
	pthread_mutex_lock(&plat->seam_lock);
	plat->seamextend = *val;
	pthread_mutex_unlock(&plat->seam_lock);
	return 0;
}

int platform_dram_backing(struct platform *plat, struct dram_backing *out)
{
	if (!plat || plat->dram_fd < 0)
		return -ENODEV;
	out->fd = plat->dram_fd;
	out->base = plat->dram;
	out->size = plat->cfg.dram_size;
	return 0;
}

bool platform_dram_line_poisoned(struct platform *plat, uint64_t pa, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += TDX_CACHELINE_SIZE) {
		struct pmem_line_info li;

		if (pmem_line_info(plat, pa + off, &li) || li.poison || !li.td_owner)
			return true;
	}
	return false;
}

int platform_shared_ept_map(struct platform *plat, uint64_t tdr_pa, uint64_t gpa, void *hva,
			    uint64_t size)
{
	int ret = -ENODEV;

	pthread_rwlock_rdlock(&plat->shared_ept_lock);
	if (plat->shared_ept)
		ret = plat->shared_ept(plat->shared_ept_ctx, tdr_pa, gpa, hva, size);
	pthread_rwlock_unlock(&plat->shared_ept_lock);
	return ret;
}

void platform_set_shared_ept_handler(struct platform *plat, shared_ept_fn fn, void *ctx)
{
	pthread_rwlock_wrlock(&plat->shared_ept_lock);
	/* Removal only by whoever installed it (an updated module has replaced it). */
	if (fn || plat->shared_ept_ctx == ctx) {
		plat->shared_ept = fn;
		plat->shared_ept_ctx = fn ? ctx : NULL;
	}
	pthread_rwlock_unlock(&plat->shared_ept_lock);
}

void platform_set_poison_handler(struct platform *plat, poison_fn fn, void *ctx)
{
	pthread_rwlock_wrlock(&plat->shared_ept_lock);
	if (fn || plat->poison_ctx == ctx) {
		plat->poison = fn;
		plat->poison_ctx = fn ? ctx : NULL;
	}
	pthread_rwlock_unlock(&plat->shared_ept_lock);
}

void platform_poison_notify(struct platform *plat, uint64_t pa, uint64_t len)
{
	pthread_rwlock_rdlock(&plat->shared_ept_lock);
	if (plat->poison)
		plat->poison(plat->poison_ctx, pa, len);
	pthread_rwlock_unlock(&plat->shared_ept_lock);
}

void platform_set_lp_interrupt_handler(struct platform *plat, lp_interrupt_fn fn, void *ctx)
{
	pthread_rwlock_wrlock(&plat->shared_ept_lock);
	if (fn || plat->lp_intr_ctx == ctx) {
		plat->lp_intr = fn;
		plat->lp_intr_ctx = fn ? ctx : NULL;
	}
	pthread_rwlock_unlock(&plat->shared_ept_lock);
}

void platform_lp_interrupt(struct platform *plat, unsigned int lp, uint8_t vector)
{
	pthread_rwlock_rdlock(&plat->shared_ept_lock);
	if (plat->lp_intr && lp < plat->nr_lps)
		plat->lp_intr(plat->lp_intr_ctx, lp, vector);
	pthread_rwlock_unlock(&plat->shared_ept_lock);
}

void platform_lp_kick(struct platform *plat, unsigned int lp)
{
	platform_lp_interrupt(plat, lp, PLATFORM_VECTOR_RESCHEDULE);
}

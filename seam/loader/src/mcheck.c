/*
 * MCHECK: the microcode check of what the untrusted BIOS programmed
 * (reference tdx-abi.md 5.2; the exact rule set is not public, so these
 * are the checks the architecture documents imply, each named).
 *
 * tdx-emu's choices, pinned by tests: SEAMRR is a power of two of at
 * least 64 MiB (32 MiB P-SEAMLDR range plus a module range), aligned to
 * its size; CMRs may not overlap SEAMRR or SMRR, nor SMRR SEAMRR; the BIOS must configure
 * the KeyID width and partitioning the memory controller was built with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tdx/tdx_msr.h>

#include "seam_loader.h"

static const char *const check_names[MCHECK_NR_CHECKS] = {
	[MCHECK_PASSED] = "PASSED",
	[MCHECK_SEAMRR_UNSUPPORTED] = "SEAMRR_UNSUPPORTED",
	[MCHECK_SEAMRR_NOT_ENABLED] = "SEAMRR_NOT_ENABLED",
	[MCHECK_SEAMRR_NOT_LOCKED] = "SEAMRR_NOT_LOCKED",
	[MCHECK_SEAMRR_INCONSISTENT] = "SEAMRR_INCONSISTENT",
	[MCHECK_SEAMRR_MASK_INVALID] = "SEAMRR_MASK_INVALID",
	[MCHECK_SEAMRR_BASE_MISALIGNED] = "SEAMRR_BASE_MISALIGNED",
	[MCHECK_SEAMRR_TOO_SMALL] = "SEAMRR_TOO_SMALL",
	[MCHECK_SEAMRR_OUTSIDE_DRAM] = "SEAMRR_OUTSIDE_DRAM",
	[MCHECK_TME_NOT_ACTIVATED] = "TME_NOT_ACTIVATED",
	[MCHECK_TME_INCONSISTENT] = "TME_INCONSISTENT",
	[MCHECK_KEYID_BITS_INVALID] = "KEYID_BITS_INVALID",
	[MCHECK_KEYID_PARTITIONING_INVALID] = "KEYID_PARTITIONING_INVALID",
	[MCHECK_KEYID_PARTITIONING_INCONSISTENT] = "KEYID_PARTITIONING_INCONSISTENT",
	[MCHECK_TOO_FEW_TDX_KEYIDS] = "TOO_FEW_TDX_KEYIDS",
	[MCHECK_CMR_COUNT] = "CMR_COUNT",
	[MCHECK_CMR_MISALIGNED] = "CMR_MISALIGNED",
	[MCHECK_CMR_NOT_SORTED] = "CMR_NOT_SORTED",
	[MCHECK_CMR_OVERLAP] = "CMR_OVERLAP",
	[MCHECK_CMR_OUTSIDE_DRAM] = "CMR_OUTSIDE_DRAM",
	[MCHECK_CMR_OVERLAPS_SEAMRR] = "CMR_OVERLAPS_SEAMRR",
	[MCHECK_SMRR_INCONSISTENT] = "SMRR_INCONSISTENT",
	[MCHECK_SMRR_OVERLAPS_CMR] = "SMRR_OVERLAPS_CMR",
	[MCHECK_SMRR_OVERLAPS_SEAMRR] = "SMRR_OVERLAPS_SEAMRR",
	[MCHECK_TOO_MANY_PACKAGES] = "TOO_MANY_PACKAGES",
};
TDX_STATIC_ASSERT(TDX_ARRAY_SIZE(check_names) == MCHECK_NR_CHECKS,
		  "every MCHECK check has a name");

const char *mcheck_check_name(enum mcheck_check check)
{
	if ((unsigned int)check >= MCHECK_NR_CHECKS || !check_names[check])
		return "UNKNOWN";
	return check_names[check];
}

static int fail(struct mcheck_result *res, enum mcheck_check check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mcheck_result *res, enum mcheck_check check, const char *fmt, ...)
{
	int n;
	va_list ap;

	res->check = check;
	n = snprintf(res->msg, sizeof(res->msg), "MCHECK %s: ", mcheck_check_name(check));
	va_start(ap, fmt);
	vsnprintf(res->msg + n, sizeof(res->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint64_t rdmsr0(const struct plat_lp *lp, uint32_t msr)
{
	uint64_t v = 0;

	lp_rdmsr(lp, msr, &v);
	return v;
}

/* The first LP whose @msr differs from LP 0's, or -1. */
static int msr_mismatch(struct platform *plat, uint32_t msr, uint64_t *v0, uint64_t *vi)
{
	*v0 = rdmsr0(platform_lp(plat, 0), msr);
	for (unsigned int i = 1; i < platform_nr_lps(plat); i++) {
		*vi = rdmsr0(platform_lp(plat, i), msr);
		if (*vi != *v0)
			return (int)i;
	}
	return -1;
}

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static int check_seamrr(struct platform *plat, struct mcheck_result *res,
			struct platform_range *seamrr)
{
	const struct platform_config *cfg = platform_cfg(plat);
	uint64_t addr_bits = TDX_GENMASK(cfg->max_pa - 1, SEAMRR_ADDR_SHIFT);
	uint64_t base, mask, v0, vi, mask_addr, size;
	int lp;

	if (!(rdmsr0(platform_lp(plat, 0), MSR_IA32_MTRRCAP) & MTRRCAP_SEAMRR))
		return fail(res, MCHECK_SEAMRR_UNSUPPORTED, "IA32_MTRRCAP bit 15 is clear");
	lp = msr_mismatch(plat, MSR_IA32_SEAMRR_PHYS_BASE, &v0, &vi);
	if (lp < 0)
		lp = msr_mismatch(plat, MSR_IA32_SEAMRR_PHYS_MASK, &v0, &vi);
	if (lp >= 0)
		return fail(res, MCHECK_SEAMRR_INCONSISTENT,
			    "LP %d has 0x%llx where LP 0 has 0x%llx", lp,
			    (unsigned long long)vi, (unsigned long long)v0);
	base = rdmsr0(platform_lp(plat, 0), MSR_IA32_SEAMRR_PHYS_BASE);
	mask = rdmsr0(platform_lp(plat, 0), MSR_IA32_SEAMRR_PHYS_MASK);
	if (!(base & SEAMRR_BASE_CONFIGURED) || !(mask & SEAMRR_MASK_ENABLED))
		return fail(res, MCHECK_SEAMRR_NOT_ENABLED,
			    "IA32_SEAMRR_PHYS_BASE=0x%llx MASK=0x%llx (need CONFIGURED and ENABLED)",
			    (unsigned long long)base, (unsigned long long)mask);
	if (!(mask & SEAMRR_MASK_LOCKED))
		return fail(res, MCHECK_SEAMRR_NOT_LOCKED,
			    "IA32_SEAMRR_PHYS_MASK=0x%llx lacks LOCKED", (unsigned long long)mask);

	mask_addr = mask & addr_bits;
	size = (~mask_addr & TDX_GENMASK(cfg->max_pa - 1, 0)) + 1;
	if (!mask_addr || (size & (size - 1)) ||
	    mask_addr != (TDX_GENMASK(cfg->max_pa - 1, 0) & ~(size - 1)))
		return fail(res, MCHECK_SEAMRR_MASK_INVALID,
			    "mask 0x%llx is not a contiguous power-of-two mask",
			    (unsigned long long)mask_addr);
	base &= addr_bits;
	if (!TDX_IS_ALIGNED(base, size))
		return fail(res, MCHECK_SEAMRR_BASE_MISALIGNED,
			    "base 0x%llx is not aligned to the size 0x%llx",
			    (unsigned long long)base, (unsigned long long)size);
	if (size < 2 * P_SEAMLDR_RANGE_SIZE)
		return fail(res, MCHECK_SEAMRR_TOO_SMALL,
			    "size 0x%llx is below 0x%llx (P-SEAMLDR range plus module range)",
			    (unsigned long long)size, (unsigned long long)(2 * P_SEAMLDR_RANGE_SIZE));
	if (base + size > platform_dram_size(plat))
		return fail(res, MCHECK_SEAMRR_OUTSIDE_DRAM,
			    "[0x%llx, 0x%llx) ends beyond DRAM (0x%llx)",
			    (unsigned long long)base, (unsigned long long)(base + size),
			    (unsigned long long)platform_dram_size(plat));
	seamrr->base = base;
	seamrr->size = size;
	return 0;
}

static int check_tme_keyids(struct platform *plat, struct mcheck_result *res)
{
	const struct platform_config *cfg = platform_cfg(plat);
	struct plat_lp *lp0 = platform_lp(plat, 0);
	uint64_t tme, cap, part, v0, vi, nr_mktme, nr_tdx, bits;
	int lp;

	lp = msr_mismatch(plat, MSR_IA32_TME_ACTIVATE, &v0, &vi);
	if (lp >= 0)
		return fail(res, MCHECK_TME_INCONSISTENT,
			    "IA32_TME_ACTIVATE on LP %d is 0x%llx, on LP 0 0x%llx", lp,
			    (unsigned long long)vi, (unsigned long long)v0);
	tme = rdmsr0(lp0, MSR_IA32_TME_ACTIVATE);
	if (!(tme & TME_ACTIVATE_LOCK) || !(tme & TME_ACTIVATE_ENABLE))
		return fail(res, MCHECK_TME_NOT_ACTIVATED,
			    "IA32_TME_ACTIVATE=0x%llx (need LOCK and ENABLE)",
			    (unsigned long long)tme);
	cap = rdmsr0(lp0, MSR_IA32_TME_CAPABILITY);
	bits = TDX_FIELD_GET(TME_ACTIVATE_MK_TME_KEYID_BITS, tme);
	if (bits == 0 || bits != TDX_FIELD_GET(TME_CAP_MK_TME_MAX_KEYID_BITS, cap))
		return fail(res, MCHECK_KEYID_BITS_INVALID,
			    "MK_TME_KEYID_BITS=%llu, the memory controller has %u",
			    (unsigned long long)bits, cfg->keyid_bits);

	lp = msr_mismatch(plat, MSR_IA32_MKTME_KEYID_PARTITIONING, &v0, &vi);
	if (lp >= 0)
		return fail(res, MCHECK_KEYID_PARTITIONING_INCONSISTENT,
			    "LP %d has 0x%llx where LP 0 has 0x%llx", lp,
			    (unsigned long long)vi, (unsigned long long)v0);
	part = rdmsr0(lp0, MSR_IA32_MKTME_KEYID_PARTITIONING);
	nr_mktme = TDX_FIELD_GET(KEYID_PART_NR_MKTME, part);
	nr_tdx = TDX_FIELD_GET(KEYID_PART_NR_TDX, part);
	if (nr_mktme + nr_tdx > (1ULL << bits) - 1 || nr_mktme != cfg->nr_mktme_keyids ||
	    nr_tdx != cfg->nr_tdx_keyids)
		return fail(res, MCHECK_KEYID_PARTITIONING_INVALID,
			    "%llu MKTME + %llu TDX KeyIDs with %llu KeyID bits "
			    "(memory controller: %u + %u)",
			    (unsigned long long)nr_mktme, (unsigned long long)nr_tdx,
			    (unsigned long long)bits, cfg->nr_mktme_keyids, cfg->nr_tdx_keyids);
	/* One KeyID for the module's global data, at least one for a TD. */
	if (nr_tdx < 2)
		return fail(res, MCHECK_TOO_FEW_TDX_KEYIDS,
			    "%llu TDX KeyIDs, at least 2 are needed", (unsigned long long)nr_tdx);
	return 0;
}

static int check_cmrs(struct platform *plat, struct mcheck_result *res,
		      const struct platform_range *cmr, unsigned int nr,
		      struct platform_range seamrr)
{
	uint64_t dram = platform_dram_size(plat);

	if (nr < 1 || nr > PLATFORM_MAX_CMRS)
		return fail(res, MCHECK_CMR_COUNT, "%u CMRs, need 1..%u", nr, PLATFORM_MAX_CMRS);
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t b = cmr[i].base, s = cmr[i].size;

		if (!s || !TDX_IS_ALIGNED(b, TDX_PAGE_SIZE) || !TDX_IS_ALIGNED(s, TDX_PAGE_SIZE))
			return fail(res, MCHECK_CMR_MISALIGNED,
				    "CMR[%u] base 0x%llx size 0x%llx is empty or not 4 KiB aligned",
				    i, (unsigned long long)b, (unsigned long long)s);
		if (b > dram || s > dram - b)
			return fail(res, MCHECK_CMR_OUTSIDE_DRAM,
				    "CMR[%u] [0x%llx, 0x%llx) ends beyond DRAM (0x%llx)", i,
				    (unsigned long long)b, (unsigned long long)(b + s),
				    (unsigned long long)dram);
		if (i && b < cmr[i - 1].base)
			return fail(res, MCHECK_CMR_NOT_SORTED,
				    "CMR[%u] base 0x%llx is below CMR[%u] base 0x%llx", i,
				    (unsigned long long)b, i - 1,
				    (unsigned long long)cmr[i - 1].base);
		if (i && overlap(b, s, cmr[i - 1].base, cmr[i - 1].size))
			return fail(res, MCHECK_CMR_OVERLAP,
				    "CMR[%u] [0x%llx, 0x%llx) overlaps CMR[%u]", i,
				    (unsigned long long)b, (unsigned long long)(b + s), i - 1);
		if (overlap(b, s, seamrr.base, seamrr.size))
			return fail(res, MCHECK_CMR_OVERLAPS_SEAMRR,
				    "CMR[%u] [0x%llx, 0x%llx) overlaps SEAMRR [0x%llx, 0x%llx)", i,
				    (unsigned long long)b, (unsigned long long)(b + s),
				    (unsigned long long)seamrr.base,
				    (unsigned long long)(seamrr.base + seamrr.size));
	}
	return 0;
}

static int check_smrr(struct platform *plat, struct mcheck_result *res,
		      const struct platform_range *cmr, unsigned int nr,
		      struct platform_range seamrr)
{
	uint64_t v0, vi, base, mask, size;
	int lp;

	lp = msr_mismatch(plat, MSR_IA32_SMRR_PHYSBASE, &v0, &vi);
	if (lp < 0)
		lp = msr_mismatch(plat, MSR_IA32_SMRR_PHYSMASK, &v0, &vi);
	if (lp >= 0)
		return fail(res, MCHECK_SMRR_INCONSISTENT,
			    "LP %d has 0x%llx where LP 0 has 0x%llx", lp,
			    (unsigned long long)vi, (unsigned long long)v0);
	mask = rdmsr0(platform_lp(plat, 0), MSR_IA32_SMRR_PHYSMASK);
	if (!(mask & SMRR_MASK_VALID))
		return 0;
	base = rdmsr0(platform_lp(plat, 0), MSR_IA32_SMRR_PHYSBASE) & SMRR_ADDR_MASK;
	size = (~(mask & SMRR_ADDR_MASK) & 0xFFFFFFFFULL) + 1;
	if (overlap(base, size, seamrr.base, seamrr.size))
		return fail(res, MCHECK_SMRR_OVERLAPS_SEAMRR,
			    "SMRR [0x%llx, 0x%llx) overlaps SEAMRR [0x%llx, 0x%llx)",
			    (unsigned long long)base, (unsigned long long)(base + size),
			    (unsigned long long)seamrr.base,
			    (unsigned long long)(seamrr.base + seamrr.size));
	for (unsigned int i = 0; i < nr; i++)
		if (overlap(base, size, cmr[i].base, cmr[i].size))
			return fail(res, MCHECK_SMRR_OVERLAPS_CMR,
				    "SMRR [0x%llx, 0x%llx) overlaps CMR[%u] [0x%llx, 0x%llx)",
				    (unsigned long long)base, (unsigned long long)(base + size), i,
				    (unsigned long long)cmr[i].base,
				    (unsigned long long)(cmr[i].base + cmr[i].size));
	return 0;
}

int mcheck_run(struct platform *plat, struct mcheck_result *res)
{
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	struct platform_range seamrr = { 0 };
	struct mcheck_sysinfo info;
	unsigned int nr_cmrs = platform_mc_cmrs(plat, cmr);
	int ret;

	memset(res, 0, sizeof(*res));
	if (platform_nr_packages(plat) > SYSINFO_MAX_SOCKETS)
		return fail(res, MCHECK_TOO_MANY_PACKAGES, "%u packages, at most %u",
			    platform_nr_packages(plat), SYSINFO_MAX_SOCKETS);
	ret = check_seamrr(plat, res, &seamrr);
	if (!ret)
		ret = check_tme_keyids(plat, res);
	if (!ret)
		ret = check_cmrs(plat, res, cmr, nr_cmrs, seamrr);
	if (!ret)
		ret = check_smrr(plat, res, cmr, nr_cmrs, seamrr);
	if (ret)
		return ret;

	memset(&info, 0, sizeof(info));
	info.version = 0;
	info.tot_num_lps = platform_nr_lps(plat);
	info.tot_num_sockets = platform_nr_packages(plat);
	for (unsigned int p = 0; p < info.tot_num_sockets; p++)
		info.socket_cpuid_table[p] = platform_cpuid_fms(plat);
	info.p_seamldr_range_base = seamrr.base + seamrr.size - P_SEAMLDR_RANGE_SIZE;
	info.p_seamldr_range_size = P_SEAMLDR_RANGE_SIZE;
	info.smrr2_not_supported = 1;
	for (unsigned int i = 0; i < nr_cmrs; i++) {
		info.cmr[i].base = cmr[i].base;
		info.cmr[i].size = cmr[i].size;
	}
	platform_seam_enable(plat, seamrr, &info);
	res->check = MCHECK_PASSED;
	snprintf(res->msg, sizeof(res->msg),
		 "MCHECK passed: SEAMRR [0x%llx, 0x%llx), %u CMRs, %u LPs in %u package(s)",
		 (unsigned long long)seamrr.base, (unsigned long long)(seamrr.base + seamrr.size),
		 nr_cmrs, info.tot_num_lps, info.tot_num_sockets);
	return 0;
}

/*
 * Unit tests for seam/loader/src/mcheck.c: MCHECK accepts what an honest
 * BIOS programs and writes the MCHECK part of the system information
 * table, and refuses every lie the BIOS can tell, one test per check of
 * enum mcheck_check.  After a refusal SEAM stays disabled, so SEAMCALL
 * raises #GP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/tdx_msr.h>
#include <tdx/tdx_seamcall.h>

#include "fake_platform.h"
#include "firmware_paths.h"
#include "seam_machine.h"
#include "tdxctl/tdxctl.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* What the default configuration (platform_config_defaults) leads to. */
#define DEF_MAX_PA		46
#define DEF_SEAMRR_SIZE		(128 * MiB)
#define DEF_SEAMRR_BASE		(8 * GiB - DEF_SEAMRR_SIZE)
#define DEF_SMRR_BASE		(2 * GiB - 8 * MiB)
#define DEF_SMRR_SIZE		(8 * MiB)

/* ---- helpers ---- */

/* "vendor-key-hash=<96 hex digits>" from the build's firmware directory. */
static void vendor_key_hash_kv(char *kv, size_t size)
{
	struct emu_error err = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;

	if (tdxctl_file_read(TDX_FW_VENDOR_KEY_HASH, &buf, &len, &err))
		fail_msg("%s", err.msg);
	assert_true(len >= 96);
	snprintf(kv, size, "vendor-key-hash=%.96s", (const char *)buf);
	free(buf);
}

/* A machine from the defaults, the fused vendor key and @overrides. */
static struct seam_machine *machine_new(const char *const *overrides)
{
	struct platform_config cfg;
	struct seam_machine *m = NULL;
	struct emu_error err = { 0 };
	char kv[160];

	platform_config_defaults(&cfg);
	vendor_key_hash_kv(kv, sizeof(kv));
	if (platform_config_set(&cfg, kv, &err))
		fail_msg("%s", err.msg);
	for (; overrides && *overrides; overrides++)
		if (platform_config_set(&cfg, *overrides, &err))
			fail_msg("%s: %s", *overrides, err.msg);
	if (seam_machine_create(&cfg, &m, &err))
		fail_msg("seam_machine_create: %s", err.msg);
	return m;
}

/* The honest IA32_SEAMRR_PHYS_MASK value for a SEAMRR of @size. */
static uint64_t seamrr_mask_for(uint64_t size)
{
	return TDX_GENMASK(DEF_MAX_PA - 1, SEAMRR_ADDR_SHIFT) & ~(size - 1);
}

#define HONEST_TME		(TME_ACTIVATE_LOCK | TME_ACTIVATE_ENABLE | \
				 TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_KEYID_BITS, 6) | \
				 TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_CRYPTO_ALGS, 1))
#define PARTITIONING(mktme, tdx) \
	(TDX_FIELD_PREP(KEYID_PART_NR_MKTME, (mktme)) | TDX_FIELD_PREP(KEYID_PART_NR_TDX, (tdx)))

struct seamcall_call {
	uint64_t rax;
	uint64_t rcx;
	int vmxon_ret;
	enum seamcall_result res;
};

/* On the LP's own thread: VMXON, SEAMCALL, VMXOFF. */
static void seamcall_fn(struct plat_lp *lp, void *arg)
{
	struct seamcall_call *c = arg;
	struct tdx_module_args args = { .rax = c->rax, .rcx = c->rcx };

	c->vmxon_ret = lp_vmxon(lp);
	c->res = lp_seamcall(lp, &args);
	lp_vmxoff(lp);
}

static enum seamcall_result seamcall_on_lp0(struct platform *plat, uint64_t rax)
{
	struct seamcall_call c = { .rax = rax };

	assert_int_equal(platform_lp_call(plat, 0, seamcall_fn, &c), 0);
	assert_int_equal(c.vmxon_ret, 0);
	return c.res;
}

/* SEAM is off: SEAMCALL to P-SEAMLDR and to the module both #GP. */
static void assert_seamcall_gp(struct platform *plat)
{
	assert_int_equal(seamcall_on_lp0(plat, SEAMLDR_INFO), SEAMCALL_GP);
	assert_int_equal(seamcall_on_lp0(plat, TDH_SYS_INFO), SEAMCALL_GP);
}

/*
 * Run the BIOS with @bios (which must itself succeed: the lie is only
 * programmed, not refused by the MSRs), then MCHECK, and expect @want
 * with the check's name and @value (the offending value, as MCHECK
 * prints it) in the message.
 */
static void expect_mcheck_fails(const char *const *overrides, const struct bios_options *bios,
				enum mcheck_check want, const char *value)
{
	struct seam_machine *m = machine_new(overrides);
	struct mcheck_result res;
	struct emu_error err = { 0 };
	int ret;

	ret = bios_run(m->plat, bios, &err);
	if (ret)
		fail_msg("the BIOS refused the lie: %s", err.msg);
	ret = mcheck_run(m->plat, &res);
	if (res.check != want)
		print_error("want %s, got %s: %s\n", mcheck_check_name(want),
			    mcheck_check_name(res.check), res.msg);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(res.check, want);
	if (!strstr(res.msg, mcheck_check_name(want)) || !strstr(res.msg, value))
		fail_msg("message '%s' lacks '%s' or '%s'", res.msg, mcheck_check_name(want), value);
	assert_false(platform_seam_enabled(m->plat));
	assert_seamcall_gp(m->plat);
	seam_machine_destroy(m);
}

static void expect_lie_fails(const struct bios_lie *lies, unsigned int nr,
			     enum mcheck_check want, const char *value)
{
	struct bios_options opt = { .lies = lies, .nr_lies = nr };

	expect_mcheck_fails(NULL, &opt, want, value);
}

static void expect_cmrs_fail(const struct platform_range *cmr, unsigned int nr,
			     enum mcheck_check want, const char *value)
{
	struct bios_options opt = { .cmr = cmr, .nr_cmrs = nr };

	expect_mcheck_fails(NULL, &opt, want, value);
}

static const char *hex(char *buf, size_t size, uint64_t v)
{
	snprintf(buf, size, "0x%llx", (unsigned long long)v);
	return buf;
}

/* ---- the honest BIOS ---- */

struct sysinfo_read {
	uint64_t pa;
	struct mcheck_sysinfo info;
};

static int sysinfo_read_fn(struct plat_lp *lp, void *arg)
{
	struct sysinfo_read *r = arg;

	return pmem_seam_read(lp, r->pa, &r->info, sizeof(r->info));
}

/* MCHECK's table, read from the last page of SEAMRR through the SEAM view. */
static void read_sysinfo(struct platform *plat, struct mcheck_sysinfo *info)
{
	struct platform_range seamrr = platform_seamrr(plat);
	struct sysinfo_read r = { .pa = seamrr.base + seamrr.size - TDX_PAGE_SIZE };

	assert_int_equal(fake_in_seam(plat, 0, sysinfo_read_fn, &r), 0);
	*info = r.info;
}

static void check_sysinfo(struct platform *plat)
{
	const struct platform_config *cfg = platform_cfg(plat);
	struct mcheck_sysinfo info;
	uint8_t zero[sizeof(info.reserved1)] = { 0 };

	read_sysinfo(plat, &info);
	assert_int_equal(info.version, 0);
	assert_int_equal(info.tot_num_lps, cfg->nr_packages * cfg->lps_per_package);
	assert_int_equal(info.tot_num_sockets, cfg->nr_packages);
	for (unsigned int p = 0; p < SYSINFO_MAX_SOCKETS; p++)
		assert_int_equal(info.socket_cpuid_table[p],
				 p < cfg->nr_packages ? cfg->cpuid_fms : 0);
	assert_int_equal(info.p_seamldr_range_base,
			 cfg->seamrr.base + cfg->seamrr.size - P_SEAMLDR_RANGE_SIZE);
	assert_int_equal(info.p_seamldr_range_size, P_SEAMLDR_RANGE_SIZE);
	for (unsigned int i = 0; i < SYSINFO_MAX_CMRS; i++) {
		assert_int_equal(info.cmr[i].base, i < cfg->nr_cmrs ? cfg->cmr[i].base : 0);
		assert_int_equal(info.cmr[i].size, i < cfg->nr_cmrs ? cfg->cmr[i].size : 0);
	}
	assert_memory_equal(info.reserved1, zero, sizeof(zero));
}

static void test_mcheck_passed_honest_bios(void **state)
{
	struct seam_machine *m = machine_new(NULL);
	struct mcheck_result res;
	struct emu_error err = { 0 };
	struct platform_range seamrr;
	uint8_t page[64];

	(void)state;
	assert_false(platform_seam_enabled(m->plat));
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	assert_non_null(strstr(res.msg, "passed"));
	assert_true(platform_seam_enabled(m->plat));
	seamrr = platform_seamrr(m->plat);
	assert_int_equal(seamrr.base, DEF_SEAMRR_BASE);
	assert_int_equal(seamrr.size, DEF_SEAMRR_SIZE);
	check_sysinfo(m->plat);
	/* The table sits in SEAMRR, which the host can no longer read. */
	assert_int_equal(pmem_host_read(m->plat, seamrr.base + seamrr.size - TDX_PAGE_SIZE,
					page, sizeof(page)), -EACCES);
	/* SEAM is on: SEAMCALL enters, and finds no P-SEAMLDR yet. */
	assert_int_equal(seamcall_on_lp0(m->plat, SEAMLDR_INFO), SEAMCALL_VMFAILINVALID);
	seam_machine_destroy(m);
}

static void test_mcheck_passed_two_packages(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct seam_machine *m = machine_new(ov);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	check_sysinfo(m->plat);
	seam_machine_destroy(m);
}

/* SYSINFO_MAX_SOCKETS (8) packages is the most MCHECK can describe. */
static void test_mcheck_passed_eight_packages(void **state)
{
	static const char *const ov[] = { "packages=8", "lps-per-package=1", NULL };
	struct seam_machine *m = machine_new(ov);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	check_sysinfo(m->plat);
	seam_machine_destroy(m);
}

/* No SMRR programmed (mask not VALID): nothing to check against the CMRs. */
static void test_mcheck_passed_without_smrr(void **state)
{
	static const char *const ov[] = { "smrr-size=0", NULL };
	struct seam_machine *m = machine_new(ov);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	seam_machine_destroy(m);
}

/* seam_machine_firmware() passes MCHECK's verdict and message on. */
static void test_mcheck_failure_through_seam_machine_firmware(void **state)
{
	static const struct bios_lie lie = {
		BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK,
		(TDX_GENMASK(DEF_MAX_PA - 1, 27)) | SEAMRR_MASK_ENABLED,
	};
	struct bios_options opt = { .lies = &lie, .nr_lies = 1 };
	struct seam_machine *m = machine_new(NULL);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(seam_machine_firmware(m, &opt, &res, &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_int_equal(res.check, MCHECK_SEAMRR_NOT_LOCKED);
	assert_string_equal(err.msg, res.msg);
	assert_false(platform_seam_enabled(m->plat));
	seam_machine_destroy(m);
}

/* ---- one test per check ---- */

static void test_mcheck_seamrr_unsupported(void **state)
{
	static const char *const ov[] = { "seamrr=0", NULL };

	(void)state;
	/* The message names the MSR and bit rather than printing its value. */
	expect_mcheck_fails(ov, NULL, MCHECK_SEAMRR_UNSUPPORTED, "IA32_MTRRCAP bit 15");
}

static void test_mcheck_seamrr_not_enabled(void **state)
{
	const uint64_t mask = seamrr_mask_for(DEF_SEAMRR_SIZE) | SEAMRR_MASK_LOCKED;
	const uint64_t base = DEF_SEAMRR_BASE;	/* CONFIGURED clear */
	struct bios_lie lie;
	char v[32];

	(void)state;
	lie = (struct bios_lie){ BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK, mask };
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_NOT_ENABLED, hex(v, sizeof(v), mask));
	lie = (struct bios_lie){ BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_BASE, base };
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_NOT_ENABLED, hex(v, sizeof(v), base));
}

static void test_mcheck_seamrr_not_enabled_when_bios_skips_seamrr(void **state)
{
	struct bios_options opt = { .skip_seamrr = true };

	(void)state;
	expect_mcheck_fails(NULL, &opt, MCHECK_SEAMRR_NOT_ENABLED, "MASK=0x0");
}

static void test_mcheck_seamrr_not_locked(void **state)
{
	const uint64_t mask = seamrr_mask_for(DEF_SEAMRR_SIZE) | SEAMRR_MASK_ENABLED;
	struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK, mask };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_NOT_LOCKED, hex(v, sizeof(v), mask));
}

static void test_mcheck_seamrr_inconsistent(void **state)
{
	const uint64_t base = (DEF_SEAMRR_BASE - DEF_SEAMRR_SIZE) | SEAMRR_BASE_CONFIGURED;
	const uint64_t mask = seamrr_mask_for(2 * DEF_SEAMRR_SIZE) | SEAMRR_MASK_ENABLED |
			      SEAMRR_MASK_LOCKED;
	struct bios_lie lie;
	char v[32];

	(void)state;
	lie = (struct bios_lie){ 1, MSR_IA32_SEAMRR_PHYS_BASE, base };
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_INCONSISTENT, hex(v, sizeof(v), base));
	lie = (struct bios_lie){ 1, MSR_IA32_SEAMRR_PHYS_MASK, mask };
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_INCONSISTENT, hex(v, sizeof(v), mask));
}

static void test_mcheck_seamrr_mask_invalid(void **state)
{
	/* A hole in the mask (bit 30 clear): not a power-of-two range. */
	const uint64_t holed = seamrr_mask_for(DEF_SEAMRR_SIZE) & ~TDX_BIT(30);
	/* Mask bits stop below the top address bit. */
	const uint64_t short_mask = TDX_GENMASK(40, 27);
	const uint64_t masks[] = { holed, short_mask, 0 };
	char v[32];

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(masks); i++) {
		struct bios_lie lie = {
			BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK,
			masks[i] | SEAMRR_MASK_ENABLED | SEAMRR_MASK_LOCKED,
		};

		expect_lie_fails(&lie, 1, MCHECK_SEAMRR_MASK_INVALID,
				 hex(v, sizeof(v), masks[i]));
	}
}

static void test_mcheck_seamrr_base_misaligned(void **state)
{
	/* 128 MiB SEAMRR at a 64 MiB (size / 2) boundary. */
	const uint64_t base = DEF_SEAMRR_BASE - DEF_SEAMRR_SIZE / 2;
	struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_BASE,
				base | SEAMRR_BASE_CONFIGURED };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_BASE_MISALIGNED, hex(v, sizeof(v), base));
}

static void test_mcheck_seamrr_too_small(void **state)
{
	/* 32 MiB: only the P-SEAMLDR range, no module range. */
	struct bios_lie lie = {
		BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK,
		seamrr_mask_for(32 * MiB) | SEAMRR_MASK_ENABLED | SEAMRR_MASK_LOCKED,
	};
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_TOO_SMALL, hex(v, sizeof(v), 32 * MiB));
}

/* 64 MiB is the smallest SEAMRR MCHECK takes. */
static void test_mcheck_seamrr_64mib_is_enough(void **state)
{
	static const char *const ov[] = { "seamrr-size=64M", "seamrr-base=0x1FC000000", NULL };
	struct seam_machine *m = machine_new(ov);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(platform_seamrr(m->plat).size, 64 * MiB);
	check_sysinfo(m->plat);
	seam_machine_destroy(m);
}

static void test_mcheck_seamrr_outside_dram(void **state)
{
	/* Aligned, right above the last byte of DRAM. */
	const uint64_t base = 8 * GiB;
	struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_BASE,
				base | SEAMRR_BASE_CONFIGURED };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_SEAMRR_OUTSIDE_DRAM, hex(v, sizeof(v), base));
}

static void test_mcheck_tme_not_activated(void **state)
{
	const uint64_t values[] = {
		HONEST_TME & ~TME_ACTIVATE_LOCK,
		HONEST_TME & ~TME_ACTIVATE_ENABLE,
	};
	struct bios_options skip = { .skip_tme = true };
	char v[32];

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(values); i++) {
		struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_TME_ACTIVATE, values[i] };

		expect_lie_fails(&lie, 1, MCHECK_TME_NOT_ACTIVATED, hex(v, sizeof(v), values[i]));
	}
	expect_mcheck_fails(NULL, &skip, MCHECK_TME_NOT_ACTIVATED, "IA32_TME_ACTIVATE=0x0");
}

static void test_mcheck_tme_inconsistent(void **state)
{
	/* LP 1 claims 5 KeyID bits where LP 0 has 6. */
	const uint64_t lp1 = (HONEST_TME & ~TME_ACTIVATE_MK_TME_KEYID_BITS) |
			     TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_KEYID_BITS, 5);
	struct bios_lie lie = { 1, MSR_IA32_TME_ACTIVATE, lp1 };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_TME_INCONSISTENT, hex(v, sizeof(v), lp1));
}

static void test_mcheck_keyid_bits_invalid(void **state)
{
	const uint64_t bits0 = HONEST_TME & ~TME_ACTIVATE_MK_TME_KEYID_BITS;
	const uint64_t bits7 = bits0 | TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_KEYID_BITS, 7);
	struct bios_lie lie;

	(void)state;
	/* The message prints the field (decimal), not the MSR. */
	lie = (struct bios_lie){ BIOS_ALL_LPS, MSR_IA32_TME_ACTIVATE, bits0 };
	expect_lie_fails(&lie, 1, MCHECK_KEYID_BITS_INVALID, "MK_TME_KEYID_BITS=0");
	/* More bits than IA32_TME_CAPABILITY offers. */
	lie = (struct bios_lie){ BIOS_ALL_LPS, MSR_IA32_TME_ACTIVATE, bits7 };
	expect_lie_fails(&lie, 1, MCHECK_KEYID_BITS_INVALID, "MK_TME_KEYID_BITS=7");
}

static void test_mcheck_keyid_partitioning_inconsistent(void **state)
{
	const uint64_t lp1 = PARTITIONING(30, 33);
	struct bios_lie lie = { 1, MSR_IA32_MKTME_KEYID_PARTITIONING, lp1 };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_KEYID_PARTITIONING_INCONSISTENT,
			 hex(v, sizeof(v), lp1));
}

static void test_mcheck_keyid_partitioning_invalid(void **state)
{
	struct bios_lie lie;

	(void)state;
	/* 40 + 40 KeyIDs do not fit in 6 KeyID bits (63 usable). */
	lie = (struct bios_lie){ BIOS_ALL_LPS, MSR_IA32_MKTME_KEYID_PARTITIONING,
				 PARTITIONING(40, 40) };
	expect_lie_fails(&lie, 1, MCHECK_KEYID_PARTITIONING_INVALID, "40 MKTME + 40 TDX");
	/* 32 + 32 = 64: one more than 6 bits hold (KeyID 0 is TME's). */
	lie.value = PARTITIONING(32, 32);
	expect_lie_fails(&lie, 1, MCHECK_KEYID_PARTITIONING_INVALID, "32 MKTME + 32 TDX");
	/* Fits, but not the split the memory controller was built with (31 + 32). */
	lie.value = PARTITIONING(30, 32);
	expect_lie_fails(&lie, 1, MCHECK_KEYID_PARTITIONING_INVALID, "30 MKTME + 32 TDX");
}

/*
 * The sum bound alone: the memory controller itself is configured with
 * 32 + 32 KeyIDs and the BIOS honestly reports it, one more than 6 bits
 * hold.  (The default 31 + 32 = 63 passes: test_mcheck_passed_honest_bios.)
 */
static void test_mcheck_keyid_partitioning_invalid_sum_is_two_pow_bits(void **state)
{
	static const char *const ov[] = { "mktme-keyids=32", "tdx-keyids=32", NULL };

	(void)state;
	expect_mcheck_fails(ov, NULL, MCHECK_KEYID_PARTITIONING_INVALID, "32 MKTME + 32 TDX");
}

static void test_mcheck_too_few_tdx_keyids(void **state)
{
	/* The configuration agrees with the BIOS: 62 MKTME + 1 TDX KeyID. */
	static const char *const ov[] = { "mktme-keyids=62", "tdx-keyids=1", NULL };

	(void)state;
	expect_mcheck_fails(ov, NULL, MCHECK_TOO_FEW_TDX_KEYIDS, "1 TDX KeyIDs");
}

/* Two TDX KeyIDs (global data + one TD) are enough. */
static void test_mcheck_two_tdx_keyids_are_enough(void **state)
{
	static const char *const ov[] = { "mktme-keyids=61", "tdx-keyids=2", NULL };
	struct seam_machine *m = machine_new(ov);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	seam_machine_destroy(m);
}

static void test_mcheck_cmr_count(void **state)
{
	static const struct platform_range none[1];

	(void)state;
	/* The message gives the count in decimal. */
	expect_cmrs_fail(none, 0, MCHECK_CMR_COUNT, "0 CMRs");
}

static void test_mcheck_cmr_misaligned(void **state)
{
	const struct platform_range base_off[] = { { 0x800, 1 * GiB } };
	const struct platform_range size_off[] = { { 0, 1 * GiB + 0x10 } };
	const struct platform_range empty[] = { { 0, 1 * GiB }, { 4 * GiB, 0 } };
	char v[32];

	(void)state;
	expect_cmrs_fail(base_off, 1, MCHECK_CMR_MISALIGNED, hex(v, sizeof(v), 0x800));
	expect_cmrs_fail(size_off, 1, MCHECK_CMR_MISALIGNED, hex(v, sizeof(v), 1 * GiB + 0x10));
	expect_cmrs_fail(empty, 2, MCHECK_CMR_MISALIGNED, "CMR[1]");
}

static void test_mcheck_cmr_not_sorted(void **state)
{
	const struct platform_range cmr[] = { { 4 * GiB, 1 * GiB }, { 0, 1 * GiB } };
	char v[32];

	(void)state;
	expect_cmrs_fail(cmr, 2, MCHECK_CMR_NOT_SORTED, hex(v, sizeof(v), 4 * GiB));
}

static void test_mcheck_cmr_overlap(void **state)
{
	const struct platform_range cmr[] = { { 0, 1 * GiB }, { 512 * MiB, 1 * GiB } };
	const struct platform_range same_base[] = { { 0, 1 * GiB }, { 0, 2 * GiB } };
	char v[32];

	(void)state;
	expect_cmrs_fail(cmr, 2, MCHECK_CMR_OVERLAP, hex(v, sizeof(v), 512 * MiB));
	expect_cmrs_fail(same_base, 2, MCHECK_CMR_OVERLAP, hex(v, sizeof(v), 2 * GiB));
}

/* Touching ranges (end of one = base of the next) do not overlap. */
static void test_mcheck_cmrs_adjacent_pass(void **state)
{
	const struct platform_range cmr[] = { { 0, 1 * GiB }, { 1 * GiB, 512 * MiB } };
	struct bios_options opt = { .cmr = cmr, .nr_cmrs = 2 };
	struct seam_machine *m = machine_new(NULL);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	(void)state;
	if (seam_machine_firmware(m, &opt, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_int_equal(res.check, MCHECK_PASSED);
	seam_machine_destroy(m);
}

static void test_mcheck_cmr_outside_dram(void **state)
{
	const struct platform_range cmr[] = { { 0, 1 * GiB }, { 6 * GiB, 4 * GiB } };
	/* base + size wraps around 2^64: must not look small. */
	const struct platform_range wrap[] = { { 0xFFFFFFFFFFFFF000ULL, 0x2000 } };
	char v[32];

	(void)state;
	expect_cmrs_fail(cmr, 2, MCHECK_CMR_OUTSIDE_DRAM, hex(v, sizeof(v), 10 * GiB));
	expect_cmrs_fail(wrap, 1, MCHECK_CMR_OUTSIDE_DRAM, hex(v, sizeof(v), wrap[0].base));
}

static void test_mcheck_cmr_overlaps_seamrr(void **state)
{
	/* [4 GiB, 8 GiB) covers SEAMRR at the top of DRAM. */
	const struct platform_range cmr[] = { { 0, 1 * GiB }, { 4 * GiB, 4 * GiB } };
	/* Only the last page of the CMR reaches into SEAMRR. */
	const struct platform_range edge[] = {
		{ 4 * GiB, DEF_SEAMRR_BASE - 4 * GiB + TDX_PAGE_SIZE },
	};
	char v[32];

	(void)state;
	expect_cmrs_fail(cmr, 2, MCHECK_CMR_OVERLAPS_SEAMRR, hex(v, sizeof(v), DEF_SEAMRR_BASE));
	expect_cmrs_fail(edge, 1, MCHECK_CMR_OVERLAPS_SEAMRR, hex(v, sizeof(v), DEF_SEAMRR_BASE));
}

static void test_mcheck_smrr_inconsistent(void **state)
{
	const uint64_t base = (DEF_SMRR_BASE - DEF_SMRR_SIZE) | 6;
	const uint64_t mask = (0xFF000000ULL & SMRR_ADDR_MASK) | SMRR_MASK_VALID;
	struct bios_lie lie;
	char v[32];

	(void)state;
	lie = (struct bios_lie){ 1, MSR_IA32_SMRR_PHYSBASE, base };
	expect_lie_fails(&lie, 1, MCHECK_SMRR_INCONSISTENT, hex(v, sizeof(v), base));
	lie = (struct bios_lie){ 1, MSR_IA32_SMRR_PHYSMASK, mask };
	expect_lie_fails(&lie, 1, MCHECK_SMRR_INCONSISTENT, hex(v, sizeof(v), mask));
}

static void test_mcheck_smrr_overlaps_cmr(void **state)
{
	/* SMRR moved into CMR[0] on every LP. */
	struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_SMRR_PHYSBASE, (256 * MiB) | 6 };
	/* Or a CMR list that swallows the honest SMRR. */
	const struct platform_range cmr[] = { { 0, 2 * GiB } };
	char v[32];

	(void)state;
	expect_lie_fails(&lie, 1, MCHECK_SMRR_OVERLAPS_CMR, hex(v, sizeof(v), 256 * MiB));
	expect_cmrs_fail(cmr, 1, MCHECK_SMRR_OVERLAPS_CMR, hex(v, sizeof(v), DEF_SMRR_BASE));
}

/*
 * TOO_MANY_PACKAGES cannot be provoked: the platform refuses more than
 * PLATFORM_MAX_PACKAGES == SYSINFO_MAX_SOCKETS packages, both in
 * platform_config_set() and in platform_create(), so MCHECK never sees
 * more packages than its table holds.  Pin that, and the check's name.
 */
static void test_mcheck_too_many_packages_unreachable(void **state)
{
	struct platform_config cfg;
	struct platform *plat = NULL;
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(PLATFORM_MAX_PACKAGES, SYSINFO_MAX_SOCKETS);
	assert_string_equal(mcheck_check_name(MCHECK_TOO_MANY_PACKAGES), "TOO_MANY_PACKAGES");
	platform_config_defaults(&cfg);
	assert_int_equal(platform_config_set(&cfg, "packages=9", &err), -EINVAL);
	cfg.nr_packages = SYSINFO_MAX_SOCKETS + 1;
	cfg.lps_per_package = 1;
	assert_int_equal(platform_create(&cfg, &plat, &err), -EINVAL);
	assert_null(plat);
}

static void test_mcheck_check_names_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < MCHECK_NR_CHECKS; i++) {
		const char *a = mcheck_check_name((enum mcheck_check)i);

		assert_non_null(a);
		assert_string_not_equal(a, "UNKNOWN");
		assert_true(strlen(a) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, mcheck_check_name((enum mcheck_check)j));
	}
	assert_string_equal(mcheck_check_name(MCHECK_PASSED), "PASSED");
	assert_string_equal(mcheck_check_name(MCHECK_SEAMRR_BASE_MISALIGNED),
			    "SEAMRR_BASE_MISALIGNED");
	assert_string_equal(mcheck_check_name(MCHECK_NR_CHECKS), "UNKNOWN");
	assert_string_equal(mcheck_check_name((enum mcheck_check)-1), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcheck_passed_honest_bios),
		cmocka_unit_test(test_mcheck_passed_two_packages),
		cmocka_unit_test(test_mcheck_passed_eight_packages),
		cmocka_unit_test(test_mcheck_passed_without_smrr),
		cmocka_unit_test(test_mcheck_failure_through_seam_machine_firmware),
		cmocka_unit_test(test_mcheck_seamrr_unsupported),
		cmocka_unit_test(test_mcheck_seamrr_not_enabled),
		cmocka_unit_test(test_mcheck_seamrr_not_enabled_when_bios_skips_seamrr),
		cmocka_unit_test(test_mcheck_seamrr_not_locked),
		cmocka_unit_test(test_mcheck_seamrr_inconsistent),
		cmocka_unit_test(test_mcheck_seamrr_mask_invalid),
		cmocka_unit_test(test_mcheck_seamrr_base_misaligned),
		cmocka_unit_test(test_mcheck_seamrr_too_small),
		cmocka_unit_test(test_mcheck_seamrr_64mib_is_enough),
		cmocka_unit_test(test_mcheck_seamrr_outside_dram),
		cmocka_unit_test(test_mcheck_tme_not_activated),
		cmocka_unit_test(test_mcheck_tme_inconsistent),
		cmocka_unit_test(test_mcheck_keyid_bits_invalid),
		cmocka_unit_test(test_mcheck_keyid_partitioning_inconsistent),
		cmocka_unit_test(test_mcheck_keyid_partitioning_invalid),
		cmocka_unit_test(test_mcheck_keyid_partitioning_invalid_sum_is_two_pow_bits),
		cmocka_unit_test(test_mcheck_too_few_tdx_keyids),
		cmocka_unit_test(test_mcheck_two_tdx_keyids_are_enough),
		cmocka_unit_test(test_mcheck_cmr_count),
		cmocka_unit_test(test_mcheck_cmr_misaligned),
		cmocka_unit_test(test_mcheck_cmr_not_sorted),
		cmocka_unit_test(test_mcheck_cmr_overlap),
		cmocka_unit_test(test_mcheck_cmrs_adjacent_pass),
		cmocka_unit_test(test_mcheck_cmr_outside_dram),
		cmocka_unit_test(test_mcheck_cmr_overlaps_seamrr),
		cmocka_unit_test(test_mcheck_smrr_inconsistent),
		cmocka_unit_test(test_mcheck_smrr_overlaps_cmr),
		cmocka_unit_test(test_mcheck_too_many_packages_unreachable),
		cmocka_unit_test(test_mcheck_check_names_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for seam/platform/src/bios.c: the honest BIOS, the lies a
 * test can make it tell, and the steps it can leave out.
 */
#include <errno.h>
#include <string.h>

#include <tdx/tdx_msr.h>

#include "platform_unit.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static const uint32_t bios_msrs[] = {
	MSR_IA32_SMRR_PHYSBASE,
	MSR_IA32_SMRR_PHYSMASK,
	MSR_IA32_MKTME_KEYID_PARTITIONING,
	MSR_IA32_TME_ACTIVATE,
	MSR_IA32_SEAMRR_PHYS_BASE,
	MSR_IA32_SEAMRR_PHYS_MASK,
	MSR_IA32_BIOS_DONE,
};

static uint64_t rd(struct platform *plat, unsigned int lp, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;

	assert_int_equal(lp_rdmsr(platform_lp(plat, lp), msr, &v), 0);
	return v;
}

static void run_bios(struct platform *plat, const struct bios_options *opt)
{
	struct emu_error err = { 0 };
	int ret = bios_run(plat, opt, &err);

	if (ret)
		print_error("bios_run: %d %s\n", ret, err.msg);
	assert_int_equal(ret, 0);
}

static void test_bios_honest_run_programs_the_config_and_locks(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct platform *plat = unit_platform(ov, false);
	const struct platform_config *cfg = platform_cfg(plat);
	uint64_t tme, part;

	(void)state;
	run_bios(plat, NULL);
	for (unsigned int i = 0; i < platform_nr_lps(plat); i++) {
		tme = rd(plat, i, MSR_IA32_TME_ACTIVATE);
		assert_true(tme & TME_ACTIVATE_LOCK);
		assert_true(tme & TME_ACTIVATE_ENABLE);
		assert_int_equal(TDX_FIELD_GET(TME_ACTIVATE_ALGORITHM, tme),
				 TME_ALGORITHM_AES_XTS_128);
		assert_int_equal(TDX_FIELD_GET(TME_ACTIVATE_MK_TME_KEYID_BITS, tme),
				 cfg->keyid_bits);
		part = rd(plat, i, MSR_IA32_MKTME_KEYID_PARTITIONING);
		assert_int_equal(TDX_FIELD_GET(KEYID_PART_NR_MKTME, part), cfg->nr_mktme_keyids);
		assert_int_equal(TDX_FIELD_GET(KEYID_PART_NR_TDX, part), cfg->nr_tdx_keyids);
		assert_int_equal(rd(plat, i, MSR_IA32_SEAMRR_PHYS_BASE),
				 cfg->seamrr.base | SEAMRR_BASE_CONFIGURED);
		assert_int_equal(rd(plat, i, MSR_IA32_SEAMRR_PHYS_MASK),
				 (TDX_GENMASK(cfg->max_pa - 1, 25) & ~(cfg->seamrr.size - 1)) |
				 SEAMRR_MASK_ENABLED | SEAMRR_MASK_LOCKED);
		assert_int_equal(rd(plat, i, MSR_IA32_SMRR_PHYSBASE) & SMRR_ADDR_MASK,
				 cfg->smrr.base);
		assert_int_equal(rd(plat, i, MSR_IA32_SMRR_PHYSMASK),
				 (SMRR_ADDR_MASK & ~(cfg->smrr.size - 1)) | SMRR_MASK_VALID);
		assert_int_equal(rd(plat, i, MSR_IA32_BIOS_DONE), 1);
	}
	platform_destroy(plat);
}

static void test_bios_honest_run_programs_every_lp_alike(void **state)
{
	static const char *const ov[] = { "packages=4", "lps=12", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	run_bios(plat, NULL);
	for (unsigned int i = 1; i < platform_nr_lps(plat); i++)
		for (size_t m = 0; m < TDX_ARRAY_SIZE(bios_msrs); m++)
			assert_int_equal(rd(plat, i, bios_msrs[m]), rd(plat, 0, bios_msrs[m]));
	platform_destroy(plat);
}

static void test_bios_honest_run_leaves_seamrr_and_tme_locked(void **state)
{
	struct platform *plat = unit_platform(NULL, false);

	(void)state;
	run_bios(plat, NULL);
	for (unsigned int i = 0; i < platform_nr_lps(plat); i++) {
		struct plat_lp *lp = platform_lp(plat, i);

		assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, 0), -EPERM);
		assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_MASK, 0), -EPERM);
		assert_int_equal(lp_wrmsr(lp, MSR_IA32_TME_ACTIVATE, 0), -EPERM);
		assert_int_equal(lp_wrmsr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, 0), -EPERM);
	}
	platform_destroy(plat);
}

static void test_bios_honest_run_programs_the_configured_cmrs(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct platform_config *cfg = platform_cfg(plat);
	struct platform_range cmr[PLATFORM_MAX_CMRS];

	(void)state;
	assert_int_equal(platform_mc_cmrs(plat, cmr), 0);
	run_bios(plat, NULL);
	assert_int_equal(platform_mc_cmrs(plat, cmr), cfg->nr_cmrs);
	assert_memory_equal(cmr, cfg->cmr, cfg->nr_cmrs * sizeof(cmr[0]));
	platform_destroy(plat);
}

static void test_bios_second_run_faults_on_locked_msrs(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(bios_run(plat, NULL, &err), -EPERM);
	assert_int_equal(err.code, -EPERM);
	assert_non_null(strstr(err.msg, "WRMSR"));
	platform_destroy(plat);
}

static void test_bios_lie_changes_only_the_named_lps_msr(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct platform *honest = unit_platform(ov, true);
	struct platform *plat = unit_platform(ov, false);
	uint64_t lie_value = rd(honest, 0, MSR_IA32_SEAMRR_PHYS_BASE) - 32 * MiB;
	const struct bios_lie lie = { 2, MSR_IA32_SEAMRR_PHYS_BASE, lie_value };
	const struct bios_options opt = { .lies = &lie, .nr_lies = 1 };

	(void)state;
	run_bios(plat, &opt);
	for (unsigned int i = 0; i < 4; i++) {
		for (size_t m = 0; m < TDX_ARRAY_SIZE(bios_msrs); m++) {
			uint64_t want = rd(honest, i, bios_msrs[m]);

			if (i == 2 && bios_msrs[m] == MSR_IA32_SEAMRR_PHYS_BASE)
				want = lie_value;
			assert_int_equal(rd(plat, i, bios_msrs[m]), want);
		}
	}
	platform_destroy(plat);
	platform_destroy(honest);
}

static void test_bios_lie_for_all_lps_changes_every_lp(void **state)
{
	static const char *const ov[] = { "lps=3", NULL };
	struct platform *honest = unit_platform(ov, true);
	struct platform *plat = unit_platform(ov, false);
	uint64_t part = TDX_FIELD_PREP(KEYID_PART_NR_MKTME, 15) |
			TDX_FIELD_PREP(KEYID_PART_NR_TDX, 48);
	const struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_MKTME_KEYID_PARTITIONING, part };
	const struct bios_options opt = { .lies = &lie, .nr_lies = 1 };

	(void)state;
	run_bios(plat, &opt);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(rd(plat, i, MSR_IA32_MKTME_KEYID_PARTITIONING), part);
		assert_int_equal(rd(plat, i, MSR_IA32_TME_ACTIVATE),
				 rd(honest, i, MSR_IA32_TME_ACTIVATE));
	}
	platform_destroy(plat);
	platform_destroy(honest);
}

static void test_bios_several_lies_each_hit_their_lp(void **state)
{
	static const char *const ov[] = { "lps=4", NULL };
	struct platform *honest = unit_platform(ov, true);
	struct platform *plat = unit_platform(ov, false);
	const struct bios_lie lies[] = {
		{ 1, MSR_IA32_TME_ACTIVATE, TME_ACTIVATE_LOCK },
		{ 3, MSR_IA32_SEAMRR_PHYS_MASK, SEAMRR_MASK_LOCKED },
	};
	const struct bios_options opt = { .lies = lies, .nr_lies = 2 };

	(void)state;
	run_bios(plat, &opt);
	assert_int_equal(rd(plat, 1, MSR_IA32_TME_ACTIVATE), TME_ACTIVATE_LOCK);
	assert_int_equal(rd(plat, 3, MSR_IA32_SEAMRR_PHYS_MASK), SEAMRR_MASK_LOCKED);
	assert_int_equal(rd(plat, 0, MSR_IA32_TME_ACTIVATE), rd(honest, 0, MSR_IA32_TME_ACTIVATE));
	assert_int_equal(rd(plat, 3, MSR_IA32_TME_ACTIVATE), rd(honest, 3, MSR_IA32_TME_ACTIVATE));
	assert_int_equal(rd(plat, 1, MSR_IA32_SEAMRR_PHYS_MASK),
			 rd(honest, 1, MSR_IA32_SEAMRR_PHYS_MASK));
	platform_destroy(plat);
	platform_destroy(honest);
}

static void test_bios_lie_with_reserved_bits_faults_naming_the_msr(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct bios_lie lie = { 1, MSR_IA32_SEAMRR_PHYS_BASE, TDX_BIT(0) };
	const struct bios_options opt = { .lies = &lie, .nr_lies = 1 };
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(bios_run(plat, &opt, &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, "0x1400"));
	assert_non_null(strstr(err.msg, "LP 1"));
	platform_destroy(plat);
}

static void test_bios_custom_cmr_list_reaches_the_memory_controller(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct platform_range mine[3] = {
		{ 0, GiB }, { 2 * GiB, 512 * MiB }, { 5 * GiB, GiB },
	};
	const struct bios_options opt = { .cmr = mine, .nr_cmrs = 3 };
	struct platform_range cmr[PLATFORM_MAX_CMRS];

	(void)state;
	run_bios(plat, &opt);
	assert_int_equal(platform_mc_cmrs(plat, cmr), 3);
	assert_memory_equal(cmr, mine, sizeof(mine));
	platform_destroy(plat);
}

static void test_bios_too_many_cmrs_is_refused_by_the_memory_controller(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct platform_range many[PLATFORM_MAX_CMRS + 1];
	const struct bios_options opt = { .cmr = many, .nr_cmrs = PLATFORM_MAX_CMRS + 1 };
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	struct emu_error err = { 0 };

	(void)state;
	for (unsigned int i = 0; i <= PLATFORM_MAX_CMRS; i++)
		many[i] = (struct platform_range){ i * 64 * MiB, 32 * MiB };
	assert_int_equal(bios_run(plat, &opt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "CMR"));
	assert_int_equal(platform_mc_cmrs(plat, cmr), 0);
	platform_destroy(plat);
}

static void test_bios_skip_seamrr_leaves_seamrr_unprogrammed(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct bios_options opt = { .skip_seamrr = true };

	(void)state;
	run_bios(plat, &opt);
	for (unsigned int i = 0; i < platform_nr_lps(plat); i++) {
		assert_int_equal(rd(plat, i, MSR_IA32_SEAMRR_PHYS_BASE), 0);
		assert_int_equal(rd(plat, i, MSR_IA32_SEAMRR_PHYS_MASK), 0);
		/* Not locked either: software may still program it. */
		assert_int_equal(lp_wrmsr(platform_lp(plat, i), MSR_IA32_SEAMRR_PHYS_BASE,
					  SEAMRR_BASE_CONFIGURED), 0);
		/* The other steps still ran. */
		assert_true(rd(plat, i, MSR_IA32_TME_ACTIVATE) & TME_ACTIVATE_LOCK);
		assert_int_equal(rd(plat, i, MSR_IA32_BIOS_DONE), 1);
	}
	platform_destroy(plat);
}

static void test_bios_skip_tme_leaves_tme_unprogrammed(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct bios_options opt = { .skip_tme = true };

	(void)state;
	run_bios(plat, &opt);
	for (unsigned int i = 0; i < platform_nr_lps(plat); i++) {
		assert_int_equal(rd(plat, i, MSR_IA32_TME_ACTIVATE), 0);
		assert_int_equal(rd(plat, i, MSR_IA32_MKTME_KEYID_PARTITIONING), 0);
		assert_true(rd(plat, i, MSR_IA32_SEAMRR_PHYS_MASK) & SEAMRR_MASK_LOCKED);
	}
	platform_destroy(plat);
}

static void test_bios_without_seamrr_support_skips_seamrr(void **state)
{
	static const char *const ov[] = { "seamrr=0", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	run_bios(plat, NULL);
	assert_true(rd(plat, 0, MSR_IA32_TME_ACTIVATE) & TME_ACTIVATE_LOCK);
	assert_int_equal(rd(plat, 1, MSR_IA32_BIOS_DONE), 1);
	platform_destroy(plat);
}

static void test_bios_without_smrr_leaves_smrr_alone(void **state)
{
	static const char *const ov[] = { "smrr-size=0", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	run_bios(plat, NULL);
	assert_int_equal(rd(plat, 0, MSR_IA32_SMRR_PHYSBASE), 0);
	assert_int_equal(rd(plat, 0, MSR_IA32_SMRR_PHYSMASK), 0);
	assert_true(rd(plat, 0, MSR_IA32_TME_ACTIVATE) & TME_ACTIVATE_LOCK);
	platform_destroy(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bios_honest_run_programs_the_config_and_locks),
		cmocka_unit_test(test_bios_honest_run_programs_every_lp_alike),
		cmocka_unit_test(test_bios_honest_run_leaves_seamrr_and_tme_locked),
		cmocka_unit_test(test_bios_honest_run_programs_the_configured_cmrs),
		cmocka_unit_test(test_bios_second_run_faults_on_locked_msrs),
		cmocka_unit_test(test_bios_lie_changes_only_the_named_lps_msr),
		cmocka_unit_test(test_bios_lie_for_all_lps_changes_every_lp),
		cmocka_unit_test(test_bios_several_lies_each_hit_their_lp),
		cmocka_unit_test(test_bios_lie_with_reserved_bits_faults_naming_the_msr),
		cmocka_unit_test(test_bios_custom_cmr_list_reaches_the_memory_controller),
		cmocka_unit_test(test_bios_too_many_cmrs_is_refused_by_the_memory_controller),
		cmocka_unit_test(test_bios_skip_seamrr_leaves_seamrr_unprogrammed),
		cmocka_unit_test(test_bios_skip_tme_leaves_tme_unprogrammed),
		cmocka_unit_test(test_bios_without_seamrr_support_skips_seamrr),
		cmocka_unit_test(test_bios_without_smrr_leaves_smrr_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

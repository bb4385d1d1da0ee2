/*
 * Unit tests for seam/platform/src/msr.c: the per-LP MSR file, reserved
 * bits, lock bits and the configuration-dependent MSRs.
 */
#include <errno.h>

#include <tdx/tdx_msr.h>

#include "platform_unit.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static uint64_t rd(struct plat_lp *lp, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;

	assert_int_equal(lp_rdmsr(lp, msr, &v), 0);
	return v;
}

/* A SEAMRR base/mask pair for 128 MiB at 8 GiB - 128 MiB, max-pa=46. */
#define GOOD_SEAMRR_BASE	((8 * GiB - 128 * MiB) | SEAMRR_BASE_CONFIGURED)
#define GOOD_SEAMRR_MASK	((TDX_GENMASK(45, 25) & ~(128 * MiB - 1)) | SEAMRR_MASK_ENABLED)

static void test_msr_unknown_msr_is_einval(void **state)
{
	static const uint32_t unknown[] = { 0x0, 0x10, 0x1234, 0xC0000080, MSR_IA32_SEAMEXTEND,
					    MSR_IA32_TME_EXCLUDE_MASK, MSR_IA32_BIOS_SE_SVN };
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(unknown); i++) {
		uint64_t v = 0x77;

		assert_int_equal(lp_rdmsr(lp, unknown[i], &v), -EINVAL);
		assert_int_equal(v, 0x77);
		assert_int_equal(lp_wrmsr(lp, unknown[i], 0), -EINVAL);
	}
	platform_destroy(plat);
}

static void test_msr_read_only_msrs_refuse_writes(void **state)
{
	static const uint32_t ro[] = { MSR_IA32_MTRRCAP, MSR_IA32_TME_CAPABILITY,
				       MSR_IA32_SGX_DEBUG_MODE, MSR_IA32_CORE_THREAD_COUNT };
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(ro); i++) {
		uint64_t before = rd(lp, ro[i]);

		assert_int_equal(lp_wrmsr(lp, ro[i], before ^ 1), -EINVAL);
		assert_int_equal(rd(lp, ro[i]), before);
	}
	platform_destroy(plat);
}

static void test_msr_power_on_values(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=6", NULL };
	struct platform *plat = unit_platform(ov, false);
	struct plat_lp *lp = platform_lp(plat, 3);
	uint64_t cap;

	(void)state;
	assert_true(rd(lp, MSR_IA32_MTRRCAP) & MTRRCAP_SEAMRR);
	assert_true(rd(lp, MSR_IA32_MTRRCAP) & MTRRCAP_SMRR);
	assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_BASE), 0);
	assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_MASK), 0);
	assert_int_equal(rd(lp, MSR_IA32_TME_ACTIVATE), 0);
	assert_int_equal(rd(lp, MSR_IA32_MKTME_KEYID_PARTITIONING), 0);
	assert_int_equal(rd(lp, MSR_IA32_BIOS_DONE), 0);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSBASE), 0);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSMASK), 0);
	cap = rd(lp, MSR_IA32_TME_CAPABILITY);
	assert_true(cap & TME_CAP_AES_XTS_128);
	assert_int_equal(TDX_FIELD_GET(TME_CAP_MK_TME_MAX_KEYID_BITS, cap), 6);
	assert_int_equal(TDX_FIELD_GET(TME_CAP_MK_TME_MAX_KEYS, cap), 63);
	assert_int_equal(rd(lp, MSR_IA32_CORE_THREAD_COUNT) & 0xFFFF, 6);
	platform_destroy(plat);
}

static void test_msr_seamrr_write_with_reserved_bits_is_einval(void **state)
{
	static const uint64_t bad_base[] = {
		GOOD_SEAMRR_BASE | TDX_BIT(0),
		GOOD_SEAMRR_BASE | TDX_BIT(11),	/* a mask bit, not a base bit */
		GOOD_SEAMRR_BASE | TDX_BIT(24),	/* below 32 MiB granularity */
		GOOD_SEAMRR_BASE | TDX_BIT(46),	/* at max-pa */
		GOOD_SEAMRR_BASE | TDX_BIT(63),
	};
	static const uint64_t bad_mask[] = {
		GOOD_SEAMRR_MASK | TDX_BIT(3),	/* a base bit, not a mask bit */
		GOOD_SEAMRR_MASK | TDX_BIT(12),
		GOOD_SEAMRR_MASK | TDX_BIT(24),
		GOOD_SEAMRR_MASK | TDX_BIT(46),
		GOOD_SEAMRR_MASK | TDX_BIT(63),
	};
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad_base); i++) {
		assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, bad_base[i]), -EINVAL);
		assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_BASE), 0);
	}
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad_mask); i++) {
		assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_MASK, bad_mask[i]), -EINVAL);
		assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_MASK), 0);
	}
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, GOOD_SEAMRR_BASE), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_MASK, GOOD_SEAMRR_MASK), 0);
	assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_BASE), GOOD_SEAMRR_BASE);
	assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_MASK), GOOD_SEAMRR_MASK);
	platform_destroy(plat);
}

static void test_msr_seamrr_address_bits_follow_max_pa(void **state)
{
	static const char *const ov[] = { "max-pa=52", NULL };
	struct platform *plat = unit_platform(ov, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, TDX_BIT(51)), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, TDX_BIT(52)), -EINVAL);
	assert_int_equal(rd(lp, MSR_IA32_SEAMRR_PHYS_BASE), TDX_BIT(51));
	platform_destroy(plat);
}

static void test_msr_seamrr_write_after_lock_is_eperm(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp0 = platform_lp(plat, 0), *lp1 = platform_lp(plat, 1);

	(void)state;
	assert_int_equal(lp_wrmsr(lp0, MSR_IA32_SEAMRR_PHYS_BASE, GOOD_SEAMRR_BASE), 0);
	assert_int_equal(lp_wrmsr(lp0, MSR_IA32_SEAMRR_PHYS_MASK,
				  GOOD_SEAMRR_MASK | SEAMRR_MASK_LOCKED), 0);
	assert_int_equal(lp_wrmsr(lp0, MSR_IA32_SEAMRR_PHYS_BASE, 0), -EPERM);
	assert_int_equal(lp_wrmsr(lp0, MSR_IA32_SEAMRR_PHYS_MASK, 0), -EPERM);
	assert_int_equal(lp_wrmsr(lp0, MSR_IA32_SEAMRR_PHYS_MASK, GOOD_SEAMRR_MASK), -EPERM);
	assert_int_equal(rd(lp0, MSR_IA32_SEAMRR_PHYS_BASE), GOOD_SEAMRR_BASE);
	assert_int_equal(rd(lp0, MSR_IA32_SEAMRR_PHYS_MASK), GOOD_SEAMRR_MASK | SEAMRR_MASK_LOCKED);
	/* SEAMRR is per LP (core-scoped): the other LP is still writable. */
	assert_int_equal(lp_wrmsr(lp1, MSR_IA32_SEAMRR_PHYS_BASE, GOOD_SEAMRR_BASE), 0);
	platform_destroy(plat);
}

static void test_msr_tme_activate_lock_makes_tme_msrs_read_only(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	uint64_t part = TDX_FIELD_PREP(KEYID_PART_NR_MKTME, 31) |
			TDX_FIELD_PREP(KEYID_PART_NR_TDX, 32);
	uint64_t tme = TME_ACTIVATE_ENABLE | TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_KEYID_BITS, 6);

	(void)state;
	/* Before the lock both may be rewritten. */
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, 1), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, part), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_TME_ACTIVATE, tme), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_TME_ACTIVATE, tme | TME_ACTIVATE_LOCK), 0);

	assert_int_equal(lp_wrmsr(lp, MSR_IA32_TME_ACTIVATE, 0), -EPERM);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_TME_ACTIVATE, tme | TME_ACTIVATE_LOCK), -EPERM);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_MKTME_KEYID_PARTITIONING, 0), -EPERM);
	assert_int_equal(rd(lp, MSR_IA32_TME_ACTIVATE), tme | TME_ACTIVATE_LOCK);
	assert_int_equal(rd(lp, MSR_IA32_MKTME_KEYID_PARTITIONING), part);
	/* Other LPs keep their own (unlocked) copy. */
	assert_int_equal(lp_wrmsr(platform_lp(plat, 1), MSR_IA32_TME_ACTIVATE, tme), 0);
	platform_destroy(plat);
}

static void test_msr_seamrr_unsupported_msrs_gp(void **state)
{
	static const char *const ov[] = { "seamrr=0", NULL };
	struct platform *plat = unit_platform(ov, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	uint64_t v = 0x77;

	(void)state;
	assert_false(rd(lp, MSR_IA32_MTRRCAP) & MTRRCAP_SEAMRR);
	assert_true(rd(lp, MSR_IA32_MTRRCAP) & MTRRCAP_SMRR);
	assert_int_equal(lp_rdmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, &v), -EINVAL);
	assert_int_equal(lp_rdmsr(lp, MSR_IA32_SEAMRR_PHYS_MASK, &v), -EINVAL);
	assert_int_equal(v, 0x77);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_BASE, GOOD_SEAMRR_BASE), -EINVAL);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SEAMRR_PHYS_MASK, GOOD_SEAMRR_MASK), -EINVAL);
	platform_destroy(plat);
}

static void test_msr_sgx_debug_mode_reflects_debug_unlocked(void **state)
{
	static const char *const ov[] = { "debug-unlocked=1", NULL };
	struct platform *locked = unit_platform(NULL, false);
	struct platform *unlocked = unit_platform(ov, false);

	(void)state;
	assert_int_equal(rd(platform_lp(locked, 0), MSR_IA32_SGX_DEBUG_MODE) &
			 SGX_DEBUG_MODE_UNLOCKED, 0);
	assert_int_equal(rd(platform_lp(unlocked, 0), MSR_IA32_SGX_DEBUG_MODE) &
			 SGX_DEBUG_MODE_UNLOCKED, SGX_DEBUG_MODE_UNLOCKED);
	assert_int_equal(rd(platform_lp(unlocked, 1), MSR_IA32_SGX_DEBUG_MODE) &
			 SGX_DEBUG_MODE_UNLOCKED, SGX_DEBUG_MODE_UNLOCKED);
	platform_destroy(locked);
	platform_destroy(unlocked);
}

static void test_msr_smrr_write_with_reserved_bits_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSBASE, TDX_BIT(8)), -EINVAL);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSBASE, TDX_BIT(32)), -EINVAL);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSMASK, TDX_BIT(0)), -EINVAL);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSMASK, TDX_BIT(32)), -EINVAL);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSBASE), 0);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSMASK), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSBASE, 0x7F800006), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSMASK, 0xFF800000 | SMRR_MASK_VALID), 0);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSBASE), 0x7F800006);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSMASK), 0xFF800000 | SMRR_MASK_VALID);
	platform_destroy(plat);
}

/*
 * msr.c: "Lock bits behave as on hardware: a write after lock is #GP".
 * IA32_SMRR_PHYSMASK accepts SMRR_MASK_LOCKED, so it must then refuse writes.
 */
static void test_msr_smrr_write_after_lock_is_eperm(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	uint64_t mask = 0xFF800000 | SMRR_MASK_VALID | SMRR_MASK_LOCKED;

	(void)state;
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSBASE, 0x7F800006), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSMASK, mask), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSBASE, 0), -EPERM);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_SMRR_PHYSMASK, 0), -EPERM);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSBASE), 0x7F800006);
	assert_int_equal(rd(lp, MSR_IA32_SMRR_PHYSMASK), mask);
	platform_destroy(plat);
}

static void test_msr_bios_done_is_sticky(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_BIOS_DONE, 0), 0);
	assert_int_equal(rd(lp, MSR_IA32_BIOS_DONE), 0);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_BIOS_DONE, 1), 0);
	assert_int_equal(rd(lp, MSR_IA32_BIOS_DONE), 1);
	assert_int_equal(lp_wrmsr(lp, MSR_IA32_BIOS_DONE, 0), 0);
	assert_int_equal(rd(lp, MSR_IA32_BIOS_DONE), 1);
	assert_int_equal(rd(platform_lp(plat, 1), MSR_IA32_BIOS_DONE), 0);
	platform_destroy(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_unknown_msr_is_einval),
		cmocka_unit_test(test_msr_read_only_msrs_refuse_writes),
		cmocka_unit_test(test_msr_power_on_values),
		cmocka_unit_test(test_msr_seamrr_write_with_reserved_bits_is_einval),
		cmocka_unit_test(test_msr_seamrr_address_bits_follow_max_pa),
		cmocka_unit_test(test_msr_seamrr_write_after_lock_is_eperm),
		cmocka_unit_test(test_msr_tme_activate_lock_makes_tme_msrs_read_only),
		cmocka_unit_test(test_msr_seamrr_unsupported_msrs_gp),
		cmocka_unit_test(test_msr_sgx_debug_mode_reflects_debug_unlocked),
		cmocka_unit_test(test_msr_smrr_write_with_reserved_bits_is_einval),
		cmocka_unit_test(test_msr_smrr_write_after_lock_is_eperm),
		cmocka_unit_test(test_msr_bios_done_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

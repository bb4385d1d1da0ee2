/*
 * Unit tests for seam/platform/src/mktme.c: KeyID kinds and per-package
 * key programming (the PCONFIG analogue).
 */
#include <errno.h>
#include <string.h>

#include "platform_unit.h"

static const char *const two_pkgs[] = { "packages=2", "lps=4", NULL };

static void test_mktme_keyid_kinds_follow_the_partitioning(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	const struct platform_config *cfg = platform_cfg(plat);
	unsigned int nr_mktme = cfg->nr_mktme_keyids, nr_tdx = cfg->nr_tdx_keyids;

	(void)state;
	assert_int_equal(mktme_keyid_kind(plat, 0), MKTME_KEYID_TME);
	assert_int_equal(mktme_keyid_kind(plat, 1), MKTME_KEYID_SHARED);
	assert_int_equal(mktme_keyid_kind(plat, (hkid_t)nr_mktme), MKTME_KEYID_SHARED);
	assert_int_equal(mktme_keyid_kind(plat, (hkid_t)(nr_mktme + 1)), MKTME_KEYID_PRIVATE);
	assert_int_equal(mktme_keyid_kind(plat, (hkid_t)(nr_mktme + nr_tdx)), MKTME_KEYID_PRIVATE);
	assert_int_equal(mktme_keyid_kind(plat, (hkid_t)(nr_mktme + nr_tdx + 1)),
			 MKTME_KEYID_INVALID);
	assert_int_equal(mktme_keyid_kind(plat, 0xFFFF), MKTME_KEYID_INVALID);
	platform_destroy(plat);
}

static void test_mktme_keyids_beyond_keyid_bits_are_invalid(void **state)
{
	static const char *const ov[] = { "mktme-keyids=10", "tdx-keyids=100", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	/* 6 KeyID bits: 10 shared, 11..63 private, 64 and up invalid. */
	assert_int_equal(mktme_keyid_kind(plat, 10), MKTME_KEYID_SHARED);
	assert_int_equal(mktme_keyid_kind(plat, 11), MKTME_KEYID_PRIVATE);
	assert_int_equal(mktme_keyid_kind(plat, 63), MKTME_KEYID_PRIVATE);
	assert_int_equal(mktme_keyid_kind(plat, 64), MKTME_KEYID_INVALID);
	assert_int_equal(mktme_keyid_kind(plat, 110), MKTME_KEYID_INVALID);
	platform_destroy(plat);
}

static void test_mktme_power_on_programs_tme_and_shared_keyids_only(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);

	(void)state;
	for (unsigned int pkg = 0; pkg < 2; pkg++) {
		assert_true(mktme_keyid_programmed(plat, pkg, 0));
		assert_true(mktme_keyid_programmed(plat, pkg, 1));
		assert_true(mktme_keyid_programmed(plat, pkg, 31));
		assert_false(mktme_keyid_programmed(plat, pkg, 32));
		assert_false(mktme_keyid_programmed(plat, pkg, 63));
		assert_false(mktme_keyid_programmed(plat, pkg, 64));
	}
	assert_false(mktme_keyid_programmed(plat, 64, 1));
	platform_destroy(plat);
}

static void test_mktme_host_programming_private_keyid_is_eperm(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	uint8_t key[MKTME_KEY_BYTES];

	(void)state;
	unit_fill_key(key, 1);
	assert_int_equal(mktme_program_key(lp, UNIT_PRIV_A, MKTME_KEYID_SET_KEY_RANDOM, NULL),
			 -EPERM);
	assert_int_equal(mktme_program_key(lp, UNIT_PRIV_A, MKTME_KEYID_SET_KEY_DIRECT, key),
			 -EPERM);
	/* Inside an ACM is not SEAM either. */
	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(mktme_program_key(lp, UNIT_PRIV_A, MKTME_KEYID_SET_KEY_RANDOM, NULL),
			 -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	platform_destroy(plat);
}

static void test_mktme_seam_programs_private_keyid_on_its_package_only(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);

	(void)state;
	/* LP 2 is on package 1. */
	assert_int_equal(lp_package(platform_lp(plat, 2)), 1);
	assert_int_equal(unit_seam_program_key(plat, 2, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_PRIV_A));
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	assert_false(mktme_keyid_programmed(plat, 1, UNIT_PRIV_B));
	platform_destroy(plat);
}

static void test_mktme_same_direct_key_on_second_package_programs_both(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);
	uint8_t key[MKTME_KEY_BYTES];

	(void)state;
	unit_fill_key(key, 9);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_int_equal(unit_seam_program_key(plat, 3, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_true(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_PRIV_A));
	platform_destroy(plat);
}

/*
 * TDH.MNG.KEY.CONFIG and TDH.SYS.KEY.CONFIG run PCONFIG with a random key
 * once per package.  Programming package 1 must not unprogram package 0.
 */
static void test_mktme_random_key_on_second_package_keeps_first_programmed(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);

	(void)state;
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	assert_int_equal(unit_seam_program_key(plat, 2, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_PRIV_A));
	assert_true(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	platform_destroy(plat);
}

static void test_mktme_direct_key_with_equal_halves_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	uint8_t key[MKTME_KEY_BYTES];

	(void)state;
	memset(key, 0x42, sizeof(key));
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key), -EINVAL);
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	/* The same from the host on a shared KeyID. */
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_SHARED_A,
					   MKTME_KEYID_SET_KEY_DIRECT, key), -EINVAL);
	platform_destroy(plat);
}

static void test_mktme_direct_key_without_key_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);

	(void)state;
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, NULL), -EINVAL);
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	platform_destroy(plat);
}

static void test_mktme_keyid_0_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	uint8_t key[MKTME_KEY_BYTES];

	(void)state;
	unit_fill_key(key, 3);
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), 0,
					   MKTME_KEYID_SET_KEY_RANDOM, NULL), -EINVAL);
	assert_int_equal(unit_seam_program_key(plat, 0, 0, MKTME_KEYID_SET_KEY_DIRECT, key),
			 -EINVAL);
	assert_int_equal(unit_seam_program_key(plat, 0, 0, MKTME_KEYID_CLEAR_KEY, NULL),
			 -EINVAL);
	assert_true(mktme_keyid_programmed(plat, 0, 0));
	platform_destroy(plat);
}

static void test_mktme_invalid_keyid_is_einval(void **state)
{
	static const char *const ov[] = { "tdx-keyids=16", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	assert_int_equal(mktme_keyid_kind(plat, 48), MKTME_KEYID_INVALID);
	assert_int_equal(unit_seam_program_key(plat, 0, 48, MKTME_KEYID_SET_KEY_RANDOM, NULL),
			 -EINVAL);
	assert_int_equal(unit_seam_program_key(plat, 0, 64, MKTME_KEYID_SET_KEY_RANDOM, NULL),
			 -EINVAL);
	assert_int_equal(unit_seam_program_key(plat, 0, 0xFFFF, MKTME_KEYID_SET_KEY_RANDOM,
					       NULL), -EINVAL);
	assert_false(mktme_keyid_programmed(plat, 0, 48));
	platform_destroy(plat);
}

static void test_mktme_host_programs_shared_keyid_on_its_package(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);
	uint8_t key[MKTME_KEY_BYTES];

	(void)state;
	unit_fill_key(key, 5);
	platform_start_aps(plat);
	assert_int_equal(mktme_program_key(platform_lp(plat, 2), UNIT_SHARED_A,
					   MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_SHARED_A));
	assert_true(mktme_keyid_programmed(plat, 0, UNIT_SHARED_B));
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_SHARED_B));
	platform_destroy(plat);
}

static void test_mktme_clear_key_unprograms_only_that_package(void **state)
{
	struct platform *plat = unit_platform(two_pkgs, false);

	(void)state;
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_SHARED_A,
					   MKTME_KEYID_CLEAR_KEY, NULL), 0);
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_SHARED_A));
	assert_true(mktme_keyid_programmed(plat, 1, UNIT_SHARED_A));
	assert_int_equal(mktme_program_key(platform_lp(plat, 3), UNIT_SHARED_A,
					   MKTME_KEYID_CLEAR_KEY, NULL), 0);
	assert_false(mktme_keyid_programmed(plat, 1, UNIT_SHARED_A));
	/* Clearing a private KeyID is SEAM's business too. */
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_PRIV_A,
					   MKTME_KEYID_CLEAR_KEY, NULL), -EPERM);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_CLEAR_KEY, NULL), 0);
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_A));
	platform_destroy(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mktme_keyid_kinds_follow_the_partitioning),
		cmocka_unit_test(test_mktme_keyids_beyond_keyid_bits_are_invalid),
		cmocka_unit_test(test_mktme_power_on_programs_tme_and_shared_keyids_only),
		cmocka_unit_test(test_mktme_host_programming_private_keyid_is_eperm),
		cmocka_unit_test(test_mktme_seam_programs_private_keyid_on_its_package_only),
		cmocka_unit_test(test_mktme_same_direct_key_on_second_package_programs_both),
		cmocka_unit_test(test_mktme_random_key_on_second_package_keeps_first_programmed),
		cmocka_unit_test(test_mktme_direct_key_with_equal_halves_is_einval),
		cmocka_unit_test(test_mktme_direct_key_without_key_is_einval),
		cmocka_unit_test(test_mktme_keyid_0_is_einval),
		cmocka_unit_test(test_mktme_invalid_keyid_is_einval),
		cmocka_unit_test(test_mktme_host_programs_shared_keyid_on_its_package),
		cmocka_unit_test(test_mktme_clear_key_unprograms_only_that_package),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

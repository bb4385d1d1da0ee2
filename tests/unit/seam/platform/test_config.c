/*
 * Unit tests for seam/platform/src/config.c: the default machine and the
 * "key=value" overrides of platform_config_set().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform_unit.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)

static bool ranges_overlap(struct platform_range a, struct platform_range b)
{
	return a.size && b.size && a.base < b.base + b.size && b.base < a.base + a.size;
}

/* Apply @kv to the defaults and expect success. */
static void set_ok(struct platform_config *cfg, const char *kv)
{
	struct emu_error err = { 0 };
	int ret = platform_config_set(cfg, kv, &err);

	if (ret)
		print_error("'%s': %d %s\n", kv, ret, err.msg);
	assert_int_equal(ret, 0);
	assert_int_equal(err.code, 0);
}

/* Apply @kv and expect -EINVAL, a message naming @key, and no change. */
static void set_einval(const char *kv, const char *key)
{
	struct platform_config cfg, before;
	struct emu_error err = { 0 };
	int ret;

	platform_config_defaults(&cfg);
	before = cfg;
	ret = platform_config_set(&cfg, kv, &err);
	if (ret != -EINVAL || !strstr(err.msg, key))
		print_error("'%s': ret %d, message '%s'\n", kv, ret, err.msg);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, key));
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

/* "vendor-key-hash=" + @head + @n times @fill + @tail. */
static void hash_kv(char *kv, size_t size, const char *head, char fill, size_t n,
		    const char *tail)
{
	size_t len;

	snprintf(kv, size, "vendor-key-hash=%s", head);
	len = strlen(kv);
	assert_true(len + n + strlen(tail) < size);
	memset(kv + len, fill, n);
	kv[len + n] = '\0';
	strcat(kv, tail);
}

/* ---- defaults ---- */

static void test_config_defaults_put_seamrr_at_top_of_dram(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	assert_true(cfg.seamrr.size > 0);
	assert_int_equal(cfg.seamrr.base + cfg.seamrr.size, cfg.dram_size);
	/* SEAMRR is a power-of-two range, size-aligned, 32 MiB granular. */
	assert_int_equal(cfg.seamrr.size & (cfg.seamrr.size - 1), 0);
	assert_int_equal(cfg.seamrr.base % cfg.seamrr.size, 0);
	assert_int_equal(cfg.seamrr.base % TDX_SZ_32M, 0);
	assert_true(cfg.seamrr_supported);
	assert_false(cfg.debug_unlocked);
}

static void test_config_defaults_cmrs_avoid_seamrr_and_smrr(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	assert_true(cfg.nr_cmrs >= 1 && cfg.nr_cmrs <= PLATFORM_MAX_CMRS);
	/* SMRR sits below 4 GiB, size-aligned. */
	assert_true(cfg.smrr.size > 0);
	assert_true(cfg.smrr.base + cfg.smrr.size <= 4 * GiB);
	assert_int_equal(cfg.smrr.base % cfg.smrr.size, 0);
	for (unsigned int i = 0; i < cfg.nr_cmrs; i++) {
		assert_true(cfg.cmr[i].size > 0);
		assert_true(cfg.cmr[i].base + cfg.cmr[i].size <= cfg.dram_size);
		assert_false(ranges_overlap(cfg.cmr[i], cfg.seamrr));
		assert_false(ranges_overlap(cfg.cmr[i], cfg.smrr));
		for (unsigned int j = i + 1; j < cfg.nr_cmrs; j++)
			assert_false(ranges_overlap(cfg.cmr[i], cfg.cmr[j]));
	}
}

static void test_config_defaults_describe_a_valid_small_machine(void **state)
{
	struct platform_config cfg;
	struct platform *plat = NULL;
	struct emu_error err = { 0 };

	(void)state;
	platform_config_defaults(&cfg);
	assert_int_equal(cfg.dram_size, 8 * GiB);
	assert_int_equal(cfg.nr_packages, 1);
	assert_int_equal(cfg.lps_per_package, 2);
	assert_true(cfg.keyid_bits + 32 <= cfg.max_pa);
	assert_true(cfg.nr_mktme_keyids + cfg.nr_tdx_keyids < (1U << cfg.keyid_bits));
	assert_true(cfg.dram_size <= (1ULL << (cfg.max_pa - cfg.keyid_bits)));
	assert_int_equal(platform_create(&cfg, &plat, &err), 0);
	assert_non_null(plat);
	platform_destroy(plat);
}

/* ---- each key parses ---- */

static void test_config_set_dram_takes_size_suffixes(void **state)
{
	static const struct {
		const char *kv;
		uint64_t size;
	} cases[] = {
		{ "dram=4096", 4096 },
		{ "dram=0x10000", 0x10000 },
		{ "dram=3K", 3 * KiB },
		{ "dram=3k", 3 * KiB },
		{ "dram=5M", 5 * MiB },
		{ "dram=5m", 5 * MiB },
		{ "dram=6G", 6 * GiB },
		{ "dram=6g", 6 * GiB },
		{ "dram=2T", 2 * TiB },
		{ "dram=2t", 2 * TiB },
		{ "dram=16777215T", 16777215ULL * TiB },
	};
	struct platform_config cfg;

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(cases); i++) {
		platform_config_defaults(&cfg);
		set_ok(&cfg, cases[i].kv);
		assert_int_equal(cfg.dram_size, cases[i].size);
	}
}

static void test_config_set_topology_keys_parse(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "packages=8");
	assert_int_equal(cfg.nr_packages, 8);
	set_ok(&cfg, "lps-per-package=3");
	assert_int_equal(cfg.lps_per_package, 3);
	set_ok(&cfg, "lps-per-package=1024");
	assert_int_equal(cfg.lps_per_package, 1024);
}

static void test_config_set_lps_splits_evenly_over_packages(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "packages=2");
	set_ok(&cfg, "lps=6");
	assert_int_equal(cfg.nr_packages, 2);
	assert_int_equal(cfg.lps_per_package, 3);
	set_ok(&cfg, "packages=4");
	set_ok(&cfg, "lps=4");
	assert_int_equal(cfg.lps_per_package, 1);
}

static void test_config_set_lps_not_multiple_of_packages_is_einval(void **state)
{
	struct platform_config cfg, before;
	struct emu_error err = { 0 };

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "packages=2");
	before = cfg;
	assert_int_equal(platform_config_set(&cfg, "lps=3", &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, "lps"));
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	emu_error_clear(&err);
	assert_int_equal(platform_config_set(&cfg, "lps=0", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lps"));
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void test_config_set_lps_with_zero_packages_is_einval(void **state)
{
	struct platform_config cfg;
	struct emu_error err = { 0 };

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "packages=0");
	assert_int_equal(platform_config_set(&cfg, "lps=4", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lps"));
}

static void test_config_set_address_and_keyid_keys_parse(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "max-pa=52");
	assert_int_equal(cfg.max_pa, 52);
	set_ok(&cfg, "max-pa=36");
	assert_int_equal(cfg.max_pa, 36);
	set_ok(&cfg, "keyid-bits=15");
	assert_int_equal(cfg.keyid_bits, 15);
	set_ok(&cfg, "keyid-bits=0");
	assert_int_equal(cfg.keyid_bits, 0);
	set_ok(&cfg, "mktme-keyids=7");
	assert_int_equal(cfg.nr_mktme_keyids, 7);
	set_ok(&cfg, "mktme-keyids=32767");
	assert_int_equal(cfg.nr_mktme_keyids, 32767);
	set_ok(&cfg, "tdx-keyids=0x10");
	assert_int_equal(cfg.nr_tdx_keyids, 16);
}

static void test_config_set_range_keys_parse(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "seamrr-base=6G");
	set_ok(&cfg, "seamrr-size=256M");
	set_ok(&cfg, "smrr-base=0x7f000000");
	set_ok(&cfg, "smrr-size=8192K");
	assert_int_equal(cfg.seamrr.base, 6 * GiB);
	assert_int_equal(cfg.seamrr.size, 256 * MiB);
	assert_int_equal(cfg.smrr.base, 0x7f000000ULL);
	assert_int_equal(cfg.smrr.size, 8 * MiB);
}

static void test_config_set_cmr_list_parses(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "cmr=0+1G,0x100000000+2G,12G+512M");
	assert_int_equal(cfg.nr_cmrs, 3);
	assert_int_equal(cfg.cmr[0].base, 0);
	assert_int_equal(cfg.cmr[0].size, GiB);
	assert_int_equal(cfg.cmr[1].base, 4 * GiB);
	assert_int_equal(cfg.cmr[1].size, 2 * GiB);
	assert_int_equal(cfg.cmr[2].base, 12 * GiB);
	assert_int_equal(cfg.cmr[2].size, 512 * MiB);
}

static void test_config_set_cmr_list_takes_max_entries(void **state)
{
	struct platform_config cfg;
	char kv[2048] = "cmr=";

	(void)state;
	for (unsigned int i = 0; i < PLATFORM_MAX_CMRS; i++) {
		char one[32];

		snprintf(one, sizeof(one), "%s%uG+1G", i ? "," : "", 2 * i);
		strcat(kv, one);
	}
	platform_config_defaults(&cfg);
	set_ok(&cfg, kv);
	assert_int_equal(cfg.nr_cmrs, PLATFORM_MAX_CMRS);
	assert_int_equal(cfg.cmr[PLATFORM_MAX_CMRS - 1].base, 2ULL * (PLATFORM_MAX_CMRS - 1) * GiB);
}

static void test_config_set_cmr_list_too_long_is_einval(void **state)
{
	char kv[2048] = "cmr=";

	(void)state;
	for (unsigned int i = 0; i <= PLATFORM_MAX_CMRS; i++) {
		char one[32];

		snprintf(one, sizeof(one), "%s%uG+1G", i ? "," : "", 2 * i);
		strcat(kv, one);
	}
	/* 33 entries: one more than the memory controller has registers for. */
	{
		struct platform_config cfg;
		struct emu_error err = { 0 };

		platform_config_defaults(&cfg);
		assert_int_equal(platform_config_set(&cfg, kv, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "cmr"));
		assert_int_equal(cfg.nr_cmrs, 2);
	}
}

static void test_config_set_cpuid_fms_parses(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "cpuid-fms=0x000A06A4");
	assert_int_equal(cfg.cpuid_fms, 0x000A06A4);
	set_ok(&cfg, "cpuid-fms=0xFFFFFFFF");
	assert_int_equal(cfg.cpuid_fms, 0xFFFFFFFFU);
}

static void test_config_set_vendor_key_hash_parses_96_hex_digits(void **state)
{
	struct platform_config cfg;
	char kv[128] = "vendor-key-hash=";
	uint8_t want[48];

	(void)state;
	for (unsigned int i = 0; i < 48; i++) {
		char two[3];

		want[i] = (uint8_t)(0xF0 - 3 * i);
		snprintf(two, sizeof(two), "%02x", want[i]);
		strcat(kv, two);
	}
	platform_config_defaults(&cfg);
	set_ok(&cfg, kv);
	assert_memory_equal(cfg.vendor_key_hash, want, sizeof(want));
}

static void test_config_set_flags_parse(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	set_ok(&cfg, "debug-unlocked=1");
	assert_true(cfg.debug_unlocked);
	assert_true(cfg.seamrr_supported);
	set_ok(&cfg, "seamrr=0");
	assert_false(cfg.seamrr_supported);
	assert_true(cfg.debug_unlocked);
	set_ok(&cfg, "debug-unlocked=0");
	assert_false(cfg.debug_unlocked);
	set_ok(&cfg, "seamrr=1");
	assert_true(cfg.seamrr_supported);
}

/* ---- bad input ---- */

static void test_config_set_bad_values_are_einval_naming_the_key(void **state)
{
	static const struct {
		const char *kv;
		const char *key;
	} cases[] = {
		{ "dram=", "dram" },
		{ "dram=12X", "dram" },
		{ "dram=1GB", "dram" },
		{ "dram=-1", "dram" },
		{ "dram=99999999999999999999", "dram" },
		{ "dram=16777216T", "dram" },
		{ "dram=0x", "dram" },
		{ "packages=9", "packages" },
		{ "packages=two", "packages" },
		{ "lps-per-package=1025", "lps-per-package" },
		{ "lps=abc", "lps" },
		{ "lps=2048", "lps" },
		{ "max-pa=53", "max-pa" },
		{ "max-pa=4x", "max-pa" },
		{ "keyid-bits=16", "keyid-bits" },
		{ "mktme-keyids=32768", "mktme-keyids" },
		{ "tdx-keyids=40000", "tdx-keyids" },
		{ "seamrr-base=zz", "seamrr-base" },
		{ "seamrr-size=1Q", "seamrr-size" },
		{ "smrr-base=", "smrr-base" },
		{ "smrr-size=-5", "smrr-size" },
		{ "cmr=0", "cmr" },
		{ "cmr=0+", "cmr" },
		{ "cmr=x+1G", "cmr" },
		{ "cpuid-fms=0x100000000", "cpuid-fms" },
		{ "cpuid-fms=fms", "cpuid-fms" },
		{ "vendor-key-hash=abcd", "vendor-key-hash" },
		{ "debug-unlocked=2", "debug-unlocked" },
		{ "debug-unlocked=yes", "debug-unlocked" },
		{ "seamrr=2", "seamrr" },
		{ "seamrr=", "seamrr" },
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(cases); i++)
		set_einval(cases[i].kv, cases[i].key);
}

static void test_config_set_bad_vendor_key_hash_is_einval(void **state)
{
	char kv[160];

	(void)state;
	hash_kv(kv, sizeof(kv), "zz", '0', 94, "");
	set_einval(kv, "vendor-key-hash");
	hash_kv(kv, sizeof(kv), "", '0', 95, "");
	set_einval(kv, "vendor-key-hash");
	hash_kv(kv, sizeof(kv), "", '0', 97, "");
	set_einval(kv, "vendor-key-hash");
	hash_kv(kv, sizeof(kv), "", '0', 94, "g0");
	set_einval(kv, "vendor-key-hash");
}

static void test_config_set_unknown_key_is_einval_naming_it(void **state)
{
	(void)state;
	set_einval("bogus-key=1", "bogus-key");
	set_einval("DRAM=8G", "DRAM");
	set_einval("dram-size=8G", "dram-size");
}

static void test_config_set_missing_equals_is_einval(void **state)
{
	(void)state;
	set_einval("dram", "dram");
	set_einval("=8G", "=8G");
	set_einval("a-key-that-is-far-too-long-to-fit-into-the-parsers-key-buffer-at-all=1",
		   "a-key-that-is-far-too-long");
}

static void test_config_set_without_error_struct_still_fails(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	assert_int_equal(platform_config_set(&cfg, "bogus=1", NULL), -EINVAL);
	assert_int_equal(platform_config_set(&cfg, "dram=x", NULL), -EINVAL);
	assert_int_equal(platform_config_set(&cfg, "dram=4G", NULL), 0);
	assert_int_equal(cfg.dram_size, 4 * GiB);
}

/*
 * strtoull() skips blanks and then accepts a minus sign; parse_size() only
 * refuses a '-' in the first character.
 */
static void test_config_set_negative_size_after_blank_is_einval(void **state)
{
	(void)state;
	set_einval("dram= -1", "dram");
	set_einval("seamrr-base=\t-32M", "seamrr-base");
}

/* "%2x" takes a sign, so "-1" would pass for the byte 0xFF. */
static void test_config_set_vendor_key_hash_with_signed_pairs_is_einval(void **state)
{
	char kv[128] = "vendor-key-hash=";

	(void)state;
	for (unsigned int i = 0; i < 48; i++)
		strcat(kv, "-1");
	set_einval(kv, "vendor-key-hash");
}

/* A list that fails on its second entry must not have applied the first. */
static void test_config_set_bad_cmr_list_leaves_config_unchanged(void **state)
{
	(void)state;
	set_einval("cmr=0+1G,bad", "cmr");
}

/* A hash with a bad digit at the end must not have applied its start. */
static void test_config_set_bad_vendor_key_hash_leaves_config_unchanged(void **state)
{
	char kv[160];

	(void)state;
	hash_kv(kv, sizeof(kv), "", '1', 94, "zz");
	set_einval(kv, "vendor-key-hash");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_put_seamrr_at_top_of_dram),
		cmocka_unit_test(test_config_defaults_cmrs_avoid_seamrr_and_smrr),
		cmocka_unit_test(test_config_defaults_describe_a_valid_small_machine),
		cmocka_unit_test(test_config_set_dram_takes_size_suffixes),
		cmocka_unit_test(test_config_set_topology_keys_parse),
		cmocka_unit_test(test_config_set_lps_splits_evenly_over_packages),
		cmocka_unit_test(test_config_set_lps_not_multiple_of_packages_is_einval),
		cmocka_unit_test(test_config_set_lps_with_zero_packages_is_einval),
		cmocka_unit_test(test_config_set_address_and_keyid_keys_parse),
		cmocka_unit_test(test_config_set_range_keys_parse),
		cmocka_unit_test(test_config_set_cmr_list_parses),
		cmocka_unit_test(test_config_set_cmr_list_takes_max_entries),
		cmocka_unit_test(test_config_set_cmr_list_too_long_is_einval),
		cmocka_unit_test(test_config_set_cpuid_fms_parses),
		cmocka_unit_test(test_config_set_vendor_key_hash_parses_96_hex_digits),
		cmocka_unit_test(test_config_set_flags_parse),
		cmocka_unit_test(test_config_set_bad_values_are_einval_naming_the_key),
		cmocka_unit_test(test_config_set_bad_vendor_key_hash_is_einval),
		cmocka_unit_test(test_config_set_unknown_key_is_einval_naming_it),
		cmocka_unit_test(test_config_set_missing_equals_is_einval),
		cmocka_unit_test(test_config_set_without_error_struct_still_fails),
		cmocka_unit_test(test_config_set_negative_size_after_blank_is_einval),
		cmocka_unit_test(test_config_set_vendor_key_hash_with_signed_pairs_is_einval),
		cmocka_unit_test(test_config_set_bad_cmr_list_leaves_config_unchanged),
		cmocka_unit_test(test_config_set_bad_vendor_key_hash_leaves_config_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

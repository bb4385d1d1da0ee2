/*
 * Unit tests for seam/platform/src/report_key.c: the TDREPORT MAC key is
 * SEAM-only, the same on every LP, and exactly the HKDF platform_seam.h
 * documents (recomputed here through OpenSSL's EVP_PKEY HKDF interface,
 * not the EVP_KDF one the platform uses).
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "platform_seam.h"
#include "platform_unit.h"

static int get_key(struct plat_lp *lp, void *arg)
{
	return platform_report_key(lp, arg);
}

static int get_secret(struct plat_lp *lp, void *arg)
{
	return platform_root_secret(lp, arg);
}

static void key_in_seam(struct platform *plat, unsigned int lp, uint8_t key[32])
{
	assert_int_equal(fake_in_seam(plat, lp, get_key, key), 0);
}

/* The documented derivation, computed independently. */
static void expected_key(struct platform *plat, uint8_t out[32])
{
	static const char label[] = PLATFORM_REPORT_KEY_LABEL;
	uint8_t secret[32], info[sizeof(label) - 1 + 16];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t len = 32;

	assert_int_equal(fake_in_seam(plat, 0, get_secret, secret), 0);
	memcpy(info, label, sizeof(label) - 1);
	memcpy(info + sizeof(label) - 1, platform_cpusvn(plat), 16);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, sizeof(secret)), 1);
	assert_int_equal(EVP_PKEY_CTX_add1_hkdf_info(ctx, info, sizeof(info)), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, out, &len), 1);
	assert_int_equal(len, 32);
	EVP_PKEY_CTX_free(ctx);
}

static void test_report_key_needs_seam_mode(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	uint8_t key[32];

	(void)state;
	memset(key, 0x55, sizeof(key));
	assert_int_equal(platform_report_key(lp, key), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_report_key(lp, key), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	for (unsigned int i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0x55);
	platform_destroy(plat);
}

static void test_report_key_is_the_documented_hkdf(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	uint8_t key[32], want[32], secret[32];

	(void)state;
	key_in_seam(plat, 0, key);
	expected_key(plat, want);
	assert_memory_equal(key, want, sizeof(key));
	/* Derived, never the root secret itself. */
	assert_int_equal(fake_in_seam(plat, 0, get_secret, secret), 0);
	assert_memory_not_equal(key, secret, sizeof(key));
	platform_destroy(plat);
}

static void test_report_key_same_on_every_lp(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	uint8_t a[32], b[32];

	(void)state;
	key_in_seam(plat, 0, a);
	key_in_seam(plat, 1, b);
	assert_memory_equal(a, b, sizeof(a));
	key_in_seam(plat, 0, b);
	assert_memory_equal(a, b, sizeof(a));
	platform_destroy(plat);
}

static void test_report_key_differs_between_platforms(void **state)
{
	struct platform *p1 = unit_platform(NULL, false);
	struct platform *p2 = unit_platform(NULL, false);
	uint8_t a[32], b[32];

	(void)state;
	key_in_seam(p1, 0, a);
	key_in_seam(p2, 0, b);
	assert_memory_not_equal(a, b, sizeof(a));
	platform_destroy(p1);
	platform_destroy(p2);
}

/* Another CPUSVN is bound into the key (the derivation test on that platform). */
static void test_report_key_binds_the_cpusvn(void **state)
{
	struct platform_config cfg;
	struct platform *plat = NULL;
	struct emu_error err = { 0 };
	uint8_t key[32], want[32];

	(void)state;
	platform_config_defaults(&cfg);
	cfg.cpusvn[0] ^= 0x10;
	cfg.cpusvn[15] = 0x42;
	assert_int_equal(platform_create(&cfg, &plat, &err), 0);
	assert_memory_equal(platform_cpusvn(plat), cfg.cpusvn, 16);
	key_in_seam(plat, 0, key);
	expected_key(plat, want);
	assert_memory_equal(key, want, sizeof(key));
	platform_destroy(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_key_needs_seam_mode),
		cmocka_unit_test(test_report_key_is_the_documented_hkdf),
		cmocka_unit_test(test_report_key_same_on_every_lp),
		cmocka_unit_test(test_report_key_differs_between_platforms),
		cmocka_unit_test(test_report_key_binds_the_cpusvn),
	};

	return cmocka_run_group_tests_name("platform report key", tests, NULL, NULL);
}

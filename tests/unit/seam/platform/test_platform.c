/*
 * Unit tests for seam/platform/src/platform.c: power-on checks, sparse
 * DRAM, accessors, fuses, the CMR registers and the SEAM registers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform_unit.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)

/* platform_create() on @cfg must fail with -EINVAL and a message naming @key. */
static void create_einval(const struct platform_config *cfg, const char *key)
{
	struct platform *plat = (struct platform *)0x1;
	struct emu_error err = { 0 };
	int ret = platform_create(cfg, &plat, &err);

	if (ret != -EINVAL || !strstr(err.msg, key))
		print_error("expected -EINVAL naming '%s', got %d '%s'\n", key, ret, err.msg);
	if (!ret)
		platform_destroy(plat);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, key));
	assert_null(plat);
}

static void create_ok(const struct platform_config *cfg)
{
	struct platform *plat = NULL;
	struct emu_error err = { 0 };
	int ret = platform_create(cfg, &plat, &err);

	if (ret)
		print_error("platform_create: %d %s\n", ret, err.msg);
	assert_int_equal(ret, 0);
	assert_non_null(plat);
	platform_destroy(plat);
}

/* ---- platform_create() checks ---- */

static void test_platform_create_max_pa_out_of_range_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.max_pa = 35;
	create_einval(&cfg, "max-pa");
	cfg.max_pa = 53;
	create_einval(&cfg, "max-pa");
	cfg.max_pa = 0;
	create_einval(&cfg, "max-pa");

	/* Both ends of 36..52 are fine. */
	cfg.max_pa = 52;
	create_ok(&cfg);
	cfg.max_pa = 36;
	cfg.keyid_bits = 4;
	cfg.nr_mktme_keyids = 7;
	cfg.nr_tdx_keyids = 8;
	cfg.dram_size = 4 * GiB;
	cfg.seamrr.base = 4 * GiB - cfg.seamrr.size;
	create_ok(&cfg);
}

static void test_platform_create_keyid_bits_too_large_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.keyid_bits = 16;
	cfg.max_pa = 52;
	create_einval(&cfg, "keyid-bits");
	/* 15 KeyID bits leave only 31 address bits below max-pa=46. */
	cfg.keyid_bits = 15;
	cfg.max_pa = 46;
	create_einval(&cfg, "keyid-bits");
	/* 14 leave exactly 32: fine with 4 GiB of DRAM. */
	cfg.keyid_bits = 14;
	cfg.dram_size = 4 * GiB;
	create_ok(&cfg);
}

static void test_platform_create_dram_not_2m_aligned_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.dram_size = 2 * GiB + 1 * MiB;
	create_einval(&cfg, "dram");
	cfg.dram_size = 2 * GiB + 4096;
	create_einval(&cfg, "dram");
	cfg.dram_size = 2 * GiB + 2 * MiB;
	create_ok(&cfg);
}

static void test_platform_create_dram_too_small_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.dram_size = GiB - 2 * MiB;
	create_einval(&cfg, "dram");
	cfg.dram_size = 0;
	create_einval(&cfg, "dram");
	cfg.dram_size = GiB;
	create_ok(&cfg);
}

static void test_platform_create_dram_beyond_address_bits_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	/* max-pa=40 with 6 KeyID bits: 34 address bits, 16 GiB. */
	cfg.max_pa = 40;
	cfg.dram_size = 16 * GiB + 2 * MiB;
	create_einval(&cfg, "dram");
	cfg.dram_size = 16 * GiB;
	create_ok(&cfg);
}

static void test_platform_create_package_count_out_of_range_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.nr_packages = 0;
	create_einval(&cfg, "packages");
	cfg.nr_packages = PLATFORM_MAX_PACKAGES + 1;
	create_einval(&cfg, "packages");
	cfg.nr_packages = PLATFORM_MAX_PACKAGES;
	cfg.lps_per_package = 1;
	create_ok(&cfg);
}

static void test_platform_create_lp_count_out_of_range_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.lps_per_package = 0;
	create_einval(&cfg, "lps");
	cfg.lps_per_package = PLATFORM_MAX_LPS + 1;
	create_einval(&cfg, "lps");
	cfg.nr_packages = 8;
	cfg.lps_per_package = PLATFORM_MAX_LPS / 8 + 1;
	create_einval(&cfg, "lps");
}

static void test_platform_create_max_lps_starts_every_lp(void **state)
{
	struct platform_config cfg;
	struct platform *plat = NULL;
	struct emu_error err = { 0 };

	(void)state;
	platform_config_defaults(&cfg);
	cfg.nr_packages = 8;
	cfg.lps_per_package = PLATFORM_MAX_LPS / 8;
	assert_int_equal(platform_create(&cfg, &plat, &err), 0);
	assert_int_equal(platform_nr_lps(plat), PLATFORM_MAX_LPS);
	assert_int_equal(lp_package(platform_lp(plat, PLATFORM_MAX_LPS - 1)), 7);
	platform_destroy(plat);
}

/*
 * nr_packages * lps_per_package is computed in 32 bits: 4 * 2^30 wraps to
 * 0 and slips past the "at most 1024 LPs" check.
 */
static void test_platform_create_lp_count_overflow_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.nr_packages = 4;
	cfg.lps_per_package = 0x40000000U;
	create_einval(&cfg, "lps");
}

/*
 * platform_create() sizes the x2APIC package shift before it checks the
 * config; with more than 2^31 LPs per package that loop never ends
 * (1U << 32).  Run it in a child with an alarm so a hang fails the test.
 */
static void test_platform_create_huge_lps_per_package_is_einval_not_a_hang(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct platform_config cfg;
		struct platform *plat = NULL;
		int ret;

		alarm(5);
		platform_config_defaults(&cfg);
		cfg.lps_per_package = 0x80000001U;
		ret = platform_create(&cfg, &plat, NULL);
		_exit(ret == -EINVAL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		print_error("child killed by signal %d (SIGALRM=%d: hang)\n",
			    WTERMSIG(status), SIGALRM);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_platform_create_too_many_cmrs_is_einval(void **state)
{
	struct platform_config cfg;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.nr_cmrs = PLATFORM_MAX_CMRS + 1;
	create_einval(&cfg, "cmr");
}

static void test_platform_create_accepts_null_error(void **state)
{
	struct platform_config cfg;
	struct platform *plat = NULL;

	(void)state;
	platform_config_defaults(&cfg);
	cfg.max_pa = 60;
	assert_int_equal(platform_create(&cfg, &plat, NULL), -EINVAL);
	assert_null(plat);
}

/* Resident set size in bytes, from /proc/self/statm. */
static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void test_platform_create_1tib_dram_is_sparse(void **state)
{
	static const char *const ov[] = { "dram=1T", NULL };
	uint8_t line[64], back[64];
	uint64_t before, after;
	struct platform *plat;

	(void)state;
	before = rss_bytes();
	plat = unit_platform(ov, false);
	assert_int_equal(platform_dram_size(plat), TiB);
	/* Touch both ends of DRAM. */
	memset(line, 0x3C, sizeof(line));
	assert_int_equal(pmem_host_write(plat, 0, line, sizeof(line)), 0);
	assert_int_equal(pmem_host_write(plat, TiB - 64, line, sizeof(line)), 0);
	assert_int_equal(pmem_host_read(plat, TiB - 64, back, sizeof(back)), 0);
	assert_memory_equal(back, line, sizeof(line));
	after = rss_bytes();
	print_message("RSS before %llu KiB, after %llu KiB\n",
		      (unsigned long long)(before >> 10), (unsigned long long)(after >> 10));
	assert_true(after < before + 64 * MiB);
	platform_destroy(plat);
}

/* ---- accessors and fuses ---- */

static void test_platform_accessors_report_the_config(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=6", "dram=16G",
					  "cpuid-fms=0xA06A4", NULL };
	struct platform *plat = unit_platform(ov, false);
	const struct platform_config *cfg = platform_cfg(plat);

	(void)state;
	assert_int_equal(platform_nr_lps(plat), 6);
	assert_int_equal(platform_nr_packages(plat), 2);
	assert_int_equal(platform_dram_size(plat), 16 * GiB);
	assert_int_equal(cfg->dram_size, 16 * GiB);
	assert_int_equal(platform_pa_bits(plat), cfg->max_pa - cfg->keyid_bits);
	assert_int_equal(platform_pa_bits(plat), 40);
	assert_int_equal(platform_cpuid_fms(plat), 0xA06A4);
	assert_memory_equal(platform_cpusvn(plat), cfg->cpusvn, 16);
	for (unsigned int i = 0; i < 6; i++)
		assert_ptr_equal(lp_platform(platform_lp(plat, i)), plat);
	assert_null(platform_lp(plat, 6));
	assert_null(platform_lp(plat, ~0U));
	platform_destroy(plat);
}

static void test_platform_vendor_key_hash_is_the_configured_fuse(void **state)
{
	char hash[128] = "vendor-key-hash=";
	const char *ov[] = { hash, NULL };
	struct platform *plat;
	uint8_t want[48];

	(void)state;
	for (unsigned int i = 0; i < 48; i++) {
		char two[3];

		want[i] = (uint8_t)(i * 5 + 1);
		snprintf(two, sizeof(two), "%02X", want[i]);
		strcat(hash, two);
	}
	plat = unit_platform(ov, false);
	assert_memory_equal(platform_vendor_key_hash(plat), want, sizeof(want));
	platform_destroy(plat);
}

static void test_platform_root_secret_needs_seam_mode(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	static const uint8_t zero[32];
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 0x55, sizeof(a));
	assert_int_equal(platform_root_secret(lp, a), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_root_secret(lp, a), -EPERM);
	for (unsigned int i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0x55);

	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_root_secret(lp, a), 0);
	assert_int_equal(platform_root_secret(lp, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_platform_root_secret_differs_between_platforms(void **state)
{
	struct platform *p1 = unit_platform(NULL, false);
	struct platform *p2 = unit_platform(NULL, false);
	uint8_t a[32], b[32];

	(void)state;
	platform_test_set_lp_mode(platform_lp(p1, 0), LP_MODE_SEAM);
	platform_test_set_lp_mode(platform_lp(p2, 0), LP_MODE_SEAM);
	assert_int_equal(platform_root_secret(platform_lp(p1, 0), a), 0);
	assert_int_equal(platform_root_secret(platform_lp(p2, 0), b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	platform_destroy(p1);
	platform_destroy(p2);
}

/* ---- memory controller ---- */

static void test_platform_mc_cmrs_empty_until_programmed(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	const struct platform_range two[2] = { { 0, GiB }, { 4 * GiB, GiB } };

	(void)state;
	assert_int_equal(platform_mc_cmrs(plat, cmr), 0);
	assert_int_equal(platform_mc_set_cmrs(plat, two, 2), 0);
	assert_int_equal(platform_mc_cmrs(plat, cmr), 2);
	assert_memory_equal(cmr, two, sizeof(two));
	platform_destroy(plat);
}

static void test_platform_mc_set_cmrs_too_many_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct platform_range many[PLATFORM_MAX_CMRS + 1];
	struct platform_range cmr[PLATFORM_MAX_CMRS];

	(void)state;
	for (unsigned int i = 0; i <= PLATFORM_MAX_CMRS; i++)
		many[i] = (struct platform_range){ i * 2 * MiB, MiB };
	assert_int_equal(platform_mc_set_cmrs(plat, many, PLATFORM_MAX_CMRS + 1), -EINVAL);
	assert_int_equal(platform_mc_cmrs(plat, cmr), 0);
	assert_int_equal(platform_mc_set_cmrs(plat, many, PLATFORM_MAX_CMRS), 0);
	assert_int_equal(platform_mc_cmrs(plat, cmr), PLATFORM_MAX_CMRS);
	platform_destroy(plat);
}

static void test_platform_mc_set_cmrs_after_seam_enable_is_eperm(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct platform_range before[PLATFORM_MAX_CMRS], after[PLATFORM_MAX_CMRS];
	const struct platform_range one = { 0, GiB };
	unsigned int n;

	(void)state;
	n = platform_mc_cmrs(plat, before);
	assert_int_equal(n, platform_cfg(plat)->nr_cmrs);
	unit_seam_enable(plat);
	assert_int_equal(platform_mc_set_cmrs(plat, &one, 1), -EPERM);
	assert_int_equal(platform_mc_cmrs(plat, after), n);
	assert_memory_equal(after, before, n * sizeof(before[0]));
	platform_destroy(plat);
}

/* ---- SEAM registers ---- */

static void test_platform_seam_enable_activates_seamrr(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct platform_range r = { 6 * GiB, 64 * MiB };
	static const struct mcheck_sysinfo info;
	struct platform_range got;

	(void)state;
	assert_false(platform_seam_enabled(plat));
	got = platform_seamrr(plat);
	assert_int_equal(got.size, 0);
	platform_seam_enable(plat, r, &info);
	assert_true(platform_seam_enabled(plat));
	got = platform_seamrr(plat);
	assert_int_equal(got.base, r.base);
	assert_int_equal(got.size, r.size);
	platform_destroy(plat);
}

static void dummy_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args)
{
	(void)ctx;
	(void)lp;
	(void)args;
}

static void test_platform_set_pseamldr_entry_needs_acm_or_seam(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(platform_set_pseamldr_entry(lp, dummy_entry, NULL), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_set_pseamldr_entry(lp, dummy_entry, NULL), 0);
	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_set_pseamldr_entry(lp, dummy_entry, NULL), 0);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_platform_set_module_entry_needs_seam(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(platform_set_module_entry(lp, 0, dummy_entry, NULL), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_set_module_entry(lp, 0, dummy_entry, NULL), -EPERM);
	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_set_module_entry(lp, 1, dummy_entry, NULL), 0);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_platform_set_module_entry_bad_lp_is_einval(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_set_module_entry(lp, 2, dummy_entry, NULL), -EINVAL);
	assert_int_equal(platform_set_module_entry(lp, ~0U, dummy_entry, NULL), -EINVAL);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_platform_seamextend_write_needs_acm_or_seam(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);
	struct seamextend val, got, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&val, 0, sizeof(val));
	val.valid = 1;
	val.seam_ready = 1;
	val.p_seamldr_ready = 1;
	memset(val.mrseam, 0xAB, sizeof(val.mrseam));

	platform_seamextend_read(plat, &got);
	assert_memory_equal(&got, &zero, sizeof(got));
	assert_int_equal(platform_seamextend_write(lp, &val), -EPERM);
	platform_seamextend_read(plat, &got);
	assert_memory_equal(&got, &zero, sizeof(got));

	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_seamextend_write(lp, &val), 0);
	platform_seamextend_read(plat, &got);
	assert_memory_equal(&got, &val, sizeof(got));

	val.seam_ready = 0;
	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_seamextend_write(lp, &val), 0);
	platform_seamextend_read(plat, &got);
	assert_memory_equal(&got, &val, sizeof(got));
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_platform_destroy_null_is_harmless(void **state)
{
	(void)state;
	platform_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform_create_max_pa_out_of_range_is_einval),
		cmocka_unit_test(test_platform_create_keyid_bits_too_large_is_einval),
		cmocka_unit_test(test_platform_create_dram_not_2m_aligned_is_einval),
		cmocka_unit_test(test_platform_create_dram_too_small_is_einval),
		cmocka_unit_test(test_platform_create_dram_beyond_address_bits_is_einval),
		cmocka_unit_test(test_platform_create_package_count_out_of_range_is_einval),
		cmocka_unit_test(test_platform_create_lp_count_out_of_range_is_einval),
		cmocka_unit_test(test_platform_create_max_lps_starts_every_lp),
		cmocka_unit_test(test_platform_create_lp_count_overflow_is_einval),
		cmocka_unit_test(test_platform_create_huge_lps_per_package_is_einval_not_a_hang),
		cmocka_unit_test(test_platform_create_too_many_cmrs_is_einval),
		cmocka_unit_test(test_platform_create_accepts_null_error),
		cmocka_unit_test(test_platform_create_1tib_dram_is_sparse),
		cmocka_unit_test(test_platform_accessors_report_the_config),
		cmocka_unit_test(test_platform_vendor_key_hash_is_the_configured_fuse),
		cmocka_unit_test(test_platform_root_secret_needs_seam_mode),
		cmocka_unit_test(test_platform_root_secret_differs_between_platforms),
		cmocka_unit_test(test_platform_mc_cmrs_empty_until_programmed),
		cmocka_unit_test(test_platform_mc_set_cmrs_too_many_is_einval),
		cmocka_unit_test(test_platform_mc_set_cmrs_after_seam_enable_is_eperm),
		cmocka_unit_test(test_platform_seam_enable_activates_seamrr),
		cmocka_unit_test(test_platform_set_pseamldr_entry_needs_acm_or_seam),
		cmocka_unit_test(test_platform_set_module_entry_needs_seam),
		cmocka_unit_test(test_platform_set_module_entry_bad_lp_is_einval),
		cmocka_unit_test(test_platform_seamextend_write_needs_acm_or_seam),
		cmocka_unit_test(test_platform_destroy_null_is_harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

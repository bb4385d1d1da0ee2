/*
 * Integration test of the whole host boot path (tools/tdx-host/boot.h):
 * machine, BIOS, MCHECK, NP-SEAMLDR from the build's ACM, CPUs up, and
 * SEAMLDR.INSTALL of the build's TDX-BLOB on every LP, on several CPU
 * topologies; then a runtime UPDATE to the SVN 1.2 blob; and a machine
 * fused with another vendor key, which must refuse the ACM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>
#include <tdx/tdx_status.h>
#include <tdxctl/tdxctl.h>

#include "boot.h"
#include "firmware_paths.h"

struct blob {
	uint8_t *buf;
	struct tdxctl_blob_view v;
};

static void blob_load(const char *path, struct blob *b)
{
	struct emu_error err = { 0 };
	size_t len;

	if (tdxctl_file_read(path, &b->buf, &len, &err) ||
	    tdxctl_blob_parse(b->buf, len, &b->v, &err))
		fail_msg("%s: %s", path, err.msg);
}

static void opts_for(struct host_boot_opts *o, const char *const *kv)
{
	struct emu_error err = { 0 };

	host_boot_defaults(o);
	o->acm_path = TDX_FW_NP_SEAMLDR_ACM;
	o->module_path = TDX_FW_MODULE_BLOB;
	for (; kv && *kv; kv++)
		if (platform_config_set(&o->cfg, *kv, &err))
			fail_msg("%s: %s", *kv, err.msg);
	if (host_boot_vendor_key(o, TDX_FW_VENDOR_KEY, &err))
		fail_msg("vendor key: %s", err.msg);
}

static unsigned int count(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void assert_module_runs(struct host_boot *b, const struct blob *blob, uint8_t major,
			       uint8_t minor)
{
	const struct seamextend *ext = &b->info.seamextend;
	unsigned int nr = platform_nr_lps(b->m->plat);

	assert_int_equal(ext->seam_ready, 1);
	assert_int_equal(ext->p_seamldr_ready, 1);
	assert_int_equal(ext->valid, SEAMEXTEND_VALID_ALL);
	assert_memory_equal(ext->mrseam, blob->v.sigstruct->seamhash, 48);
	assert_int_equal(ext->tee_tcb_svn[0], minor);
	assert_int_equal(ext->tee_tcb_svn[1], major);
	assert_int_equal(SEAMSVN_MAJOR(blob->v.sigstruct->seamsvn), major);
	assert_int_equal(SEAMSVN_MINOR(blob->v.sigstruct->seamsvn), minor);
	/* Every LP enters the module (a status, not VMfailInvalid). */
	for (unsigned int cpu = 0; cpu < nr; cpu++) {
		struct tdx_module_args a = { .rax = TDH_SYS_RD };
		uint64_t rax = tdx_host_seamcall(b->host, cpu, &a);

		assert_int_not_equal(rax, TDX_SEAMCALL_VMFAILINVALID);
		assert_int_not_equal(rax, TDX_SEAMCALL_UD);
		assert_int_not_equal(rax, TDX_SEAMCALL_GP);
		assert_int_not_equal(rax, TDX_SW_ERROR);
	}
}

static void boot_and_update(const char *const *kv, unsigned int lps, unsigned int packages)
{
	struct host_boot_opts o;
	struct host_boot b;
	struct emu_error err = { 0 };
	struct blob v10, v12;
	struct mcheck_sysinfo si;
	struct seamldr_info info;
	uint64_t status;
	char *log = NULL;
	size_t log_len = 0;
	char line[64];
	uint32_t left;
	int ret;

	blob_load(TDX_FW_MODULE_BLOB, &v10);
	blob_load(TDX_FW_MODULE_SVN2_BLOB, &v12);
	opts_for(&o, kv);
	o.out = open_memstream(&log, &log_len);
	assert_non_null(o.out);
	ret = host_boot_run(&o, &b, &err);
	fflush(o.out);
	if (ret)
		fail_msg("host_boot_run (%u LPs): %s\n%s", lps, err.msg, log);

	assert_int_equal(platform_nr_lps(b.m->plat), lps);
	assert_int_equal(platform_nr_packages(b.m->plat), packages);
	assert_int_equal(b.mcheck.check, MCHECK_PASSED);
	assert_module_runs(&b, &v10, 1, 0);
	left = b.info.num_remaining_updates;
	assert_true(left > 0);
	/* MCHECK saw the topology. */
	assert_int_equal(tdx_host_seamldr_seaminfo(b.host, lps - 1, &si, &err), 0);
	assert_int_equal(si.tot_num_lps, lps);
	assert_int_equal(si.tot_num_sockets, packages);
	/* One INSTALL per LP, the BSP last, and it completed the install. */
	assert_int_equal(count(log, "SEAMLDR.INSTALL -> SUCCESS"), lps);
	assert_non_null(strstr(log, "CPU 0   SEAMLDR.INSTALL -> SUCCESS (last LP: module installed)"));
	if (lps > 1) {
		snprintf(line, sizeof(line), "CPU 1   SEAMLDR.INSTALL -> SUCCESS (session opened)");
		assert_non_null(strstr(log, line));
	}

	/* A runtime update to SVN 1.2. */
	ret = host_boot_install(&b, TDX_FW_MODULE_SVN2_BLOB, SEAMLDR_SCENARIO_UPDATE, o.out, &err);
	fflush(o.out);
	if (ret)
		fail_msg("UPDATE to SVN 1.2 (%u LPs): %s\n%s", lps, err.msg, log);
	assert_module_runs(&b, &v12, 1, 2);
	assert_int_equal(b.info.num_remaining_updates, left - 1);
	assert_int_equal(tdx_host_seamldr_info(b.host, lps - 1, &info, &status, &err), 0);
	assert_memory_equal(&info.seamextend, &b.info.seamextend, sizeof(info.seamextend));

	host_boot_teardown(&b);
	fclose(o.out);
	free(log);
	free(v10.buf);
	free(v12.buf);
}

static void test_host_boot_1_lp(void **state)
{
	static const char *const kv[] = { "lps=1", NULL };

	(void)state;
	boot_and_update(kv, 1, 1);
}

static void test_host_boot_2_lps(void **state)
{
	static const char *const kv[] = { "lps=2", NULL };

	(void)state;
	boot_and_update(kv, 2, 1);
}

static void test_host_boot_8_lps(void **state)
{
	static const char *const kv[] = { "lps=8", NULL };

	(void)state;
	boot_and_update(kv, 8, 1);
}

static void test_host_boot_2_packages_x_2_lps(void **state)
{
	static const char *const kv[] = { "packages=2", "lps=4", NULL };

	(void)state;
	boot_and_update(kv, 4, 2);
}

static void test_host_boot_other_vendor_key_refuses_acm(void **state)
{
	struct host_boot_opts o;
	struct host_boot b;
	struct emu_error err = { 0 };
	struct seamextend ext;
	uint8_t fused[48];
	int ret;

	(void)state;
	opts_for(&o, NULL);
	memcpy(fused, o.cfg.vendor_key_hash, sizeof(fused));
	assert_int_equal(RAND_bytes(o.cfg.vendor_key_hash, sizeof(o.cfg.vendor_key_hash)), 1);
	assert_memory_not_equal(fused, o.cfg.vendor_key_hash, sizeof(fused));
	ret = host_boot_run(&o, &b, &err);
	assert_int_not_equal(ret, 0);
	assert_int_equal(ret, -EACCES);
	assert_non_null(strstr(err.msg, "ACM signing key is not the fused vendor key"));
	/* MCHECK passed; P-SEAMLDR never came up, so nothing answers SEAMCALL. */
	assert_int_equal(b.mcheck.check, MCHECK_PASSED);
	platform_seamextend_read(b.m->plat, &ext);
	assert_int_equal(ext.p_seamldr_ready, 0);
	assert_int_equal(ext.seam_ready, 0);
	host_boot_teardown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_boot_1_lp),
		cmocka_unit_test(test_host_boot_2_lps),
		cmocka_unit_test(test_host_boot_8_lps),
		cmocka_unit_test(test_host_boot_2_packages_x_2_lps),
		cmocka_unit_test(test_host_boot_other_vendor_key_refuses_acm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

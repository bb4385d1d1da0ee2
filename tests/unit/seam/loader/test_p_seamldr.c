/*
 * Unit tests for seam/loader/src/p_seamldr.c: P-SEAMLDR's SEAMCALL leaves
 * (INFO, SEAMINFO, SHUTDOWN, CLEANUP, unknown leaves) and the per-LP
 * INSTALL session of seed 003 (reference tdx-abi.md 5.3-5.4), driven
 * through real SEAMCALLs on a machine brought up by the loader fixture.
 * The nine install steps themselves are in test_seamldr_install.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_status.h>

#include "firmware_paths.h"
#include "loader_fixture.h"
#include "mktme.h"
#include "platform_test.h"
#include "pmem.h"

#define PAGE TDX_PAGE_SIZE

static uint64_t host_page(struct loader_fixture *fx)
{
	uint64_t pa;

	assert_int_equal(tdx_host_alloc_pages(fx->host, 1, 0, &pa), 0);
	return pa;
}

/* A small signed module with SEAMSVN @major.@minor. */
static void small_module(struct loader_fixture *fx, uint8_t major, uint8_t minor,
			 struct loader_module *mod)
{
	struct loader_module_opts o;

	loader_module_opts_init(&o);
	o.sign.seamsvn = SEAMSVN(major, minor);
	loader_module_build(fx, &o, mod);
}

static void assert_module_absent(struct loader_fixture *fx)
{
	struct seamldr_info info;

	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.seam_ready, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_int_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
}

static void assert_module_present(struct loader_fixture *fx, const struct loader_module *mod)
{
	struct seamldr_info info;

	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.seam_ready, 1);
	assert_memory_equal(info.seamextend.mrseam, mod->sig.seamhash, 48);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_int_not_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
}

/* ---- SEAMLDR.INFO ---- */

static void check_info_matches_acm(struct loader_fixture *fx, const struct seamldr_info *info)
{
	struct tdxctl_acm_view av;
	struct emu_error err = { 0 };
	static const uint8_t zero[80];

	assert_int_equal(tdxctl_acm_parse(fx->acm, fx->acm_len, &av, &err), 0);
	assert_int_equal(info->version, 0);
	assert_int_equal(info->vendor_id, 0x8086);
	assert_int_equal(info->vendor_id, av.p_seamldr->vendor_id);
	assert_int_equal(info->build_date, av.p_seamldr->build_date);
	assert_int_equal(info->build_num, av.p_seamldr->build_num);
	assert_int_equal(info->minor, av.p_seamldr->minor);
	assert_int_equal(info->major, av.p_seamldr->major);
	assert_int_equal(info->update_version, av.p_seamldr->update_version);
	assert_int_equal(info->attributes, av.p_seamldr->attributes & SEAMLDR_INFO_ATTR_DEBUG);
	assert_int_equal(info->num_remaining_updates, av.p_seamldr->num_remaining_updates);
	/* NP-SEAMLDR ran on the BSP. */
	assert_int_equal(info->acm_x2apicid, lp_x2apic_id(platform_lp(fx->plat, 0)));
	assert_int_equal(info->seamextend.p_seamldr_ready, 1);
	assert_int_equal(info->seamextend.seam_ready, 0);
	assert_int_equal(info->seamextend.valid, 0);
	assert_true(info->features0 & SEAMLDR_FEATURES0_CLEANUP);
	assert_memory_equal(info->reserved, zero, sizeof(zero));
}

static void test_info_success_fields_from_firmware_acm(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct seamldr_info info;

	(void)state;
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		assert_int_equal(loader_info(fx, cpu, &info), SEAMLDR_SUCCESS);
		check_info_matches_acm(fx, &info);
	}
	loader_fixture_destroy(fx);
}

static void test_info_success_fields_from_custom_acm(void **state)
{
	static const char *const ov[] = { "packages=2", NULL };
	struct tdxctl_acm_opts acm;
	struct loader_fixture_opts o = { .lps = 4, .overrides = ov, .acm = &acm };
	struct loader_fixture *fx;
	struct seamldr_info info;

	(void)state;
	tdxctl_acm_opts_init(&acm);
	acm.major = 2;
	acm.minor = 7;
	acm.update_version = 3;
	acm.build_num = 4242;
	acm.date = 0x20240517;
	acm.debug = true;
	acm.num_remaining_updates = 5;
	fx = loader_fixture_create(&o);
	assert_int_equal(loader_info(fx, 3, &info), SEAMLDR_SUCCESS);
	check_info_matches_acm(fx, &info);
	assert_int_equal(info.major, 2);
	assert_int_equal(info.minor, 7);
	assert_int_equal(info.update_version, 3);
	assert_int_equal(info.build_num, 4242);
	assert_int_equal(info.build_date, 0x20240517);
	assert_int_equal(info.attributes, SEAMLDR_INFO_ATTR_DEBUG);
	assert_int_equal(info.num_remaining_updates, 5);
	loader_fixture_destroy(fx);
}

/* INFO with the buffer at @pa answers EBADPARAM, on the BSP and on an AP. */
static void expect_info_ebadparam(struct loader_fixture *fx, uint64_t pa)
{
	assert_int_equal(loader_info_at(fx, 0, pa), SEAMLDR_EBADPARAM);
	assert_int_equal(loader_info_at(fx, 1, pa), SEAMLDR_EBADPARAM);
}

static void test_info_misaligned_buffer_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	uint64_t pa = host_page(fx);
	uint8_t page[PAGE], after[PAGE];

	(void)state;
	memset(page, 0x5A, sizeof(page));
	assert_int_equal(pmem_host_write(fx->plat, pa, page, sizeof(page)), 0);
	expect_info_ebadparam(fx, pa + 8);
	expect_info_ebadparam(fx, pa + 0x80);
	expect_info_ebadparam(fx, pa + 0x1c0);
	/* Nothing was written on refusal. */
	assert_int_equal(pmem_host_read(fx->plat, pa, after, sizeof(after)), 0);
	assert_memory_equal(page, after, sizeof(page));
	/* 256-byte alignment is enough. */
	assert_int_equal(loader_info_at(fx, 0, pa + 0x100), SEAMLDR_SUCCESS);
	assert_int_equal(loader_info_at(fx, 0, pa + 0xF00), SEAMLDR_SUCCESS);
	loader_fixture_destroy(fx);
}

static void test_info_buffer_in_seamrr_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct platform_range rr = platform_seamrr(fx->plat);

	(void)state;
	expect_info_ebadparam(fx, rr.base);
	expect_info_ebadparam(fx, rr.base + 0x100000);
	/* P_SEAMLDR_Range and the last byte of SEAMRR. */
	expect_info_ebadparam(fx, rr.base + rr.size - P_SEAMLDR_RANGE_SIZE);
	expect_info_ebadparam(fx, rr.base + rr.size - 256);
	/* Right below SEAMRR is DRAM the host may lend. */
	assert_int_equal(loader_info_at(fx, 0, rr.base - 256), SEAMLDR_SUCCESS);
	loader_fixture_destroy(fx);
}

static void test_info_buffer_beyond_dram_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	uint64_t dram = platform_dram_size(fx->plat);
	unsigned int max_pa = platform_cfg(fx->plat)->max_pa;

	(void)state;
	assert_true(dram < (1ULL << platform_pa_bits(fx->plat)));
	expect_info_ebadparam(fx, dram);
	expect_info_ebadparam(fx, dram + PAGE);
	expect_info_ebadparam(fx, (1ULL << platform_pa_bits(fx->plat)) - PAGE);
	/* Above MAXPA altogether. */
	expect_info_ebadparam(fx, 1ULL << max_pa);
	expect_info_ebadparam(fx, 1ULL << 63);
	loader_fixture_destroy(fx);
}

struct program_key {
	hkid_t keyid;
};

static void do_program_key(struct plat_lp *lp, void *arg)
{
	struct program_key *k = arg;
	enum lp_mode old = lp_mode(lp);

	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(mktme_program_key(lp, k->keyid, MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	platform_test_set_lp_mode(lp, old);
}

static void test_info_private_keyid_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	const struct platform_config *cfg = platform_cfg(fx->plat);
	hkid_t first_priv = (hkid_t)(cfg->nr_mktme_keyids + 1);
	hkid_t last_priv = (hkid_t)(cfg->nr_mktme_keyids + cfg->nr_tdx_keyids);
	uint64_t pa = host_page(fx);
	struct seamldr_info info;
	struct pmem_line_info li;

	(void)state;
	assert_int_equal(mktme_keyid_kind(fx->plat, first_priv), MKTME_KEYID_PRIVATE);
	assert_int_equal(mktme_keyid_kind(fx->plat, last_priv), MKTME_KEYID_PRIVATE);
	expect_info_ebadparam(fx, pmem_pa_with_keyid(fx->plat, pa, first_priv));
	expect_info_ebadparam(fx, pmem_pa_with_keyid(fx->plat, pa, last_priv));
	/*
	 * Even with the private keys programmed (as after the module's
	 * KEY.CONFIG) P-SEAMLDR must not write a private-KeyID line for the host.
	 */
	assert_int_equal(platform_lp_call(fx->plat, 0, do_program_key,
					  &(struct program_key){ first_priv }), 0);
	assert_int_equal(platform_lp_call(fx->plat, 0, do_program_key,
					  &(struct program_key){ last_priv }), 0);
	expect_info_ebadparam(fx, pmem_pa_with_keyid(fx->plat, pa, first_priv));
	expect_info_ebadparam(fx, pmem_pa_with_keyid(fx->plat, pa, last_priv));
	assert_int_equal(pmem_line_info(fx->plat, pa, &li), 0);
	assert_false(li.td_owner);
	assert_int_equal(li.keyid, 0);
	/* A shared MKTME KeyID is the host's to use: INFO lands under that key. */
	assert_int_equal(loader_info_at(fx, 0, pmem_pa_with_keyid(fx->plat, pa, 1)),
			 SEAMLDR_SUCCESS);
	assert_int_equal(pmem_host_read(fx->plat, pmem_pa_with_keyid(fx->plat, pa, 1), &info,
					sizeof(info)), 0);
	assert_int_equal(info.vendor_id, 0x8086);
	assert_int_equal(info.seamextend.p_seamldr_ready, 1);
	loader_fixture_destroy(fx);
}

/* ---- unknown leaves, SEAMINFO ---- */

static void test_unknown_leaf_eunsupported(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);

	(void)state;
	assert_int_equal(loader_seamcall(fx, 0, SEAMCALL_PSEAMLDR_BIT | 7, 0),
			 SEAMLDR_EUNSUPPORTED);
	assert_int_equal(loader_seamcall(fx, 1, SEAMCALL_PSEAMLDR_BIT | 5, 0),
			 SEAMLDR_EUNSUPPORTED);
	assert_int_equal(loader_seamcall(fx, 0, SEAMCALL_PSEAMLDR_BIT | 0xFFFF, 0),
			 SEAMLDR_EUNSUPPORTED);
	/* P-SEAMLDR still answers its real leaves afterwards. */
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	loader_fixture_destroy(fx);
}

static void test_seaminfo_returns_mcheck_table(void **state)
{
	static const char *const ov[] = { "packages=2", NULL };
	struct loader_fixture *fx = loader_fixture_lps(4, ov);
	const struct platform_config *cfg = platform_cfg(fx->plat);
	struct platform_range rr = platform_seamrr(fx->plat);
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	unsigned int nr_cmrs = platform_mc_cmrs(fx->plat, cmr);
	struct mcheck_sysinfo info, raw;
	uint64_t pa;

	(void)state;
	assert_int_equal(loader_seaminfo(fx, 2, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.version, 0);
	assert_int_equal(info.tot_num_lps, 4);
	assert_int_equal(info.tot_num_sockets, 2);
	assert_int_equal(info.socket_cpuid_table[0], cfg->cpuid_fms);
	assert_int_equal(info.socket_cpuid_table[1], cfg->cpuid_fms);
	assert_int_equal(info.p_seamldr_range_base, rr.base + rr.size - P_SEAMLDR_RANGE_SIZE);
	assert_int_equal(info.p_seamldr_range_size, P_SEAMLDR_RANGE_SIZE);
	assert_true(nr_cmrs > 0);
	for (unsigned int i = 0; i < SYSINFO_MAX_CMRS; i++) {
		assert_int_equal(info.cmr[i].base, i < nr_cmrs ? cmr[i].base : 0);
		assert_int_equal(info.cmr[i].size, i < nr_cmrs ? cmr[i].size : 0);
	}
	/* Byte for byte what MCHECK left in the last page of SEAMRR. */
	assert_int_equal(loader_seam_read(fx, rr.base + rr.size - PAGE, &raw, sizeof(raw)), 0);
	assert_memory_equal(&info, &raw, sizeof(info));

	/* A 2 KiB-aligned buffer is required. */
	pa = host_page(fx);
	assert_int_equal(loader_seamcall(fx, 0, SEAMLDR_SEAMINFO, pa + 0x400), SEAMLDR_EBADPARAM);
	assert_int_equal(loader_seamcall(fx, 0, SEAMLDR_SEAMINFO, pa + 0x800), SEAMLDR_SUCCESS);
	assert_int_equal(loader_seamcall(fx, 0, SEAMLDR_SEAMINFO, rr.base), SEAMLDR_EBADPARAM);
	loader_fixture_destroy(fx);
}

/* ---- the INSTALL session ---- */

static void test_install_bad_params_pa_ebadparam_opens_no_session(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct platform_range rr = platform_seamrr(fx->plat);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa, rdx;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 0, params_pa + 0x800, &rdx), SEAMLDR_EBADPARAM);
	assert_int_equal(rdx, 0);
	assert_int_equal(loader_install_on(fx, 0, rr.base, NULL), SEAMLDR_EBADPARAM);
	assert_int_equal(loader_install_on(fx, 0, platform_dram_size(fx->plat), NULL),
			 SEAMLDR_EBADPARAM);
	/* No session was opened: nothing to clean up, LP 0 may still start one. */
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	assert_int_equal(loader_install_all(fx, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_twice_on_one_lp_ebadcall(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(4, NULL);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa, rdx;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 1, params_pa, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	assert_int_equal(loader_install_on(fx, 1, params_pa, &rdx), SEAMLDR_EBADCALL);
	assert_int_equal(rdx, 0);
	/* The session stays open: the other LPs complete it. */
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_EBADCALL);
	assert_int_equal(loader_install_on(fx, 2, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_module_absent(fx);
	assert_int_equal(loader_install_on(fx, 3, params_pa, &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_later_lp_other_params_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(3, NULL);
	struct loader_module a, b;
	struct loader_staged sa, sb;
	uint64_t pa_a, pa_b;

	(void)state;
	small_module(fx, 1, 1, &a);
	small_module(fx, 1, 2, &b);
	pa_a = loader_stage(fx, &a, SEAMLDR_SCENARIO_LOAD, &sa);
	pa_b = loader_stage(fx, &b, SEAMLDR_SCENARIO_LOAD, &sb);
	assert_int_equal(loader_install_on(fx, 0, pa_a, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 1, pa_b, NULL), SEAMLDR_EBADPARAM);
	assert_int_equal(loader_install_on(fx, 2, pa_b, NULL), SEAMLDR_EBADPARAM);
	assert_module_absent(fx);
	/* The session goes on with the first LP's params. */
	assert_int_equal(loader_install_on(fx, 1, pa_a, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 2, pa_a, NULL), SEAMLDR_SUCCESS);
	assert_module_present(fx, &a);
	loader_unstage(fx, &sa);
	loader_unstage(fx, &sb);
	loader_module_free(&a);
	loader_module_free(&b);
	loader_fixture_destroy(fx);
}

struct vmcs_ptr {
	uint64_t set;
	uint64_t got;
};

static void do_vmptrld(struct plat_lp *lp, void *arg)
{
	struct vmcs_ptr *v = arg;

	v->got = lp_current_vmcs(lp);
	if (v->set)
		lp_set_current_vmcs(lp, v->set);
}

static void test_install_clears_lp_vmcs_cache(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(3, NULL);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	for (unsigned int cpu = 0; cpu < 3; cpu++) {
		struct vmcs_ptr v = { .set = 0x10000000ULL + cpu * PAGE };

		assert_int_equal(platform_lp_call(fx->plat, cpu, do_vmptrld, &v), 0);
	}
	assert_int_equal(loader_install_on(fx, 1, params_pa, NULL), SEAMLDR_SUCCESS);
	for (unsigned int cpu = 0; cpu < 3; cpu++) {
		struct vmcs_ptr v = { 0 };

		assert_int_equal(platform_lp_call(fx->plat, cpu, do_vmptrld, &v), 0);
		/* Only the LP that joined the session lost its current VMCS. */
		assert_int_equal(v.got, cpu == 1 ? 0 : 0x10000000ULL + cpu * PAGE);
	}
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 2, params_pa, NULL), SEAMLDR_SUCCESS);
	for (unsigned int cpu = 0; cpu < 3; cpu++) {
		struct vmcs_ptr v = { 0 };

		assert_int_equal(platform_lp_call(fx->plat, cpu, do_vmptrld, &v), 0);
		assert_int_equal(v.got, 0);
	}
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_skipped_lp_module_not_loaded(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(4, NULL);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 1, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 3, params_pa, NULL), SEAMLDR_SUCCESS);
	/* All but LP 2: no module yet, on any LP. */
	assert_module_absent(fx);
	assert_int_equal(loader_install_on(fx, 2, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_session_abandoned_cleanup_success(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(4, NULL);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_install_on(fx, 1, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_cleanup(fx, 2), SEAMLDR_SUCCESS);
	assert_module_absent(fx);
	/* The session is gone. */
	assert_int_equal(loader_cleanup(fx, 2), SEAMLDR_EBADCALL);
	/* LPs 0 and 1 start afresh; a full install succeeds. */
	assert_int_equal(loader_install_all(fx, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_cleanup_without_session_ebadcall(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module mod;

	(void)state;
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	assert_int_equal(loader_cleanup(fx, 1), SEAMLDR_EBADCALL);
	small_module(fx, 1, 0, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	/* After a completed install there is no session either; the module stays. */
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	assert_module_present(fx, &mod);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_shutdown_during_session_ebadcall(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module mod;
	struct loader_staged st;
	struct seamextend ext;
	uint64_t params_pa;

	(void)state;
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_int_equal(loader_shutdown(fx, 1), SEAMLDR_EBADCALL);
	assert_int_equal(loader_shutdown(fx, 0), SEAMLDR_EBADCALL);
	platform_seamextend_read(fx->plat, &ext);
	assert_int_equal(ext.p_seamldr_ready, 1);
	assert_int_equal(loader_install_on(fx, 1, params_pa, NULL), SEAMLDR_SUCCESS);
	assert_module_present(fx, &mod);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_after_seamldr_shutdown_vmfailinvalid(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module mod, mod2;
	struct loader_staged st;
	struct seamextend before, after;
	uint64_t params_pa, module_rax[2], rdx = 0x1234;

	(void)state;
	small_module(fx, 1, 0, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		module_rax[cpu] = loader_module_seamcall(fx, cpu);
	platform_seamextend_read(fx->plat, &before);

	assert_int_equal(loader_shutdown(fx, 1), SEAMLDR_SUCCESS);
	platform_seamextend_read(fx->plat, &after);
	assert_int_equal(after.p_seamldr_ready, 0);
	/* Only P_SEAMLDR_READY changed. */
	after.p_seamldr_ready = 1;
	assert_memory_equal(&before, &after, sizeof(before));

	/* Every P-SEAMLDR leaf now fails to enter. */
	small_module(fx, 1, 1, &mod2);
	params_pa = loader_stage(fx, &mod2, SEAMLDR_SCENARIO_UPDATE, &st);
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		struct seamldr_info info;

		assert_int_equal(loader_info(fx, cpu, &info), TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_install_on(fx, cpu, params_pa, &rdx),
				 TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_shutdown(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_cleanup(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_seamcall(fx, cpu, SEAMLDR_SEAMINFO, st.sig_pa),
				 TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_seamcall(fx, cpu, SEAMCALL_PSEAMLDR_BIT | 7, 0),
				 TDX_SEAMCALL_VMFAILINVALID);
	}
	/* The installed module keeps answering, exactly as before. */
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		assert_int_not_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_module_seamcall(fx, cpu), module_rax[cpu]);
	}
	platform_seamextend_read(fx->plat, &after);
	assert_int_equal(after.seam_ready, 1);
	assert_memory_equal(after.mrseam, mod.sig.seamhash, 48);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_module_free(&mod2);
	loader_fixture_destroy(fx);
}

static void test_shutdown_idle_without_module(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module mod;
	struct loader_staged st;
	uint64_t params_pa;

	(void)state;
	assert_int_equal(loader_shutdown(fx, 0), SEAMLDR_SUCCESS);
	small_module(fx, 1, 0, &mod);
	params_pa = loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st);
	assert_int_equal(loader_install_on(fx, 0, params_pa, NULL), TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(loader_install_on(fx, 1, params_pa, NULL), TDX_SEAMCALL_VMFAILINVALID);
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		assert_int_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
	loader_unstage(fx, &st);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

/* ---- SEAMCALL entry outcomes ---- */

static void test_module_seamcall_without_module_vmfailinvalid(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(4, NULL);

	(void)state;
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		assert_int_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
		assert_int_equal(loader_seamcall(fx, cpu, TDH_SYS_INIT, 0),
				 TDX_SEAMCALL_VMFAILINVALID);
	}
	/* P-SEAMLDR is there all the same. */
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	loader_fixture_destroy(fx);
}

static void test_seamcall_before_vmxon_ud(void **state)
{
	struct loader_fixture_opts o = { .lps = 2, .no_start_cpus = true };
	struct loader_fixture *fx = loader_fixture_create(&o);
	struct emu_error err = { 0 };
	struct seamldr_info info;

	(void)state;
	assert_int_equal(loader_info(fx, 0, &info), TDX_SEAMCALL_UD);
	assert_int_equal(loader_module_seamcall(fx, 0), TDX_SEAMCALL_UD);
	assert_int_equal(loader_cleanup(fx, 0), TDX_SEAMCALL_UD);
	/* With VMXON done the same call enters P-SEAMLDR. */
	assert_int_equal(tdx_host_start_cpus(fx->host, &err), 0);
	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.p_seamldr_ready, 1);
	loader_fixture_destroy(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_success_fields_from_firmware_acm),
		cmocka_unit_test(test_info_success_fields_from_custom_acm),
		cmocka_unit_test(test_info_misaligned_buffer_ebadparam),
		cmocka_unit_test(test_info_buffer_in_seamrr_ebadparam),
		cmocka_unit_test(test_info_buffer_beyond_dram_ebadparam),
		cmocka_unit_test(test_info_private_keyid_ebadparam),
		cmocka_unit_test(test_unknown_leaf_eunsupported),
		cmocka_unit_test(test_seaminfo_returns_mcheck_table),
		cmocka_unit_test(test_install_bad_params_pa_ebadparam_opens_no_session),
		cmocka_unit_test(test_install_twice_on_one_lp_ebadcall),
		cmocka_unit_test(test_install_later_lp_other_params_ebadparam),
		cmocka_unit_test(test_install_clears_lp_vmcs_cache),
		cmocka_unit_test(test_install_skipped_lp_module_not_loaded),
		cmocka_unit_test(test_session_abandoned_cleanup_success),
		cmocka_unit_test(test_cleanup_without_session_ebadcall),
		cmocka_unit_test(test_shutdown_during_session_ebadcall),
		cmocka_unit_test(test_install_after_seamldr_shutdown_vmfailinvalid),
		cmocka_unit_test(test_shutdown_idle_without_module),
		cmocka_unit_test(test_module_seamcall_without_module_vmfailinvalid),
		cmocka_unit_test(test_seamcall_before_vmxon_ud),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

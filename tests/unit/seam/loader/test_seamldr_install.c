/*
 * Unit tests for seam/loader/src/seamldr_install.c: the nine install
 * steps that run when the last LP calls SEAMLDR.INSTALL (seed 003,
 * reference tdx-abi.md 5.4-5.6), each refusal by the step that makes it,
 * and what a successful install leaves in SEAMEXTEND and SEAMRR.
 *
 * Every refused install is checked twice, on a machine without a module
 * (scenario LOAD) and on one with a resident module (scenario UPDATE),
 * and each time the resident state must be exactly as before (SEAMEXTEND,
 * NUM_REMAINING_UPDATES, each LP's module SEAMCALL answer, the SEAMRR
 * bytes an install writes) and a correct install must still succeed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <tdx/tdx_status.h>

#include "firmware_paths.h"
#include "loader_fixture.h"
#include "loader_internal.h"	/* struct seam_transfer_vmcs (step 8) */
#include "pmem.h"

#define PAGE TDX_PAGE_SIZE

/* A second RSA-3072 key, made once per program. */
static EVP_PKEY *other_key;

static EVP_PKEY *get_other_key(void)
{
	struct emu_error err = { 0 };

	if (!other_key && tdxctl_key_new(&other_key, &err))
		fail_msg("other key: %s", err.msg);
	return other_key;
}

static void default_module(struct loader_fixture *fx, struct loader_module *mod)
{
	struct loader_module_opts o;

	loader_module_opts_init(&o);
	loader_module_build(fx, &o, mod);
}

/* Give pages 1.. of @mod some content, then measure and sign it again. */
static void fill_pattern(struct loader_fixture *fx, struct loader_module *mod, uint8_t seed)
{
	for (size_t i = PAGE; i < mod->len; i++)
		mod->image[i] = (uint8_t)(i * 7 + (i / PAGE) * 13 + seed);
	loader_sha384(mod->image, mod->len, mod->sig.seamhash);
	loader_module_resign(fx, mod, NULL);
}

static void assert_installed(struct loader_fixture *fx, const struct loader_module *mod)
{
	struct seamldr_info info;
	uint8_t hash[48];

	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.seam_ready, 1);
	loader_sha384(mod->image, mod->len, hash);
	assert_memory_equal(info.seamextend.mrseam, hash, 48);
	assert_int_equal(info.seamextend.tee_tcb_svn[0], SEAMSVN_MINOR(mod->sig.seamsvn));
	assert_int_equal(info.seamextend.tee_tcb_svn[1], SEAMSVN_MAJOR(mod->sig.seamsvn));
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_int_not_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
}

static uint32_t remaining_updates(struct loader_fixture *fx)
{
	struct seamldr_info info;

	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	return info.num_remaining_updates;
}

/* ---- success ---- */

static void test_install_success_seamextend(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(3, NULL);
	struct loader_module_opts o;
	struct loader_module mod;
	struct seamldr_info info;
	static const uint8_t zero[48];
	uint8_t hash[48];
	uint64_t rdx = 0xdead;
	struct loader_staged st;

	(void)state;
	loader_module_opts_init(&o);
	o.img.nr_pages = 9;
	o.sign.seamsvn = SEAMSVN(1, 3);
	loader_module_build(fx, &o, &mod);
	assert_int_equal(loader_install_all(fx, loader_stage(fx, &mod, SEAMLDR_SCENARIO_LOAD, &st),
					    &rdx), SEAMLDR_SUCCESS);
	assert_int_equal(rdx, 0);
	loader_unstage(fx, &st);

	assert_int_equal(loader_info(fx, 1, &info), SEAMLDR_SUCCESS);
	/* MRSEAM is SHA-384 over all NUM_MODULE_PAGES pages, computed here independently. */
	loader_sha384(mod.image, 9 * PAGE, hash);
	assert_memory_equal(info.seamextend.mrseam, hash, 48);
	assert_int_equal(info.seamextend.valid, 0x1FF);
	assert_int_equal(info.seamextend.tee_tcb_svn[0], 3);	/* minor */
	assert_int_equal(info.seamextend.tee_tcb_svn[1], 1);	/* major */
	for (unsigned int i = 2; i < sizeof(info.seamextend.tee_tcb_svn); i++)
		assert_int_equal(info.seamextend.tee_tcb_svn[i], 0);
	assert_memory_equal(info.seamextend.mrsigner, zero, 48);
	assert_int_equal(info.seamextend.attributes, 0);
	assert_int_equal(info.seamextend.seam_ready, 1);
	assert_int_equal(info.seamextend.system_under_debug, 0);
	assert_int_equal(info.seamextend.p_seamldr_ready, 1);
	/* A LOAD does not use up a runtime update. */
	assert_int_equal(info.num_remaining_updates, 32);
	assert_installed(fx, &mod);

	/* A module with real content measures the same way. */
	loader_fixture_destroy(fx);
	fx = loader_fixture_lps(2, NULL);
	loader_module_free(&mod);
	default_module(fx, &mod);
	fill_pattern(fx, &mod, 0x3c);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_installed(fx, &mod);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_success_seamrr_closed_to_host(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct platform_range rr = platform_seamrr(fx->plat);
	struct loader_module mod;
	uint8_t buf[256], ones[256];

	(void)state;
	default_module(fx, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	memset(ones, 0xFF, sizeof(ones));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(pmem_host_read(fx->plat, rr.base, buf, sizeof(buf)), -EACCES);
	assert_memory_equal(buf, ones, sizeof(buf));
	/* The module code at the top of Module_Range is closed too. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(pmem_host_read(fx->plat, rr.base + rr.size - P_SEAMLDR_RANGE_SIZE - PAGE,
					buf, sizeof(buf)), -EACCES);
	assert_memory_equal(buf, ones, sizeof(buf));
	assert_int_equal(pmem_host_write(fx->plat, rr.base, buf, sizeof(buf)), -EACCES);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_success_sysinfo_table(void **state)
{
	static const char *const ov[] = { "packages=2", NULL };
	struct loader_fixture *fx = loader_fixture_lps(4, ov);
	struct platform_range rr = platform_seamrr(fx->plat);
	uint64_t module_end = rr.base + rr.size - P_SEAMLDR_RANGE_SIZE;
	struct loader_module_opts o;
	struct loader_module mod;
	struct seam_sysinfo_table t;
	struct mcheck_sysinfo seaminfo;
	uint8_t *code;

	(void)state;
	loader_module_opts_init(&o);
	o.img.nr_pages = 7;
	o.sign.num_stack_pages = 5;
	o.sign.num_tls_pages = 2;
	o.sign.module_hv = 3;
	o.sign.min_update_hv = 1;
	o.sign.no_downgrade = 1;
	o.sign.num_handoff_pages = 4;
	loader_module_build(fx, &o, &mod);
	fill_pattern(fx, &mod, 0x11);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_int_equal(loader_seaminfo(fx, 0, &seaminfo), SEAMLDR_SUCCESS);

	/* The module's SYSINFO_TABLE, at the SEAMRR base, through the SEAM view. */
	assert_int_equal(loader_seam_read(fx, rr.base, &t, sizeof(t)), 0);
	assert_int_equal(t.seam_status, SEAM_STATUS_LOADED);
	assert_int_equal(t.code_rgn_size, 7 * PAGE);
	assert_int_equal(t.code_rgn_base & ~(SEAM_ASLR_MASK << SEAM_ASLR_SHIFT), SEAM_LA_CODE);
	assert_int_equal(t.stack_rgn_base & ~(SEAM_ASLR_MASK << SEAM_ASLR_SHIFT), SEAM_LA_STACK);
	assert_int_equal(t.data_rgn_base & ~(SEAM_ASLR_MASK << SEAM_ASLR_SHIFT), SEAM_LA_DATA);
	assert_int_equal(t.keyhole_rgn_base & ~(SEAM_ASLR_MASK << SEAM_ASLR_SHIFT),
			 SEAM_LA_KEYHOLE);
	assert_int_equal(t.stack_rgn_size, 4 * ((5 + 1) * PAGE + PAGE));
	assert_int_equal(t.keyhole_rgn_size, 4 * (127 + 1) * PAGE);
	assert_int_equal(t.num_stack_pages, 5);
	assert_int_equal(t.num_tls_pages, 2);
	assert_int_equal(t.module_hv, 3);
	assert_int_equal(t.min_update_hv, 1);
	assert_int_equal(t.no_downgrade, 1);
	assert_int_equal(t.num_handoff_pages, 4);
	/*
	 * The MCHECK part is SEAMINFO's, except that the module's view hides
	 * the P-SEAMLDR range (reference 5.6: bytes 48..63 reserved).
	 */
	assert_int_equal(t.mcheck.p_seamldr_range_base, 0);
	assert_int_equal(t.mcheck.p_seamldr_range_size, 0);
	assert_int_not_equal(seaminfo.p_seamldr_range_base, 0);
	seaminfo.p_seamldr_range_base = 0;
	seaminfo.p_seamldr_range_size = 0;
	assert_memory_equal(&t.mcheck, &seaminfo, sizeof(seaminfo));
	assert_int_equal(t.mcheck.tot_num_lps, 4);
	assert_int_equal(t.mcheck.tot_num_sockets, 2);

	/* The image itself sits at the top of Module_Range. */
	code = malloc(mod.len);
	assert_non_null(code);
	assert_int_equal(loader_seam_read(fx, module_end - mod.len, code, mod.len), 0);
	assert_memory_equal(code, mod.image, mod.len);
	free(code);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_success_transfer_vmcs_per_x2apic_id(void **state)
{
	/* 2 packages x 3 LPs: x2APIC ids 0-2 and 4-6, id 3 unused. */
	static const char *const ov[] = { "packages=2", NULL };
	struct loader_fixture *fx = loader_fixture_lps(6, ov);
	struct platform_range rr = platform_seamrr(fx->plat);
	uint64_t module_end = rr.base + rr.size - P_SEAMLDR_RANGE_SIZE;
	struct loader_module_opts o;
	struct loader_module mod;
	struct seam_sysinfo_table t;
	uint64_t aslr, used = 0;
	uint8_t page[PAGE];
	static const uint8_t zero[PAGE];

	(void)state;
	loader_module_opts_init(&o);
	o.sign.rip_offset = 0x1230;
	loader_module_build(fx, &o, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_int_equal(loader_seam_read(fx, rr.base, &t, sizeof(t)), 0);
	aslr = t.code_rgn_base & (SEAM_ASLR_MASK << SEAM_ASLR_SHIFT);

	for (unsigned int i = 0; i < fx->nr_lps; i++) {
		uint32_t id = lp_x2apic_id(platform_lp(fx->plat, i));
		struct seam_transfer_vmcs v;

		used |= 1ULL << id;
		assert_int_equal(loader_seam_read(fx, rr.base + PAGE + (uint64_t)id * PAGE, &v,
						  sizeof(v)), 0);
		assert_int_equal(v.revision, SEAM_VMCS_REVISION);
		assert_int_equal(v.lp_index, i);
		assert_int_equal(v.host_rip, t.code_rgn_base + 0x1230);
		assert_int_equal(v.host_fs_base, SEAM_LA_SYSINFO | aslr);
		assert_true(v.host_rsp > t.stack_rgn_base &&
			    v.host_rsp < t.stack_rgn_base + t.stack_rgn_size);
		assert_true(v.host_ssp > t.stack_rgn_base &&
			    v.host_ssp < t.stack_rgn_base + t.stack_rgn_size);
		assert_true(v.host_gs_base >= t.data_rgn_base &&
			    v.host_gs_base < t.data_rgn_base + t.data_rgn_size);
		/* The page tables live in Module_Range. */
		assert_true(v.host_cr3 >= rr.base && v.host_cr3 < module_end);
		/* Each LP has its own stack and TLS. */
		for (unsigned int j = 0; j < i; j++) {
			uint32_t jd = lp_x2apic_id(platform_lp(fx->plat, j));
			struct seam_transfer_vmcs w;

			assert_int_equal(loader_seam_read(fx, rr.base + PAGE + (uint64_t)jd * PAGE,
							  &w, sizeof(w)), 0);
			assert_int_not_equal(w.host_rsp, v.host_rsp);
			assert_int_not_equal(w.host_gs_base, v.host_gs_base);
		}
	}
	/* No VMCS where there is no x2APIC id. */
	for (uint32_t id = 0; id < 7; id++) {
		if (used & (1ULL << id))
			continue;
		assert_int_equal(loader_seam_read(fx, rr.base + PAGE + (uint64_t)id * PAGE, page,
						  PAGE), 0);
		assert_memory_equal(page, zero, PAGE);
	}
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_debug_module_on_debug_unlocked_platform(void **state)
{
	static const char *const ov[] = { "debug-unlocked=1", NULL };
	struct loader_fixture *fx = loader_fixture_lps(2, ov);
	struct loader_module_opts o;
	struct loader_module mod;
	struct seamldr_info info;

	(void)state;
	loader_module_opts_init(&o);
	o.sign.debug = true;
	loader_module_build(fx, &o, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_installed(fx, &mod);
	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.system_under_debug, 1);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static void test_install_production_module_on_debug_unlocked_platform(void **state)
{
	static const char *const ov[] = { "debug-unlocked=1", NULL };
	struct loader_fixture *fx = loader_fixture_lps(2, ov);
	struct loader_module mod;
	struct seamldr_info info;

	(void)state;
	default_module(fx, &mod);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_int_equal(info.seamextend.system_under_debug, 0);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

/* ---- refusals: one table, run without and with a resident module ---- */

enum { CTX_FRESH = 1, CTX_RESIDENT = 2, CTX_BOTH = 3 };

struct refusal {
	const char *name;
	unsigned int contexts;
	/* Before the module is built. */
	void (*opts)(struct loader_module_opts *o);
	/* After it is built and signed. */
	void (*edit)(struct loader_fixture *fx, struct loader_module *mod);
	/* After it is staged in host memory. */
	void (*staged)(struct loader_fixture *fx, struct loader_staged *st);
	uint64_t status;
};

struct refusal_run {
	const struct refusal *r;
	bool resident;
};

/* Step 1: the parameters. */
static void params_version(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.version = 1;
	loader_stage_write_params(fx, st);
}

static void params_scenario_2(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.scenario = 2;
	loader_stage_write_params(fx, st);
}

static void params_reserved_first(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.reserved[0] = 1;
	loader_stage_write_params(fx, st);
}

static void params_reserved_last(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.reserved[sizeof(st->params.reserved) - 1] = 0x80;
	loader_stage_write_params(fx, st);
}

static void params_pages_0(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.num_module_pages = 0;
	loader_stage_write_params(fx, st);
}

static void params_pages_497(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.num_module_pages = 497;
	loader_stage_write_params(fx, st);
}

static void params_sig_misaligned(struct loader_fixture *fx, struct loader_staged *st)
{
	/* Move the sigstruct itself, so only the alignment is wrong. */
	uint8_t page[PAGE];
	uint64_t pa;

	assert_int_equal(tdx_host_alloc_pages(fx->host, 2, 0, &pa), 0);
	assert_int_equal(pmem_host_read(fx->plat, st->sig_pa, page, PAGE), 0);
	assert_int_equal(pmem_host_write(fx->plat, pa + 0x100, page, PAGE), 0);
	st->params.sigstruct_pa = pa + 0x100;
	loader_stage_write_params(fx, st);
}

static void params_sig_in_seamrr(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.sigstruct_pa = platform_seamrr(fx->plat).base + 0x10000;
	loader_stage_write_params(fx, st);
}

static void params_sig_beyond_dram(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.sigstruct_pa = platform_dram_size(fx->plat);
	loader_stage_write_params(fx, st);
}

static void params_sig_private_keyid(struct loader_fixture *fx, struct loader_staged *st)
{
	hkid_t priv = (hkid_t)(platform_cfg(fx->plat)->nr_mktme_keyids + 1);

	st->params.sigstruct_pa = pmem_pa_with_keyid(fx->plat, st->sig_pa, priv);
	loader_stage_write_params(fx, st);
}

static void params_page_in_seamrr(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.mod_pages_pa_list[1] = platform_seamrr(fx->plat).base;
	loader_stage_write_params(fx, st);
}

static void params_last_page_in_pseamldr_range(struct loader_fixture *fx, struct loader_staged *st)
{
	struct platform_range rr = platform_seamrr(fx->plat);

	st->params.mod_pages_pa_list[st->nr_pages - 1] = rr.base + rr.size - PAGE;
	loader_stage_write_params(fx, st);
}

static void params_page_misaligned(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.mod_pages_pa_list[2] += 0x800;
	loader_stage_write_params(fx, st);
}

static void params_page_beyond_dram(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.mod_pages_pa_list[0] = platform_dram_size(fx->plat) + PAGE;
	loader_stage_write_params(fx, st);
}

static void params_scenario_load(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.scenario = SEAMLDR_SCENARIO_LOAD;
	loader_stage_write_params(fx, st);
}

static void params_scenario_update(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.scenario = SEAMLDR_SCENARIO_UPDATE;
	loader_stage_write_params(fx, st);
}

/* Step 2: the signature. */
static void sig_header_type(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.header_type = 7;
	loader_module_resign(fx, mod, NULL);
}

static void sig_header_version(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.header_version = 0x00020000;
	loader_module_resign(fx, mod, NULL);
}

static void sig_module_vendor(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.module_vendor = 0x1022;
	loader_module_resign(fx, mod, NULL);
}

static void sig_size(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.size = 0x100;
	loader_module_resign(fx, mod, NULL);
}

static void sig_module_type_reserved(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.module_type = 1;
	loader_module_resign(fx, mod, NULL);
}

static void sig_attributes(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.attributes = 1;
	loader_module_resign(fx, mod, NULL);
}

static void opts_other_key(struct loader_module_opts *o)
{
	o->key = get_other_key();
}

static void sig_flip_signature(struct loader_fixture *fx, struct loader_module *mod)
{
	(void)fx;
	mod->sig.signature[100] ^= 0x01;
}

static void sig_body_changed_unsigned(struct loader_fixture *fx, struct loader_module *mod)
{
	(void)fx;
	mod->sig.num_stack_pages++;
}

static void sig_vendor_modulus_other_signature(struct loader_fixture *fx, struct loader_module *mod)
{
	/* The fused key's modulus, a signature by another key. */
	uint8_t modulus[SEAM_RSA_BYTES];

	memcpy(modulus, mod->sig.modulus, sizeof(modulus));
	loader_module_resign(fx, mod, get_other_key());
	memcpy(mod->sig.modulus, modulus, sizeof(modulus));
}

static void opts_debug(struct loader_module_opts *o)
{
	o->sign.debug = true;
}

static void opts_cpuid_other(struct loader_module_opts *o)
{
	o->sign.nr_cpuids = 2;
	o->sign.cpuid[0] = 0x000A06F0;
	o->sign.cpuid[1] = 0x000C06F0;
}

static void opts_cpuid_none(struct loader_module_opts *o)
{
	o->sign.nr_cpuids = 0;
}

/* Step 3: the SVN. */
static void opts_svn_major_0(struct loader_module_opts *o)
{
	o->sign.seamsvn = SEAMSVN(0, 5);
}

/* Step 6: the image. */
static void staged_page_modified(struct loader_fixture *fx, struct loader_staged *st)
{
	uint8_t b;
	uint64_t pa = st->pages_pa + 2 * PAGE + 123;

	assert_int_equal(pmem_host_read(fx->plat, pa, &b, 1), 0);
	b ^= 0x40;
	assert_int_equal(pmem_host_write(fx->plat, pa, &b, 1), 0);
}

static void params_fewer_pages(struct loader_fixture *fx, struct loader_staged *st)
{
	st->params.num_module_pages--;
	loader_stage_write_params(fx, st);
}

static void params_pages_swapped(struct loader_fixture *fx, struct loader_staged *st)
{
	uint64_t t = st->params.mod_pages_pa_list[1];

	/* Pages 1 and 3 differ (pattern), so the order is measured. */
	st->params.mod_pages_pa_list[1] = st->params.mod_pages_pa_list[3];
	st->params.mod_pages_pa_list[3] = t;
	loader_stage_write_params(fx, st);
}

static void edit_pattern(struct loader_fixture *fx, struct loader_module *mod)
{
	fill_pattern(fx, mod, 0x77);
}

static void sig_rip_beyond_image(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.rip_offset = (uint32_t)mod->len;
	loader_module_resign(fx, mod, NULL);
}

static void sig_rip_max(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->sig.rip_offset = 0xFFFFFFFFU;
	loader_module_resign(fx, mod, NULL);
}

static void opts_unknown_impl(struct loader_module_opts *o)
{
	o->impl = "no-such-module-impl";
}

static void opts_impl_prefix(struct loader_module_opts *o)
{
	o->impl = "tdx-emu-module-v2";
}

static void edit_image_magic(struct loader_fixture *fx, struct loader_module *mod)
{
	mod->image[0] ^= 0xFF;
	loader_sha384(mod->image, mod->len, mod->sig.seamhash);
	loader_module_resign(fx, mod, NULL);
}

static const struct refusal refusals[] = {
	/* Step 1 */
	{ "step1_version_nonzero_ebadparam", CTX_BOTH, NULL, NULL, params_version, SEAMLDR_EBADPARAM },
	{ "step1_scenario_2_ebadparam", CTX_BOTH, NULL, NULL, params_scenario_2, SEAMLDR_EBADPARAM },
	{ "step1_reserved_first_byte_ebadparam", CTX_BOTH, NULL, NULL, params_reserved_first,
	  SEAMLDR_EBADPARAM },
	{ "step1_reserved_last_byte_ebadparam", CTX_BOTH, NULL, NULL, params_reserved_last,
	  SEAMLDR_EBADPARAM },
	{ "step1_num_module_pages_0_ebadparam", CTX_BOTH, NULL, NULL, params_pages_0,
	  SEAMLDR_EBADPARAM },
	{ "step1_num_module_pages_497_ebadparam", CTX_BOTH, NULL, NULL, params_pages_497,
	  SEAMLDR_EBADPARAM },
	{ "step1_sigstruct_pa_misaligned_ebadparam", CTX_BOTH, NULL, NULL, params_sig_misaligned,
	  SEAMLDR_EBADPARAM },
	{ "step1_sigstruct_pa_in_seamrr_ebadparam", CTX_BOTH, NULL, NULL, params_sig_in_seamrr,
	  SEAMLDR_EBADPARAM },
	{ "step1_sigstruct_pa_beyond_dram_ebadparam", CTX_BOTH, NULL, NULL, params_sig_beyond_dram,
	  SEAMLDR_EBADPARAM },
	{ "step1_sigstruct_pa_private_keyid_ebadparam", CTX_BOTH, NULL, NULL,
	  params_sig_private_keyid, SEAMLDR_EBADPARAM },
	{ "step1_module_page_in_seamrr_ebadparam", CTX_BOTH, NULL, NULL, params_page_in_seamrr,
	  SEAMLDR_EBADPARAM },
	{ "step1_module_page_in_pseamldr_range_ebadparam", CTX_BOTH, NULL, NULL,
	  params_last_page_in_pseamldr_range, SEAMLDR_EBADPARAM },
	{ "step1_module_page_misaligned_ebadparam", CTX_BOTH, NULL, NULL, params_page_misaligned,
	  SEAMLDR_EBADPARAM },
	{ "step1_module_page_beyond_dram_ebadparam", CTX_BOTH, NULL, NULL, params_page_beyond_dram,
	  SEAMLDR_EBADPARAM },
	{ "step1_load_with_resident_module_ebadcall", CTX_RESIDENT, NULL, NULL,
	  params_scenario_load, SEAMLDR_EBADCALL },
	{ "step1_update_without_resident_module_ebadcall", CTX_FRESH, NULL, NULL,
	  params_scenario_update, SEAMLDR_EBADCALL },
	/* Step 2 */
	{ "step2_header_type_ebadparam", CTX_BOTH, NULL, sig_header_type, NULL, SEAMLDR_EBADPARAM },
	{ "step2_header_version_ebadparam", CTX_BOTH, NULL, sig_header_version, NULL,
	  SEAMLDR_EBADPARAM },
	{ "step2_module_vendor_ebadparam", CTX_BOTH, NULL, sig_module_vendor, NULL,
	  SEAMLDR_EBADPARAM },
	{ "step2_size_ebadparam", CTX_BOTH, NULL, sig_size, NULL, SEAMLDR_EBADPARAM },
	{ "step2_module_type_reserved_bit_ebadparam", CTX_BOTH, NULL, sig_module_type_reserved, NULL,
	  SEAMLDR_EBADPARAM },
	{ "step2_attributes_nonzero_ebadparam", CTX_BOTH, NULL, sig_attributes, NULL,
	  SEAMLDR_EBADPARAM },
	{ "step2_signed_by_other_key_ebadsig", CTX_BOTH, opts_other_key, NULL, NULL,
	  SEAMLDR_EBADSIG },
	{ "step2_vendor_modulus_other_signature_ebadsig", CTX_BOTH, NULL,
	  sig_vendor_modulus_other_signature, NULL, SEAMLDR_EBADSIG },
	{ "step2_flipped_signature_byte_ebadsig", CTX_BOTH, NULL, sig_flip_signature, NULL,
	  SEAMLDR_EBADSIG },
	{ "step2_body_changed_after_signing_ebadsig", CTX_BOTH, NULL, sig_body_changed_unsigned, NULL,
	  SEAMLDR_EBADSIG },
	{ "step2_debug_module_not_debug_unlocked_ebadsig", CTX_BOTH, opts_debug, NULL, NULL,
	  SEAMLDR_EBADSIG },
	{ "step2_cpuid_table_without_platform_eunsupcpu", CTX_BOTH, opts_cpuid_other, NULL, NULL,
	  SEAMLDR_EUNSUPCPU },
	{ "step2_cpuid_table_empty_eunsupcpu", CTX_BOTH, opts_cpuid_none, NULL, NULL,
	  SEAMLDR_EUNSUPCPU },
	/* Step 3 */
	{ "step3_svn_major_0_ebadparam", CTX_BOTH, opts_svn_major_0, NULL, NULL, SEAMLDR_EBADPARAM },
	/* Step 6 */
	{ "step6_page_modified_after_signing_ebadhash", CTX_BOTH, NULL, NULL, staged_page_modified,
	  SEAMLDR_EBADHASH },
	{ "step6_fewer_pages_than_signed_ebadhash", CTX_BOTH, NULL, NULL, params_fewer_pages,
	  SEAMLDR_EBADHASH },
	{ "step6_pages_out_of_order_ebadhash", CTX_BOTH, NULL, edit_pattern, params_pages_swapped,
	  SEAMLDR_EBADHASH },
	{ "step6_rip_offset_beyond_image_ebadparam", CTX_BOTH, NULL, sig_rip_beyond_image, NULL,
	  SEAMLDR_EBADPARAM },
	{ "step6_rip_offset_max_ebadparam", CTX_BOTH, NULL, sig_rip_max, NULL, SEAMLDR_EBADPARAM },
	{ "step6_image_magic_ebadparam", CTX_BOTH, NULL, edit_image_magic, NULL, SEAMLDR_EBADPARAM },
	{ "step6_unknown_impl_eunsupported", CTX_BOTH, opts_unknown_impl, NULL, NULL,
	  SEAMLDR_EUNSUPPORTED },
	{ "step6_impl_with_known_prefix_eunsupported", CTX_BOTH, opts_impl_prefix, NULL, NULL,
	  SEAMLDR_EUNSUPPORTED },
};

static void run_refusal(void **state)
{
	const struct refusal_run *run = *state;
	const struct refusal *r = run->r;
	struct loader_fixture *fx = loader_fixture_lps(3, NULL);
	struct loader_module resident, bad, good;
	struct loader_module_opts o;
	struct loader_snapshot snap;
	struct loader_staged st;
	uint32_t scenario = run->resident ? SEAMLDR_SCENARIO_UPDATE : SEAMLDR_SCENARIO_LOAD;
	uint64_t params_pa, rdx = 0xdead;

	memset(&resident, 0, sizeof(resident));
	if (run->resident) {
		default_module(fx, &resident);
		fill_pattern(fx, &resident, 0x21);
		assert_int_equal(loader_install_module(fx, &resident, SEAMLDR_SCENARIO_LOAD),
				 SEAMLDR_SUCCESS);
		/* What TDH.SYS.SHUTDOWN leaves for an UPDATE. */
		loader_write_handoff(fx, 1, 0, 0);
	}
	loader_snapshot(fx, &snap);

	loader_module_opts_init(&o);
	if (r->opts)
		r->opts(&o);
	loader_module_build(fx, &o, &bad);
	if (r->edit)
		r->edit(fx, &bad);
	params_pa = loader_stage(fx, &bad, scenario, &st);
	if (r->staged)
		r->staged(fx, &st);
	assert_int_equal(loader_install_all(fx, params_pa, &rdx), r->status);
	/* Refused before Module_Range was touched: recoverable. */
	assert_int_equal(rdx, 0);
	loader_assert_unchanged(fx, &snap);
	/* The session is closed: nothing to clean up. */
	assert_int_equal(loader_cleanup(fx, 0), SEAMLDR_EBADCALL);
	loader_unstage(fx, &st);

	/* A correct install still succeeds. */
	default_module(fx, &good);
	fill_pattern(fx, &good, 0x42);
	assert_int_equal(loader_install_module(fx, &good, scenario), SEAMLDR_SUCCESS);
	assert_installed(fx, &good);
	assert_int_equal(remaining_updates(fx), snap.num_remaining_updates - run->resident);

	loader_module_free(&good);
	loader_module_free(&bad);
	loader_module_free(&resident);
	loader_fixture_destroy(fx);
}

/* ---- step 3: SVN rules on UPDATE ---- */

static void test_update_svn2_blob_then_downgrade_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module v10, v12;
	struct loader_snapshot snap;
	struct seamldr_info info;
	uint32_t left;

	(void)state;
	loader_module_from_blob(TDX_FW_MODULE_BLOB, &v10);
	loader_module_from_blob(TDX_FW_MODULE_SVN2_BLOB, &v12);
	assert_int_equal(v10.sig.seamsvn, SEAMSVN(1, 0));
	assert_int_equal(v12.sig.seamsvn, SEAMSVN(1, 2));
	assert_int_equal(loader_install_module(fx, &v10, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_installed(fx, &v10);
	left = remaining_updates(fx);
	assert_true(left > 0);

	assert_int_equal(loader_update_module(fx, &v12), SEAMLDR_SUCCESS);
	assert_installed(fx, &v12);
	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	assert_memory_equal(info.seamextend.mrseam, v12.sig.seamhash, 48);
	assert_int_equal(info.seamextend.tee_tcb_svn[0], 2);
	assert_int_equal(info.seamextend.tee_tcb_svn[1], 1);
	assert_int_equal(info.num_remaining_updates, left - 1);

	/* Back to 1.0: a downgrade, refused; 1.2 keeps running. */
	loader_write_handoff(fx, 1, 0, 0);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &v10, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_EBADPARAM);
	loader_assert_unchanged(fx, &snap);
	assert_installed(fx, &v12);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_int_not_equal(loader_module_seamcall(fx, cpu), TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(remaining_updates(fx), left - 1);
	loader_module_free(&v10);
	loader_module_free(&v12);
	loader_fixture_destroy(fx);
}

static void svn_module(struct loader_fixture *fx, uint16_t svn, uint8_t seed, bool debug,
		       struct loader_module *mod)
{
	struct loader_module_opts o;

	loader_module_opts_init(&o);
	o.sign.seamsvn = svn;
	o.sign.debug = debug;
	loader_module_build(fx, &o, mod);
	fill_pattern(fx, mod, seed);
}

static void test_update_other_major_ebadparam(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module v13, v20, v05;
	struct loader_snapshot snap;

	(void)state;
	svn_module(fx, SEAMSVN(1, 3), 1, false, &v13);
	svn_module(fx, SEAMSVN(2, 0), 2, false, &v20);
	svn_module(fx, SEAMSVN(0, 9), 3, false, &v05);
	assert_int_equal(loader_install_module(fx, &v13, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	loader_write_handoff(fx, 1, 0, 0);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &v20, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_EBADPARAM);
	loader_assert_unchanged(fx, &snap);
	assert_int_equal(loader_install_module(fx, &v05, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_EBADPARAM);
	loader_assert_unchanged(fx, &snap);
	assert_installed(fx, &v13);
	loader_module_free(&v13);
	loader_module_free(&v20);
	loader_module_free(&v05);
	loader_fixture_destroy(fx);
}

static void test_update_equal_svn_allowed(void **state)
{
	struct loader_fixture *fx = loader_fixture_lps(2, NULL);
	struct loader_module a, b;
	uint32_t left;

	(void)state;
	svn_module(fx, SEAMSVN(1, 2), 1, false, &a);
	svn_module(fx, SEAMSVN(1, 2), 2, false, &b);
	assert_memory_not_equal(a.sig.seamhash, b.sig.seamhash, 48);
	assert_int_equal(loader_install_module(fx, &a, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	left = remaining_updates(fx);
	assert_int_equal(loader_update_module(fx, &b), SEAMLDR_SUCCESS);
	assert_installed(fx, &b);
	assert_int_equal(remaining_updates(fx), left - 1);
	/* And the very same module again. */
	assert_int_equal(loader_update_module(fx, &b), SEAMLDR_SUCCESS);
	assert_installed(fx, &b);
	assert_int_equal(remaining_updates(fx), left - 2);
	loader_module_free(&a);
	loader_module_free(&b);
	loader_fixture_destroy(fx);
}

static void test_update_debug_module_may_downgrade(void **state)
{
	static const char *const ov[] = { "debug-unlocked=1", NULL };
	struct loader_fixture *fx = loader_fixture_lps(2, ov);
	struct loader_module v12, v10d, v10;
	struct loader_snapshot snap;

	(void)state;
	svn_module(fx, SEAMSVN(1, 2), 1, false, &v12);
	svn_module(fx, SEAMSVN(1, 0), 2, true, &v10d);
	svn_module(fx, SEAMSVN(1, 0), 3, false, &v10);
	assert_int_equal(loader_install_module(fx, &v12, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	loader_write_handoff(fx, 1, 0, 0);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &v10, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_EBADPARAM);
	loader_assert_unchanged(fx, &snap);
	assert_int_equal(loader_update_module(fx, &v10d), SEAMLDR_SUCCESS);
	assert_installed(fx, &v10d);
	loader_module_free(&v12);
	loader_module_free(&v10d);
	loader_module_free(&v10);
	loader_fixture_destroy(fx);
}

static void test_update_no_remaining_updates_ebadcall(void **state)
{
	struct tdxctl_acm_opts acm;
	struct loader_fixture_opts fo = { .lps = 2, .acm = &acm };
	struct loader_fixture *fx;
	struct loader_module a, b, c;
	struct loader_snapshot snap;

	(void)state;
	tdxctl_acm_opts_init(&acm);
	acm.num_remaining_updates = 1;
	fx = loader_fixture_create(&fo);
	svn_module(fx, SEAMSVN(1, 0), 1, false, &a);
	svn_module(fx, SEAMSVN(1, 1), 2, false, &b);
	svn_module(fx, SEAMSVN(1, 2), 3, false, &c);
	assert_int_equal(loader_install_module(fx, &a, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	assert_int_equal(remaining_updates(fx), 1);
	assert_int_equal(loader_update_module(fx, &b), SEAMLDR_SUCCESS);
	assert_int_equal(remaining_updates(fx), 0);
	loader_write_handoff(fx, 1, 0, 0);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &c, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_EBADCALL);
	loader_assert_unchanged(fx, &snap);
	assert_installed(fx, &b);
	loader_module_free(&a);
	loader_module_free(&b);
	loader_module_free(&c);
	loader_fixture_destroy(fx);
}

/* ---- step 3: the resident module's handoff on UPDATE ---- */

/*
 * A resident 1.0 module with two handoff pages (NUM_HANDOFF_PAGES = 1);
 * the update candidate, 1.1, accepts handoff versions [2, 3].
 */
static struct loader_fixture *handoff_setup(struct loader_module *resident,
					    struct loader_module *next)
{
	/* Sparse x2APIC ids (0-2, 4-6): the data region starts after 7 VMCSs. */
	static const char *const ov[] = { "packages=2", NULL };
	struct loader_fixture *fx = loader_fixture_lps(6, ov);
	struct loader_module_opts o;

	assert_int_equal(loader_handoff_pa(fx), platform_seamrr(fx->plat).base + 8 * PAGE);
	loader_module_opts_init(&o);
	o.sign.num_handoff_pages = 1;		/* 2 pages: 8 KiB of handoff data */
	o.sign.module_hv = 2;
	loader_module_build(fx, &o, resident);
	loader_module_opts_init(&o);
	o.sign.seamsvn = SEAMSVN(1, 1);
	o.sign.module_hv = 3;
	o.sign.min_update_hv = 2;
	loader_module_build(fx, &o, next);
	assert_int_equal(loader_install_module(fx, resident, SEAMLDR_SCENARIO_LOAD), SEAMLDR_SUCCESS);
	return fx;
}

static void expect_handoff_refused(struct loader_fixture *fx, const struct loader_module *next,
				   uint8_t valid, uint16_t hv, uint32_t size)
{
	struct loader_snapshot snap;

	loader_write_handoff(fx, valid, hv, size);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, next, SEAMLDR_SCENARIO_UPDATE),
			 SEAMLDR_EBADHANDOFF);
	loader_assert_unchanged(fx, &snap);
}

static void test_update_without_shutdown_ebadhandoff(void **state)
{
	struct loader_module resident, next;
	struct loader_fixture *fx = handoff_setup(&resident, &next);
	struct loader_snapshot snap;

	(void)state;
	/* Nothing written: the data region is as the install left it. */
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE),
			 SEAMLDR_EBADHANDOFF);
	loader_assert_unchanged(fx, &snap);
	/* VALID clear, everything else right. */
	expect_handoff_refused(fx, &next, 0, 2, 0);
	assert_installed(fx, &resident);
	loader_write_handoff(fx, 1, 2, 0);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_SUCCESS);
	assert_installed(fx, &next);
	loader_module_free(&resident);
	loader_module_free(&next);
	loader_fixture_destroy(fx);
}

static void test_update_handoff_version_outside_range_ebadhandoff(void **state)
{
	struct loader_module resident, next;
	struct loader_fixture *fx = handoff_setup(&resident, &next);

	(void)state;
	expect_handoff_refused(fx, &next, 1, 1, 0);	/* below MIN_UPDATE_HV */
	expect_handoff_refused(fx, &next, 1, 4, 0);	/* above MODULE_HV */
	expect_handoff_refused(fx, &next, 1, 0xFFFF, 0);
	loader_write_handoff(fx, 1, 3, 0);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_SUCCESS);
	assert_installed(fx, &next);
	loader_module_free(&resident);
	loader_module_free(&next);
	loader_fixture_destroy(fx);
}

static void test_update_handoff_larger_than_handoff_pages_ebadhandoff(void **state)
{
	struct loader_module resident, next;
	struct loader_fixture *fx = handoff_setup(&resident, &next);

	(void)state;
	expect_handoff_refused(fx, &next, 1, 2, 2 * PAGE + 1);
	expect_handoff_refused(fx, &next, 1, 2, 0xFFFFFFFFU);
	/* Exactly the resident's (NUM_HANDOFF_PAGES + 1) pages is fine. */
	loader_write_handoff(fx, 1, 2, 2 * PAGE);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_SUCCESS);
	assert_installed(fx, &next);
	loader_module_free(&resident);
	loader_module_free(&next);
	loader_fixture_destroy(fx);
}

static void test_update_handoff_consumed_by_update(void **state)
{
	struct loader_module resident, next;
	struct loader_fixture *fx = handoff_setup(&resident, &next);
	struct loader_snapshot snap;

	(void)state;
	loader_write_handoff(fx, 1, 2, 0);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE), SEAMLDR_SUCCESS);
	/* The new module has not shut down: a second UPDATE needs its own handoff. */
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_UPDATE),
			 SEAMLDR_EBADHANDOFF);
	loader_assert_unchanged(fx, &snap);
	/* A LOAD scenario never looks at handoff data: it is refused for the resident module. */
	assert_int_equal(loader_install_module(fx, &next, SEAMLDR_SCENARIO_LOAD), SEAMLDR_EBADCALL);
	loader_assert_unchanged(fx, &snap);
	loader_module_free(&resident);
	loader_module_free(&next);
	loader_fixture_destroy(fx);
}

/* ---- step 4: room in Module_Range ---- */

/*
 * A 64 MiB SEAMRR (32 MiB Module_Range) at the top of the default 8 GiB
 * DRAM: MCHECK wants it aligned to its size, and the default CMRs end at
 * 8 GiB - 128 MiB, so they stay out of it.
 */
static const char *const small_seamrr[] = { "seamrr-base=0x1FC000000", "seamrr-size=64M", NULL };

static void big_module(struct loader_fixture *fx, bool fits, struct loader_module *mod)
{
	struct loader_module_opts o;

	loader_module_opts_init(&o);
	o.img.nr_pages = 496;
	if (!fits) {
		o.sign.num_stack_pages = 255;
		o.sign.num_global_data_pages = 0xFFFF;	/* 256 MiB of global data */
	}
	loader_module_build(fx, &o, mod);
}

static void check_step4_enomem(bool resident)
{
	struct loader_fixture *fx = loader_fixture_lps(4, small_seamrr);
	struct platform_range rr = platform_seamrr(fx->plat);
	struct loader_module fits, huge;
	struct loader_snapshot snap;
	uint32_t scenario = resident ? SEAMLDR_SCENARIO_UPDATE : SEAMLDR_SCENARIO_LOAD;

	assert_int_equal(rr.size, 64ULL << 20);
	assert_int_equal(rr.base, 0x1FC000000ULL);
	big_module(fx, true, &fits);
	big_module(fx, false, &huge);
	if (resident) {
		assert_int_equal(loader_install_module(fx, &fits, SEAMLDR_SCENARIO_LOAD),
				 SEAMLDR_SUCCESS);
		loader_write_handoff(fx, 1, 0, 0);
	}
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &huge, scenario), SEAMLDR_ENOMEM);
	loader_assert_unchanged(fx, &snap);
	/* The same 496 pages with ordinary page counts fit. */
	assert_int_equal(loader_install_module(fx, &fits, scenario), SEAMLDR_SUCCESS);
	assert_installed(fx, &fits);
	loader_module_free(&fits);
	loader_module_free(&huge);
	loader_fixture_destroy(fx);
}

static void test_step4_image_larger_than_module_range_enomem(void **state)
{
	(void)state;
	check_step4_enomem(false);
}

static void test_step4_update_larger_than_module_range_enomem(void **state)
{
	(void)state;
	check_step4_enomem(true);
}

static void test_step4_stacks_larger_than_module_range_enomem(void **state)
{
	static const char *const ov[] = { "seamrr-base=0x1FC000000", "seamrr-size=64M", NULL };
	struct loader_fixture *fx = loader_fixture_lps(32, ov);
	struct loader_module_opts o;
	struct loader_module mod;
	struct loader_snapshot snap;

	(void)state;
	/* 32 LPs x (256 + 1) pages of stacks + 2 MiB of code do not fit 32 MiB. */
	loader_module_opts_init(&o);
	o.img.nr_pages = 496;
	o.sign.num_stack_pages = 255;
	loader_module_build(fx, &o, &mod);
	loader_snapshot(fx, &snap);
	assert_int_equal(loader_install_module(fx, &mod, SEAMLDR_SCENARIO_LOAD), SEAMLDR_ENOMEM);
	loader_assert_unchanged(fx, &snap);
	loader_module_free(&mod);
	loader_fixture_destroy(fx);
}

static int free_other_key(void **state)
{
	(void)state;
	EVP_PKEY_free(other_key);
	other_key = NULL;
	return 0;
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_install_success_seamextend),
		cmocka_unit_test(test_install_success_seamrr_closed_to_host),
		cmocka_unit_test(test_install_success_sysinfo_table),
		cmocka_unit_test(test_install_success_transfer_vmcs_per_x2apic_id),
		cmocka_unit_test(test_install_debug_module_on_debug_unlocked_platform),
		cmocka_unit_test(test_install_production_module_on_debug_unlocked_platform),
		cmocka_unit_test(test_update_svn2_blob_then_downgrade_ebadparam),
		cmocka_unit_test(test_update_other_major_ebadparam),
		cmocka_unit_test(test_update_equal_svn_allowed),
		cmocka_unit_test(test_update_debug_module_may_downgrade),
		cmocka_unit_test(test_update_no_remaining_updates_ebadcall),
		cmocka_unit_test(test_update_without_shutdown_ebadhandoff),
		cmocka_unit_test(test_update_handoff_version_outside_range_ebadhandoff),
		cmocka_unit_test(test_update_handoff_larger_than_handoff_pages_ebadhandoff),
		cmocka_unit_test(test_update_handoff_consumed_by_update),
		cmocka_unit_test(test_step4_image_larger_than_module_range_enomem),
		cmocka_unit_test(test_step4_update_larger_than_module_range_enomem),
		cmocka_unit_test(test_step4_stacks_larger_than_module_range_enomem),
	};
	enum { NR_FIXED = TDX_ARRAY_SIZE(fixed), NR_REFUSALS = TDX_ARRAY_SIZE(refusals) };
	static struct refusal_run runs[2 * NR_REFUSALS];
	static char names[2 * NR_REFUSALS][96];
	static struct CMUnitTest tests[NR_FIXED + 2 * NR_REFUSALS];
	size_t n = 0;

	for (size_t i = 0; i < NR_FIXED; i++)
		tests[n++] = fixed[i];
	for (size_t i = 0, k = 0; i < NR_REFUSALS; i++) {
		for (int resident = 0; resident < 2; resident++) {
			if (!(refusals[i].contexts & (resident ? CTX_RESIDENT : CTX_FRESH)))
				continue;
			runs[k] = (struct refusal_run){ &refusals[i], resident };
			snprintf(names[k], sizeof(names[k]), "test_%s/%s", refusals[i].name,
				 resident ? "update_over_resident" : "load_fresh");
			tests[n++] = (struct CMUnitTest){
				.name = names[k],
				.test_func = run_refusal,
				.initial_state = &runs[k],
			};
			k++;
		}
	}
	return _cmocka_run_group_tests("test_seamldr_install", tests, n, NULL, free_other_key);
}

/*
 * Test fixture for the SEAM loader path (see loader_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "firmware_paths.h"
#include "loader_fixture.h"
#include "platform_test.h"
#include "pmem.h"

#define PAGE TDX_PAGE_SIZE

static void fx_fail(const char *what, const struct emu_error *err)
{
	fail_msg("loader_fixture: %s: %s", what, err->msg);
}

struct loader_fixture *loader_fixture_create(const struct loader_fixture_opts *o)
{
	static const struct loader_fixture_opts none;
	struct loader_fixture *fx = calloc(1, sizeof(*fx));
	struct platform_config cfg;
	struct emu_error err = { 0 };
	char kv[64];

	if (!o)
		o = &none;
	assert_non_null(fx);
	if (tdxctl_key_load(TDX_FW_VENDOR_KEY, &fx->key, &err))
		fx_fail("vendor key", &err);

	platform_config_defaults(&cfg);
	if (tdxctl_key_hash(fx->key, cfg.vendor_key_hash, &err))
		fx_fail("vendor key hash", &err);
	/* Overrides first, so "packages=P" is in place when "lps=N" splits N. */
	for (const char *const *ov = o->overrides; ov && *ov; ov++)
		if (platform_config_set(&cfg, *ov, &err))
			fx_fail(*ov, &err);
	if (o->lps) {
		snprintf(kv, sizeof(kv), "lps=%u", o->lps);
		if (platform_config_set(&cfg, kv, &err))
			fx_fail(kv, &err);
	}

	if (seam_machine_create(&cfg, &fx->m, &err))
		fx_fail("machine", &err);
	fx->plat = fx->m->plat;
	fx->nr_lps = platform_nr_lps(fx->plat);
	assert_true(fx->nr_lps <= LOADER_FX_MAX_LPS);
	if (seam_machine_firmware(fx->m, NULL, &fx->mcheck, &err))
		fx_fail("firmware/MCHECK", &err);
	assert_int_equal(fx->mcheck.check, MCHECK_PASSED);
	if (tdx_host_create(fx->plat, fx->m->ldr, NULL, &fx->host, &err))
		fx_fail("host", &err);

	if (o->acm) {
		if (tdxctl_acm_build(fx->key, o->acm, &fx->acm, &fx->acm_len, &err))
			fx_fail("ACM build", &err);
	} else if (tdxctl_file_read(TDX_FW_NP_SEAMLDR_ACM, &fx->acm, &fx->acm_len, &err)) {
		fx_fail("ACM file", &err);
	}
	if (tdx_host_launch_np_seamldr(fx->host, fx->acm, fx->acm_len, &fx->np_status, &err))
		fx_fail("NP-SEAMLDR", &err);
	assert_int_equal(fx->np_status, SEAMLDR_SUCCESS);
	if (!o->no_start_cpus && tdx_host_start_cpus(fx->host, &err))
		fx_fail("start CPUs", &err);
	return fx;
}

struct loader_fixture *loader_fixture_lps(unsigned int lps, const char *const *overrides)
{
	struct loader_fixture_opts o = { .lps = lps, .overrides = overrides };

	return loader_fixture_create(&o);
}

void loader_fixture_destroy(struct loader_fixture *fx)
{
	if (!fx)
		return;
	seam_machine_destroy(fx->m);
	tdx_host_destroy(fx->host);
	EVP_PKEY_free(fx->key);
	free(fx->acm);
	free(fx);
}

/* ---- modules ---- */

void loader_module_opts_init(struct loader_module_opts *o)
{
	memset(o, 0, sizeof(*o));
	tdxctl_module_image_opts_init(&o->img);
	o->img.nr_pages = 4;
	o->img.build_date = 0x20250101;
	tdxctl_sign_opts_init(&o->sign);
	o->sign.date = 0x20250101;
}

void loader_module_build(struct loader_fixture *fx, const struct loader_module_opts *o,
			 struct loader_module *out)
{
	struct emu_error err = { 0 };

	memset(out, 0, sizeof(*out));
	if (tdxctl_module_image_build(&o->img, &out->image, &out->len, &err))
		fx_fail("module image", &err);
	if (o->impl) {
		struct tdx_module_image_header *h = (void *)out->image;

		memset(h->impl, 0, sizeof(h->impl));
		strncpy(h->impl, o->impl, sizeof(h->impl) - 1);
	}
	out->nr_pages = out->len / PAGE;
	if (tdxctl_sigstruct_build(o->key ? o->key : fx->key, out->image, out->len, &o->sign,
				   &out->sig, &err))
		fx_fail("sigstruct", &err);
}

void loader_module_from_blob(const char *path, struct loader_module *out)
{
	struct tdxctl_blob_view v;
	struct emu_error err = { 0 };
	uint8_t *blob = NULL;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (tdxctl_file_read(path, &blob, &len, &err) || tdxctl_blob_parse(blob, len, &v, &err))
		fx_fail(path, &err);
	out->sig = *v.sigstruct;
	out->len = v.module_len;
	out->nr_pages = v.nr_module_pages;
	out->image = malloc(out->len);
	assert_non_null(out->image);
	memcpy(out->image, v.module, out->len);
	free(blob);
}

void loader_module_resign(struct loader_fixture *fx, struct loader_module *mod, EVP_PKEY *key)
{
	struct emu_error err = { 0 };

	if (tdxctl_sigstruct_sign(key ? key : fx->key, &mod->sig, &err))
		fx_fail("re-sign", &err);
}

void loader_module_free(struct loader_module *mod)
{
	free(mod->image);
	memset(mod, 0, sizeof(*mod));
}

/* ---- staging ---- */

static uint64_t alloc_pages(struct loader_fixture *fx, uint64_t n)
{
	uint64_t pa;

	assert_int_equal(tdx_host_alloc_pages(fx->host, n, 0, &pa), 0);
	return pa;
}

uint64_t loader_stage(struct loader_fixture *fx, const struct loader_module *mod,
		      uint32_t scenario, struct loader_staged *st)
{
	memset(st, 0, sizeof(*st));
	st->nr_pages = mod->nr_pages;
	st->sig_pa = alloc_pages(fx, 1);
	st->pages_pa = alloc_pages(fx, mod->nr_pages);
	st->params_pa = alloc_pages(fx, 1);
	assert_int_equal(pmem_host_write(fx->plat, st->pages_pa, mod->image, mod->len), 0);
	loader_stage_write_sig(fx, st, &mod->sig);
	st->params.version = 0;
	st->params.scenario = scenario;
	st->params.sigstruct_pa = st->sig_pa;
	st->params.num_module_pages = mod->nr_pages;
	for (uint64_t i = 0; i < mod->nr_pages; i++)
		st->params.mod_pages_pa_list[i] = st->pages_pa + i * PAGE;
	loader_stage_write_params(fx, st);
	return st->params_pa;
}

void loader_stage_write_params(struct loader_fixture *fx, const struct loader_staged *st)
{
	assert_int_equal(pmem_host_write(fx->plat, st->params_pa, &st->params,
					 sizeof(st->params)), 0);
}

void loader_stage_write_sig(struct loader_fixture *fx, const struct loader_staged *st,
			    const struct seam_sigstruct *sig)
{
	uint8_t page[PAGE];

	memset(page, 0, sizeof(page));
	memcpy(page, sig, sizeof(*sig));
	assert_int_equal(pmem_host_write(fx->plat, st->sig_pa, page, sizeof(page)), 0);
}

void loader_unstage(struct loader_fixture *fx, struct loader_staged *st)
{
	tdx_host_free_pages(fx->host, st->params_pa, 1);
	tdx_host_free_pages(fx->host, st->sig_pa, 1);
	tdx_host_free_pages(fx->host, st->pages_pa, st->nr_pages);
	memset(st, 0, sizeof(*st));
}

/* ---- SEAMCALLs ---- */

uint64_t loader_install_on(struct loader_fixture *fx, unsigned int cpu, uint64_t params_pa,
			   uint64_t *rdx)
{
	struct tdx_module_args a = { .rax = SEAMLDR_INSTALL, .rcx = params_pa, .rdx = 0xdead };
	uint64_t rax = tdx_host_seamcall(fx->host, cpu, &a);

	if (rdx)
		*rdx = a.rdx;
	return rax;
}

uint64_t loader_install_all(struct loader_fixture *fx, uint64_t params_pa, uint64_t *rdx)
{
	uint64_t rax = SEAMLDR_EUNSPECERR;

	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		uint64_t d;

		rax = loader_install_on(fx, cpu, params_pa, &d);
		if (cpu + 1 < fx->nr_lps) {
			if (rax != SEAMLDR_SUCCESS)
				fail_msg("SEAMLDR.INSTALL on CPU %u (not last): %s (0x%016llx)", cpu,
					 seamldr_status_name(rax), (unsigned long long)rax);
			assert_int_equal(d, 0);
		}
		if (rdx)
			*rdx = d;
	}
	return rax;
}

uint64_t loader_install_module(struct loader_fixture *fx, const struct loader_module *mod,
			       uint32_t scenario)
{
	struct loader_staged st;
	uint64_t rax = loader_install_all(fx, loader_stage(fx, mod, scenario, &st), NULL);

	loader_unstage(fx, &st);
	return rax;
}

uint64_t loader_seamcall(struct loader_fixture *fx, unsigned int cpu, uint64_t rax, uint64_t rcx)
{
	struct tdx_module_args a = { .rax = rax, .rcx = rcx };

	return tdx_host_seamcall(fx->host, cpu, &a);
}

uint64_t loader_info_at(struct loader_fixture *fx, unsigned int cpu, uint64_t pa)
{
	return loader_seamcall(fx, cpu, SEAMLDR_INFO, pa);
}

uint64_t loader_info(struct loader_fixture *fx, unsigned int cpu, struct seamldr_info *info)
{
	uint64_t pa = alloc_pages(fx, 1);
	uint64_t rax;

	/* Poison the buffer so a field P-SEAMLDR forgets shows up. */
	memset(info, 0xA5, sizeof(*info));
	assert_int_equal(pmem_host_write(fx->plat, pa, info, sizeof(*info)), 0);
	rax = loader_info_at(fx, cpu, pa);
	assert_int_equal(pmem_host_read(fx->plat, pa, info, sizeof(*info)), 0);
	tdx_host_free_pages(fx->host, pa, 1);
	return rax;
}

uint64_t loader_seaminfo(struct loader_fixture *fx, unsigned int cpu, struct mcheck_sysinfo *info)
{
	uint64_t pa = alloc_pages(fx, 1);
	uint64_t rax;

	memset(info, 0xA5, sizeof(*info));
	assert_int_equal(pmem_host_write(fx->plat, pa, info, sizeof(*info)), 0);
	rax = loader_seamcall(fx, cpu, SEAMLDR_SEAMINFO, pa);
	assert_int_equal(pmem_host_read(fx->plat, pa, info, sizeof(*info)), 0);
	tdx_host_free_pages(fx->host, pa, 1);
	return rax;
}

uint64_t loader_shutdown(struct loader_fixture *fx, unsigned int cpu)
{
	return loader_seamcall(fx, cpu, SEAMLDR_SHUTDOWN, 0);
}

uint64_t loader_cleanup(struct loader_fixture *fx, unsigned int cpu)
{
	return loader_seamcall(fx, cpu, SEAMLDR_CLEANUP, 0);
}

uint64_t loader_module_seamcall(struct loader_fixture *fx, unsigned int cpu)
{
	return loader_seamcall(fx, cpu, TDH_SYS_RD, 0);
}

/* ---- SEAM-side views ---- */

struct seam_access {
	uint64_t pa;
	void *buf;
	size_t len;
	bool write;
	int ret;
};

static void do_seam_access(struct plat_lp *lp, void *arg)
{
	struct seam_access *r = arg;
	enum lp_mode old = lp_mode(lp);

	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	r->ret = r->write ? pmem_seam_write(lp, r->pa, r->buf, r->len) :
			    pmem_seam_read(lp, r->pa, r->buf, r->len);
	platform_test_set_lp_mode(lp, old);
}

int loader_seam_read(struct loader_fixture *fx, uint64_t pa, void *buf, size_t len)
{
	struct seam_access r = { pa, buf, len, false, -1 };

	assert_int_equal(platform_lp_call(fx->plat, 0, do_seam_access, &r), 0);
	return r.ret;
}

int loader_seam_write(struct loader_fixture *fx, uint64_t pa, const void *buf, size_t len)
{
	struct seam_access r = { pa, (void *)buf, len, true, -1 };

	assert_int_equal(platform_lp_call(fx->plat, 0, do_seam_access, &r), 0);
	return r.ret;
}

uint64_t loader_handoff_pa(struct loader_fixture *fx)
{
	uint32_t max_x2apic = 0;

	for (unsigned int i = 0; i < fx->nr_lps; i++) {
		uint32_t id = lp_x2apic_id(platform_lp(fx->plat, i));

		if (id > max_x2apic)
			max_x2apic = id;
	}
	return platform_seamrr(fx->plat).base + PAGE + ((uint64_t)max_x2apic + 1) * PAGE;
}

void loader_write_handoff(struct loader_fixture *fx, uint8_t valid, uint16_t hv, uint32_t size)
{
	struct loader_handoff h = { .valid = valid, .hv = hv, .size = size };

	assert_int_equal(loader_seam_write(fx, loader_handoff_pa(fx), &h, sizeof(h)), 0);
}

uint64_t loader_update_module(struct loader_fixture *fx, const struct loader_module *mod)
{
	loader_write_handoff(fx, 1, mod->sig.module_hv, 0);
	return loader_install_module(fx, mod, SEAMLDR_SCENARIO_UPDATE);
}

void loader_sha384(const void *data, size_t len, uint8_t out[48])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha384(), NULL), 1);
	assert_int_equal(n, 48);
}

static void seam_digest(struct loader_fixture *fx, uint64_t pa, size_t len, uint8_t out[48])
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	assert_int_equal(loader_seam_read(fx, pa, buf, len), 0);
	loader_sha384(buf, len, out);
	free(buf);
}

#define SNAP_LOW	(1ULL << 20)	/* SYSINFO, VMCSs, data, page tables */
#define SNAP_HIGH	(4ULL << 20)	/* stacks and code below P_SEAMLDR_Range */
#define SNAP_PSEAMLDR	(64ULL << 10)	/* P-SEAMLDR's VMCS and data region */

void loader_snapshot(struct loader_fixture *fx, struct loader_snapshot *s)
{
	struct platform_range rr = platform_seamrr(fx->plat);
	uint64_t pseamldr = rr.base + rr.size - P_SEAMLDR_RANGE_SIZE;
	struct seamldr_info info;

	memset(s, 0, sizeof(*s));
	assert_int_equal(loader_info(fx, 0, &info), SEAMLDR_SUCCESS);
	s->ext = info.seamextend;
	s->num_remaining_updates = info.num_remaining_updates;
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		s->module_rax[cpu] = loader_module_seamcall(fx, cpu);
	seam_digest(fx, rr.base, SNAP_LOW, s->low_digest);
	seam_digest(fx, pseamldr - SNAP_HIGH, SNAP_HIGH, s->high_digest);
	seam_digest(fx, pseamldr, SNAP_PSEAMLDR, s->record_digest);
}

void loader_assert_unchanged(struct loader_fixture *fx, const struct loader_snapshot *s)
{
	struct loader_snapshot now;

	loader_snapshot(fx, &now);
	assert_memory_equal(&now.ext, &s->ext, sizeof(s->ext));
	assert_int_equal(now.num_remaining_updates, s->num_remaining_updates);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_int_equal(now.module_rax[cpu], s->module_rax[cpu]);
	assert_memory_equal(now.low_digest, s->low_digest, 48);
	assert_memory_equal(now.high_digest, s->high_digest, 48);
	assert_memory_equal(now.record_digest, s->record_digest, 48);
}

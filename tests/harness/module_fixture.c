/*
 * Test fixture for the TDX module (see module_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tdxctl/tdxctl.h>

#include "firmware_paths.h"
#include "module_fixture.h"
#include "pmem.h"
#include "tdmr.h"

#define PAGE TDX_PAGE_SIZE

static void fx_fail(const char *what, const struct emu_error *err)
{
	fail_msg("module_fixture: %s: %s", what, err->msg);
}

static void fx_load_identity(struct fx *fx)
{
	struct emu_error err = { 0 };
	struct tdxctl_blob_view v;
	uint8_t *blob = NULL;
	size_t len;

	if (tdxctl_file_read(TDX_FW_MODULE_BLOB, &blob, &len, &err) ||
	    tdxctl_blob_parse(blob, len, &v, &err))
		fx_fail(TDX_FW_MODULE_BLOB, &err);
	assert_true(v.module_len >= sizeof(fx->image));
	memcpy(&fx->image, v.module, sizeof(fx->image));
	memcpy(&fx->sig, v.sigstruct, sizeof(fx->sig));
	free(blob);
}

/* The machine up to an installed, uninitialized module (host_boot_run without tdx_enable). */
static void fx_boot_install_only(struct fx *fx, const struct host_boot_opts *o)
{
	struct host_boot *b = &fx->b;
	struct emu_error err = { 0 };
	uint8_t *acm = NULL;
	size_t acm_len;
	uint64_t np_status;

	memset(b, 0, sizeof(*b));
	if (seam_machine_create(&o->cfg, &b->m, &err))
		fx_fail("seam_machine_create", &err);
	if (seam_machine_firmware(b->m, o->bios, &b->mcheck, &err))
		fx_fail("seam_machine_firmware", &err);
	if (tdx_host_create(b->m->plat, b->m->ldr, NULL, &b->host, &err))
		fx_fail("tdx_host_create", &err);
	if (tdxctl_file_read(o->acm_path, &acm, &acm_len, &err))
		fx_fail(o->acm_path, &err);
	if (tdx_host_launch_np_seamldr(b->host, acm, acm_len, &np_status, &err))
		fx_fail("tdx_host_launch_np_seamldr", &err);
	free(acm);
	if (tdx_host_start_cpus(b->host, &err))
		fx_fail("tdx_host_start_cpus", &err);
	if (host_boot_install(b, o->module_path, SEAMLDR_SCENARIO_LOAD, NULL, &err))
		fx_fail("host_boot_install", &err);
}

struct fx *fx_boot_with(unsigned int lps, unsigned int packages, bool initialize,
			const char *const *overrides)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct host_boot_opts o;
	struct emu_error err = { 0 };
	char kv[64];

	assert_non_null(fx);
	host_boot_defaults(&o);
	o.acm_path = TDX_FW_NP_SEAMLDR_ACM;
	o.module_path = TDX_FW_MODULE_BLOB;
	if (host_boot_vendor_key(&o, TDX_FW_VENDOR_KEY, &err))
		fx_fail("vendor key", &err);
	for (const char *const *ov = overrides; ov && *ov; ov++)
		if (platform_config_set(&o.cfg, *ov, &err))
			fx_fail(*ov, &err);
	/* packages first, so that lps=N splits N over them. */
	snprintf(kv, sizeof(kv), "packages=%u", packages);
	if (platform_config_set(&o.cfg, kv, &err))
		fx_fail(kv, &err);
	snprintf(kv, sizeof(kv), "lps=%u", lps);
	if (platform_config_set(&o.cfg, kv, &err))
		fx_fail(kv, &err);
	fx->cfg = o.cfg;

	if (initialize) {
		if (host_boot_run(&o, &fx->b, &err))
			fx_fail("host_boot_run", &err);
	} else {
		fx_boot_install_only(fx, &o);
	}
	fx->plat = fx->b.m->plat;
	fx->host = fx->b.host;
	fx->nr_lps = platform_nr_lps(fx->plat);
	fx->nr_pkgs = platform_nr_packages(fx->plat);
	fx->initialized = initialize;
	assert_int_equal(fx->nr_lps, lps);
	assert_int_equal(fx->nr_pkgs, packages);
	assert_true(fx->nr_lps <= FX_MAX_LPS);
	fx_load_identity(fx);
	return fx;
}

struct fx *fx_boot(unsigned int lps, unsigned int packages, bool initialize)
{
	return fx_boot_with(lps, packages, initialize, NULL);
}

void fx_destroy(struct fx *fx)
{
	if (!fx)
		return;
	host_boot_teardown(&fx->b);
	free(fx);
}

int fx_teardown(void **state)
{
	fx_destroy(*state);
	*state = NULL;
	return 0;
}

/* ---- SEAMCALL ---- */

uint64_t fx_seamcall(struct fx *fx, unsigned int cpu, struct tdx_module_args *args)
{
	return tdx_host_seamcall(fx->host, cpu, args);
}

uint64_t fx_call(struct fx *fx, unsigned int cpu, uint64_t rax, uint64_t rcx, uint64_t rdx,
		 uint64_t r8)
{
	struct tdx_module_args a = { .rax = rax, .rcx = rcx, .rdx = rdx, .r8 = r8 };

	return fx_seamcall(fx, cpu, &a);
}

unsigned int fx_cpu_of_pkg(struct fx *fx, unsigned int pkg)
{
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		if (lp_package(platform_lp(fx->plat, cpu)) == pkg)
			return cpu;
	fail_msg("no LP in package %u", pkg);
	return 0;
}

/* ---- host pages ---- */

uint64_t fx_alloc_pages(struct fx *fx, uint64_t n)
{
	uint64_t pa = 0;

	if (tdx_host_alloc_pages(fx->host, n, 0, &pa))
		fail_msg("out of host memory for %llu pages", (unsigned long long)n);
	return pa;
}

void fx_free_pages(struct fx *fx, uint64_t pa, uint64_t n)
{
	tdx_host_free_pages(fx->host, pa, n);
}

void fx_write(struct fx *fx, uint64_t pa, const void *buf, size_t len)
{
	if (pmem_host_write(fx->plat, pa, buf, len))
		fail_msg("host write of %zu bytes at 0x%llx failed", len, (unsigned long long)pa);
}

void fx_read(struct fx *fx, uint64_t pa, void *buf, size_t len)
{
	if (pmem_host_read(fx->plat, pa, buf, len))
		fail_msg("host read of %zu bytes at 0x%llx failed", len, (unsigned long long)pa);
}

void fx_fill(struct fx *fx, uint64_t pa, uint8_t byte, size_t len)
{
	uint8_t buf[PAGE];

	memset(buf, byte, sizeof(buf));
	for (size_t off = 0; off < len; off += sizeof(buf))
		fx_write(fx, pa + off, buf, len - off < sizeof(buf) ? len - off : sizeof(buf));
}

bool fx_reads_zero(struct fx *fx, uint64_t pa, size_t len)
{
	uint8_t buf[PAGE];

	for (size_t off = 0; off < len; off += sizeof(buf)) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		fx_read(fx, pa + off, buf, n);
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return false;
	}
	return true;
}

/* ---- metadata ---- */

uint64_t fx_sys_rd(struct fx *fx, unsigned int cpu, uint64_t field, uint64_t *value,
		   uint64_t *next)
{
	struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = field };
	uint64_t st = fx_seamcall(fx, cpu, &a);

	if (value)
		*value = st == TDX_SUCCESS ? a.r8 : 0;
	if (next)
		*next = a.rdx;
	return st;
}

uint64_t fx_sys_rd_ok(struct fx *fx, uint64_t field)
{
	uint64_t v = 0, st = fx_sys_rd(fx, 0, field, &v, NULL);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.SYS.RD 0x%016llx: 0x%016llx", (unsigned long long)field,
			 (unsigned long long)st);
	return v;
}

uint64_t fx_mng_rd(struct fx *fx, uint64_t tdr, uint64_t field, uint64_t *value)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = tdr, .rdx = field };
	uint64_t st = fx_seamcall(fx, 0, &a);

	if (value)
		*value = st == TDX_SUCCESS ? a.r8 : 0;
	return st;
}

uint64_t fx_mng_rd_ok(struct fx *fx, uint64_t tdr, uint64_t field)
{
	uint64_t v = 0, st = fx_mng_rd(fx, tdr, field, &v);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.MNG.RD 0x%016llx of TDR 0x%llx: 0x%016llx", (unsigned long long)field,
			 (unsigned long long)tdr, (unsigned long long)st);
	return v;
}

uint64_t fx_rdmd(struct fx *fx, uint64_t pa, struct fx_rdmd *out)
{
	struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = pa };
	uint64_t st = fx_seamcall(fx, 0, &a);

	memset(out, 0, sizeof(*out));
	if (st == TDX_SUCCESS) {
		out->type = a.rcx;
		out->owner = a.rdx;
		out->size = a.r8;
		out->bepoch = a.r9;
	}
	return st;
}

uint64_t fx_page_type(struct fx *fx, uint64_t pa)
{
	struct fx_rdmd md;
	uint64_t st = fx_rdmd(fx, pa, &md);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.PHYMEM.PAGE.RDMD 0x%llx: 0x%016llx", (unsigned long long)pa,
			 (unsigned long long)st);
	return md.type;
}

/* ---- manual bring-up ---- */

hkid_t fx_global_hkid(const struct fx *fx)
{
	return (hkid_t)(fx->cfg.nr_mktme_keyids + 1);
}

hkid_t fx_first_td_hkid(const struct fx *fx)
{
	return (hkid_t)(fx->cfg.nr_mktme_keyids + 2);
}

hkid_t fx_last_td_hkid(const struct fx *fx)
{
	return (hkid_t)(fx->cfg.nr_mktme_keyids + fx->cfg.nr_tdx_keyids);
}

void fx_sys_init(struct fx *fx)
{
	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SUCCESS);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_status(fx_call(fx, cpu, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);
}

void fx_config_reserve(struct fx_config *c, unsigned int i, uint64_t base, uint64_t size)
{
	struct tdmr_info *t = &c->tdmr[i];
	struct tdmr_reserved_area ra = { base - t->base, size };
	unsigned int n = 0, at;

	while (n < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[n].size)
		n++;
	assert_true(n < TDX_MAX_RESERVED_PER_TDMR);
	for (at = 0; at < n && t->reserved_areas[at].offset < ra.offset; at++)
		;
	memmove(&t->reserved_areas[at + 1], &t->reserved_areas[at],
		(n - at) * sizeof(t->reserved_areas[0]));
	t->reserved_areas[at] = ra;
}

static uint64_t pamt_bytes(uint64_t tdmr_size, unsigned int shift)
{
	return TDX_ALIGN_UP((tdmr_size >> shift) * TDX_PAMT_ENTRY_SIZE, PAGE);
}

void fx_config_hand(struct fx *fx, struct fx_config *c)
{
	const struct platform_config *cfg = &fx->cfg;
	uint64_t total = 0, pa;

	memset(c, 0, sizeof(*c));
	assert_true(cfg->nr_cmrs <= FX_MAX_CONFIG_TDMRS);
	for (unsigned int i = 0; i < cfg->nr_cmrs; i++) {
		uint64_t base = cfg->cmr[i].base & ~(TDX_SZ_1G - 1);
		uint64_t end = TDX_ALIGN_UP(cfg->cmr[i].base + cfg->cmr[i].size, TDX_SZ_1G);
		struct tdmr_info *t = &c->tdmr[c->nr];

		assert_true(!c->nr || base >= c->tdmr[c->nr - 1].base + c->tdmr[c->nr - 1].size);
		t->base = base;
		t->size = end - base;
		t->pamt_4k_size = pamt_bytes(t->size, 12);
		t->pamt_2m_size = pamt_bytes(t->size, 21);
		t->pamt_1g_size = pamt_bytes(t->size, 30);
		total += t->pamt_4k_size + t->pamt_2m_size + t->pamt_1g_size;
		c->nr++;
		if (cfg->cmr[i].base > base)
			fx_config_reserve(c, i, base, cfg->cmr[i].base - base);
		if (cfg->cmr[i].base + cfg->cmr[i].size < end)
			fx_config_reserve(c, i, cfg->cmr[i].base + cfg->cmr[i].size,
					  end - cfg->cmr[i].base - cfg->cmr[i].size);
	}
	c->pamt_pages = total / PAGE;
	c->pamt_pa = fx_alloc_pages(fx, c->pamt_pages);
	pa = c->pamt_pa;
	for (unsigned int i = 0; i < c->nr; i++) {
		struct tdmr_info *t = &c->tdmr[i];

		t->pamt_4k_base = pa;
		pa += t->pamt_4k_size;
		t->pamt_2m_base = pa;
		pa += t->pamt_2m_size;
		t->pamt_1g_base = pa;
		pa += t->pamt_1g_size;
	}
	/* The PAMT block is memory of some TDMR: reserve it there. */
	for (unsigned int i = 0; i < c->nr; i++)
		if (c->pamt_pa >= c->tdmr[i].base &&
		    c->pamt_pa + total <= c->tdmr[i].base + c->tdmr[i].size)
			fx_config_reserve(c, i, c->pamt_pa, total);
	c->stage_pa = fx_alloc_pages(fx, 2);
}

static int builder_alloc(void *arg, uint64_t npages, uint64_t *pa)
{
	return tdx_host_alloc_pages(((struct fx *)arg)->host, npages, 0, pa);
}

static void builder_free(void *arg, uint64_t pa, uint64_t npages)
{
	tdx_host_free_pages(((struct fx *)arg)->host, pa, npages);
}

void fx_config_builder(struct fx *fx, struct fx_config *c)
{
	const struct tdx_sys_info_tdmr info = {
		.max_tdmrs = TDX_MAX_TDMRS,
		.max_reserved_per_tdmr = TDX_MAX_RESERVED_PER_TDMR,
		.pamt_entry_size = { 16, 16, 16 },
	};
	const struct tdmr_pamt_alloc alloc = { builder_alloc, builder_free, fx };
	struct cmr_info cmr[TDX_MAX_CMRS] = { 0 };
	struct emu_error err = { 0 };
	struct tdmr_list l;

	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < fx->cfg.nr_cmrs; i++)
		cmr[i] = (struct cmr_info){ fx->cfg.cmr[i].base, fx->cfg.cmr[i].size };
	if (tdmrs_build(cmr, fx->cfg.nr_cmrs, &info, &alloc, &l, &err))
		fx_fail("tdmrs_build", &err);
	assert_true(l.nr <= FX_MAX_CONFIG_TDMRS);
	memcpy(c->tdmr, l.tdmrs, l.nr * sizeof(*l.tdmrs));
	c->nr = l.nr;
	c->pamt_pages = l.pamt_pages;
	/* The PAMTs now belong to the configuration (the module, once configured). */
	free(l.tdmrs);
	c->stage_pa = fx_alloc_pages(fx, 2);
}

uint64_t fx_config_stage(struct fx *fx, const struct fx_config *c)
{
	uint64_t pas[FX_MAX_CONFIG_TDMRS];

	for (unsigned int i = 0; i < c->nr; i++) {
		pas[i] = c->stage_pa + PAGE + i * TDMR_INFO_ALIGNMENT;
		fx_write(fx, pas[i], &c->tdmr[i], sizeof(c->tdmr[i]));
	}
	fx_fill(fx, c->stage_pa, 0, PAGE);
	if (c->nr)
		fx_write(fx, c->stage_pa, pas, c->nr * sizeof(uint64_t));
	return c->stage_pa;
}

uint64_t fx_sys_config(struct fx *fx, const struct fx_config *c, uint64_t hkid)
{
	uint64_t array = fx_config_stage(fx, c);

	return fx_call(fx, 0, TDH_SYS_CONFIG, array, c->nr, hkid);
}

void fx_key_config_all(struct fx *fx)
{
	for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++)
		assert_status(fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_SYS_KEY_CONFIG, 0, 0, 0),
			      TDX_SUCCESS);
}

void fx_tdmr_init_all(struct fx *fx, const struct fx_config *c)
{
	for (unsigned int i = 0; i < c->nr; i++) {
		const struct tdmr_info *t = &c->tdmr[i];
		uint64_t st;

		do {
			struct tdx_module_args a = { .rax = TDH_SYS_TDMR_INIT, .rcx = t->base };

			st = fx_seamcall(fx, 0, &a);
			if (st != TDX_SUCCESS && st != TDX_TDMR_ALREADY_INITIALIZED)
				fail_msg("TDMR.INIT 0x%llx: 0x%016llx", (unsigned long long)t->base,
					 (unsigned long long)st);
			if (a.rdx >= t->base + t->size)
				break;
		} while (st == TDX_SUCCESS);
	}
}

void fx_manual_init(struct fx *fx, struct fx_config *c)
{
	fx_sys_init(fx);
	fx_config_hand(fx, c);
	assert_status(fx_sys_config(fx, c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	fx_tdmr_init_all(fx, c);
}

/* ---- TDs ---- */

void fx_td_params_default(struct fx_td_params *p)
{
	memset(p, 0, sizeof(*p));
	p->attributes = 0;
	p->xfam = 3;
	p->max_vcpus = 1;
	p->eptp_controls = 0x1E;
	p->config_flags = 0;
	p->tsc_frequency = 100;
}

int fx_hkid_alloc(struct fx *fx, hkid_t *hkid)
{
	if (fx->initialized)
		return tdx_host_hkid_alloc(fx->host, hkid);
	for (hkid_t k = fx_first_td_hkid(fx); k <= fx_last_td_hkid(fx) && k - fx_first_td_hkid(fx) < 64; k++) {
		uint64_t bit = 1ULL << (k - fx_first_td_hkid(fx));

		if (!(fx->hkid_used & bit)) {
			fx->hkid_used |= bit;
			*hkid = k;
			return 0;
		}
	}
	return -1;
}

void fx_hkid_free(struct fx *fx, hkid_t hkid)
{
	if (fx->initialized)
		tdx_host_hkid_free(fx->host, hkid);
	else if (hkid >= fx_first_td_hkid(fx) && hkid - fx_first_td_hkid(fx) < 64)
		fx->hkid_used &= ~(1ULL << (hkid - fx_first_td_hkid(fx)));
}

void fx_td_alloc(struct fx *fx, struct fx_td *td)
{
	memset(td, 0, sizeof(*td));
	td->tdr = fx_alloc_page(fx);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		td->tdcx[i] = fx_alloc_page(fx);
	td->params_pa = fx_alloc_page(fx);
	if (fx_hkid_alloc(fx, &td->hkid))
		fail_msg("no free HKID");
}

void fx_td_mng_create(struct fx *fx, struct fx_td *td)
{
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, td->tdr, td->hkid, 0), TDX_SUCCESS);
}

void fx_td_key_config(struct fx *fx, struct fx_td *td)
{
	for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++)
		assert_status(fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_MNG_KEY_CONFIG, td->tdr, 0, 0),
			      TDX_SUCCESS);
}

void fx_td_addcx(struct fx *fx, struct fx_td *td, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_true(td->nr_tdcx < FX_TDCS_PAGES);
		assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, td->tdcx[td->nr_tdcx], td->tdr, 0),
			      TDX_SUCCESS);
		td->nr_tdcx++;
	}
}

uint64_t fx_td_init(struct fx *fx, struct fx_td *td, const struct fx_td_params *p,
		    struct tdx_module_args *out)
{
	struct fx_td_params def;
	struct tdx_module_args a = { .rax = TDH_MNG_INIT, .rcx = td->tdr, .rdx = td->params_pa };
	uint64_t st;

	if (!p) {
		fx_td_params_default(&def);
		p = &def;
	}
	fx_write(fx, td->params_pa, p, sizeof(*p));
	st = fx_seamcall(fx, 0, &a);
	if (out)
		*out = a;
	return st;
}

void fx_create_td(struct fx *fx, struct fx_td *td)
{
	fx_td_alloc(fx, td);
	fx_td_mng_create(fx, td);
	fx_td_key_config(fx, td);
	fx_td_addcx(fx, td, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, td, NULL, NULL), TDX_SUCCESS);
}

static void fx_reclaim(struct fx *fx, uint64_t pa)
{
	struct fx_rdmd md;

	if (fx_rdmd(fx, pa, &md) == TDX_SUCCESS && md.type == PT_NDA)
		return;		/* the test reclaimed it already */
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, pa, 0, 0), TDX_SUCCESS);
}

void fx_teardown_td(struct fx *fx, struct fx_td *td)
{
	uint64_t life = FX_TD_TEARDOWN;

	/* The test may have reclaimed the TDR already: then only the host side is left. */
	if (fx_page_type(fx, td->tdr) == PT_TDR)
		life = fx_mng_rd_ok(fx, td->tdr, FX_TD_LIFECYCLE_STATE);
	if (life == FX_TD_HKID_ASSIGNED || life == FX_TD_KEYS_CONFIGURED) {
		assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0), TDX_SUCCESS);
		life = FX_TD_BLOCKED;
	}
	if (life == FX_TD_BLOCKED) {
		for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++) {
			uint64_t st = fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_PHYMEM_CACHE_WB, 0, 0, 0);

			if (st != TDX_SUCCESS && st != TDX_NO_HKID_READY_TO_WBCACHE)
				fail_msg("CACHE.WB on package %u: 0x%016llx", pkg, (unsigned long long)st);
		}
		assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td->tdr, 0, 0), TDX_SUCCESS);
	}
	for (unsigned int i = 0; i < td->nr_tdcx; i++)
		fx_reclaim(fx, td->tdcx[i]);
	fx_reclaim(fx, td->tdr);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_int_equal(fx_page_type(fx, td->tdcx[i]), PT_NDA);
	assert_int_equal(fx_page_type(fx, td->tdr), PT_NDA);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		assert_int_equal(pmem_host_movdir64b(fx->plat, td->tdcx[i], PAGE), 0);
		fx_free_pages(fx, td->tdcx[i], 1);
	}
	assert_int_equal(pmem_host_movdir64b(fx->plat, td->tdr, PAGE), 0);
	fx_free_pages(fx, td->tdr, 1);
	fx_free_pages(fx, td->params_pa, 1);
	fx_hkid_free(fx, td->hkid);
	memset(td, 0, sizeof(*td));
}

/* ---- snapshot ---- */

static const uint64_t snap_td_fields[FX_SNAP_TD_FIELDS] = {
	FX_TD_LIFECYCLE_STATE, FX_TD_OP_STATE, FX_TD_NUM_TDCX,
	FX_TD_CHLDCNT, FX_TD_HKID, FX_TD_PKG_CONFIG_BITMAP,
};
static const char *const snap_td_names[FX_SNAP_TD_FIELDS] = {
	"LIFECYCLE_STATE", "OP_STATE", "NUM_TDCX", "CHLDCNT", "HKID", "PKG_CONFIG_BITMAP",
};
static const uint64_t snap_sys_fields[FX_SNAP_SYS_FIELDS] = {
	MD_SYS_VENDOR_ID, MD_SYS_MAJOR_VERSION, MD_SYS_MINOR_VERSION, MD_SYS_NUM_PKGS,
	MD_SYS_NUM_CMRS, MD_SYS_MAX_TDMRS, MD_SYS_TDCS_BASE_SIZE, MD_SYS_BUILD_DATE,
};

static void take(struct fx *fx, struct fx_snapshot *s)
{
	struct fx_sys_probe *p = &s->sys;

	p->config_rdx0 = fx_call(fx, 0, TDH_SYS_CONFIG, 0, 0, 0);
	p->tdmr_init_1 = fx_call(fx, 0, TDH_SYS_TDMR_INIT, 1, 0, 0);
	p->cache_wb_rcx2 = fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 2, 0, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		p->lp_rd[cpu] = fx_sys_rd(fx, cpu, MD_SYS_VENDOR_ID, NULL, NULL);
	for (unsigned int i = 0; i < FX_SNAP_SYS_FIELDS; i++)
		p->st[i] = fx_sys_rd(fx, 0, snap_sys_fields[i], &p->val[i], NULL);
	for (unsigned int i = 0; i < s->nr_pages; i++)
		s->page_st[i] = fx_rdmd(fx, s->pa[i], &s->page[i]);
	for (unsigned int t = 0; t < s->nr_tds; t++)
		for (unsigned int f = 0; f < FX_SNAP_TD_FIELDS; f++)
			s->td_st[t][f] = fx_mng_rd(fx, s->tdr[t], snap_td_fields[f], &s->td_val[t][f]);
}

void fx_snapshot(struct fx *fx, struct fx_snapshot *s, const uint64_t *pas, unsigned int nr_pas,
		 const uint64_t *tdrs, unsigned int nr_tds)
{
	memset(s, 0, sizeof(*s));
	assert_true(nr_pas <= FX_SNAP_MAX_PAGES && nr_tds <= FX_SNAP_MAX_TDS);
	s->nr_pages = nr_pas;
	if (nr_pas)
		memcpy(s->pa, pas, nr_pas * sizeof(*pas));
	s->nr_tds = nr_tds;
	if (nr_tds)
		memcpy(s->tdr, tdrs, nr_tds * sizeof(*tdrs));
	take(fx, s);
}

void fx_snapshot_td(struct fx *fx, struct fx_snapshot *s, const struct fx_td *td,
		    const uint64_t *extra, unsigned int nr_extra)
{
	uint64_t pas[FX_SNAP_MAX_PAGES];
	unsigned int n = 0;

	if (td) {
		pas[n++] = td->tdr;
		for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
			pas[n++] = td->tdcx[i];
	}
	assert_true(n + nr_extra <= FX_SNAP_MAX_PAGES);
	for (unsigned int i = 0; i < nr_extra; i++)
		pas[n++] = extra[i];
	fx_snapshot(fx, s, pas, n, td ? &td->tdr : NULL, td ? 1 : 0);
}

#define DIFF(cond, ...)						\
	do {							\
		if (cond) {					\
			print_error(__VA_ARGS__);		\
			changed++;				\
		}						\
	} while (0)

void fx_assert_unchanged(struct fx *fx, const struct fx_snapshot *s)
{
	struct fx_snapshot now = *s;
	const struct fx_sys_probe *a = &s->sys, *b = &now.sys;
	unsigned int changed = 0;

	take(fx, &now);
	DIFF(a->config_rdx0 != b->config_rdx0, "SYS.CONFIG(RDX=0) probe 0x%llx -> 0x%llx\n",
	     (unsigned long long)a->config_rdx0, (unsigned long long)b->config_rdx0);
	DIFF(a->tdmr_init_1 != b->tdmr_init_1, "TDMR.INIT(1) probe 0x%llx -> 0x%llx\n",
	     (unsigned long long)a->tdmr_init_1, (unsigned long long)b->tdmr_init_1);
	DIFF(a->cache_wb_rcx2 != b->cache_wb_rcx2, "CACHE.WB(2) probe 0x%llx -> 0x%llx\n",
	     (unsigned long long)a->cache_wb_rcx2, (unsigned long long)b->cache_wb_rcx2);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		DIFF(a->lp_rd[cpu] != b->lp_rd[cpu], "SYS.RD on CPU %u: 0x%llx -> 0x%llx\n", cpu,
		     (unsigned long long)a->lp_rd[cpu], (unsigned long long)b->lp_rd[cpu]);
	for (unsigned int i = 0; i < FX_SNAP_SYS_FIELDS; i++)
		DIFF(a->st[i] != b->st[i] || a->val[i] != b->val[i],
		     "SYS field 0x%016llx: 0x%llx/0x%llx -> 0x%llx/0x%llx\n",
		     (unsigned long long)snap_sys_fields[i], (unsigned long long)a->st[i],
		     (unsigned long long)a->val[i], (unsigned long long)b->st[i],
		     (unsigned long long)b->val[i]);
	for (unsigned int i = 0; i < s->nr_pages; i++)
		DIFF(s->page_st[i] != now.page_st[i] || memcmp(&s->page[i], &now.page[i], sizeof(s->page[i])),
		     "page 0x%llx: RDMD 0x%llx type %llu owner 0x%llx size %llu -> 0x%llx type %llu owner 0x%llx size %llu\n",
		     (unsigned long long)s->pa[i], (unsigned long long)s->page_st[i],
		     (unsigned long long)s->page[i].type, (unsigned long long)s->page[i].owner,
		     (unsigned long long)s->page[i].size, (unsigned long long)now.page_st[i],
		     (unsigned long long)now.page[i].type, (unsigned long long)now.page[i].owner,
		     (unsigned long long)now.page[i].size);
	for (unsigned int t = 0; t < s->nr_tds; t++)
		for (unsigned int f = 0; f < FX_SNAP_TD_FIELDS; f++)
			DIFF(s->td_st[t][f] != now.td_st[t][f] || s->td_val[t][f] != now.td_val[t][f],
			     "TD 0x%llx %s: 0x%llx/%llu -> 0x%llx/%llu\n", (unsigned long long)s->tdr[t],
			     snap_td_names[f], (unsigned long long)s->td_st[t][f],
			     (unsigned long long)s->td_val[t][f], (unsigned long long)now.td_st[t][f],
			     (unsigned long long)now.td_val[t][f]);
	if (changed)
		fail_msg("%u observable item(s) of the module state changed", changed);
}

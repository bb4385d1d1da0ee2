/*
 * The malicious-host suite's machine, TD builder and observation snapshot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firmware_paths.h"
#include "mh.h"
#include "platform.h"
#include "tdx_host.h"

/* ---- machine ---- */

struct mh *mh_boot_with(const char *const *overrides)
{
	struct host_boot_opts o;
	struct emu_error err = { 0 };
	struct mh *mh = calloc(1, sizeof(*mh));

	assert_non_null(mh);
	host_boot_defaults(&o);
	o.acm_path = TDX_FW_NP_SEAMLDR_ACM;
	o.module_path = TDX_FW_MODULE_BLOB;
	for (; overrides && *overrides; overrides++)
		if (platform_config_set(&o.cfg, *overrides, &err))
			fail_msg("%s: %s", *overrides, err.msg);
	if (host_boot_vendor_key(&o, TDX_FW_VENDOR_KEY, &err))
		fail_msg("vendor key: %s", err.msg);
	if (host_boot_run(&o, &mh->b, &err)) {
		host_boot_teardown(&mh->b);
		free(mh);
		fail_msg("host boot: %s", err.msg);
	}
	mh->host = mh->b.host;
	mh->plat = mh->b.m->plat;
	mh->nr_lps = platform_nr_lps(mh->plat);
	mh->nr_pkgs = platform_nr_packages(mh->plat);
	mh->pa_bits = platform_pa_bits(mh->plat);
	mh->global_hkid = tdx_host_global_keyid(mh->host);
	mh->seamrr = platform_seamrr(mh->plat);
	assert_non_null(tdx_host_module_info(mh->host));
	return mh;
}

struct mh *mh_boot(void)
{
	return mh_boot_with(NULL);
}

void mh_destroy(struct mh *mh)
{
	if (!mh)
		return;
	host_boot_teardown(&mh->b);
	free(mh);
}

int mh_teardown(void **state)
{
	mh_destroy(*state);
	*state = NULL;
	return 0;
}

/* ---- SEAMCALL ---- */

uint64_t mh_sc(struct mh *mh, unsigned int cpu, struct tdx_module_args *a)
{
	return tdx_host_seamcall(mh->host, cpu, a);
}

uint64_t mh_call_out(struct mh *mh, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		     uint64_t r9, struct tdx_module_args *out)
{
	struct tdx_module_args a = { .rax = leaf, .rcx = rcx, .rdx = rdx, .r8 = r8, .r9 = r9 };
	uint64_t st = mh_sc(mh, 0, &a);

	if (out)
		*out = a;
	return st;
}

uint64_t mh_call(struct mh *mh, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 uint64_t r9)
{
	return mh_call_out(mh, leaf, rcx, rdx, r8, r9, NULL);
}

unsigned int mh_cpu_of_pkg(struct mh *mh, unsigned int pkg)
{
	for (unsigned int cpu = 0; cpu < mh->nr_lps; cpu++)
		if (lp_package(platform_lp(mh->plat, cpu)) == pkg)
			return cpu;
	fail_msg("no LP in package %u", pkg);
	return 0;
}

/* ---- host memory ---- */

uint64_t mh_pages(struct mh *mh, uint64_t n)
{
	uint64_t pa = 0;

	if (tdx_host_alloc_pages(mh->host, n, 0, &pa))
		fail_msg("out of host pages (%llu)", (unsigned long long)n);
	/* Start from zeros, whatever a previous owner left (direct stores). */
	if (pmem_host_movdir64b(mh->plat, pa, n * MH_PAGE))
		fail_msg("MOVDIR64B of fresh pages at 0x%llx failed", (unsigned long long)pa);
	return pa;
}

uint64_t mh_pages_aligned(struct mh *mh, uint64_t n, uint64_t align)
{
	uint64_t pa = mh_pages(mh, n + align / MH_PAGE);

	return TDX_ALIGN_UP(pa, align);
}

void mh_write(struct mh *mh, uint64_t pa, const void *buf, size_t len)
{
	if (pmem_host_write(mh->plat, pa, buf, len))
		fail_msg("host write of 0x%llx failed", (unsigned long long)pa);
}

void mh_read(struct mh *mh, uint64_t pa, void *buf, size_t len)
{
	if (pmem_host_read(mh->plat, pa, buf, len))
		fail_msg("host read of 0x%llx failed", (unsigned long long)pa);
}

bool mh_host_reads_zero(struct mh *mh, uint64_t pa, size_t len)
{
	uint8_t buf[MH_PAGE];

	for (size_t off = 0; off < len; off += MH_PAGE) {
		size_t n = len - off < MH_PAGE ? len - off : MH_PAGE;

		mh_read(mh, pa + off, buf, n);
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return false;
	}
	return true;
}

void mh_pattern(uint8_t seed, unsigned int i, uint8_t out[MH_PAGE])
{
	for (unsigned int k = 0; k < MH_PAGE; k++)
		out[k] = (uint8_t)(0x5A ^ (seed * 37) ^ (i * 11) ^ (k * 7) ^ (k >> 8));
	out[0] = (uint8_t)(seed | 0x80);	/* never an all-zero line */
}

uint64_t mh_pa_keyid(const struct mh *mh, uint64_t pa, hkid_t keyid)
{
	return pmem_pa_with_keyid(mh->plat, pa, keyid);
}

hkid_t mh_hkid(struct mh *mh)
{
	hkid_t h = 0;

	if (tdx_host_hkid_alloc(mh->host, &h))
		fail_msg("no free HKID");
	return h;
}

uint64_t mh_pamt_4k_base(struct mh *mh)
{
	for (uint64_t pa = 16ULL << 20; pa < (1ULL << 31); pa += MH_PAGE) {
		struct mh_rdmd md;

		if (mh_rdmd(mh, pa, &md) == TDX_SUCCESS && md.type == PT_RSVD)
			return pa;
	}
	fail_msg("no PT_RSVD page above 16 MiB: cannot locate the PAMT");
	return 0;
}

uint64_t mh_pamt_4k_entry(struct mh *mh, uint64_t pa)
{
	assert_true(pa < (1ULL << 31));	/* the first TDMR: [0, 2 GiB) by default */
	return mh_pamt_4k_base(mh) + (pa >> TDX_PAGE_SHIFT) * TDX_PAMT_ENTRY_SIZE;
}

/* ---- metadata reads ---- */

uint64_t mh_rdmd(struct mh *mh, uint64_t pa, struct mh_rdmd *out)
{
	struct tdx_module_args a;
	uint64_t st = mh_call_out(mh, TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, 0, &a);

	if (out) {
		memset(out, 0, sizeof(*out));
		if (st == TDX_SUCCESS)
			*out = (struct mh_rdmd){ a.rcx, a.rdx, a.r8, a.r9 };
	}
	return st;
}

uint64_t mh_page_type(struct mh *mh, uint64_t pa)
{
	struct mh_rdmd md;

	assert_status(mh_rdmd(mh, pa, &md), TDX_SUCCESS);
	return md.type;
}

uint64_t mh_mng_rd(struct mh *mh, uint64_t tdr, uint64_t field, uint64_t *value)
{
	struct tdx_module_args a;
	uint64_t st = mh_call_out(mh, TDH_MNG_RD, tdr, field, 0, 0, &a);

	if (value)
		*value = st == TDX_SUCCESS ? a.r8 : 0;
	return st;
}

uint64_t mh_td_field(struct mh *mh, uint64_t tdr, uint64_t field)
{
	uint64_t v;

	assert_status(mh_mng_rd(mh, tdr, field, &v), TDX_SUCCESS);
	return v;
}

uint64_t mh_sept_rd(struct mh *mh, uint64_t tdr, uint64_t gpa_lvl, uint64_t *entry,
		    uint64_t *info)
{
	struct tdx_module_args a;
	uint64_t st = mh_call_out(mh, TDH_MEM_SEPT_RD, gpa_lvl, tdr, 0, 0, &a);

	if (entry)
		*entry = a.rcx;
	if (info)
		*info = a.rdx;
	return st;
}

unsigned int mh_sept_state(struct mh *mh, uint64_t tdr, uint64_t gpa_lvl)
{
	uint64_t entry, info;

	assert_status(mh_sept_rd(mh, tdr, gpa_lvl, &entry, &info), TDX_SUCCESS);
	return (unsigned int)((info >> 8) & 0xFF);
}

/* ---- TDs ---- */

void mh_td_alloc(struct mh *mh, struct mh_td *td, uint8_t seed)
{
	memset(td, 0, sizeof(*td));
	td->seed = seed;
	td->hkid = mh_hkid(mh);
	td->tdr = mh_page(mh);
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++)
		td->tdcx[i] = mh_page(mh);
	td->params = mh_page(mh);
	td->src = mh_page(mh);
}

void mh_td_create(struct mh *mh, struct mh_td *td)
{
	assert_status(mh_call(mh, TDH_MNG_CREATE, td->tdr, td->hkid, 0, 0), TDX_SUCCESS);
	for (unsigned int pkg = 0; pkg < mh->nr_pkgs; pkg++) {
		struct tdx_module_args a = { .rax = TDH_MNG_KEY_CONFIG, .rcx = td->tdr };

		assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, pkg), &a), TDX_SUCCESS);
	}
}

void mh_td_addcx(struct mh *mh, struct mh_td *td, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_true(td->nr_tdcx < MH_TDCX_PAGES);
		assert_status(mh_call(mh, TDH_MNG_ADDCX, td->tdcx[td->nr_tdcx], td->tdr, 0, 0),
			      TDX_SUCCESS);
		td->nr_tdcx++;
	}
}

void mh_td_write_params(struct mh *mh, uint64_t pa, uint64_t attributes)
{
	struct td_params p;

	memset(&p, 0, sizeof(p));
	p.attributes = attributes;
	p.xfam = 3;
	p.max_vcpus = 1;
	p.eptp_controls = TD_EPTP_CONTROLS_4LEVEL;
	p.config_flags = CONFIG_FLAGS_NO_RBP_MOD;
	p.tsc_frequency = 100;
	mh_write(mh, pa, &p, sizeof(p));
}

void mh_td_init(struct mh *mh, struct mh_td *td, uint64_t attributes)
{
	td->attributes = attributes;
	mh_td_write_params(mh, td->params, attributes);
	assert_status(mh_call(mh, TDH_MNG_INIT, td->tdr, td->params, 0, 0), TDX_SUCCESS);
}

void mh_td_map_gpa0(struct mh *mh, struct mh_td *td)
{
	for (unsigned int level = 3; level >= 1; level--) {
		uint64_t page = mh_page(mh);

		assert_status(mh_call(mh, TDH_MEM_SEPT_ADD, level, td->tdr, page, 0), TDX_SUCCESS);
		td->sept[td->nr_sept++] = page;
	}
}

void mh_td_add_pages(struct mh *mh, struct mh_td *td, unsigned int n)
{
	uint8_t buf[MH_PAGE];

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = td->nr_pages;
		uint64_t page = mh_page(mh);

		assert_true(i < MH_MAX_TD_PAGES);
		mh_pattern(td->seed, i, buf);
		mh_write(mh, td->src, buf, sizeof(buf));
		assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, (uint64_t)i * MH_PAGE, td->tdr, page,
				      td->src), TDX_SUCCESS);
		td->page[td->nr_pages++] = page;
	}
}

void mh_td_build(struct mh *mh, struct mh_td *td, uint8_t seed, uint64_t attributes,
		 unsigned int npages)
{
	mh_td_alloc(mh, td, seed);
	mh_td_create(mh, td);
	mh_td_addcx(mh, td, MH_TDCX_PAGES);
	mh_td_init(mh, td, attributes);
	mh_td_map_gpa0(mh, td);
	mh_td_add_pages(mh, td, npages);
}

void mh_td_vpflushdone(struct mh *mh, struct mh_td *td)
{
	assert_status(mh_call(mh, TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0, 0), TDX_SUCCESS);
}

void mh_cache_wb_all(struct mh *mh)
{
	for (unsigned int pkg = 0; pkg < mh->nr_pkgs; pkg++) {
		struct tdx_module_args a = { .rax = TDH_PHYMEM_CACHE_WB, .rcx = 0 };
		uint64_t st = mh_sc(mh, mh_cpu_of_pkg(mh, pkg), &a);

		if (st != TDX_SUCCESS && st != TDX_NO_HKID_READY_TO_WBCACHE)
			fail_msg("CACHE.WB on package %u: 0x%016llx", pkg, (unsigned long long)st);
	}
}

void mh_td_freeid(struct mh *mh, struct mh_td *td)
{
	assert_status(mh_call(mh, TDH_MNG_KEY_FREEID, td->tdr, 0, 0, 0), TDX_SUCCESS);
}

void mh_td_reclaim_children(struct mh *mh, struct mh_td *td)
{
	for (unsigned int i = 0; i < td->nr_pages; i++)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, td->page[i], 0, 0, 0), TDX_SUCCESS);
	for (unsigned int i = td->nr_sept; i-- > 0;)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, td->sept[i], 0, 0, 0), TDX_SUCCESS);
	for (unsigned int i = 0; i < td->nr_tdcx; i++)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, td->tdcx[i], 0, 0, 0), TDX_SUCCESS);
}

/* ---- snapshot ---- */

static const uint64_t snap_fields[MH_SNAP_FIELDS] = {
	MH_TD_LIFECYCLE_STATE, MH_TD_OP_STATE, MH_TD_CHLDCNT, MH_TD_NUM_TDCX,
	MH_TD_HKID, MH_TD_PKG_CONFIG_BITMAP, MH_TD_EPOCH, MH_TD_FATAL,
};
static const char *const snap_field_names[MH_SNAP_FIELDS] = {
	"LIFECYCLE_STATE", "OP_STATE", "CHLDCNT", "NUM_TDCX", "HKID", "PKG_CONFIG_BITMAP",
	"TD_EPOCH", "FATAL",
};
#define SNAP_FATAL_INDEX 7

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001B3ULL;
	}
	return h;
}

void mh_snap_init(struct mh_snap *s)
{
	memset(s, 0, sizeof(*s));
}

void mh_snap_page(struct mh_snap *s, uint64_t pa, bool ciphertext)
{
	for (unsigned int i = 0; i < s->np; i++) {
		if (s->pa[i] == pa) {
			s->ct[i] |= ciphertext;
			return;
		}
	}
	assert_true(s->np < MH_SNAP_PAGES);
	s->pa[s->np] = pa;
	s->ct[s->np] = ciphertext;
	s->np++;
}

void mh_snap_gpa(struct mh_snap *s, uint64_t tdr, uint64_t gpa_lvl)
{
	assert_true(s->ng < MH_SNAP_GPAS);
	s->g_tdr[s->ng] = tdr;
	s->g_gpa[s->ng] = gpa_lvl;
	s->ng++;
}

void mh_snap_tdr(struct mh_snap *s, uint64_t tdr)
{
	for (unsigned int i = 0; i < s->nt; i++)
		if (s->tdr[i] == tdr)
			return;
	assert_true(s->nt < MH_SNAP_TDS);
	s->tdr[s->nt++] = tdr;
}

void mh_snap_td(struct mh_snap *s, const struct mh_td *td)
{
	mh_snap_tdr(s, td->tdr);
	mh_snap_page(s, td->tdr, false);
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++)
		mh_snap_page(s, td->tdcx[i], false);
	for (unsigned int i = 0; i < td->nr_sept; i++)
		mh_snap_page(s, td->sept[i], false);
	for (unsigned int i = 0; i < td->nr_pages; i++) {
		mh_snap_page(s, td->page[i], true);
		mh_snap_gpa(s, td->tdr, (uint64_t)i * MH_PAGE);
	}
	if (td->nr_sept) {
		mh_snap_gpa(s, td->tdr, 0 | 1);
		mh_snap_gpa(s, td->tdr, 0 | 2);
		mh_snap_gpa(s, td->tdr, (uint64_t)td->nr_pages * MH_PAGE);	/* the next free one */
	}
}

static void observe_page(struct mh *mh, uint64_t pa, bool ct, struct mh_page_obs *o)
{
	uint8_t buf[MH_PAGE];

	memset(o, 0, sizeof(*o));
	o->st = mh_rdmd(mh, pa, &o->md);
	o->host_rc = pmem_host_read(mh->plat, pa, buf, sizeof(buf));
	o->host_digest = fnv(0xCBF29CE484222325ULL, buf, sizeof(buf));
	o->meta_digest = 0xCBF29CE484222325ULL;
	for (uint64_t off = 0; off < MH_PAGE; off += TDX_CACHELINE_SIZE) {
		struct pmem_line_info li;
		uint64_t m[4];

		if (pmem_line_info(mh->plat, pa + off, &li)) {
			o->meta_digest = 0;
			break;
		}
		m[0] = li.keyid;
		m[1] = li.key_gen;
		m[2] = li.td_owner;
		m[3] = li.poison;
		o->meta_digest = fnv(o->meta_digest, m, sizeof(m));
	}
	if (ct) {
		if (pmem_attacker_read(mh->plat, pa, buf, sizeof(buf)))
			memset(buf, 0xEE, sizeof(buf));
		o->ct_digest = fnv(0xCBF29CE484222325ULL, buf, sizeof(buf));
	}
}

void mh_snap_take(struct mh *mh, struct mh_snap *s)
{
	/* Pages and SEPT entries first: a poisoned SEPT page may set FATAL. */
	for (unsigned int i = 0; i < s->np; i++)
		observe_page(mh, s->pa[i], s->ct[i], &s->page[i]);
	for (unsigned int i = 0; i < s->ng; i++)
		s->g_st[i] = mh_sept_rd(mh, s->g_tdr[i], s->g_gpa[i], &s->g_rcx[i], &s->g_rdx[i]);
	for (unsigned int t = 0; t < s->nt; t++)
		for (unsigned int f = 0; f < MH_SNAP_FIELDS; f++)
			s->td_st[t][f] = mh_mng_rd(mh, s->tdr[t], snap_fields[f], &s->td_val[t][f]);
}

#define ULL(x) ((unsigned long long)(x))

/*
 * A snapshot's own SEPT.RD that finds corrupted metadata makes the TD fatal
 * (the module's rule), so the next snapshot reads TDX_TD_FATAL where this one
 * read TDX_NON_RECOVERABLE_TD_CORRUPTED_MD: both say "this TD is dead".
 */
static uint64_t snap_status(uint64_t st)
{
	return st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD ? TDX_TD_FATAL : st;
}

bool mh_snap_diff(const struct mh_snap *a, const struct mh_snap *b, bool ignore_fatal,
		  char *msg, size_t len)
{
	for (unsigned int i = 0; i < a->np; i++) {
		const struct mh_page_obs *x = &a->page[i], *y = &b->page[i];

		if (x->st != y->st || memcmp(&x->md, &y->md, sizeof(x->md))) {
			snprintf(msg, len, "page 0x%llx: RDMD 0x%llx type %llu owner 0x%llx size %llu "
				 "bepoch %llu -> 0x%llx type %llu owner 0x%llx size %llu bepoch %llu",
				 ULL(a->pa[i]), ULL(x->st), ULL(x->md.type), ULL(x->md.owner),
				 ULL(x->md.size), ULL(x->md.bepoch), ULL(y->st), ULL(y->md.type),
				 ULL(y->md.owner), ULL(y->md.size), ULL(y->md.bepoch));
			return true;
		}
		if (x->host_rc != y->host_rc || x->host_digest != y->host_digest) {
			snprintf(msg, len, "page 0x%llx: host view changed", ULL(a->pa[i]));
			return true;
		}
		if (x->meta_digest != y->meta_digest) {
			snprintf(msg, len, "page 0x%llx: line metadata (KeyID/TD bit/poison) changed",
				 ULL(a->pa[i]));
			return true;
		}
		if (x->ct_digest != y->ct_digest) {
			snprintf(msg, len, "page 0x%llx: ciphertext (attacker view) changed",
				 ULL(a->pa[i]));
			return true;
		}
	}
	for (unsigned int i = 0; i < a->ng; i++) {
		if (snap_status(a->g_st[i]) != snap_status(b->g_st[i]) || a->g_rcx[i] != b->g_rcx[i] ||
		    a->g_rdx[i] != b->g_rdx[i]) {
			snprintf(msg, len, "SEPT.RD(TDR 0x%llx, gpa+lvl 0x%llx): 0x%llx entry 0x%llx "
				 "info 0x%llx -> 0x%llx entry 0x%llx info 0x%llx", ULL(a->g_tdr[i]),
				 ULL(a->g_gpa[i]), ULL(a->g_st[i]), ULL(a->g_rcx[i]), ULL(a->g_rdx[i]),
				 ULL(b->g_st[i]), ULL(b->g_rcx[i]), ULL(b->g_rdx[i]));
			return true;
		}
	}
	for (unsigned int t = 0; t < a->nt; t++) {
		for (unsigned int f = 0; f < MH_SNAP_FIELDS; f++) {
			if (ignore_fatal && f == SNAP_FATAL_INDEX)
				continue;
			if (snap_status(a->td_st[t][f]) != snap_status(b->td_st[t][f]) ||
			    a->td_val[t][f] != b->td_val[t][f]) {
				snprintf(msg, len, "TD 0x%llx %s: 0x%llx (status 0x%llx) -> 0x%llx "
					 "(status 0x%llx)", ULL(a->tdr[t]), snap_field_names[f],
					 ULL(a->td_val[t][f]), ULL(a->td_st[t][f]),
					 ULL(b->td_val[t][f]), ULL(b->td_st[t][f]));
				return true;
			}
		}
	}
	return false;
}

void mh_assert_unchanged(struct mh *mh, const struct mh_snap *s)
{
	struct mh_snap *now = malloc(sizeof(*now));
	char msg[512];

	assert_non_null(now);
	*now = *s;
	mh_snap_take(mh, now);
	if (mh_snap_diff(s, now, false, msg, sizeof(msg))) {
		free(now);
		fail_msg("state changed by a refused call: %s", msg);
	}
	free(now);
}

/*
 * Malicious host: HKIDs, keys and teardown order.  HKID reuse before the
 * flush completes, FREEID without CACHE.WB on every package, re-keying or
 * growing a TD whose teardown has started, reclaiming pages of a live TD
 * or the TDR before its children, WBINVD of live pages, and what a
 * reclaimed page shows the host before it is cleared (reference
 * tdx-abi.md 1.3 MNG/PHYMEM, 1.5 teardown, 4.9 lifecycle and KOT).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mh.h"

#define GPA_FREE	0x10000ULL

static const char *const two_packages[] = { "packages=2", "lps-per-package=1", NULL };

/* Refused because the TD's lifecycle is not KEYS_CONFIGURED (reference 3.3). */
static void assert_lifecycle_refusal(uint64_t st, const char *what)
{
	if (!tdx_status_code_eq(st, TDX_TD_KEYS_NOT_CONFIGURED) &&
	    !tdx_status_code_eq(st, TDX_LIFECYCLE_STATE_INCORRECT))
		fail_msg("%s: status 0x%016llx, expected TDX_TD_KEYS_NOT_CONFIGURED or "
			 "TDX_LIFECYCLE_STATE_INCORRECT", what, (unsigned long long)st);
}

static void test_mng_create_with_live_hkid(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a, c;
	uint64_t p1 = mh_page(mh), p2 = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_alloc(mh, &c, 3);
	mh_td_create(mh, &c);	/* HKID_ASSIGNED..KEYS_CONFIGURED, uninitialized */
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_td(&s, &c);
	mh_snap_page(&s, p1, false);
	mh_snap_page(&s, p2, false);
	mh_snap_take(mh, &s);
	/* Two TDs sharing one HKID would share one key. */
	assert_status_code(mh_call(mh, TDH_MNG_CREATE, p1, a.hkid, 0, 0), TDX_HKID_NOT_FREE);
	assert_status_code(mh_call(mh, TDH_MNG_CREATE, p2, c.hkid, 0, 0), TDX_HKID_NOT_FREE);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_create_hkid_after_vpflushdone_before_freeid(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	uint64_t page = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);
	/* KOT FLUSHED: the old key's lines may still sit in caches. */
	assert_status_code(mh_call(mh, TDH_MNG_CREATE, page, a.hkid, 0, 0), TDX_HKID_NOT_FREE);
	mh_assert_unchanged(mh, &s);
	/* Still FLUSHED after CACHE.WB until MNG.KEY.FREEID. */
	mh_cache_wb_all(mh);
	assert_status_code(mh_call(mh, TDH_MNG_CREATE, page, a.hkid, 0, 0), TDX_HKID_NOT_FREE);
	assert_u64(mh_page_type(mh, page), PT_NDA);
	mh_td_freeid(mh, &a);
	assert_status(mh_call(mh, TDH_MNG_CREATE, page, a.hkid, 0, 0), TDX_SUCCESS);
}

static void test_mng_key_freeid_without_cache_wb(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	uint64_t page = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	assert_status_code(mh_call(mh, TDH_MNG_KEY_FREEID, a.tdr, 0, 0, 0),
			   TDX_WBCACHE_NOT_COMPLETE);
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_td_field(mh, a.tdr, MH_TD_LIFECYCLE_STATE), MH_TD_BLOCKED);
	assert_status_code(mh_call(mh, TDH_MNG_CREATE, page, a.hkid, 0, 0), TDX_HKID_NOT_FREE);
	mh_cache_wb_all(mh);
	mh_td_freeid(mh, &a);
	assert_u64(mh_td_field(mh, a.tdr, MH_TD_LIFECYCLE_STATE), MH_TD_TEARDOWN);
}

static void test_mng_key_freeid_with_cache_wb_on_one_package(void **state)
{
	struct mh *mh = *state = mh_boot_with(two_packages);
	struct tdx_module_args wb = { .rax = TDH_PHYMEM_CACHE_WB };
	struct mh_td a;
	struct mh_snap s;

	assert_int_equal(mh->nr_pkgs, 2);
	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, 0), &wb), TDX_SUCCESS);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Package 1 still caches lines of the HKID. */
	assert_status_code(mh_call(mh, TDH_MNG_KEY_FREEID, a.tdr, 0, 0, 0),
			   TDX_WBCACHE_NOT_COMPLETE);
	/* A second CACHE.WB on package 0 does not stand in for package 1. */
	wb = (struct tdx_module_args){ .rax = TDH_PHYMEM_CACHE_WB };
	mh_sc(mh, mh_cpu_of_pkg(mh, 0), &wb);
	assert_status_code(mh_call(mh, TDH_MNG_KEY_FREEID, a.tdr, 0, 0, 0),
			   TDX_WBCACHE_NOT_COMPLETE);
	mh_assert_unchanged(mh, &s);
	wb = (struct tdx_module_args){ .rax = TDH_PHYMEM_CACHE_WB };
	assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, 1), &wb), TDX_SUCCESS);
	mh_td_freeid(mh, &a);
}

static void test_mng_key_config_repeat_on_same_package(void **state)
{
	struct mh *mh = *state = mh_boot_with(two_packages);
	struct tdx_module_args kc;
	struct mh_td c;
	uint64_t st;
	struct mh_snap s;

	assert_int_equal(mh->nr_pkgs, 2);
	mh_td_alloc(mh, &c, 3);
	assert_status(mh_call(mh, TDH_MNG_CREATE, c.tdr, c.hkid, 0, 0), TDX_SUCCESS);
	kc = (struct tdx_module_args){ .rax = TDH_MNG_KEY_CONFIG, .rcx = c.tdr };
	assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, 0), &kc), TDX_SUCCESS);
	mh_snap_init(&s);
	mh_snap_td(&s, &c);
	mh_snap_page(&s, c.tdcx[0], false);
	mh_snap_take(mh, &s);
	/* Once per package: a repeat is TDX_KEY_CONFIGURED and re-keys nothing. */
	kc = (struct tdx_module_args){ .rax = TDH_MNG_KEY_CONFIG, .rcx = c.tdr };
	assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, 0), &kc), TDX_KEY_CONFIGURED);
	/* Not configured on every package yet: no TDCS page may be added. */
	assert_lifecycle_refusal(mh_call(mh, TDH_MNG_ADDCX, c.tdcx[0], c.tdr, 0, 0),
				 "MNG.ADDCX before KEY.CONFIG on package 1");
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_LIFECYCLE_STATE), MH_TD_HKID_ASSIGNED);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_PKG_CONFIG_BITMAP), 1);

	kc = (struct tdx_module_args){ .rax = TDH_MNG_KEY_CONFIG, .rcx = c.tdr };
	assert_status(mh_sc(mh, mh_cpu_of_pkg(mh, 1), &kc), TDX_SUCCESS);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_LIFECYCLE_STATE), MH_TD_KEYS_CONFIGURED);
	mh_snap_take(mh, &s);
	kc = (struct tdx_module_args){ .rax = TDH_MNG_KEY_CONFIG, .rcx = c.tdr };
	st = mh_sc(mh, mh_cpu_of_pkg(mh, 0), &kc);
	if (st != TDX_KEY_CONFIGURED && !tdx_status_code_eq(st, TDX_LIFECYCLE_STATE_INCORRECT))
		fail_msg("KEY.CONFIG after all packages: 0x%016llx", (unsigned long long)st);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_key_config_after_vpflushdone(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Re-keying a blocked TD would resurrect it with a fresh key. */
	assert_status_code(mh_call(mh, TDH_MNG_KEY_CONFIG, a.tdr, 0, 0, 0),
			   TDX_LIFECYCLE_STATE_INCORRECT);
	assert_status_code(mh_call(mh, TDH_MNG_VPFLUSHDONE, a.tdr, 0, 0, 0),
			   TDX_LIFECYCLE_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);
	mh_cache_wb_all(mh);
	mh_td_freeid(mh, &a);
	mh_snap_take(mh, &s);
	assert_status_code(mh_call(mh, TDH_MNG_KEY_CONFIG, a.tdr, 0, 0, 0),
			   TDX_LIFECYCLE_STATE_INCORRECT);
	assert_status_code(mh_call(mh, TDH_MNG_KEY_FREEID, a.tdr, 0, 0, 0),
			   TDX_LIFECYCLE_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);
}

/* The leaves that grow or change a TD, each on a TD that is not KEYS_CONFIGURED. */
static void attempt_td_changes(struct mh *mh, const struct mh_td *a, uint64_t fresh,
			       const char *when)
{
	char what[96];
	static const struct {
		const char *name;
		uint64_t leaf;
	} l[] = {
		{ "MEM.PAGE.ADD", TDH_MEM_PAGE_ADD },
		{ "MEM.PAGE.AUG", TDH_MEM_PAGE_AUG },
		{ "MEM.SEPT.ADD", TDH_MEM_SEPT_ADD },
		{ "MR.EXTEND", TDH_MR_EXTEND },
		{ "MEM.RANGE.BLOCK", TDH_MEM_RANGE_BLOCK },
		{ "MEM.PAGE.REMOVE", TDH_MEM_PAGE_REMOVE },
		{ "MEM.TRACK", TDH_MEM_TRACK },
	};

	for (size_t i = 0; i < TDX_ARRAY_SIZE(l); i++) {
		uint64_t st;

		switch (l[i].leaf) {
		case TDH_MEM_PAGE_ADD:
			st = mh_call(mh, l[i].leaf, GPA_FREE, a->tdr, fresh, a->src);
			break;
		case TDH_MEM_PAGE_AUG:
			st = mh_call(mh, l[i].leaf, GPA_FREE, a->tdr, fresh, 0);
			break;
		case TDH_MEM_SEPT_ADD:
			st = mh_call(mh, l[i].leaf, TDX_SZ_1G | 2, a->tdr, fresh, 0);
			break;
		case TDH_MEM_TRACK:
			st = mh_call(mh, l[i].leaf, a->tdr, 0, 0, 0);
			break;
		case TDH_MEM_PAGE_REMOVE:
			st = mh_call(mh, l[i].leaf, MH_PAGE, a->tdr, 0, 0);
			break;
		default:	/* MR.EXTEND, BLOCK on GPA 0 */
			st = mh_call(mh, l[i].leaf, 0, a->tdr, 0, 0);
			break;
		}
		snprintf(what, sizeof(what), "%s %s", l[i].name, when);
		assert_lifecycle_refusal(st, what);
	}
}

static void test_td_changes_after_vpflushdone(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	uint64_t fresh = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_gpa(&s, a.tdr, GPA_FREE);
	mh_snap_page(&s, fresh, false);
	mh_snap_take(mh, &s);
	/* The HKID is being flushed: nothing may be added under it any more. */
	attempt_td_changes(mh, &a, fresh, "on a BLOCKED TD");
	mh_assert_unchanged(mh, &s);
}

static void test_td_changes_after_hkid_freed(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a, d;
	uint64_t fresh = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_cache_wb_all(mh);
	mh_td_freeid(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_gpa(&s, a.tdr, GPA_FREE);
	mh_snap_page(&s, fresh, false);
	mh_snap_take(mh, &s);
	/* The HKID is free: a page added now would be encrypted with a key nobody owns. */
	attempt_td_changes(mh, &a, fresh, "after KEY.FREEID");
	mh_assert_unchanged(mh, &s);

	/* Worse once the HKID belongs to another TD D. */
	memset(&d, 0, sizeof(d));
	mh_td_alloc(mh, &d, 4);
	d.hkid = a.hkid;
	mh_td_create(mh, &d);
	mh_snap_td(&s, &d);
	mh_snap_take(mh, &s);
	attempt_td_changes(mh, &a, fresh, "after the HKID went to another TD");
	mh_assert_unchanged(mh, &s);
}

static void test_phymem_reclaim_live_td_pages(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	uint64_t pages[32];
	unsigned int n = 0;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 3);
	for (unsigned int i = 0; i < a.nr_pages; i++)
		pages[n++] = a.page[i];
	for (unsigned int i = 0; i < a.nr_sept; i++)
		pages[n++] = a.sept[i];
	for (unsigned int i = 0; i < a.nr_tdcx; i++)
		pages[n++] = a.tdcx[i];
	pages[n++] = a.tdr;
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Reclaim needs TD_TEARDOWN: not while live, blocked, or flushed-but-keyed. */
	for (unsigned int phase = 0; phase < 3; phase++) {
		if (phase == 1)
			mh_td_vpflushdone(mh, &a);
		if (phase == 2)
			mh_cache_wb_all(mh);
		if (phase)
			mh_snap_take(mh, &s);
		for (unsigned int i = 0; i < n; i++)
			assert_status_code(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, pages[i], 0, 0, 0),
					   TDX_LIFECYCLE_STATE_INCORRECT);
		mh_assert_unchanged(mh, &s);
	}
}

static void test_phymem_reclaim_tdr_before_children(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 3);
	mh_td_vpflushdone(mh, &a);
	mh_cache_wb_all(mh);
	mh_td_freeid(mh, &a);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Freeing the TDR first would orphan every page it owns. */
	assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0, 0),
		      TDX_TD_ASSOCIATED_PAGES_EXIST);
	mh_assert_unchanged(mh, &s);
	/* Children one by one: the TDR is refused until the very last one is gone. */
	for (unsigned int i = 0; i < a.nr_pages; i++)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.page[i], 0, 0, 0), TDX_SUCCESS);
	for (unsigned int i = a.nr_sept; i-- > 0;)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.sept[i], 0, 0, 0), TDX_SUCCESS);
	for (unsigned int i = 0; i + 1 < a.nr_tdcx; i++)
		assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdcx[i], 0, 0, 0), TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0, 0),
		      TDX_TD_ASSOCIATED_PAGES_EXIST);
	assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdcx[a.nr_tdcx - 1], 0, 0, 0),
		      TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0, 0), TDX_SUCCESS);
	/* A second reclaim of any of them finds a free page. */
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.page[0], 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MNG_RD, a.tdr, MH_TD_LIFECYCLE_STATE, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
}

static void test_phymem_reclaim_non_td_pages(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	uint64_t page = mh_page(mh);
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, page, 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, 3ULL << 30, 0, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.page[0] + 0x40, 0, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, 1ULL << 46, 0, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_phymem_page_wbinvd_on_live_td_page(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* PAGE.WBINVD is for pages already reclaimed or removed (PT_NDA). */
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_WBINVD, mh_pa_keyid(mh, a.page[0], a.hkid), 0,
			       0, 0), TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_WBINVD, mh_pa_keyid(mh, a.sept[0], a.hkid), 0,
			       0, 0), TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_WBINVD,
			       mh_pa_keyid(mh, a.tdr, mh->global_hkid), 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_reclaimed_page_does_not_leak_plaintext(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td a, b;
	uint8_t plain[MH_PAGE], ct[MH_PAGE];

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_vpflushdone(mh, &a);
	mh_cache_wb_all(mh);
	mh_td_freeid(mh, &a);
	mh_td_reclaim_children(mh, &a);
	assert_status(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0, 0), TDX_SUCCESS);
	/* PT_NDA now, but the lines are still the TD's until the host clears them. */
	mh_pattern(a.seed, 0, plain);
	assert_u64(mh_page_type(mh, a.page[0]), PT_NDA);
	assert_true(mh_host_reads_zero(mh, a.page[0], MH_PAGE));
	assert_true(mh_host_reads_zero(mh, a.tdr, MH_PAGE));
	assert_int_equal(pmem_attacker_read(mh->plat, a.page[0], ct, sizeof(ct)), 0);
	assert_memory_not_equal(ct, plain, sizeof(ct));
	/* After MOVDIR64B the page serves another TD. */
	assert_int_equal(pmem_host_movdir64b(mh->plat, a.page[0], MH_PAGE), 0);
	mh_td_build(mh, &b, 2, TDX_TD_ATTR_DEBUG, 0);
	assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, 0, b.tdr, a.page[0], b.src), TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, b.tdr, 0, 0), TDX_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_mng_create_with_live_hkid),
		MH_TEST(test_mng_create_hkid_after_vpflushdone_before_freeid),
		MH_TEST(test_mng_key_freeid_without_cache_wb),
		MH_TEST(test_mng_key_freeid_with_cache_wb_on_one_package),
		MH_TEST(test_mng_key_config_repeat_on_same_package),
		MH_TEST(test_mng_key_config_after_vpflushdone),
		MH_TEST(test_td_changes_after_vpflushdone),
		MH_TEST(test_td_changes_after_hkid_freed),
		MH_TEST(test_phymem_reclaim_live_td_pages),
		MH_TEST(test_phymem_reclaim_tdr_before_children),
		MH_TEST(test_phymem_reclaim_non_td_pages),
		MH_TEST(test_phymem_page_wbinvd_on_live_td_page),
		MH_TEST(test_reclaimed_page_does_not_leak_plaintext),
	};

	return cmocka_run_group_tests_name("malicious host: keys and teardown", tests, NULL, NULL);
}

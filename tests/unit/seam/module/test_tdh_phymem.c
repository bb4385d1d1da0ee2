/*
 * Unit tests of seam/module/src/tdh_phymem.c (with pamt.c): PAGE.RDMD of
 * each page type, PAGE.RECLAIM through teardown, CACHE.WB and PAGE.WBINVD
 * (reference tdx-abi.md 1.3, 4.4, 4.9).  After every refused call the
 * observable module state is unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "module_fixture.h"
#include "pmem.h"

#define PAGE	TDX_PAGE_SIZE
#define GiB	TDX_SZ_1G

/* ---- PAGE.RDMD ---- */

static void test_rdmd_free_page_pt_nda(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t page = fx_alloc_page(fx);
	const uint64_t pages[] = { page, fx->cfg.cmr[1].base, 0 };

	for (size_t i = 0; i < TDX_ARRAY_SIZE(pages); i++) {
		struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = pages[i],
					     .rdx = 0x1234, .r8 = 7, .r9 = 7, .r10 = 0xAA, .r11 = 0xBB,
					     .r12 = 0xCC };

		assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.rcx, PT_NDA);
		assert_int_equal(a.rdx, 0);
		assert_int_equal(a.r8, 0);	/* 4K */
		assert_int_equal(a.r9, 0);
		assert_int_equal(a.r10, 0);
		assert_int_equal(a.r11, 0);
		assert_int_equal(a.r12, 0xCC);
	}
}

static void test_rdmd_reserved_page_pt_rsvd(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	/* Inside TDMRs but not convertible: SMRR below 2 GiB and SEAMRR at the top. */
	const uint64_t pages[] = {
		fx->cfg.smrr.base, fx->cfg.smrr.base + fx->cfg.smrr.size - PAGE,
		fx->cfg.seamrr.base, fx->cfg.seamrr.base + fx->cfg.seamrr.size - PAGE,
	};
	struct fx_rdmd md;

	for (size_t i = 0; i < TDX_ARRAY_SIZE(pages); i++) {
		assert_status(fx_rdmd(fx, pages[i], &md), TDX_SUCCESS);
		assert_int_equal(md.type, PT_RSVD);
		assert_int_equal(md.owner, 0);
	}
	/* The page just below SMRR is ordinary memory. */
	assert_int_equal(fx_page_type(fx, fx->cfg.smrr.base - PAGE), PT_NDA);
}

static void test_rdmd_td_pages_pt_tdr_pt_tdcx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_rdmd md;
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_rdmd(fx, td.tdr, &md), TDX_SUCCESS);
	assert_int_equal(md.type, PT_TDR);
	assert_int_equal(md.type, 4);
	assert_int_equal(md.owner, td.tdr);
	assert_int_equal(md.size, 0);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		assert_status(fx_rdmd(fx, td.tdcx[i], &md), TDX_SUCCESS);
		assert_int_equal(md.type, 5);
		assert_int_equal(md.owner, td.tdr);
		assert_int_equal(md.size, 0);
	}
	fx_teardown_td(fx, &td);
}

static void test_rdmd_misaligned_operand_invalid_rcx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t page = fx_alloc_page(fx);
	const uint64_t bad[] = {
		page + 1, page + 0x800, page + 0xFFF,
		pmem_pa_with_keyid(fx->plat, page, fx_first_td_hkid(fx)),
		pmem_pa_with_keyid(fx->plat, page, 1),
		1ULL << fx->cfg.max_pa, ~0ULL & ~(PAGE - 1),
	};
	struct fx_snapshot s;

	fx_snapshot(fx, &s, &page, 1, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		struct tdx_module_args a = { .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = bad[i], .rdx = 0x77 };

		assert_operand_invalid(fx_seamcall(fx, 0, &a), TDX_OPERAND_ID_RCX);
		assert_int_equal(a.rcx, bad[i]);
		assert_int_equal(a.rdx, 0x77);
	}
	fx_assert_unchanged(fx, &s);
}

static void test_rdmd_outside_tdmrs_operand_addr_range_error(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	const uint64_t bad[] = { 2 * GiB, 3 * GiB, 4 * GiB - PAGE, 8 * GiB, 16 * GiB, 512 * GiB };
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_status(fx_rdmd(fx, bad[i], &(struct fx_rdmd){ 0 }),
			      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	fx_assert_unchanged(fx, &s);
}

/* ---- PAGE.RECLAIM ---- */

static void test_reclaim_before_teardown_lifecycle_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	/* KEYS_CONFIGURED, then BLOCKED (flushed, key not freed). */
	for (int phase = 0; phase < 2; phase++) {
		fx_snapshot_td(fx, &s, &td, NULL, 0);
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[0], 0, 0),
			      TDX_LIFECYCLE_STATE_INCORRECT);
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[5], 0, 0),
			      TDX_LIFECYCLE_STATE_INCORRECT);
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0),
			      TDX_LIFECYCLE_STATE_INCORRECT);
		fx_assert_unchanged(fx, &s);
		if (!phase) {
			assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
			assert_status(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
		}
	}
	fx_teardown_td(fx, &td);
}

/* VPFLUSHDONE, CACHE.WB everywhere, KEY.FREEID: the TD in TD_TEARDOWN. */
static void to_teardown(struct fx *fx, struct fx_td *td)
{
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0), TDX_SUCCESS);
	for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++)
		assert_status(fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_PHYMEM_CACHE_WB, 0, 0, 0),
			      TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td->tdr, 0, 0), TDX_SUCCESS);
}

static void test_reclaim_tdr_before_tdcx_td_associated_pages_exist(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	to_teardown(fx, &td);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		fx_snapshot_td(fx, &s, &td, NULL, 0);
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0),
			      TDX_TD_ASSOCIATED_PAGES_EXIST);
		fx_assert_unchanged(fx, &s);
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[i], 0, 0), TDX_SUCCESS);
	}
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

static void test_reclaim_non_td_page_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t page = fx_alloc_page(fx);
	uint64_t rsvd = fx->cfg.seamrr.base;
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	to_teardown(fx, &td);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[0], 0, 0), TDX_SUCCESS);
	fx_snapshot(fx, &s, (const uint64_t[]){ page, rsvd, td.tdcx[0], td.tdcx[1], td.tdr }, 5,
		    &td.tdr, 1);
	/* A free page, a reserved page, a TDCX page reclaimed already. */
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, page, 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, rsvd, 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[0], 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	/* And the generic PA checks. */
	assert_operand_invalid(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[1] + 64, 0, 0),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM,
				       pmem_pa_with_keyid(fx->plat, td.tdcx[1], td.hkid), 0, 0),
			       TDX_OPERAND_ID_RCX);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, 3 * GiB, 0, 0),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

static void test_reclaim_outputs_type_owner_size(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct tdx_module_args a;
	struct fx_td td;

	fx_create_td(fx, &td);
	to_teardown(fx, &td);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		a = (struct tdx_module_args){ .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = td.tdcx[i],
					      .rdx = 0x55, .r8 = 0x66, .r9 = 0x99, .r12 = 0xCC };
		assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.rcx, PT_TDCX);
		assert_int_equal(a.rdx, td.tdr);
		assert_int_equal(a.r8, 0);
		assert_int_equal(a.r12, 0xCC);
	}
	a = (struct tdx_module_args){ .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = td.tdr,
				      .rdx = 0x55, .r8 = 0x66 };
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.rcx, PT_TDR);
	assert_int_equal(a.rdx, td.tdr);
	assert_int_equal(a.r8, 0);
	fx_teardown_td(fx, &td);
}

static void test_reclaim_teardown_every_page_pt_nda(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_td td, again;

	fx_create_td(fx, &td);
	to_teardown(fx, &td);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[i], 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_page_type(fx, td.tdr), PT_NDA);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_int_equal(fx_page_type(fx, td.tdcx[i]), PT_NDA);
	/* After MOVDIR64B the same pages build a new TD (TDR and TDCX swapped round). */
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_int_equal(pmem_host_movdir64b(fx->plat, td.tdcx[i], PAGE), 0);
	assert_int_equal(pmem_host_movdir64b(fx->plat, td.tdr, PAGE), 0);
	again = td;
	again.tdr = td.tdcx[0];
	again.tdcx[0] = td.tdr;
	again.nr_tdcx = 0;
	fx_td_mng_create(fx, &again);
	fx_td_key_config(fx, &again);
	fx_td_addcx(fx, &again, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, &again, NULL, NULL), TDX_SUCCESS);
	assert_int_equal(fx_page_type(fx, again.tdr), PT_TDR);
	fx_teardown_td(fx, &again);
	assert_int_equal(fx_page_type(fx, td.tdr), PT_NDA);
	assert_int_equal(fx_page_type(fx, td.tdcx[0]), PT_NDA);
}

/* ---- CACHE.WB ---- */

static void test_cache_wb_rcx_2_operand_invalid(void **state)
{
	static const uint64_t bad[] = { 2, 3, TDX_BIT(63), ~0ULL };
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, bad[i], 0, 0),
				       TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	/* The write-back is still pending. */
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_WBCACHE_NOT_COMPLETE);
	fx_teardown_td(fx, &td);
}

static void test_cache_wb_nothing_flushed_no_hkid_ready_to_wbcache(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_snapshot s;
	struct fx_td td;
	uint64_t st;

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		st = fx_call(fx, cpu, TDH_PHYMEM_CACHE_WB, 0, 0, 0);
		assert_status(st, TDX_NO_HKID_READY_TO_WBCACHE);
		assert_false(tdx_status_is_error(st));
	}
	fx_assert_unchanged(fx, &s);
	/* Flushed: one write-back per package, then nothing left there. */
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_PHYMEM_CACHE_WB, 0, 0, 0),
		      TDX_NO_HKID_READY_TO_WBCACHE);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

static void test_cache_wb_resume_wbcache_resume_error(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	/* Nothing was interrupted, so there is nothing to resume. */
	assert_status(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 1, 0, 0), TDX_WBCACHE_RESUME_ERROR);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_WBCACHE_NOT_COMPLETE);
	fx_teardown_td(fx, &td);
}

/* ---- PAGE.WBINVD ---- */

static void test_page_wbinvd_td_page_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_WBINVD,
			      pmem_pa_with_keyid(fx->plat, td.tdcx[2], td.hkid), 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_WBINVD,
			      pmem_pa_with_keyid(fx->plat, td.tdr, fx_global_hkid(fx)), 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_operand_invalid(fx_call(fx, 0, TDH_PHYMEM_PAGE_WBINVD,
				       pmem_pa_with_keyid(fx->plat, td.tdcx[2], td.hkid) + 64, 0, 0),
			       TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	/* Once reclaimed, the page is written back under its old KeyID. */
	to_teardown(fx, &td);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[2], 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_WBINVD,
			      pmem_pa_with_keyid(fx->plat, td.tdcx[2], td.hkid), 0, 0), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_rdmd_free_page_pt_nda),
		FX_TEST(test_rdmd_reserved_page_pt_rsvd),
		FX_TEST(test_rdmd_td_pages_pt_tdr_pt_tdcx),
		FX_TEST(test_rdmd_misaligned_operand_invalid_rcx),
		FX_TEST(test_rdmd_outside_tdmrs_operand_addr_range_error),
		FX_TEST(test_reclaim_before_teardown_lifecycle_state_incorrect),
		FX_TEST(test_reclaim_tdr_before_tdcx_td_associated_pages_exist),
		FX_TEST(test_reclaim_non_td_page_page_metadata_incorrect),
		FX_TEST(test_reclaim_outputs_type_owner_size),
		FX_TEST(test_reclaim_teardown_every_page_pt_nda),
		FX_TEST(test_cache_wb_rcx_2_operand_invalid),
		FX_TEST(test_cache_wb_nothing_flushed_no_hkid_ready_to_wbcache),
		FX_TEST(test_cache_wb_resume_wbcache_resume_error),
		FX_TEST(test_page_wbinvd_td_page_page_metadata_incorrect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

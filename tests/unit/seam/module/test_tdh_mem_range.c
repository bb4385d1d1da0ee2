/*
 * Unit tests of seam/module/src/tdh_mem_page.c, second part: the range and
 * page-size leaves TDH.MEM.RANGE.BLOCK, RANGE.UNBLOCK, MEM.TRACK,
 * PAGE.DEMOTE and PAGE.PROMOTE on a whole emulated machine (reference
 * tdx-abi.md 1.3, 4.7 "TLB tracking", 4.9).  Each refused call is
 * followed by a check that nothing the host can observe changed (the
 * fixture snapshot plus the SEPT entries involved and TD_EPOCH).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mem_helpers.h"
#include "pmem.h"

#define GPA_4K		0x1000ULL
#define GPA_2M		0x200000ULL
#define GPA_2M_B	0x400000ULL

static uint64_t chldcnt(struct fx *fx, const struct fx_td *td)
{
	return fx_mng_rd_ok(fx, td->tdr, FX_TD_CHLDCNT);
}

static uint64_t epoch(struct fx *fx, const struct fx_td *td)
{
	return fx_mng_rd_ok(fx, td->tdr, MH_TD_EPOCH);
}

static uint64_t bepoch(struct fx *fx, uint64_t pa)
{
	struct fx_rdmd md;

	assert_status(fx_rdmd(fx, pa, &md), TDX_SUCCESS);
	return md.bepoch;
}

/* ---- RANGE.BLOCK ---- */

static void test_range_block_each_state(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t src, mapped, pending, table, big, e;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	table = mh_sept_add_ok(fx, &td, GPA_2M, 1);
	src = mh_src_page(fx, 1);
	mapped = mh_page_add_ok(fx, &td, GPA_4K, src);
	pending = mh_page_aug_ok(fx, &td, 0x2000);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M_B, 1, big, NULL), TDX_SUCCESS);
	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	e = epoch(fx, &td);
	assert_int_equal(e, 2);

	/* MAPPED -> BLOCKED, PENDING -> PENDING_BLOCKED, NL_MAPPED -> NL_BLOCKED, 2M too. */
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_BLOCKED, mapped);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0x2000, 0, 0, NULL), TDX_SUCCESS);
	mh_assert_leaf(fx, &td, 0x2000, 0, MH_PENDING_BLOCKED, pending);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_BLOCKED);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M_B, 1, 0, NULL), TDX_SUCCESS);
	mh_assert_leaf(fx, &td, GPA_2M_B, 1, MH_PENDING_BLOCKED, big);
	/* Each records the current TD epoch (BEPOCH). */
	assert_int_equal(bepoch(fx, mapped), e);
	assert_int_equal(bepoch(fx, pending), e);
	assert_int_equal(bepoch(fx, table), e);
	assert_int_equal(bepoch(fx, big), e);
	/* Neighbours untouched; pages keep their type. */
	mh_assert_nl(fx, &td, 0, 1, MH_NL_MAPPED);
	mh_assert_page(fx, mapped, PT_REG, td.tdr, 0);
	mh_assert_page(fx, table, PT_EPT, td.tdr, 0);
}

static void test_range_block_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, page;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, NULL), TDX_SUCCESS);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_BLOCKED, page);
}

static void test_range_block_gpa_range_already_blocked(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, table, st, pages[2], gl[] = { MH_GL(GPA_4K, 0), MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	table = mh_sept_add_ok(fx, &td, GPA_2M, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	/* A later epoch must not be recorded by the repeated BLOCK. */
	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	pages[0] = page;
	pages[1] = table;
	mh_snap_take(fx, &s, &td, pages, 2, gl, 2);

	/* Informational: bit 63 clear. */
	st = mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, NULL);
	assert_status(st, TDX_GPA_RANGE_ALREADY_BLOCKED);
	assert_false(st & TDX_BIT(63));
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL),
		      TDX_GPA_RANGE_ALREADY_BLOCKED);
	mh_snap_check(fx, &s);
	assert_int_equal(bepoch(fx, page), 1);
	assert_int_equal(bepoch(fx, table), 1);
}

static void test_range_block_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(GPA_4K, 0), MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 2);
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(0, MH_FREE));
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_range_block_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 3), MH_GL(0, 2), MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 3);
	/* Level 3 (the root's entries), reserved bits, misaligned, shared. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0, 3, 0, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_call(fx, TDH_MEM_RANGE_BLOCK, MH_GL(0, 1) | 0x80, td.tdr, 0, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 1, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, TDX_BIT(47), 1, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

static void test_range_block_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, &out),
			   TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_range_block_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	mh_td_uninit(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0, 1, 0, NULL), TDX_OP_STATE_INCORRECT);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, 0, 1, 0, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
}

/* ---- RANGE.UNBLOCK ---- */

static void test_range_unblock_gpa_range_not_blocked(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, gl[] = { MH_GL(GPA_4K, 0), MH_GL(0, 1), MH_GL(0x2000, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 3);
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, GPA_4K, 0, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	mh_assert_leaf_report(&out, 0, MH_MAPPED, page);
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, 0, 1, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	assert_status_code(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, 0x2000, 0, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_int_equal(out.rdx, MH_INFO(0, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_range_unblock_tlb_tracking_not_done(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, mapped, pending, pages[2];
	uint64_t gl[] = { MH_GL(GPA_4K, 0), MH_GL(0x2000, 0), MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_sept_add_ok(fx, &td, GPA_2M, 1);
	src = mh_src_page(fx, 1);
	mapped = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	pending = mh_page_aug_ok(fx, &td, 0x2000);
	for (unsigned int i = 0; i < 3; i++)
		assert_status(mh_call(fx, TDH_MEM_RANGE_BLOCK, gl[i], td.tdr, 0, 0, NULL), TDX_SUCCESS);

	pages[0] = mapped;
	pages[1] = pending;
	mh_snap_take(fx, &s, &td, pages, 2, gl, 3);
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t st = mh_call(fx, TDH_MEM_RANGE_UNBLOCK, gl[i], td.tdr, 0, 0, NULL);

		if (!tdx_status_code_eq(st, TDX_TLB_TRACKING_NOT_DONE))
			fail_msg("UNBLOCK 0x%llx: 0x%016llx", (unsigned long long)gl[i],
				 (unsigned long long)st);
	}
	mh_snap_check(fx, &s);

	/* After MEM.TRACK each goes back to the state before BLOCK. */
	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, GPA_4K, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_MAPPED, mapped);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, 0x2000, 0, 0, NULL), TDX_SUCCESS);
	mh_assert_leaf(fx, &td, 0x2000, 0, MH_PENDING, pending);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_MAPPED);
	mh_assert_page(fx, mapped, PT_REG, td.tdr, 0);
	/* And can be blocked again. */
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(bepoch(fx, mapped), 2);
}

/* ---- MEM.TRACK ---- */

static void test_mem_track_increments_epoch(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_vp vp;
	struct fx_td td, other;

	mh_td_make(fx, &td, 0);
	mh_td_make(fx, &other, 0);
	/* TD_EPOCH starts at 1. */
	assert_int_equal(epoch(fx, &td), 1);
	assert_status(mh_call(fx, TDH_MEM_TRACK, td.tdr, 0, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(epoch(fx, &td), 2);
	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_int_equal(epoch(fx, &td), 3);
	/* Per TD. */
	assert_int_equal(epoch(fx, &other), 1);
	/* And in RUNNABLE. */
	mh_finalize(fx, &td, &vp);
	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_int_equal(epoch(fx, &td), 4);
}

static void test_mem_track_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	mh_td_uninit(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(mh_track(fx, &td), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	/* Once initialized the epoch is the first one: the refused TRACK did nothing. */
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	assert_int_equal(epoch(fx, &td), 1);
}

static void test_mem_track_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t page;

	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, NULL, 0);
	assert_status(mh_call(fx, TDH_MEM_TRACK, page, 0, 0, 0, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(mh_call(fx, TDH_MEM_TRACK, td.tdcx[0], 0, 0, 0, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	mh_snap_check(fx, &s);
}

/* ---- PAGE.PROMOTE ---- */

/* TD with levels 3, 2 and a level-1 table at @gpa; returns the level-1 table. */
static uint64_t td_with_pt(struct fx *fx, struct fx_td *td, uint64_t attributes, uint64_t gpa)
{
	mh_td_make(fx, td, attributes);
	mh_sept_path(fx, td, gpa, 2);
	return mh_sept_add_ok(fx, td, gpa, 1);
}

static void test_page_promote_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t table, big, base;

	table = td_with_pt(fx, &td, MH_ATTR_DEBUG, GPA_2M);
	big = mh_alloc_2m(fx);
	mh_add_2m_of_4k(fx, &td, GPA_2M, big, 100);
	base = chldcnt(fx, &td);
	assert_int_equal(fx_page_type(fx, big + 17 * MH_PAGE), PT_REG);

	assert_status(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, &out), TDX_SUCCESS);
	/* RCX: the SEPT page the merge freed, now PT_NDA. */
	assert_int_equal(out.rcx, table);
	assert_int_equal(out.rdx, 0);
	mh_assert_page(fx, table, PT_NDA, 0, 0);
	mh_assert_leaf(fx, &td, GPA_2M, 1, MH_MAPPED, big);
	mh_assert_page(fx, big, PT_REG, td.tdr, 1);
	mh_assert_page(fx, big + 511 * MH_PAGE, PT_REG, td.tdr, 1);
	assert_int_equal(chldcnt(fx, &td), base - 1);
	/* A 2M page is removed as one: CHLDCNT drops by 512. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_2M, 1, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, big);
	assert_int_equal(chldcnt(fx, &td), base - 1 - 512);
	mh_assert_page(fx, big + 100 * MH_PAGE, PT_NDA, 0, 0);
}

static void test_mem_rd_2m_mapped_page(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t big, v = 0;

	/* MEM.RD reads a 2M MAPPED page (the leaf at level 1) like a 4K one. */
	td_with_pt(fx, &td, MH_ATTR_DEBUG, GPA_2M);
	big = mh_alloc_2m(fx);
	mh_add_2m_of_4k(fx, &td, GPA_2M, big, 100);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	assert_status(mh_mem_rd(fx, &td, GPA_2M + 37 * MH_PAGE + 0x40, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(100 + 37, 8));
}

static void test_page_promote_pending(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t table, big;

	/* 512 AUGs of contiguous pages -> one 2M PENDING page. */
	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	for (unsigned int i = 0; i < 512; i++)
		assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M + i * MH_PAGE, 0,
				     big + i * MH_PAGE, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, table);
	assert_int_equal(out.rdx, 0);
	mh_assert_leaf(fx, &td, GPA_2M, 1, MH_PENDING, big);
}

/* Snapshot of a promote candidate: the parent, a few children, their pages. */
static void promote_snap(struct fx *fx, struct mh_snap *s, const struct fx_td *td, uint64_t table,
			 uint64_t big, unsigned int odd)
{
	uint64_t pages[4] = { table, big, big + odd * MH_PAGE, big + 511 * MH_PAGE };
	uint64_t gl[4] = { MH_GL(GPA_2M, 1), MH_GL(GPA_2M, 0), MH_GL(GPA_2M + odd * MH_PAGE, 0),
			   MH_GL(GPA_2M + 511 * MH_PAGE, 0) };

	mh_snap_take(fx, s, td, pages, 4, gl, 4);
}

/* 512 PAGE.ADDs at GPA_2M where child @odd maps @odd_pa instead of big + odd * 4K. */
static void add_with_odd(struct fx *fx, const struct fx_td *td, uint64_t big, unsigned int odd,
			 uint64_t odd_pa)
{
	uint64_t src = mh_src_page(fx, 9);

	for (unsigned int i = 0; i < 512; i++)
		assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + i * MH_PAGE, 0), td->tdr,
				      i == odd ? odd_pa : big + i * MH_PAGE, src, NULL), TDX_SUCCESS);
}

static void test_page_promote_invalid_promote_conditions_non_contiguous(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, big;

	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	/* Child 200 maps a page outside the 2M range. */
	add_with_odd(fx, &td, big, 200, fx_alloc_page(fx));
	promote_snap(fx, &s, &td, table, big, 200);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
}

static void test_page_promote_invalid_promote_conditions_swapped(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, big, src;

	/* All 512 pages of the range, but children 3 and 4 swapped. */
	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	src = mh_src_page(fx, 9);
	for (unsigned int i = 0; i < 512; i++) {
		unsigned int p = i == 3 ? 4 : i == 4 ? 3 : i;

		assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + i * MH_PAGE, 0), td.tdr,
				      big + p * MH_PAGE, src, NULL), TDX_SUCCESS);
	}
	promote_snap(fx, &s, &td, table, big, 3);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
}

static void test_page_promote_invalid_promote_conditions_mixed_states(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, big, src;

	/* Child 77 is PENDING (AUG), the others MAPPED (ADD). */
	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	src = mh_src_page(fx, 9);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t st = i == 77 ?
			mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M + i * MH_PAGE, 0, big + i * MH_PAGE, NULL) :
			mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + i * MH_PAGE, 0), td.tdr,
				big + i * MH_PAGE, src, NULL);

		assert_status(st, TDX_SUCCESS);
	}
	promote_snap(fx, &s, &td, table, big, 77);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
	/* A blocked child is a different state too. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_2M + 77 * MH_PAGE, 0, 0, NULL),
		      TDX_SUCCESS);
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + 77 * MH_PAGE, 0), td.tdr,
			      big + 77 * MH_PAGE, src, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M + 77 * MH_PAGE, 0, 0, NULL),
		      TDX_SUCCESS);
	promote_snap(fx, &s, &td, table, big, 77);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
}

static void test_page_promote_invalid_promote_conditions_free_child(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, big, src;

	/* 511 children; the last entry is FREE. */
	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	src = mh_src_page(fx, 9);
	for (unsigned int i = 0; i < 511; i++)
		assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + i * MH_PAGE, 0), td.tdr,
				      big + i * MH_PAGE, src, NULL), TDX_SUCCESS);
	promote_snap(fx, &s, &td, table, big, 510);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
}

static void test_page_promote_invalid_promote_conditions_unaligned(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, run, src, base;

	/* 512 contiguous pages that do not start on a 2M boundary. */
	table = td_with_pt(fx, &td, 0, GPA_2M);
	run = fx_alloc_pages(fx, 1536);
	base = TDX_ALIGN_UP(run, MH_SZ_2M) + MH_PAGE;
	src = mh_src_page(fx, 9);
	for (unsigned int i = 0; i < 512; i++)
		assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_2M + i * MH_PAGE, 0), td.tdr,
				      base + i * MH_PAGE, src, NULL), TDX_SUCCESS);
	promote_snap(fx, &s, &td, table, base, 5);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_EPT_INVALID_PROMOTE_CONDITIONS);
	mh_snap_check(fx, &s);
}

static void test_page_promote_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t table, big, rdx = 0, base;

	table = td_with_pt(fx, &td, 0, GPA_2M);
	big = mh_alloc_2m(fx);
	mh_add_2m_of_4k(fx, &td, GPA_2M, big, 100);
	mh_finalize(fx, &td, &vp);
	base = chldcnt(fx, &td);

	/* RUNNABLE: the parent must be NL_BLOCKED ... */
	promote_snap(fx, &s, &td, table, big, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	/* ... and TLB-tracked. */
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	promote_snap(fx, &s, &td, table, big, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, NULL),
			   TDX_TLB_TRACKING_NOT_DONE);
	mh_snap_check(fx, &s);

	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, table);
	assert_int_equal(out.rdx, 0);
	mh_assert_page(fx, table, PT_NDA, 0, 0);
	mh_assert_page(fx, big, PT_REG, td.tdr, 1);
	assert_int_equal(chldcnt(fx, &td), base - 1);
	/* A 2M leaf mapping the range (blocked or mapped: the reference leaves it open). */
	assert_status(mh_sept_rd(fx, &td, GPA_2M, 1, NULL, &rdx), TDX_SUCCESS);
	if (rdx != MH_INFO(1, MH_BLOCKED) && rdx != MH_INFO(1, MH_MAPPED))
		fail_msg("after PROMOTE: RDX 0x%llx", (unsigned long long)rdx);
}

static void test_page_promote_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, gl[] = { MH_GL(GPA_2M, 1), MH_GL(GPA_2M_B, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, &big, 1, gl, 2);
	/* Already a 2M leaf. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 1, MH_PENDING, big);
	/* FREE. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M_B, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_page_promote_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(GPA_2M, 1) };

	td_with_pt(fx, &td, 0, GPA_2M);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M, 0, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, 0, 3, 0, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, GPA_2M + MH_PAGE, 1, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

/* ---- PAGE.DEMOTE ---- */

/* A 2M MAPPED page at GPA_2M: 512 PAGE.ADDs then PROMOTE. */
static uint64_t make_2m_mapped(struct fx *fx, struct fx_td *td, uint64_t attributes)
{
	uint64_t big;

	td_with_pt(fx, td, attributes, GPA_2M);
	big = mh_alloc_2m(fx);
	mh_add_2m_of_4k(fx, td, GPA_2M, big, 100);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	return big;
}

static void assert_children(struct fx *fx, const struct fx_td *td, uint64_t big, unsigned int state)
{
	for (unsigned int i = 0; i < 512; i++) {
		mh_assert_leaf(fx, td, GPA_2M + i * MH_PAGE, 0, state, big + i * MH_PAGE);
		mh_assert_page(fx, big + i * MH_PAGE, PT_REG, td->tdr, 0);
	}
}

static void test_page_demote_2m_mapped(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t big, table, base, v;

	big = make_2m_mapped(fx, &td, MH_ATTR_DEBUG);
	base = chldcnt(fx, &td);
	table = fx_alloc_page(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_MAPPED);
	mh_assert_page(fx, table, PT_EPT, td.tdr, 0);
	/* 512 4K MAPPED entries with consecutive PAs, each page PT_REG of 4K. */
	assert_children(fx, &td, big, MH_MAPPED);
	assert_int_equal(chldcnt(fx, &td), base + 1);
	/* The content is where it was. */
	assert_status(mh_mem_rd(fx, &td, GPA_2M + 300 * MH_PAGE + 0x10, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(100 + 300, 2));
	/* And a single 4K page can now be removed. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_2M + 9 * MH_PAGE, 0, 0, &out),
		      TDX_SUCCESS);
	assert_int_equal(out.rcx, big + 9 * MH_PAGE);
	mh_assert_page(fx, big + 9 * MH_PAGE, PT_NDA, 0, 0);
	mh_assert_page(fx, big + 10 * MH_PAGE, PT_REG, td.tdr, 0);
}

static void test_page_demote_2m_pending(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t big, table, base;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	base = chldcnt(fx, &td);
	table = fx_alloc_page(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, NULL), TDX_SUCCESS);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_MAPPED);
	mh_assert_page(fx, table, PT_EPT, td.tdr, 0);
	assert_children(fx, &td, big, MH_PENDING);
	assert_int_equal(chldcnt(fx, &td), base + 1);
}

static void test_page_demote_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t big, table, rdx = 0, pages[2], gl[] = { MH_GL(GPA_2M, 1) };

	big = make_2m_mapped(fx, &td, 0);
	mh_finalize(fx, &td, &vp);
	table = fx_alloc_page(fx);
	pages[0] = big;
	pages[1] = table;

	/* RUNNABLE: BLOCK first ... */
	mh_snap_take(fx, &s, &td, pages, 2, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	mh_assert_leaf_report(&out, 1, MH_MAPPED, big);
	mh_snap_check(fx, &s);
	/* ... then TRACK. */
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, pages, 2, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, NULL),
			   TDX_TLB_TRACKING_NOT_DONE);
	mh_snap_check(fx, &s);

	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, NULL), TDX_SUCCESS);
	mh_assert_page(fx, table, PT_EPT, td.tdr, 0);
	/* The 4K children inherit the block. */
	assert_children(fx, &td, big, MH_BLOCKED);
	assert_status(mh_sept_rd(fx, &td, GPA_2M, 1, NULL, &rdx), TDX_SUCCESS);
	if (!(rdx & 0x8000) || (rdx & 7) != 1)
		fail_msg("after DEMOTE the level-1 entry is not a table: RDX 0x%llx",
			 (unsigned long long)rdx);
}

static void test_page_demote_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, pages[2], gl[] = { MH_GL(GPA_2M, 1), MH_GL(GPA_2M + MH_PAGE, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	pages[0] = big;
	pages[1] = td.tdr;
	mh_snap_take(fx, &s, &td, pages, 2, gl, 2);
	/* R8: the TDR, a page of the 2M page itself, a TDCX page. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, td.tdr, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, big + MH_PAGE, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, td.tdcx[5], NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
}

static void test_page_demote_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, gl[] = { MH_GL(0, 1), MH_GL(GPA_2M, 1) };

	/* The level-1 entry is a 4K table, not a 2M page. */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	table = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &table, 1, gl, 2);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, 0, 1, table, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_RWX);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	/* FREE. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_page_demote_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t table, gl[] = { MH_GL(0, 3) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	table = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &table, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, &out),
			   TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(2, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_page_demote_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, table, gl[] = { MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	table = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &table, 1, gl, 1);
	/* A 4K page has nothing to split: level 0 is not a DEMOTE level. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 0, table, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M + MH_PAGE, 1, table, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table + 0x10, NULL),
			       TDX_OPERAND_ID_R8);
	mh_snap_check(fx, &s);
}

static void test_range_leaves_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t big, table, count;

	/* After VPFLUSHDONE (TD_BLOCKED): no BLOCK, UNBLOCK, TRACK, DEMOTE, PROMOTE. */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	mh_sept_add_ok(fx, &td, 0, 1);
	table = fx_alloc_page(fx);
	count = fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT);
	mh_td_block(fx, &td, NULL);
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL),
				      "RANGE.BLOCK");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_RANGE_UNBLOCK, &td, GPA_2M, 1, 0, NULL),
				      "RANGE.UNBLOCK");
	mh_assert_keys_not_configured(mh_track(fx, &td), "MEM.TRACK");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_PAGE_DEMOTE, &td, GPA_2M, 1, table, NULL),
				      "PAGE.DEMOTE");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_PAGE_PROMOTE, &td, 0, 1, 0, NULL),
				      "PAGE.PROMOTE");
	assert_int_equal(fx_page_type(fx, table), PT_NDA);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_range_block_each_state),
		FX_TEST(test_range_block_after_finalize),
		FX_TEST(test_range_block_gpa_range_already_blocked),
		FX_TEST(test_range_block_ept_entry_state_incorrect),
		FX_TEST(test_range_block_operand_invalid),
		FX_TEST(test_range_block_ept_walk_failed),
		FX_TEST(test_range_block_op_state_incorrect),
		FX_TEST(test_range_unblock_gpa_range_not_blocked),
		FX_TEST(test_range_unblock_tlb_tracking_not_done),
		FX_TEST(test_mem_track_increments_epoch),
		FX_TEST(test_mem_track_op_state_incorrect),
		FX_TEST(test_mem_track_page_metadata_incorrect),
		FX_TEST(test_page_promote_success),
		FX_TEST(test_mem_rd_2m_mapped_page),
		FX_TEST(test_page_promote_pending),
		FX_TEST(test_page_promote_invalid_promote_conditions_non_contiguous),
		FX_TEST(test_page_promote_invalid_promote_conditions_swapped),
		FX_TEST(test_page_promote_invalid_promote_conditions_mixed_states),
		FX_TEST(test_page_promote_invalid_promote_conditions_free_child),
		FX_TEST(test_page_promote_invalid_promote_conditions_unaligned),
		FX_TEST(test_page_promote_after_finalize),
		FX_TEST(test_page_promote_ept_entry_state_incorrect),
		FX_TEST(test_page_promote_operand_invalid),
		FX_TEST(test_page_demote_2m_mapped),
		FX_TEST(test_page_demote_2m_pending),
		FX_TEST(test_page_demote_after_finalize),
		FX_TEST(test_page_demote_page_metadata_incorrect),
		FX_TEST(test_page_demote_ept_entry_state_incorrect),
		FX_TEST(test_page_demote_ept_walk_failed),
		FX_TEST(test_page_demote_operand_invalid),
		FX_TEST(test_range_leaves_td_keys_not_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

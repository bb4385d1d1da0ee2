/*
 * Unit tests of seam/module/src/tdh_mem_sept.c and sept.c: TDH.MEM.SEPT.ADD,
 * SEPT.RD and SEPT.REMOVE on a whole emulated machine (reference
 * tdx-abi.md 1.3, 4.7, 4.9).  Success paths check the architectural view
 * (RCX entry, RDX level/state), PHYMEM.PAGE.RDMD and CHLDCNT; each refused
 * call is followed by a check that nothing the host can observe changed
 * (the fixture snapshot plus the SEPT entries involved and TD_EPOCH).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mem_helpers.h"
#include "pmem.h"

#define GPA_4K		0x1000ULL	/* a 4K page under the level-1 entry of GPA 0 */
#define GPA_2M		0x200000ULL	/* the next 2M region */
#define SHARED_BIT	TDX_BIT(47)	/* GPAW 48 */

static uint64_t chldcnt(struct fx *fx, const struct fx_td *td)
{
	return fx_mng_rd_ok(fx, td->tdr, FX_TD_CHLDCNT);
}

/* ---- SEPT.ADD ---- */

static void test_sept_add_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t page[3], base;

	mh_td_make(fx, &td, 0);
	base = chldcnt(fx, &td);
	mh_assert_free(fx, &td, 0, 3);
	for (unsigned int l = 3; l >= 1; l--) {
		page[3 - l] = fx_alloc_page(fx);
		fx_fill(fx, page[3 - l], 0xCC, MH_PAGE);
		assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, l, page[3 - l], &out), TDX_SUCCESS);
		/* RCX and RDX are 0 on success (reference 1.3). */
		assert_int_equal(out.rcx, 0);
		assert_int_equal(out.rdx, 0);
		mh_assert_nl(fx, &td, 0, l, MH_NL_MAPPED);
		mh_assert_page(fx, page[3 - l], PT_EPT, td.tdr, 0);
		assert_int_equal(chldcnt(fx, &td), base + 4 - l);
		/* The new table is all FREE entries. */
		mh_assert_free(fx, &td, 0, l - 1);
		mh_assert_free(fx, &td, (MH_PAGE << (9 * (l - 1))) * 511, l - 1);
		/* Under the TD's key: the host sees zeros where it wrote 0xCC. */
		assert_true(fx_reads_zero(fx, page[3 - l], MH_PAGE));
	}
	/* A second level-1 table next to the first. */
	mh_sept_add_ok(fx, &td, GPA_2M, 1);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_MAPPED);
	mh_assert_nl(fx, &td, 0, 1, MH_NL_MAPPED);
	assert_int_equal(chldcnt(fx, &td), base + 4);
}

static void test_sept_add_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;

	/* SEPT.ADD runs in RUNNABLE too (reference 4.9). */
	mh_td_make(fx, &td, 0);
	mh_finalize(fx, &td, &vp);
	mh_sept_path(fx, &td, GPA_4K, 1);
	mh_assert_nl(fx, &td, 0, 1, MH_NL_MAPPED);
}

static void test_sept_add_operand_invalid_rcx(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = {
		MH_GL(GPA_2M, 0),		/* level 0: a table is never a 4K leaf */
		MH_GL(0, 4),			/* level 4 on 4-level EPT */
		MH_GL(0, 7),
		MH_GL(GPA_2M, 1) | 0x8,		/* reserved bits 11:3 */
		MH_GL(GPA_2M, 1) | 0x800,
		MH_GL(GPA_2M + MH_PAGE, 1),	/* not 2M aligned */
		MH_GL(0x40000000ULL + GPA_2M, 2),	/* not 1G aligned */
		MH_GL(SHARED_BIT, 1),		/* shared GPA */
		MH_GL(SHARED_BIT, 3) | TDX_BIT(48),
	};
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, gl[] = { MH_GL(0, 3) };

	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t st = mh_call(fx, TDH_MEM_SEPT_ADD, bad[i], td.tdr, page, 0, &out);

		if (st != tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX))
			fail_msg("RCX 0x%llx: status 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
		mh_snap_check(fx, &s);
	}
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
}

static void test_sept_add_operand_invalid_r8(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, gl[] = { MH_GL(0, 3) };

	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 3, page + 0x800, NULL),
			       TDX_OPERAND_ID_R8);
	mh_snap_check(fx, &s);
	/* KeyID bits in the page PA. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 3,
				      pmem_pa_with_keyid(fx->plat, page, td.hkid), NULL),
			       TDX_OPERAND_ID_R8);
	mh_snap_check(fx, &s);
}

static void test_sept_add_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t l3, gl[] = { MH_GL(0, 3), MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	l3 = mh_sept_add_ok(fx, &td, 0, 3);
	mh_snap_take(fx, &s, &td, &l3, 1, gl, 2);
	/* The TDR, a TDCX page and a SEPT page in use are not PT_NDA. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 2, td.tdr, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 2, td.tdcx[2], NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 2, l3, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
}

static void test_sept_add_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, gl[] = { MH_GL(0, 3), MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);

	/* No level-3 entry: the walk stops at the root's FREE entry. */
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 2, page, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(3, MH_FREE));
	mh_snap_check(fx, &s);

	/* Level 3 present, level 2 missing: the failing entry is at level 2. */
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 2);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, GPA_2M, 1, page, &out),
			   TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(2, MH_FREE));
	mh_snap_check(fx, &s);
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
}

static void test_sept_add_ept_entry_not_free(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, big, gl[] = { MH_GL(0, 3), MH_GL(0, 2), MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, GPA_2M, 2);
	page = fx_alloc_page(fx);

	/* A table already there. */
	mh_snap_take(fx, &s, &td, &page, 1, gl, 3);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 3, page, &out), TDX_EPT_ENTRY_NOT_FREE);
	assert_int_equal(out.rcx, MH_RWX);
	assert_int_equal(out.rdx, MH_INFO(3, MH_NL_MAPPED));
	mh_snap_check(fx, &s);

	/* A 2M leaf (PENDING after AUG) where the table would go. */
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 3);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, GPA_2M, 1, page, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	mh_assert_leaf_report(&out, 1, MH_PENDING, big);
	mh_snap_check(fx, &s);
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
}

static void test_sept_add_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	uint64_t page;

	/* Keys and TDCS, but no MNG.INIT. */
	mh_td_uninit(fx, &td);
	page = fx_alloc_page(fx);
	fx_snapshot_td(fx, &s, &td, &page, 1);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 3, page, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
}

static void test_sept_add_tdr_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, gl[] = { MH_GL(0, 3) };

	/* RDX must name a TDR. */
	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status(mh_call(fx, TDH_MEM_SEPT_ADD, MH_GL(0, 3), td.tdcx[0], page, 0, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	mh_snap_check(fx, &s);
}

/* ---- SEPT.RD ---- */

static void test_sept_rd_every_state(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t src, mapped, blocked, pending, pblocked, big;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_sept_add_ok(fx, &td, GPA_2M, 1);
	src = mh_src_page(fx, 1);

	mapped = mh_page_add_ok(fx, &td, 0x1000, src);
	blocked = mh_page_add_ok(fx, &td, 0x2000, src);
	pending = mh_page_aug_ok(fx, &td, 0x3000);
	pblocked = mh_page_aug_ok(fx, &td, 0x4000);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, 0x400000, 1, big, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0x2000, 0, 0, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0x4000, 0, 0, NULL), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_2M, 1, 0, NULL), TDX_SUCCESS);

	mh_assert_free(fx, &td, 0x5000, 0);
	mh_assert_free(fx, &td, 0x600000, 1);
	mh_assert_free(fx, &td, 0x40000000, 2);
	mh_assert_nl(fx, &td, 0, 3, MH_NL_MAPPED);
	mh_assert_nl(fx, &td, 0, 2, MH_NL_MAPPED);
	mh_assert_nl(fx, &td, 0, 1, MH_NL_MAPPED);
	mh_assert_nl(fx, &td, GPA_2M, 1, MH_NL_BLOCKED);
	mh_assert_leaf(fx, &td, 0x1000, 0, MH_MAPPED, mapped);
	mh_assert_leaf(fx, &td, 0x2000, 0, MH_BLOCKED, blocked);
	mh_assert_leaf(fx, &td, 0x3000, 0, MH_PENDING, pending);
	mh_assert_leaf(fx, &td, 0x4000, 0, MH_PENDING_BLOCKED, pblocked);
	mh_assert_leaf(fx, &td, 0x400000, 1, MH_PENDING, big);
	/* Entries under a blocked table are still there. */
	mh_assert_free(fx, &td, GPA_2M + 0x1000, 0);
}

static void test_sept_rd_pending_sept_ve_disable(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td, td2;
	uint64_t rcx, pa;

	/* With SEPT_VE_DISABLE a PENDING entry suppresses #VE: SVE (bit 63) is set... */
	mh_td_make(fx, &td, MH_ATTR_SEPT_VE_DISABLE);
	mh_sept_path(fx, &td, 0, 1);
	pa = mh_page_aug_ok(fx, &td, GPA_4K);
	rcx = mh_assert_state(fx, &td, GPA_4K, 0, MH_PENDING);
	assert_int_equal(rcx & MH_PA_MASK, pa);
	assert_true(rcx & MH_SVE);
	/* ...and without it, it is clear. */
	mh_td_make(fx, &td2, 0);
	mh_sept_path(fx, &td2, 0, 1);
	pa = mh_page_aug_ok(fx, &td2, GPA_4K);
	rcx = mh_assert_state(fx, &td2, GPA_4K, 0, MH_PENDING);
	assert_int_equal(rcx & MH_PA_MASK, pa);
	assert_false(rcx & MH_SVE);
}

static void test_sept_rd_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;

	mh_td_make(fx, &td, 0);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_RD, &td, GPA_4K, 0, 0, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(3, MH_FREE));
	mh_sept_path(fx, &td, 0, 2);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_RD, &td, GPA_4K, 0, 0, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
}

static void test_sept_rd_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = {
		MH_GL(0, 4), MH_GL(0, 5), MH_GL(GPA_4K, 0) | 0x10, MH_GL(GPA_4K, 1),
		MH_GL(SHARED_BIT | GPA_4K, 0),
	};
	struct fx_td td;

	mh_td_make(fx, &td, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(mh_call(fx, TDH_MEM_SEPT_RD, bad[i], td.tdr, 0, 0, NULL),
				       TDX_OPERAND_ID_RCX);
}

static void test_sept_rd_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;

	mh_td_uninit(fx, &td);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_RD, &td, 0, 3, 0, NULL), TDX_OP_STATE_INCORRECT);
}

/* ---- SEPT.REMOVE ---- */

static void test_sept_remove_before_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t l2, l1, base;

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	l2 = mh_sept_add_ok(fx, &td, 0, 2);
	l1 = mh_sept_add_ok(fx, &td, 0, 1);
	base = chldcnt(fx, &td);

	/* Before MR.FINALIZE no BLOCK/TRACK is needed. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_free(fx, &td, 0, 1);
	mh_assert_page(fx, l1, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 1);

	assert_status(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 2, 0, NULL), TDX_SUCCESS);
	mh_assert_free(fx, &td, 0, 2);
	mh_assert_page(fx, l2, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 2);

	/* The freed page can be a SEPT page again. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 2, l1, NULL), TDX_SUCCESS);
	mh_assert_page(fx, l1, PT_EPT, td.tdr, 0);
}

static void test_sept_remove_ept_page_not_free(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, l1, gl[] = { MH_GL(0, 2), MH_GL(0, 1), MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_sept_add_ok(fx, &td, 0, 2);
	l1 = mh_sept_add_ok(fx, &td, 0, 1);
	src = mh_src_page(fx, 2);
	mh_page_add_ok(fx, &td, GPA_4K, src);

	/* The level-1 table holds a page. */
	mh_snap_take(fx, &s, &td, &l1, 1, gl, 3);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, &out), TDX_EPT_PAGE_NOT_FREE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	/* The level-2 table holds a table. */
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 2, 0, &out), TDX_EPT_PAGE_NOT_FREE);
	assert_int_equal(out.rdx, MH_INFO(2, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
}

static void test_sept_remove_gpa_range_not_blocked(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t l1, gl[] = { MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_sept_add_ok(fx, &td, 0, 2);
	l1 = mh_sept_add_ok(fx, &td, 0, 1);
	mh_finalize(fx, &td, &vp);

	/* RUNNABLE: the entry must be blocked first. */
	mh_snap_take(fx, &s, &td, &l1, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_int_equal(out.rcx, MH_RWX);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	mh_assert_page(fx, l1, PT_EPT, td.tdr, 0);
}

static void test_sept_remove_tlb_tracking_not_done(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	struct fx_rdmd md;
	uint64_t l1, base, epoch, gl[] = { MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_sept_add_ok(fx, &td, 0, 2);
	l1 = mh_sept_add_ok(fx, &td, 0, 1);
	mh_finalize(fx, &td, &vp);
	base = chldcnt(fx, &td);

	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0, 1, 0, NULL), TDX_SUCCESS);
	mh_assert_nl(fx, &td, 0, 1, MH_NL_BLOCKED);
	/* BLOCK records the TD epoch in the table page's BEPOCH. */
	epoch = fx_mng_rd_ok(fx, td.tdr, MH_TD_EPOCH);
	assert_status(fx_rdmd(fx, l1, &md), TDX_SUCCESS);
	assert_int_equal(md.bepoch, epoch);

	mh_snap_take(fx, &s, &td, &l1, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, NULL),
			   TDX_TLB_TRACKING_NOT_DONE);
	mh_snap_check(fx, &s);

	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, NULL), TDX_SUCCESS);
	mh_assert_free(fx, &td, 0, 1);
	mh_assert_page(fx, l1, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 1);
}

static void test_sept_remove_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, gl[] = { MH_GL(GPA_2M, 1), MH_GL(0x400000, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, GPA_2M, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);

	/* A 2M leaf is not a table. */
	mh_snap_take(fx, &s, &td, &big, 1, gl, 2);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, GPA_2M, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 1, MH_PENDING, big);
	mh_snap_check(fx, &s);
	/* Nor is a FREE entry. */
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0x400000, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_sept_remove_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 3), MH_GL(0, 2), MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 3);
	/* Levels 1..2 only: level 0 is a page, level 3 the root's own entries. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 0, 0, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 3, 0, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_call(fx, TDH_MEM_SEPT_REMOVE, MH_GL(0, 1) | 0x100, td.tdr, 0, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, GPA_4K, 1, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

static void test_sept_remove_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 3) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(2, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_sept_remove_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	mh_td_uninit(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
}

static void test_sept_leaves_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t page, gl[] = { MH_GL(0, 1), MH_GL(GPA_2M, 1) };

	/* After VPFLUSHDONE (TD_BLOCKED) the TD's SEPT may not change. */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 2);
	mh_td_block(fx, &td, NULL);
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, GPA_2M, 1, page, NULL),
				      "SEPT.ADD");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_SEPT_REMOVE, &td, 0, 1, 0, NULL),
				      "SEPT.REMOVE");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_SEPT_RD, &td, 0, 1, 0, NULL), "SEPT.RD");
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), s.s.td_val[0][3]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_sept_add_success),
		FX_TEST(test_sept_add_after_finalize),
		FX_TEST(test_sept_add_operand_invalid_rcx),
		FX_TEST(test_sept_add_operand_invalid_r8),
		FX_TEST(test_sept_add_page_metadata_incorrect),
		FX_TEST(test_sept_add_ept_walk_failed),
		FX_TEST(test_sept_add_ept_entry_not_free),
		FX_TEST(test_sept_add_op_state_incorrect),
		FX_TEST(test_sept_add_tdr_page_metadata_incorrect),
		FX_TEST(test_sept_rd_every_state),
		FX_TEST(test_sept_rd_pending_sept_ve_disable),
		FX_TEST(test_sept_rd_ept_walk_failed),
		FX_TEST(test_sept_rd_operand_invalid),
		FX_TEST(test_sept_rd_op_state_incorrect),
		FX_TEST(test_sept_remove_before_finalize),
		FX_TEST(test_sept_remove_ept_page_not_free),
		FX_TEST(test_sept_remove_gpa_range_not_blocked),
		FX_TEST(test_sept_remove_tlb_tracking_not_done),
		FX_TEST(test_sept_remove_ept_entry_state_incorrect),
		FX_TEST(test_sept_remove_operand_invalid),
		FX_TEST(test_sept_remove_ept_walk_failed),
		FX_TEST(test_sept_remove_op_state_incorrect),
		FX_TEST(test_sept_leaves_td_keys_not_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

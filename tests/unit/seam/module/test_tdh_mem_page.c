/*
 * Unit tests of seam/module/src/tdh_mem_page.c, first part: TDH.MEM.PAGE.ADD,
 * PAGE.AUG (4K and 2M), PAGE.REMOVE, MEM.RD and MEM.WR on a whole emulated
 * machine (reference tdx-abi.md 1.3, 4.7, 4.9).  Success paths check the
 * SEPT entry (SEPT.RD), the page metadata (RDMD), CHLDCNT and the page
 * content (MEM.RD on a debug TD, the host view); each refused call is
 * followed by a check that nothing the host can observe changed.
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
#define SHARED_BIT	TDX_BIT(47)

static uint64_t chldcnt(struct fx *fx, const struct fx_td *td)
{
	return fx_mng_rd_ok(fx, td->tdr, FX_TD_CHLDCNT);
}

/* Every 8-byte word of the page at @gpa, read with MEM.RD, is pattern @seed. */
static void assert_td_page_pattern(struct fx *fx, const struct fx_td *td, uint64_t gpa,
				   uint64_t seed)
{
	for (unsigned int w = 0; w < MH_PAGE / 8; w++) {
		uint64_t v = 0, st = mh_mem_rd(fx, td, gpa + 8ULL * w, &v);

		if (st != TDX_SUCCESS)
			fail_msg("MEM.RD 0x%llx: 0x%016llx", (unsigned long long)(gpa + 8ULL * w),
				 (unsigned long long)st);
		if (v != mh_pattern(seed, w))
			fail_msg("MEM.RD 0x%llx: 0x%llx, expected 0x%llx",
				 (unsigned long long)(gpa + 8ULL * w), (unsigned long long)v,
				 (unsigned long long)mh_pattern(seed, w));
	}
}

/* Every line of [pa, pa+len) is TD-owned under @hkid, not poisoned. */
static void assert_td_lines(struct fx *fx, uint64_t pa, uint64_t len, hkid_t hkid)
{
	for (uint64_t off = 0; off < len; off += 64) {
		struct pmem_line_info li;

		assert_int_equal(pmem_line_info(fx->plat, pa + off, &li), 0);
		if (li.keyid != hkid || !li.td_owner || li.poison)
			fail_msg("line 0x%llx: keyid %u td %d poison %d", (unsigned long long)(pa + off),
				 (unsigned int)li.keyid, li.td_owner, li.poison);
	}
}

/* ---- PAGE.ADD ---- */

static void test_page_add_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t src, page, base;
	uint8_t before[MH_PAGE], after[MH_PAGE];

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	base = chldcnt(fx, &td);
	src = mh_src_page(fx, 7);
	page = fx_alloc_page(fx);
	fx_fill(fx, page, 0xEE, MH_PAGE);
	fx_read(fx, src, before, sizeof(before));

	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, page, src, &out),
		      TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_MAPPED, page);
	mh_assert_page(fx, page, PT_REG, td.tdr, 0);
	assert_int_equal(chldcnt(fx, &td), base + 1);
	/* The TD sees the source; the host sees zeros; the source is untouched. */
	assert_td_page_pattern(fx, &td, GPA_4K, 7);
	assert_true(fx_reads_zero(fx, page, MH_PAGE));
	assert_td_lines(fx, page, MH_PAGE, td.hkid);
	fx_read(fx, src, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

static void test_page_add_operand_invalid_rcx(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = {
		MH_GL(GPA_2M, 1),		/* level != 0 */
		MH_GL(GPA_4K, 2),
		MH_GL(GPA_4K, 0) | 0x8,		/* reserved bits 11:3 */
		MH_GL(GPA_4K, 0) | 0x400,
		MH_GL(SHARED_BIT | GPA_4K, 0),	/* shared GPA */
	};
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, gl[] = { MH_GL(GPA_4K, 0), MH_GL(GPA_2M, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 2);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t st = mh_call(fx, TDH_MEM_PAGE_ADD, bad[i], td.tdr, page, src, NULL);

		if (st != tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX))
			fail_msg("RCX 0x%llx: 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
		mh_snap_check(fx, &s);
	}
}

static void test_page_add_operand_invalid_r9(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, bad[4], gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = fx_alloc_page(fx);
	bad[0] = pmem_pa_with_keyid(fx->plat, src, td.hkid);	/* not shared: a private KeyID */
	bad[1] = fx->cfg.seamrr.base;				/* in SEAMRR */
	bad[2] = src + 0x100;					/* not 4K aligned */
	bad[3] = 1ULL << fx->cfg.max_pa;			/* beyond MAX_PA */
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t st = mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, page, bad[i], NULL);

		if (st != tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9))
			fail_msg("R9 0x%llx: 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
		mh_snap_check(fx, &s);
	}
}

static void test_page_add_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, used, gl[] = { MH_GL(0x2000, 0), MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	used = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_snap_take(fx, &s, &td, &used, 1, gl, 2);
	/* R8: the TDR, a TDCX page, a page already added. */
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(0x2000, 0), td.tdr, td.tdr, src, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(0x2000, 0), td.tdr, td.tdcx[1], src, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(0x2000, 0), td.tdr, used, src, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
}

static void test_page_add_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot fs;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td, un;
	uint64_t src, page, gl[] = { MH_GL(GPA_4K, 0) };

	src = mh_src_page(fx, 1);
	page = fx_alloc_page(fx);
	/* UNINITIALIZED. */
	mh_td_uninit(fx, &un);
	fx_snapshot_td(fx, &fs, &un, &page, 1);
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), un.tdr, page, src, NULL),
		      TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &fs);

	/* RUNNABLE: after MR.FINALIZE. */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_finalize(fx, &td, &vp);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, page, src, NULL),
		      TDX_OP_STATE_INCORRECT);
	mh_snap_check(fx, &s);
}

static void test_page_add_ept_entry_not_free(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, first, second, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	first = mh_page_add_ok(fx, &td, GPA_4K, src);
	second = fx_alloc_page(fx);
	fx_write(fx, src, &(uint64_t){ 0x1234 }, 8);
	mh_snap_take(fx, &s, &td, &second, 1, gl, 1);
	assert_status_code(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, second, src, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	mh_assert_leaf_report(&out, 0, MH_MAPPED, first);
	mh_snap_check(fx, &s);
	/* The first page's content is still the first source. */
	assert_td_page_pattern(fx, &td, GPA_4K, 1);
}

static void test_page_add_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, gl[] = { MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	src = mh_src_page(fx, 1);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status_code(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, page, src, &out),
			   TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

/* ---- PAGE.AUG ---- */

static void test_page_aug_4k_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t page, base, v;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	base = chldcnt(fx, &td);
	page = fx_alloc_page(fx);
	fx_fill(fx, page, 0xAA, MH_PAGE);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_4K, 0, page, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, 0);
	assert_int_equal(out.rdx, 0);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_PENDING, page);
	mh_assert_page(fx, page, PT_REG, td.tdr, 0);
	assert_int_equal(chldcnt(fx, &td), base + 1);
	/*
	 * Zeroed under the TD's key: every line re-initialized with the TD's
	 * KeyID, the host view zero.  MEM.RD cannot show it: PENDING is not
	 * readable until the guest accepts the page.
	 */
	assert_td_lines(fx, page, MH_PAGE, td.hkid);
	assert_true(fx_reads_zero(fx, page, MH_PAGE));
	assert_status_code(mh_mem_rd(fx, &td, GPA_4K, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
}

static void test_page_aug_2m_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t big, base;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	/* A 2M leaf lives in a PD: SEPT.ADD at levels 3 and 2 only. */
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_sept_add_ok(fx, &td, 0, 2);
	base = chldcnt(fx, &td);
	big = mh_alloc_2m(fx);
	fx_fill(fx, big, 0xAA, MH_SZ_2M);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	mh_assert_leaf(fx, &td, GPA_2M, 1, MH_PENDING, big);
	assert_int_equal(chldcnt(fx, &td), base + 512);
	/* One 2M PAMT entry: any 4K page inside reports PT_REG, size 2M. */
	mh_assert_page(fx, big, PT_REG, td.tdr, 1);
	mh_assert_page(fx, big + 511 * MH_PAGE, PT_REG, td.tdr, 1);
	assert_td_lines(fx, big, MH_SZ_2M, td.hkid);
	assert_true(fx_reads_zero(fx, big, MH_SZ_2M));
	/* No 4K page of it can be handed out again. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 1, big + 7 * MH_PAGE, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
}

static void test_page_aug_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;
	uint64_t page;

	/* AUG is the post-finalize way to add memory (reference 4.9). */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_finalize(fx, &td, &vp);
	page = mh_page_aug_ok(fx, &td, GPA_4K);
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_PENDING, page);
}

static void test_page_aug_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	uint64_t page;

	mh_td_uninit(fx, &td);
	page = fx_alloc_page(fx);
	fx_snapshot_td(fx, &s, &td, &page, 1);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_4K, 0, page, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
}

static void test_page_aug_2m_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, pages[3], gl[] = { MH_GL(GPA_2M, 1), MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	mh_sept_add_ok(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	/* One 4K page of the range becomes a SEPT page. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 1, big + 300 * MH_PAGE, NULL), TDX_SUCCESS);
	pages[0] = big;
	pages[1] = big + 300 * MH_PAGE;
	pages[2] = big + 511 * MH_PAGE;
	mh_snap_take(fx, &s, &td, pages, 3, gl, 2);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
}

static void test_page_aug_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_4K, 0, td.tdcx[3], NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8));
	mh_snap_check(fx, &s);
}

static void test_page_aug_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, page, gl[] = { MH_GL(GPA_2M, 1), MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	big = mh_alloc_2m(fx);
	page = fx_alloc_page(fx);
	mh_snap_take(fx, &s, &td, &big, 1, gl, 2);
	/* R8: a 2M page must be 2M aligned, a 4K page 4K aligned. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big + MH_PAGE, NULL),
			       TDX_OPERAND_ID_R8);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_4K, 0, page + 0x40, NULL),
			       TDX_OPERAND_ID_R8);
	/* RCX: level 2, misaligned 2M GPA, shared GPA. */
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, 0, 2, big, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M + MH_PAGE, 1, big, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, SHARED_BIT | GPA_4K, 0, page, NULL),
			       TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

static void test_page_aug_ept_entry_not_free(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, mapped, page, big, gl[] = { MH_GL(GPA_4K, 0), MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	mapped = mh_page_add_ok(fx, &td, GPA_4K, src);
	page = fx_alloc_page(fx);
	big = mh_alloc_2m(fx);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 2);
	/* A MAPPED 4K entry. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_4K, 0, page, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	mh_assert_leaf_report(&out, 0, MH_MAPPED, mapped);
	mh_snap_check(fx, &s);
	/* A 2M AUG where a 4K table already is. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, 0, 1, big, &out), TDX_EPT_ENTRY_NOT_FREE);
	assert_int_equal(out.rcx, MH_RWX);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	assert_int_equal(fx_page_type(fx, big), PT_NDA);
}

static void test_page_aug_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t big, gl[] = { MH_GL(0, 3) };

	mh_td_make(fx, &td, 0);
	mh_sept_add_ok(fx, &td, 0, 3);
	big = mh_alloc_2m(fx);
	mh_snap_take(fx, &s, &td, &big, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(2, MH_FREE));
	mh_snap_check(fx, &s);
}

/* ---- PAGE.REMOVE ---- */

static void test_page_remove_before_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t src, added, augd, base;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	added = mh_page_add_ok(fx, &td, GPA_4K, src);
	augd = mh_page_aug_ok(fx, &td, 0x2000);
	base = chldcnt(fx, &td);

	/* MAPPED, not blocked: fine before MR.FINALIZE. RCX = the page. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, added);
	assert_int_equal(out.rdx, 0);
	mh_assert_free(fx, &td, GPA_4K, 0);
	mh_assert_page(fx, added, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 1);
	/* PENDING likewise. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, 0x2000, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, augd);
	assert_int_equal(out.rdx, 0);
	mh_assert_free(fx, &td, 0x2000, 0);
	mh_assert_page(fx, augd, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 2);
	/* The GPA and the page can be used again. */
	assert_status(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(GPA_4K, 0), td.tdr, added, src, NULL),
		      TDX_SUCCESS);
}

static void test_page_remove_2m(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t big, base;

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	big = mh_alloc_2m(fx);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, GPA_2M, 1, big, NULL), TDX_SUCCESS);
	base = chldcnt(fx, &td);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_2M, 1, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, big);
	assert_int_equal(out.rdx, 0);
	assert_int_equal(chldcnt(fx, &td), base - 512);
	mh_assert_free(fx, &td, GPA_2M, 1);
	mh_assert_page(fx, big, PT_NDA, 0, 0);
	mh_assert_page(fx, big + 511 * MH_PAGE, PT_NDA, 0, 0);
	/* Its 4K pages are free for other uses. */
	assert_status(mh_gpa(fx, TDH_MEM_SEPT_ADD, &td, 0, 1, big + 5 * MH_PAGE, NULL), TDX_SUCCESS);
}

static void test_page_remove_gpa_range_not_blocked(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, page, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	mh_assert_leaf_report(&out, 0, MH_MAPPED, page);
	mh_snap_check(fx, &s);
}

static void test_page_remove_tlb_tracking_not_done(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, page, base, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	base = chldcnt(fx, &td);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, GPA_4K, 0, 0, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, NULL),
			   TDX_TLB_TRACKING_NOT_DONE);
	mh_snap_check(fx, &s);

	assert_status(mh_track(fx, &td), TDX_SUCCESS);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, &out), TDX_SUCCESS);
	assert_int_equal(out.rcx, page);
	assert_int_equal(out.rdx, 0);
	mh_assert_free(fx, &td, GPA_4K, 0);
	mh_assert_page(fx, page, PT_NDA, 0, 0);
	assert_int_equal(chldcnt(fx, &td), base - 1);
}

static void test_page_remove_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 1), MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 2);
	/* A table is not a page. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, 0, 1, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_RWX);
	assert_int_equal(out.rdx, MH_INFO(1, MH_NL_MAPPED));
	mh_snap_check(fx, &s);
	/* Nor is a FREE entry. */
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(0, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_page_remove_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_status_code(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, &out),
			   TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_page_remove_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 1) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, 0, 3, 0, NULL), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 1, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(mh_call(fx, TDH_MEM_PAGE_REMOVE, GPA_4K | 0x20, td.tdr, 0, 0, NULL),
			       TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

/* ---- MEM.RD / MEM.WR ---- */

static void test_mem_rd_wr_round_trip(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, v, old;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 3);
	mh_page_add_ok(fx, &td, GPA_4K, src);

	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0x18, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(3, 3));
	/* WR returns the old value in R8. */
	assert_status(mh_mem_wr(fx, &td, GPA_4K + 0x18, 0xFEEDFACECAFEBEEFULL, &old), TDX_SUCCESS);
	assert_int_equal(old, mh_pattern(3, 3));
	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0x18, &v), TDX_SUCCESS);
	assert_int_equal(v, 0xFEEDFACECAFEBEEFULL);
	/* Neighbours unchanged. */
	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0x10, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(3, 2));
	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0x20, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(3, 4));
	/* The last word of the page; and after MR.FINALIZE too. */
	mh_finalize(fx, &td, &vp);
	assert_status(mh_mem_wr(fx, &td, GPA_4K + 0xFF8, 42, &old), TDX_SUCCESS);
	assert_int_equal(old, mh_pattern(3, 511));
	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0xFF8, &v), TDX_SUCCESS);
	assert_int_equal(v, 42);
}

static void test_mem_rd_td_non_debug(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, v = 0, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 3);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status(mh_mem_rd(fx, &td, GPA_4K, &v), TDX_TD_NON_DEBUG);
	/* Nothing of the page leaks through R8. */
	assert_int_not_equal(v, mh_pattern(3, 0));
	mh_snap_check(fx, &s);
}

static void test_mem_wr_td_non_debug(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, old = 0, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 3);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	assert_status(mh_mem_wr(fx, &td, GPA_4K, 5, &old), TDX_TD_NON_DEBUG);
	assert_int_not_equal(old, mh_pattern(3, 0));
	mh_snap_check(fx, &s);
	/* The page is intact: the TD's own key still reads it (MR.EXTEND). */
	assert_status(mh_call(fx, TDH_MR_EXTEND, GPA_4K, td.tdr, 0, 0, NULL), TDX_SUCCESS);
}

static void test_mem_rd_wr_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = { GPA_4K + 4, GPA_4K + 1, GPA_4K + 0xFFF, SHARED_BIT | GPA_4K };
	struct fx_td td;
	uint64_t src, v;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 3);
	mh_page_add_ok(fx, &td, GPA_4K, src);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		assert_operand_invalid(mh_mem_rd(fx, &td, bad[i], &v), TDX_OPERAND_ID_RCX);
		assert_operand_invalid(mh_mem_wr(fx, &td, bad[i], 0, &v), TDX_OPERAND_ID_RCX);
	}
	/* The misaligned writes changed nothing. */
	assert_td_page_pattern(fx, &td, GPA_4K, 3);
}

static void test_mem_rd_wr_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, v, gl[] = { MH_GL(GPA_4K, 0), MH_GL(0x2000, 0), MH_GL(0x3000, 0) };

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 3);
	mh_page_aug_ok(fx, &td, GPA_4K);			/* PENDING */
	mh_page_add_ok(fx, &td, 0x2000, src);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0x2000, 0, 0, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 3);
	assert_status_code(mh_mem_rd(fx, &td, GPA_4K, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_status_code(mh_mem_wr(fx, &td, GPA_4K + 8, 1, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_snap_check(fx, &s);
	/* BLOCKED is neither readable nor writable (reference 4.7). */
	assert_status_code(mh_mem_rd(fx, &td, 0x2000, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_status_code(mh_mem_wr(fx, &td, 0x2000, 1, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
	/* FREE */
	assert_status_code(mh_mem_rd(fx, &td, 0x3000, &v), TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_snap_check(fx, &s);
}

static void test_mem_rd_pending_reports_sept_entry(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t page;

	/* Reference 1.3: a failing SEPT check returns the entry in RCX/RDX. */
	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	page = mh_page_aug_ok(fx, &td, GPA_4K);
	assert_status_code(mh_call(fx, TDH_MEM_RD, GPA_4K, td.tdr, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 0, MH_PENDING, page);
	assert_status_code(mh_call(fx, TDH_MEM_WR, GPA_4K, td.tdr, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 0, MH_PENDING, page);
}

static void test_mem_rd_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 2);
	assert_status_code(mh_call(fx, TDH_MEM_RD, GPA_4K, td.tdr, 0, 0, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
}

static void test_mem_rd_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t v;

	mh_td_uninit(fx, &td);
	assert_status(mh_mem_rd(fx, &td, GPA_4K, &v), TDX_OP_STATE_INCORRECT);
	assert_status(mh_mem_wr(fx, &td, GPA_4K, 0, &v), TDX_OP_STATE_INCORRECT);
}

static void test_page_leaves_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t src, page, mapped, count, v;

	/* After VPFLUSHDONE (TD_BLOCKED) no page may come or go, nor be read. */
	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	mapped = mh_page_add_ok(fx, &td, GPA_4K, src);
	page = fx_alloc_page(fx);
	count = fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT);
	mh_td_block(fx, &td, NULL);
	mh_assert_keys_not_configured(mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(0x2000, 0), td.tdr, page,
					      src, NULL), "PAGE.ADD");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, 0x3000, 0, page, NULL),
				      "PAGE.AUG");
	mh_assert_keys_not_configured(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, GPA_4K, 0, 0, NULL),
				      "PAGE.REMOVE");
	mh_assert_keys_not_configured(mh_mem_rd(fx, &td, GPA_4K, &v), "MEM.RD");
	mh_assert_keys_not_configured(mh_mem_wr(fx, &td, GPA_4K, 0, &v), "MEM.WR");
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
	assert_int_equal(fx_page_type(fx, mapped), PT_REG);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_page_add_success),
		FX_TEST(test_page_add_operand_invalid_rcx),
		FX_TEST(test_page_add_operand_invalid_r9),
		FX_TEST(test_page_add_page_metadata_incorrect),
		FX_TEST(test_page_add_op_state_incorrect),
		FX_TEST(test_page_add_ept_entry_not_free),
		FX_TEST(test_page_add_ept_walk_failed),
		FX_TEST(test_page_aug_4k_success),
		FX_TEST(test_page_aug_2m_success),
		FX_TEST(test_page_aug_after_finalize),
		FX_TEST(test_page_aug_op_state_incorrect),
		FX_TEST(test_page_aug_2m_page_metadata_incorrect),
		FX_TEST(test_page_aug_page_metadata_incorrect),
		FX_TEST(test_page_aug_operand_invalid),
		FX_TEST(test_page_aug_ept_entry_not_free),
		FX_TEST(test_page_aug_ept_walk_failed),
		FX_TEST(test_page_remove_before_finalize),
		FX_TEST(test_page_remove_2m),
		FX_TEST(test_page_remove_gpa_range_not_blocked),
		FX_TEST(test_page_remove_tlb_tracking_not_done),
		FX_TEST(test_page_remove_ept_entry_state_incorrect),
		FX_TEST(test_page_remove_ept_walk_failed),
		FX_TEST(test_page_remove_operand_invalid),
		FX_TEST(test_mem_rd_wr_round_trip),
		FX_TEST(test_mem_rd_td_non_debug),
		FX_TEST(test_mem_wr_td_non_debug),
		FX_TEST(test_mem_rd_wr_operand_invalid),
		FX_TEST(test_mem_rd_wr_ept_entry_state_incorrect),
		FX_TEST(test_mem_rd_pending_reports_sept_entry),
		FX_TEST(test_mem_rd_ept_walk_failed),
		FX_TEST(test_mem_rd_op_state_incorrect),
		FX_TEST(test_page_leaves_td_keys_not_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Malicious host: the secure EPT.  GPAs carrying the shared bit, reserved
 * bits in "gpa+lvl", levels out of range, mapping over a mapped entry,
 * removing what is not there, skipping BLOCK/TRACK, measuring what is not
 * mapped, pulling a table out from under its pages (reference tdx-abi.md
 * 1.3 MEM leaves, 4.7 SEPT states, 4.9 TLB tracking).  Failing MEM leaves
 * report the SEPT entry in RCX and level/state in RDX.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mh.h"

#define GPA_FREE	0x10000ULL
#define SEPT_PA_MASK	TDX_GENMASK(51, 12)
#define SEPT_INFO(level, state)	((uint64_t)(level) | ((uint64_t)(state) << 8))

static struct mh *one_td(void **state, struct mh_td *a)
{
	struct mh *mh = *state = mh_boot();

	mh_td_build(mh, a, 1, 0, 4);
	return mh;
}

static void snap_a(struct mh *mh, struct mh_snap *s, const struct mh_td *a, const uint64_t *pages,
		   unsigned int n)
{
	mh_snap_init(s);
	mh_snap_td(s, a);
	mh_snap_gpa(s, a->tdr, GPA_FREE);
	mh_snap_gpa(s, a->tdr, TDX_SZ_2M | 1);
	mh_snap_gpa(s, a->tdr, TDX_SZ_1G | 2);
	for (unsigned int i = 0; i < n; i++)
		mh_snap_page(s, pages[i], false);
	mh_snap_take(mh, s);
}

/* The SEPT class (0x0B) with the error bit: how MEM leaves refuse an entry. */
static void assert_sept_refusal(uint64_t st, const char *what)
{
	if (!(st & TDX_STATUS_ERROR) || tdx_status_class(st) != TDX_CLASS_SEPT)
		fail_msg("%s: status 0x%016llx, expected a SEPT-class error", what,
			 (unsigned long long)st);
}

static void test_page_add_twice_same_gpa(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t fresh = mh_page(mh);
	uint64_t pages[] = { fresh };
	struct tdx_module_args out;
	struct mh_snap s;

	snap_a(mh, &s, &a, pages, 1);
	/* GPA 0 is MAPPED: a second page there would replace measured contents. */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_ADD, 0, a.tdr, fresh, a.src, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	assert_u64(out.rcx & SEPT_PA_MASK, a.page[0]);
	assert_u64(out.rcx & 7, 7);
	assert_u64(out.rdx, SEPT_INFO(0, MH_SEPT_MAPPED));
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_AUG, MH_PAGE, a.tdr, fresh, 0, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	assert_u64(out.rdx, SEPT_INFO(0, MH_SEPT_MAPPED));
	/* A 2M page over the 4K table at GPA 0, and a second table there. */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_AUG, 0 | 1, a.tdr,
				       mh_pages_aligned(mh, 512, TDX_SZ_2M), 0, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	assert_u64(out.rdx, SEPT_INFO(1, MH_SEPT_NL_MAPPED));
	assert_status_code(mh_call_out(mh, TDH_MEM_SEPT_ADD, 0 | 1, a.tdr, fresh, 0, &out),
			   TDX_EPT_ENTRY_NOT_FREE);
	assert_u64(out.rdx, SEPT_INFO(1, MH_SEPT_NL_MAPPED));
	mh_assert_unchanged(mh, &s);
}

static void test_gpa_with_shared_bit(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t fresh = mh_page(mh);
	uint64_t pages[] = { fresh };
	const uint64_t bad[] = { MH_SHARED_BIT, MH_SHARED_BIT | GPA_FREE, 1ULL << 48,
				 1ULL << 51, 1ULL << 63 };
	struct mh_snap s;

	snap_a(mh, &s, &a, pages, 1);
	/* Private leaves on shared (or beyond-GPAW) GPAs. */
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t g = bad[i];

		assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, g | 1, a.tdr, fresh, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, g, a.tdr, fresh, a.src),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, g, a.tdr, fresh, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_RANGE_BLOCK, g, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_REMOVE, g, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_RD, g, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MR_EXTEND, g, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	}
	mh_assert_unchanged(mh, &s);
}

static void test_gpa_operand_reserved_bits(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t fresh = mh_page(mh);
	uint64_t pages[] = { fresh };
	struct mh_snap s;

	snap_a(mh, &s, &a, pages, 1);
	/* "gpa+lvl": bits 11:3 are reserved. */
	for (unsigned int bit = 3; bit <= 11; bit++) {
		uint64_t r = 1ULL << bit;

		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE | r, a.tdr, fresh, a.src),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE | r, a.tdr, fresh, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2 | r, a.tdr, fresh, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_RANGE_BLOCK, r, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_RANGE_UNBLOCK, r, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE | r, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_REMOVE, 1 | r, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_RD, r, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	}
	mh_assert_unchanged(mh, &s);
}

static void test_gpa_operand_bad_level(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t fresh = mh_page(mh);
	uint64_t pages[] = { fresh };
	struct mh_snap s;

	snap_a(mh, &s, &a, pages, 1);
	/* PAGE.ADD is 4K only; AUG 4K or 2M; SEPT.ADD 1..3 on 4-level EPT; REMOVE 0..2. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, TDX_SZ_2M | 1, a.tdr, fresh, a.src),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, TDX_SZ_1G | 2, a.tdr, fresh, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, GPA_FREE | 0, a.tdr, fresh, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	for (uint64_t l = 4; l <= 7; l++) {
		assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, 0 | l, a.tdr, fresh, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_RD, 0 | l, a.tdr, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	}
	assert_operand(mh_call(mh, TDH_MEM_PAGE_REMOVE, 0 | 3, a.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_REMOVE, GPA_FREE | 0, a.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	/* GPAs not aligned to their level. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, MH_PAGE | 1, a.tdr,
			       mh_pages_aligned(mh, 512, TDX_SZ_2M), 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_2M | 2, a.tdr, fresh, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 3, a.tdr, fresh, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE | 1, a.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_page_remove_gpa_without_page(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	struct tdx_module_args out;
	struct mh_snap s;

	snap_a(mh, &s, &a, NULL, 0);
	/* A FREE leaf: nothing to remove. */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, GPA_FREE, a.tdr, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_u64(out.rdx, SEPT_INFO(0, MH_SEPT_FREE));
	assert_u64(out.rcx & SEPT_PA_MASK, 0);
	/* No table below GPA 2M: the walk stops at the level-1 entry. */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, TDX_SZ_2M, a.tdr, 0, 0, &out),
			   TDX_EPT_WALK_FAILED);
	assert_u64(out.rdx, SEPT_INFO(1, MH_SEPT_FREE));
	/* A table entry is not a page: REMOVE at level 1 of GPA 0 (NL_MAPPED). */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, 0 | 1, a.tdr, 0, 0, &out),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_u64(out.rdx, SEPT_INFO(1, MH_SEPT_NL_MAPPED));
	mh_assert_unchanged(mh, &s);
}

static void test_range_unblock_without_track(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	struct tdx_module_args out;
	struct mh_snap s;

	assert_status(mh_call(mh, TDH_MEM_RANGE_BLOCK, MH_PAGE, a.tdr, 0, 0), TDX_SUCCESS);
	assert_u64(mh_sept_state(mh, a.tdr, MH_PAGE), MH_SEPT_BLOCKED);
	snap_a(mh, &s, &a, NULL, 0);
	/* The blocking epoch has not been tracked: TLBs may still map the page. */
	assert_status_code(mh_call(mh, TDH_MEM_RANGE_UNBLOCK, MH_PAGE, a.tdr, 0, 0),
			   TDX_TLB_TRACKING_NOT_DONE);
	assert_status(mh_call(mh, TDH_MEM_RANGE_BLOCK, MH_PAGE, a.tdr, 0, 0),
		      TDX_GPA_RANGE_ALREADY_BLOCKED);
	/* Unblocking what is not blocked. */
	assert_status_code(mh_call_out(mh, TDH_MEM_RANGE_UNBLOCK, 0, a.tdr, 0, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_u64(out.rdx, SEPT_INFO(0, MH_SEPT_MAPPED));
	mh_assert_unchanged(mh, &s);
	assert_status(mh_call(mh, TDH_MEM_TRACK, a.tdr, 0, 0, 0), TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_MEM_RANGE_UNBLOCK, MH_PAGE, a.tdr, 0, 0), TDX_SUCCESS);
	assert_u64(mh_sept_state(mh, a.tdr, MH_PAGE), MH_SEPT_MAPPED);
}

static void test_mr_extend_unmapped_gpa(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t pend = mh_page(mh);
	struct tdx_module_args out;
	struct mh_snap s;

	/* A PENDING page (AUG) is not measurable either: only MAPPED is. */
	assert_status(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE + MH_PAGE, a.tdr, pend, 0), TDX_SUCCESS);
	snap_a(mh, &s, &a, &pend, 1);
	assert_sept_refusal(mh_call(mh, TDH_MR_EXTEND, GPA_FREE, a.tdr, 0, 0),
			    "MR.EXTEND of a FREE GPA");
	assert_sept_refusal(mh_call(mh, TDH_MR_EXTEND, GPA_FREE + MH_PAGE, a.tdr, 0, 0),
			    "MR.EXTEND of a PENDING GPA");
	assert_sept_refusal(mh_call_out(mh, TDH_MR_EXTEND, TDX_SZ_2M + 0x100, a.tdr, 0, 0, &out),
			    "MR.EXTEND of a GPA with no table");
	assert_u64(out.rdx, SEPT_INFO(1, MH_SEPT_FREE));
	/* RCX: a 256-byte aligned private GPA. */
	assert_operand(mh_call(mh, TDH_MR_EXTEND, 0x80, a.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MR_EXTEND, MH_SHARED_BIT, a.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_sept_remove_non_empty_table(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	struct tdx_module_args out;
	struct mh_snap s;

	snap_a(mh, &s, &a, NULL, 0);
	/* The PT under GPA 0 still maps 4 pages; the PD above it still maps the PT. */
	assert_status_code(mh_call_out(mh, TDH_MEM_SEPT_REMOVE, 0 | 1, a.tdr, 0, 0, &out),
			   TDX_EPT_PAGE_NOT_FREE);
	assert_status_code(mh_call(mh, TDH_MEM_SEPT_REMOVE, 0 | 2, a.tdr, 0, 0),
			   TDX_EPT_PAGE_NOT_FREE);
	/* A FREE entry has no table to remove. */
	assert_status_code(mh_call(mh, TDH_MEM_SEPT_REMOVE, TDX_SZ_1G | 2, a.tdr, 0, 0),
			   TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);
	for (unsigned int i = 0; i < a.nr_sept; i++)
		assert_u64(mh_page_type(mh, a.sept[i]), PT_EPT);
}

/* A vCPU and MR.FINALIZE: RUNNABLE. */
static void finalize(struct mh *mh, struct mh_td *a)
{
	uint64_t tdvpr = mh_page(mh);
	uint64_t st = mh_call(mh, TDH_VP_CREATE, tdvpr, a->tdr, 0, 0);
	struct tdx_module_args init = { .rax = TDH_VP_INIT, .rcx = tdvpr };

	assert_status(st, TDX_SUCCESS);
	for (unsigned int i = 0; i < 5; i++)
		assert_status(mh_call(mh, TDH_VP_ADDCX, mh_page(mh), tdvpr, 0, 0), TDX_SUCCESS);
	st = mh_sc(mh, 0, &init);
	if (st != TDX_SUCCESS) {
		/* Newer modules (and Linux) use VP.INIT v1 with the x2APIC ID in R8. */
		init = (struct tdx_module_args){ .rax = TDH_VP_INIT | TDX_LEAF_VERSION(1),
						 .rcx = tdvpr, .r8 = 0 };
		assert_status(mh_sc(mh, 0, &init), TDX_SUCCESS);
	}
	assert_status(mh_call(mh, TDH_MR_FINALIZE, a->tdr, 0, 0, 0), TDX_SUCCESS);
	assert_u64(mh_td_field(mh, a->tdr, MH_TD_OP_STATE), MH_OP_RUNNABLE);
}

static void test_page_remove_runnable_td_without_block(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t fresh = mh_page(mh);
	struct tdx_module_args out;
	struct mh_snap s;

	finalize(mh, &a);
	snap_a(mh, &s, &a, &fresh, 1);
	/* vCPUs may run: a page must be BLOCKED and TLB-tracked before it goes. */
	assert_status_code(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE, a.tdr, 0, 0, &out),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	assert_u64(out.rdx, SEPT_INFO(0, MH_SEPT_MAPPED));
	assert_status_code(mh_call(mh, TDH_MEM_SEPT_REMOVE, 0 | 1, a.tdr, 0, 0),
			   TDX_GPA_RANGE_NOT_BLOCKED);
	/* After MR.FINALIZE the measured image is closed. */
	assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, fresh, a.src),
		      TDX_OP_STATE_INCORRECT);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, a.tdr, 0, 0), TDX_OP_STATE_INCORRECT);
	assert_status(mh_call(mh, TDH_MR_FINALIZE, a.tdr, 0, 0, 0), TDX_OP_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);

	/* Blocked but not tracked. */
	assert_status(mh_call(mh, TDH_MEM_RANGE_BLOCK, MH_PAGE, a.tdr, 0, 0), TDX_SUCCESS);
	mh_snap_take(mh, &s);
	assert_status_code(mh_call(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE, a.tdr, 0, 0),
			   TDX_TLB_TRACKING_NOT_DONE);
	mh_assert_unchanged(mh, &s);
	/* The honest sequence. */
	assert_status(mh_call(mh, TDH_MEM_TRACK, a.tdr, 0, 0, 0), TDX_SUCCESS);
	assert_status(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE, a.tdr, 0, 0, &out), TDX_SUCCESS);
	assert_u64(out.rcx, a.page[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_page_add_twice_same_gpa),
		MH_TEST(test_gpa_with_shared_bit),
		MH_TEST(test_gpa_operand_reserved_bits),
		MH_TEST(test_gpa_operand_bad_level),
		MH_TEST(test_page_remove_gpa_without_page),
		MH_TEST(test_range_unblock_without_track),
		MH_TEST(test_mr_extend_unmapped_gpa),
		MH_TEST(test_sept_remove_non_empty_table),
		MH_TEST(test_page_remove_runnable_td_without_block),
	};

	return cmocka_run_group_tests_name("malicious host: secure EPT", tests, NULL, NULL);
}

/*
 * Malicious host: page ownership.  A hostile host hands the module pages
 * that already belong to a TD (its own or another's), or to the module
 * itself, hoping to map one physical page twice or to turn a control
 * structure into guest memory.  Every such call must be refused with the
 * reference's status (tdx-abi.md 3.3: PAMT page type not what the leaf
 * needs -> TDX_PAGE_METADATA_INCORRECT on the operand) and leave PAMT,
 * SEPT, TD fields and memory exactly as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mh.h"

#define GPA_FREE	0x10000ULL	/* FREE 4K entry under the GPA 0 tables */

/* Two INITIALIZED TDs: A (production, 4 pages) and B (debug, 2 pages). */
static struct mh *two_tds(void **state, struct mh_td *a, struct mh_td *b)
{
	struct mh *mh = *state = mh_boot();

	mh_td_build(mh, a, 1, 0, 4);
	mh_td_build(mh, b, 2, TDX_TD_ATTR_DEBUG, 2);
	return mh;
}

static void snap_world(struct mh_snap *s, const struct mh_td *a, const struct mh_td *b)
{
	mh_snap_init(s);
	mh_snap_td(s, a);
	if (b)
		mh_snap_td(s, b);
}

/* Every kind of page TD A owns. */
static unsigned int pages_of(const struct mh_td *a, uint64_t *out)
{
	unsigned int n = 0;

	out[n++] = a->tdr;
	for (unsigned int i = 0; i < a->nr_tdcx; i++)
		out[n++] = a->tdcx[i];
	for (unsigned int i = 0; i < a->nr_sept; i++)
		out[n++] = a->sept[i];
	for (unsigned int i = 0; i < a->nr_pages; i++)
		out[n++] = a->page[i];
	return n;
}

static void test_page_add_steals_other_tds_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint64_t victims[32];
	unsigned int n = pages_of(&a, victims);
	struct mh_snap s;

	snap_world(&s, &a, &b);
	mh_snap_gpa(&s, b.tdr, GPA_FREE);
	mh_snap_take(mh, &s);
	/* TDH.MEM.PAGE.ADD: R8 must be PT_NDA; A's TDR/TDCX/SEPT/REG pages are not. */
	for (unsigned int i = 0; i < n; i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, b.tdr, victims[i], b.src),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_sept_state(mh, b.tdr, GPA_FREE), MH_SEPT_FREE);
}

static void test_page_aug_steals_other_tds_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint64_t victims[32];
	unsigned int n = pages_of(&a, victims);
	struct mh_snap s;

	snap_world(&s, &a, &b);
	mh_snap_gpa(&s, b.tdr, GPA_FREE);
	mh_snap_take(mh, &s);
	for (unsigned int i = 0; i < n; i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, b.tdr, victims[i], 0),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_sept_add_steals_other_tds_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint64_t gpa_1g = TDX_SZ_1G | 2;	/* FREE level-2 entry in B */
	uint64_t victims[32];
	unsigned int n = pages_of(&a, victims);
	struct mh_snap s;

	snap_world(&s, &a, &b);
	mh_snap_gpa(&s, b.tdr, gpa_1g);
	mh_snap_take(mh, &s);
	for (unsigned int i = 0; i < n; i++)
		assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, gpa_1g, b.tdr, victims[i], 0),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_addcx_steals_other_tds_page(void **state)
{
	struct mh_td a, c;
	struct mh *mh = *state = mh_boot();
	uint64_t victims[32];
	unsigned int n;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	n = pages_of(&a, victims);
	/* C: keys configured, no TDCX yet, so ADDCX is otherwise legal. */
	mh_td_alloc(mh, &c, 3);
	mh_td_create(mh, &c);
	snap_world(&s, &a, NULL);
	mh_snap_tdr(&s, c.tdr);
	mh_snap_page(&s, c.tdr, false);
	mh_snap_take(mh, &s);
	for (unsigned int i = 0; i < n; i++)
		assert_operand(mh_call(mh, TDH_MNG_ADDCX, victims[i], c.tdr, 0, 0),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	/* C's own TDR as its TDCX. */
	assert_operand(mh_call(mh, TDH_MNG_ADDCX, c.tdr, c.tdr, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_NUM_TDCX), 0);
}

static void test_page_add_target_is_own_control_page(void **state)
{
	struct mh_td a;
	struct mh *mh = *state = mh_boot();
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	snap_world(&s, &a, NULL);
	mh_snap_gpa(&s, a.tdr, GPA_FREE);
	mh_snap_take(mh, &s);
	/* The TD's own TDR, TDCS pages (the last holds the SEPT root) and SEPT pages. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, a.tdr, a.src),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, a.tdcx[i], a.src),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	for (unsigned int i = 0; i < a.nr_sept; i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, a.tdr, a.sept[i], 0),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_same_page_at_two_gpas(void **state)
{
	struct mh_td a;
	struct mh *mh = *state = mh_boot();
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	snap_world(&s, &a, NULL);
	mh_snap_gpa(&s, a.tdr, GPA_FREE);
	mh_snap_take(mh, &s);
	/* A page already mapped at GPA 0 cannot back a second GPA (aliasing). */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, a.page[0], a.src),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, a.tdr, a.page[1], 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_create_on_td_pages(void **state)
{
	struct mh_td a;
	struct mh *mh = *state = mh_boot();
	uint64_t victims[32];
	unsigned int n;
	hkid_t hkid;
	uint64_t fresh;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	n = pages_of(&a, victims);
	hkid = mh_hkid(mh);
	fresh = mh_page(mh);
	snap_world(&s, &a, NULL);
	mh_snap_page(&s, fresh, false);
	mh_snap_take(mh, &s);
	/* A second TDR on top of A's TDR (reuse of a live TDR), TDCX, SEPT or REG page. */
	for (unsigned int i = 0; i < n; i++)
		assert_operand(mh_call(mh, TDH_MNG_CREATE, victims[i], hkid, 0, 0),
			       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
	/* The refused calls did not leave the HKID claimed. */
	assert_status(mh_call(mh, TDH_MNG_CREATE, fresh, hkid, 0, 0), TDX_SUCCESS);
	assert_u64(mh_page_type(mh, fresh), PT_TDR);
}

static void test_td_pages_as_tdr_operand(void **state)
{
	struct mh_td a;
	struct mh *mh = *state = mh_boot();
	uint64_t fresh;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	fresh = mh_page(mh);
	snap_world(&s, &a, NULL);
	mh_snap_page(&s, fresh, false);
	mh_snap_take(mh, &s);
	/* TDR operands that are a TDCX, SEPT, REG or free page. */
	assert_operand(mh_call(mh, TDH_MNG_RD, a.tdcx[0], MH_TD_LIFECYCLE_STATE, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MNG_KEY_CONFIG, a.page[0], 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MNG_VPFLUSHDONE, a.tdcx[5], 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MNG_KEY_FREEID, a.sept[0], 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_TRACK, fresh, 0, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.sept[1], fresh, a.src),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, a.page[1], fresh, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_RD, 0, a.tdcx[1], 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MR_EXTEND, 0, a.tdcx[2], 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MNG_ADDCX, fresh, a.page[0], 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX);
	mh_assert_unchanged(mh, &s);
}

static void test_page_aug_2m_over_other_tds_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint64_t gpa_2m = TDX_SZ_2M | 1;	/* FREE level-1 entry in B */
	uint64_t base = a.page[0] & ~(TDX_SZ_2M - 1);
	struct mh_snap s;

	snap_world(&s, &a, &b);
	mh_snap_gpa(&s, b.tdr, gpa_2m);
	mh_snap_page(&s, base, false);
	mh_snap_take(mh, &s);
	/* A 2 MiB page for B whose range covers A's private pages. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, gpa_2m, b.tdr, base, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_inside_other_tds_2m_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint64_t base = mh_pages_aligned(mh, 512, TDX_SZ_2M);
	hkid_t hkid = mh_hkid(mh);
	struct mh_rdmd md;
	struct mh_snap s;

	/* A gets a 2 MiB PENDING page at GPA 2M. */
	assert_status(mh_call(mh, TDH_MEM_PAGE_AUG, TDX_SZ_2M | 1, a.tdr, base, 0), TDX_SUCCESS);
	assert_status(mh_rdmd(mh, base + 0x3000, &md), TDX_SUCCESS);
	assert_u64(md.type, PT_REG);
	assert_u64(md.owner, a.tdr);
	assert_u64(md.size, TDX_PS_2M);

	snap_world(&s, &a, &b);
	mh_snap_gpa(&s, a.tdr, TDX_SZ_2M | 1);
	mh_snap_gpa(&s, b.tdr, GPA_FREE);
	for (unsigned int i = 0; i < 8; i++)
		mh_snap_page(&s, base + i * MH_PAGE, false);
	mh_snap_take(mh, &s);
	/* 4K pieces of A's 2M page offered as B's pages and as a new TDR. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, b.tdr, base + 0x3000, b.src),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, b.tdr, base + 0x1000, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, b.tdr, base + 0x7000, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MNG_CREATE, base + 0x5000, hkid, 0, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	/* And the same 2M page a second time, for B. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, TDX_SZ_2M | 1, b.tdr, base, 0),
		       TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_source_is_other_tds_private_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint64_t p1 = mh_page(mh), p2 = mh_page(mh);
	struct tdx_module_args out;

	/*
	 * The source is a shared-KeyID PA outside SEAMRR, which PAGE.ADD
	 * accepts; but what the module reads through KeyID 0 from A's
	 * TD-owned lines is zeros, never A's plaintext.  B is a debug TD, so
	 * MEM.RD shows what B received.
	 */
	assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, b.tdr, p1, a.page[0]), TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE + MH_PAGE, b.tdr, p2, a.tdr),
		      TDX_SUCCESS);
	for (uint64_t off = 0; off < MH_PAGE; off += 8 * 37) {
		assert_status(mh_call_out(mh, TDH_MEM_RD, GPA_FREE + off, b.tdr, 0, 0, &out),
			      TDX_SUCCESS);
		assert_u64(out.r8, 0);
		assert_status(mh_call_out(mh, TDH_MEM_RD, GPA_FREE + MH_PAGE + off, b.tdr, 0, 0,
					  &out), TDX_SUCCESS);
		assert_u64(out.r8, 0);
	}
	/* A's page is unharmed: still A's, still intact for the module. */
	assert_u64(mh_page_type(mh, a.page[0]), PT_REG);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, a.tdr, 0, 0), TDX_SUCCESS);
	assert_status(mh_mng_rd(mh, a.tdr, MH_TD_FATAL, NULL), TDX_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_page_add_steals_other_tds_page),
		MH_TEST(test_page_aug_steals_other_tds_page),
		MH_TEST(test_sept_add_steals_other_tds_page),
		MH_TEST(test_mng_addcx_steals_other_tds_page),
		MH_TEST(test_page_add_target_is_own_control_page),
		MH_TEST(test_page_add_same_page_at_two_gpas),
		MH_TEST(test_mng_create_on_td_pages),
		MH_TEST(test_td_pages_as_tdr_operand),
		MH_TEST(test_page_aug_2m_over_other_tds_page),
		MH_TEST(test_page_add_inside_other_tds_2m_page),
		MH_TEST(test_page_add_source_is_other_tds_private_page),
	};

	return cmocka_run_group_tests_name("malicious host: page ownership", tests, NULL, NULL);
}

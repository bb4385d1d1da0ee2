/*
 * Malicious host: physical-address and buffer operands.  Page operands
 * inside SEAMRR, inside PAMTs, outside every TDMR, above MAX_PA, with
 * KeyID bits or misaligned; shared-buffer operands (PAGE.ADD source,
 * TD_PARAMS, SYS.INFO/RDALL outputs) in SEAMRR or under a private KeyID;
 * HKIDs that are not free private KeyIDs; debug leaves on a production
 * TD.  Expected statuses are the reference's (tdx-abi.md 1.3, 3.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_metadata.h>

#include "mh.h"

#define GPA_FREE	0x10000ULL

static struct mh *one_td(void **state, struct mh_td *a, uint64_t attributes)
{
	struct mh *mh = *state = mh_boot();

	mh_td_build(mh, a, 1, attributes, 4);
	return mh;
}

/* A snapshot of TD A, its next GPAs and the extra pages named. */
static void snap_a(struct mh *mh, struct mh_snap *s, const struct mh_td *a,
		   const uint64_t *extra, unsigned int n)
{
	mh_snap_init(s);
	mh_snap_td(s, a);
	mh_snap_gpa(s, a->tdr, GPA_FREE);
	mh_snap_gpa(s, a->tdr, TDX_SZ_1G | 2);
	for (unsigned int i = 0; i < n; i++)
		mh_snap_page(s, extra[i], false);
	mh_snap_take(mh, s);
}

static void test_page_add_target_is_pamt_page(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t pamt = mh_pamt_4k_base(mh);
	hkid_t hkid = mh_hkid(mh);
	uint64_t extra[] = { pamt, pamt + MH_PAGE };
	struct mh_snap s;

	snap_a(mh, &s, &a, extra, 2);
	/*
	 * A PAMT page sits in a TDMR reserved area (RDMD: PT_RSVD).  The
	 * reference (3.3): a private page inside a TDMR reserved area is
	 * TDX_OPERAND_ADDR_RANGE_ERROR on the operand.
	 */
	assert_u64(mh_page_type(mh, pamt), PT_RSVD);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, pamt, a.src),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, a.tdr, pamt + MH_PAGE, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, a.tdr, pamt, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MNG_CREATE, pamt, hkid, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_target_in_seamrr(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t first = mh->seamrr.base, last = mh->seamrr.base + mh->seamrr.size - MH_PAGE;
	hkid_t hkid = mh_hkid(mh);
	struct mh_snap s;

	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_gpa(&s, a.tdr, GPA_FREE);
	mh_snap_page(&s, first, true);	/* the module's code: ciphertext must not move */
	mh_snap_page(&s, last, true);
	mh_snap_take(mh, &s);
	/* SEAMRR is no CMR, so it is reserved in (or outside) every TDMR. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, first, a.src),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, a.tdr, last, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, a.tdr, first, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MNG_CREATE, last, hkid, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_target_outside_tdmrs(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	/* The MMIO hole (no CMR, no TDMR), and RAM that does not exist. */
	const uint64_t hole = 3ULL << 30, beyond = 16ULL << 30;
	hkid_t hkid = mh_hkid(mh);
	struct mh_snap s;

	snap_a(mh, &s, &a, NULL, 0);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, hole, a.src),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, beyond, a.src),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, a.tdr, hole, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MNG_CREATE, beyond, hkid, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MNG_RD, hole, MH_TD_LIFECYCLE_STATE, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RDMD, beyond, 0, 0, 0),
		       TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_page_operand_with_keyid_bits(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t page = mh_page(mh);
	hkid_t hkid = mh_hkid(mh);
	const hkid_t keyids[] = { 1, a.hkid, mh->global_hkid, hkid };
	uint64_t extra[] = { page };
	struct mh_snap s;

	snap_a(mh, &s, &a, extra, 1);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(keyids); i++) {
		uint64_t tagged = mh_pa_keyid(mh, page, keyids[i]);

		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, tagged, a.src),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		assert_operand(mh_call(mh, TDH_MEM_SEPT_ADD, TDX_SZ_1G | 2, a.tdr, tagged, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		assert_operand(mh_call(mh, TDH_MNG_CREATE, tagged, hkid, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		/* The TDR operand with the TD's own KeyID is not the TDR. */
		assert_operand(mh_call(mh, TDH_MNG_RD, mh_pa_keyid(mh, a.tdr, keyids[i]),
				       MH_TD_LIFECYCLE_STATE, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_PHYMEM_PAGE_RECLAIM, mh_pa_keyid(mh, a.page[0], keyids[i]),
				       0, 0, 0), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	}
	/* Above MAX_PA altogether. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, 1ULL << 46, a.src),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, ~0xFFFULL, a.src),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_page_operand_misaligned(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t page = mh_page(mh);
	hkid_t hkid = mh_hkid(mh);
	const uint64_t offs[] = { 1, 8, 0x40, 0x800, 0xFFF };
	uint64_t extra[] = { page };
	struct mh_snap s;

	snap_a(mh, &s, &a, extra, 1);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(offs); i++) {
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, page + offs[i], a.src),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, GPA_FREE, a.tdr, page + offs[i], 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		assert_operand(mh_call(mh, TDH_MNG_CREATE, page + offs[i], hkid, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		/* A TDR operand pointing into the TDR page. */
		assert_operand(mh_call(mh, TDH_MNG_RD, a.tdr + offs[i], MH_TD_LIFECYCLE_STATE, 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr + offs[i], page, a.src),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	}
	/* A 2 MiB AUG needs a 2 MiB aligned page. */
	assert_operand(mh_call(mh, TDH_MEM_PAGE_AUG, TDX_SZ_2M | 1, a.tdr,
			       TDX_ALIGN_UP(page, TDX_SZ_2M) + MH_PAGE, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_source_in_seamrr(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t page = mh_page(mh);
	const uint64_t srcs[] = {
		mh->seamrr.base,
		mh->seamrr.base + mh->seamrr.size / 2,
		mh->seamrr.base + mh->seamrr.size - MH_PAGE,
	};
	uint64_t extra[] = { page };
	struct mh_snap s;

	snap_a(mh, &s, &a, extra, 1);
	/* The module would copy its own memory into a debug-readable TD page. */
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(srcs); i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, page, srcs[i]),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9);
	mh_assert_unchanged(mh, &s);
}

static void test_page_add_source_with_private_keyid(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	uint64_t page = mh_page(mh);
	hkid_t other = mh_hkid(mh);
	const uint64_t srcs[] = {
		mh_pa_keyid(mh, a.page[0], a.hkid),	/* decrypt A's page with A's key */
		mh_pa_keyid(mh, a.tdr, mh->global_hkid),	/* the TDR with the module's key */
		mh_pa_keyid(mh, a.src, other),
		a.src + 0x800,
		a.src + 8,
		1ULL << 46,
	};
	uint64_t extra[] = { page };
	struct mh_snap s;

	snap_a(mh, &s, &a, extra, 1);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(srcs); i++)
		assert_operand(mh_call(mh, TDH_MEM_PAGE_ADD, GPA_FREE, a.tdr, page, srcs[i]),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_create_with_non_private_hkid(void **state)
{
	struct mh *mh = *state = mh_boot();
	const struct platform_config *cfg = platform_cfg(mh->plat);
	uint64_t page = mh_page(mh);
	hkid_t last = (hkid_t)(cfg->nr_mktme_keyids + cfg->nr_tdx_keyids);
	const uint64_t hkids[] = {
		0,				/* TME */
		1,				/* a shared MKTME KeyID */
		cfg->nr_mktme_keyids,		/* the last shared one */
		mh->global_hkid,		/* the module's own */
		(uint64_t)last + 1,		/* no such KeyID */
		0x7FFF,
		TDX_BIT(16) | (uint64_t)(last),	/* a valid HKID with RDX bits above 15 */
		~0ULL,
	};
	struct mh_snap s;

	mh_snap_init(&s);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(hkids); i++)
		assert_operand(mh_call(mh, TDH_MNG_CREATE, page, hkids[i], 0, 0),
			       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_page_type(mh, page), PT_NDA);
}

static void test_mng_init_td_params_from_private_memory(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td c;
	struct mh_snap s;

	mh_td_alloc(mh, &c, 3);
	mh_td_create(mh, &c);
	mh_td_addcx(mh, &c, MH_TDCX_PAGES);
	mh_td_write_params(mh, c.params, 0);
	mh_snap_init(&s);
	mh_snap_td(&s, &c);
	mh_snap_page(&s, c.params, false);
	mh_snap_take(mh, &s);
	/* TD_PARAMS: 1 KiB aligned, shared KeyID, outside SEAMRR (reference 1.3, 3.3). */
	assert_operand(mh_call(mh, TDH_MNG_INIT, c.tdr, mh->seamrr.base, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MNG_INIT, c.tdr, mh_pa_keyid(mh, c.params, c.hkid), 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MNG_INIT, c.tdr,
			       mh_pa_keyid(mh, c.params, mh->global_hkid), 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MNG_INIT, c.tdr, c.params + 0x200, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_MNG_INIT, c.tdr, 1ULL << 46, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	mh_assert_unchanged(mh, &s);
	/* The honest call still works afterwards. */
	assert_status(mh_call(mh, TDH_MNG_INIT, c.tdr, c.params, 0, 0), TDX_SUCCESS);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_OP_STATE), MH_OP_INITIALIZED);
}

static void test_sys_info_output_into_seamrr(void **state)
{
	struct mh *mh = *state = mh_boot();
	uint64_t info = mh_page(mh), cmr = mh_page(mh);
	uint64_t seam = mh->seamrr.base + MH_PAGE;
	struct mh_snap s;

	mh_snap_init(&s);
	mh_snap_page(&s, mh->seamrr.base, true);
	mh_snap_page(&s, seam, true);
	mh_snap_page(&s, info, false);
	mh_snap_page(&s, cmr, false);
	mh_snap_take(mh, &s);
	/* SYS.INFO writing over the module's own memory, or through a private KeyID. */
	assert_operand(mh_call(mh, TDH_SYS_INFO, mh->seamrr.base, 1024, cmr, 32),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_SYS_INFO, info, 1024, seam, 32),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	assert_operand(mh_call(mh, TDH_SYS_INFO, mh_pa_keyid(mh, info, mh->global_hkid), 1024, cmr,
			       32), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_SYS_RDALL, 0, seam, MD_SYS_NUM_CMRS, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	assert_operand(mh_call(mh, TDH_SYS_RDALL, 0, mh_pa_keyid(mh, info, mh->global_hkid),
			       MD_SYS_NUM_CMRS, 0), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	mh_assert_unchanged(mh, &s);
}

static void test_mem_rd_on_production_td(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a, 0);
	struct tdx_module_args out;
	struct mh_snap s;

	snap_a(mh, &s, &a, NULL, 0);
	/* MEM.RD/MEM.WR are debug-TD only: TDX_TD_NON_DEBUG, and R8 leaks nothing. */
	assert_status(mh_call_out(mh, TDH_MEM_RD, 0, a.tdr, 0xDEADBEEFULL, 0, &out),
		      TDX_TD_NON_DEBUG);
	assert_u64(out.r8, 0xDEADBEEFULL);
	assert_status(mh_call_out(mh, TDH_MEM_RD, 0x1008, a.tdr, 0, 0, &out), TDX_TD_NON_DEBUG);
	assert_u64(out.r8, 0);
	assert_status(mh_call_out(mh, TDH_MEM_WR, 0x2000, a.tdr, 0x4141414141414141ULL, 0, &out),
		      TDX_TD_NON_DEBUG);
	assert_u64(out.r8, 0x4141414141414141ULL);
	/* The page's ciphertext (snapshot) shows the write did not land. */
	mh_assert_unchanged(mh, &s);
}

static void test_mem_rd_debug_td_bad_gpa(void **state)
{
	struct mh_td b;
	struct mh *mh = one_td(state, &b, TDX_TD_ATTR_DEBUG);
	struct tdx_module_args out;
	uint8_t want[MH_PAGE];
	uint64_t v;
	struct mh_snap s;

	/* Positive control: a debug TD's MEM.RD returns its plaintext. */
	mh_pattern(b.seed, 1, want);
	assert_status(mh_call_out(mh, TDH_MEM_RD, 0x1000, b.tdr, 0, 0, &out), TDX_SUCCESS);
	memcpy(&v, want, 8);
	assert_u64(out.r8, v);

	snap_a(mh, &s, &b, NULL, 0);
	assert_operand(mh_call(mh, TDH_MEM_RD, 0x1004, b.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_RD, MH_SHARED_BIT, b.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_WR, MH_SHARED_BIT | 0x1000, b.tdr, 1, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_WR, 0x1001, b.tdr, 1, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_MEM_RD, 1ULL << 52, b.tdr, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	/* A GPA with no page: a SEPT-class refusal, nothing read. */
	assert_status(mh_call_out(mh, TDH_MEM_RD, GPA_FREE, b.tdr, 0x77, 0, &out) >> 63, 1);
	assert_int_equal(tdx_status_class(out.rax), TDX_CLASS_SEPT);
	assert_u64(out.r8, 0x77);
	assert_status(mh_call_out(mh, TDH_MEM_WR, TDX_SZ_1G, b.tdr, 0x77, 0, &out) >> 63, 1);
	assert_int_equal(tdx_status_class(out.rax), TDX_CLASS_SEPT);
	mh_assert_unchanged(mh, &s);
}

static void test_mng_addcx_beyond_tdcs_size(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_td c;
	uint64_t extra = mh_page(mh);
	struct mh_snap s;

	mh_td_alloc(mh, &c, 3);
	mh_td_create(mh, &c);
	mh_td_addcx(mh, &c, MH_TDCX_PAGES);
	mh_snap_init(&s);
	mh_snap_td(&s, &c);
	mh_snap_page(&s, extra, false);
	mh_snap_take(mh, &s);
	/* A seventh TDCS page would be the host smuggling a page into the TDCS. */
	assert_status(mh_call(mh, TDH_MNG_ADDCX, extra, c.tdr, 0, 0), TDX_TDCX_NUM_INCORRECT);
	mh_assert_unchanged(mh, &s);
	mh_td_init(mh, &c, 0);
	/* After MNG.INIT no TDCS page can be added at all. */
	assert_status(mh_call(mh, TDH_MNG_ADDCX, extra, c.tdr, 0, 0), TDX_OP_STATE_INCORRECT);
	assert_u64(mh_page_type(mh, extra), PT_NDA);
	assert_u64(mh_td_field(mh, c.tdr, MH_TD_NUM_TDCX), MH_TDCX_PAGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_page_add_target_is_pamt_page),
		MH_TEST(test_page_add_target_in_seamrr),
		MH_TEST(test_page_add_target_outside_tdmrs),
		MH_TEST(test_page_operand_with_keyid_bits),
		MH_TEST(test_page_operand_misaligned),
		MH_TEST(test_page_add_source_in_seamrr),
		MH_TEST(test_page_add_source_with_private_keyid),
		MH_TEST(test_mng_create_with_non_private_hkid),
		MH_TEST(test_mng_init_td_params_from_private_memory),
		MH_TEST(test_sys_info_output_into_seamrr),
		MH_TEST(test_mem_rd_on_production_td),
		MH_TEST(test_mem_rd_debug_td_bad_gpa),
		MH_TEST(test_mng_addcx_beyond_tdcs_size),
	};

	return cmocka_run_group_tests_name("malicious host: operands", tests, NULL, NULL);
}

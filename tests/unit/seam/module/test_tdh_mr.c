/*
 * Unit tests of seam/module/src/tdh_mr.c and measure.c: TDH.MR.EXTEND and
 * TDH.MR.FINALIZE on a whole emulated machine (reference tdx-abi.md 1.3,
 * 4.9, 7).  MRTD is checked against a SHA-384 the test computes itself
 * from the rules of section 7, over a known sequence of PAGE.ADD and
 * MR.EXTEND calls with refused calls mixed in (which must not be hashed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "mem_helpers.h"

#define GPA_4K		0x1000ULL
#define SHARED_BIT	TDX_BIT(47)

/* SHA-384 of the empty string (FIPS 180-4 test vector). */
static const uint8_t sha384_empty[48] = {
	0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
	0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
	0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
	0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
};

/* ---- the independent MRTD ---- */

struct mrtd_calc {
	EVP_MD_CTX *ctx;
};

static void calc_init(struct mrtd_calc *c)
{
	c->ctx = EVP_MD_CTX_new();
	assert_non_null(c->ctx);
	assert_int_equal(EVP_DigestInit_ex(c->ctx, EVP_sha384(), NULL), 1);
}

/* One 128-byte block: the ASCII op zero-padded to 16 bytes, the GPA (LE), zeros. */
static void calc_header(struct mrtd_calc *c, const char *op, uint64_t gpa)
{
	uint8_t b[128];

	memset(b, 0, sizeof(b));
	memcpy(b, op, strlen(op));
	for (unsigned int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(c->ctx, b, sizeof(b)), 1);
}

static void calc_page_add(struct mrtd_calc *c, uint64_t gpa)
{
	calc_header(c, "MEM.PAGE.ADD", gpa);
}

/* MR.EXTEND of the 256 bytes at @off of a page holding pattern @seed. */
static void calc_extend(struct mrtd_calc *c, uint64_t gpa, uint64_t seed)
{
	uint64_t chunk[32];
	unsigned int first = (unsigned int)(gpa & 0xFFF) / 8;

	calc_header(c, "MR.EXTEND", gpa);
	for (unsigned int w = 0; w < 32; w++)
		chunk[w] = mh_pattern(seed, first + w);
	assert_int_equal(EVP_DigestUpdate(c->ctx, chunk, sizeof(chunk)), 1);
}

static void calc_final(struct mrtd_calc *c, uint8_t out[48])
{
	unsigned int len = 48;

	assert_int_equal(EVP_DigestFinal_ex(c->ctx, out, &len), 1);
	assert_int_equal(len, 48);
	EVP_MD_CTX_free(c->ctx);
}

/* MRTD as MNG.RD shows it: 6 little-endian 8-byte elements. */
static void read_mrtd(struct fx *fx, const struct fx_td *td, uint8_t out[48])
{
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t v = fx_mng_rd_ok(fx, td->tdr, MH_TD_MRTD + i);

		for (unsigned int b = 0; b < 8; b++)
			out[8 * i + b] = (uint8_t)(v >> (8 * b));
	}
}

static uint64_t extend(struct fx *fx, const struct fx_td *td, uint64_t gpa,
		       struct tdx_module_args *out)
{
	return mh_call(fx, TDH_MR_EXTEND, gpa, td->tdr, 0, 0, out);
}

static uint64_t page_add(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t page,
			 uint64_t src)
{
	return mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(gpa, 0), td->tdr, page, src, NULL);
}

/* ---- MR.EXTEND ---- */

static void test_mr_extend_success(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t src, page, v;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	for (unsigned int k = 0; k < 16; k++) {
		assert_status(extend(fx, &td, GPA_4K + 256 * k, &out), TDX_SUCCESS);
		assert_int_equal(out.rcx, 0);
		assert_int_equal(out.rdx, 0);
	}
	/* Measuring changes neither the entry nor the page. */
	mh_assert_leaf(fx, &td, GPA_4K, 0, MH_MAPPED, page);
	mh_assert_page(fx, page, PT_REG, td.tdr, 0);
	assert_status(mh_mem_rd(fx, &td, GPA_4K + 0x108, &v), TDX_SUCCESS);
	assert_int_equal(v, mh_pattern(1, 0x21));
}

static void test_mr_extend_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = { GPA_4K + 0x80, GPA_4K + 8, GPA_4K + 0xFF, SHARED_BIT | GPA_4K };
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, page, gl[] = { MH_GL(GPA_4K, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	page = mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_snap_take(fx, &s, &td, &page, 1, gl, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(extend(fx, &td, bad[i], NULL), TDX_OPERAND_ID_RCX);
	mh_snap_check(fx, &s);
}

static void test_mr_extend_ept_walk_failed(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t gl[] = { MH_GL(0, 2) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 2);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 1);
	assert_status_code(extend(fx, &td, GPA_4K, &out), TDX_EPT_WALK_FAILED);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(1, MH_FREE));
	mh_snap_check(fx, &s);
}

static void test_mr_extend_ept_entry_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct mh_snap s;
	struct fx_td td;
	uint64_t src, pending, blocked;
	uint64_t gl[] = { MH_GL(GPA_4K, 0), MH_GL(0x2000, 0), MH_GL(0x3000, 0) };

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	pending = mh_page_aug_ok(fx, &td, 0x2000);
	blocked = mh_page_add_ok(fx, &td, 0x3000, src);
	assert_status(mh_gpa(fx, TDH_MEM_RANGE_BLOCK, &td, 0x3000, 0, 0, NULL), TDX_SUCCESS);
	mh_snap_take(fx, &s, &td, NULL, 0, gl, 3);
	/* FREE: never added. */
	assert_status_code(extend(fx, &td, GPA_4K + 0x100, &out), TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_int_equal(out.rcx, MH_SVE);
	assert_int_equal(out.rdx, MH_INFO(0, MH_FREE));
	/* PENDING: AUG'ed, not added. */
	assert_status_code(extend(fx, &td, 0x2000, &out), TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 0, MH_PENDING, pending);
	/* BLOCKED. */
	assert_status_code(extend(fx, &td, 0x3200, &out), TDX_EPT_ENTRY_STATE_INCORRECT);
	mh_assert_leaf_report(&out, 0, MH_BLOCKED, blocked);
	mh_snap_check(fx, &s);
}

static void test_mr_extend_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot fs;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td, un;
	uint64_t src;
	uint8_t before[48], after[48];

	mh_td_uninit(fx, &un);
	fx_snapshot_td(fx, &fs, &un, NULL, 0);
	assert_status(extend(fx, &un, GPA_4K, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &fs);

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	read_mrtd(fx, &td, before);
	mh_snap_take(fx, &s, &td, NULL, 0, NULL, 0);
	assert_status(extend(fx, &td, GPA_4K, NULL), TDX_OP_STATE_INCORRECT);
	mh_snap_check(fx, &s);
	read_mrtd(fx, &td, after);
	assert_memory_equal(before, after, 48);
}

/* ---- MR.FINALIZE ---- */

static void test_mr_finalize_mrtd_empty(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mrtd_calc c;
	struct mh_vp vp;
	struct fx_td td;
	uint8_t mrtd[48], want[48];

	/* No PAGE.ADD, no MR.EXTEND: MRTD = SHA-384 of nothing. */
	mh_td_make(fx, &td, 0);
	mh_finalize(fx, &td, &vp);
	read_mrtd(fx, &td, mrtd);
	calc_init(&c);
	calc_final(&c, want);
	assert_memory_equal(want, sha384_empty, 48);
	assert_memory_equal(mrtd, sha384_empty, 48);
}

static void test_mr_finalize_mrtd_sequence(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mrtd_calc c;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src, p1, p2, p3, p4;
	uint8_t mrtd[48], want[48];

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	p1 = fx_alloc_page(fx);
	p2 = fx_alloc_page(fx);
	p3 = fx_alloc_page(fx);
	p4 = fx_alloc_page(fx);
	calc_init(&c);

	/* Page 1 at 0x1000 (pattern 11), measured whole, as KVM does. */
	src = mh_src_page(fx, 11);
	assert_status(page_add(fx, &td, 0x1000, p1, src), TDX_SUCCESS);
	calc_page_add(&c, 0x1000);
	for (unsigned int k = 0; k < 16; k++) {
		assert_status(extend(fx, &td, 0x1000 + 256 * k, NULL), TDX_SUCCESS);
		calc_extend(&c, 0x1000 + 256 * k, 11);
	}

	/* Refused calls in between are not hashed. */
	assert_operand_invalid(extend(fx, &td, 0x1080, NULL), TDX_OPERAND_ID_RCX);
	assert_status_code(page_add(fx, &td, 0x1000, p2, src), TDX_EPT_ENTRY_NOT_FREE);
	assert_status_code(extend(fx, &td, 0x5000, NULL), TDX_EPT_ENTRY_STATE_INCORRECT);
	assert_operand_invalid(page_add(fx, &td, 0x5000, p2, src + 8), TDX_OPERAND_ID_R9);

	/* Page 2 at 0x3000 (pattern 12): one chunk measured, out of order. */
	src = mh_src_page(fx, 12);
	assert_status(page_add(fx, &td, 0x3000, p2, src), TDX_SUCCESS);
	calc_page_add(&c, 0x3000);
	assert_status(extend(fx, &td, 0x3300, NULL), TDX_SUCCESS);
	calc_extend(&c, 0x3300, 12);
	/* The source changing after PAGE.ADD does not matter: the TD's copy is measured. */
	fx_write(fx, src, (uint64_t[1]){ 0xBAD }, 8);
	assert_status(extend(fx, &td, 0x3000, NULL), TDX_SUCCESS);
	calc_extend(&c, 0x3000, 12);

	/* Page 3 at 0x2000 (pattern 13): added, not extended, then removed. */
	src = mh_src_page(fx, 13);
	assert_status(page_add(fx, &td, 0x2000, p3, src), TDX_SUCCESS);
	calc_page_add(&c, 0x2000);
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_REMOVE, &td, 0x2000, 0, 0, NULL), TDX_SUCCESS);

	/* An AUG'ed page is not measured and cannot be extended. */
	assert_status(mh_gpa(fx, TDH_MEM_PAGE_AUG, &td, 0x4000, 0, p4, NULL), TDX_SUCCESS);
	assert_status_code(extend(fx, &td, 0x4000, NULL), TDX_EPT_ENTRY_STATE_INCORRECT);

	/* Page 1 extended again at the end. */
	assert_status(extend(fx, &td, 0x1F00, NULL), TDX_SUCCESS);
	calc_extend(&c, 0x1F00, 11);

	mh_finalize(fx, &td, &vp);
	calc_final(&c, want);
	read_mrtd(fx, &td, mrtd);
	assert_memory_equal(mrtd, want, 48);
	assert_memory_not_equal(mrtd, sha384_empty, 48);
}

static void test_mr_finalize_no_vcpus(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mrtd_calc c;
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src;
	uint8_t mrtd[48], want[48];

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	calc_init(&c);
	src = mh_src_page(fx, 21);
	mh_page_add_ok(fx, &td, GPA_4K, src);
	calc_page_add(&c, GPA_4K);

	mh_snap_take(fx, &s, &td, NULL, 0, NULL, 0);
	assert_status(mh_call(fx, TDH_MR_FINALIZE, td.tdr, 0, 0, 0, NULL), TDX_NO_VCPUS);
	mh_snap_check(fx, &s);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_OP_STATE), FX_OP_INITIALIZED);

	/* The measurement goes on: MR.EXTEND still works and is hashed. */
	assert_status(extend(fx, &td, GPA_4K + 0x500, NULL), TDX_SUCCESS);
	calc_extend(&c, GPA_4K + 0x500, 21);
	mh_finalize(fx, &td, &vp);
	calc_final(&c, want);
	read_mrtd(fx, &td, mrtd);
	assert_memory_equal(mrtd, want, 48);
}

static void test_mr_finalize_twice_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src;
	uint8_t before[48], after[48];

	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_finalize(fx, &td, &vp);
	read_mrtd(fx, &td, before);
	mh_snap_take(fx, &s, &td, NULL, 0, NULL, 0);
	assert_status(mh_call(fx, TDH_MR_FINALIZE, td.tdr, 0, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	mh_snap_check(fx, &s);
	read_mrtd(fx, &td, after);
	assert_memory_equal(before, after, 48);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_OP_STATE), MH_OP_RUNNABLE);
}

static void test_mr_finalize_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	mh_td_uninit(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(mh_call(fx, TDH_MR_FINALIZE, td.tdr, 0, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
}

static void test_mr_finalize_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_snap s;
	struct mh_vp vp;
	struct fx_td td;

	mh_td_make(fx, &td, 0);
	mh_vp_make(fx, &td, &vp);
	mh_snap_take(fx, &s, &td, &vp.tdvpr, 1, NULL, 0);
	/* RCX must be the TDR, not the TDVPR or a TDCX page. */
	assert_status(mh_call(fx, TDH_MR_FINALIZE, vp.tdvpr, 0, 0, 0, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(mh_call(fx, TDH_MR_FINALIZE, td.tdcx[0], 0, 0, 0, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	mh_snap_check(fx, &s);
}

static void test_mr_leaves_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;
	uint64_t src;

	/* After VP.FLUSH and VPFLUSHDONE (TD_BLOCKED) the TD cannot be measured or finalized. */
	mh_td_make(fx, &td, 0);
	mh_sept_path(fx, &td, 0, 1);
	src = mh_src_page(fx, 1);
	mh_page_add_ok(fx, &td, GPA_4K, src);
	mh_vp_make(fx, &td, &vp);
	mh_td_block(fx, &td, &vp);
	mh_assert_keys_not_configured(extend(fx, &td, GPA_4K, NULL), "MR.EXTEND");
	mh_assert_keys_not_configured(mh_call(fx, TDH_MR_FINALIZE, td.tdr, 0, 0, 0, NULL),
				      "MR.FINALIZE");
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_BLOCKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_mr_extend_success),
		FX_TEST(test_mr_extend_operand_invalid),
		FX_TEST(test_mr_extend_ept_walk_failed),
		FX_TEST(test_mr_extend_ept_entry_state_incorrect),
		FX_TEST(test_mr_extend_op_state_incorrect),
		FX_TEST(test_mr_finalize_mrtd_empty),
		FX_TEST(test_mr_finalize_mrtd_sequence),
		FX_TEST(test_mr_finalize_no_vcpus),
		FX_TEST(test_mr_finalize_twice_op_state_incorrect),
		FX_TEST(test_mr_finalize_op_state_incorrect),
		FX_TEST(test_mr_finalize_page_metadata_incorrect),
		FX_TEST(test_mr_leaves_td_keys_not_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

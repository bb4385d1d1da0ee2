/*
 * Unit tests of TDH.MNG.WR in seam/module/src/tdh_mng.c (reference
 * tdx-abi.md 1.3, 4.6 "TD-scope fields": host write columns for a
 * production and a debug TD).  R8 returns the previous value, R9 is the
 * write mask narrowed by the field's own mask; refused writes change
 * nothing (the fixture snapshot plus the writable fields' values).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_metadata.h>

#include "mem_helpers.h"

#define MD_ERR(code)	tdx_status_operand(code, TDX_OPERAND_ID_RDX)

static uint64_t mng_wr(struct fx *fx, const struct fx_td *td, uint64_t field, uint64_t val,
		       uint64_t mask, uint64_t *old)
{
	struct tdx_module_args a;
	uint64_t st = mh_call(fx, TDH_MNG_WR, td->tdr, field, val, mask, &a);

	if (old)
		*old = a.r8;
	return st;
}

/* The host-writable fields (production view) and the snapshot around them. */
struct wsnap {
	struct mh_snap s;
	uint64_t hp_lock_timeout;
	uint64_t vm_ctls[4];
};

static void wsnap_take(struct fx *fx, struct wsnap *w, const struct fx_td *td)
{
	mh_snap_take(fx, &w->s, td, NULL, 0, NULL, 0);
	w->hp_lock_timeout = fx_mng_rd_ok(fx, td->tdr, MH_TD_HP_LOCK_TIMEOUT);
	for (unsigned int i = 0; i < 4; i++)
		w->vm_ctls[i] = fx_mng_rd_ok(fx, td->tdr, MH_TD_VM_CTLS + i);
}

static void wsnap_check(struct fx *fx, const struct wsnap *w)
{
	mh_snap_check(fx, &w->s);
	assert_int_equal(fx_mng_rd_ok(fx, w->s.td->tdr, MH_TD_HP_LOCK_TIMEOUT), w->hp_lock_timeout);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(fx_mng_rd_ok(fx, w->s.td->tdr, MH_TD_VM_CTLS + i), w->vm_ctls[i]);
}

static void test_mng_wr_hp_lock_timeout(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct tdx_module_args out;
	struct fx_td td;
	uint64_t before, old;

	mh_td_make(fx, &td, 0);
	before = fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT);
	/* R8 returns the previous value; MNG.RD shows the new one. */
	assert_status(mh_call(fx, TDH_MNG_WR, td.tdr, MH_TD_HP_LOCK_TIMEOUT, 0x12345, ~0ULL, &out),
		      TDX_SUCCESS);
	assert_int_equal(out.r8, before);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT), 0x12345);
	assert_status(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 0x777, ~0ULL, &old), TDX_SUCCESS);
	assert_int_equal(old, 0x12345);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT), 0x777);
	/* A partial mask changes only its bits. */
	assert_status(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 0xAB00, 0xFF00, &old), TDX_SUCCESS);
	assert_int_equal(old, 0x777);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT), 0xAB77);
}

static void test_mng_wr_after_finalize(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct mh_vp vp;
	struct fx_td td;

	/* MNG.WR runs in RUNNABLE too (reference 4.9). */
	mh_td_make(fx, &td, 0);
	mh_finalize(fx, &td, &vp);
	assert_status(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 99, ~0ULL, NULL), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT), 99);
}

static void test_mng_wr_vm_ctls(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t old;

	mh_td_make(fx, &td, 0);
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t before = fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + i);

		/* Only bit 0 is writable: the other bits of R8 and R9 are ignored. */
		assert_status(mng_wr(fx, &td, MH_TD_VM_CTLS + i, ~0ULL, ~0ULL, &old), TDX_SUCCESS);
		assert_int_equal(old, before);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + i), (before & ~1ULL) | 1);
		assert_status(mng_wr(fx, &td, MH_TD_VM_CTLS + i, 0, ~0ULL, &old), TDX_SUCCESS);
		assert_int_equal(old, (before & ~1ULL) | 1);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + i), before & ~1ULL);
	}
	/* Elements are independent. */
	assert_status(mng_wr(fx, &td, MH_TD_VM_CTLS + 2, 1, 1, NULL), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + 2) & 1, 1);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + 1) & 1, 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_VM_CTLS + 3) & 1, 0);
}

static void test_mng_wr_metadata_field_not_writable_zero_mask(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct wsnap w;
	struct fx_td td;

	mh_td_make(fx, &td, 0);
	wsnap_take(fx, &w, &td);
	assert_status_code(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 5, 0, NULL),
			   TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_status_code(mng_wr(fx, &td, MH_TD_VM_CTLS, 1, 0, NULL), TDX_METADATA_FIELD_NOT_WRITABLE);
	wsnap_check(fx, &w);
}

static void test_mng_wr_metadata_field_not_writable_read_only(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t ro[] = {
		FX_TD_ATTRIBUTES, FX_TD_XFAM, FX_TD_CHLDCNT, FX_TD_OP_STATE, FX_TD_LIFECYCLE_STATE,
		FX_TD_HKID, FX_TD_EPTP, MH_TD_EPOCH, MH_TD_MRTD, MH_TD_MRTD + 5, MH_TD_NUM_VCPUS,
	};
	struct wsnap w;
	struct fx_td td;
	uint64_t attr;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	attr = fx_mng_rd_ok(fx, td.tdr, FX_TD_ATTRIBUTES);
	wsnap_take(fx, &w, &td);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(ro); i++) {
		uint64_t st = mng_wr(fx, &td, ro[i], 0, ~0ULL, NULL);

		if (st != MD_ERR(TDX_METADATA_FIELD_NOT_WRITABLE))
			fail_msg("field 0x%016llx: 0x%016llx", (unsigned long long)ro[i],
				 (unsigned long long)st);
	}
	wsnap_check(fx, &w);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_ATTRIBUTES), attr);
}

static void test_mng_wr_metadata_field_id_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	static const uint64_t bad[] = {
		0x9110000300000099ULL,			/* no such field */
		0x1110000300000FFFULL,
		MH_TD_VM_CTLS + 4,			/* past the last element */
		MH_TD_HP_LOCK_TIMEOUT | TDX_BIT(24),	/* reserved bits 31:24 */
		MH_TD_HP_LOCK_TIMEOUT | (1ULL << 34),	/* LAST_ELEMENT != 0 */
		MH_TD_HP_LOCK_TIMEOUT | (1ULL << 38),	/* LAST_FIELD != 0 */
	};
	struct wsnap w;
	struct fx_td td;

	mh_td_make(fx, &td, 0);
	wsnap_take(fx, &w, &td);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t st = mng_wr(fx, &td, bad[i], 1, ~0ULL, NULL);

		if (st != MD_ERR(TDX_METADATA_FIELD_ID_INCORRECT))
			fail_msg("field 0x%016llx: 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
	}
	wsnap_check(fx, &w);
}

static void test_mng_wr_notify_enables_production_not_writable(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct wsnap w;
	struct fx_td td;
	uint64_t old;

	mh_td_make(fx, &td, 0);
	wsnap_take(fx, &w, &td);
	assert_status_code(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, 1, ~0ULL, NULL),
			   TDX_METADATA_FIELD_NOT_WRITABLE);
	wsnap_check(fx, &w);
	/* Not even a write of bit 0 alone. */
	assert_status_code(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, 1, 1, &old),
			   TDX_METADATA_FIELD_NOT_WRITABLE);
	wsnap_check(fx, &w);
}

static void test_mng_wr_notify_enables_debug(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t old;

	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	/* Debug TD: bit 0 writable; R8 returns the previous value. */
	assert_status(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, ~0ULL, ~0ULL, &old), TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_status(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, 0, ~0ULL, &old), TDX_SUCCESS);
	assert_int_equal(old, 1);		/* only bit 0 was stored */
	assert_status(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, 1, 1, &old), TDX_SUCCESS);
	assert_int_equal(old, 0);
}

static void test_mng_rd_notify_enables_debug(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;
	uint64_t v = ~0ULL;

	/* Reference 4.6: NOTIFY_ENABLES is host-readable on a debug TD. */
	mh_td_make(fx, &td, MH_ATTR_DEBUG);
	assert_status(mng_wr(fx, &td, MH_TD_NOTIFY_ENABLES, 1, 1, NULL), TDX_SUCCESS);
	assert_status(fx_mng_rd(fx, td.tdr, MH_TD_NOTIFY_ENABLES, &v), TDX_SUCCESS);
	assert_int_equal(v, 1);
}

static void test_mng_rd_td_ctls_debug_only(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td prod, dbg;
	uint64_t v = ~0ULL;

	/* TD_CTLS is the guest's: PENDING_VE_DISABLE from SEPT_VE_DISABLE at MNG.INIT. */
	mh_td_make(fx, &dbg, MH_ATTR_DEBUG | MH_ATTR_SEPT_VE_DISABLE);
	assert_status(fx_mng_rd(fx, dbg.tdr, MD_TD_TD_CTLS, &v), TDX_SUCCESS);
	assert_int_equal(v, TDX_TD_CTLS_PENDING_VE_DISABLE);
	assert_status_code(mng_wr(fx, &dbg, MD_TD_TD_CTLS, 0, ~0ULL, NULL),
			   TDX_METADATA_FIELD_NOT_WRITABLE);
	/* A production host can neither read nor write it. */
	mh_td_make(fx, &prod, MH_ATTR_SEPT_VE_DISABLE);
	assert_status_code(fx_mng_rd(fx, prod.tdr, MD_TD_TD_CTLS, NULL),
			   TDX_METADATA_FIELD_NOT_READABLE);
	assert_status_code(mng_wr(fx, &prod, MD_TD_TD_CTLS, 0, ~0ULL, NULL),
			   TDX_METADATA_FIELD_NOT_WRITABLE);
}

static void test_mng_wr_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	mh_td_uninit(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 5, ~0ULL, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	/* Once initialized the field has its initial value. */
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	assert_int_not_equal(fx_mng_rd_ok(fx, td.tdr, MH_TD_HP_LOCK_TIMEOUT), 5);
}

static void test_mng_wr_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct wsnap w;
	struct fx_td td;
	uint64_t page;

	mh_td_make(fx, &td, 0);
	page = fx_alloc_page(fx);
	wsnap_take(fx, &w, &td);
	/* RCX must be a TDR. */
	assert_status(mh_call(fx, TDH_MNG_WR, page, MH_TD_HP_LOCK_TIMEOUT, 5, ~0ULL, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(mh_call(fx, TDH_MNG_WR, td.tdcx[1], MH_TD_HP_LOCK_TIMEOUT, 5, ~0ULL, NULL),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_operand_invalid(mh_call(fx, TDH_MNG_WR, td.tdr + 8, MH_TD_HP_LOCK_TIMEOUT, 5, ~0ULL,
				       NULL), TDX_OPERAND_ID_RCX);
	wsnap_check(fx, &w);
}

static void test_mng_wr_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(1, 1, true);
	struct fx_td td;

	/* After VPFLUSHDONE (TD_BLOCKED) the TDCS is not writable. */
	mh_td_make(fx, &td, 0);
	mh_td_block(fx, &td, NULL);
	mh_assert_keys_not_configured(mng_wr(fx, &td, MH_TD_HP_LOCK_TIMEOUT, 5, ~0ULL, NULL),
				      "MNG.WR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_mng_wr_hp_lock_timeout),
		FX_TEST(test_mng_wr_after_finalize),
		FX_TEST(test_mng_wr_vm_ctls),
		FX_TEST(test_mng_wr_metadata_field_not_writable_zero_mask),
		FX_TEST(test_mng_wr_metadata_field_not_writable_read_only),
		FX_TEST(test_mng_wr_metadata_field_id_incorrect),
		FX_TEST(test_mng_wr_notify_enables_production_not_writable),
		FX_TEST(test_mng_wr_notify_enables_debug),
		FX_TEST(test_mng_rd_notify_enables_debug),
		FX_TEST(test_mng_rd_td_ctls_debug_only),
		FX_TEST(test_mng_wr_op_state_incorrect),
		FX_TEST(test_mng_wr_page_metadata_incorrect),
		FX_TEST(test_mng_wr_td_keys_not_configured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

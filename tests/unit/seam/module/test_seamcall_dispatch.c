/*
 * Unit tests of seam/module/src/seamcall_dispatch.c: RAX decoding (leaf,
 * version, reserved bits), the system-state gate, the per-LP gate and
 * register preservation (reference tdx-abi.md 1.1).  Every failing call
 * is followed by a snapshot check: a refused SEAMCALL changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "module_fixture.h"

#define OPERAND_INVALID_RAX	0xC000010000000000ULL

/* The leaves this module implements that are refused before SYS_READY. */
static const uint64_t ready_only_leaves[] = {
	TDH_MNG_ADDCX, TDH_MNG_KEY_CONFIG, TDH_MNG_CREATE, TDH_MNG_RD,
	TDH_MNG_VPFLUSHDONE, TDH_MNG_KEY_FREEID, TDH_MNG_INIT, TDH_PHYMEM_PAGE_RDMD,
	TDH_MNG_KEY_RECLAIMID, TDH_PHYMEM_PAGE_RECLAIM, TDH_SYS_TDMR_INIT,
	TDH_PHYMEM_CACHE_WB, TDH_PHYMEM_PAGE_WBINVD, TDH_SYS_SHUTDOWN,
};

/* Every leaf the module implements. */
static const uint64_t all_leaves[] = {
	TDH_MNG_ADDCX, TDH_MNG_KEY_CONFIG, TDH_MNG_CREATE, TDH_MNG_RD,
	TDH_MNG_VPFLUSHDONE, TDH_MNG_KEY_FREEID, TDH_MNG_INIT, TDH_PHYMEM_PAGE_RDMD,
	TDH_MNG_KEY_RECLAIMID, TDH_PHYMEM_PAGE_RECLAIM, TDH_SYS_KEY_CONFIG, TDH_SYS_INFO,
	TDH_SYS_INIT, TDH_SYS_RD, TDH_SYS_LP_INIT, TDH_SYS_TDMR_INIT, TDH_SYS_RDALL,
	TDH_PHYMEM_CACHE_WB, TDH_PHYMEM_PAGE_WBINVD, TDH_SYS_LP_SHUTDOWN, TDH_SYS_CONFIG,
	TDH_SYS_SHUTDOWN, TDH_SYS_UPDATE,
};

static void test_unknown_leaf_operand_invalid_rax(void **state)
{
	static const uint64_t unknown[] = { 42, 46, 47, 50, 51, 54, 68, 127, 1000, 0xFFFF };
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	uint64_t page = fx_alloc_page(fx);

	fx_snapshot(fx, &s, &page, 1, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(unknown); i++) {
		for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
			assert_status(fx_call(fx, cpu, unknown[i], page, 0, 0), OPERAND_INVALID_RAX);
	}
	fx_assert_unchanged(fx, &s);
}

static void test_reserved_rax_bits_operand_invalid_rax(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	hkid_t hkid;

	/* A MNG.CREATE that would succeed without the reserved bit. */
	fx_td_alloc(fx, &td);
	hkid = td.hkid;
	fx_snapshot_td(fx, &s, NULL, &td.tdr, 1);
	for (unsigned int bit = 24; bit <= 62; bit++) {
		assert_status(fx_call(fx, 0, TDH_SYS_RD | TDX_BIT(bit), 0, MD_SYS_VENDOR_ID, 0),
			      OPERAND_INVALID_RAX);
		assert_status(fx_call(fx, 0, TDH_MNG_CREATE | TDX_BIT(bit), td.tdr, hkid, 0),
			      OPERAND_INVALID_RAX);
	}
	fx_assert_unchanged(fx, &s);
	assert_int_equal(fx_page_type(fx, td.tdr), PT_NDA);
	/* Control: the same CREATE without reserved bits succeeds. */
	fx_td_mng_create(fx, &td);
	assert_int_equal(fx_page_type(fx, td.tdr), PT_TDR);
	fx_teardown_td(fx, &td);
}

static void test_version_on_unversioned_leaf_operand_invalid_rax(void **state)
{
	static const uint64_t unversioned[] = {
		TDH_SYS_RD, TDH_SYS_INFO, TDH_SYS_RDALL, TDH_MNG_CREATE, TDH_MNG_ADDCX,
		TDH_MNG_INIT, TDH_PHYMEM_PAGE_RDMD, TDH_PHYMEM_CACHE_WB, TDH_SYS_TDMR_INIT,
	};
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_snapshot_td(fx, &s, NULL, &td.tdr, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(unversioned); i++)
		for (unsigned int v = 1; v <= 255; v += 127)
			assert_status(fx_call(fx, 0, unversioned[i] | TDX_LEAF_VERSION(v), td.tdr,
					      td.hkid, 0), OPERAND_INVALID_RAX);
	fx_assert_unchanged(fx, &s);
	fx_td_mng_create(fx, &td);
	fx_teardown_td(fx, &td);
}

static void test_mng_rd_version2_operand_invalid_rax(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	struct tdx_module_args a;

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (unsigned int v = 2; v <= 255; v++)
		assert_status(fx_call(fx, 0, TDH_MNG_RD | TDX_LEAF_VERSION(v), td.tdr,
				      FX_TD_LIFECYCLE_STATE, 0), OPERAND_INVALID_RAX);
	fx_assert_unchanged(fx, &s);
	/* Control: versions 0 and 1 are MNG.RD's. */
	for (unsigned int v = 0; v <= 1; v++) {
		a = (struct tdx_module_args){ .rax = TDH_MNG_RD | TDX_LEAF_VERSION(v), .rcx = td.tdr,
					      .rdx = FX_TD_LIFECYCLE_STATE };
		assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.r8, FX_TD_KEYS_CONFIGURED);
	}
	fx_teardown_td(fx, &td);
}

/* Every ready-only leaf answers SYS_NOT_READY on every LP; nothing changes. */
static void assert_not_ready(struct fx *fx, uint64_t page)
{
	struct fx_snapshot s;

	fx_snapshot(fx, &s, &page, 1, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(ready_only_leaves); i++)
		for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
			assert_status(fx_call(fx, cpu, ready_only_leaves[i], page,
					      fx_first_td_hkid(fx), 0), TDX_SYS_NOT_READY);
	fx_assert_unchanged(fx, &s);
}

static void test_mng_leaf_before_sys_ready_sys_not_ready(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, false);
	struct fx_config c;
	uint64_t page = fx_alloc_page(fx);

	assert_not_ready(fx, page);			/* SYSINIT_PENDING */
	fx_sys_init(fx);
	assert_not_ready(fx, page);			/* SYSINIT_DONE */
	fx_config_hand(fx, &c);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	assert_not_ready(fx, page);			/* SYSCONFIG_DONE */
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	assert_not_ready(fx, page);			/* one package of two */
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	/* SYS_READY: the gate opens (TDMR.INIT of a non-TDMR is an operand error now). */
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_TDMR_INIT, page, 0, 0), TDX_OPERAND_ID_RCX);
}

static void test_sys_rd_before_lp_init_sys_lp_init_not_done(void **state)
{
	struct fx *fx = *state = fx_boot(4, 1, false);
	uint64_t buf = fx_alloc_page(fx);
	uint64_t cmr = fx_alloc_page(fx);
	struct fx_snapshot s;
	uint64_t v;

	/* Before SYS.INIT no LP has run LP.INIT. */
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_status(fx_sys_rd(fx, cpu, MD_SYS_VENDOR_ID, &v, NULL), TDX_SYS_LP_INIT_NOT_DONE);
	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 1, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (unsigned int cpu = 2; cpu < fx->nr_lps; cpu++) {
		struct tdx_module_args info = { .rax = TDH_SYS_INFO, .rcx = buf, .rdx = 1024,
						.r8 = cmr, .r9 = TDX_MAX_CMRS };

		assert_status(fx_sys_rd(fx, cpu, MD_SYS_VENDOR_ID, &v, NULL), TDX_SYS_LP_INIT_NOT_DONE);
		assert_status(fx_seamcall(fx, cpu, &info), TDX_SYS_LP_INIT_NOT_DONE);
		assert_status(fx_call(fx, cpu, TDH_SYS_RDALL, 0, buf, MD_SYS_NUM_PKGS),
			      TDX_SYS_LP_INIT_NOT_DONE);
	}
	fx_assert_unchanged(fx, &s);
	/* The LPs that did LP.INIT read. */
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		assert_status(fx_sys_rd(fx, cpu, MD_SYS_VENDOR_ID, &v, NULL), TDX_SUCCESS);
		assert_int_equal(v, 0x8086);
	}
}

static void test_after_sys_shutdown_sys_shutdown(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t page = fx_alloc_page(fx);
	uint64_t hv = fx_sys_rd_ok(fx, MD_SYS_MODULE_HV);
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, hv, 0, 0), TDX_SUCCESS);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(all_leaves); i++) {
		uint64_t expect = all_leaves[i] == TDH_SYS_LP_SHUTDOWN ? TDX_SUCCESS : TDX_SYS_SHUTDOWN;

		for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
			/* Operands that would be valid in SYS_READY. */
			uint64_t rcx = all_leaves[i] == TDH_PHYMEM_PAGE_RDMD ? page : td.tdr;
			uint64_t rdx = all_leaves[i] == TDH_MNG_RD ? FX_TD_LIFECYCLE_STATE : MD_SYS_VENDOR_ID;

			if (all_leaves[i] == TDH_SYS_SHUTDOWN || all_leaves[i] == TDH_PHYMEM_CACHE_WB ||
			    all_leaves[i] == TDH_SYS_INIT)
				rcx = all_leaves[i] == TDH_SYS_SHUTDOWN ? hv : 0;
			assert_status(fx_call(fx, cpu, all_leaves[i], rcx, rdx, 0), expect);
		}
	}
}

static void test_registers_not_outputs_preserved(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t page = fx_alloc_page(fx);
	struct tdx_module_args in, a;

	/* SYS.RD: RDX (next id) and R8 (value) are the only outputs. */
	in = (struct tdx_module_args){
		.rax = TDH_SYS_RD, .rcx = 0x1111111111111111ULL, .rdx = MD_SYS_VENDOR_ID,
		.r8 = 0x8888888888888888ULL, .r9 = 0x9999999999999999ULL,
		.r10 = 0xAAAAAAAAAAAAAAAAULL, .r11 = 0xBBBBBBBBBBBBBBBBULL,
		.r12 = 0xCCCCCCCCCCCCCCCCULL, .r13 = 0xDDDDDDDDDDDDDDDDULL,
		.r14 = 0xEEEEEEEEEEEEEEEEULL, .r15 = 0xF0F0F0F0F0F0F0F0ULL,
		.rbx = 0x0B0B0B0B0B0B0B0BULL, .rdi = 0x0D0D0D0D0D0D0D0DULL,
		.rsi = 0x05E505E505E505E5ULL,
	};
	a = in;
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.r8, 0x8086);
	assert_int_not_equal(a.rdx, in.rdx);
	a.rax = in.rax;
	a.rdx = in.rdx;
	a.r8 = in.r8;
	assert_memory_equal(&a, &in, sizeof(a));

	/* A refused call (unknown leaf) changes nothing but RAX. */
	in.rax = 42;
	a = in;
	assert_status(fx_seamcall(fx, 1, &a), OPERAND_INVALID_RAX);
	a.rax = in.rax;
	assert_memory_equal(&a, &in, sizeof(a));

	/* A failing SYS.RD (unknown field) changes nothing but RAX. */
	in.rax = TDH_SYS_RD;
	in.rdx = 0x0000000200000077ULL;
	a = in;
	assert_status_code(fx_seamcall(fx, 0, &a), TDX_METADATA_FIELD_ID_INCORRECT);
	a.rax = in.rax;
	assert_memory_equal(&a, &in, sizeof(a));

	/* RDMD: RCX, RDX, R8..R11 are outputs; R12..R15, RBX, RDI, RSI are not. */
	in.rax = TDH_PHYMEM_PAGE_RDMD;
	in.rcx = page;
	a = in;
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.rcx, PT_NDA);
	assert_int_equal(a.r12, in.r12);
	assert_int_equal(a.r13, in.r13);
	assert_int_equal(a.r14, in.r14);
	assert_int_equal(a.r15, in.r15);
	assert_int_equal(a.rbx, in.rbx);
	assert_int_equal(a.rdi, in.rdi);
	assert_int_equal(a.rsi, in.rsi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_unknown_leaf_operand_invalid_rax),
		FX_TEST(test_reserved_rax_bits_operand_invalid_rax),
		FX_TEST(test_version_on_unversioned_leaf_operand_invalid_rax),
		FX_TEST(test_mng_rd_version2_operand_invalid_rax),
		FX_TEST(test_mng_leaf_before_sys_ready_sys_not_ready),
		FX_TEST(test_sys_rd_before_lp_init_sys_lp_init_not_done),
		FX_TEST(test_after_sys_shutdown_sys_shutdown),
		FX_TEST(test_registers_not_outputs_preserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

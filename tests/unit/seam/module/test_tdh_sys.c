/*
 * Unit tests of seam/module/src/tdh_sys.c and tdh_sys_config.c: the
 * platform (SYS) leaves in Linux's bring-up order, SYS.CONFIG against
 * hand-built TDMR lists (one broken rule per case), the global metadata
 * (SYS.RD, SYS.RDALL, SYS.INFO) against the reference values, and
 * SYS.SHUTDOWN's operands (reference tdx-abi.md 1.3, 4.4-4.6, 4.9).
 * After every refused call the observable module state is unchanged.
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
#define MiB	TDX_SZ_1M

/* A module after SYS.INIT and LP.INIT on every LP, with a valid hand-built config in @c. */
static struct fx *config_fixture(void **state, unsigned int lps, unsigned int pkgs,
				 struct fx_config *c)
{
	struct fx *fx = *state = fx_boot(lps, pkgs, false);

	fx_sys_init(fx);
	fx_config_hand(fx, c);
	return fx;
}

/* SYS.CONFIG of @bad must answer @expect and change nothing (the module stays in SYSINIT_DONE). */
static void expect_config_refused(struct fx *fx, const struct fx_config *bad, uint64_t expect)
{
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_sys_config(fx, bad, fx_global_hkid(fx)), expect);
	fx_assert_unchanged(fx, &s);
}

/* After the refusals, the valid configuration is still taken. */
static void expect_config_taken(struct fx *fx, const struct fx_config *good)
{
	assert_status(fx_sys_config(fx, good, fx_global_hkid(fx)), TDX_SUCCESS);
}

/* ---- SYS.INIT / LP.INIT ---- */

static void test_sys_init_rcx_nonzero_operand_invalid_rcx(void **state)
{
	static const uint64_t bad[] = { 1, TDX_BIT(31), TDX_BIT(63), ~0ULL };
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_SYS_INIT, bad[i], 0, 0), TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	/* Still SYSINIT_PENDING: LP.INIT is refused, SYS.INIT then works. */
	assert_status(fx_call(fx, 0, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SYS_STATE_INCORRECT);
	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SUCCESS);
}

static void test_sys_init_twice_sys_init_not_pending(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_snapshot s;

	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SYS_INIT_NOT_PENDING);
	assert_status(fx_call(fx, 1, TDH_SYS_INIT, 0, 0, 0), TDX_SYS_INIT_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
	/* And on an initialized module. */
	fx_destroy(fx);
	fx = *state = fx_boot(2, 1, true);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SYS_INIT_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
}

static void test_lp_init_before_sys_init_sys_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_status(fx_call(fx, cpu, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SYS_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_sys_init(fx);
}

static void test_lp_init_twice_sys_lp_init_done(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_snapshot s;

	fx_sys_init(fx);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++)
		assert_status(fx_call(fx, cpu, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SYS_LP_INIT_DONE);
	fx_assert_unchanged(fx, &s);
}

/* ---- SYS.CONFIG ---- */

static void test_sys_config_before_all_lp_init_sys_lp_init_not_done(void **state)
{
	struct fx *fx = *state = fx_boot(4, 1, false);
	struct fx_config c;
	struct fx_snapshot s;

	assert_status(fx_call(fx, 0, TDH_SYS_INIT, 0, 0, 0), TDX_SUCCESS);
	for (unsigned int cpu = 0; cpu + 1 < fx->nr_lps; cpu++)
		assert_status(fx_call(fx, cpu, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);
	fx_config_hand(fx, &c);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SYS_LP_INIT_NOT_DONE);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, fx->nr_lps - 1, TDH_SYS_LP_INIT, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_wrong_state_sys_config_not_pending(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_config c;
	struct fx_snapshot s;

	fx_config_hand(fx, &c);
	/* SYSINIT_PENDING */
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SYS_CONFIG_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
	/* SYSCONFIG_DONE */
	fx_sys_init(fx);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SYS_CONFIG_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
	/* SYS_READY */
	fx_key_config_all(fx);
	fx_tdmr_init_all(fx, &c);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SYS_CONFIG_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
}

static void test_sys_config_count_operand_invalid_rdx(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	uint64_t array = fx_config_stage(fx, &c);
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array, 0, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RDX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array, TDX_MAX_TDMRS + 1,
				       fx_global_hkid(fx)), TDX_OPERAND_ID_RDX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array, ~0ULL, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RDX);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_array_operand_invalid_rcx(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	uint64_t array = fx_config_stage(fx, &c);
	uint64_t seamrr = fx->cfg.seamrr.base;
	uint64_t private_pa = pmem_pa_with_keyid(fx->plat, array, fx_global_hkid(fx));
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	/* Misaligned (the array is 512-byte aligned), in SEAMRR, private KeyID, beyond DRAM. */
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array + 8, c.nr, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array + 256, c.nr, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, seamrr, c.nr, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, private_pa, c.nr, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, fx->cfg.dram_size, c.nr,
				       fx_global_hkid(fx)), TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_global_keyid_operand_invalid_r8(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	uint64_t array = fx_config_stage(fx, &c);
	const uint64_t bad[] = {
		0,					/* TME */
		1,					/* MKTME */
		fx->cfg.nr_mktme_keyids,		/* the last MKTME KeyID */
		fx_last_td_hkid(fx) + 1,		/* beyond the TDX KeyIDs */
		TDX_BIT(16) | fx_global_hkid(fx),	/* bits above 15 */
		TDX_BIT(63) | fx_global_hkid(fx),
	};
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array, c.nr, bad[i]),
				       TDX_OPERAND_ID_R8);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_tdmr_info_misaligned_operand_invalid_tdmr_info_pa(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	uint64_t array = fx_config_stage(fx, &c);
	uint64_t pas[2] = { c.stage_pa + PAGE + 64, c.stage_pa + PAGE + TDMR_INFO_ALIGNMENT };
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	fx_write(fx, array, pas, sizeof(pas));
	assert_operand_invalid(fx_call(fx, 0, TDH_SYS_CONFIG, array, 2, fx_global_hkid(fx)),
			       TDX_OPERAND_ID_TDMR_INFO_PA);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_base_not_1g_aligned_invalid_tdmr(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	bad = c;
	bad.tdmr[1].base += 2 * MiB;
	expect_config_refused(fx, &bad, TDX_INVALID_TDMR | 1);
	expect_config_taken(fx, &c);
}

static void test_sys_config_size_not_1g_multiple_invalid_tdmr(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	bad = c;
	bad.tdmr[0].size -= 2 * MiB;
	bad.tdmr[0].reserved_areas[1].size -= 2 * MiB;
	expect_config_refused(fx, &bad, TDX_INVALID_TDMR | 0);
	bad = c;
	bad.tdmr[1].size = 0;
	expect_config_refused(fx, &bad, TDX_INVALID_TDMR | 1);
	expect_config_taken(fx, &c);
}

static void test_sys_config_unordered_non_ordered_tdmr(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	bad = c;
	bad.tdmr[0] = c.tdmr[1];
	bad.tdmr[1] = c.tdmr[0];
	expect_config_refused(fx, &bad, TDX_NON_ORDERED_TDMR | 1);
	/* Overlapping TDMRs are out of order too. */
	bad = c;
	bad.tdmr[1].base = 1 * GiB;
	bad.tdmr[1].size = 1 * GiB;
	memset(bad.tdmr[1].reserved_areas, 0, sizeof(bad.tdmr[1].reserved_areas));
	bad.nr = 2;
	expect_config_refused(fx, &bad, TDX_NON_ORDERED_TDMR | 1);
	expect_config_taken(fx, &c);
}

static void test_sys_config_reserved_misaligned_invalid_reserved_in_tdmr(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	bad = c;
	bad.tdmr[1].reserved_areas[0].offset += 0x800;
	expect_config_refused(fx, &bad, TDX_INVALID_RESERVED_IN_TDMR | 1);
	bad = c;
	bad.tdmr[0].reserved_areas[0].size += 8;
	expect_config_refused(fx, &bad, TDX_INVALID_RESERVED_IN_TDMR | 0);
	/* An area running past the TDMR's end. */
	bad = c;
	bad.tdmr[1].reserved_areas[0].size += PAGE;
	expect_config_refused(fx, &bad, TDX_INVALID_RESERVED_IN_TDMR | 1);
	expect_config_taken(fx, &c);
}

static void test_sys_config_unordered_reserved_non_ordered_reserved_in_tdmr(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	/* TDMR 0 reserves the PAMT block, then the non-CMR tail. */
	assert_true(c.tdmr[0].reserved_areas[1].size && !c.tdmr[0].reserved_areas[2].size);
	bad = c;
	bad.tdmr[0].reserved_areas[0] = c.tdmr[0].reserved_areas[1];
	bad.tdmr[0].reserved_areas[1] = c.tdmr[0].reserved_areas[0];
	expect_config_refused(fx, &bad, TDX_NON_ORDERED_RESERVED_IN_TDMR | 0);
	/* Overlapping areas. */
	bad = c;
	bad.tdmr[0].reserved_areas[0].size = c.tdmr[0].reserved_areas[1].offset -
					     c.tdmr[0].reserved_areas[0].offset + PAGE;
	expect_config_refused(fx, &bad, TDX_NON_ORDERED_RESERVED_IN_TDMR | 0);
	expect_config_taken(fx, &c);
}

static void test_sys_config_pamt_too_small_invalid_pamt(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	/* The size class (0 4K, 1 2M, 2 1G) is in bits 15:8, the TDMR index in 7:0. */
	bad = c;
	bad.tdmr[1].pamt_4k_size -= PAGE;
	expect_config_refused(fx, &bad, TDX_INVALID_PAMT | 1);
	bad = c;
	bad.tdmr[1].pamt_2m_size -= PAGE;
	expect_config_refused(fx, &bad, TDX_INVALID_PAMT | (1 << 8) | 1);
	bad = c;
	bad.tdmr[0].pamt_1g_size = 0;
	expect_config_refused(fx, &bad, TDX_INVALID_PAMT | (2 << 8) | 0);
	/* A PAMT base that is not 4K aligned. */
	bad = c;
	bad.tdmr[0].pamt_2m_base += 16;
	expect_config_refused(fx, &bad, TDX_INVALID_PAMT | (1 << 8) | 0);
	expect_config_taken(fx, &c);
}

static void test_sys_config_pamt_outside_cmrs_pamt_outside_cmrs(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	uint64_t st;
	struct fx_snapshot s;

	/* The 1G PAMT of TDMR 1 in the hole between 2 GiB and 4 GiB. */
	bad = c;
	bad.tdmr[1].pamt_1g_base = 3 * GiB;
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	st = fx_sys_config(fx, &bad, fx_global_hkid(fx));
	assert_status_code(st, TDX_PAMT_OUTSIDE_CMRS);
	assert_int_equal(st & 0xFF, 1);
	fx_assert_unchanged(fx, &s);
	/* The 4K PAMT of TDMR 0 straddling the end of CMR 0. */
	bad = c;
	bad.tdmr[0].pamt_4k_base = fx->cfg.cmr[0].base + fx->cfg.cmr[0].size - PAGE;
	st = fx_sys_config(fx, &bad, fx_global_hkid(fx));
	assert_status_code(st, TDX_PAMT_OUTSIDE_CMRS);
	assert_int_equal(st & 0xFF, 0);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_unreserved_non_cmr_memory_tdmr_outside_cmrs(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);

	/* TDMR 1 ends in SEAMRR, which is not convertible: drop its reservation. */
	bad = c;
	memset(bad.tdmr[1].reserved_areas, 0, sizeof(bad.tdmr[1].reserved_areas));
	expect_config_refused(fx, &bad, TDX_TDMR_OUTSIDE_CMRS | 1);
	/* Reserve only part of the non-CMR tail of TDMR 0. */
	bad = c;
	bad.tdmr[0].reserved_areas[1].offset += PAGE;
	bad.tdmr[0].reserved_areas[1].size -= PAGE;
	expect_config_refused(fx, &bad, TDX_TDMR_OUTSIDE_CMRS | 0);
	expect_config_taken(fx, &c);
}

static void test_sys_config_pamt_overlap_pamt_overlap(void **state)
{
	struct fx_config c, bad;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	struct fx_snapshot s;
	uint64_t st;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	/* TDMR 1's 1G PAMT on top of TDMR 0's. */
	bad = c;
	bad.tdmr[1].pamt_1g_base = c.tdmr[0].pamt_1g_base;
	st = fx_sys_config(fx, &bad, fx_global_hkid(fx));
	assert_status_code(st, TDX_PAMT_OVERLAP);
	assert_int_equal(st & 0xFF, 0);
	assert_int_equal((st >> 16) & 0xFF, 1);	/* the conflicting TDMR */
	fx_assert_unchanged(fx, &s);
	/* Two PAMTs of one TDMR overlapping each other. */
	bad = c;
	bad.tdmr[1].pamt_2m_base = c.tdmr[1].pamt_4k_base + PAGE;
	st = fx_sys_config(fx, &bad, fx_global_hkid(fx));
	assert_status_code(st, TDX_PAMT_OVERLAP);
	fx_assert_unchanged(fx, &s);
	/* The PAMT block in TDMR 0 memory that is not reserved. */
	bad = c;
	bad.tdmr[0].reserved_areas[0] = c.tdmr[0].reserved_areas[1];
	memset(&bad.tdmr[0].reserved_areas[1], 0, sizeof(bad.tdmr[0].reserved_areas[1]));
	st = fx_sys_config(fx, &bad, fx_global_hkid(fx));
	assert_status_code(st, TDX_PAMT_OVERLAP);
	assert_int_equal((st >> 16) & 0xFF, 0);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

static void test_sys_config_hand_built_success(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	struct fx_td td;

	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	fx_tdmr_init_all(fx, &c);
	/* Reserved areas are PT_RSVD, the rest PT_NDA; a TD can be built. */
	assert_int_equal(fx_page_type(fx, c.pamt_pa), PT_RSVD);
	assert_int_equal(fx_page_type(fx, fx->cfg.seamrr.base), PT_RSVD);
	assert_int_equal(fx_page_type(fx, fx->cfg.cmr[1].base), PT_NDA);
	fx_create_td(fx, &td);
	fx_teardown_td(fx, &td);
}

static void test_sys_config_builder_success(void **state)
{
	struct fx *fx = *state = fx_boot(2, 2, false);
	struct fx_config c;
	struct fx_td td;

	fx_sys_init(fx);
	fx_config_builder(fx, &c);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	fx_tdmr_init_all(fx, &c);
	assert_int_equal(fx_page_type(fx, c.tdmr[0].pamt_4k_base), PT_RSVD);
	fx_create_td(fx, &td);
	fx_teardown_td(fx, &td);
}

/* ---- SYS.KEY.CONFIG ---- */

static void test_key_config_before_config_sys_key_config_not_pending(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_config c;
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SYS_KEY_CONFIG_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
	fx_sys_init(fx);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SYS_KEY_CONFIG_NOT_PENDING);
	assert_status(fx_call(fx, 1, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SYS_KEY_CONFIG_NOT_PENDING);
	fx_assert_unchanged(fx, &s);
	fx_config_hand(fx, &c);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
}

static void test_key_config_twice_key_configured(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 4, 2, &c);
	unsigned int pkg0 = fx_cpu_of_pkg(fx, 0), pkg1 = fx_cpu_of_pkg(fx, 1);
	struct fx_snapshot s;
	uint64_t st;

	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	assert_status(fx_call(fx, pkg0, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	/* Again on package 0, from either of its LPs: informational, not an error. */
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		if (lp_package(platform_lp(fx->plat, cpu)) != 0)
			continue;
		st = fx_call(fx, cpu, TDH_SYS_KEY_CONFIG, 0, 0, 0);
		assert_status(st, TDX_KEY_CONFIGURED);
		assert_false(tdx_status_is_error(st));
	}
	fx_assert_unchanged(fx, &s);	/* still not SYS_READY */
	assert_status(fx_call(fx, pkg1, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, pkg1, TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_KEY_CONFIGURED);
	fx_assert_unchanged(fx, &s);
}

static void test_key_config_sys_ready_after_every_package(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 4, 2, &c);
	uint64_t base = c.tdmr[0].base;

	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_SYS_TDMR_INIT, base, 0, 0), TDX_SYS_NOT_READY);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_SYS_TDMR_INIT, base, 0, 0), TDX_SYS_NOT_READY);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_SYS_KEY_CONFIG, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_SYS_TDMR_INIT, base, 0, 0), TDX_SUCCESS);
}

/* ---- SYS.TDMR.INIT ---- */

static void test_tdmr_init_not_a_tdmr_operand_invalid_rcx(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	const uint64_t bad[] = {
		1, c.tdmr[1].base + GiB, c.tdmr[1].base + PAGE, 3 * GiB, c.tdmr[1].base + c.tdmr[1].size,
		pmem_pa_with_keyid(fx->plat, c.tdmr[1].base, fx_global_hkid(fx)),
	};
	struct fx_snapshot s;
	uint64_t pages[2] = { c.tdmr[0].base, c.tdmr[1].base };

	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	fx_snapshot(fx, &s, pages, 2, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_SYS_TDMR_INIT, bad[i], 0, 0), TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	/* Nothing was initialized: the TDMRs' pages are not addressable yet. */
	assert_status(fx_rdmd(fx, c.tdmr[1].base, &(struct fx_rdmd){ 0 }),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
}

static void test_tdmr_init_loop_tdmr_already_initialized(void **state)
{
	struct fx_config c;
	struct fx *fx = config_fixture(state, 2, 1, &c);
	const struct tdmr_info *t = &c.tdmr[1];
	uint64_t last = t->base, calls = 0, st;
	struct tdx_module_args a;
	struct fx_rdmd md;

	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	for (;;) {
		a = (struct tdx_module_args){ .rax = TDH_SYS_TDMR_INIT, .rcx = t->base };
		st = fx_seamcall(fx, 0, &a);
		assert_status(st, TDX_SUCCESS);
		calls++;
		if (calls == 1) {
			/* Only the first chunk is there: its pages read, the next ones do not. */
			assert_status(fx_rdmd(fx, t->base, &md), TDX_SUCCESS);
			assert_int_equal(md.type, PT_NDA);
			assert_status(fx_rdmd(fx, t->base + t->size / 2, &md),
				      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
		}
		/* RDX: monotonic, 1 GiB granular, within the TDMR. */
		assert_true(a.rdx >= last);
		assert_true(TDX_IS_ALIGNED(a.rdx, GiB));
		assert_true(a.rdx <= t->base + t->size);
		last = a.rdx;
		if (a.rdx >= t->base + t->size)
			break;
		assert_true(calls < t->size / PAGE);
	}
	assert_int_equal(last, t->base + t->size);
	assert_true(calls > 1);
	a = (struct tdx_module_args){ .rax = TDH_SYS_TDMR_INIT, .rcx = t->base };
	st = fx_seamcall(fx, 0, &a);
	assert_status(st, TDX_TDMR_ALREADY_INITIALIZED);
	assert_false(tdx_status_is_error(st));
	assert_int_equal(a.rdx, t->base + t->size);
	/* The whole TDMR is addressable, its reserved tail is PT_RSVD. */
	assert_int_equal(fx_page_type(fx, t->base + t->size - PAGE), PT_RSVD);
	assert_int_equal(fx_page_type(fx, t->base + t->size / 2), PT_NDA);
	/* TDMR 0 was not touched. */
	assert_status(fx_rdmd(fx, c.tdmr[0].base, &md),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
}

/* ---- SYS.RD ---- */

struct sys_field {
	uint64_t id;
	unsigned int elements;
	const char *name;
};

/* Every field of include/tdx/tdx_metadata.h, in (class, field code) order. */
static const struct sys_field sys_fields[] = {
	{ MD_SYS_NUM_PKGS, 1, "NUM_PKGS" },
	{ MD_SYS_PKG_FMS, SYSINFO_MAX_SOCKETS, "PKG_FMS" },
	{ MD_SYS_VENDOR_ID, 1, "VENDOR_ID" },
	{ MD_SYS_BUILD_DATE, 1, "BUILD_DATE" },
	{ MD_SYS_BUILD_NUM, 1, "BUILD_NUM" },
	{ MD_SYS_MINOR_VERSION, 1, "MINOR_VERSION" },
	{ MD_SYS_MAJOR_VERSION, 1, "MAJOR_VERSION" },
	{ MD_SYS_UPDATE_VERSION, 1, "UPDATE_VERSION" },
	{ MD_SYS_INTERNAL_VERSION, 1, "INTERNAL_VERSION" },
	{ MD_SYS_MODULE_HV, 1, "MODULE_HV" },
	{ MD_SYS_MIN_UPDATE_HV, 1, "MIN_UPDATE_HV" },
	{ MD_SYS_NO_DOWNGRADE, 1, "NO_DOWNGRADE" },
	{ MD_SYS_NUM_HANDOFF_PAGES, 1, "NUM_HANDOFF_PAGES" },
	{ MD_SYS_SYS_ATTRIBUTES, 1, "SYS_ATTRIBUTES" },
	{ MD_SYS_NUM_TDX_FEATURES, 1, "NUM_TDX_FEATURES" },
	{ MD_SYS_TDX_FEATURES0, 1, "TDX_FEATURES0" },
	{ MD_SYS_NUM_CMRS, 1, "NUM_CMRS" },
	{ MD_SYS_CMR_BASE, TDX_MAX_CMRS, "CMR_BASE" },
	{ MD_SYS_CMR_SIZE, TDX_MAX_CMRS, "CMR_SIZE" },
	{ MD_SYS_MAX_TDMRS, 1, "MAX_TDMRS" },
	{ MD_SYS_MAX_RESERVED_PER_TDMR, 1, "MAX_RESERVED_PER_TDMR" },
	{ MD_SYS_PAMT_4K_ENTRY_SIZE, 1, "PAMT_4K_ENTRY_SIZE" },
	{ MD_SYS_PAMT_2M_ENTRY_SIZE, 1, "PAMT_2M_ENTRY_SIZE" },
	{ MD_SYS_PAMT_1G_ENTRY_SIZE, 1, "PAMT_1G_ENTRY_SIZE" },
	{ MD_SYS_TDR_BASE_SIZE, 1, "TDR_BASE_SIZE" },
	{ MD_SYS_TDCS_BASE_SIZE, 1, "TDCS_BASE_SIZE" },
	{ MD_SYS_TDCS_SIZE_PER_L2_VM, 1, "TDCS_SIZE_PER_L2_VM" },
	{ MD_SYS_TDVPS_BASE_SIZE, 1, "TDVPS_BASE_SIZE" },
	{ MD_SYS_TDVPS_SIZE_PER_L2_VM, 1, "TDVPS_SIZE_PER_L2_VM" },
	{ MD_SYS_ATTRIBUTES_FIXED0, 1, "ATTRIBUTES_FIXED0" },
	{ MD_SYS_ATTRIBUTES_FIXED1, 1, "ATTRIBUTES_FIXED1" },
	{ MD_SYS_XFAM_FIXED0, 1, "XFAM_FIXED0" },
	{ MD_SYS_XFAM_FIXED1, 1, "XFAM_FIXED1" },
	{ MD_SYS_NUM_CPUID_CONFIG, 1, "NUM_CPUID_CONFIG" },
	{ MD_SYS_CONFIG_FLAGS_FIXED0, 1, "CONFIG_FLAGS_FIXED0" },
	{ MD_SYS_CONFIG_FLAGS_FIXED1, 1, "CONFIG_FLAGS_FIXED1" },
	{ MD_SYS_MAX_VCPUS_PER_TD, 1, "MAX_VCPUS_PER_TD" },
	{ MD_SYS_CPUID_CONFIG_LEAVES, 12, "CPUID_CONFIG_LEAVES" },
	{ MD_SYS_CPUID_CONFIG_VALUES, 24, "CPUID_CONFIG_VALUES" },
};

/* The configurable CPUID leaves of module 1.5.01 (reference tdx-abi.md 4.1). */
static const uint64_t cpuid_config_leaves[12] = {
	0xFFFFFFFF00000001ULL, 0x0000000000000004ULL, 0x0000000100000004ULL,
	0x0000000200000004ULL, 0x0000000300000004ULL, 0x0000000000000007ULL,
	0x0000000100000007ULL, 0xFFFFFFFF0000000AULL, 0xFFFFFFFF0000001CULL,
	0xFFFFFFFF80000008ULL, 0x0000000200000007ULL, 0x0000000000000023ULL,
};

static uint32_t bcd_to_decimal(uint32_t bcd)
{
	uint32_t v = 0;

	for (int shift = 28; shift >= 0; shift -= 4)
		v = v * 10 + ((bcd >> shift) & 0xF);
	return v;
}

/*
 * The value the reference gives @f's element @e on @fx's platform, or
 * false when only its readability is checked.
 */
static bool expected_value(const struct fx *fx, const struct sys_field *f, unsigned int e,
			   uint64_t *v)
{
	const struct platform_config *cfg = &fx->cfg;

	switch (f->id) {
	case MD_SYS_NUM_PKGS: *v = fx->nr_pkgs; return true;
	case MD_SYS_PKG_FMS: *v = e < fx->nr_pkgs ? cfg->cpuid_fms : 0; return true;
	case MD_SYS_VENDOR_ID: *v = 0x8086; return true;
	case MD_SYS_BUILD_DATE: *v = bcd_to_decimal(fx->image.build_date); return true;
	case MD_SYS_BUILD_NUM: *v = fx->image.build_num; return true;
	case MD_SYS_MINOR_VERSION: *v = 5; return true;
	case MD_SYS_MAJOR_VERSION: *v = 1; return true;
	case MD_SYS_UPDATE_VERSION: *v = fx->image.update_version; return true;
	case MD_SYS_INTERNAL_VERSION: *v = fx->image.internal_version; return true;
	case MD_SYS_MODULE_HV: *v = fx->sig.module_hv; return true;
	case MD_SYS_MIN_UPDATE_HV: *v = fx->sig.min_update_hv; return true;
	case MD_SYS_NO_DOWNGRADE: *v = fx->sig.no_downgrade; return true;
	case MD_SYS_NUM_HANDOFF_PAGES: *v = fx->sig.num_handoff_pages; return true;
	case MD_SYS_SYS_ATTRIBUTES:
		*v = (fx->sig.module_type & SEAM_SIGSTRUCT_MODULE_DEBUG) ? TDX_BIT(31) : 0;
		return true;
	case MD_SYS_NUM_TDX_FEATURES: *v = 1; return true;
	case MD_SYS_NUM_CMRS: *v = cfg->nr_cmrs; return true;
	case MD_SYS_CMR_BASE: *v = e < cfg->nr_cmrs ? cfg->cmr[e].base : 0; return true;
	case MD_SYS_CMR_SIZE: *v = e < cfg->nr_cmrs ? cfg->cmr[e].size : 0; return true;
	case MD_SYS_MAX_TDMRS: *v = 64; return true;
	case MD_SYS_MAX_RESERVED_PER_TDMR: *v = 16; return true;
	case MD_SYS_PAMT_4K_ENTRY_SIZE:
	case MD_SYS_PAMT_2M_ENTRY_SIZE:
	case MD_SYS_PAMT_1G_ENTRY_SIZE: *v = 16; return true;
	case MD_SYS_TDR_BASE_SIZE: *v = 4096; return true;
	case MD_SYS_TDCS_BASE_SIZE: *v = 6 * 4096; return true;
	case MD_SYS_TDCS_SIZE_PER_L2_VM: *v = 4096; return true;
	case MD_SYS_TDVPS_BASE_SIZE: *v = 6 * 4096; return true;
	case MD_SYS_TDVPS_SIZE_PER_L2_VM: *v = 3 * 4096; return true;
	case MD_SYS_ATTRIBUTES_FIXED0:
		*v = TDX_BIT(0) | TDX_BIT(28) | TDX_BIT(29) | TDX_BIT(30) | TDX_BIT(31) | TDX_BIT(63);
		return true;
	case MD_SYS_ATTRIBUTES_FIXED1: *v = 0; return true;
	case MD_SYS_XFAM_FIXED0: *v = 0x0006DBE7; return true;
	case MD_SYS_XFAM_FIXED1: *v = 0x3; return true;
	case MD_SYS_NUM_CPUID_CONFIG: *v = 12; return true;
	case MD_SYS_CONFIG_FLAGS_FIXED1: *v = 0; return true;
	case MD_SYS_CPUID_CONFIG_LEAVES: *v = cpuid_config_leaves[e]; return true;
	default:
		/* TDX_FEATURES0, CONFIG_FLAGS_FIXED0 (own tests), MAX_VCPUS_PER_TD, CPUID_CONFIG_VALUES */
		return false;
	}
}

static void test_sys_rd_every_field_expected_value(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(sys_fields); i++) {
		const struct sys_field *f = &sys_fields[i];

		for (unsigned int e = 0; e < f->elements; e++) {
			uint64_t v, want, st;

			for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
				st = fx_sys_rd(fx, cpu, f->id + e, &v, NULL);
				if (st != TDX_SUCCESS)
					fail_msg("%s[%u]: status 0x%016llx", f->name, e, (unsigned long long)st);
				if (expected_value(fx, f, e, &want) && v != want)
					fail_msg("%s[%u] = 0x%llx, expected 0x%llx", f->name, e,
						 (unsigned long long)v, (unsigned long long)want);
			}
		}
	}
	/* BUILD_DATE is a decimal yyyymmdd. */
	{
		uint64_t d = fx_sys_rd_ok(fx, MD_SYS_BUILD_DATE);

		assert_in_range(d / 10000, 2000, 2099);
		assert_in_range(d / 100 % 100, 1, 12);
		assert_in_range(d % 100, 1, 31);
	}
	assert_in_range(fx_sys_rd_ok(fx, MD_SYS_MAX_VCPUS_PER_TD), 1, 0xFFFF);
	fx_assert_unchanged(fx, &s);
}

static void test_sys_rd_config_flags_fixed0_gpaw_needs_more_than_48_pa_bits(void **state)
{
	static const char *const pa52[] = { "max-pa=52", NULL };
	struct fx *fx = *state = fx_boot(2, 1, true);

	/* Reference 4.2: CONFIG_FLAGS_FIXED0 = 0x7, GPAW cleared if MAXPA <= 48. */
	assert_int_equal(fx->cfg.max_pa, 46);
	assert_int_equal(fx_sys_rd_ok(fx, MD_SYS_CONFIG_FLAGS_FIXED1), 0);
	fx_destroy(fx);
	fx = *state = fx_boot_with(2, 1, true, pa52);
	assert_int_equal(fx_sys_rd_ok(fx, MD_SYS_CONFIG_FLAGS_FIXED0), 0x7);
	fx_destroy(fx);
	fx = *state = fx_boot(2, 1, true);
	assert_int_equal(fx_sys_rd_ok(fx, MD_SYS_CONFIG_FLAGS_FIXED0), 0x6);
}

static void test_sys_rd_tdx_features0_enumerates_what_linux_needs(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t f0 = fx_sys_rd_ok(fx, MD_SYS_TDX_FEATURES0);

	/*
	 * Linux's init_tdx_module() refuses a module without NO_RBP_MOD
	 * (bit 18: "frame pointer (RBP) clobber bug present"), and gates
	 * runtime update on TD_PRESERVING (bit 1), which this module does
	 * with SYS.SHUTDOWN/SYS.UPDATE (reference 4.6).
	 */
	if (!(f0 & TDX_BIT(18)))
		fail_msg("TDX_FEATURES0 0x%llx lacks NO_RBP_MOD (bit 18)", (unsigned long long)f0);
	if (!(f0 & TDX_BIT(1)))
		fail_msg("TDX_FEATURES0 0x%llx lacks TD_PRESERVING (bit 1)", (unsigned long long)f0);
}

static void test_sys_rd_ignores_size_and_context_bits(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t key = MD_SYS_VENDOR_ID & (MD_FIELD_ID_CLASS_CODE | MD_FIELD_ID_FIELD_CODE);
	uint64_t v;

	/* Linux passes class | code only (reference 4.6). */
	assert_status(fx_sys_rd(fx, 0, key, &v, NULL), TDX_SUCCESS);
	assert_int_equal(v, 0x8086);
	assert_status(fx_sys_rd(fx, 0, key | TDX_FIELD_PREP(MD_FIELD_ID_ELEMENT_SIZE_CODE, 3) |
				MD_FIELD_ID_INC_SIZE | MD_FIELD_ID_WRITE_MASK_VALID |
				TDX_FIELD_PREP(MD_FIELD_ID_CONTEXT_CODE, 1), &v, NULL), TDX_SUCCESS);
	assert_int_equal(v, 0x8086);
}

static void test_sys_rd_iteration_visits_fields_in_order(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t id = MD_SYS_NUM_PKGS, next, v, prev_key = 0;
	size_t fi = 0;
	unsigned int e = 0, visited = 0;

	for (;;) {
		const struct sys_field *f;
		uint64_t key = id & (MD_FIELD_ID_CLASS_CODE | MD_FIELD_ID_FIELD_CODE);

		assert_status(fx_sys_rd(fx, 0, id, &v, &next), TDX_SUCCESS);
		assert_true(fi < TDX_ARRAY_SIZE(sys_fields));
		f = &sys_fields[fi];
		if (id != f->id + e)
			fail_msg("visit %u: id 0x%016llx, expected %s[%u] 0x%016llx", visited,
				 (unsigned long long)id, f->name, e, (unsigned long long)(f->id + e));
		/* (class, field code) strictly increasing. */
		if (visited)
			assert_true(key > prev_key);
		prev_key = key;
		visited++;
		if (++e == f->elements) {
			e = 0;
			fi++;
		}
		if (next == MD_FIELD_ID_NONE)
			break;
		id = next;
	}
	assert_int_equal(fi, TDX_ARRAY_SIZE(sys_fields));
	assert_int_equal(e, 0);
}

static void test_sys_rd_invalid_id_metadata_field_id_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	const uint64_t vid = MD_SYS_VENDOR_ID;
	const uint64_t bad[] = {
		vid | TDX_BIT(24), vid | TDX_BIT(31),			/* reserved 31:24 */
		vid | TDX_BIT(47), vid | TDX_BIT(49),			/* reserved 49:47 */
		vid | TDX_BIT(55), vid | TDX_BIT(62),			/* reserved 55, 62 */
		vid | TDX_FIELD_PREP(MD_FIELD_ID_LAST_ELEMENT, 1),	/* LAST_ELEMENT */
		MD_SYS_CMR_BASE | TDX_FIELD_PREP(MD_FIELD_ID_LAST_ELEMENT, 15),
		vid | TDX_FIELD_PREP(MD_FIELD_ID_LAST_FIELD, 1),	/* LAST_FIELD */
		0x0800000200000077ULL,					/* unknown code */
		0x3F00000300000000ULL,					/* unknown class */
		MD_SYS_PKG_FMS + SYSINFO_MAX_SOCKETS,			/* past PKG_FMS */
		MD_SYS_CMR_BASE + TDX_MAX_CMRS,				/* past CMR_BASE */
		MD_SYS_CPUID_CONFIG_LEAVES + 12,			/* past the 12 leaves */
		MD_SYS_VENDOR_ID | MD_FIELD_ID_NON_ARCH,		/* NON_ARCH is part of the id */
		MD_FIELD_ID_NONE,
	};
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = bad[i], .r8 = 0x5A5A };
		uint64_t st = fx_seamcall(fx, 0, &a);

		if (!tdx_status_code_eq(st, TDX_METADATA_FIELD_ID_INCORRECT))
			fail_msg("id 0x%016llx: status 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
		assert_int_equal(a.rdx, bad[i]);
		assert_int_equal(a.r8, 0x5A5A);
	}
	fx_assert_unchanged(fx, &s);
}

/* ---- SYS.RDALL ---- */

/* The field of sys_fields holding @id, and the element index; NULL if none. */
static const struct sys_field *field_of(uint64_t id, unsigned int *elem)
{
	uint64_t key = id & (MD_FIELD_ID_CLASS_CODE | MD_FIELD_ID_FIELD_CODE | MD_FIELD_ID_NON_ARCH);

	for (size_t i = 0; i < TDX_ARRAY_SIZE(sys_fields); i++) {
		uint64_t base = sys_fields[i].id &
				(MD_FIELD_ID_CLASS_CODE | MD_FIELD_ID_FIELD_CODE | MD_FIELD_ID_NON_ARCH);

		if (key >= base && key - base < sys_fields[i].elements) {
			*elem = (unsigned int)(key - base);
			return &sys_fields[i];
		}
	}
	return NULL;
}

/* Read the list at @pa: check header and values against SYS.RD; return the sequences. */
static unsigned int check_rdall_list(struct fx *fx, uint64_t pa, bool within_field)
{
	uint64_t page[PAGE / 8];
	const struct md_list_header *h = (const void *)page;
	unsigned int pos = 1, values = 0;

	fx_read(fx, pa, page, sizeof(page));
	for (unsigned int s = 0; s < h->num_sequences; s++) {
		uint64_t hdr = page[pos++];
		uint64_t n = (TDX_FIELD_GET(MD_FIELD_ID_LAST_ELEMENT, hdr) + 1) *
			     (TDX_FIELD_GET(MD_FIELD_ID_LAST_FIELD, hdr) + 1);
		uint64_t id = hdr & ~(MD_FIELD_ID_LAST_ELEMENT | MD_FIELD_ID_LAST_FIELD);
		unsigned int elem = 0;
		const struct sys_field *f = field_of(id, &elem);

		assert_non_null(f);
		if (within_field && TDX_FIELD_GET(MD_FIELD_ID_LAST_ELEMENT, hdr) + 1 > f->elements - elem)
			fail_msg("sequence %u: header 0x%016llx claims %llu elements of %s, which has %u",
				 s, (unsigned long long)hdr,
				 (unsigned long long)TDX_FIELD_GET(MD_FIELD_ID_LAST_ELEMENT, hdr) + 1,
				 f->name, f->elements - elem);
		assert_true(pos + n <= TDX_ARRAY_SIZE(page));
		for (uint64_t k = 0; k < n; k++) {
			uint64_t v = 0;

			assert_status(fx_sys_rd(fx, 0, id + k, &v, NULL), TDX_SUCCESS);
			if (page[pos + k] != v)
				fail_msg("sequence %u (0x%016llx) element %llu: 0x%llx, SYS.RD 0x%llx", s,
					 (unsigned long long)hdr, (unsigned long long)k,
					 (unsigned long long)page[pos + k], (unsigned long long)v);
		}
		pos += (unsigned int)n;
		values += (unsigned int)n;
	}
	assert_int_equal(h->list_buff_size, pos * 8);
	assert_int_equal(h->reserved, 0);
	return values;
}

static void test_sys_rdall_consistent_with_sys_rd(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	uint64_t buf = fx_alloc_page(fx);
	struct tdx_module_args a = { .rax = TDH_SYS_RDALL, .rdx = buf, .r8 = MD_SYS_NUM_PKGS };
	unsigned int total = 0;

	fx_fill(fx, buf, 0xA5, PAGE);
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.r8, MD_FIELD_ID_NONE);	/* everything fits one page */
	total = check_rdall_list(fx, buf, false);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(sys_fields); i++)
		total -= sys_fields[i].elements;
	assert_int_equal(total, 0);
	/* Starting in the middle lists the rest. */
	a = (struct tdx_module_args){ .rax = TDH_SYS_RDALL, .rdx = buf, .r8 = MD_SYS_MAX_TDMRS };
	assert_status(fx_seamcall(fx, 1, &a), TDX_SUCCESS);
	assert_int_equal(a.r8, MD_FIELD_ID_NONE);
	check_rdall_list(fx, buf, false);
}

static void test_sys_rdall_sequence_stays_within_one_field(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t buf = fx_alloc_page(fx);

	/*
	 * A sequence header's LAST_ELEMENT_IN_FIELD counts elements of that
	 * one field (reference 4.6); distinct consecutive fields are not
	 * elements of the first.
	 */
	assert_status(fx_call(fx, 0, TDH_SYS_RDALL, 0, buf, MD_SYS_NUM_PKGS), TDX_SUCCESS);
	check_rdall_list(fx, buf, true);
}

static void test_sys_rdall_bad_buffer_operand_invalid_rdx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t buf = fx_alloc_page(fx);
	const uint64_t bad[] = {
		buf + 8, buf + 2048, fx->cfg.seamrr.base,
		pmem_pa_with_keyid(fx->plat, buf, fx_first_td_hkid(fx)), fx->cfg.dram_size,
	};
	struct fx_snapshot s;

	fx_fill(fx, buf, 0xA5, PAGE);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_SYS_RDALL, 0, bad[i], MD_SYS_NUM_PKGS),
				       TDX_OPERAND_ID_RDX);
	/* An unknown first field. */
	assert_status_code(fx_call(fx, 0, TDH_SYS_RDALL, 0, buf, 0x0800000200000077ULL),
			   TDX_METADATA_FIELD_ID_INCORRECT);
	fx_assert_unchanged(fx, &s);
	for (uint64_t off = 0; off < PAGE; off += 8) {
		uint64_t q;

		fx_read(fx, buf + off, &q, 8);
		assert_int_equal(q, 0xA5A5A5A5A5A5A5A5ULL);
	}
}

/* ---- SYS.INFO ---- */

static void test_sys_info_consistent_with_sys_rd(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t buf = fx_alloc_page(fx), cmr_pa = fx_alloc_page(fx);
	struct tdx_module_args a = { .rax = TDH_SYS_INFO, .rcx = buf, .rdx = PAGE, .r8 = cmr_pa,
				     .r9 = TDX_MAX_CMRS };
	struct tdsysinfo_struct info;
	struct cmr_info cmr[TDX_MAX_CMRS];

	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.rdx, TDSYSINFO_STRUCT_SIZE);
	assert_int_equal(a.r9, TDX_MAX_CMRS);
	fx_read(fx, buf, &info, sizeof(info));
	fx_read(fx, cmr_pa, cmr, sizeof(cmr));
	assert_int_equal(info.attributes, fx_sys_rd_ok(fx, MD_SYS_SYS_ATTRIBUTES));
	assert_int_equal(info.vendor_id, 0x8086);
	assert_int_equal(info.build_date, fx_sys_rd_ok(fx, MD_SYS_BUILD_DATE));
	assert_int_equal(info.build_num, fx_sys_rd_ok(fx, MD_SYS_BUILD_NUM));
	assert_int_equal(info.minor_version, fx_sys_rd_ok(fx, MD_SYS_MINOR_VERSION));
	assert_int_equal(info.major_version, fx_sys_rd_ok(fx, MD_SYS_MAJOR_VERSION));
	assert_int_equal(info.sys_rd, 1);
	assert_int_equal(info.max_tdmrs, fx_sys_rd_ok(fx, MD_SYS_MAX_TDMRS));
	assert_int_equal(info.max_reserved_per_tdmr, fx_sys_rd_ok(fx, MD_SYS_MAX_RESERVED_PER_TDMR));
	assert_int_equal(info.pamt_entry_size, fx_sys_rd_ok(fx, MD_SYS_PAMT_4K_ENTRY_SIZE));
	assert_int_equal(info.tdcs_base_size, fx_sys_rd_ok(fx, MD_SYS_TDCS_BASE_SIZE));
	assert_int_equal(info.tdvps_base_size, fx_sys_rd_ok(fx, MD_SYS_TDVPS_BASE_SIZE));
	assert_int_equal(info.attributes_fixed0, fx_sys_rd_ok(fx, MD_SYS_ATTRIBUTES_FIXED0));
	assert_int_equal(info.attributes_fixed1, fx_sys_rd_ok(fx, MD_SYS_ATTRIBUTES_FIXED1));
	assert_int_equal(info.xfam_fixed0, fx_sys_rd_ok(fx, MD_SYS_XFAM_FIXED0));
	assert_int_equal(info.xfam_fixed1, fx_sys_rd_ok(fx, MD_SYS_XFAM_FIXED1));
	assert_int_equal(info.num_cpuid_config, fx_sys_rd_ok(fx, MD_SYS_NUM_CPUID_CONFIG));
	for (unsigned int i = 0; i < info.num_cpuid_config; i++) {
		const struct cpuid_config *cc = &info.cpuid_configs[i];
		uint64_t leaf = fx_sys_rd_ok(fx, MD_SYS_CPUID_CONFIG_LEAVES + i);

		assert_int_equal(cc->leaf, (uint32_t)leaf);
		assert_int_equal(cc->sub_leaf, (uint32_t)(leaf >> 32));
		assert_int_equal(cc->eax | (uint64_t)cc->ebx << 32,
				 fx_sys_rd_ok(fx, MD_SYS_CPUID_CONFIG_VALUES + 2 * i));
		assert_int_equal(cc->ecx | (uint64_t)cc->edx << 32,
				 fx_sys_rd_ok(fx, MD_SYS_CPUID_CONFIG_VALUES + 2 * i + 1));
	}
	for (unsigned int i = 0; i < TDX_MAX_CMRS; i++) {
		assert_int_equal(cmr[i].base, fx_sys_rd_ok(fx, MD_SYS_CMR_BASE + i));
		assert_int_equal(cmr[i].size, fx_sys_rd_ok(fx, MD_SYS_CMR_SIZE + i));
	}
	assert_int_equal(cmr[1].base, fx->cfg.cmr[1].base);
}

static void test_sys_info_bad_operands_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t buf = fx_alloc_page(fx), cmr_pa = fx_alloc_page(fx);
	uint64_t seamrr = fx->cfg.seamrr.base;
	const struct {
		uint64_t rcx, rdx, r8, r9;
		uint32_t operand;
	} bad[] = {
		{ buf + 512, PAGE, cmr_pa, 32, TDX_OPERAND_ID_RCX },
		{ seamrr, PAGE, cmr_pa, 32, TDX_OPERAND_ID_RCX },
		{ pmem_pa_with_keyid(fx->plat, buf, fx_first_td_hkid(fx)), PAGE, cmr_pa, 32, TDX_OPERAND_ID_RCX },
		{ fx->cfg.dram_size, PAGE, cmr_pa, 32, TDX_OPERAND_ID_RCX },
		{ buf, 1023, cmr_pa, 32, TDX_OPERAND_ID_RDX },
		{ buf, 0, cmr_pa, 32, TDX_OPERAND_ID_RDX },
		{ buf, PAGE, cmr_pa + 256, 32, TDX_OPERAND_ID_R8 },
		{ buf, PAGE, seamrr, 32, TDX_OPERAND_ID_R8 },
		{ buf, PAGE, pmem_pa_with_keyid(fx->plat, cmr_pa, fx_global_hkid(fx)), 32, TDX_OPERAND_ID_R8 },
		{ buf, PAGE, cmr_pa, 31, TDX_OPERAND_ID_R9 },
		{ buf, PAGE, cmr_pa, 0, TDX_OPERAND_ID_R9 },
	};
	struct fx_snapshot s;

	fx_fill(fx, buf, 0xA5, PAGE);
	fx_fill(fx, cmr_pa, 0xA5, PAGE);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		struct tdx_module_args a = { .rax = TDH_SYS_INFO, .rcx = bad[i].rcx, .rdx = bad[i].rdx,
					     .r8 = bad[i].r8, .r9 = bad[i].r9 };

		assert_operand_invalid(fx_seamcall(fx, 0, &a), bad[i].operand);
	}
	fx_assert_unchanged(fx, &s);
	for (uint64_t off = 0; off < PAGE; off += 8) {
		uint64_t q, r;

		fx_read(fx, buf + off, &q, 8);
		fx_read(fx, cmr_pa + off, &r, 8);
		assert_int_equal(q, 0xA5A5A5A5A5A5A5A5ULL);
		assert_int_equal(r, 0xA5A5A5A5A5A5A5A5ULL);
	}
}

/* ---- SYS.SHUTDOWN ---- */

static void test_sys_shutdown_handoff_out_of_range_sys_invalid_handoff(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t hv = fx_sys_rd_ok(fx, MD_SYS_MODULE_HV);
	uint64_t min = fx_sys_rd_ok(fx, MD_SYS_MIN_UPDATE_HV);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, hv + 1, 0, 0), TDX_SYS_INVALID_HANDOFF);
	assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, 0xFFFF, 0, 0), TDX_SYS_INVALID_HANDOFF);
	if (min > 0)
		assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, min - 1, 0, 0), TDX_SYS_INVALID_HANDOFF);
	fx_assert_unchanged(fx, &s);
	/* Still SYS_READY: the TD can be torn down, then the in-range version works. */
	fx_teardown_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, hv, 0, 0), TDX_SUCCESS);
}

static void test_sys_shutdown_reserved_bits_operand_invalid_rcx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t hv = fx_sys_rd_ok(fx, MD_SYS_MODULE_HV);
	struct fx_snapshot s;

	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	for (unsigned int bit = 17; bit < 64; bit++)
		assert_operand_invalid(fx_call(fx, 0, TDH_SYS_SHUTDOWN, hv | TDX_BIT(bit), 0, 0),
				       TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, 0, TDH_SYS_SHUTDOWN, hv, 0, 0), TDX_SUCCESS);
}

/* ---- SYS.UPDATE ---- */

static void test_sys_update_without_handoff_sys_invalid_handoff(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_config c;
	struct fx_snapshot s;

	/* A module installed by LOAD has no predecessor to take over from. */
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_UPDATE, 0, 0, 0), TDX_SYS_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_sys_init(fx);
	fx_snapshot(fx, &s, NULL, 0, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_SYS_UPDATE, 0, 0, 0), TDX_SYS_INVALID_HANDOFF);
	fx_assert_unchanged(fx, &s);
	/* Still SYSINIT_DONE: the normal bring-up goes on. */
	fx_config_hand(fx, &c);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_sys_init_rcx_nonzero_operand_invalid_rcx),
		FX_TEST(test_sys_init_twice_sys_init_not_pending),
		FX_TEST(test_lp_init_before_sys_init_sys_state_incorrect),
		FX_TEST(test_lp_init_twice_sys_lp_init_done),
		FX_TEST(test_sys_config_before_all_lp_init_sys_lp_init_not_done),
		FX_TEST(test_sys_config_wrong_state_sys_config_not_pending),
		FX_TEST(test_sys_config_count_operand_invalid_rdx),
		FX_TEST(test_sys_config_array_operand_invalid_rcx),
		FX_TEST(test_sys_config_global_keyid_operand_invalid_r8),
		FX_TEST(test_sys_config_tdmr_info_misaligned_operand_invalid_tdmr_info_pa),
		FX_TEST(test_sys_config_base_not_1g_aligned_invalid_tdmr),
		FX_TEST(test_sys_config_size_not_1g_multiple_invalid_tdmr),
		FX_TEST(test_sys_config_unordered_non_ordered_tdmr),
		FX_TEST(test_sys_config_reserved_misaligned_invalid_reserved_in_tdmr),
		FX_TEST(test_sys_config_unordered_reserved_non_ordered_reserved_in_tdmr),
		FX_TEST(test_sys_config_pamt_too_small_invalid_pamt),
		FX_TEST(test_sys_config_pamt_outside_cmrs_pamt_outside_cmrs),
		FX_TEST(test_sys_config_unreserved_non_cmr_memory_tdmr_outside_cmrs),
		FX_TEST(test_sys_config_pamt_overlap_pamt_overlap),
		FX_TEST(test_sys_config_hand_built_success),
		FX_TEST(test_sys_config_builder_success),
		FX_TEST(test_key_config_before_config_sys_key_config_not_pending),
		FX_TEST(test_key_config_twice_key_configured),
		FX_TEST(test_key_config_sys_ready_after_every_package),
		FX_TEST(test_tdmr_init_not_a_tdmr_operand_invalid_rcx),
		FX_TEST(test_tdmr_init_loop_tdmr_already_initialized),
		FX_TEST(test_sys_rd_every_field_expected_value),
		FX_TEST(test_sys_rd_config_flags_fixed0_gpaw_needs_more_than_48_pa_bits),
		FX_TEST(test_sys_rd_tdx_features0_enumerates_what_linux_needs),
		FX_TEST(test_sys_rd_ignores_size_and_context_bits),
		FX_TEST(test_sys_rd_iteration_visits_fields_in_order),
		FX_TEST(test_sys_rd_invalid_id_metadata_field_id_incorrect),
		FX_TEST(test_sys_rdall_consistent_with_sys_rd),
		FX_TEST(test_sys_rdall_sequence_stays_within_one_field),
		FX_TEST(test_sys_rdall_bad_buffer_operand_invalid_rdx),
		FX_TEST(test_sys_info_consistent_with_sys_rd),
		FX_TEST(test_sys_info_bad_operands_operand_invalid),
		FX_TEST(test_sys_shutdown_handoff_out_of_range_sys_invalid_handoff),
		FX_TEST(test_sys_shutdown_reserved_bits_operand_invalid_rcx),
		FX_TEST(test_sys_update_without_handoff_sys_invalid_handoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

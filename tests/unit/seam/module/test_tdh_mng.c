/*
 * Unit tests of seam/module/src/tdh_mng.c (with td.c): the TD management
 * leaves CREATE, KEY.CONFIG, ADDCX, INIT, RD, VPFLUSHDONE, KEY.FREEID and
 * KEY.RECLAIMID, the TD lifecycle and OP_STATE machines, and every
 * TD_PARAMS rule (reference tdx-abi.md 1.3, 4.1, 4.6, 4.9).  After every
 * refused call the observable module state is unchanged.
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

/* The full lifecycle on a 2-package machine, every state as MNG.RD reports it. */
static void test_mng_lifecycle_success(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_td_params p;
	struct fx_rdmd md;
	struct fx_td td;
	uint64_t v;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	assert_status(fx_rdmd(fx, td.tdr, &md), TDX_SUCCESS);
	assert_int_equal(md.type, PT_TDR);
	assert_int_equal(md.owner, td.tdr);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_HKID_ASSIGNED);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_HKID), td.hkid);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_PKG_CONFIG_BITMAP), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_NUM_TDCX), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_FATAL), 0);

	/* KEY.CONFIG: one package at a time. */
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_PKG_CONFIG_BITMAP), 2);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_HKID_ASSIGNED);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_PKG_CONFIG_BITMAP), 3);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_KEYS_CONFIGURED);

	for (unsigned int i = 1; i <= FX_TDCS_PAGES; i++) {
		fx_td_addcx(fx, &td, 1);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_NUM_TDCX), i);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), i);
		assert_status(fx_rdmd(fx, td.tdcx[i - 1], &md), TDX_SUCCESS);
		assert_int_equal(md.type, PT_TDCX);
		assert_int_equal(md.owner, td.tdr);
	}
	assert_status(fx_mng_rd(fx, td.tdr, FX_TD_OP_STATE, &v), TDX_OP_STATE_INCORRECT);

	fx_td_params_default(&p);
	for (unsigned int i = 0; i < 48; i++)
		p.mrconfigid[i] = (uint8_t)(0xC0 + i);
	assert_status(fx_td_init(fx, &td, &p, NULL), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_OP_STATE), FX_OP_INITIALIZED);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_ATTRIBUTES), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_XFAM), 3);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_MAX_VCPUS), 1);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_TSC_FREQUENCY), 100);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_GPAW), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CONFIG_FLAGS), 0);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_EPTP) & 0x3F, 0x1E);
	for (unsigned int e = 0; e < 6; e++) {
		uint64_t want;

		memcpy(&want, &p.mrconfigid[8 * e], 8);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_MRCONFIGID + e), want);
	}

	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_BLOCKED);
	for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++)
		assert_status(fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_PHYMEM_CACHE_WB, 0, 0, 0),
			      TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_TEARDOWN);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_RECLAIMID, td.tdr, 0, 0), TDX_SUCCESS);

	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[i], 0, 0), TDX_SUCCESS);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), FX_TDCS_PAGES - 1 - i);
	}
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_page_type(fx, td.tdr), PT_NDA);
	/* The TD is gone: its TDR is just a free page now. */
	assert_status(fx_mng_rd(fx, td.tdr, FX_TD_LIFECYCLE_STATE, &v),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
}

/* ---- CREATE ---- */

static void test_mng_create_bad_tdr_operand_invalid_rcx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	const uint64_t bad[] = {
		td.tdr + 8, td.tdr + 0x800,
		pmem_pa_with_keyid(fx->plat, td.tdr, td.hkid),
		pmem_pa_with_keyid(fx->plat, td.tdr, 1),
		1ULL << fx->cfg.max_pa,
	};
	fx_snapshot_td(fx, &s, NULL, &td.tdr, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_MNG_CREATE, bad[i], td.hkid, 0),
				       TDX_OPERAND_ID_RCX);
	fx_assert_unchanged(fx, &s);
	/* Neither the page nor the HKID was taken. */
	fx_td_mng_create(fx, &td);
	fx_teardown_td(fx, &td);
}

static void test_mng_create_tdr_outside_tdmrs_operand_addr_range_error(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	const uint64_t bad[] = { 3 * GiB, 2 * GiB, 16 * GiB, 512 * GiB };

	fx_td_alloc(fx, &td);
	fx_snapshot_td(fx, &s, NULL, bad, TDX_ARRAY_SIZE(bad));
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_status(fx_call(fx, 0, TDH_MNG_CREATE, bad[i], td.hkid, 0),
			      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	fx_assert_unchanged(fx, &s);
	fx_td_mng_create(fx, &td);
}

static void test_mng_create_page_not_free_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td a, b;
	uint64_t rsvd = fx->cfg.seamrr.base;	/* reserved in its TDMR */

	fx_create_td(fx, &a);
	fx_td_alloc(fx, &b);
	fx_snapshot_td(fx, &s, &a, &rsvd, 1);
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, a.tdr, b.hkid, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, a.tdcx[3], b.hkid, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	/* Reference 3.3: a page in a TDMR reserved area is out of range. */
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, rsvd, b.hkid, 0),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	fx_assert_unchanged(fx, &s);
	fx_td_mng_create(fx, &b);
	fx_teardown_td(fx, &b);
	fx_teardown_td(fx, &a);
}

static void test_mng_create_bad_hkid_operand_invalid_rdx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	const uint64_t bad[] = {
		0, 1, fx->cfg.nr_mktme_keyids,		/* TME and MKTME KeyIDs */
		tdx_host_global_keyid(fx->host),	/* the module's global KeyID */
		fx_last_td_hkid(fx) + 1,		/* beyond the TDX KeyIDs */
		TDX_BIT(16) | td.hkid, TDX_BIT(63) | td.hkid,
	};
	assert_int_equal(tdx_host_global_keyid(fx->host), fx_global_hkid(fx));
	fx_snapshot_td(fx, &s, NULL, &td.tdr, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_MNG_CREATE, td.tdr, bad[i], 0),
				       TDX_OPERAND_ID_RDX);
	fx_assert_unchanged(fx, &s);
	fx_td_mng_create(fx, &td);
}

static void test_mng_create_hkid_in_use_hkid_not_free(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td a;
	uint64_t page = fx_alloc_page(fx);

	fx_create_td(fx, &a);
	fx_snapshot_td(fx, &s, &a, &page, 1);
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, page, a.hkid, 0), TDX_HKID_NOT_FREE);
	fx_assert_unchanged(fx, &s);
	/* Flushed but not freed is still in use. */
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, a.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &a, &page, 1);
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, page, a.hkid, 0), TDX_HKID_NOT_FREE);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &a);
}

/* ---- KEY.CONFIG ---- */

static void test_mng_key_config_twice_key_configured(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	unsigned int pkg0 = fx_cpu_of_pkg(fx, 0), pkg1 = fx_cpu_of_pkg(fx, 1);
	struct fx_snapshot s;
	struct fx_td td;
	uint64_t st;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	assert_status(fx_call(fx, pkg0, TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (unsigned int cpu = 0; cpu < fx->nr_lps; cpu++) {
		if (lp_package(platform_lp(fx->plat, cpu)) != 0)
			continue;
		st = fx_call(fx, cpu, TDH_MNG_KEY_CONFIG, td.tdr, 0, 0);
		assert_status(st, TDX_KEY_CONFIGURED);
		assert_false(tdx_status_is_error(st));
	}
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, pkg1, TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	/* Once the keys are on every package the lifecycle has moved on (Intel's check order). */
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, pkg1, TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_LIFECYCLE_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

/* ---- ADDCX ---- */

static void test_mng_addcx_before_key_config_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, td.tdcx[0], td.tdr, 0), TDX_TD_KEYS_NOT_CONFIGURED);
	fx_assert_unchanged(fx, &s);
	/* One package of two is not enough. */
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, td.tdcx[0], td.tdr, 0), TDX_TD_KEYS_NOT_CONFIGURED);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_MNG_KEY_CONFIG, td.tdr, 0, 0), TDX_SUCCESS);
	fx_td_addcx(fx, &td, 1);
	fx_teardown_td(fx, &td);
}

static void test_mng_addcx_seventh_tdcx_num_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t extra = fx_alloc_page(fx);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	fx_snapshot_td(fx, &s, &td, &extra, 1);
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, extra, td.tdr, 0), TDX_TDCX_NUM_INCORRECT);
	fx_assert_unchanged(fx, &s);
	/* After MNG.INIT the TDCS is closed for good. */
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, &extra, 1);
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, extra, td.tdr, 0), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

static void test_mng_addcx_page_not_nda_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t rsvd = fx->cfg.seamrr.base;
	uint64_t free_page = fx_alloc_page(fx);
	struct fx_snapshot s;
	struct fx_td a, b;

	fx_create_td(fx, &a);
	fx_td_alloc(fx, &b);
	fx_td_mng_create(fx, &b);
	fx_td_key_config(fx, &b);
	fx_td_addcx(fx, &b, 1);
	fx_snapshot(fx, &s, (const uint64_t[]){ a.tdr, a.tdcx[0], b.tdr, b.tdcx[0], rsvd, free_page }, 6,
		    (const uint64_t[]){ a.tdr, b.tdr }, 2);
	/* The TD's own TDR, its TDCX, another TD's TDCX, a reserved page. */
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, b.tdr, b.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, b.tdcx[0], b.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, a.tdcx[0], b.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, rsvd, b.tdr, 0),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	/* RDX naming a page that is not a TDR. */
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, free_page, a.tdcx[0], 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	assert_status(fx_call(fx, 0, TDH_MNG_ADDCX, free_page, free_page, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &b);
	fx_teardown_td(fx, &a);
}

/* ---- INIT ---- */

static void test_mng_init_before_all_tdcx_tdcs_not_allocated(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	for (unsigned int n = 0; n < FX_TDCS_PAGES; n++) {
		fx_snapshot_td(fx, &s, &td, NULL, 0);
		assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_TDCS_NOT_ALLOCATED);
		fx_assert_unchanged(fx, &s);
		fx_td_addcx(fx, &td, 1);
	}
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

static void test_mng_init_before_key_config_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_TD_KEYS_NOT_CONFIGURED);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

struct params_case {
	const char *what;
	size_t off;		/* byte offset in TD_PARAMS */
	size_t len;		/* 1, 2, 4 or 8 */
	uint64_t value;
	uint32_t operand;
	uint64_t rcx;		/* RCX out; 0: RCX (the TDR) preserved */
};

#define TP(field) offsetof(struct fx_td_params, field)

static const struct params_case params_cases[] = {
	{ "ATTRIBUTES unknown bit 1", TP(attributes), 8, TDX_BIT(1), TDX_OPERAND_ID_ATTRIBUTES, 0 },
	{ "ATTRIBUTES unknown bit 62", TP(attributes), 8, TDX_BIT(62), TDX_OPERAND_ID_ATTRIBUTES, 0 },
	{ "ATTRIBUTES DEBUG|MIGRATABLE", TP(attributes), 8, TDX_BIT(0) | TDX_BIT(29),
	  TDX_OPERAND_ID_ATTRIBUTES, 0 },
	{ "XFAM without x87/SSE", TP(xfam), 8, 0, TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM without SSE", TP(xfam), 8, 1, TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM bit 3 outside FIXED0", TP(xfam), 8, 3 | TDX_BIT(3), TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM bit 63 outside FIXED0", TP(xfam), 8, 3 | TDX_BIT(63), TDX_OPERAND_ID_XFAM, 0 },
	{ "MAX_VCPUS 0", TP(max_vcpus), 2, 0, TDX_OPERAND_ID_MAX_VCPUS, 0 },
	{ "NUM_L2_VMS 1", TP(num_l2_vms), 1, 1, TDX_OPERAND_ID_NUM_L2_VMS, 0 },
	{ "NUM_L2_VMS 4", TP(num_l2_vms), 1, 4, TDX_OPERAND_ID_NUM_L2_VMS, 0 },
	{ "EPTP memory type UC", TP(eptp_controls), 8, 0x18, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "EPTP PWL 5 on a 46-bit platform", TP(eptp_controls), 8, 0x26, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "EPTP PWL 2", TP(eptp_controls), 8, 0x0E, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "EPTP bit 6 (A/D)", TP(eptp_controls), 8, 0x5E, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "EPTP bit 7 (SSS)", TP(eptp_controls), 8, 0x9E, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "EPTP root PA", TP(eptp_controls), 8, 0x1E | 0x1000, TDX_OPERAND_ID_EPTP_CONTROLS, 0 },
	{ "CONFIG_FLAGS bit 3", TP(config_flags), 8, TDX_BIT(3), TDX_OPERAND_ID_EXEC_CONTROLS, 0 },
	{ "CONFIG_FLAGS bit 63", TP(config_flags), 8, TDX_BIT(63), TDX_OPERAND_ID_EXEC_CONTROLS, 0 },
	{ "TSC_FREQUENCY 3", TP(tsc_frequency), 2, 3, TDX_OPERAND_ID_TSC_FREQUENCY, 0 },
	{ "TSC_FREQUENCY 401", TP(tsc_frequency), 2, 401, TDX_OPERAND_ID_TSC_FREQUENCY, 0 },
	{ "TSC_FREQUENCY 0", TP(tsc_frequency), 2, 0, TDX_OPERAND_ID_TSC_FREQUENCY, 0 },
	{ "reserved0", TP(reserved0), 4, 1, TDX_OPERAND_ID_RDX, 0 },
	{ "reserved1 first byte", TP(reserved1), 1, 1, TDX_OPERAND_ID_RDX, 0 },
	{ "reserved1 last byte", TP(reserved1) + 37, 1, 0x80, TDX_OPERAND_ID_RDX, 0 },
	{ "reserved2 first byte", TP(reserved2), 1, 1, TDX_OPERAND_ID_RDX, 0 },
	{ "reserved2 last byte", TP(reserved2) + 23, 1, 1, TDX_OPERAND_ID_RDX, 0 },
	{ "CPUID_CONFIG entry 12", TP(cpuid_config) + 16 * 12, 4, 1, TDX_OPERAND_ID_CPUID_CONFIG, 12 },
	{ "CPUID_CONFIG entry 12 EDX", TP(cpuid_config) + 16 * 12 + 12, 4, 1U << 31,
	  TDX_OPERAND_ID_CPUID_CONFIG, 12 },
	{ "CPUID_CONFIG entry 47", TP(cpuid_config) + 16 * 47 + 15, 1, 1, TDX_OPERAND_ID_CPUID_CONFIG, 47 },
};

/* A TD with all TDCX pages, ready for MNG.INIT. */
static void td_before_init(struct fx *fx, struct fx_td *td)
{
	fx_td_alloc(fx, td);
	fx_td_mng_create(fx, td);
	fx_td_key_config(fx, td);
	fx_td_addcx(fx, td, FX_TDCS_PAGES);
}

/*
 * MNG.INIT with each case's TD_PARAMS: the status, RCX, and no state
 * change.  Mismatches are printed; returns how many cases failed.
 */
static unsigned int run_params_cases(struct fx *fx, struct fx_td *td, const struct params_case *cases,
				     size_t n)
{
	unsigned int failed = 0;
	struct fx_snapshot s;

	fx_snapshot_td(fx, &s, td, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		const struct params_case *c = &cases[i];
		uint64_t want = tdx_status_operand(TDX_OPERAND_INVALID, c->operand);
		uint64_t want_rcx = c->rcx ? c->rcx : td->tdr;
		struct tdx_module_args out;
		struct fx_td_params p;
		uint64_t st;

		fx_td_params_default(&p);
		memcpy((uint8_t *)&p + c->off, &c->value, c->len);
		st = fx_td_init(fx, td, &p, &out);
		if (st != want || out.rcx != want_rcx) {
			print_error("%s: status 0x%016llx RCX 0x%llx, expected 0x%016llx RCX 0x%llx\n",
				    c->what, (unsigned long long)st, (unsigned long long)out.rcx,
				    (unsigned long long)want, (unsigned long long)want_rcx);
			failed++;
			continue;
		}
		fx_assert_unchanged(fx, &s);
	}
	return failed;
}

static void test_mng_init_td_params_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t max_vcpus = fx_sys_rd_ok(fx, MD_SYS_MAX_VCPUS_PER_TD);
	const struct params_case too_many = {
		"MAX_VCPUS above MAX_VCPUS_PER_TD", TP(max_vcpus), 2, max_vcpus + 1,
		TDX_OPERAND_ID_MAX_VCPUS, 0
	};
	struct fx_td td;

	td_before_init(fx, &td);
	assert_int_equal(run_params_cases(fx, &td, params_cases, TDX_ARRAY_SIZE(params_cases)), 0);
	if (max_vcpus < 0xFFFF)
		assert_int_equal(run_params_cases(fx, &td, &too_many, 1), 0);
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

/*
 * Combinations the reference rules out beyond FIXED0/FIXED1 (4.1, 4.2):
 * MIGRATABLE excludes PERFMON, and XFAM must be a valid XCR0/XSS
 * combination (AVX-512 state all or nothing and only with AVX, CET user
 * and supervisor together, AMX TILECFG and TILEDATA together).
 */
static const struct params_case combination_cases[] = {
	{ "ATTRIBUTES MIGRATABLE|PERFMON", TP(attributes), 8, TDX_BIT(29) | TDX_BIT(63),
	  TDX_OPERAND_ID_ATTRIBUTES, 0 },
	{ "XFAM AVX-512 without AVX", TP(xfam), 8, 0x3 | 0xE0, TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM AVX-512 opmask only", TP(xfam), 8, 0x7 | TDX_BIT(5), TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM CET_U without CET_S", TP(xfam), 8, 0x3 | TDX_BIT(11), TDX_OPERAND_ID_XFAM, 0 },
	{ "XFAM AMX TILECFG without TILEDATA", TP(xfam), 8, 0x3 | TDX_BIT(17), TDX_OPERAND_ID_XFAM, 0 },
};

static void test_mng_init_invalid_combinations_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	unsigned int failed = 0;
	struct fx_td_params p;
	struct fx_td td;

	/* A fresh TD per case: a case the module wrongly accepts initializes its TD. */
	for (size_t i = 0; i < TDX_ARRAY_SIZE(combination_cases); i++) {
		td_before_init(fx, &td);
		failed += run_params_cases(fx, &td, &combination_cases[i], 1);
		fx_teardown_td(fx, &td);
	}
	/* The valid versions of the same: MIGRATABLE alone, full AVX-512, both CET, both AMX. */
	td_before_init(fx, &td);
	fx_td_params_default(&p);
	p.attributes = TDX_BIT(29);
	p.xfam = 0x7 | 0xE0 | TDX_BIT(11) | TDX_BIT(12) | TDX_BIT(17) | TDX_BIT(18);
	assert_status(fx_td_init(fx, &td, &p, NULL), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_XFAM), p.xfam);
	fx_teardown_td(fx, &td);
	if (failed)
		fail_msg("%u of %zu invalid combinations accepted or misreported", failed,
			 TDX_ARRAY_SIZE(combination_cases));
}

static void test_mng_init_gpaw_without_5_level_operand_invalid_exec_controls(void **state)
{
	static const char *const pa52[] = { "max-pa=52", NULL };
	struct fx *fx = *state = fx_boot_with(2, 1, true, pa52);
	struct fx_td_params p;
	struct fx_snapshot s;
	struct fx_td td;

	/* A 52-bit platform: GPAW 52 would be possible, but not with 4-level EPT. */
	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	fx_td_params_default(&p);
	p.config_flags = 1;
	assert_operand_invalid(fx_td_init(fx, &td, &p, NULL), TDX_OPERAND_ID_EXEC_CONTROLS);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
}

static void test_mng_init_gpaw_on_46_bit_platform_operand_invalid_exec_controls(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td_params p;
	struct fx_snapshot s;
	struct fx_td td;

	/*
	 * MAXPA 46: GPAW is outside CONFIG_FLAGS_FIXED0 (reference 4.2), so
	 * the CONFIG_FLAGS operand (0x42) is to blame; EPTP 0x1E is valid.
	 */
	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	fx_td_params_default(&p);
	p.config_flags = 1;
	assert_operand_invalid(fx_td_init(fx, &td, &p, NULL), TDX_OPERAND_ID_EXEC_CONTROLS);
	fx_assert_unchanged(fx, &s);
}

static void test_mng_init_msr_config_ctls_reserved_operand_invalid_rdx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td_params p;
	struct fx_snapshot s;
	struct fx_td td;

	/* MSR_CONFIG_CTLS bits 7:1 are reserved (reference 4.1): a reserved-field error. */
	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	fx_td_params_default(&p);
	p.msr_config_ctls = 2;
	assert_operand_invalid(fx_td_init(fx, &td, &p, NULL), TDX_OPERAND_ID_RDX);
	fx_assert_unchanged(fx, &s);
}

static void test_mng_init_bad_td_params_pa_operand_invalid_rdx(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	struct fx_td_params p;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	fx_td_params_default(&p);
	fx_write(fx, td.params_pa, &p, sizeof(p));
	const uint64_t bad[] = {
		td.params_pa + 512, td.params_pa + 8, fx->cfg.seamrr.base,
		pmem_pa_with_keyid(fx->plat, td.params_pa, td.hkid), fx->cfg.dram_size,
	};
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++)
		assert_operand_invalid(fx_call(fx, 0, TDH_MNG_INIT, td.tdr, bad[i], 0), TDX_OPERAND_ID_RDX);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, 0, TDH_MNG_INIT, td.tdr, td.params_pa, 0), TDX_SUCCESS);
}

static void test_mng_init_twice_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td_params p;
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	fx_td_params_default(&p);
	p.tsc_frequency = 200;
	assert_status(fx_td_init(fx, &td, &p, NULL), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_TSC_FREQUENCY), 100);
	fx_teardown_td(fx, &td);
}

/* ---- RD ---- */

static void test_mng_rd_tdcs_field_before_init_op_state_incorrect(void **state)
{
	static const uint64_t tdcs_fields[] = {
		FX_TD_OP_STATE, FX_TD_ATTRIBUTES, FX_TD_XFAM, FX_TD_MAX_VCPUS, FX_TD_EPTP,
		FX_TD_TSC_FREQUENCY, FX_TD_MRCONFIGID,
	};
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, 3);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(tdcs_fields); i++) {
		struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = td.tdr, .rdx = tdcs_fields[i],
					     .r8 = 0x5A5A };

		assert_status(fx_seamcall(fx, 0, &a), TDX_OP_STATE_INCORRECT);
		assert_int_equal(a.r8, 0x5A5A);
	}
	fx_assert_unchanged(fx, &s);
	/* TDR fields read in any OP_STATE. */
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_NUM_TDCX), 3);
	fx_teardown_td(fx, &td);
}

static void test_mng_rd_unknown_field_metadata_field_id_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;
	const uint64_t bad[] = {
		0x8010000300000077ULL,					/* unknown TDR code */
		0x3F10000300000000ULL,					/* unknown class */
		0x9110000300000999ULL,					/* unknown TDCS code */
		FX_TD_LIFECYCLE_STATE | TDX_BIT(24),			/* reserved bits */
		FX_TD_LIFECYCLE_STATE | TDX_BIT(62),
		FX_TD_MRCONFIGID | TDX_FIELD_PREP(MD_FIELD_ID_LAST_ELEMENT, 5),
		FX_TD_LIFECYCLE_STATE | TDX_FIELD_PREP(MD_FIELD_ID_LAST_FIELD, 1),
		FX_TD_MRCONFIGID + 6,					/* past MRCONFIGID */
	};

	fx_create_td(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		uint64_t st = fx_mng_rd(fx, td.tdr, bad[i], NULL);

		if (!tdx_status_code_eq(st, TDX_METADATA_FIELD_ID_INCORRECT))
			fail_msg("field 0x%016llx: status 0x%016llx", (unsigned long long)bad[i],
				 (unsigned long long)st);
	}
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

static void test_mng_rd_version1_returns_next_field_id(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct tdx_module_args a;

	/* Reference 1.3: MNG.RD v1 returns the next field id in RDX. */
	fx_create_td(fx, &td);
	a = (struct tdx_module_args){ .rax = TDH_MNG_RD | TDX_LEAF_VERSION(1), .rcx = td.tdr,
				      .rdx = FX_TD_LIFECYCLE_STATE };
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.r8, FX_TD_KEYS_CONFIGURED);
	if (a.rdx == FX_TD_LIFECYCLE_STATE)
		fail_msg("MNG.RD v1 left RDX at the field read (0x%016llx), not the next field id",
			 (unsigned long long)a.rdx);
}

/* ---- VPFLUSHDONE / KEY.FREEID ---- */

static void test_mng_vpflushdone_twice_lifecycle_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_LIFECYCLE_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	/* The pending write-back was not re-armed or lost: one CACHE.WB, then FREEID. */
	assert_status(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_LIFECYCLE_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

static void test_mng_key_freeid_before_cache_wb_wbcache_not_complete(void **state)
{
	struct fx *fx = *state = fx_boot(4, 2, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_create_td(fx, &td);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_WBCACHE_NOT_COMPLETE);
	fx_assert_unchanged(fx, &s);
	/* One package of two is not enough. */
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 1), TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_WBCACHE_NOT_COMPLETE);
	fx_assert_unchanged(fx, &s);
	assert_status(fx_call(fx, fx_cpu_of_pkg(fx, 0), TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_SUCCESS);
	fx_teardown_td(fx, &td);
}

static void test_mng_key_freeid_before_vpflushdone_lifecycle_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_snapshot s;
	struct fx_td td;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_LIFECYCLE_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	fx_snapshot_td(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_LIFECYCLE_STATE_INCORRECT);
	fx_assert_unchanged(fx, &s);
	fx_teardown_td(fx, &td);
}

static void test_mng_key_freeid_hkid_reusable(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td a, b;

	fx_create_td(fx, &a);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, a.tdr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, a.tdr, 0, 0), TDX_SUCCESS);
	/* A's pages are not reclaimed yet; its HKID is already free for B. */
	fx_td_alloc(fx, &b);
	fx_hkid_free(fx, b.hkid);
	b.hkid = a.hkid;
	fx_td_mng_create(fx, &b);
	fx_td_key_config(fx, &b);
	fx_td_addcx(fx, &b, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, &b, NULL, NULL), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, b.tdr, FX_TD_HKID), a.hkid);
	assert_int_equal(fx_mng_rd_ok(fx, a.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_TEARDOWN);
	/* Both tear down independently. */
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, a.tdcx[i], 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, a.tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, b.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_KEYS_CONFIGURED);
	fx_teardown_td(fx, &b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_mng_lifecycle_success),
		FX_TEST(test_mng_create_bad_tdr_operand_invalid_rcx),
		FX_TEST(test_mng_create_tdr_outside_tdmrs_operand_addr_range_error),
		FX_TEST(test_mng_create_page_not_free_page_metadata_incorrect),
		FX_TEST(test_mng_create_bad_hkid_operand_invalid_rdx),
		FX_TEST(test_mng_create_hkid_in_use_hkid_not_free),
		FX_TEST(test_mng_key_config_twice_key_configured),
		FX_TEST(test_mng_addcx_before_key_config_td_keys_not_configured),
		FX_TEST(test_mng_addcx_seventh_tdcx_num_incorrect),
		FX_TEST(test_mng_addcx_page_not_nda_page_metadata_incorrect),
		FX_TEST(test_mng_init_before_all_tdcx_tdcs_not_allocated),
		FX_TEST(test_mng_init_before_key_config_td_keys_not_configured),
		FX_TEST(test_mng_init_td_params_operand_invalid),
		FX_TEST(test_mng_init_invalid_combinations_operand_invalid),
		FX_TEST(test_mng_init_gpaw_without_5_level_operand_invalid_exec_controls),
		FX_TEST(test_mng_init_gpaw_on_46_bit_platform_operand_invalid_exec_controls),
		FX_TEST(test_mng_init_msr_config_ctls_reserved_operand_invalid_rdx),
		FX_TEST(test_mng_init_bad_td_params_pa_operand_invalid_rdx),
		FX_TEST(test_mng_init_twice_op_state_incorrect),
		FX_TEST(test_mng_rd_tdcs_field_before_init_op_state_incorrect),
		FX_TEST(test_mng_rd_unknown_field_metadata_field_id_incorrect),
		FX_TEST(test_mng_rd_version1_returns_next_field_id),
		FX_TEST(test_mng_vpflushdone_twice_lifecycle_state_incorrect),
		FX_TEST(test_mng_key_freeid_before_cache_wb_wbcache_not_complete),
		FX_TEST(test_mng_key_freeid_before_vpflushdone_lifecycle_state_incorrect),
		FX_TEST(test_mng_key_freeid_hkid_reusable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

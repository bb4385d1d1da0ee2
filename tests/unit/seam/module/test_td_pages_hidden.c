/*
 * The module's pages as the host sees them (seam/module/src/td.c,
 * pamt.c with the platform's memory views): TDR, TDCX and PAMT pages
 * read as zeros from the host once the module owns them, and a host
 * write to one is caught by the module's next use of it
 * (TDX_NON_RECOVERABLE_TD_CORRUPTED_MD).  The PAMTs come from a
 * hand-built configuration, so the test knows where they are.
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

static bool reads_pattern(struct fx *fx, uint64_t pa, size_t len, uint8_t byte)
{
	uint8_t buf[PAGE];

	for (size_t off = 0; off < len; off += PAGE) {
		size_t n = len - off < PAGE ? len - off : PAGE;

		fx_read(fx, pa + off, buf, n);
		for (size_t i = 0; i < n; i++)
			if (buf[i] != byte)
				return false;
	}
	return true;
}

static void test_tdr_tdcx_pages_read_zero_from_host(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;

	fx_td_alloc(fx, &td);
	/* The host's own contents first, so zeros mean something. */
	fx_fill(fx, td.tdr, 0xA5, PAGE);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		fx_fill(fx, td.tdcx[i], 0xA5, PAGE);
	assert_true(reads_pattern(fx, td.tdr, PAGE, 0xA5));

	fx_td_mng_create(fx, &td);
	assert_true(fx_reads_zero(fx, td.tdr, PAGE));
	fx_td_key_config(fx, &td);
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++) {
		assert_true(reads_pattern(fx, td.tdcx[i], PAGE, 0xA5));
		fx_td_addcx(fx, &td, 1);
		assert_true(fx_reads_zero(fx, td.tdcx[i], PAGE));
	}
	assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
	assert_true(fx_reads_zero(fx, td.tdr, PAGE));
	for (unsigned int i = 0; i < FX_TDCS_PAGES; i++)
		assert_true(fx_reads_zero(fx, td.tdcx[i], PAGE));
	/* Still TD-owned right after RECLAIM; the host's again after MOVDIR64B. */
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_CACHE_WB, 0, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td.tdr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, td.tdcx[0], 0, 0), TDX_SUCCESS);
	assert_true(fx_reads_zero(fx, td.tdcx[0], PAGE));
	assert_int_equal(pmem_host_movdir64b(fx->plat, td.tdcx[0], PAGE), 0);
	fx_fill(fx, td.tdcx[0], 0x3C, PAGE);
	assert_true(reads_pattern(fx, td.tdcx[0], PAGE, 0x3C));
	fx_teardown_td(fx, &td);
}

static void test_host_write_to_tdr_non_recoverable_td_corrupted_md(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct fx_td a, b;
	struct fx_rdmd md;
	uint64_t v;

	fx_create_td(fx, &a);
	fx_create_td(fx, &b);
	assert_status(fx_mng_rd(fx, a.tdr, FX_TD_LIFECYCLE_STATE, &v), TDX_SUCCESS);
	fx_write(fx, a.tdr, junk, sizeof(junk));
	/* Every MNG leaf naming A's TDR finds it corrupted. */
	assert_status(fx_mng_rd(fx, a.tdr, FX_TD_LIFECYCLE_STATE, &v), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_mng_rd(fx, a.tdr, FX_TD_HKID, &v), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_CONFIG, a.tdr, 0, 0), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, a.tdr, 0, 0), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, a.tdr, 0, 0), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_INIT, a.tdr, a.params_pa, 0),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	/* The PAMT still says TDR; B is untouched and tears down normally. */
	assert_status(fx_rdmd(fx, a.tdr, &md), TDX_SUCCESS);
	assert_int_equal(md.type, PT_TDR);
	assert_int_equal(fx_mng_rd_ok(fx, b.tdr, FX_TD_LIFECYCLE_STATE), FX_TD_KEYS_CONFIGURED);
	fx_teardown_td(fx, &b);
}

static void test_host_write_of_zeros_to_tdr_non_recoverable_td_corrupted_md(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint8_t zeros[64] = { 0 };
	struct fx_td td;
	uint64_t v;

	/* Writing back what the host reads (zeros) is still a write. */
	fx_create_td(fx, &td);
	fx_write(fx, td.tdr, zeros, sizeof(zeros));
	assert_status(fx_mng_rd(fx, td.tdr, FX_TD_LIFECYCLE_STATE, &v), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
}

/* The 4K PAMT entry of @pa in the configuration @c. */
static uint64_t pamt_4k_entry(const struct fx_config *c, uint64_t pa)
{
	for (unsigned int i = 0; i < c->nr; i++)
		if (pa >= c->tdmr[i].base && pa - c->tdmr[i].base < c->tdmr[i].size)
			return c->tdmr[i].pamt_4k_base + ((pa - c->tdmr[i].base) >> 12) * TDX_PAMT_ENTRY_SIZE;
	fail_msg("0x%llx is in no TDMR", (unsigned long long)pa);
	return 0;
}

static void test_pamt_pages_read_zero_from_host(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_config c;
	const struct tdmr_info *t;
	struct tdx_module_args a;

	fx_sys_init(fx);
	fx_config_hand(fx, &c);
	fx_fill(fx, c.pamt_pa, 0xA5, c.pamt_pages * PAGE);
	assert_status(fx_sys_config(fx, &c, fx_global_hkid(fx)), TDX_SUCCESS);
	fx_key_config_all(fx);
	/* Configured, not initialized: the PAMTs are still the host's bytes. */
	assert_true(reads_pattern(fx, c.pamt_pa, c.pamt_pages * PAGE, 0xA5));

	/* One TDMR.INIT chunk of TDMR 1: its 1G and 2M PAMTs and the first 4K entries. */
	t = &c.tdmr[1];
	a = (struct tdx_module_args){ .rax = TDH_SYS_TDMR_INIT, .rcx = t->base };
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_true(fx_reads_zero(fx, t->pamt_1g_base, t->pamt_1g_size));
	assert_true(fx_reads_zero(fx, t->pamt_2m_base, t->pamt_2m_size));
	assert_true(fx_reads_zero(fx, t->pamt_4k_base, PAGE));
	assert_true(reads_pattern(fx, t->pamt_4k_base + t->pamt_4k_size - PAGE, PAGE, 0xA5));
	assert_true(reads_pattern(fx, c.tdmr[0].pamt_1g_base, c.tdmr[0].pamt_1g_size, 0xA5));

	fx_tdmr_init_all(fx, &c);
	for (unsigned int i = 0; i < c.nr; i++) {
		t = &c.tdmr[i];
		assert_true(fx_reads_zero(fx, t->pamt_1g_base, t->pamt_1g_size));
		assert_true(fx_reads_zero(fx, t->pamt_2m_base, t->pamt_2m_size));
		/* Every 16th page of the 4K PAMT, and its last one. */
		for (uint64_t off = 0; off < t->pamt_4k_size; off += 16 * PAGE)
			assert_true(fx_reads_zero(fx, t->pamt_4k_base + off, PAGE));
		assert_true(fx_reads_zero(fx, t->pamt_4k_base + t->pamt_4k_size - PAGE, PAGE));
	}
	/* Entries the module wrote non-zero (PT_RSVD) read as zeros too. */
	assert_int_equal(fx_page_type(fx, fx->cfg.seamrr.base), PT_RSVD);
	assert_true(fx_reads_zero(fx, pamt_4k_entry(&c, fx->cfg.seamrr.base), 64));
}

static void test_host_write_to_pamt_non_recoverable_td_corrupted_md(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, false);
	struct fx_config c;
	struct fx_rdmd md;
	uint64_t page, entry, neighbour;
	uint8_t junk[TDX_PAMT_ENTRY_SIZE];

	fx_manual_init(fx, &c);
	page = fx->cfg.cmr[1].base + GiB;			/* ordinary memory in TDMR 1 */
	neighbour = page + 4 * PAGE;				/* its entry is in the next line */
	entry = pamt_4k_entry(&c, page);
	assert_int_equal(fx_page_type(fx, page), PT_NDA);
	assert_int_equal(fx_page_type(fx, neighbour), PT_NDA);

	memset(junk, 0, sizeof(junk));
	junk[2] = PT_TDR;					/* forge a page type */
	fx_write(fx, entry, junk, sizeof(junk));
	assert_status(fx_rdmd(fx, page, &md), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_CREATE, page, fx_first_td_hkid(fx), 0),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(fx_call(fx, 0, TDH_MNG_RD, page, FX_TD_LIFECYCLE_STATE, 0),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	/* The forged PT_TDR did not make a TD; other lines are intact. */
	assert_int_equal(fx_page_type(fx, neighbour), PT_NDA);
	{
		struct fx_td td;

		fx_td_alloc(fx, &td);
		fx_td_mng_create(fx, &td);
		fx_td_key_config(fx, &td);
		fx_td_addcx(fx, &td, FX_TDCS_PAGES);
		assert_status(fx_td_init(fx, &td, NULL, NULL), TDX_SUCCESS);
		fx_teardown_td(fx, &td);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_tdr_tdcx_pages_read_zero_from_host),
		FX_TEST(test_host_write_to_tdr_non_recoverable_td_corrupted_md),
		FX_TEST(test_host_write_of_zeros_to_tdr_non_recoverable_td_corrupted_md),
		FX_TEST(test_pamt_pages_read_zero_from_host),
		FX_TEST(test_host_write_to_pamt_non_recoverable_td_corrupted_md),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

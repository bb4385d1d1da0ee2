/*
 * Malicious host: direct memory access (DESIGN.md 3).  Host reads of TD
 * and module pages return zeros (the attacker view is ciphertext); host
 * writes poison the lines, and the module's next use of them ends in a
 * non-recoverable status for that TD only, never a crash and never a
 * silent change of the TD's state.  The same for the PAMT and SEAMRR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_metadata.h>

#include "mh.h"

static struct mh *two_tds(void **state, struct mh_td *a, struct mh_td *b)
{
	struct mh *mh = *state = mh_boot();

	mh_td_build(mh, a, 1, 0, 4);
	mh_td_build(mh, b, 2, TDX_TD_ATTR_DEBUG, 2);
	return mh;
}

static void assert_line(struct mh *mh, uint64_t pa, hkid_t keyid, bool td, bool poison)
{
	struct pmem_line_info li;

	assert_int_equal(pmem_line_info(mh->plat, pa, &li), 0);
	if (li.keyid != keyid || li.td_owner != td || li.poison != poison)
		fail_msg("line 0x%llx: KeyID %u TD %d poison %d, expected KeyID %u TD %d poison %d",
			 (unsigned long long)pa, li.keyid, li.td_owner, li.poison, keyid, td, poison);
}

/* Non-recoverable: bit 62 (TDX_NON_RECOVERABLE_TD_CORRUPTED_MD, TDX_TD_FATAL, ...). */
static void assert_non_recoverable(uint64_t st, const char *what)
{
	if (!(st & TDX_STATUS_NON_RECOVERABLE))
		fail_msg("%s: status 0x%016llx, expected a non-recoverable TD status", what,
			 (unsigned long long)st);
}

static void test_host_reads_of_td_pages_return_zeros(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint8_t plain[MH_PAGE], ct[MH_PAGE], zero[MH_PAGE] = { 0 };
	struct mh_snap s;

	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Control structures and private pages: zeros in the host view. */
	assert_true(mh_host_reads_zero(mh, a.tdr, MH_PAGE));
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++)
		assert_true(mh_host_reads_zero(mh, a.tdcx[i], MH_PAGE));
	for (unsigned int i = 0; i < a.nr_sept; i++)
		assert_true(mh_host_reads_zero(mh, a.sept[i], MH_PAGE));
	for (unsigned int i = 0; i < a.nr_pages; i++) {
		assert_true(mh_host_reads_zero(mh, a.page[i], MH_PAGE));
		/* The attacker view is ciphertext: neither the plaintext nor zeros. */
		mh_pattern(a.seed, i, plain);
		assert_int_equal(pmem_attacker_read(mh->plat, a.page[i], ct, sizeof(ct)), 0);
		assert_memory_not_equal(ct, plain, 64);
		assert_memory_not_equal(ct, zero, 64);
		assert_line(mh, a.page[i], a.hkid, true, false);
	}
	assert_line(mh, a.tdr, mh->global_hkid, true, false);
	assert_line(mh, a.tdcx[0], a.hkid, true, false);
	/* The same page under A's KeyID is not the host's to use. */
	assert_int_not_equal(pmem_host_read(mh->plat, mh_pa_keyid(mh, a.page[0], a.hkid), ct, 64),
			     0);
	assert_int_not_equal(pmem_host_read(mh->plat, mh_pa_keyid(mh, a.tdr, mh->global_hkid), ct,
					    64), 0);
	/* Reading poisons nothing. */
	mh_assert_unchanged(mh, &s);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, a.tdr, 0, 0), TDX_SUCCESS);
}

static void test_host_write_poisons_td_private_page(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint64_t junk = 0x4141414141414141ULL;
	struct mh_snap sb;
	uint64_t st;

	mh_snap_init(&sb);
	mh_snap_td(&sb, &b);
	mh_snap_take(mh, &sb);
	/* The write goes through (the host owns the bus) but poisons the line. */
	assert_int_equal(pmem_host_write(mh->plat, a.page[1] + 128, &junk, sizeof(junk)), 0);
	assert_line(mh, a.page[1] + 128, 0, false, true);
	assert_line(mh, a.page[1] + 256, a.hkid, true, false);
	/* The module's next read of that line is a machine check: A is lost, not the module. */
	st = mh_call(mh, TDH_MR_EXTEND, MH_PAGE, a.tdr, 0, 0);
	assert_non_recoverable(st, "MR.EXTEND of the poisoned chunk");
	/* DESIGN.md 3: that access makes the TD fatal... */
	assert_u64(mh_td_field(mh, a.tdr, MH_TD_FATAL), 1);
	/* ...and a fatal TD takes no more build leaves (reference 3.3: TDX_TD_FATAL). */
	assert_status_code(mh_call(mh, TDH_MR_EXTEND, 0, a.tdr, 0, 0), TDX_TD_FATAL);
	/* B, with its own key, is untouched. */
	mh_assert_unchanged(mh, &sb);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, b.tdr, 0, 0), TDX_SUCCESS);
}

static void test_host_write_poisons_debug_td_page_mem_rd(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint64_t junk = 0x4242424242424242ULL;
	struct tdx_module_args out;
	struct mh_snap sa;

	mh_snap_init(&sa);
	mh_snap_td(&sa, &a);
	mh_snap_take(mh, &sa);
	assert_int_equal(pmem_host_write(mh->plat, b.page[0], &junk, sizeof(junk)), 0);
	/* MEM.RD through the poisoned line: no data, the junk least of all. */
	assert_non_recoverable(mh_call_out(mh, TDH_MEM_RD, 0, b.tdr, 0x99, 0, &out),
			       "MEM.RD of a poisoned line");
	assert_u64(out.r8, 0x99);
	/* Lines the host did not touch still read back (B's next page). */
	mh_assert_unchanged(mh, &sa);
}

static void test_host_write_to_tdr_corrupts_td(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint8_t junk[16] = { 0xFF, 0xFF, 0xFF, 0xFF };
	uint64_t fresh = mh_page(mh);
	struct mh_snap sb;

	mh_snap_init(&sb);
	mh_snap_td(&sb, &b);
	mh_snap_page(&sb, fresh, false);
	mh_snap_take(mh, &sb);
	/* Flip the TDR's (module-private) lifecycle/HKID bytes, say. */
	assert_int_equal(pmem_host_write(mh->plat, a.tdr + 0x40, junk, sizeof(junk)), 0);
	assert_line(mh, a.tdr + 0x40, 0, false, true);
	assert_status(mh_mng_rd(mh, a.tdr, MH_TD_LIFECYCLE_STATE, NULL),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(mh_call(mh, TDH_MEM_PAGE_ADD, 0x10000, a.tdr, fresh, a.src),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_status(mh_call(mh, TDH_MNG_KEY_CONFIG, a.tdr, 0, 0, 0),
		      TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	/* The TDR page itself stays a TDR in the PAMT; B and the fresh page are untouched. */
	assert_u64(mh_page_type(mh, a.tdr), PT_TDR);
	mh_assert_unchanged(mh, &sb);
}

static void test_host_write_to_sept_page_corrupts_td(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	const uint64_t junk = ~0ULL;
	uint64_t fresh = mh_page(mh);
	struct mh_snap sb;

	mh_snap_init(&sb);
	mh_snap_td(&sb, &b);
	mh_snap_page(&sb, fresh, false);
	mh_snap_take(mh, &sb);
	/* A forged leaf entry in A's last-level table (GPA 0x10000 -> entry 16). */
	assert_int_equal(pmem_host_write(mh->plat, a.sept[2] + 16 * 8, &junk, sizeof(junk)), 0);
	assert_non_recoverable(mh_call(mh, TDH_MEM_PAGE_ADD, 0x10000, a.tdr, fresh, a.src),
			       "PAGE.ADD through a poisoned SEPT line");
	assert_u64(mh_page_type(mh, fresh), PT_NDA);
	/* The forged entry never maps anything. */
	assert_true(mh_sept_rd(mh, a.tdr, 0x10000, NULL, NULL) != TDX_SUCCESS);
	mh_assert_unchanged(mh, &sb);
}

static void test_host_write_to_tdcs_cannot_change_td_state(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint8_t junk[MH_PAGE];
	uint64_t before[4], st;
	const uint64_t fields[4] = { MH_TD_OP_STATE, MH_TD_NUM_TDCX, MH_TD_CHLDCNT, MH_TD_EPOCH };

	for (unsigned int i = 0; i < 4; i++)
		before[i] = mh_td_field(mh, a.tdr, fields[i]);
	/* Overwrite every TDCS page but the SEPT root (the last one). */
	memset(junk, 0xA5, sizeof(junk));
	for (unsigned int i = 0; i + 1 < MH_TDCX_PAGES; i++)
		assert_int_equal(pmem_host_write(mh->plat, a.tdcx[i], junk, sizeof(junk)), 0);
	/*
	 * Either the module notices (a non-recoverable status) or the TD's
	 * state is exactly what it was: never the host's bytes.
	 */
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t v;

		st = mh_mng_rd(mh, a.tdr, fields[i], &v);
		if (st == TDX_SUCCESS)
			assert_u64(v, before[i]);
		else
			assert_non_recoverable(st, "MNG.RD of a TDCS field after the host overwrote it");
	}
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, b.tdr, 0, 0), TDX_SUCCESS);
}

static void test_host_write_to_pamt_fails_rdmd_cleanly(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	uint64_t entry = mh_pamt_4k_entry(mh, a.page[0]);
	uint64_t line = entry & ~(TDX_CACHELINE_SIZE - 1);
	const uint8_t junk[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	uint64_t far = (a.page[0] ^ (64 * MH_PAGE));	/* another PAMT line */
	struct mh_snap sb;
	struct mh_rdmd md;
	struct tdx_module_args out;
	uint64_t st;

	/* The PAMT is the module's: global KeyID, TD-owned, zeros to the host. */
	assert_line(mh, line, mh->global_hkid, true, false);
	assert_true(mh_host_reads_zero(mh, line, TDX_CACHELINE_SIZE));
	(void)mh_page_type(mh, far);
	mh_snap_init(&sb);
	mh_snap_td(&sb, &b);
	mh_snap_page(&sb, far, false);
	mh_snap_take(mh, &sb);

	/* Try to rewrite A's page's entry to PT_NDA, owner 0. */
	assert_int_equal(pmem_host_write(mh->plat, entry, junk, sizeof(junk)), 0);
	assert_line(mh, line, 0, false, true);
	/* RDMD of every page that line describes fails, and says nothing. */
	for (uint64_t k = 0; k < TDX_CACHELINE_SIZE / TDX_PAMT_ENTRY_SIZE; k++) {
		uint64_t pa = (a.page[0] & ~(4 * MH_PAGE - 1)) + k * MH_PAGE;

		st = mh_call_out(mh, TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, 0, &out);
		if (st == TDX_SUCCESS || !(st & (TDX_STATUS_ERROR | TDX_STATUS_NON_RECOVERABLE)))
			fail_msg("RDMD of 0x%llx through a poisoned PAMT line: 0x%016llx",
				 (unsigned long long)pa, (unsigned long long)st);
		assert_u64(out.rcx, pa);
	}
	/* Nothing can turn A's page into a free page now, or reuse it. */
	assert_true(mh_call(mh, TDH_MEM_PAGE_ADD, 0x10000, b.tdr, a.page[0], b.src) != TDX_SUCCESS);
	assert_true(mh_call(mh, TDH_MEM_PAGE_REMOVE, 0, a.tdr, 0, 0) != TDX_SUCCESS);
	assert_u64(mh_sept_state(mh, a.tdr, 0), MH_SEPT_MAPPED);
	/* Pages described elsewhere, and B, work as before. */
	assert_status(mh_rdmd(mh, b.page[0], &md), TDX_SUCCESS);
	assert_u64(md.type, PT_REG);
	mh_assert_unchanged(mh, &sb);
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, b.tdr, 0, 0), TDX_SUCCESS);
}

static void test_removed_page_does_not_leak_plaintext(void **state)
{
	struct mh_td a, b;
	struct mh *mh = two_tds(state, &a, &b);
	struct tdx_module_args out;
	uint8_t plain[MH_PAGE], ct[MH_PAGE];

	/* Before MR.FINALIZE a page can be removed without blocking. */
	assert_status(mh_call_out(mh, TDH_MEM_PAGE_REMOVE, MH_PAGE, a.tdr, 0, 0, &out),
		      TDX_SUCCESS);
	assert_u64(out.rcx, a.page[1]);
	assert_u64(mh_page_type(mh, a.page[1]), PT_NDA);
	assert_u64(mh_sept_state(mh, a.tdr, MH_PAGE), MH_SEPT_FREE);
	/* PT_NDA, yet still the TD's lines: the host sees zeros, the attacker ciphertext. */
	mh_pattern(a.seed, 1, plain);
	assert_true(mh_host_reads_zero(mh, a.page[1], MH_PAGE));
	assert_int_equal(pmem_attacker_read(mh->plat, a.page[1], ct, sizeof(ct)), 0);
	assert_memory_not_equal(ct, plain, sizeof(ct));
}

static void test_host_write_to_seamrr_is_dropped(void **state)
{
	struct mh_td a;
	struct mh *mh = *state = mh_boot();
	uint8_t buf[64];
	uint64_t v;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_page(&s, mh->seamrr.base, true);
	mh_snap_page(&s, mh->seamrr.base + mh->seamrr.size - MH_PAGE, true);
	mh_snap_take(mh, &s);
	/* Abort-page semantics: reads all ones, writes refused, nothing changes. */
	memset(buf, 0x90, sizeof(buf));
	assert_int_not_equal(pmem_host_write(mh->plat, mh->seamrr.base, buf, sizeof(buf)), 0);
	assert_int_not_equal(pmem_host_write(mh->plat, mh->seamrr.base + mh->seamrr.size - 64, buf,
					     sizeof(buf)), 0);
	assert_int_not_equal(pmem_host_movdir64b(mh->plat, mh->seamrr.base, MH_PAGE), 0);
	assert_int_not_equal(pmem_host_read(mh->plat, mh->seamrr.base, buf, sizeof(buf)), 0);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xFF);
	mh_assert_unchanged(mh, &s);
	assert_status(mh_call_out(mh, TDH_SYS_RD, 0, MD_SYS_NUM_CMRS, 0, 0, NULL), TDX_SUCCESS);
	assert_status(mh_mng_rd(mh, a.tdr, MH_TD_CHLDCNT, &v), TDX_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_host_reads_of_td_pages_return_zeros),
		MH_TEST(test_host_write_poisons_td_private_page),
		MH_TEST(test_host_write_poisons_debug_td_page_mem_rd),
		MH_TEST(test_host_write_to_tdr_corrupts_td),
		MH_TEST(test_host_write_to_sept_page_corrupts_td),
		MH_TEST(test_host_write_to_tdcs_cannot_change_td_state),
		MH_TEST(test_host_write_to_pamt_fails_rdmd_cleanly),
		MH_TEST(test_removed_page_does_not_leak_plaintext),
		MH_TEST(test_host_write_to_seamrr_is_dropped),
	};

	return cmocka_run_group_tests_name("malicious host: memory views", tests, NULL, NULL);
}

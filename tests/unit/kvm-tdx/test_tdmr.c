/*
 * Unit tests for kvm-tdx/src/tdmr.c: TDMRs, PAMTs and reserved areas
 * built from the TDX-usable memory regions, and the independent checker.
 * Expected layouts are worked out by hand in the comments, not with the
 * code under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tdmr.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- Fake host allocator: first-fit bump over ranges, every call recorded ---- */

#define FAKE_MAX_RANGES	64
#define FAKE_MAX_RECS	256

struct fake_rec {
	uint64_t pa;
	uint64_t npages;
	bool live;
};

struct fake_alloc {
	struct {
		uint64_t next;
		uint64_t end;
	} range[FAKE_MAX_RANGES];
	unsigned int nr_ranges;
	unsigned int fail_at;		/* 1-based call from which alloc fails; 0: never */
	unsigned int calls;
	struct fake_rec rec[FAKE_MAX_RECS];
	unsigned int nr_rec;
	unsigned int outstanding;
	unsigned int bad_frees;
};

static void fake_add_range(struct fake_alloc *f, uint64_t base, uint64_t end)
{
	assert_true(f->nr_ranges < FAKE_MAX_RANGES);
	f->range[f->nr_ranges].next = base;
	f->range[f->nr_ranges].end = end;
	f->nr_ranges++;
}

static int fake_alloc_fn(void *arg, uint64_t npages, uint64_t *pa)
{
	struct fake_alloc *f = arg;
	uint64_t bytes = npages * TDX_PAGE_SIZE;

	f->calls++;
	if (f->fail_at && f->calls >= f->fail_at)
		return -ENOMEM;
	for (unsigned int r = 0; r < f->nr_ranges; r++) {
		if (f->range[r].end - f->range[r].next < bytes)
			continue;
		if (f->nr_rec >= FAKE_MAX_RECS)
			return -ENOMEM;
		*pa = f->range[r].next;
		f->range[r].next += bytes;
		f->rec[f->nr_rec++] = (struct fake_rec){ *pa, npages, true };
		f->outstanding++;
		return 0;
	}
	return -ENOMEM;
}

static void fake_free_fn(void *arg, uint64_t pa, uint64_t npages)
{
	struct fake_alloc *f = arg;

	for (unsigned int i = 0; i < f->nr_rec; i++) {
		if (f->rec[i].live && f->rec[i].pa == pa && f->rec[i].npages == npages) {
			f->rec[i].live = false;
			f->outstanding--;
			return;
		}
	}
	f->bad_frees++;
}

static struct tdmr_pamt_alloc fake_ops(struct fake_alloc *f)
{
	return (struct tdmr_pamt_alloc){ .alloc = fake_alloc_fn, .free = fake_free_fn, .arg = f };
}

/* ---- Shared fixtures ---- */

static const struct tdx_sys_info_tdmr info16 = {
	.max_tdmrs = 64,
	.max_reserved_per_tdmr = 16,
	.pamt_entry_size = { 16, 16, 16 },
};

/* The emulator's default memory map: SMRR below 2 GiB, SEAMRR at the top of 8 GiB. */
static const struct cmr_info default_map[] = {
	{ 0, 0x7F800000 },
	{ 4 * GiB, 4 * GiB - 128 * MiB },
};

struct area {
	uint64_t offset;
	uint64_t size;
};

static void expect_rsvd(const struct tdmr_info *t, const struct area *exp, unsigned int n)
{
	for (unsigned int k = 0; k < TDX_MAX_RESERVED_PER_TDMR; k++) {
		uint64_t off = k < n ? exp[k].offset : 0, size = k < n ? exp[k].size : 0;

		assert_int_equal(t->reserved_areas[k].offset, off);
		assert_int_equal(t->reserved_areas[k].size, size);
	}
}

static void expect_tdmr(const struct tdmr_info *t, uint64_t base, uint64_t size)
{
	assert_int_equal(t->base, base);
	assert_int_equal(t->size, size);
}

/* PAMT block at @pa laid out 4K, 2M, 1G with the given sizes. */
static void expect_pamt(const struct tdmr_info *t, uint64_t pa, uint64_t s4k, uint64_t s2m,
			uint64_t s1g)
{
	assert_int_equal(t->pamt_4k_base, pa);
	assert_int_equal(t->pamt_4k_size, s4k);
	assert_int_equal(t->pamt_2m_base, pa + s4k);
	assert_int_equal(t->pamt_2m_size, s2m);
	assert_int_equal(t->pamt_1g_base, pa + s4k + s2m);
	assert_int_equal(t->pamt_1g_size, s1g);
}

static void expect_zeroed(const struct tdmr_list *l)
{
	assert_null(l->tdmrs);
	assert_int_equal(l->nr, 0);
	assert_int_equal(l->max, 0);
	assert_int_equal(l->pamt_pages, 0);
}

static void expect_msg(const struct emu_error *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

static void build_ok(const struct cmr_info *mem, unsigned int nr, const struct tdx_sys_info_tdmr *info,
		     struct fake_alloc *f, struct tdmr_list *out)
{
	struct tdmr_pamt_alloc ops = fake_ops(f);
	struct emu_error err = { 0 };
	int ret = tdmrs_build(mem, nr, info, &ops, out, &err);

	if (ret)
		fail_msg("tdmrs_build: %d %s", ret, err.msg);
	ret = tdmrs_check(out, mem, nr, info, &err);
	if (ret)
		fail_msg("tdmrs_check: %d %s", ret, err.msg);
	assert_int_equal(f->outstanding, out->nr);
}

static void free_ok(struct tdmr_list *l, struct fake_alloc *f)
{
	struct tdmr_pamt_alloc ops = fake_ops(f);

	tdmrs_free(l, &ops);
	expect_zeroed(l);
	assert_int_equal(f->outstanding, 0);
	assert_int_equal(f->bad_frees, 0);
}

/* ---- tdmr_pamt_size ---- */

static void test_tdmr_pamt_size_is_exact_per_page_size(void **state)
{
	(void)state;
	/* 4 GiB, 16-byte entries: 1 Mi 4K pages, 2048 2M pages, 4 1G pages. */
	assert_int_equal(tdmr_pamt_size(4 * GiB, TDX_PS_4K, 16), 16 * MiB);
	assert_int_equal(tdmr_pamt_size(4 * GiB, TDX_PS_2M, 16), 32 * KiB);
	assert_int_equal(tdmr_pamt_size(4 * GiB, TDX_PS_1G, 16), 4 * KiB);	/* 64 B -> 4 KiB */
	/* 1 GiB: 256 Ki x 16 = 4 MiB, 512 x 16 = 8 KiB, 16 B -> 4 KiB. */
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_4K, 16), 4 * MiB);
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_2M, 16), 8 * KiB);
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_1G, 16), 4 * KiB);
	/* Other entry sizes: 256 Ki x 24 = 6 MiB, 512 x 24 = 12 KiB. */
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_4K, 24), 6 * MiB);
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_2M, 24), 12 * KiB);
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_2M, 1), 4 * KiB);	/* 512 B -> 4 KiB */
	/* 1 TiB of 1G pages: 1024 x 16 = 16 KiB, no rounding needed. */
	assert_int_equal(tdmr_pamt_size(1024 * GiB, TDX_PS_1G, 16), 16 * KiB);
	/* 300 GiB of 1G pages: 300 x 16 = 4800 -> 8 KiB. */
	assert_int_equal(tdmr_pamt_size(300 * GiB, TDX_PS_1G, 16), 8 * KiB);
	assert_int_equal(tdmr_pamt_size(GiB, TDX_PS_NR, 16), 0);
}

/* ---- tdmrs_build: layouts ---- */

static void test_tdmr_default_map_gives_two_tdmrs(void **state)
{
	/* A raw 32-entry CMR_INFO array: the unused (size 0) entries are skipped. */
	struct cmr_info cmrs[TDX_MAX_CMRS] = { default_map[0], default_map[1] };
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	/*
	 * PAMTs from 16 MiB up: TDMR0 (2 GiB) 8 MiB + 16 KiB + 4 KiB at
	 * 0x1000000, TDMR1 (4 GiB) 16 MiB + 32 KiB + 4 KiB at 0x1805000,
	 * ending at 0x280E000.  Both sit in TDMR0 and touch, so one area.
	 */
	static const struct area rsvd0[] = { { 0x1000000, 0x180E000 }, { 0x7F800000, 0x800000 } };
	static const struct area rsvd1[] = { { 0xF8000000, 0x8000000 } };

	(void)state;
	fake_add_range(&f, 16 * MiB, 0x7F800000);
	build_ok(cmrs, TDX_MAX_CMRS, &info16, &f, &l);
	assert_int_equal(l.nr, 2);
	assert_int_equal(l.max, 64);
	expect_tdmr(&l.tdmrs[0], 0, 2 * GiB);
	expect_tdmr(&l.tdmrs[1], 4 * GiB, 4 * GiB);
	expect_pamt(&l.tdmrs[0], 0x1000000, 8 * MiB, 16 * KiB, 4 * KiB);
	expect_pamt(&l.tdmrs[1], 0x1805000, 16 * MiB, 32 * KiB, 4 * KiB);
	expect_rsvd(&l.tdmrs[0], rsvd0, 2);
	expect_rsvd(&l.tdmrs[1], rsvd1, 1);
	assert_int_equal(l.pamt_pages, 0x805 + 0x1009);
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.rec[0].npages, 0x805);
	assert_int_equal(f.rec[1].npages, 0x1009);
	free_ok(&l, &f);
}

static void test_tdmr_pamt_in_high_memory_is_reserved_in_that_tdmr(void **state)
{
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	/* PAMTs at 5 GiB: [0x140000000, 0x14180E000) -> TDMR1 offset 1 GiB. */
	static const struct area rsvd0[] = { { 0x7F800000, 0x800000 } };
	static const struct area rsvd1[] = { { GiB, 0x180E000 }, { 0xF8000000, 0x8000000 } };

	(void)state;
	fake_add_range(&f, 5 * GiB, 6 * GiB);
	build_ok(default_map, 2, &info16, &f, &l);
	assert_int_equal(l.nr, 2);
	expect_pamt(&l.tdmrs[0], 5 * GiB, 8 * MiB, 16 * KiB, 4 * KiB);
	expect_pamt(&l.tdmrs[1], 5 * GiB + 0x805000, 16 * MiB, 32 * KiB, 4 * KiB);
	expect_rsvd(&l.tdmrs[0], rsvd0, 1);
	expect_rsvd(&l.tdmrs[1], rsvd1, 2);
	free_ok(&l, &f);
}

static void test_tdmr_region_not_1g_aligned_is_rounded_out(void **state)
{
	static const struct cmr_info mem[] = { { 0x60001000, 0xD0000000 - 0x60001000 } };
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	/*
	 * [1.5 GiB + 4 KiB, 3.25 GiB) -> TDMR [1 GiB, 4 GiB).  Its 3 GiB PAMT
	 * (12 MiB + 24 KiB + 4 KiB = 0xC07000) sits at the region's start and
	 * so merges with the leading hole [1 GiB, 0x60001000).
	 */
	static const struct area rsvd[] = { { 0, 0x20001000 + 0xC07000 },
					    { 0x90000000, 0x30000000 } };

	(void)state;
	fake_add_range(&f, mem[0].base, mem[0].base + mem[0].size);
	build_ok(mem, 1, &info16, &f, &l);
	assert_int_equal(l.nr, 1);
	expect_tdmr(&l.tdmrs[0], GiB, 3 * GiB);
	expect_pamt(&l.tdmrs[0], 0x60001000, 12 * MiB, 24 * KiB, 4 * KiB);
	expect_rsvd(&l.tdmrs[0], rsvd, 2);
	free_ok(&l, &f);
}

static void test_tdmr_region_past_a_tdmr_end_continues_in_a_new_tdmr(void **state)
{
	static const struct cmr_info mem[] = {
		{ 256 * MiB, 1280 * MiB },		/* [256 MiB, 1.5 GiB) */
		{ 1792 * MiB, 768 * MiB },		/* [1.75 GiB, 2.5 GiB) */
		{ 3584 * MiB, 3840 * MiB },		/* [3.5 GiB, 7.25 GiB) */
	};
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	/*
	 * TDMRs [0, 2G), [2G, 3G), [3G, 8G): the second region's tail opens a
	 * TDMR at 2 GiB; the multi-GiB third region is one 5 GiB TDMR.  PAMTs
	 * 0x805000 + 0x403000 + 0x140B000 from 256 MiB, merged with [0, 256M).
	 */
	static const struct area rsvd0[] = { { 0, 0x10000000 + 0x805000 + 0x403000 + 0x140B000 },
					     { 0x60000000, 0x10000000 } };
	static const struct area rsvd1[] = { { 0x20000000, 0x20000000 } };
	static const struct area rsvd2[] = { { 0, 0x20000000 }, { 0x110000000, 0x30000000 } };

	(void)state;
	fake_add_range(&f, mem[0].base, mem[0].base + mem[0].size);
	build_ok(mem, 3, &info16, &f, &l);
	assert_int_equal(l.nr, 3);
	expect_tdmr(&l.tdmrs[0], 0, 2 * GiB);
	expect_tdmr(&l.tdmrs[1], 2 * GiB, GiB);
	expect_tdmr(&l.tdmrs[2], 3 * GiB, 5 * GiB);
	expect_pamt(&l.tdmrs[1], 0x10805000, 4 * MiB, 8 * KiB, 4 * KiB);
	/* 5 GiB: 20 MiB, 2560 x 16 = 40 KiB, 80 B -> 4 KiB. */
	expect_pamt(&l.tdmrs[2], 0x10C08000, 20 * MiB, 40 * KiB, 4 * KiB);
	expect_rsvd(&l.tdmrs[0], rsvd0, 2);
	expect_rsvd(&l.tdmrs[1], rsvd1, 1);
	expect_rsvd(&l.tdmrs[2], rsvd2, 2);
	free_ok(&l, &f);
}

static void test_tdmr_touching_regions_need_no_hole(void **state)
{
	/* Two CMRs back to back across 1 GiB: no hole anywhere. */
	static const struct cmr_info mem[] = { { 0, GiB }, { GiB, 2 * GiB } };
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	/* PAMTs 0x403000 + 0x805000 at 1 GiB, inside TDMR1 only. */
	static const struct area rsvd1[] = { { 0, 0x403000 + 0x805000 } };

	(void)state;
	fake_add_range(&f, GiB, 3 * GiB);
	build_ok(mem, 2, &info16, &f, &l);
	assert_int_equal(l.nr, 2);
	expect_tdmr(&l.tdmrs[0], 0, GiB);
	expect_tdmr(&l.tdmrs[1], GiB, 2 * GiB);
	expect_rsvd(&l.tdmrs[0], NULL, 0);
	expect_rsvd(&l.tdmrs[1], rsvd1, 1);
	free_ok(&l, &f);
}

/* [0, 1 GiB) for the PAMTs, then five 64 MiB regions with 64 MiB gaps in [4G, 5G). */
static void five_small_regions(struct cmr_info *mem)
{
	mem[0] = (struct cmr_info){ 0, GiB };
	for (unsigned int k = 0; k < 5; k++)
		mem[1 + k] = (struct cmr_info){ 4 * GiB + (2 * k + 1) * 64 * MiB, 64 * MiB };
}

static void test_tdmr_regions_in_one_gib_share_a_tdmr(void **state)
{
	struct cmr_info mem[6];
	struct fake_alloc f = { 0 };
	struct tdmr_list l;
	static const struct area rsvd0[] = { { 16 * MiB, 2 * 0x403000 } };
	static const struct area rsvd1[] = {
		{ 0, 64 * MiB }, { 128 * MiB, 64 * MiB }, { 256 * MiB, 64 * MiB },
		{ 384 * MiB, 64 * MiB }, { 512 * MiB, 64 * MiB }, { 640 * MiB, 384 * MiB },
	};
	struct tdx_sys_info_tdmr info = info16;

	(void)state;
	five_small_regions(mem);
	fake_add_range(&f, 16 * MiB, GiB);
	info.max_reserved_per_tdmr = 6;		/* exactly enough */
	build_ok(mem, 6, &info, &f, &l);
	assert_int_equal(l.nr, 2);
	expect_tdmr(&l.tdmrs[0], 0, GiB);
	expect_tdmr(&l.tdmrs[1], 4 * GiB, GiB);
	expect_rsvd(&l.tdmrs[0], rsvd0, 1);
	expect_rsvd(&l.tdmrs[1], rsvd1, 6);
	free_ok(&l, &f);
}

/* ---- tdmrs_build: limits and failures ---- */

static void test_tdmr_too_many_reserved_areas_is_e2big(void **state)
{
	struct cmr_info mem[21];
	struct tdx_sys_info_tdmr info = info16;
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f);
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	/* One short of enough: the six areas of TDMR 1 above with a limit of 5. */
	five_small_regions(mem);
	fake_add_range(&f, 16 * MiB, GiB);
	info.max_reserved_per_tdmr = 5;
	assert_int_equal(tdmrs_build(mem, 6, &info, &ops, &l, &err), -E2BIG);
	assert_int_equal(err.code, -E2BIG);
	expect_msg(&err, "TDMR 1 ");
	expect_msg(&err, "max_reserved_per_tdmr 5");
	expect_zeroed(&l);
	assert_int_equal(f.calls, 2);		/* both PAMTs were allocated ... */
	assert_int_equal(f.outstanding, 0);	/* ... and given back */
	assert_int_equal(f.bad_frees, 0);

	/* 20 4 KiB regions 8 MiB apart in one GiB: 21 holes > 16. */
	memset(&f, 0, sizeof(f));
	fake_add_range(&f, 16 * MiB, GiB);
	mem[0] = (struct cmr_info){ 0, GiB };
	for (unsigned int k = 0; k < 20; k++)
		mem[1 + k] = (struct cmr_info){ 8 * GiB + (k + 1) * 8 * MiB, 4 * KiB };
	assert_int_equal(tdmrs_build(mem, 21, &info16, &ops, &l, &err), -E2BIG);
	expect_msg(&err, "TDMR 1 ");
	expect_msg(&err, "needs 21 reserved areas");
	expect_msg(&err, "max_reserved_per_tdmr 16");
	expect_zeroed(&l);
	assert_int_equal(f.outstanding, 0);

	/* A module that allows more than the 16 slots of TDMR_INFO gets 16. */
	info.max_reserved_per_tdmr = 1000;
	assert_int_equal(tdmrs_build(mem, 21, &info, &ops, &l, &err), -E2BIG);
	expect_msg(&err, "max_reserved_per_tdmr 16");
	assert_int_equal(f.outstanding, 0);
}

static const struct cmr_info three_gibs[] = {
	{ 0, 512 * MiB },
	{ 2 * GiB, 512 * MiB },
	{ 4 * GiB, 512 * MiB },
};

static void test_tdmr_more_tdmrs_than_max_tdmrs_is_enospc(void **state)
{
	struct tdx_sys_info_tdmr info = info16;
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f);
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	fake_add_range(&f, 16 * MiB, 512 * MiB);
	info.max_tdmrs = 2;
	assert_int_equal(tdmrs_build(three_gibs, 3, &info, &ops, &l, &err), -ENOSPC);
	expect_msg(&err, "TDMR 2 ");
	expect_msg(&err, "max_tdmrs 2");
	expect_zeroed(&l);
	assert_int_equal(f.calls, 0);

	info.max_tdmrs = 3;
	build_ok(three_gibs, 3, &info, &f, &l);
	assert_int_equal(l.nr, 3);
	assert_int_equal(l.max, 3);
	free_ok(&l, &f);
}

static void test_tdmr_allocator_failure_is_enomem_without_leak(void **state)
{
	(void)state;
	for (unsigned int fail_at = 1; fail_at <= 3; fail_at++) {
		struct fake_alloc f = { .fail_at = fail_at };
		struct tdmr_pamt_alloc ops = fake_ops(&f);
		struct emu_error err = { 0 };
		struct tdmr_list l;
		char needle[16];

		fake_add_range(&f, 16 * MiB, 512 * MiB);
		assert_int_equal(tdmrs_build(three_gibs, 3, &info16, &ops, &l, &err), -ENOMEM);
		snprintf(needle, sizeof(needle), "TDMR %u ", fail_at - 1);
		expect_msg(&err, needle);
		expect_zeroed(&l);
		assert_int_equal(f.calls, fail_at);
		assert_int_equal(f.nr_rec, fail_at - 1);
		assert_int_equal(f.outstanding, 0);
		assert_int_equal(f.bad_frees, 0);
	}
}

static void test_tdmr_allocator_out_of_space_is_enomem(void **state)
{
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f);
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	/* Room for TDMR0's 8 MiB + 20 KiB PAMT, not for TDMR1's. */
	fake_add_range(&f, 16 * MiB, 32 * MiB);
	assert_int_equal(tdmrs_build(default_map, 2, &info16, &ops, &l, &err), -ENOMEM);
	expect_msg(&err, "TDMR 1 ");
	expect_zeroed(&l);
	assert_int_equal(f.outstanding, 0);
	assert_int_equal(f.bad_frees, 0);
}

static void test_tdmr_pamt_outside_memory_is_einval(void **state)
{
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f);
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	/* An allocator handing out the SMRR hole below 2 GiB. */
	fake_add_range(&f, 0x7F800000, 3 * GiB);
	assert_int_equal(tdmrs_build(default_map, 2, &info16, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "TDMR 0");
	expect_msg(&err, "not 4 KiB aligned TDX-usable memory");
	expect_zeroed(&l);
	assert_int_equal(f.outstanding, 0);
}

static void test_tdmr_bad_input_is_einval(void **state)
{
	static const struct cmr_info unsorted[] = { { 4 * GiB, GiB }, { 0, GiB } };
	static const struct cmr_info overlapping[] = { { 0, 2 * GiB }, { GiB, GiB } };
	static const struct cmr_info misaligned_base[] = { { 0x800, GiB } };
	static const struct cmr_info misaligned_size[] = { { 0, GiB + 1 } };
	static const struct cmr_info beyond[] = { { (1ULL << 52) - GiB, 2 * GiB } };
	static const struct cmr_info empty[4] = { { 0, 0 } };
	struct tdx_sys_info_tdmr info = info16;
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f), no_free = { fake_alloc_fn, NULL, &f };
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	assert_int_equal(tdmrs_build(unsorted, 2, &info16, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "memory region 1");
	expect_msg(&err, "sorted");
	assert_int_equal(tdmrs_build(overlapping, 2, &info16, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "memory region 1");
	assert_int_equal(tdmrs_build(misaligned_base, 1, &info16, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "4 KiB aligned");
	assert_int_equal(tdmrs_build(misaligned_size, 1, &info16, &ops, &l, &err), -EINVAL);
	assert_int_equal(tdmrs_build(beyond, 1, &info16, &ops, &l, &err), -EINVAL);
	assert_int_equal(tdmrs_build(empty, 4, &info16, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "no TDX-usable memory");
	assert_int_equal(tdmrs_build(NULL, 2, &info16, &ops, &l, &err), -EINVAL);
	info.max_tdmrs = 0;
	assert_int_equal(tdmrs_build(default_map, 2, &info, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "max_tdmrs");
	info = info16;
	info.pamt_entry_size[TDX_PS_2M] = 0;
	assert_int_equal(tdmrs_build(default_map, 2, &info, &ops, &l, &err), -EINVAL);
	expect_msg(&err, "PAMT 2M entry size");
	assert_int_equal(tdmrs_build(default_map, 2, NULL, &ops, &l, &err), -EINVAL);
	assert_int_equal(tdmrs_build(default_map, 2, &info16, NULL, &l, &err), -EINVAL);
	assert_int_equal(tdmrs_build(default_map, 2, &info16, &no_free, &l, &err), -EINVAL);
	assert_int_equal(tdmrs_build(default_map, 2, &info16, &ops, NULL, &err), -EINVAL);
	assert_int_equal(f.calls, 0);
}

static void test_tdmr_pamt_uses_each_level_entry_size(void **state)
{
	struct tdx_sys_info_tdmr info = { 64, 16, { 24, 16, 8 } };
	struct tdx_sys_info_tdmr bigger = { 64, 16, { 32, 32, 32 } };
	struct fake_alloc f = { 0 };
	struct emu_error err = { 0 };
	struct tdmr_list l;

	(void)state;
	fake_add_range(&f, 16 * MiB, 0x7F800000);
	build_ok(default_map, 2, &info, &f, &l);
	/* 2 GiB: 512 Ki x 24 = 12 MiB, 1024 x 16 = 16 KiB, 2 x 8 -> 4 KiB. */
	expect_pamt(&l.tdmrs[0], 16 * MiB, 12 * MiB, 16 * KiB, 4 * KiB);
	/* 4 GiB: 1 Mi x 24 = 24 MiB, 2048 x 16 = 32 KiB, 4 x 8 -> 4 KiB. */
	expect_pamt(&l.tdmrs[1], 16 * MiB + 12 * MiB + 20 * KiB, 24 * MiB, 32 * KiB, 4 * KiB);
	/* The same list is too small for a module with 32-byte entries. */
	assert_int_equal(tdmrs_check(&l, default_map, 2, &bigger, &err), -EINVAL);
	expect_msg(&err, "TDMR 0: PAMT 4K size");
	expect_msg(&err, "too small");
	free_ok(&l, &f);
}

static void test_tdmr_free_of_zeroed_list_is_harmless(void **state)
{
	struct fake_alloc f = { 0 };
	struct tdmr_pamt_alloc ops = fake_ops(&f);
	struct tdmr_list l = { 0 };

	(void)state;
	tdmrs_free(&l, &ops);
	tdmrs_free(NULL, &ops);
	expect_zeroed(&l);
	assert_int_equal(f.bad_frees, 0);
}

/* ---- tdmrs_check on hand-made bad lists ---- */

struct bad_case {
	struct tdmr_info t[3];
	struct tdmr_list l;
};

/* A copy of the good default-map list that a case may break at will. */
static void bad_reset(struct bad_case *b, const struct tdmr_list *good)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->t, good->tdmrs, good->nr * sizeof(*b->t));
	b->l = *good;
	b->l.tdmrs = b->t;
}

static void expect_check_fails(struct bad_case *b, const struct tdx_sys_info_tdmr *info, int code,
			       const char *needle)
{
	struct emu_error err = { 0 };

	assert_int_equal(tdmrs_check(&b->l, default_map, 2, info, &err), code);
	assert_int_equal(err.code, code);
	expect_msg(&err, needle);
}

static void shift_pamt(struct tdmr_info *t, int64_t delta)
{
	t->pamt_4k_base += (uint64_t)delta;
	t->pamt_2m_base += (uint64_t)delta;
	t->pamt_1g_base += (uint64_t)delta;
}

static void test_tdmr_check_rejects_bad_lists(void **state)
{
	struct tdx_sys_info_tdmr info = info16;
	struct fake_alloc f = { 0 };
	struct tdmr_list good;
	struct bad_case b;
	struct tdmr_info tmp;

	(void)state;
	fake_add_range(&f, 16 * MiB, 0x7F800000);
	build_ok(default_map, 2, &info16, &f, &good);

	bad_reset(&b, &good);	/* the copy itself passes */
	assert_int_equal(tdmrs_check(&b.l, default_map, 2, &info16, NULL), 0);

	/* TDMRs: unsorted, overlapping, misaligned, empty window, count. */
	bad_reset(&b, &good);
	tmp = b.t[0];
	b.t[0] = b.t[1];
	b.t[1] = tmp;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1 at 0 is not sorted");
	bad_reset(&b, &good);
	b.t[1].base = GiB;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1 at 0x40000000 overlaps TDMR 0");
	bad_reset(&b, &good);
	b.t[1].base += 2 * MiB;
	expect_check_fails(&b, &info16, -EINVAL, "1 GiB aligned");
	bad_reset(&b, &good);
	b.t[0].size -= 4 * KiB;
	expect_check_fails(&b, &info16, -EINVAL, "1 GiB aligned");
	bad_reset(&b, &good);
	b.t[1].base = 3 * GiB;
	b.t[1].size = 5 * GiB;
	expect_check_fails(&b, &info16, -EINVAL, "window at 0xc0000000 holds no memory");
	bad_reset(&b, &good);
	info.max_tdmrs = 1;
	expect_check_fails(&b, &info, -ENOSPC, "max_tdmrs 1");
	info = info16;
	bad_reset(&b, &good);
	b.l.max = 1;
	expect_check_fails(&b, &info16, -EINVAL, "room for 1");

	/* Memory not covered: drop TDMR1. */
	bad_reset(&b, &good);
	b.l.nr = 1;
	b.l.pamt_pages = 0x805;
	b.t[0].reserved_areas[0].size -= 0x1009 * TDX_PAGE_SIZE;	/* TDMR1's PAMT is gone */
	expect_check_fails(&b, &info16, -EINVAL, "region 1 is not covered");

	/* Reserved areas. */
	bad_reset(&b, &good);
	tmp.reserved_areas[0] = b.t[0].reserved_areas[0];
	b.t[0].reserved_areas[0] = b.t[0].reserved_areas[1];
	b.t[0].reserved_areas[1] = tmp.reserved_areas[0];
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: reserved area 1 at +0x1000000 is not sorted");
	bad_reset(&b, &good);
	b.t[0].reserved_areas[0].size = 0x7F800000 - 0x1000000 + 4 * KiB;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: reserved area 1 at +0x7f800000 overlaps");
	bad_reset(&b, &good);
	b.t[1].reserved_areas[0] = (struct tdmr_reserved_area){ 0xF8000000, 0x4000000 };
	b.t[1].reserved_areas[1] = (struct tdmr_reserved_area){ 0xFC000000, 0x4000000 };
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: reserved area 1 at +0xfc000000 is adjacent");
	bad_reset(&b, &good);
	b.t[0].reserved_areas[1].offset += 0x800;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: reserved area 1 [+0x7f800800");
	bad_reset(&b, &good);
	b.t[1].reserved_areas[0].size += 4 * KiB;
	expect_check_fails(&b, &info16, -EINVAL, "ends outside the TDMR");
	bad_reset(&b, &good);
	b.t[1].reserved_areas[2] = (struct tdmr_reserved_area){ 0, 4 * KiB };
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: reserved area 2 follows an unused");
	bad_reset(&b, &good);
	b.t[1].reserved_areas[3].offset = 0x1000;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: unused reserved area 3 has offset");
	bad_reset(&b, &good);
	info.max_reserved_per_tdmr = 1;
	expect_check_fails(&b, &info, -E2BIG, "TDMR 0 has 2 reserved areas");
	info = info16;
	bad_reset(&b, &good);
	memset(&b.t[1].reserved_areas[0], 0, sizeof(b.t[1].reserved_areas[0]));
	expect_check_fails(&b, &info16, -EINVAL,
			   "TDMR 1: [0x1f8000000, 0x200000000) is not memory yet not in a reserved area");
	bad_reset(&b, &good);
	b.t[0].reserved_areas[0] = b.t[0].reserved_areas[1];
	memset(&b.t[0].reserved_areas[1], 0, sizeof(b.t[0].reserved_areas[1]));
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: the PAMT of TDMR 0 at [0x1000000");
	bad_reset(&b, &good);
	b.t[1].reserved_areas[1] = b.t[1].reserved_areas[0];
	b.t[1].reserved_areas[0] = (struct tdmr_reserved_area){ 0, 4 * KiB };
	expect_check_fails(&b, &info16, -EINVAL,
			   "TDMR 1: reserved area 0 hides TDX memory at 0x100000000");

	/* PAMTs: too small, split, overlapping, outside memory, page count. */
	bad_reset(&b, &good);
	b.t[0].pamt_1g_size = 0;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: PAMT 1G size 0 is too small, 0x1000 needed");
	bad_reset(&b, &good);
	b.t[1].pamt_4k_size -= 4 * KiB;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: PAMT 4K size 0xfff000 is too small");
	bad_reset(&b, &good);
	b.t[0].pamt_2m_base += 0x800;
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 0: PAMT 2M");
	bad_reset(&b, &good);
	b.t[0].pamt_1g_base += 4 * KiB;
	expect_check_fails(&b, &info16, -EINVAL, "not one contiguous block");
	bad_reset(&b, &good);
	shift_pamt(&b.t[1], -(int64_t)(4 * KiB));
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: PAMT [0x1804000, 0x280d000) overlaps the PAMT of TDMR 0");
	bad_reset(&b, &good);
	shift_pamt(&b.t[1], 3 * GiB - 0x1805000);
	expect_check_fails(&b, &info16, -EINVAL, "TDMR 1: PAMT [0xc0000000, 0xc1009000) is outside");
	bad_reset(&b, &good);
	b.l.pamt_pages++;
	expect_check_fails(&b, &info16, -EINVAL, "PAMTs hold 6158 pages but the list says 6159");

	/* Empty list. */
	bad_reset(&b, &good);
	b.l.nr = 0;
	expect_check_fails(&b, &info16, -EINVAL, "empty");

	free_ok(&good, &f);
}

/* ---- Randomized ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64*: the same sequence for a seed on every host. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* End of a PAMT level (of any TDMR) holding @p, or 0. */
static uint64_t any_pamt_end(const struct tdmr_list *l, uint64_t p)
{
	for (unsigned int j = 0; j < l->nr; j++) {
		const struct tdmr_info *t = &l->tdmrs[j];
		uint64_t b[3] = { t->pamt_4k_base, t->pamt_2m_base, t->pamt_1g_base };
		uint64_t s[3] = { t->pamt_4k_size, t->pamt_2m_size, t->pamt_1g_size };

		for (unsigned int k = 0; k < 3; k++) {
			if (b[k] <= p && p < b[k] + s[k])
				return b[k] + s[k];
		}
	}
	return 0;
}

/*
 * Every byte of every region lies in exactly one TDMR and, where a
 * reserved area covers it, inside a PAMT; PAMT sizes follow the formula.
 */
static void verify_layout(const struct tdmr_list *l, const struct cmr_info *mem, unsigned int nr)
{
	for (unsigned int j = 0; j < l->nr; j++) {
		const struct tdmr_info *t = &l->tdmrs[j];
		uint64_t n4k = t->size / (4 * KiB), n2m = t->size / (2 * MiB), n1g = t->size / GiB;

		assert_int_equal(t->base % GiB, 0);
		assert_int_equal(t->size % GiB, 0);
		if (j)
			assert_true(t->base >= l->tdmrs[j - 1].base + l->tdmrs[j - 1].size);
		assert_int_equal(t->pamt_4k_size, (n4k * 16 + 4095) / 4096 * 4096);
		assert_int_equal(t->pamt_2m_size, (n2m * 16 + 4095) / 4096 * 4096);
		assert_int_equal(t->pamt_1g_size, (n1g * 16 + 4095) / 4096 * 4096);
	}
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t rs = mem[i].base, re = mem[i].base + mem[i].size, covered = 0;

		for (unsigned int j = 0; j < l->nr; j++) {
			const struct tdmr_info *t = &l->tdmrs[j];
			uint64_t s = rs > t->base ? rs : t->base;
			uint64_t e = re < t->base + t->size ? re : t->base + t->size;

			if (s >= e)
				continue;
			covered += e - s;
			for (unsigned int k = 0; k < TDX_MAX_RESERVED_PER_TDMR; k++) {
				uint64_t as = t->base + t->reserved_areas[k].offset;
				uint64_t ae = as + t->reserved_areas[k].size;
				uint64_t p = as > s ? as : s, pe = ae < e ? ae : e;

				while (p < pe) {
					uint64_t next = any_pamt_end(l, p);

					if (!next)
						fail_msg("memory %#llx of region %u is reserved in TDMR %u but holds no PAMT",
							 (unsigned long long)p, i, j);
					p = next;
				}
			}
		}
		if (covered != mem[i].size)
			fail_msg("region %u [%#llx, %#llx): %#llx bytes in TDMRs", i,
				 (unsigned long long)rs, (unsigned long long)re,
				 (unsigned long long)covered);
	}
}

#define RANDOM_ROUNDS	400
#define RANDOM_MAX_MEM	24

static void test_tdmr_random_layouts_pass_check(void **state)
{
	const char *env = getenv("TDMR_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned int ok = 0, e2big = 0, enospc = 0, enomem = 0;

	(void)state;
	printf("test_tdmr_random: seed %#llx (TDMR_SEED=%#llx replays it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	rng_state = seed ? seed : 1;

	for (unsigned int round = 0; round < RANDOM_ROUNDS; round++) {
		uint64_t pt[2 * RANDOM_MAX_MEM];
		struct cmr_info mem[RANDOM_MAX_MEM];
		struct tdx_sys_info_tdmr info = info16;
		struct fake_alloc f = { 0 };
		struct tdmr_pamt_alloc ops = fake_ops(&f);
		struct emu_error err = { 0 };
		struct tdmr_list l;
		unsigned int n = 1 + (unsigned int)rng_below(RANDOM_MAX_MEM), nr_live = 0;
		/* Mostly spread over 64 GiB; one round in four packed into 4 GiB. */
		uint64_t span = rng_below(4) ? 64 * GiB : 4 * GiB;
		uint64_t origin = span == 64 * GiB ? 0 : rng_below(60) * GiB;
		int ret;

		for (unsigned int k = 0; k < 2 * n; k++)
			pt[k] = origin + rng_below(span / TDX_PAGE_SIZE) * TDX_PAGE_SIZE;
		qsort(pt, 2 * n, sizeof(pt[0]), cmp_u64);
		for (unsigned int k = 1; k < n; k++) {
			if (!rng_below(8))
				pt[2 * k] = pt[2 * k - 1];	/* touches the previous region */
		}
		for (unsigned int k = 0; k < n; k++) {
			/* Equal points give a size-0 entry, which the builder skips. */
			mem[k] = (struct cmr_info){ pt[2 * k], pt[2 * k + 1] - pt[2 * k] };
			if (mem[k].size) {
				fake_add_range(&f, mem[k].base, mem[k].base + mem[k].size);
				nr_live++;
			}
		}
		if (!rng_below(8))
			info.max_tdmrs = (uint16_t)(1 + rng_below(4));
		if (!rng_below(8))
			info.max_reserved_per_tdmr = (uint16_t)(2 + rng_below(14));

		ret = tdmrs_build(mem, n, &info, &ops, &l, &err);
		if (!nr_live) {
			assert_int_equal(ret, -EINVAL);
			continue;
		}
		switch (ret) {
		case 0:
			ok++;
			if (tdmrs_check(&l, mem, n, &info, &err))
				fail_msg("round %u: tdmrs_check: %s", round, err.msg);
			assert_true(l.nr <= info.max_tdmrs);
			assert_int_equal(f.outstanding, l.nr);
			verify_layout(&l, mem, n);
			tdmrs_free(&l, &ops);
			break;
		case -E2BIG:
			/* Holes (<= regions + 1) plus PAMTs (<= TDMRs) exceed the limit. */
			e2big++;
			assert_true(2 * nr_live + 1 > info.max_reserved_per_tdmr ||
				    info.max_reserved_per_tdmr < 16);
			break;
		case -ENOSPC:
			/* Each region opens at most one TDMR. */
			enospc++;
			assert_true(nr_live > info.max_tdmrs);
			break;
		case -ENOMEM:
			enomem++;
			break;
		default:
			fail_msg("round %u: unexpected %d: %s", round, ret, err.msg);
		}
		expect_zeroed(&l);
		assert_int_equal(f.outstanding, 0);
		assert_int_equal(f.bad_frees, 0);
	}
	printf("test_tdmr_random: %u built and checked, %u E2BIG, %u ENOSPC, %u ENOMEM\n",
	       ok, e2big, enospc, enomem);
	assert_true(ok >= RANDOM_ROUNDS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdmr_pamt_size_is_exact_per_page_size),
		cmocka_unit_test(test_tdmr_default_map_gives_two_tdmrs),
		cmocka_unit_test(test_tdmr_pamt_in_high_memory_is_reserved_in_that_tdmr),
		cmocka_unit_test(test_tdmr_region_not_1g_aligned_is_rounded_out),
		cmocka_unit_test(test_tdmr_region_past_a_tdmr_end_continues_in_a_new_tdmr),
		cmocka_unit_test(test_tdmr_touching_regions_need_no_hole),
		cmocka_unit_test(test_tdmr_regions_in_one_gib_share_a_tdmr),
		cmocka_unit_test(test_tdmr_too_many_reserved_areas_is_e2big),
		cmocka_unit_test(test_tdmr_more_tdmrs_than_max_tdmrs_is_enospc),
		cmocka_unit_test(test_tdmr_allocator_failure_is_enomem_without_leak),
		cmocka_unit_test(test_tdmr_allocator_out_of_space_is_enomem),
		cmocka_unit_test(test_tdmr_pamt_outside_memory_is_einval),
		cmocka_unit_test(test_tdmr_bad_input_is_einval),
		cmocka_unit_test(test_tdmr_pamt_uses_each_level_entry_size),
		cmocka_unit_test(test_tdmr_free_of_zeroed_list_is_harmless),
		cmocka_unit_test(test_tdmr_check_rejects_bad_lists),
		cmocka_unit_test(test_tdmr_random_layouts_pass_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

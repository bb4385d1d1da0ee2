/*
 * Unit tests for seam/loader/src/pt.c: the builder of the module's
 * 4-level page tables.  Tables are committed into DRAM with the SEAM view
 * and then walked from the root the way the CPU would, reading DRAM
 * through the SEAM view.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_platform.h"
#include "pt.h"

#define PAGE		TDX_PAGE_SIZE
#define POOL_PA		0x10000000ULL
#define NOT_PRESENT	(~0ULL)

struct mapping {
	uint64_t la;
	uint64_t pa;
	uint64_t npages;
	uint64_t flags;
};

static const struct mapping maps[] = {
	/* Kernel half, PML4 slot 256: three pages at the start of a PT. */
	{ 0xFFFF800000000000ULL, 0x20000000ULL, 3, PTE_P | PTE_RW },
	/* Two pages straddling a 2 MiB boundary (two leaf tables). */
	{ 0xFFFF8000001FF000ULL, 0x20100000ULL, 2, PTE_P | PTE_NX },
	/* Another 1 GiB slot of the same PDPT. */
	{ 0xFFFF800100003000ULL, 0x30000000ULL, 1, PTE_P | PTE_NX },
	/* Low half, PML4 slot 0; the PA carries KeyID bits up to bit 51, kept. */
	{ 0x0000000100000000ULL, 0x40000000ULL | (0x9ULL << 48) | (5ULL << 40), 1, PTE_P },
	/* The very top page of the address space, PML4 slot 511. */
	{ 0xFFFFFFFFFFFFF000ULL, 0x50000000ULL, 1, PTE_P | PTE_RW },
};
/* 1 PML4 + 3 PDPTs (slots 0, 256, 511) + 4 PDs + 5 PTs. */
#define MAPS_TABLES 13

/* ---- a walker over DRAM, run in SEAM mode ---- */

struct walk {
	uint64_t root;
	uint64_t la;
	int err;
	uint64_t pte;		/* the leaf entry, or NOT_PRESENT */
	uint64_t leaf_table;	/* PA of the PT, or NOT_PRESENT */
	uint64_t upper[3];	/* PML4E, PDPTE, PDE on the way */
};

static uint64_t read_entry(struct plat_lp *lp, uint64_t table, unsigned int index, int *err)
{
	uint64_t e = 0;
	int ret = pmem_seam_read(lp, table + index * 8ULL, &e, sizeof(e));

	if (ret)
		*err = ret;
	return e;
}

static int walk_fn(struct plat_lp *lp, void *arg)
{
	struct walk *w = arg;
	uint64_t table = w->root;

	w->pte = NOT_PRESENT;
	w->leaf_table = NOT_PRESENT;
	for (unsigned int level = 4; level > 1; level--) {
		unsigned int idx = (unsigned int)((w->la >> (12 + 9 * (level - 1))) & 511);
		uint64_t e = read_entry(lp, table, idx, &w->err);

		w->upper[4 - level] = e;
		if (w->err || !(e & PTE_P))
			return 0;
		table = e & PTE_ADDR_MASK;
	}
	w->leaf_table = table;
	w->pte = read_entry(lp, table, (unsigned int)((w->la >> 12) & 511), &w->err);
	if (!(w->pte & PTE_P))
		w->pte = NOT_PRESENT;
	return 0;
}

static struct walk walk(struct platform *plat, uint64_t root, uint64_t la)
{
	struct walk w = { .root = root, .la = la };

	assert_int_equal(fake_in_seam(plat, 0, walk_fn, &w), 0);
	assert_int_equal(w.err, 0);
	return w;
}

struct commit_call {
	struct pt_builder *b;
};

static int commit_fn(struct plat_lp *lp, void *arg)
{
	struct commit_call *c = arg;

	return pt_commit(c->b, lp);
}

static void commit(struct platform *plat, struct pt_builder *b)
{
	struct commit_call c = { b };

	assert_int_equal(fake_in_seam(plat, 0, commit_fn, &c), 0);
}

/* Fill the pool with ones first, so nothing reads as "not present" by luck. */
static void dirty_pool(struct platform *plat, uint64_t pages)
{
	uint8_t *ones = malloc(pages * PAGE);

	assert_non_null(ones);
	memset(ones, 0xFF, pages * PAGE);
	assert_int_equal(pmem_host_write(plat, POOL_PA, ones, pages * PAGE), 0);
	free(ones);
}

static void build_maps(struct pt_builder *b)
{
	pt_init(b, POOL_PA);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(maps); i++)
		pt_map(b, maps[i].la, maps[i].pa, maps[i].npages, maps[i].flags);
	assert_false(b->failed);
}

/* ---- tests ---- */

static void test_pt_map_commit_translates(void **state)
{
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;
	uint64_t root;

	(void)state;
	assert_non_null(plat);
	dirty_pool(plat, 32);
	build_maps(&b);
	assert_int_equal(pt_nr_pages(&b), MAPS_TABLES);
	root = pt_root_pa(&b);
	assert_true(root >= POOL_PA && root < POOL_PA + MAPS_TABLES * PAGE);
	assert_true(TDX_IS_ALIGNED(root, PAGE));
	commit(plat, &b);

	for (size_t i = 0; i < TDX_ARRAY_SIZE(maps); i++) {
		for (uint64_t p = 0; p < maps[i].npages; p++) {
			struct walk w = walk(plat, root, maps[i].la + p * PAGE);

			if (w.pte == NOT_PRESENT)
				fail_msg("la 0x%llx not mapped",
					 (unsigned long long)(maps[i].la + p * PAGE));
			assert_int_equal(w.pte & PTE_ADDR_MASK, maps[i].pa + p * PAGE);
			assert_int_equal(w.pte & ~PTE_ADDR_MASK, maps[i].flags);
			/* Non-leaf entries: present, writable, inside the pool. */
			for (unsigned int l = 0; l < 3; l++) {
				assert_int_equal(w.upper[l] & ~PTE_ADDR_MASK, PTE_P | PTE_RW);
				assert_true((w.upper[l] & PTE_ADDR_MASK) >= POOL_PA &&
					    (w.upper[l] & PTE_ADDR_MASK) <
						    POOL_PA + MAPS_TABLES * PAGE);
			}
			assert_int_equal(w.leaf_table, pt_leaf_table_pa(&b, maps[i].la + p * PAGE));
		}
	}
	/* The two halves of the straddling mapping use different leaf tables. */
	assert_int_not_equal(pt_leaf_table_pa(&b, 0xFFFF8000001FF000ULL),
			     pt_leaf_table_pa(&b, 0xFFFF800000200000ULL));
	assert_int_equal(pt_nr_pages(&b), MAPS_TABLES);
	pt_fini(&b);
	platform_destroy(plat);
}

static void test_pt_unmapped_not_present(void **state)
{
	static const uint64_t holes[] = {
		0xFFFF800000003000ULL,	/* right after the first mapping, same PT */
		0xFFFF800000400000ULL,	/* a PD slot with no table */
		0xFFFF800100002000ULL,	/* the page before the third mapping */
		0xFFFF800200000000ULL,	/* a PDPT slot with no PD */
		0x0000000000000000ULL,	/* PML4 slot 0, another PDPT slot */
		0xFFFF808000000000ULL,	/* PML4 slot 257: no PDPT */
		0x00007FFFFFFFF000ULL,	/* top of the low half */
	};
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;

	(void)state;
	assert_non_null(plat);
	dirty_pool(plat, 32);
	build_maps(&b);
	commit(plat, &b);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(holes); i++) {
		struct walk w = walk(plat, pt_root_pa(&b), holes[i]);

		if (w.pte != NOT_PRESENT)
			fail_msg("la 0x%llx maps to 0x%llx", (unsigned long long)holes[i],
				 (unsigned long long)w.pte);
	}
	pt_fini(&b);
	platform_destroy(plat);
}

static void test_pt_ensure_creates_empty_leaf_tables(void **state)
{
	/* 514 pages from the last slot of a PT: three leaf tables. */
	const uint64_t la = 0xFFFF800200000000ULL + 511 * PAGE;
	const uint64_t npages = 514;
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;
	uint64_t pt0, pt1, pt2;

	(void)state;
	assert_non_null(plat);
	dirty_pool(plat, 16);
	pt_init(&b, POOL_PA);
	pt_ensure(&b, la, npages);
	/* PML4, PDPT, PD and three PTs. */
	assert_int_equal(pt_nr_pages(&b), 6);
	pt0 = pt_leaf_table_pa(&b, la);
	pt1 = pt_leaf_table_pa(&b, la + PAGE);
	pt2 = pt_leaf_table_pa(&b, la + (npages - 1) * PAGE);
	assert_int_not_equal(pt0, pt1);
	assert_int_not_equal(pt1, pt2);
	assert_int_not_equal(pt0, pt2);
	/* Every page of the range is covered by one of the three. */
	for (uint64_t p = 0; p < npages; p++) {
		uint64_t t = pt_leaf_table_pa(&b, la + p * PAGE);

		assert_true(t == pt0 || t == pt1 || t == pt2);
	}
	/* Looking tables up made none. */
	assert_int_equal(pt_nr_pages(&b), 6);
	commit(plat, &b);

	for (uint64_t p = 0; p < npages; p += 73) {
		struct walk w = walk(plat, pt_root_pa(&b), la + p * PAGE);

		/* The leaf table exists and is the one the builder reports... */
		assert_int_equal(w.leaf_table, pt_leaf_table_pa(&b, la + p * PAGE));
		/* ...but holds no entries. */
		assert_int_equal(w.pte, NOT_PRESENT);
	}
	pt_fini(&b);
	platform_destroy(plat);
}

/* Mapping into an ensured range fills a leaf; no table is added. */
static void test_pt_map_after_ensure_reuses_tables(void **state)
{
	const uint64_t la = 0xFFFF800200000000ULL;
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;
	struct walk w;

	(void)state;
	assert_non_null(plat);
	dirty_pool(plat, 16);
	pt_init(&b, POOL_PA);
	pt_ensure(&b, la, 1024);
	assert_int_equal(pt_nr_pages(&b), 5);
	pt_map(&b, la + 700 * PAGE, 0x60000000ULL, 1, PTE_P | PTE_RW);
	assert_int_equal(pt_nr_pages(&b), 5);
	commit(plat, &b);
	w = walk(plat, pt_root_pa(&b), la + 700 * PAGE);
	assert_int_equal(w.pte, 0x60000000ULL | PTE_P | PTE_RW);
	assert_int_equal(walk(plat, pt_root_pa(&b), la + 699 * PAGE).pte, NOT_PRESENT);
	pt_fini(&b);
	platform_destroy(plat);
}

/* PA bits outside 51:12 never reach the entry (bit 63 is NX, not address). */
static void test_pt_map_pa_masked_to_address_bits(void **state)
{
	const uint64_t la = 0xFFFF800300000000ULL;
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;

	(void)state;
	assert_non_null(plat);
	pt_init(&b, POOL_PA);
	pt_map(&b, la, 0x8000000045000FFFULL, 1, PTE_P);
	commit(plat, &b);
	assert_int_equal(walk(plat, pt_root_pa(&b), la).pte, 0x45000000ULL | PTE_P);
	pt_fini(&b);
	platform_destroy(plat);
}

static void test_pt_ensure_zero_pages_no_tables(void **state)
{
	struct pt_builder b;

	(void)state;
	pt_init(&b, POOL_PA);
	pt_ensure(&b, 0xFFFF800200000000ULL, 0);
	assert_int_equal(pt_nr_pages(&b), 0);
	pt_fini(&b);
}

/* Remapping a page replaces the leaf entry. */
static void test_pt_map_twice_last_wins(void **state)
{
	const uint64_t la = 0xFFFF800300000000ULL;
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;

	(void)state;
	assert_non_null(plat);
	pt_init(&b, POOL_PA);
	pt_map(&b, la, 0x70000000ULL, 1, PTE_P);
	pt_map(&b, la, 0x71000000ULL, 1, PTE_P | PTE_RW | PTE_NX);
	assert_int_equal(pt_nr_pages(&b), 4);
	commit(plat, &b);
	assert_int_equal(walk(plat, pt_root_pa(&b), la).pte,
			 0x71000000ULL | PTE_P | PTE_RW | PTE_NX);
	pt_fini(&b);
	platform_destroy(plat);
}

struct normal_commit {
	struct pt_builder *b;
	int ret;
};

static void normal_commit_fn(struct plat_lp *lp, void *arg)
{
	struct normal_commit *c = arg;

	c->ret = pt_commit(c->b, lp);
}

/* pt_commit writes with the SEAM view: an LP outside SEAM cannot. */
static void test_pt_commit_outside_seam_eperm(void **state)
{
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;
	struct normal_commit c = { &b, 0 };

	(void)state;
	assert_non_null(plat);
	build_maps(&b);
	assert_int_equal(platform_lp_call(plat, 0, normal_commit_fn, &c), 0);
	assert_int_equal(c.ret, -EPERM);
	pt_fini(&b);
	platform_destroy(plat);
}

/* A builder that ran out of memory writes nothing. */
static void test_pt_commit_failed_builder_enomem(void **state)
{
	struct platform *plat = fake_platform_create(NULL);
	struct pt_builder b;
	struct commit_call c = { &b };
	uint8_t page[64];

	(void)state;
	assert_non_null(plat);
	dirty_pool(plat, 16);
	build_maps(&b);
	b.failed = true;
	assert_int_equal(fake_in_seam(plat, 0, commit_fn, &c), -ENOMEM);
	assert_int_equal(pmem_host_read(plat, POOL_PA, page, sizeof(page)), 0);
	for (size_t i = 0; i < sizeof(page); i++)
		assert_int_equal(page[i], 0xFF);
	pt_fini(&b);
	platform_destroy(plat);
}

/* The table pages occupy [pool, pool + nr_pages pages), one page each. */
static void test_pt_tables_packed_in_pool(void **state)
{
	struct pt_builder b;
	uint64_t seen[MAPS_TABLES];
	unsigned int n = 0;

	(void)state;
	build_maps(&b);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(maps); i++) {
		for (uint64_t p = 0; p < maps[i].npages; p++) {
			uint64_t t = pt_leaf_table_pa(&b, maps[i].la + p * PAGE);
			bool dup = false;

			assert_true(t >= POOL_PA && t < POOL_PA + MAPS_TABLES * PAGE);
			assert_true(TDX_IS_ALIGNED(t, PAGE));
			for (unsigned int k = 0; k < n; k++)
				dup |= seen[k] == t;
			if (!dup)
				seen[n++] = t;
		}
	}
	assert_int_equal(n, 5);		/* five distinct leaf tables */
	assert_int_not_equal(pt_root_pa(&b), seen[0]);
	pt_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pt_map_commit_translates),
		cmocka_unit_test(test_pt_unmapped_not_present),
		cmocka_unit_test(test_pt_ensure_creates_empty_leaf_tables),
		cmocka_unit_test(test_pt_map_after_ensure_reuses_tables),
		cmocka_unit_test(test_pt_map_pa_masked_to_address_bits),
		cmocka_unit_test(test_pt_ensure_zero_pages_no_tables),
		cmocka_unit_test(test_pt_map_twice_last_wins),
		cmocka_unit_test(test_pt_commit_outside_seam_eperm),
		cmocka_unit_test(test_pt_commit_failed_builder_enomem),
		cmocka_unit_test(test_pt_tables_packed_in_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

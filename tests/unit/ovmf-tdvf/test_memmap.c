/*
 * ovmf-tdvf/src/memmap.c on the host: RAM ranges are added sorted and
 * merged, retyping splits entries at the right addresses, overlapping or
 * empty additions are refused, and coverage queries see across merged
 * entries but not across holes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "memmap.h"

static void expect_entry(const struct memmap *m, unsigned int i, uint64_t base, uint64_t len,
			 uint32_t type)
{
	assert_true(i < m->n);
	assert_int_equal(m->e[i].base, base);
	assert_int_equal(m->e[i].length, len);
	assert_int_equal(m->e[i].type, type);
}

static void test_add_sorted_and_merged(void **state)
{
	struct memmap m = { 0 };

	(void)state;
	assert_int_equal(memmap_add(&m, 0x900000, 0x100000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_add(&m, 0, 0x800000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_add(&m, 0x800000, 0x100000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(m.n, 1);
	expect_entry(&m, 0, 0, 0xA00000, TDVF_MEM_ACCEPTED);
	assert_int_equal(memmap_add(&m, 0xA00000, 0x100000, TDVF_MEM_UNACCEPTED), 0);
	assert_int_equal(m.n, 2);
	/* Overlap and empty ranges are refused and change nothing. */
	assert_int_equal(memmap_add(&m, 0x9FF000, 0x2000, TDVF_MEM_ACCEPTED), -1);
	assert_int_equal(memmap_add(&m, 0x2000000, 0, TDVF_MEM_ACCEPTED), -1);
	assert_int_equal(memmap_add(&m, UINT64_MAX, 2, TDVF_MEM_ACCEPTED), -1);
	assert_int_equal(m.n, 2);
}

static void test_set_splits(void **state)
{
	struct memmap m = { 0 };

	(void)state;
	assert_int_equal(memmap_add(&m, 0, 0x10000000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_add(&m, 0x10000000, 0x10000000, TDVF_MEM_UNACCEPTED), 0);
	assert_int_equal(memmap_set(&m, 0x800000, 0x100000, TDVF_MEM_FIRMWARE), 0);
	assert_int_equal(memmap_set(&m, 0x1000000, 0xA000, TDVF_MEM_PAYLOAD), 0);
	assert_int_equal(m.n, 6);
	expect_entry(&m, 0, 0, 0x800000, TDVF_MEM_ACCEPTED);
	expect_entry(&m, 1, 0x800000, 0x100000, TDVF_MEM_FIRMWARE);
	expect_entry(&m, 2, 0x900000, 0x700000, TDVF_MEM_ACCEPTED);
	expect_entry(&m, 3, 0x1000000, 0xA000, TDVF_MEM_PAYLOAD);
	expect_entry(&m, 4, 0x100A000, 0x10000000 - 0x100A000, TDVF_MEM_ACCEPTED);
	expect_entry(&m, 5, 0x10000000, 0x10000000, TDVF_MEM_UNACCEPTED);
	assert_int_equal(memmap_total(&m, TDVF_MEM_FIRMWARE), 0x100000);
	assert_int_equal(memmap_total(&m, TDVF_MEM_ACCEPTED), 0x10000000 - 0x10A000);

	/* Retyping across two entries; setting back merges again. */
	assert_int_equal(memmap_set(&m, 0xFFFF000, 0x2000, TDVF_MEM_FIRMWARE), 0);
	expect_entry(&m, 5, 0xFFFF000, 0x2000, TDVF_MEM_FIRMWARE);
	expect_entry(&m, 6, 0x10001000, 0xFFFF000, TDVF_MEM_UNACCEPTED);
	assert_int_equal(memmap_set(&m, 0, 0x10000000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_set(&m, 0x10000000, 0x1000, TDVF_MEM_UNACCEPTED), 0);
	assert_int_equal(m.n, 2);
	/* A range outside the map retypes nothing. */
	assert_int_equal(memmap_set(&m, 0x40000000, 0x1000, TDVF_MEM_FIRMWARE), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(memmap_set(&m, 0x1000, 0, TDVF_MEM_FIRMWARE), -1);
}

static void test_covered(void **state)
{
	struct memmap m = { 0 };

	(void)state;
	assert_int_equal(memmap_add(&m, 0, 0x800000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_add(&m, 0x900000, 0x100000, TDVF_MEM_ACCEPTED), 0);
	assert_true(memmap_covered(&m, 0x1000, 0x7FF000, TDVF_MEM_ACCEPTED));
	assert_false(memmap_covered(&m, 0x7FF000, 0x2000, TDVF_MEM_ACCEPTED));	/* hole */
	assert_false(memmap_covered(&m, 0x900000, 0x100000, TDVF_MEM_UNACCEPTED));
	assert_false(memmap_covered(&m, 0x9FF000, 0x2000, TDVF_MEM_ACCEPTED));	/* past the end */
	assert_int_equal(memmap_set(&m, 0x900000, 0x80000, TDVF_MEM_FIRMWARE), 0);
	assert_false(memmap_covered(&m, 0x900000, 0x100000, TDVF_MEM_ACCEPTED));
	assert_true(memmap_covered(&m, 0x980000, 0x80000, TDVF_MEM_ACCEPTED));
}

static void test_capacity(void **state)
{
	struct memmap m = { 0 };

	(void)state;
	for (unsigned int i = 0; i < TDVF_BOOT_INFO_MAX_MEMMAP; i++)
		assert_int_equal(memmap_add(&m, i * 0x2000ull, 0x1000, TDVF_MEM_ACCEPTED), 0);
	assert_int_equal(memmap_add(&m, 0x1000000, 0x1000, TDVF_MEM_ACCEPTED), -1);
	/* A split that would need a 65th entry is refused, map unchanged. */
	assert_int_equal(memmap_set(&m, 0x0, 0x0800, TDVF_MEM_FIRMWARE), -1);
	assert_int_equal(m.n, TDVF_BOOT_INFO_MAX_MEMMAP);
	assert_int_equal(m.e[0].type, TDVF_MEM_ACCEPTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sorted_and_merged),
		cmocka_unit_test(test_set_splits),
		cmocka_unit_test(test_covered),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

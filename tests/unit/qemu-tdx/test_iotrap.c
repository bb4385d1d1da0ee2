/* The PIO/MMIO registry (iotrap.c): registration rules, dispatch, unclaimed accesses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "iotrap.h"

struct rec {
	unsigned int calls;
	uint64_t offset;
	unsigned int len;
	bool write;
	uint8_t data[8];
};

static void handler(void *opaque, uint64_t offset, uint8_t *data, unsigned int len, bool is_write)
{
	struct rec *r = opaque;

	r->calls++;
	r->offset = offset;
	r->len = len;
	r->write = is_write;
	if (is_write)
		memcpy(r->data, data, len);
	else
		memset(data, 0x5A, len);
}

static void test_register(void **state)
{
	struct iotrap t;
	struct rec r = { 0 };

	(void)state;
	iotrap_init(&t);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x3F8, 8, handler, &r, "a"), 0);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x3FF, 1, handler, &r, "b"), -EEXIST);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x3F0, 9, handler, &r, "c"), -EEXIST);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x3F0, 8, handler, &r, "d"), 0);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x400, 0, handler, &r, "e"), -EINVAL);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0xFFFF, 2, handler, &r, "f"), -EINVAL);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x500, 1, NULL, &r, "g"), -EINVAL);
	assert_int_equal(iotrap_register(&t, IOTRAP_MMIO, UINT64_MAX - 1, 4, handler, &r, "h"), -EINVAL);
	assert_int_equal(iotrap_register(&t, (enum iotrap_space)7, 0, 4, handler, &r, "i"), -EINVAL);
	/* The same numbers in the other space do not overlap. */
	assert_int_equal(iotrap_register(&t, IOTRAP_MMIO, 0x3F8, 8, handler, &r, "j"), 0);
	assert_int_equal(t.nr, 3);
	for (unsigned int i = t.nr; i < IOTRAP_MAX; i++)
		assert_int_equal(iotrap_register(&t, IOTRAP_MMIO, 0x10000 + i * 16, 16, handler, &r, "k"), 0);
	assert_int_equal(iotrap_register(&t, IOTRAP_MMIO, 0x90000000, 16, handler, &r, "l"), -ENOSPC);
}

static void test_dispatch(void **state)
{
	struct iotrap t;
	struct rec a = { 0 }, b = { 0 }, c = { 0 };
	uint8_t d[8] = { 1, 2, 3, 4 };

	(void)state;
	iotrap_init(&t);
	/* Registered out of order: lookups must still find each. */
	assert_int_equal(iotrap_register(&t, IOTRAP_MMIO, 0xFEB00000, 0x200, handler, &c, "c"), 0);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x604, 2, handler, &b, "b"), 0);
	assert_int_equal(iotrap_register(&t, IOTRAP_PIO, 0x3F8, 8, handler, &a, "a"), 0);

	assert_true(iotrap_dispatch(&t, IOTRAP_PIO, 0x3FD, d, 1, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 5);
	assert_int_equal(d[0], 0x5A);
	assert_true(iotrap_dispatch(&t, IOTRAP_PIO, 0x604, d, 2, true));
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.offset, 0);
	assert_true(b.write);
	assert_true(iotrap_dispatch(&t, IOTRAP_MMIO, 0xFEB001FC, d, 4, false));
	assert_int_equal(c.offset, 0x1FC);

	/* An access running past a region's end is unclaimed: nobody is called. */
	memset(d, 0, sizeof(d));
	assert_false(iotrap_dispatch(&t, IOTRAP_PIO, 0x3FF, d, 2, false));
	assert_int_equal(a.calls, 1);
	assert_int_equal(d[0], 0xFF);	/* unassigned port: all ones */
	assert_int_equal(d[1], 0xFF);
	assert_false(iotrap_dispatch(&t, IOTRAP_MMIO, 0xFEB001FE, d, 4, false));
	assert_int_equal(c.calls, 1);
	assert_int_equal(d[0], 0);	/* unassigned MMIO: zeros */
	/* PIO 0x3F8 is not MMIO 0x3F8. */
	assert_false(iotrap_dispatch(&t, IOTRAP_MMIO, 0x3F8, d, 1, false));
	assert_false(iotrap_dispatch(&t, IOTRAP_PIO, 0x3F7, d, 1, true));
	assert_false(iotrap_dispatch(&t, IOTRAP_PIO, 0x80, d, 1, true));
	assert_false(iotrap_dispatch(&t, IOTRAP_MMIO, UINT64_MAX, d, 1, true));
	assert_false(iotrap_dispatch(&t, IOTRAP_PIO, 0x3F8, d, 0, false));
	assert_int_equal(a.calls + b.calls + c.calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests_name("qemu-tdx iotrap", tests, NULL, NULL);
}

/*
 * ovmf-tdvf/src/accept.c on the host, with a fake TDG.MEM.PAGE.ACCEPT
 * that records each call: 4 KiB head and tail, 2 MiB middle; the 512 x
 * 4 KiB fallback on TDX_PAGE_SIZE_MISMATCH; ALREADY_ACCEPTED as success;
 * any other status stops at the failing GPA; misaligned ranges refused
 * before any call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/tdx_status.h>

#include "accept.h"

#define MAX_CALLS	4096

struct fake {
	unsigned int n;
	uint64_t gpa[MAX_CALLS];
	unsigned int level[MAX_CALLS];
	/* what the fake returns: */
	uint64_t mismatch_2m_at;	/* a 2M accept here returns SIZE_MISMATCH */
	uint64_t already_at;		/* any accept here returns ALREADY_ACCEPTED */
	uint64_t fail_at;		/* any accept here returns OPERAND_INVALID */
};

static uint64_t fake_accept(uint64_t gpa, unsigned int level, void *ctx)
{
	struct fake *f = ctx;

	assert_true(f->n < MAX_CALLS);
	f->gpa[f->n] = gpa;
	f->level[f->n] = level;
	f->n++;
	if (gpa == f->fail_at)
		return TDX_OPERAND_INVALID | 0x12;
	if (level == 1 && gpa == f->mismatch_2m_at)
		return TDX_PAGE_SIZE_MISMATCH | 0x0;
	if (gpa == f->already_at)
		return TDX_PAGE_ALREADY_ACCEPTED | (level & 0x7);
	return TDX_SUCCESS;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->mismatch_2m_at = f->already_at = f->fail_at = UINT64_MAX;
}

static void test_split_head_middle_tail(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	/* 0x1FE000 .. 0x603000: two 4K, two 2M (0x200000, 0x400000), three 4K. */
	assert_int_equal(accept_range(0x1FE000, 0x603000 - 0x1FE000, fake_accept, &f, &st), 0);
	assert_int_equal(f.n, 7);
	assert_int_equal(f.gpa[0], 0x1FE000);
	assert_int_equal(f.level[0], 0);
	assert_int_equal(f.gpa[1], 0x1FF000);
	assert_int_equal(f.gpa[2], 0x200000);
	assert_int_equal(f.level[2], 1);
	assert_int_equal(f.gpa[3], 0x400000);
	assert_int_equal(f.level[3], 1);
	assert_int_equal(f.gpa[4], 0x600000);
	assert_int_equal(f.level[4], 0);
	assert_int_equal(f.gpa[6], 0x602000);
	assert_int_equal(st.pages_2m, 2);
	assert_int_equal(st.pages_4k, 5);
}

static void test_small_range_is_all_4k(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	/* 2M-aligned start but shorter than 2M: no 2M accept. */
	assert_int_equal(accept_range(0x200000, 0x3000, fake_accept, &f, &st), 0);
	assert_int_equal(f.n, 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(f.level[i], 0);
}

static void test_size_mismatch_falls_back(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	f.mismatch_2m_at = 0x200000;
	assert_int_equal(accept_range(0x200000, 0x400000, fake_accept, &f, &st), 0);
	/* 1 refused 2M + 512 x 4K, then the second 2M. */
	assert_int_equal(f.n, 1 + 512 + 1);
	assert_int_equal(f.level[1], 0);
	assert_int_equal(f.gpa[1], 0x200000);
	assert_int_equal(f.gpa[512], 0x3FF000);
	assert_int_equal(f.gpa[513], 0x400000);
	assert_int_equal(f.level[513], 1);
	assert_int_equal(st.fallbacks, 1);
	assert_int_equal(st.pages_4k, 512);
	assert_int_equal(st.pages_2m, 1);
}

static void test_already_accepted_is_success(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	f.already_at = 0x201000;
	assert_int_equal(accept_range(0x200000 + 0x1000, 0x2000, fake_accept, &f, &st), 0);
	assert_int_equal(st.already_accepted, 1);
	assert_int_equal(st.pages_4k, 1);
}

static void test_error_stops(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	f.fail_at = 0x402000;
	assert_int_equal(accept_range(0x400000 + 0x1000, 0x10000, fake_accept, &f, &st), -1);
	assert_int_equal(st.failed_gpa, 0x402000);
	assert_int_equal(st.failed_status, TDX_OPERAND_INVALID | 0x12);
	assert_int_equal(f.n, 2);	/* nothing after the failure */

	/* A failure inside the 4K fallback is reported at the 4K page. */
	fake_init(&f);
	memset(&st, 0, sizeof(st));
	f.mismatch_2m_at = 0x200000;
	f.fail_at = 0x205000;
	assert_int_equal(accept_range(0x200000, 0x200000, fake_accept, &f, &st), -1);
	assert_int_equal(st.failed_gpa, 0x205000);
}

static void test_misaligned_refused(void **state)
{
	struct fake f;
	struct accept_stats st = { 0 };

	(void)state;
	fake_init(&f);
	assert_int_equal(accept_range(0x1800, 0x1000, fake_accept, &f, &st), -1);
	assert_int_equal(accept_range(0x1000, 0x800, fake_accept, &f, &st), -1);
	assert_int_equal(accept_range(UINT64_MAX & ~0xFFFull, 0x2000, fake_accept, &f, &st), -1);
	assert_int_equal(f.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_head_middle_tail),
		cmocka_unit_test(test_small_range_is_all_4k),
		cmocka_unit_test(test_size_mismatch_falls_back),
		cmocka_unit_test(test_already_accepted_is_success),
		cmocka_unit_test(test_error_stops),
		cmocka_unit_test(test_misaligned_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The accept-range splitter (accept.h). */
#include "accept.h"

#include <tdx/tdx_status.h>

#define SZ_4K	0x1000ull
#define SZ_2M	0x200000ull

/* 0 = accepted now, 1 = was already accepted, 2 = size mismatch, -1 = error. */
static int classify(uint64_t st)
{
	if (st == TDX_SUCCESS)
		return 0;
	if (tdx_status_code_eq(st, TDX_PAGE_ALREADY_ACCEPTED))
		return 1;
	if (tdx_status_code_eq(st, TDX_PAGE_SIZE_MISMATCH))
		return 2;
	return -1;
}

static int accept_4k(uint64_t gpa, accept_fn fn, void *ctx, struct accept_stats *s)
{
	uint64_t st = fn(gpa, 0, ctx);

	switch (classify(st)) {
	case 0:
		s->pages_4k++;
		return 0;
	case 1:
		s->already_accepted++;
		return 0;
	default:
		s->failed_gpa = gpa;
		s->failed_status = st;
		return -1;
	}
}

static int accept_2m(uint64_t gpa, accept_fn fn, void *ctx, struct accept_stats *s)
{
	uint64_t st = fn(gpa, 1, ctx);

	switch (classify(st)) {
	case 0:
		s->pages_2m++;
		return 0;
	case 1:
		s->already_accepted++;
		return 0;
	case 2:
		s->fallbacks++;
		for (uint64_t a = gpa; a < gpa + SZ_2M; a += SZ_4K)
			if (accept_4k(a, fn, ctx, s))
				return -1;
		return 0;
	default:
		s->failed_gpa = gpa;
		s->failed_status = st;
		return -1;
	}
}

int accept_range(uint64_t base, uint64_t length, accept_fn fn, void *ctx,
		 struct accept_stats *stats)
{
	uint64_t end = base + length;
	uint64_t a = base;

	if ((base | length) & (SZ_4K - 1) || end < base) {
		stats->failed_gpa = base;
		stats->failed_status = TDX_OPERAND_INVALID;
		return -1;
	}
	while (a < end) {
		int rc;

		if (!(a & (SZ_2M - 1)) && end - a >= SZ_2M) {
			rc = accept_2m(a, fn, ctx, stats);
			a += SZ_2M;
		} else {
			rc = accept_4k(a, fn, ctx, stats);
			a += SZ_4K;
		}
		if (rc)
			return -1;
	}
	return 0;
}

/*
 * Accepting private memory: a range split into 4 KiB head, 2 MiB middle
 * and 4 KiB tail, TDG.MEM.PAGE.ACCEPT per piece, the 4 KiB fallback on
 * TDX_PAGE_SIZE_MISMATCH and TDX_PAGE_ALREADY_ACCEPTED taken as success
 * (reference host-stack.md 4.1).  The accept call is a parameter so the
 * unit tests drive the splitter without a TD.
 */
#ifndef TDVF_ACCEPT_H
#define TDVF_ACCEPT_H

#include <stdint.h>

typedef uint64_t (*accept_fn)(uint64_t gpa, unsigned int level, void *ctx);

struct accept_stats {
	uint64_t pages_2m;
	uint64_t pages_4k;
	uint64_t already_accepted;
	uint64_t fallbacks;	/* 2 MiB accepts redone as 512 x 4 KiB */
	uint64_t failed_gpa;	/* on failure */
	uint64_t failed_status;
};

/*
 * Accepts [base, base + length); both must be 4 KiB aligned.
 * Returns 0, or -1 with stats->failed_gpa/failed_status set.
 */
int accept_range(uint64_t base, uint64_t length, accept_fn fn, void *ctx,
		 struct accept_stats *stats);

#endif /* TDVF_ACCEPT_H */

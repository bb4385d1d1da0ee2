/*
 * The BIOS stage: untrusted firmware that programs SMRR, TME and KeyID
 * partitioning, SEAMRR and the CMRs on every LP before the OS runs, and
 * then locks what it programmed.  MCHECK checks its work afterwards.
 *
 * A test makes the BIOS lie with bios_options: a per-LP MSR value written
 * instead of the honest one, another CMR list, or a step left out.
 */
#ifndef TDX_BIOS_H
#define TDX_BIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

#define BIOS_ALL_LPS (~0U)

struct bios_lie {
	unsigned int lp;	/* LP index, or BIOS_ALL_LPS */
	uint32_t msr;
	uint64_t value;
};

struct bios_options {
	const struct bios_lie *lies;
	unsigned int nr_lies;
	const struct platform_range *cmr;	/* NULL: the platform's CMRs */
	unsigned int nr_cmrs;
	bool skip_tme;
	bool skip_seamrr;
};

/** bios_run() - program and lock every LP; @opt may be NULL (honest BIOS). */
int bios_run(struct platform *plat, const struct bios_options *opt,
	     struct emu_error *err);

#endif /* TDX_BIOS_H */

/*
 * The TD HOB qemu-tdx builds at the TD_HOB section (reference
 * host-stack.md 3.4 step 4, 4.6): PHIT, one resource descriptor per RAM
 * range (accepted = already added by the VMM, or unaccepted), END.
 */
#ifndef QEMU_TDX_TDVF_HOB_H
#define QEMU_TDX_TDVF_HOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdvf.h"

#define TDVF_HOB_MAX_RANGES	(2 * TDVF_MAX_SECTIONS + 4)

struct tdvf_ram_range {
	uint64_t base;
	uint64_t length;
	bool accepted;		/* added by the VMM (TD_HOB, TEMP_MEM): SYSTEM_MEMORY */
};

/**
 * tdvf_ram_ranges() - QEMU's RAM entry list: the guest RAM ranges @ram
 * (@nr_ram, sorted, disjoint), every page unaccepted except the TD_HOB
 * and TEMP_MEM sections of @d, which are split out as accepted; sorted
 * by address.  Every TD_HOB/TEMP_MEM section must lie inside RAM.  With
 * @all_accepted (a plain VM), everything is reported accepted.
 * Returns the number of ranges, or -1 with the reason in @err.
 */
int tdvf_ram_ranges(const struct tdvf_ram_range *ram, unsigned int nr_ram,
		    const struct tdvf_desc *d, bool all_accepted,
		    struct tdvf_ram_range *out, unsigned int cap, char *err, size_t errlen);

/**
 * tdvf_hob_build() - write the HOB list for the ranges @r into @buf
 * (@cap bytes, the TD_HOB section, at GPA @hob_gpa).  Returns the bytes
 * used, or -1 with the reason in @err when it does not fit.
 */
long tdvf_hob_build(void *buf, size_t cap, uint64_t hob_gpa, const struct tdvf_ram_range *r,
		    unsigned int n, char *err, size_t errlen);

#endif /* QEMU_TDX_TDVF_HOB_H */

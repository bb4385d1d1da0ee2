/*
 * The memory file behind the platform's DRAM, for the TD vCPU engine only
 * (seam/vcpu, which runs in SEAM and maps the pages the secure EPT maps
 * into a TD's guest-physical space).  Nothing on the host side may use
 * it: the host reaches memory only through pmem.h's host view.
 */
#ifndef TDX_DRAM_BACKING_H
#define TDX_DRAM_BACKING_H

#include <stdbool.h>
#include <stdint.h>

struct platform;

struct dram_backing {
	int fd;			/* offset in the file = physical address */
	uint8_t *base;		/* the platform's own mapping */
	uint64_t size;
};

/** platform_dram_backing() - the DRAM file (-ENODEV if it has none). */
int platform_dram_backing(struct platform *plat, struct dram_backing *out);

/**
 * platform_dram_line_poisoned() - does any line of [@pa, @pa + @len) fail
 * a TD's integrity check: poisoned, or no longer TD-owned (a host write)?
 */
bool platform_dram_line_poisoned(struct platform *plat, uint64_t pa, uint64_t len);

#endif /* TDX_DRAM_BACKING_H */

/*
 * The memory map handed to the payload (struct tdvf_memmap_entry in
 * include/tdx/tdvf.h): RAM ranges, then types painted over parts of them.
 * Pure code, unit-tested on the host.
 */
#ifndef TDVF_MEMMAP_H
#define TDVF_MEMMAP_H

#include <stdint.h>

#include <tdx/tdvf.h>

struct memmap {
	unsigned int n;
	struct tdvf_memmap_entry e[TDVF_BOOT_INFO_MAX_MEMMAP];
};

/* Adds a RAM range (must not overlap an existing one); keeps the map sorted. */
int memmap_add(struct memmap *m, uint64_t base, uint64_t length, uint32_t type);

/* Retypes the parts of [base, base + length) that are in the map. */
int memmap_set(struct memmap *m, uint64_t base, uint64_t length, uint32_t type);

/* Bytes of type in the map. */
uint64_t memmap_total(const struct memmap *m, uint32_t type);

/* 1 if [base, base + length) lies entirely in ranges of the given type. */
int memmap_covered(const struct memmap *m, uint64_t base, uint64_t length, uint32_t type);

#endif /* TDVF_MEMMAP_H */

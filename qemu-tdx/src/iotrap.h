/*
 * The per-VM registry of port I/O and MMIO handlers (kvmtool's mmio.c
 * model): disjoint intervals per address space, registered before the
 * vCPUs start, looked up from any vCPU thread without a lock.  GPAs are
 * without the TD's shared bit.
 */
#ifndef QEMU_TDX_IOTRAP_H
#define QEMU_TDX_IOTRAP_H

#include <stdbool.h>
#include <stdint.h>

#define IOTRAP_MAX	32

enum iotrap_space { IOTRAP_PIO, IOTRAP_MMIO };

/*
 * A handler: @offset from the region base, @len bytes of @data (little
 * endian; a read fills it).  Devices serialize themselves.
 */
typedef void (*iotrap_fn)(void *opaque, uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write);

struct iotrap_region {
	enum iotrap_space space;
	uint64_t base;
	uint64_t len;
	iotrap_fn fn;
	void *opaque;
	const char *name;
};

struct iotrap {
	unsigned int nr;
	struct iotrap_region r[IOTRAP_MAX];	/* sorted by (space, base) */
};

void iotrap_init(struct iotrap *t);

/**
 * iotrap_register() - claim [@base, +@len) in @space.  -EINVAL for an
 * empty, wrapping or out-of-space range (ports end at 0x10000), -EEXIST
 * when it overlaps a region, -ENOSPC when the table is full.
 */
int iotrap_register(struct iotrap *t, enum iotrap_space space, uint64_t base, uint64_t len,
		    iotrap_fn fn, void *opaque, const char *name);

/**
 * iotrap_dispatch() - run the handler owning [@addr, +@len).  An access no
 * region wholly contains is unclaimed, as on QEMU's unassigned bus: reads
 * return all ones for ports and zeros for MMIO, writes are dropped.
 * Returns true when a handler ran.
 */
bool iotrap_dispatch(const struct iotrap *t, enum iotrap_space space, uint64_t addr,
		     uint8_t *data, unsigned int len, bool is_write);

#endif /* QEMU_TDX_IOTRAP_H */

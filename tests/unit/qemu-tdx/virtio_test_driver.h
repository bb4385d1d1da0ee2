/*
 * Test side of the virtio tests: fake shared guest memory fenced by
 * PROT_NONE guard pages (so a device touching anything shared_ptr did not
 * return crashes the test), and a small split-ring driver that talks to a
 * virtio-mmio device through virtio_mmio_access() only.
 */
#ifndef TDX_TESTS_QEMU_TDX_VIRTIO_TEST_DRIVER_H
#define TDX_TESTS_QEMU_TDX_VIRTIO_TEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

/* Shared GPAs as the guest writes them: shared bit 47 (GPAW 48) included. */
#define FAKE_SHARED_BIT		(1ull << 47)
#define FAKE_BASE		(FAKE_SHARED_BIT | 0x10000000ull)
#define FAKE_SIZE		0x40000ull
/* Per-queue ring placement and the buffer area, as offsets from FAKE_BASE. */
#define FAKE_QUEUE_AREA(q)	(0x4000ull * (q))
#define FAKE_BUF_AREA		0x10000ull

struct fake_mem {
	uint8_t *map;			/* guard page, FAKE_SIZE bytes, guard page */
	uint8_t *buf;			/* the shared bytes */
	uint64_t revoked_lo, revoked_hi;	/* [lo, hi) converted back to private */
	unsigned lookups;
};

void fake_mem_init(struct fake_mem *m);
void fake_mem_fini(struct fake_mem *m);
struct qt_guest_mem fake_mem_accessor(struct fake_mem *m);
/** Host pointer of shared GPA @gpa (test-side access, no checks). */
void *fake_ptr(struct fake_mem *m, uint64_t gpa);
/** Make [@gpa, @gpa + @len) private: shared_ptr refuses it from now on. */
void fake_mem_revoke(struct fake_mem *m, uint64_t gpa, uint64_t len);

/** Log lines and interrupt level the device reported. */
struct host_record {
	char last_log[512];
	unsigned n_logs;
	bool irq;
	unsigned irq_edges;
};

struct virtio_mmio_host fake_host(struct fake_mem *m, struct host_record *r);

struct test_queue {
	uint16_t num;
	uint64_t desc, avail, used;	/* GPAs */
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t next_desc;		/* descriptors are handed out in order */
};

struct test_driver {
	struct virtio_mmio_dev *d;
	struct fake_mem *m;
	struct test_queue q[2];
};

uint32_t drv_read(struct test_driver *t, uint64_t off);
/** Register write; returns virtio_mmio_access()'s result. */
int drv_write(struct test_driver *t, uint64_t off, uint32_t v);

/** Place queue @q's rings in its area with @num entries and tell the device. */
int drv_setup_queue(struct test_driver *t, unsigned q, uint16_t num);

/** Status ACK|DRIVER, @features, FEATURES_OK, queues 0..@nq-1, DRIVER_OK. */
void drv_init(struct test_driver *t, struct virtio_mmio_dev *d, struct fake_mem *m,
	      uint64_t features, unsigned nq, uint16_t num);

/** Write descriptor @idx of queue @q. */
void drv_set_desc(struct test_driver *t, unsigned q, uint16_t idx, uint64_t addr,
		  uint32_t len, uint16_t flags, uint16_t next);
/** Make @head available (without notifying). */
void drv_make_avail(struct test_driver *t, unsigned q, uint16_t head);
/** A one-descriptor chain of buffer @gpa; returns its head. */
uint16_t drv_add_buf(struct test_driver *t, unsigned q, uint64_t gpa, uint32_t len,
		     bool device_writable);
int drv_notify(struct test_driver *t, unsigned q);
/** Next used element of queue @q; false if none. */
bool drv_get_used(struct test_driver *t, unsigned q, uint32_t *id, uint32_t *len);
void drv_set_avail_flags(struct test_driver *t, unsigned q, uint16_t flags);

#endif /* TDX_TESTS_QEMU_TDX_VIRTIO_TEST_DRIVER_H */

/*
 * Split virtqueues (VIRTIO 1.1 §2.6) as seen from the device, over guest
 * memory the device reaches only through struct qt_guest_mem.
 *
 * The guest owns the rings and may rewrite them at any time, from any
 * vCPU, so every value read from them is copied once into a local
 * variable and checked there before it is used, and every ring or buffer
 * address goes through qt_guest_mem_ptr() again at each access: the VMM
 * may discard shared backing when the guest converts a page back to
 * private, so no host pointer is kept across calls.  A malformed ring is
 * reported as -EIO with a message in @err; the transport then puts the
 * device into DEVICE_NEEDS_RESET.
 *
 * The used index is the device's own copy (@used_idx); it is written to
 * the guest and never read back.
 */
#ifndef TDX_QEMU_TDX_VIRTQUEUE_H
#define TDX_QEMU_TDX_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qt_guest_mem.h"

/* Descriptor flags (§2.6.5). */
#define VIRTQ_DESC_F_NEXT	1u
#define VIRTQ_DESC_F_WRITE	2u
#define VIRTQ_DESC_F_INDIRECT	4u
/* Driver area flags (§2.6.7). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* Largest queue size the split-ring format allows (§2.6). */
#define VIRTQ_MAX_SIZE		32768u

/* Guest-memory layouts, little-endian (x86 host and guest). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");

/** One guest buffer of a chain, already checked to lie in shared memory. */
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
	bool device_writable;
};

/**
 * A popped descriptor chain: @n_out device-readable segments first, then
 * @n_in device-writable ones, @seg sized by the queue's maximum size.
 */
struct virtq_elem {
	uint16_t head;
	unsigned n_out;
	unsigned n_in;
	uint64_t out_bytes;
	uint64_t in_bytes;
	struct virtq_seg *seg;
	unsigned seg_cap;
};

/** Device-side state of one split virtqueue. */
struct virtqueue {
	uint16_t num;		/* QueueNum, checked when the queue is made ready */
	bool ready;
	uint64_t desc_gpa;	/* Descriptor Area */
	uint64_t avail_gpa;	/* Driver Area */
	uint64_t used_gpa;	/* Device Area */
	uint16_t last_avail_idx;
	uint16_t used_idx;
};

/** virtqueue_reset() - back to the state after device reset. */
void virtqueue_reset(struct virtqueue *vq);

/**
 * virtqueue_check_setup() - the checks QueueReady=1 makes: a size that is
 * a power of two no larger than @num_max, aligned rings (§2.6), each ring
 * wholly in shared memory.
 * @return 0, or -EIO with the reason in @err.
 */
int virtqueue_check_setup(const struct virtqueue *vq, uint16_t num_max,
			  const struct qt_guest_mem *mem, char *err, size_t n);

/**
 * virtqueue_pop() - take the next available chain.
 * @indirect: VIRTIO_F_INDIRECT_DESC was negotiated.
 * @return 1 with @e filled, 0 if the driver has made nothing available,
 * -EIO for a malformed ring or chain (reason in @err; nothing consumed).
 */
int virtqueue_pop(struct virtqueue *vq, const struct qt_guest_mem *mem, bool indirect,
		  struct virtq_elem *e, char *err, size_t n);

/**
 * virtqueue_push() - return chain @head to the driver with @len bytes
 * written, publishing the used index after the element.
 * @return 0, or -EIO if the used ring is no longer shared memory.
 */
int virtqueue_push(struct virtqueue *vq, const struct qt_guest_mem *mem, uint16_t head,
		   uint32_t len, char *err, size_t n);

/**
 * virtqueue_should_interrupt() - false when the driver set
 * VIRTQ_AVAIL_F_NO_INTERRUPT (or the ring is unreadable).
 */
bool virtqueue_should_interrupt(const struct virtqueue *vq, const struct qt_guest_mem *mem);

/**
 * virtq_elem_read() - copy up to @len bytes of the readable segments,
 * starting @off bytes in, to @buf.
 * @return bytes copied, or -EIO if a segment stopped being shared.
 */
long virtq_elem_read(const struct virtq_elem *e, const struct qt_guest_mem *mem,
		     uint64_t off, void *buf, size_t len);

/**
 * virtq_elem_write() - copy @len bytes into the writable segments, in
 * order, up to their total size.
 * @return bytes copied, or -EIO if a segment stopped being shared.
 */
long virtq_elem_write(const struct virtq_elem *e, const struct qt_guest_mem *mem,
		      const void *buf, size_t len);

#endif /* TDX_QEMU_TDX_VIRTQUEUE_H */

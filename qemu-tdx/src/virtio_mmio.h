/*
 * virtio-mmio transport, version 2 (VIRTIO 1.1 §4.2.2), for one device
 * backend.  The VMM routes guest accesses to the device's MMIO window to
 * virtio_mmio_access(); the backend (e.g. dev_virtio_console.c) handles
 * queue notifications through the virtqueue helpers below.
 *
 * Device status (§2.1): the driver moves it through ACKNOWLEDGE, DRIVER,
 * FEATURES_OK and DRIVER_OK; writing 0 resets the device.  The device sets
 * DEVICE_NEEDS_RESET (0x40) when the driver hands it something malformed
 * (a bad queue setup, a ring outside shared memory, a bad descriptor
 * chain): it then records the reason, raises a configuration-change
 * interrupt, and processes no queue until the driver resets it.
 *
 * Locking: one mutex per device, taken by virtio_mmio_access() and
 * virtio_mmio_lock().  Backend callbacks (queue_notify, reset) and host
 * callbacks (set_irq, log) run with it held and must not call
 * virtio_mmio_access() or virtio_mmio_lock() on the same device.
 */
#ifndef TDX_QEMU_TDX_VIRTIO_MMIO_H
#define TDX_QEMU_TDX_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qt_guest_mem.h"
#include "virtqueue.h"

/* Register offsets (§4.2.2). */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100
/* The window the VMM maps: registers plus 0x100 bytes of config space. */
#define VIRTIO_MMIO_WINDOW_SIZE		0x200

#define VIRTIO_MMIO_MAGIC		0x74726976u	/* "virt" */
#define VIRTIO_MMIO_VERSION_MODERN	2u
/* The vendor ID QEMU's virtio-mmio devices report ("QEMU"). */
#define VIRTIO_MMIO_VENDOR_QEMU		0x554d4551u

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01u
#define VIRTIO_STATUS_DRIVER		0x02u
#define VIRTIO_STATUS_DRIVER_OK		0x04u
#define VIRTIO_STATUS_FEATURES_OK	0x08u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED		0x80u

/* InterruptStatus bits (§4.2.2). */
#define VIRTIO_MMIO_INT_VRING		0x1u
#define VIRTIO_MMIO_INT_CONFIG		0x2u

/* Reserved feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33

/** What the VMM provides to every virtio-mmio device. */
struct virtio_mmio_host {
	struct qt_guest_mem mem;
	void *opaque;
	/* Level of the device's interrupt line; NULL when the guest polls. */
	void (*set_irq)(void *opaque, bool level);
	/* One line per DEVICE_NEEDS_RESET or refused access; NULL: stderr. */
	void (*log)(void *opaque, const char *msg);
};

struct virtio_mmio_dev;

/** A device type behind the transport (§5). */
struct virtio_device_backend {
	const char *name;		/* in log lines, e.g. "virtio-console" */
	uint32_t device_id;
	uint64_t features;		/* device-type bits; the transport adds its own */
	unsigned num_queues;
	uint16_t queue_num_max;		/* a power of 2, at most VIRTQ_MAX_SIZE */
	const void *config;		/* read-only config space */
	size_t config_len;		/* at most 0x100 */
	void *opaque;
	/* The driver notified queue @q (ready, DRIVER_OK, not NEEDS_RESET). */
	void (*queue_notify)(void *opaque, struct virtio_mmio_dev *d, unsigned q);
	/* The driver reset the device. */
	void (*reset)(void *opaque);
};

/**
 * virtio_mmio_create() - a device in its reset state.  @host and @backend
 * are copied; @backend->config must outlive the device.
 * @return 0, -EINVAL for a backend that breaks the limits above, -ENOMEM.
 */
int virtio_mmio_create(const struct virtio_mmio_host *host,
		       const struct virtio_device_backend *backend,
		       struct virtio_mmio_dev **out);

/** virtio_mmio_destroy() - free @d (NULL is fine). */
void virtio_mmio_destroy(struct virtio_mmio_dev *d);

/**
 * virtio_mmio_access() - one guest access at @offset in the window.
 * Registers take aligned 32-bit accesses; config space takes naturally
 * aligned 8-, 16- and 32-bit ones (§4.2.2.2).  A refused access reads as
 * zero and changes nothing.
 * @return 0, or -EINVAL for a bad offset, size, direction or value (also
 * logged), -EIO when the access put the device into DEVICE_NEEDS_RESET.
 */
int virtio_mmio_access(struct virtio_mmio_dev *d, uint64_t offset, void *data,
		       unsigned size, bool is_write);

/** virtio_mmio_lock() - for backends acting outside a notification. */
void virtio_mmio_lock(struct virtio_mmio_dev *d);

/** virtio_mmio_unlock() - release virtio_mmio_lock(). */
void virtio_mmio_unlock(struct virtio_mmio_dev *d);

/** virtio_mmio_status() - the device status byte. */
uint8_t virtio_mmio_status(struct virtio_mmio_dev *d);

/**
 * virtio_mmio_needs_reset_reason() - copy why DEVICE_NEEDS_RESET was set
 * ("" if it is not) to @buf.
 * @return @buf.
 */
const char *virtio_mmio_needs_reset_reason(struct virtio_mmio_dev *d, char *buf, size_t n);

/* The calls below are for backends and need the device lock held. */

/** virtio_mmio_queue_usable_locked() - queue @q is ready and may be processed. */
bool virtio_mmio_queue_usable_locked(struct virtio_mmio_dev *d, unsigned q);

/**
 * virtio_mmio_queue_pop_locked() - next chain of queue @q, with @e->seg
 * sized for the queue's maximum (see virtio_mmio_elem_alloc()).
 * @return 1, 0 when empty or the queue is unusable, -EIO after putting the
 * device into DEVICE_NEEDS_RESET.
 */
int virtio_mmio_queue_pop_locked(struct virtio_mmio_dev *d, unsigned q, struct virtq_elem *e);

/**
 * virtio_mmio_queue_push_locked() - return a chain with @len bytes written
 * and raise the used-buffer interrupt unless the driver suppressed it.
 */
int virtio_mmio_queue_push_locked(struct virtio_mmio_dev *d, unsigned q,
				  const struct virtq_elem *e, uint32_t len);

/**
 * virtio_mmio_set_needs_reset_locked() - the backend found a malformed
 * request: set DEVICE_NEEDS_RESET with a reason.
 */
void virtio_mmio_set_needs_reset_locked(struct virtio_mmio_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** virtio_mmio_mem() - the guest-memory accessor for backend copies. */
const struct qt_guest_mem *virtio_mmio_mem(struct virtio_mmio_dev *d);

/**
 * virtio_mmio_elem_alloc() - @e with room for a chain of @d's largest queue.
 * @return 0 or -ENOMEM.
 */
int virtio_mmio_elem_alloc(struct virtio_mmio_dev *d, struct virtq_elem *e);

/** virtio_mmio_elem_free() - release what virtio_mmio_elem_alloc() took. */
void virtio_mmio_elem_free(struct virtq_elem *e);

#endif /* TDX_QEMU_TDX_VIRTIO_MMIO_H */

/*
 * virtio-console (VIRTIO 1.1 §5.3), device ID 3, one port and no
 * multiport: queue 0 is the receiveq (device to driver), queue 1 the
 * transmitq (driver to device).  No feature bits are offered, so the
 * config space (cols, rows, max_nr_ports, emerg_wr) reads as zeros.
 *
 * What the driver transmits goes to the output callback.  In loopback
 * mode it is also kept in a bounded FIFO and delivered to the receiveq as
 * the driver posts receive buffers; virtio_console_input() feeds the same
 * FIFO from the host side.
 */
#ifndef TDX_QEMU_TDX_DEV_VIRTIO_CONSOLE_H
#define TDX_QEMU_TDX_DEV_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

#define VIRTIO_ID_CONSOLE		3u
#define VIRTIO_CONSOLE_RECEIVEQ		0u
#define VIRTIO_CONSOLE_TRANSMITQ	1u
#define VIRTIO_CONSOLE_QUEUE_NUM_MAX	256u
/* Bytes waiting for receive buffers; more are dropped and counted. */
#define VIRTIO_CONSOLE_FIFO_SIZE	65536u

/* §5.3.4, little-endian. */
struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
};

_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config is 12 bytes");

struct virtio_console_opts {
	bool loopback;
	/* Bytes the driver transmitted, called under the device lock; may be NULL. */
	void (*output)(void *opaque, const void *buf, size_t len);
	void *opaque;
};

struct virtio_console;

/**
 * virtio_console_create() - a console behind its own virtio-mmio transport.
 * @return 0, -EINVAL or -ENOMEM.
 */
int virtio_console_create(const struct virtio_mmio_host *host,
			  const struct virtio_console_opts *opts,
			  struct virtio_console **out);

/** virtio_console_destroy() - free @c and its transport (NULL is fine). */
void virtio_console_destroy(struct virtio_console *c);

/** virtio_console_transport() - where the VMM sends the window's accesses. */
struct virtio_mmio_dev *virtio_console_transport(struct virtio_console *c);

/**
 * virtio_console_input() - queue @len host bytes for the driver and deliver
 * what fits in the receive buffers already posted.
 * @return bytes queued (fewer than @len when the FIFO is full).
 */
size_t virtio_console_input(struct virtio_console *c, const void *buf, size_t len);

/** virtio_console_dropped() - bytes lost to a full FIFO since creation. */
uint64_t virtio_console_dropped(struct virtio_console *c);

#endif /* TDX_QEMU_TDX_DEV_VIRTIO_CONSOLE_H */

/*
 * virtio-console device (VIRTIO 1.1 §5.3) without multiport, over the
 * virtio-mmio transport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev_virtio_console.h"

/* Chains taken per notification, so a driver refilling the ring cannot hold the lock. */
#define CHAINS_PER_NOTIFY	(4u * VIRTIO_CONSOLE_QUEUE_NUM_MAX)

struct virtio_console {
	struct virtio_mmio_dev *t;
	struct virtio_console_config config;
	struct virtio_console_opts opts;
	struct virtq_elem elem;
	uint8_t *fifo;
	size_t fifo_len;
	uint64_t dropped;
};

static size_t fifo_put(struct virtio_console *c, const void *buf, size_t len)
{
	size_t room = VIRTIO_CONSOLE_FIFO_SIZE - c->fifo_len;
	size_t n = len < room ? len : room;

	memcpy(c->fifo + c->fifo_len, buf, n);
	c->fifo_len += n;
	c->dropped += len - n;
	return n;
}

static void fifo_consume(struct virtio_console *c, size_t n)
{
	memmove(c->fifo, c->fifo + n, c->fifo_len - n);
	c->fifo_len -= n;
}

/* §5.3.6.1: fill posted receive buffers from the FIFO. */
static void deliver_rx(struct virtio_console *c)
{
	const struct qt_guest_mem *mem = virtio_mmio_mem(c->t);
	struct virtq_elem *e = &c->elem;

	for (unsigned i = 0; i < CHAINS_PER_NOTIFY && c->fifo_len; i++) {
		long n;

		if (virtio_mmio_queue_pop_locked(c->t, VIRTIO_CONSOLE_RECEIVEQ, e) != 1)
			return;
		if (e->n_out) {
			virtio_mmio_set_needs_reset_locked(c->t,
				"receiveq chain %u has %u device-readable descriptors",
				e->head, e->n_out);
			return;
		}
		n = virtq_elem_write(e, mem, c->fifo, c->fifo_len);
		if (n < 0) {
			virtio_mmio_set_needs_reset_locked(c->t,
				"receiveq chain %u left shared memory", e->head);
			return;
		}
		if (virtio_mmio_queue_push_locked(c->t, VIRTIO_CONSOLE_RECEIVEQ, e, (uint32_t)n))
			return;
		fifo_consume(c, (size_t)n);
	}
}

static int transmit_chain(struct virtio_console *c, const struct virtq_elem *e)
{
	const struct qt_guest_mem *mem = virtio_mmio_mem(c->t);
	uint8_t buf[4096];
	uint64_t off = 0;

	if (e->n_in) {
		virtio_mmio_set_needs_reset_locked(c->t,
			"transmitq chain %u has %u device-writable descriptors",
			e->head, e->n_in);
		return -EIO;
	}
	while (off < e->out_bytes) {
		long n = virtq_elem_read(e, mem, off, buf, sizeof(buf));

		if (n <= 0) {
			virtio_mmio_set_needs_reset_locked(c->t,
				"transmitq chain %u left shared memory", e->head);
			return -EIO;
		}
		if (c->opts.output)
			c->opts.output(c->opts.opaque, buf, (size_t)n);
		if (c->opts.loopback)
			fifo_put(c, buf, (size_t)n);
		off += (uint64_t)n;
	}
	return 0;
}

/* §5.3.6.2: consume transmit buffers; the used length is 0 (nothing written). */
static void process_tx(struct virtio_console *c)
{
	struct virtq_elem *e = &c->elem;

	for (unsigned i = 0; i < CHAINS_PER_NOTIFY; i++) {
		if (virtio_mmio_queue_pop_locked(c->t, VIRTIO_CONSOLE_TRANSMITQ, e) != 1)
			return;
		if (transmit_chain(c, e))
			return;
		if (virtio_mmio_queue_push_locked(c->t, VIRTIO_CONSOLE_TRANSMITQ, e, 0))
			return;
	}
}

static void console_queue_notify(void *opaque, struct virtio_mmio_dev *d, unsigned q)
{
	struct virtio_console *c = opaque;

	(void)d;
	if (q == VIRTIO_CONSOLE_TRANSMITQ)
		process_tx(c);
	deliver_rx(c);
}

static void console_reset(void *opaque)
{
	struct virtio_console *c = opaque;

	c->fifo_len = 0;
}

int virtio_console_create(const struct virtio_mmio_host *host,
			  const struct virtio_console_opts *opts,
			  struct virtio_console **out)
{
	struct virtio_device_backend be = {
		.name = "virtio-console",
		.device_id = VIRTIO_ID_CONSOLE,
		.features = 0,
		.num_queues = 2,
		.queue_num_max = VIRTIO_CONSOLE_QUEUE_NUM_MAX,
		.config_len = sizeof(struct virtio_console_config),
		.queue_notify = console_queue_notify,
		.reset = console_reset,
	};
	struct virtio_console *c;
	int rc;

	if (!host || !opts || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->opts = *opts;
	c->fifo = malloc(VIRTIO_CONSOLE_FIFO_SIZE);
	be.config = &c->config;
	be.opaque = c;
	rc = c->fifo ? virtio_mmio_create(host, &be, &c->t) : -ENOMEM;
	if (rc)
		goto err_free;
	rc = virtio_mmio_elem_alloc(c->t, &c->elem);
	if (rc)
		goto err_transport;
	*out = c;
	return 0;

err_transport:
	virtio_mmio_destroy(c->t);
err_free:
	free(c->fifo);
	free(c);
	return rc;
}

void virtio_console_destroy(struct virtio_console *c)
{
	if (!c)
		return;
	virtio_mmio_elem_free(&c->elem);
	virtio_mmio_destroy(c->t);
	free(c->fifo);
	free(c);
}

struct virtio_mmio_dev *virtio_console_transport(struct virtio_console *c)
{
	return c->t;
}

size_t virtio_console_input(struct virtio_console *c, const void *buf, size_t len)
{
	size_t n;

	virtio_mmio_lock(c->t);
	n = fifo_put(c, buf, len);
	deliver_rx(c);
	virtio_mmio_unlock(c->t);
	return n;
}

uint64_t virtio_console_dropped(struct virtio_console *c)
{
	uint64_t n;

	virtio_mmio_lock(c->t);
	n = c->dropped;
	virtio_mmio_unlock(c->t);
	return n;
}

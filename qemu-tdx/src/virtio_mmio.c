/*
 * virtio-mmio version 2 transport (VIRTIO 1.1 §4.2.2): the register file,
 * device status and feature negotiation (§2.1, §3.1), queue setup, and
 * DEVICE_NEEDS_RESET for anything malformed the driver hands over.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_mmio.h"

#define TRANSPORT_FEATURES ((1ull << VIRTIO_F_VERSION_1) | \
			    (1ull << VIRTIO_F_INDIRECT_DESC) | \
			    (1ull << VIRTIO_F_ACCESS_PLATFORM))

struct virtio_mmio_dev {
	pthread_mutex_t lock;
	struct virtio_mmio_host host;
	struct virtio_device_backend be;
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	bool irq_level;
	uint8_t status;
	struct virtqueue *vqs;
	char reason[256];
};

static void dev_log(struct virtio_mmio_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dev_log(struct virtio_mmio_dev *d, const char *fmt, ...)
{
	char msg[384];
	int len;
	va_list ap;

	len = snprintf(msg, sizeof(msg), "%s: ", d->be.name);
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
	va_end(ap);
	if (d->host.log)
		d->host.log(d->host.opaque, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void update_irq(struct virtio_mmio_dev *d)
{
	bool level = d->interrupt_status != 0;

	if (level == d->irq_level)
		return;
	d->irq_level = level;
	if (d->host.set_irq)
		d->host.set_irq(d->host.opaque, level);
}

static void set_needs_reset_v(struct virtio_mmio_dev *d, const char *fmt, va_list ap)
{
	/* The first reason is the one worth reporting. */
	if (d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	dev_log(d, "DEVICE_NEEDS_RESET: %s", d->reason);
	/* §2.1.2: the device sends a configuration change notification. */
	d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
	update_irq(d);
}

void virtio_mmio_set_needs_reset_locked(struct virtio_mmio_dev *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_needs_reset_v(d, fmt, ap);
	va_end(ap);
}

static bool needs_reset(const struct virtio_mmio_dev *d)
{
	return d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

static void device_reset(struct virtio_mmio_dev *d)
{
	d->status = 0;
	d->driver_features = 0;
	d->device_features_sel = 0;
	d->driver_features_sel = 0;
	d->queue_sel = 0;
	d->interrupt_status = 0;
	d->reason[0] = '\0';
	for (unsigned q = 0; q < d->be.num_queues; q++)
		virtqueue_reset(&d->vqs[q]);
	update_irq(d);
	if (d->be.reset)
		d->be.reset(d->be.opaque);
}

int virtio_mmio_create(const struct virtio_mmio_host *host,
		       const struct virtio_device_backend *backend,
		       struct virtio_mmio_dev **out)
{
	uint16_t max = backend ? backend->queue_num_max : 0;
	struct virtio_mmio_dev *d;

	if (!host || !backend || !out || !backend->name || !backend->num_queues ||
	    max == 0 || (max & (max - 1)) || max > VIRTQ_MAX_SIZE ||
	    backend->config_len > VIRTIO_MMIO_WINDOW_SIZE - VIRTIO_MMIO_CONFIG ||
	    (backend->config_len && !backend->config) ||
	    (backend->features & TRANSPORT_FEATURES))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vqs = calloc(backend->num_queues, sizeof(*d->vqs));
	if (!d->vqs) {
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->host = *host;
	d->be = *backend;
	d->device_features = backend->features | TRANSPORT_FEATURES;
	*out = d;
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio_dev *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->vqs);
	free(d);
}

static struct virtqueue *selected_queue(struct virtio_mmio_dev *d)
{
	return d->queue_sel < d->be.num_queues ? &d->vqs[d->queue_sel] : NULL;
}

static int read_reg(struct virtio_mmio_dev *d, uint64_t off, uint32_t *v)
{
	struct virtqueue *vq = selected_queue(d);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		*v = VIRTIO_MMIO_MAGIC;
		return 0;
	case VIRTIO_MMIO_VERSION:
		*v = VIRTIO_MMIO_VERSION_MODERN;
		return 0;
	case VIRTIO_MMIO_DEVICE_ID:
		*v = d->be.device_id;
		return 0;
	case VIRTIO_MMIO_VENDOR_ID:
		*v = VIRTIO_MMIO_VENDOR_QEMU;
		return 0;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		*v = d->device_features_sel < 2 ?
		     (uint32_t)(d->device_features >> (32 * d->device_features_sel)) : 0;
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		/* §4.2.2: 0 for a queue the device does not have. */
		*v = vq ? d->be.queue_num_max : 0;
		return 0;
	case VIRTIO_MMIO_QUEUE_READY:
		*v = vq ? vq->ready : 0;
		return 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		*v = d->interrupt_status;
		return 0;
	case VIRTIO_MMIO_STATUS:
		*v = d->status;
		return 0;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		/* The config space never changes. */
		*v = 0;
		return 0;
	}
	dev_log(d, "read of write-only or unknown register 0x%03" PRIx64 " refused", off);
	return -EINVAL;
}

/* §2.1.1, §3.1.1: the status byte only gains bits until a reset. */
static int write_status(struct virtio_mmio_dev *d, uint32_t v)
{
	uint32_t added;
	uint64_t version_1 = 1ull << VIRTIO_F_VERSION_1;

	if (v == 0) {
		device_reset(d);
		return 0;
	}
	if (v & ~0xffu) {
		dev_log(d, "status 0x%x has bits above 7", v);
		return -EINVAL;
	}
	if (d->status & ~v) {
		dev_log(d, "status 0x%x clears bits of 0x%x; only writing 0 (reset) may", v,
			d->status);
		return -EINVAL;
	}
	added = v & ~d->status;
	if (added & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		dev_log(d, "driver may not set DEVICE_NEEDS_RESET");
		return -EINVAL;
	}
	if ((added & VIRTIO_STATUS_DRIVER_OK) &&
	    !((v | d->status) & VIRTIO_STATUS_FEATURES_OK)) {
		dev_log(d, "DRIVER_OK before FEATURES_OK refused");
		return -EINVAL;
	}
	if (added & VIRTIO_STATUS_FEATURES_OK) {
		const char *why = NULL;

		if (d->driver_features & ~d->device_features)
			why = "driver accepted features the device does not offer";
		else if (!(d->driver_features & version_1))
			why = "driver did not accept VIRTIO_F_VERSION_1";
		if (why) {
			/* §3.1.1: FEATURES_OK stays clear; the driver reads that back. */
			dev_log(d, "FEATURES_OK refused (features 0x%016" PRIx64 "): %s",
				d->driver_features, why);
			d->status = (uint8_t)(v & ~(VIRTIO_STATUS_FEATURES_OK |
						   VIRTIO_STATUS_DRIVER_OK));
			return -EINVAL;
		}
	}
	d->status = (uint8_t)v;
	return 0;
}

static int write_queue_ready(struct virtio_mmio_dev *d, struct virtqueue *vq, uint32_t v)
{
	char why[200];

	if (v > 1) {
		dev_log(d, "QueueReady value %u is neither 0 nor 1", v);
		return -EINVAL;
	}
	if (v == 0) {
		/* The driver may set the queue up again, from index 0. */
		vq->ready = false;
		vq->last_avail_idx = 0;
		vq->used_idx = 0;
		return 0;
	}
	if (vq->ready)
		return 0;
	if (!(d->status & VIRTIO_STATUS_FEATURES_OK)) {
		dev_log(d, "QueueReady before FEATURES_OK refused");
		return -EINVAL;
	}
	if (virtqueue_check_setup(vq, d->be.queue_num_max, &d->host.mem, why, sizeof(why))) {
		virtio_mmio_set_needs_reset_locked(d, "queue %u: %s", d->queue_sel, why);
		return -EIO;
	}
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->ready = true;
	return 0;
}

static int write_queue_num(struct virtio_mmio_dev *d, struct virtqueue *vq, uint32_t v)
{
	if (v == 0 || (v & (v - 1)) || v > d->be.queue_num_max) {
		virtio_mmio_set_needs_reset_locked(d,
			"queue %u: size %u is not a power of 2 in [1, QueueNumMax %u]",
			d->queue_sel, v, d->be.queue_num_max);
		return -EIO;
	}
	vq->num = (uint16_t)v;
	return 0;
}

static void set_half(uint64_t *gpa, bool high, uint32_t v)
{
	if (high)
		*gpa = (*gpa & 0xffffffffull) | ((uint64_t)v << 32);
	else
		*gpa = (*gpa & ~0xffffffffull) | v;
}

static int write_queue_reg(struct virtio_mmio_dev *d, uint64_t off, uint32_t v)
{
	struct virtqueue *vq = selected_queue(d);

	if (!vq) {
		dev_log(d, "register 0x%03" PRIx64 " written for queue %u, which does not exist",
			off, d->queue_sel);
		return -EINVAL;
	}
	if (off == VIRTIO_MMIO_QUEUE_READY)
		return write_queue_ready(d, vq, v);
	/* §4.2.3.2: the layout of a ready queue is fixed. */
	if (vq->ready) {
		dev_log(d, "register 0x%03" PRIx64 " written while queue %u is ready", off,
			d->queue_sel);
		return -EINVAL;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		return write_queue_num(d, vq, v);
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		return 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		return 0;
	default:
		set_half(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		return 0;
	}
}

static int queue_notify(struct virtio_mmio_dev *d, uint32_t q)
{
	if (q >= d->be.num_queues) {
		dev_log(d, "QueueNotify for queue %u, which does not exist", q);
		return -EINVAL;
	}
	if (!(d->status & VIRTIO_STATUS_DRIVER_OK) || !d->vqs[q].ready) {
		dev_log(d, "QueueNotify for queue %u before DRIVER_OK and QueueReady", q);
		return -EINVAL;
	}
	if (d->be.queue_notify)
		d->be.queue_notify(d->be.opaque, d, q);
	return needs_reset(d) ? -EIO : 0;
}

static int write_driver_features(struct virtio_mmio_dev *d, uint32_t v)
{
	if (d->status & VIRTIO_STATUS_FEATURES_OK) {
		dev_log(d, "DriverFeatures written after FEATURES_OK");
		return -EINVAL;
	}
	if (d->driver_features_sel > 1) {
		if (v == 0)
			return 0;
		dev_log(d, "DriverFeatures word %u: no such features (0x%x)",
			d->driver_features_sel, v);
		return -EINVAL;
	}
	set_half(&d->driver_features, d->driver_features_sel == 1, v);
	return 0;
}

static int write_reg(struct virtio_mmio_dev *d, uint64_t off, uint32_t v)
{
	if (off == VIRTIO_MMIO_STATUS)
		return write_status(d, v);
	if (off == VIRTIO_MMIO_INTERRUPT_ACK) {
		d->interrupt_status &= ~v;
		update_irq(d);
		return 0;
	}
	/* Until the driver resets it, the device takes nothing else. */
	if (needs_reset(d)) {
		dev_log(d, "register 0x%03" PRIx64 " written while DEVICE_NEEDS_RESET", off);
		return -EIO;
	}
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->device_features_sel = v;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		return write_driver_features(d, v);
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->driver_features_sel = v;
		return 0;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = v;
		return 0;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return queue_notify(d, v);
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return write_queue_reg(d, off, v);
	}
	dev_log(d, "write of read-only or unknown register 0x%03" PRIx64 " refused", off);
	return -EINVAL;
}

static int config_access(struct virtio_mmio_dev *d, uint64_t off, void *data, unsigned size,
			 bool is_write)
{
	uint64_t at = off - VIRTIO_MMIO_CONFIG;

	if (is_write) {
		dev_log(d, "config space write at 0x%03" PRIx64 " refused: it is read-only", off);
		return -EINVAL;
	}
	if (at + size > d->be.config_len) {
		dev_log(d, "config read at 0x%03" PRIx64 " size %u beyond its %zu bytes", off,
			size, d->be.config_len);
		return -EINVAL;
	}
	memcpy(data, (const uint8_t *)d->be.config + at, size);
	return 0;
}

static int access_locked(struct virtio_mmio_dev *d, uint64_t offset, void *data,
			 unsigned size, bool is_write)
{
	uint32_t v = 0;
	int rc;

	if (offset >= VIRTIO_MMIO_WINDOW_SIZE || (size != 1 && size != 2 && size != 4) ||
	    (offset & (size - 1))) {
		dev_log(d, "%s of size %u at 0x%" PRIx64 " refused: outside the window or unaligned",
			is_write ? "write" : "read", size, offset);
		return -EINVAL;
	}
	if (offset >= VIRTIO_MMIO_CONFIG)
		return config_access(d, offset, data, size, is_write);
	if (size != 4) {
		dev_log(d, "%u-byte access to register 0x%03" PRIx64 " refused: registers are 32-bit",
			size, offset);
		return -EINVAL;
	}
	if (is_write) {
		memcpy(&v, data, sizeof(v));
		return write_reg(d, offset, v);
	}
	rc = read_reg(d, offset, &v);
	memcpy(data, &v, sizeof(v));
	return rc;
}

int virtio_mmio_access(struct virtio_mmio_dev *d, uint64_t offset, void *data,
		       unsigned size, bool is_write)
{
	int rc;

	if (!d || !data)
		return -EINVAL;
	if (!is_write && size <= 8)
		memset(data, 0, size);
	pthread_mutex_lock(&d->lock);
	rc = access_locked(d, offset, data, size, is_write);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void virtio_mmio_lock(struct virtio_mmio_dev *d)
{
	pthread_mutex_lock(&d->lock);
}

void virtio_mmio_unlock(struct virtio_mmio_dev *d)
{
	pthread_mutex_unlock(&d->lock);
}

uint8_t virtio_mmio_status(struct virtio_mmio_dev *d)
{
	uint8_t s;

	pthread_mutex_lock(&d->lock);
	s = d->status;
	pthread_mutex_unlock(&d->lock);
	return s;
}

const char *virtio_mmio_needs_reset_reason(struct virtio_mmio_dev *d, char *buf, size_t n)
{
	pthread_mutex_lock(&d->lock);
	snprintf(buf, n, "%s", d->reason);
	pthread_mutex_unlock(&d->lock);
	return buf;
}

bool virtio_mmio_queue_usable_locked(struct virtio_mmio_dev *d, unsigned q)
{
	return q < d->be.num_queues && d->vqs[q].ready &&
	       (d->status & VIRTIO_STATUS_DRIVER_OK) && !needs_reset(d);
}

int virtio_mmio_queue_pop_locked(struct virtio_mmio_dev *d, unsigned q, struct virtq_elem *e)
{
	bool indirect = d->driver_features & (1ull << VIRTIO_F_INDIRECT_DESC);
	char why[200];
	int rc;

	if (!virtio_mmio_queue_usable_locked(d, q))
		return 0;
	rc = virtqueue_pop(&d->vqs[q], &d->host.mem, indirect, e, why, sizeof(why));
	if (rc < 0)
		virtio_mmio_set_needs_reset_locked(d, "queue %u: %s", q, why);
	return rc;
}

int virtio_mmio_queue_push_locked(struct virtio_mmio_dev *d, unsigned q,
				  const struct virtq_elem *e, uint32_t len)
{
	struct virtqueue *vq;
	char why[200];

	if (!virtio_mmio_queue_usable_locked(d, q))
		return -EIO;
	vq = &d->vqs[q];
	if (virtqueue_push(vq, &d->host.mem, e->head, len, why, sizeof(why))) {
		virtio_mmio_set_needs_reset_locked(d, "queue %u: %s", q, why);
		return -EIO;
	}
	if (virtqueue_should_interrupt(vq, &d->host.mem)) {
		d->interrupt_status |= VIRTIO_MMIO_INT_VRING;
		update_irq(d);
	}
	return 0;
}

const struct qt_guest_mem *virtio_mmio_mem(struct virtio_mmio_dev *d)
{
	return &d->host.mem;
}

int virtio_mmio_elem_alloc(struct virtio_mmio_dev *d, struct virtq_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->seg = calloc(d->be.queue_num_max, sizeof(*e->seg));
	if (!e->seg)
		return -ENOMEM;
	e->seg_cap = d->be.queue_num_max;
	return 0;
}

void virtio_mmio_elem_free(struct virtq_elem *e)
{
	free(e->seg);
	e->seg = NULL;
	e->seg_cap = 0;
}

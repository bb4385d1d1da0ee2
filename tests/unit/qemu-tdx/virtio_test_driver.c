/*
 * Fake shared memory and a minimal virtio-mmio split-ring driver for the
 * virtio unit tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "virtio_test_driver.h"
#include "virtqueue.h"

#define PAGE 4096ull

void fake_mem_init(struct fake_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->map = mmap(NULL, FAKE_SIZE + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m->map != MAP_FAILED);
	m->buf = m->map + PAGE;
	assert_int_equal(mprotect(m->buf, FAKE_SIZE, PROT_READ | PROT_WRITE), 0);
}

void fake_mem_fini(struct fake_mem *m)
{
	munmap(m->map, FAKE_SIZE + 2 * PAGE);
}

static void *fake_shared_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	struct fake_mem *m = opaque;

	m->lookups++;
	if (gpa < FAKE_BASE || len > FAKE_SIZE || gpa - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	if (gpa < m->revoked_hi && gpa + len > m->revoked_lo)
		return NULL;
	return m->buf + (gpa - FAKE_BASE);
}

struct qt_guest_mem fake_mem_accessor(struct fake_mem *m)
{
	return (struct qt_guest_mem){ .opaque = m, .shared_ptr = fake_shared_ptr };
}

void *fake_ptr(struct fake_mem *m, uint64_t gpa)
{
	assert_true(gpa >= FAKE_BASE && gpa < FAKE_BASE + FAKE_SIZE);
	return m->buf + (gpa - FAKE_BASE);
}

void fake_mem_revoke(struct fake_mem *m, uint64_t gpa, uint64_t len)
{
	m->revoked_lo = gpa;
	m->revoked_hi = gpa + len;
}

static void record_irq(void *opaque, bool level)
{
	struct host_record *r = opaque;

	assert_true(level != r->irq);
	r->irq = level;
	r->irq_edges++;
}

static void record_log(void *opaque, const char *msg)
{
	struct host_record *r = opaque;

	snprintf(r->last_log, sizeof(r->last_log), "%s", msg);
	r->n_logs++;
}

struct virtio_mmio_host fake_host(struct fake_mem *m, struct host_record *r)
{
	memset(r, 0, sizeof(*r));
	return (struct virtio_mmio_host){
		.mem = fake_mem_accessor(m),
		.opaque = r,
		.set_irq = record_irq,
		.log = record_log,
	};
}

uint32_t drv_read(struct test_driver *t, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(virtio_mmio_access(t->d, off, &v, 4, false), 0);
	return v;
}

int drv_write(struct test_driver *t, uint64_t off, uint32_t v)
{
	return virtio_mmio_access(t->d, off, &v, 4, true);
}

int drv_setup_queue(struct test_driver *t, unsigned q, uint16_t num)
{
	struct test_queue *tq = &t->q[q];
	uint64_t area = FAKE_BASE + FAKE_QUEUE_AREA(q);

	memset(tq, 0, sizeof(*tq));
	tq->num = num;
	tq->desc = area;
	tq->avail = area + 0x1000;
	tq->used = area + 0x2000;
	memset(fake_ptr(t->m, area), 0, 0x4000);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_SEL, q), 0);
	assert_int_equal(drv_read(t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(drv_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX) >= num);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_NUM, num), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)tq->desc), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(tq->desc >> 32)), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)tq->avail), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(tq->avail >> 32)),
			 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)tq->used), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(tq->used >> 32)),
			 0);
	return drv_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

void drv_init(struct test_driver *t, struct virtio_mmio_dev *d, struct fake_mem *m,
	      uint64_t features, unsigned nq, uint16_t num)
{
	memset(t, 0, sizeof(*t));
	t->d = d;
	t->m = m;
	assert_int_equal(drv_read(t, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(drv_read(t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_STATUS, 0), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_STATUS,
				   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32)), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
				   VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK), 0);
	assert_true(drv_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < nq; q++)
		assert_int_equal(drv_setup_queue(t, q, num), 0);
	assert_int_equal(drv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
				   VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
				   VIRTIO_STATUS_DRIVER_OK), 0);
}

void drv_set_desc(struct test_driver *t, unsigned q, uint16_t idx, uint64_t addr,
		  uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(fake_ptr(t->m, t->q[q].desc + 16ull * idx), &d, sizeof(d));
}

void drv_make_avail(struct test_driver *t, unsigned q, uint16_t head)
{
	struct test_queue *tq = &t->q[q];
	uint8_t *avail = fake_ptr(t->m, tq->avail);

	memcpy(avail + 4 + 2 * (tq->avail_idx % tq->num), &head, 2);
	tq->avail_idx++;
	memcpy(avail + 2, &tq->avail_idx, 2);
}

uint16_t drv_add_buf(struct test_driver *t, unsigned q, uint64_t gpa, uint32_t len,
		     bool device_writable)
{
	struct test_queue *tq = &t->q[q];
	uint16_t head = tq->next_desc;

	tq->next_desc = (uint16_t)((tq->next_desc + 1) % tq->num);
	drv_set_desc(t, q, head, gpa, len, device_writable ? VIRTQ_DESC_F_WRITE : 0, 0);
	drv_make_avail(t, q, head);
	return head;
}

int drv_notify(struct test_driver *t, unsigned q)
{
	return drv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

bool drv_get_used(struct test_driver *t, unsigned q, uint32_t *id, uint32_t *len)
{
	struct test_queue *tq = &t->q[q];
	const uint8_t *used = fake_ptr(t->m, tq->used);
	struct virtq_used_elem e;
	uint16_t idx;

	memcpy(&idx, used + 2, 2);
	if (idx == tq->last_used)
		return false;
	memcpy(&e, used + 4 + 8 * (tq->last_used % tq->num), sizeof(e));
	tq->last_used++;
	*id = e.id;
	*len = e.len;
	return true;
}

void drv_set_avail_flags(struct test_driver *t, unsigned q, uint16_t flags)
{
	memcpy(fake_ptr(t->m, t->q[q].avail), &flags, 2);
}

/*
 * Unit tests for virtio_mmio.c: the version 2 register file (VIRTIO 1.1
 * §4.2.2), status and feature negotiation (§2.1, §3.1), queue setup,
 * interrupts, and DEVICE_NEEDS_RESET for malformed queues, against a
 * small backend defined here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_mmio.h"
#include "virtio_test_driver.h"

#define NUM_MAX		8
#define DEV_ID		42
#define DEV_FEATURE	(1ull << 3)
#define ALL_OK		(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
#define FEATURES	((1ull << VIRTIO_F_VERSION_1) | DEV_FEATURE)
#define BUF(i)		(FAKE_BASE + FAKE_BUF_AREA + 0x1000ull * (i))

struct fake_backend {
	struct virtio_mmio_dev *d;
	unsigned notifies[2];
	unsigned resets;
	struct virtq_elem e;
};

struct fixture {
	struct fake_mem m;
	struct host_record rec;
	struct fake_backend be;
	struct virtio_mmio_dev *d;
	struct test_driver t;
};

static const uint8_t config_bytes[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

/* Completes every chain of the notified queue, "writing" all it may. */
static void be_notify(void *opaque, struct virtio_mmio_dev *d, unsigned q)
{
	struct fake_backend *be = opaque;

	be->notifies[q]++;
	while (virtio_mmio_queue_pop_locked(d, q, &be->e) == 1)
		virtio_mmio_queue_push_locked(d, q, &be->e, (uint32_t)be->e.in_bytes);
}

static void be_reset(void *opaque)
{
	struct fake_backend *be = opaque;

	be->resets++;
}

static struct virtio_device_backend backend_template(struct fake_backend *be)
{
	return (struct virtio_device_backend){
		.name = "virtio-test",
		.device_id = DEV_ID,
		.features = DEV_FEATURE,
		.num_queues = 2,
		.queue_num_max = NUM_MAX,
		.config = config_bytes,
		.config_len = sizeof(config_bytes),
		.opaque = be,
		.queue_notify = be_notify,
		.reset = be_reset,
	};
}

static int setup(void **state)
{
	static struct fixture f;
	struct virtio_mmio_host host;
	struct virtio_device_backend b;

	memset(&f, 0, sizeof(f));
	fake_mem_init(&f.m);
	host = fake_host(&f.m, &f.rec);
	b = backend_template(&f.be);
	assert_int_equal(virtio_mmio_create(&host, &b, &f.d), 0);
	f.be.d = f.d;
	assert_int_equal(virtio_mmio_elem_alloc(f.d, &f.be.e), 0);
	f.t.d = f.d;
	f.t.m = &f.m;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_mmio_elem_free(&f->be.e);
	virtio_mmio_destroy(f->d);
	fake_mem_fini(&f->m);
	return 0;
}

static int rd(struct fixture *f, uint64_t off, unsigned size, uint32_t *v)
{
	*v = 0xa5a5a5a5;
	return virtio_mmio_access(f->d, off, v, size, false);
}

static void test_identity_registers(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_VENDOR_ID), 0x554d4551);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_CONFIG_GENERATION), 0);
}

static void test_device_features_by_word(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_FEATURES),
			 (1u << VIRTIO_F_INDIRECT_DESC) | (uint32_t)DEV_FEATURE);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1), 0);
	/* VIRTIO_F_VERSION_1 (32) and VIRTIO_F_ACCESS_PLATFORM (33). */
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_FEATURES), 0x3);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_create_rejects_bad_backends(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_host host = fake_host(&f->m, &f->rec);
	struct fake_backend be2 = { 0 };
	struct virtio_device_backend b = backend_template(&be2);
	struct virtio_mmio_dev *d = NULL;

	b.num_queues = 0;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b = backend_template(&be2);
	b.queue_num_max = 12;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b.queue_num_max = 0;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b = backend_template(&be2);
	b.config_len = 0x101;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b = backend_template(&be2);
	b.config = NULL;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b = backend_template(&be2);
	b.features |= 1ull << VIRTIO_F_VERSION_1;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	b = backend_template(&be2);
	b.name = NULL;
	assert_int_equal(virtio_mmio_create(&host, &b, &d), -EINVAL);
	assert_null(d);
	assert_int_equal(virtio_mmio_create(&host, NULL, &d), -EINVAL);
}

static void test_bad_accesses_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t v;
	uint64_t big = 0;

	/* Registers take aligned 32-bit accesses only; refused reads give 0. */
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE, 2, &v), -EINVAL);
	assert_int_equal(v & 0xffff, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE, 1, &v), -EINVAL);
	assert_int_equal(rd(f, 0x002, 4, &v), -EINVAL);
	assert_int_equal(virtio_mmio_access(f->d, 0, &big, 8, false), -EINVAL);
	assert_int_equal(big, 0);
	assert_int_equal(rd(f, 0x001, 3, &v), -EINVAL);
	/* Outside the 0x200-byte window. */
	assert_int_equal(rd(f, VIRTIO_MMIO_WINDOW_SIZE, 4, &v), -EINVAL);
	assert_int_equal(rd(f, ~0ull - 3, 4, &v), -EINVAL);
	/* Wrong direction and unknown registers. */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NOTIFY, 4, &v), -EINVAL);
	assert_int_equal(v, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, &v), -EINVAL);
	assert_int_equal(rd(f, 0x0c8, 4, &v), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_MAGIC_VALUE, 0), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS, 1), -EINVAL);
	assert_int_equal(drv_write(&f->t, 0x0c8, 1), -EINVAL);
	assert_int_equal(virtio_mmio_access(f->d, 0, NULL, 4, false), -EINVAL);
	assert_int_equal(virtio_mmio_access(NULL, 0, &v, 4, false), -EINVAL);
	assert_non_null(strstr(f->rec.last_log, "virtio-test: write of read-only or unknown"));
	/* None of it changed the device. */
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;
	uint32_t v;

	assert_int_equal(rd(f, 0x100, 4, &v), 0);
	assert_int_equal(v, 0x44332211);
	v = 0;
	assert_int_equal(virtio_mmio_access(f->d, 0x105, &v, 1, false), 0);
	assert_int_equal(v, 0x66);
	v = 0;
	assert_int_equal(virtio_mmio_access(f->d, 0x106, &v, 2, false), 0);
	assert_int_equal(v, 0x8877);
	/* Misaligned, past the device's config, 64-bit, or a write. */
	assert_int_equal(virtio_mmio_access(f->d, 0x101, &v, 2, false), -EINVAL);
	assert_int_equal(rd(f, 0x108, 4, &v), -EINVAL);
	assert_int_equal(v, 0);
	assert_int_equal(rd(f, 0x1fc, 4, &v), -EINVAL);
	v = 0;
	assert_int_equal(virtio_mmio_access(f->d, 0x100, &v, 1, true), -EINVAL);
	assert_non_null(strstr(f->rec.last_log, "read-only"));
	assert_int_equal(rd(f, 0x100, 4, &v), 0);
	assert_int_equal(v, 0x44332211);
}

static void negotiate(struct fixture *f, uint64_t features)
{
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS,
				   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES,
				   (uint32_t)(features >> 32)), 0);
}

static int features_ok(struct fixture *f)
{
	return drv_write(&f->t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
			 VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void test_features_ok_requires_version_1(void **state)
{
	struct fixture *f = *state;

	negotiate(f, DEV_FEATURE);
	assert_int_equal(features_ok(f), -EINVAL);
	/* §3.1.1: the driver reads FEATURES_OK back and finds it clear. */
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	assert_non_null(strstr(f->rec.last_log, "VIRTIO_F_VERSION_1"));
	/* The device is unusable until the driver resets it and tries again. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, 0), 0);
	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_true(drv_read(&f->t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_features_ok_refuses_unoffered_features(void **state)
{
	struct fixture *f = *state;

	negotiate(f, FEATURES | (1ull << 5));
	assert_int_equal(features_ok(f), -EINVAL);
	assert_false(drv_read(&f->t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	assert_non_null(strstr(f->rec.last_log, "does not offer"));
	/* Feature words above 1 hold no features. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES, 1), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES, 0), 0);
}

static void test_driver_features_frozen_after_features_ok(void **state)
{
	struct fixture *f = *state;

	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DRIVER_FEATURES, 1u << 5), -EINVAL);
	assert_non_null(strstr(f->rec.last_log, "after FEATURES_OK"));
}

static void test_status_transitions_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t ad = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	negotiate(f, FEATURES);
	/* DRIVER_OK before FEATURES_OK. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, ad | VIRTIO_STATUS_DRIVER_OK),
			 -EINVAL);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), ad);
	/* Clearing a bit other than by reset. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER), -EINVAL);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), ad);
	/* The driver may not set DEVICE_NEEDS_RESET, nor bits above 7. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS,
				   ad | VIRTIO_STATUS_DEVICE_NEEDS_RESET), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, ad | 0x100), -EINVAL);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), ad);
	/* FAILED is the driver's to set. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, ad | VIRTIO_STATUS_FAILED), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), ad | VIRTIO_STATUS_FAILED);
	assert_int_equal(f->rec.irq_edges, 0);
}

static void test_queue_registers(void **state)
{
	struct fixture *f = *state;

	/* A queue the device does not have. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 2), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 4), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_READY, 1), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 1), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_NUM_MAX), NUM_MAX);
	/* QueueReady needs FEATURES_OK first. */
	negotiate(f, FEATURES);
	assert_int_equal(drv_setup_queue(&f->t, 1, 4), -EINVAL);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_setup_queue(&f->t, 1, 4), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_READY), 1);
	/* A ready queue's layout is fixed. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 8), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_READY, 2), -EINVAL);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_READY), 1);
	/* Disabled, it can be set up again. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_READY, 0), 0);
	assert_int_equal(drv_setup_queue(&f->t, 1, 8), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET,
			 0);
}

static void assert_needs_reset(struct fixture *f, const char *needle)
{
	char why[256];
	assert_true(virtio_mmio_status(f->d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->rec.irq);
	virtio_mmio_needs_reset_reason(f->d, why, sizeof(why));
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
	assert_non_null(strstr(f->rec.last_log, "virtio-test: DEVICE_NEEDS_RESET: "));
}

static void test_queue_num_not_power_of_2_needs_reset(void **state)
{
	struct fixture *f = *state;
	char why[256];

	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 0), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 6), -EIO);
	assert_needs_reset(f, "queue 0: size 6 is not a power of 2");
	/* Nothing but reset and InterruptACK is taken now. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 4), -EIO);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 1), -EIO);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG), 0);
	assert_false(f->rec.irq);
	/* Reset clears it and tells the backend. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, 0), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), 0);
	assert_string_equal(virtio_mmio_needs_reset_reason(f->d, why, sizeof(why)), "");
	assert_int_equal(f->be.resets, 1);
}

static void test_queue_num_above_max_needs_reset(void **state)
{
	struct fixture *f = *state;

	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 16), -EIO);
	assert_needs_reset(f, "QueueNumMax 8");
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, 0), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 0x10000 + 4), -EIO);
}

static void test_queue_ready_rings_outside_shared_memory(void **state)
{
	struct fixture *f = *state;

	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 1), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_NUM, 8), 0);
	/* Descriptor table in private memory (shared bit clear). */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x10000000), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x10001000), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0x8000), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x10002000), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0x8000), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_READY, 1), -EIO);
	assert_needs_reset(f, "queue 1: descriptor table");
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_notify_rules(void **state)
{
	struct fixture *f = *state;

	negotiate(f, FEATURES);
	assert_int_equal(features_ok(f), 0);
	assert_int_equal(drv_setup_queue(&f->t, 0, 8), 0);
	/* Before DRIVER_OK the device consumes nothing. */
	assert_int_equal(drv_notify(&f->t, 0), -EINVAL);
	assert_int_equal(f->be.notifies[0], 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, ALL_OK), 0);
	assert_int_equal(drv_notify(&f->t, 2), -EINVAL);
	assert_int_equal(drv_notify(&f->t, 1), -EINVAL);	/* not ready */
	assert_int_equal(f->be.notifies[1], 0);
	assert_int_equal(drv_notify(&f->t, 0), 0);
	assert_int_equal(f->be.notifies[0], 1);
}

static void test_used_buffer_interrupt_and_ack(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	drv_init(&f->t, f->d, &f->m, FEATURES, 2, 8);
	drv_add_buf(&f->t, 0, BUF(0), 64, true);
	assert_int_equal(drv_notify(&f->t, 0), 0);
	assert_true(drv_get_used(&f->t, 0, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, 64);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_true(f->rec.irq);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(f->rec.irq);
	/* VIRTQ_AVAIL_F_NO_INTERRUPT: used, but no interrupt. */
	drv_set_avail_flags(&f->t, 0, VIRTQ_AVAIL_F_NO_INTERRUPT);
	drv_add_buf(&f->t, 0, BUF(1), 32, true);
	assert_int_equal(drv_notify(&f->t, 0), 0);
	assert_true(drv_get_used(&f->t, 0, &id, &len));
	assert_int_equal(id, 1);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(f->rec.irq_edges, 2);
}

static void test_malformed_chain_needs_reset(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	drv_init(&f->t, f->d, &f->m, FEATURES, 2, 8);
	drv_set_desc(&f->t, 1, 0, BUF(0), 16, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 1, 1, BUF(1), 16, VIRTQ_DESC_F_NEXT, 0);
	drv_make_avail(&f->t, 1, 0);
	assert_int_equal(drv_notify(&f->t, 1), -EIO);
	assert_needs_reset(f, "queue 1: descriptor chain from 0 loops");
	assert_false(drv_get_used(&f->t, 1, &id, &len));
	/* Further notifications are refused before reaching the backend. */
	assert_int_equal(drv_notify(&f->t, 1), -EIO);
	assert_int_equal(f->be.notifies[1], 1);
	/* Reset, set up again, and the device works. */
	drv_init(&f->t, f->d, &f->m, FEATURES, 2, 8);
	drv_add_buf(&f->t, 1, BUF(0), 16, true);
	assert_int_equal(drv_notify(&f->t, 1), 0);
	assert_true(drv_get_used(&f->t, 1, &id, &len));
}

static void test_indirect_follows_negotiation(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = BUF(1), .len = 24, .flags = VIRTQ_DESC_F_WRITE };
	uint32_t id, len;

	memcpy(fake_ptr(&f->m, BUF(2)), &d, sizeof(d));
	drv_init(&f->t, f->d, &f->m, FEATURES | (1ull << VIRTIO_F_INDIRECT_DESC), 2, 8);
	drv_set_desc(&f->t, 0, 0, BUF(2), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	assert_int_equal(drv_notify(&f->t, 0), 0);
	assert_true(drv_get_used(&f->t, 0, &id, &len));
	assert_int_equal(len, 24);
	/* Without the feature the same chain is malformed. */
	drv_init(&f->t, f->d, &f->m, FEATURES, 2, 8);
	drv_set_desc(&f->t, 0, 0, BUF(2), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	assert_int_equal(drv_notify(&f->t, 0), -EIO);
	assert_needs_reset(f, "VIRTIO_F_INDIRECT_DESC");
}

static void test_reset_clears_queues_and_features(void **state)
{
	struct fixture *f = *state;

	drv_init(&f->t, f->d, &f->m, FEATURES, 2, 8);
	assert_int_equal(f->be.resets, 1);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, 0), 0);
	assert_int_equal(f->be.resets, 2);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), 0);
	for (uint32_t q = 0; q < 2; q++) {
		assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, q), 0);
		assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_READY), 0);
	}
	/* The driver features went too: FEATURES_OK without VERSION_1 fails. */
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
				   VIRTIO_STATUS_DRIVER), 0);
	assert_int_equal(features_ok(f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_identity_registers),
		T(test_device_features_by_word),
		T(test_create_rejects_bad_backends),
		T(test_bad_accesses_refused),
		T(test_config_space),
		T(test_features_ok_requires_version_1),
		T(test_features_ok_refuses_unoffered_features),
		T(test_driver_features_frozen_after_features_ok),
		T(test_status_transitions_refused),
		T(test_queue_registers),
		T(test_queue_num_not_power_of_2_needs_reset),
		T(test_queue_num_above_max_needs_reset),
		T(test_queue_ready_rings_outside_shared_memory),
		T(test_notify_rules),
		T(test_used_buffer_interrupt_and_ack),
		T(test_malformed_chain_needs_reset),
		T(test_indirect_follows_negotiation),
		T(test_reset_clears_queues_and_features),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for dev_virtio_console.c: a driver written here does the
 * payload's round trip (transmit, loopback, receive) against fake shared
 * memory, and hands the device transmit and receive chains it must refuse.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_virtio_console.h"
#include "virtio_test_driver.h"

#define RXQ		VIRTIO_CONSOLE_RECEIVEQ
#define TXQ		VIRTIO_CONSOLE_TRANSMITQ
#define FEATURES	(1ull << VIRTIO_F_VERSION_1)
#define BUF(i)		(FAKE_BASE + FAKE_BUF_AREA + 0x1000ull * (i))

struct fixture {
	struct fake_mem m;
	struct host_record rec;
	struct virtio_console *c;
	struct test_driver t;
	char out[32768];
	size_t out_len;
	uint64_t out_total;
	unsigned out_calls;
};

static void capture(void *opaque, const void *buf, size_t len)
{
	struct fixture *f = opaque;

	/* Kept while it fits; the random test only counts. */
	f->out_total += len;
	f->out_calls++;
	if (f->out_len + len > sizeof(f->out))
		return;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
}

static int setup_mode(void **state, bool loopback)
{
	static struct fixture f;
	struct virtio_mmio_host host;
	struct virtio_console_opts opts = { .loopback = loopback, .output = capture, .opaque = &f };

	memset(&f, 0, sizeof(f));
	fake_mem_init(&f.m);
	host = fake_host(&f.m, &f.rec);
	assert_int_equal(virtio_console_create(&host, &opts, &f.c), 0);
	f.t.d = virtio_console_transport(f.c);
	f.t.m = &f.m;
	*state = &f;
	return 0;
}

static int setup_loopback(void **state)
{
	return setup_mode(state, true);
}

static int setup_plain(void **state)
{
	return setup_mode(state, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_console_destroy(f->c);
	fake_mem_fini(&f->m);
	return 0;
}

static void start(struct fixture *f)
{
	drv_init(&f->t, virtio_console_transport(f->c), &f->m, FEATURES, 2, 16);
}

static void put(struct fixture *f, uint64_t gpa, const char *s)
{
	memcpy(fake_ptr(&f->m, gpa), s, strlen(s));
}

static void assert_needs_reset(struct fixture *f, const char *needle)
{
	char why[256];
	struct virtio_mmio_dev *d = virtio_console_transport(f->c);

	assert_true(virtio_mmio_status(d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	virtio_mmio_needs_reset_reason(d, why, sizeof(why));
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
	assert_non_null(strstr(f->rec.last_log, "virtio-console: DEVICE_NEEDS_RESET"));
}

static void test_identity_and_config(void **state)
{
	struct fixture *f = *state;
	uint32_t v = 0xffffffff;

	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_ID), 3);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0), 0);
	/* No console feature: no SIZE, MULTIPORT or EMERG_WRITE. */
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_DEVICE_FEATURES),
			 1u << VIRTIO_F_INDIRECT_DESC);
	for (uint64_t off = 0x100; off < 0x10c; off += 4) {
		assert_int_equal(virtio_mmio_access(f->t.d, off, &v, 4, false), 0);
		assert_int_equal(v, 0);
	}
	assert_int_equal(virtio_mmio_access(f->t.d, 0x10c, &v, 4, false), -EINVAL);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 2), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_QUEUE_SEL, 1), 0);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_QUEUE_NUM_MAX),
			 VIRTIO_CONSOLE_QUEUE_NUM_MAX);
}

static void test_create_rejects_missing_arguments(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_host host = fake_host(&f->m, &f->rec);
	struct virtio_console_opts opts = { 0 };
	struct virtio_console *c = NULL;

	assert_int_equal(virtio_console_create(NULL, &opts, &c), -EINVAL);
	assert_int_equal(virtio_console_create(&host, NULL, &c), -EINVAL);
	assert_int_equal(virtio_console_create(&host, &opts, NULL), -EINVAL);
	assert_null(c);
}

static void test_round_trip_loopback(void **state)
{
	struct fixture *f = *state;
	const char *msg = "tdx-emu virtio round trip";
	uint32_t id, len;
	uint16_t rx, tx;

	start(f);
	memset(fake_ptr(&f->m, BUF(0)), 0, 64);
	rx = drv_add_buf(&f->t, RXQ, BUF(0), 64, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));

	put(f, BUF(1), msg);
	tx = drv_add_buf(&f->t, TXQ, BUF(1), (uint32_t)strlen(msg), false);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);

	assert_int_equal(f->out_len, strlen(msg));
	assert_memory_equal(f->out, msg, strlen(msg));
	assert_true(drv_get_used(&f->t, TXQ, &id, &len));
	assert_int_equal(id, tx);
	assert_int_equal(len, 0);
	assert_true(drv_get_used(&f->t, RXQ, &id, &len));
	assert_int_equal(id, rx);
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(fake_ptr(&f->m, BUF(0)), msg, strlen(msg));
	assert_true(drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	assert_true(f->rec.irq);
	assert_int_equal(virtio_mmio_status(f->t.d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);
}

static void test_loopback_waits_for_receive_buffers(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	put(f, BUF(1), "0123456789abcdef");
	drv_add_buf(&f->t, TXQ, BUF(1), 16, false);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));
	/* Receive buffers smaller than what is pending take it in pieces. */
	drv_add_buf(&f->t, RXQ, BUF(2), 10, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	assert_true(drv_get_used(&f->t, RXQ, &id, &len));
	assert_int_equal(len, 10);
	assert_memory_equal(fake_ptr(&f->m, BUF(2)), "0123456789", 10);
	drv_add_buf(&f->t, RXQ, BUF(3), 10, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	assert_true(drv_get_used(&f->t, RXQ, &id, &len));
	assert_int_equal(len, 6);
	assert_memory_equal(fake_ptr(&f->m, BUF(3)), "abcdef", 6);
	/* Nothing left: a further buffer stays posted. */
	drv_add_buf(&f->t, RXQ, BUF(4), 10, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));
}

static void test_without_loopback_nothing_comes_back(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	drv_add_buf(&f->t, RXQ, BUF(0), 64, true);
	put(f, BUF(1), "out only");
	drv_add_buf(&f->t, TXQ, BUF(1), 8, false);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);
	assert_int_equal(f->out_len, 8);
	assert_true(drv_get_used(&f->t, TXQ, &id, &len));
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));
	/* Host input still reaches the driver. */
	assert_int_equal(virtio_console_input(f->c, "in", 2), 2);
	assert_true(drv_get_used(&f->t, RXQ, &id, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(fake_ptr(&f->m, BUF(0)), "in", 2);
}

static void test_transmit_chain_of_segments(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	put(f, BUF(1), "first,");
	put(f, BUF(2), "second,");
	put(f, BUF(3), "third");
	drv_set_desc(&f->t, TXQ, 5, BUF(1), 6, VIRTQ_DESC_F_NEXT, 9);
	drv_set_desc(&f->t, TXQ, 9, BUF(2), 7, VIRTQ_DESC_F_NEXT, 2);
	drv_set_desc(&f->t, TXQ, 2, BUF(3), 5, 0, 0);
	drv_make_avail(&f->t, TXQ, 5);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);
	assert_int_equal(f->out_len, 18);
	assert_memory_equal(f->out, "first,second,third", 18);
	assert_true(drv_get_used(&f->t, TXQ, &id, &len));
	assert_int_equal(id, 5);
}

static void test_large_transmit_in_order(void **state)
{
	struct fixture *f = *state;
	uint8_t *p = fake_ptr(&f->m, BUF(0));
	const uint32_t size = 10000;

	start(f);
	for (uint32_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	drv_add_buf(&f->t, TXQ, BUF(0), size, false);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);
	assert_int_equal(f->out_len, size);
	assert_true(f->out_calls >= 3);
	assert_memory_equal(f->out, p, size);
}

static void test_transmit_with_writable_descriptor_needs_reset(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	drv_set_desc(&f->t, TXQ, 0, BUF(1), 8, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, TXQ, 1, BUF(2), 8, VIRTQ_DESC_F_WRITE, 0);
	drv_make_avail(&f->t, TXQ, 0);
	assert_int_equal(drv_notify(&f->t, TXQ), -EIO);
	assert_needs_reset(f, "transmitq chain 0 has 1 device-writable");
	assert_int_equal(f->out_len, 0);
	assert_false(drv_get_used(&f->t, TXQ, &id, &len));
}

static void test_receive_with_readable_descriptor_needs_reset(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	memset(fake_ptr(&f->m, BUF(0)), 0x5a, 16);
	drv_add_buf(&f->t, RXQ, BUF(0), 16, false);
	assert_int_equal(virtio_console_input(f->c, "data", 4), 4);
	assert_needs_reset(f, "receiveq chain 0 has 1 device-readable");
	/* The device wrote nothing into the readable buffer. */
	assert_int_equal(((uint8_t *)fake_ptr(&f->m, BUF(0)))[0], 0x5a);
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));
}

static void test_malformed_transmit_ring_no_output(void **state)
{
	struct fixture *f = *state;

	start(f);
	put(f, BUF(1), "never printed");
	drv_set_desc(&f->t, TXQ, 0, BUF(1), 13, VIRTQ_DESC_F_NEXT, 0);
	drv_make_avail(&f->t, TXQ, 0);
	assert_int_equal(drv_notify(&f->t, TXQ), -EIO);
	assert_needs_reset(f, "queue 1: descriptor chain from 0 loops");
	assert_int_equal(f->out_calls, 0);
}

static void test_transmit_buffer_in_private_memory(void **state)
{
	struct fixture *f = *state;

	start(f);
	put(f, BUF(1), "secret");
	fake_mem_revoke(&f->m, BUF(1), 0x1000);
	drv_add_buf(&f->t, TXQ, BUF(1), 6, false);
	assert_int_equal(drv_notify(&f->t, TXQ), -EIO);
	assert_needs_reset(f, "not in shared memory");
	assert_int_equal(f->out_calls, 0);
}

static void test_input_fifo_bounded(void **state)
{
	struct fixture *f = *state;
	static char big[VIRTIO_CONSOLE_FIFO_SIZE + 100];

	start(f);
	memset(big, 'x', sizeof(big));
	assert_int_equal(virtio_console_input(f->c, big, sizeof(big)), VIRTIO_CONSOLE_FIFO_SIZE);
	assert_int_equal(virtio_console_dropped(f->c), 100);
	assert_int_equal(virtio_console_input(f->c, "y", 1), 0);
	assert_int_equal(virtio_console_dropped(f->c), 101);
}

static void test_reset_drops_pending_bytes(void **state)
{
	struct fixture *f = *state;
	uint32_t id, len;

	start(f);
	assert_int_equal(virtio_console_input(f->c, "stale", 5), 5);
	start(f);	/* drv_init resets the device first */
	drv_add_buf(&f->t, RXQ, BUF(0), 16, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	assert_false(drv_get_used(&f->t, RXQ, &id, &len));
}

/*
 * The order ovmf-tdvf's payload-demo uses: VERSION_1 and ACCESS_PLATFORM,
 * 8-entry queues, the receive buffer posted and notified before the
 * transmit, then a reset that must leave nothing behind.
 */
static void test_payload_sequence(void **state)
{
	struct fixture *f = *state;
	const char *msg = "tdx-emu payload says hello";
	uint32_t id, len;
	unsigned lookups;

	drv_init(&f->t, f->t.d, &f->m, FEATURES | (1ull << VIRTIO_F_ACCESS_PLATFORM), 2, 8);
	drv_add_buf(&f->t, RXQ, BUF(0), 256, true);
	assert_int_equal(drv_notify(&f->t, RXQ), 0);
	put(f, BUF(1), msg);
	drv_add_buf(&f->t, TXQ, BUF(1), (uint32_t)strlen(msg), false);
	assert_int_equal(drv_notify(&f->t, TXQ), 0);
	assert_true(drv_get_used(&f->t, TXQ, &id, &len));
	assert_true(id == 0 && len == 0);
	assert_true(drv_get_used(&f->t, RXQ, &id, &len));
	assert_true(id == 0 && len == strlen(msg));
	assert_memory_equal(fake_ptr(&f->m, BUF(0)), msg, len);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);
	assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_STATUS, 0), 0);
	/* The payload now converts the block back to private: nothing may touch it. */
	fake_mem_revoke(&f->m, FAKE_BASE, FAKE_SIZE);
	lookups = f->m.lookups;
	assert_int_equal(virtio_console_input(f->c, "late", 4), 4);
	assert_int_equal(drv_read(&f->t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(f->m.lookups, lookups);
}

#define STRESS_BYTES 200000

struct stress {
	struct virtio_console *c;
	size_t accepted;
};

/* The host side feeding input while the guest side drains it. */
static void *stress_input(void *arg)
{
	struct stress *st = arg;
	uint8_t chunk[61];

	for (size_t sent = 0; sent < STRESS_BYTES;) {
		size_t n = STRESS_BYTES - sent < sizeof(chunk) ? STRESS_BYTES - sent : sizeof(chunk);
		size_t got;

		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((sent + i) % 251);
		got = virtio_console_input(st->c, chunk, n);
		/* Full FIFO: retry what did not fit, as a host would. */
		sent += got;
		st->accepted += got;
		if (got < n)
			usleep(100);
	}
	return NULL;
}

static void test_input_races_with_driver(void **state)
{
	struct fixture *f = *state;
	struct stress st = { .c = f->c };
	size_t received = 0;
	pthread_t t;
	uint32_t id, len, isr;

	start(f);
	for (uint16_t i = 0; i < 16; i++) {
		drv_set_desc(&f->t, RXQ, i, BUF(i), 256, VIRTQ_DESC_F_WRITE, 0);
		drv_make_avail(&f->t, RXQ, i);
	}
	assert_int_equal(pthread_create(&t, NULL, stress_input, &st), 0);
	while (received < STRESS_BYTES) {
		if (!drv_get_used(&f->t, RXQ, &id, &len)) {
			assert_int_equal(drv_notify(&f->t, RXQ), 0);
			isr = drv_read(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS);

			assert_int_equal(drv_write(&f->t, VIRTIO_MMIO_INTERRUPT_ACK, isr), 0);
			continue;
		}
		assert_true(id < 16 && len <= 256);
		for (uint32_t i = 0; i < len; i++)
			if (((uint8_t *)fake_ptr(&f->m, BUF(id)))[i] != (received + i) % 251)
				fail_msg("byte %zu out of order", received + i);
		received += len;
		drv_set_desc(&f->t, RXQ, (uint16_t)id, BUF(id), 256, VIRTQ_DESC_F_WRITE, 0);
		drv_make_avail(&f->t, RXQ, (uint16_t)id);
	}
	pthread_join(t, NULL);
	assert_int_equal(received, STRESS_BYTES);
	assert_int_equal(st.accepted, STRESS_BYTES);
	assert_int_equal(virtio_mmio_status(f->t.d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);
}

static const uint64_t reg_offsets[] = {
	VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INTERRUPT_ACK,
	VIRTIO_MMIO_STATUS, VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
	VIRTIO_MMIO_CONFIG_GENERATION, 0x100, 0x104, 0x108, 0x10c, 0x1fc,
};

static uint32_t random_value(unsigned *seed)
{
	switch (rand_r(seed) % 5) {
	case 0:
		return (uint32_t)(rand_r(seed) % 4);
	case 1:
		return 1u << (rand_r(seed) % 32);
	case 2:
		return (uint32_t)(FAKE_BASE + (uint64_t)(rand_r(seed) % 0x5000));
	case 3:
		return (uint32_t)(FAKE_BASE >> 32);
	default:
		return (uint32_t)rand_r(seed) ^ ((uint32_t)rand_r(seed) << 16);
	}
}

/*
 * A hostile guest: random register accesses, ring bytes scribbled while
 * the device runs, and host input in between.  Guard pages turn any access
 * outside shared memory into a crash; every call must return 0, -EINVAL
 * or -EIO.
 */
static void test_random_mmio_accesses(void **state)
{
	struct fixture *f = *state;
	const char *env = getenv("QT_VIRTIO_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	unsigned needs_reset = 0, delivered = 0;
	struct virtio_mmio_dev *d = f->t.d;

	printf("test_random_mmio_accesses: seed %u (set QT_VIRTIO_SEED to repeat)\n", seed);
	start(f);
	for (int iter = 0; iter < 100000; iter++) {
		unsigned op = (unsigned)rand_r(&seed) % 100;
		uint64_t v64 = 0;
		uint32_t v;
		int rc = 0;

		if (op < 2) {
			start(f);
			for (int i = 0; i < 4; i++)
				drv_add_buf(&f->t, RXQ, BUF(i), 64, true);
		} else if (op < 40) {
			v = random_value(&seed);
			rc = virtio_mmio_access(d, reg_offsets[rand_r(&seed) % 28], &v, 4, true);
		} else if (op < 55) {
			uint64_t off = rand_r(&seed) % 3 ? reg_offsets[rand_r(&seed) % 28]
							 : (uint64_t)rand_r(&seed) % 0x400;
			unsigned size = 1u << (rand_r(&seed) % 4);

			rc = virtio_mmio_access(d, off, &v64, size, rand_r(&seed) % 4 == 0);
		} else if (op < 75) {
			/* Scribble on the rings of either queue. */
			uint8_t *p = fake_ptr(&f->m, FAKE_BASE + (uint64_t)(rand_r(&seed) % 0x8000));

			*p = (uint8_t)rand_r(&seed);
		} else if (op < 85) {
			drv_add_buf(&f->t, (unsigned)rand_r(&seed) % 2,
				    FAKE_BASE + (uint64_t)(rand_r(&seed) % (int)FAKE_SIZE),
				    (uint32_t)(rand_r(&seed) % 0x2000), rand_r(&seed) & 1);
		} else if (op < 95) {
			rc = drv_notify(&f->t, (unsigned)rand_r(&seed) % 3);
		} else {
			delivered += (unsigned)virtio_console_input(f->c, "0123456789", 10);
		}
		if (rc != 0 && rc != -EINVAL && rc != -EIO)
			fail_msg("iteration %d: unexpected result %d", iter, rc);
		if (virtio_mmio_status(d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
			needs_reset++;
	}
	printf("test_random_mmio_accesses: %u steps in NEEDS_RESET, %u bytes of input, %llu out\n",
	       needs_reset, delivered, (unsigned long long)f->out_total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_loopback, teardown)
		T(test_identity_and_config),
		T(test_create_rejects_missing_arguments),
		T(test_round_trip_loopback),
		T(test_payload_sequence),
		T(test_loopback_waits_for_receive_buffers),
		cmocka_unit_test_setup_teardown(test_without_loopback_nothing_comes_back,
						setup_plain, teardown),
		T(test_transmit_chain_of_segments),
		T(test_large_transmit_in_order),
		T(test_transmit_with_writable_descriptor_needs_reset),
		T(test_receive_with_readable_descriptor_needs_reset),
		T(test_malformed_transmit_ring_no_output),
		T(test_transmit_buffer_in_private_memory),
		T(test_input_fifo_bounded),
		T(test_reset_drops_pending_bytes),
		T(test_input_races_with_driver),
		T(test_random_mmio_accesses),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

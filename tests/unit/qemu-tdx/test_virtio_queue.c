/*
 * Unit tests for virtqueue.c: queue setup checks, popping chains (direct
 * and indirect), pushing used elements, and every malformed-ring case,
 * each of which must be refused without consuming anything and without
 * touching memory outside what shared_ptr returned (the fake memory is
 * fenced by PROT_NONE pages).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "virtio_test_driver.h"
#include "virtqueue.h"

#define NUM 8
#define BUF(i) (FAKE_BASE + FAKE_BUF_AREA + 0x1000ull * (i))

struct fixture {
	struct fake_mem m;
	struct qt_guest_mem mem;
	struct test_driver t;		/* ring writer only: no device */
	struct virtqueue vq;
	struct virtq_seg segs[2 * NUM];
	struct virtq_elem e;
	char err[256];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	fake_mem_init(&f.m);
	f.mem = fake_mem_accessor(&f.m);
	f.t.m = &f.m;
	f.t.q[0] = (struct test_queue){
		.num = NUM,
		.desc = FAKE_BASE,
		.avail = FAKE_BASE + 0x1000,
		.used = FAKE_BASE + 0x2000,
	};
	f.vq = (struct virtqueue){
		.num = NUM, .ready = true,
		.desc_gpa = FAKE_BASE, .avail_gpa = FAKE_BASE + 0x1000,
		.used_gpa = FAKE_BASE + 0x2000,
	};
	f.e.seg = f.segs;
	f.e.seg_cap = NUM;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_mem_fini(&f->m);
	return 0;
}

static int pop(struct fixture *f, bool indirect)
{
	f->err[0] = '\0';
	return virtqueue_pop(&f->vq, &f->mem, indirect, &f->e, f->err, sizeof(f->err));
}

/* A refused pop consumes nothing and names the problem. */
static void expect_refused(struct fixture *f, bool indirect, const char *needle)
{
	uint16_t before = f->vq.last_avail_idx;

	assert_int_equal(pop(f, indirect), -EIO);
	assert_int_equal(f->vq.last_avail_idx, before);
	if (!strstr(f->err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", f->err, needle);
}

static int check_setup(struct fixture *f, uint16_t max)
{
	f->err[0] = '\0';
	return virtqueue_check_setup(&f->vq, max, &f->mem, f->err, sizeof(f->err));
}

static void test_setup_accepts_valid_rings(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check_setup(f, NUM), 0);
	f->vq.num = 1;
	assert_int_equal(check_setup(f, NUM), 0);
}

static void test_setup_size_not_power_of_2(void **state)
{
	struct fixture *f = *state;

	f->vq.num = 6;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "not a power of 2"));
	f->vq.num = 0;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "not a power of 2"));
}

static void test_setup_size_above_max(void **state)
{
	struct fixture *f = *state;

	f->vq.num = 16;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "exceeds QueueNumMax 8"));
}

static void test_setup_misaligned_rings(void **state)
{
	struct fixture *f = *state;

	f->vq.desc_gpa += 8;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "descriptor table"));
	f->vq.desc_gpa -= 8;
	f->vq.avail_gpa += 1;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "driver ring"));
	f->vq.avail_gpa -= 1;
	f->vq.used_gpa += 2;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "device ring"));
}

static void test_setup_rings_outside_shared_memory(void **state)
{
	struct fixture *f = *state;

	/* The private alias of the same page: shared bit clear. */
	f->vq.desc_gpa &= ~FAKE_SHARED_BIT;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "descriptor table"));
	assert_non_null(strstr(f->err, "not in shared memory"));
	f->vq.desc_gpa = FAKE_BASE;
	/* A used ring whose last bytes run past the end of shared memory. */
	f->vq.used_gpa = FAKE_BASE + FAKE_SIZE - 64;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "device ring"));
	f->vq.used_gpa = FAKE_BASE + 0x2000;
	/* A driver ring at an address that wraps the 64-bit space. */
	f->vq.avail_gpa = 0xfffffffffffffffeull;
	assert_int_equal(check_setup(f, NUM), -EIO);
	assert_non_null(strstr(f->err, "driver ring"));
}

static void test_pop_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pop(f, false), 0);
	assert_int_equal(f->vq.last_avail_idx, 0);
}

static void test_pop_chain_and_push(void **state)
{
	struct fixture *f = *state;
	const uint8_t *used = fake_ptr(&f->m, FAKE_BASE + 0x2000);
	struct virtq_used_elem ue;
	uint16_t used_idx;

	drv_set_desc(&f->t, 0, 3, BUF(0), 100, VIRTQ_DESC_F_NEXT, 5);
	drv_set_desc(&f->t, 0, 5, BUF(1), 200, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 0, 1, BUF(2), 300, VIRTQ_DESC_F_WRITE, 0);
	drv_make_avail(&f->t, 0, 3);
	assert_int_equal(pop(f, false), 1);
	assert_int_equal(f->e.head, 3);
	assert_int_equal(f->e.n_out, 2);
	assert_int_equal(f->e.n_in, 1);
	assert_int_equal(f->e.out_bytes, 300);
	assert_int_equal(f->e.in_bytes, 300);
	assert_int_equal(f->e.seg[1].gpa, BUF(1));
	assert_true(f->e.seg[2].device_writable);
	assert_int_equal(f->vq.last_avail_idx, 1);
	assert_int_equal(pop(f, false), 0);

	assert_int_equal(virtqueue_push(&f->vq, &f->mem, 3, 42, f->err, sizeof(f->err)), 0);
	memcpy(&used_idx, used + 2, 2);
	memcpy(&ue, used + 4, sizeof(ue));
	assert_int_equal(used_idx, 1);
	assert_int_equal(ue.id, 3);
	assert_int_equal(ue.len, 42);
}

static void test_pop_wraps_ring_indices(void **state)
{
	struct fixture *f = *state;

	/* Start both sides near the 16-bit wrap. */
	f->vq.last_avail_idx = 0xfffe;
	f->t.q[0].avail_idx = 0xfffe;
	for (int i = 0; i < 4; i++)
		drv_add_buf(&f->t, 0, BUF(i), 16, false);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pop(f, false), 1);
		assert_int_equal(f->e.head, i);
	}
	assert_int_equal(pop(f, false), 0);
	assert_int_equal(f->vq.last_avail_idx, 2);
}

static void test_pop_avail_idx_jump(void **state)
{
	struct fixture *f = *state;
	uint16_t idx = NUM + 1;

	memcpy(fake_ptr(&f->m, FAKE_BASE + 0x1000 + 2), &idx, 2);
	expect_refused(f, false, "more than queue size 8");
}

static void test_pop_head_out_of_range(void **state)
{
	struct fixture *f = *state;

	drv_make_avail(&f->t, 0, NUM);
	expect_refused(f, false, "head 8 is out of range");
}

static void test_pop_chain_loops(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, BUF(0), 16, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 0, 1, BUF(1), 16, VIRTQ_DESC_F_NEXT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "loops");
}

static void test_pop_chain_self_loop(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 2, BUF(0), 16, VIRTQ_DESC_F_NEXT, 2);
	drv_make_avail(&f->t, 0, 2);
	expect_refused(f, false, "loops");
}

static void test_pop_next_out_of_range(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, BUF(0), 16, VIRTQ_DESC_F_NEXT, NUM);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "next 8 is out of range");
}

static void test_pop_buffer_outside_shared_memory(void **state)
{
	struct fixture *f = *state;

	/* Starts in shared memory, ends one byte past it (into the guard page). */
	drv_set_desc(&f->t, 0, 0, FAKE_BASE + FAKE_SIZE - 16, 17, 0, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "not in shared memory");
}

static void test_pop_buffer_private_alias(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, BUF(0) & ~FAKE_SHARED_BIT, 16, 0, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "not in shared memory");
}

static void test_pop_buffer_address_wraps(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "wraps");
}

static void test_pop_readable_after_writable(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, BUF(0), 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 0, 1, BUF(1), 16, 0, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "device-readable after device-writable");
}

static void test_pop_ring_unshared_after_setup(void **state)
{
	struct fixture *f = *state;

	drv_add_buf(&f->t, 0, BUF(0), 16, false);
	fake_mem_revoke(&f->m, FAKE_BASE + 0x1000, 0x1000);
	expect_refused(f, false, "driver ring is no longer in shared memory");
	fake_mem_revoke(&f->m, FAKE_BASE, 0x1000);
	expect_refused(f, false, "descriptor table is no longer in shared memory");
	fake_mem_revoke(&f->m, FAKE_BASE + 0x2000, 0x1000);
	assert_int_equal(pop(f, false), 1);
	assert_int_equal(virtqueue_push(&f->vq, &f->mem, 0, 0, f->err, sizeof(f->err)), -EIO);
	assert_non_null(strstr(f->err, "device ring"));
}

/* Indirect descriptors (§2.6.5.3). */
static uint64_t put_indirect(struct fixture *f, const struct virtq_desc *d, unsigned n)
{
	uint64_t table = BUF(7);

	memcpy(fake_ptr(&f->m, table), d, n * sizeof(*d));
	return table;
}

static void test_pop_indirect(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d[3] = {
		{ .addr = BUF(0), .len = 10, .flags = VIRTQ_DESC_F_NEXT, .next = 2 },
		{ .addr = BUF(2), .len = 30, .flags = VIRTQ_DESC_F_WRITE },
		{ .addr = BUF(1), .len = 20, .flags = VIRTQ_DESC_F_NEXT, .next = 1 },
	};

	drv_set_desc(&f->t, 0, 4, put_indirect(f, d, 3), sizeof(d), VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 4);
	assert_int_equal(pop(f, true), 1);
	assert_int_equal(f->e.head, 4);
	assert_int_equal(f->e.n_out, 2);
	assert_int_equal(f->e.n_in, 1);
	assert_int_equal(f->e.seg[1].gpa, BUF(1));
	assert_int_equal(f->e.in_bytes, 30);
}

static void test_pop_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = BUF(0), .len = 10 };

	drv_set_desc(&f->t, 0, 0, put_indirect(f, &d, 1), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, false, "without VIRTIO_F_INDIRECT_DESC");
}

static void test_pop_indirect_with_next(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = BUF(0), .len = 10 };

	drv_set_desc(&f->t, 0, 0, put_indirect(f, &d, 1), 16,
		     VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "INDIRECT descriptor with NEXT");
}

static void test_pop_indirect_bad_length(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d[2] = { { .addr = BUF(0), .len = 10 } };
	uint64_t table = put_indirect(f, d, 2);

	drv_set_desc(&f->t, 0, 0, table, 24, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "not a non-zero multiple of 16");
	drv_set_desc(&f->t, 0, 0, table, 0, VIRTQ_DESC_F_INDIRECT, 0);
	expect_refused(f, true, "not a non-zero multiple of 16");
	drv_set_desc(&f->t, 0, 0, table, 16 * (NUM + 1), VIRTQ_DESC_F_INDIRECT, 0);
	expect_refused(f, true, "exceeds queue size");
}

static void test_pop_indirect_table_outside_shared_memory(void **state)
{
	struct fixture *f = *state;

	drv_set_desc(&f->t, 0, 0, FAKE_BASE + FAKE_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "indirect table");
	drv_set_desc(&f->t, 0, 0, BUF(0) + 8, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_refused(f, true, "not 16-byte aligned");
}

static void test_pop_indirect_nested(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = BUF(0), .len = 16, .flags = VIRTQ_DESC_F_INDIRECT };

	drv_set_desc(&f->t, 0, 0, put_indirect(f, &d, 1), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "inside an indirect table");
}

static void test_pop_indirect_loop_and_range(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d[2] = {
		{ .addr = BUF(0), .len = 8, .flags = VIRTQ_DESC_F_NEXT, .next = 1 },
		{ .addr = BUF(1), .len = 8, .flags = VIRTQ_DESC_F_NEXT, .next = 0 },
	};

	drv_set_desc(&f->t, 0, 0, put_indirect(f, d, 2), sizeof(d), VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "loops");
	d[1].next = 2;
	put_indirect(f, d, 2);
	expect_refused(f, true, "next 2 is out of range (2 entries)");
}

static void test_pop_indirect_not_at_head(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = BUF(0), .len = 8 };

	drv_set_desc(&f->t, 0, 0, BUF(1), 8, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 0, 1, put_indirect(f, &d, 1), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "not at the head");
}

static void test_pop_indirect_buffer_outside_shared_memory(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { .addr = FAKE_BASE - 8, .len = 16 };

	drv_set_desc(&f->t, 0, 0, put_indirect(f, &d, 1), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_make_avail(&f->t, 0, 0);
	expect_refused(f, true, "indirect descriptor 0");
}

static void test_should_interrupt(void **state)
{
	struct fixture *f = *state;

	assert_true(virtqueue_should_interrupt(&f->vq, &f->mem));
	drv_set_avail_flags(&f->t, 0, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtqueue_should_interrupt(&f->vq, &f->mem));
}

static void test_elem_read_write_across_segments(void **state)
{
	struct fixture *f = *state;
	char out[16] = { 0 };
	long n;

	memcpy(fake_ptr(&f->m, BUF(0)), "hello ", 6);
	memcpy(fake_ptr(&f->m, BUF(1)), "world", 5);
	drv_set_desc(&f->t, 0, 0, BUF(0), 6, VIRTQ_DESC_F_NEXT, 1);
	drv_set_desc(&f->t, 0, 1, BUF(1), 5, VIRTQ_DESC_F_NEXT, 2);
	drv_set_desc(&f->t, 0, 2, BUF(2), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	drv_set_desc(&f->t, 0, 3, BUF(3), 4, VIRTQ_DESC_F_WRITE, 0);
	drv_make_avail(&f->t, 0, 0);
	assert_int_equal(pop(f, false), 1);
	n = virtq_elem_read(&f->e, &f->mem, 3, out, sizeof(out));
	assert_int_equal(n, 8);
	assert_memory_equal(out, "lo world", 8);
	n = virtq_elem_write(&f->e, &f->mem, "0123456789", 10);
	assert_int_equal(n, 8);
	assert_memory_equal(fake_ptr(&f->m, BUF(2)), "0123", 4);
	assert_memory_equal(fake_ptr(&f->m, BUF(3)), "4567", 4);
	/* A buffer converted to private between pop and copy. */
	fake_mem_revoke(&f->m, BUF(1), 0x1000);
	assert_int_equal(virtq_elem_read(&f->e, &f->mem, 0, out, sizeof(out)), -EIO);
}

/* Addresses a hostile driver would try: inside, at the edges, and outside. */
static uint64_t random_addr(unsigned *seed)
{
	switch (rand_r(seed) % 6) {
	case 0:
		return BUF(rand_r(seed) % 8) + (uint64_t)(rand_r(seed) % 64);
	case 1:
		return FAKE_BASE + FAKE_SIZE - (uint64_t)(rand_r(seed) % 64);
	case 2:
		return FAKE_BASE - (uint64_t)(rand_r(seed) % 64);
	case 3:
		return (BUF(0) & ~FAKE_SHARED_BIT) + (uint64_t)(rand_r(seed) % 4096);
	case 4:
		return ~0ull - (uint64_t)(rand_r(seed) % 4096);
	default:
		return FAKE_BASE + (uint64_t)rand_r(seed) % FAKE_SIZE;
	}
}

static uint32_t random_len(unsigned *seed)
{
	switch (rand_r(seed) % 4) {
	case 0:
		return (uint32_t)(rand_r(seed) % 4) * 16;
	case 1:
		return 0xffffffffu - (uint32_t)(rand_r(seed) % 16);
	default:
		return (uint32_t)(rand_r(seed) % 8192);
	}
}

static void random_desc(unsigned *seed, struct virtq_desc *d, unsigned span)
{
	d->addr = random_addr(seed);
	d->len = random_len(seed);
	d->flags = (uint16_t)(rand_r(seed) % 8);
	d->next = (uint16_t)(rand_r(seed) % (span + 2));
}

/* What a successful pop promises: every segment shared, readable first. */
static void check_elem(struct fixture *f)
{
	uint64_t out = 0, in = 0;

	assert_true(f->e.n_out + f->e.n_in <= NUM);
	for (unsigned i = 0; i < f->e.n_out + f->e.n_in; i++) {
		const struct virtq_seg *sg = &f->e.seg[i];

		assert_int_equal(sg->device_writable, i >= f->e.n_out);
		if (sg->len)
			assert_non_null(f->mem.shared_ptr(f->mem.opaque, sg->gpa, sg->len));
		if (sg->device_writable)
			in += sg->len;
		else
			out += sg->len;
	}
	assert_int_equal(out, f->e.out_bytes);
	assert_int_equal(in, f->e.in_bytes);
}

/* Random rings from a hostile driver: refused or well-formed, never a crash. */
static void test_random_rings(void **state)
{
	struct fixture *f = *state;
	const char *env = getenv("QT_VIRTQ_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	unsigned ok = 0, refused = 0;
	struct virtq_desc table[NUM];

	printf("test_random_rings: seed %u (set QT_VIRTQ_SEED to repeat)\n", seed);
	for (int iter = 0; iter < 20000; iter++) {
		uint16_t before = f->vq.last_avail_idx;
		bool indirect = rand_r(&seed) & 1;
		int rc;

		for (unsigned i = 0; i < NUM; i++)
			random_desc(&seed, &table[i], NUM);
		memcpy(fake_ptr(&f->m, FAKE_BASE), table, sizeof(table));
		for (unsigned i = 0; i < NUM; i++)
			random_desc(&seed, &table[i], NUM);
		memcpy(fake_ptr(&f->m, BUF(7)), table, sizeof(table));
		if (rand_r(&seed) % 4 == 0)
			drv_set_desc(&f->t, 0, 0, BUF(7), 16 * (1 + rand_r(&seed) % (NUM + 1)),
				     VIRTQ_DESC_F_INDIRECT, 0);
		f->t.q[0].avail_idx = (uint16_t)(f->vq.last_avail_idx + rand_r(&seed) % (NUM + 3));
		for (unsigned i = 0; i < NUM; i++) {
			uint16_t head = (uint16_t)(rand_r(&seed) % (NUM + 1));

			memcpy(fake_ptr(&f->m, FAKE_BASE + 0x1000 + 4 + 2 * i), &head, 2);
		}
		memcpy(fake_ptr(&f->m, FAKE_BASE + 0x1000 + 2), &f->t.q[0].avail_idx, 2);
		rc = pop(f, indirect);
		if (rc == 1) {
			check_elem(f);
			assert_int_equal(f->vq.last_avail_idx, (uint16_t)(before + 1));
			assert_int_equal(virtqueue_push(&f->vq, &f->mem, f->e.head, 0, f->err,
							sizeof(f->err)), 0);
			ok++;
		} else {
			assert_int_equal(f->vq.last_avail_idx, before);
			if (rc == -EIO) {
				assert_true(f->err[0] != '\0');
				refused++;
			} else {
				assert_int_equal(rc, 0);
			}
		}
	}
	printf("test_random_rings: %u chains taken, %u refused\n", ok, refused);
	assert_true(ok > 0 && refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_setup_accepts_valid_rings),
		T(test_setup_size_not_power_of_2),
		T(test_setup_size_above_max),
		T(test_setup_misaligned_rings),
		T(test_setup_rings_outside_shared_memory),
		T(test_pop_empty),
		T(test_pop_chain_and_push),
		T(test_pop_wraps_ring_indices),
		T(test_pop_avail_idx_jump),
		T(test_pop_head_out_of_range),
		T(test_pop_chain_loops),
		T(test_pop_chain_self_loop),
		T(test_pop_next_out_of_range),
		T(test_pop_buffer_outside_shared_memory),
		T(test_pop_buffer_private_alias),
		T(test_pop_buffer_address_wraps),
		T(test_pop_readable_after_writable),
		T(test_pop_ring_unshared_after_setup),
		T(test_pop_indirect),
		T(test_pop_indirect_not_negotiated),
		T(test_pop_indirect_with_next),
		T(test_pop_indirect_bad_length),
		T(test_pop_indirect_table_outside_shared_memory),
		T(test_pop_indirect_nested),
		T(test_pop_indirect_loop_and_range),
		T(test_pop_indirect_not_at_head),
		T(test_pop_indirect_buffer_outside_shared_memory),
		T(test_should_interrupt),
		T(test_elem_read_write_across_segments),
		T(test_random_rings),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

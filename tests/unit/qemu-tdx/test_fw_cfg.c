/*
 * fw_cfg (fw_cfg.c) over a fake guest memory: the port interface, DMA
 * reads, and every DMA request that must be refused without a change.
 * The fake memory plays a TD: only [SHARED_BASE, +64 KiB) with bit 47 set
 * is shared; everything else is refused, as machine_guest_mem() does.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "devices.h"

#define SHARED_BIT	(1ULL << 47)
#define SHARED_BASE	0x100000ULL
#define SHARED_SIZE	0x10000ULL

static uint8_t shared[SHARED_SIZE];

static void *mem(void *opaque, uint64_t addr, uint64_t len, char *why, size_t whylen)
{
	uint64_t gpa = addr & ~SHARED_BIT;

	(void)opaque;
	if (!(addr & SHARED_BIT)) {
		snprintf(why, whylen, "private GPA");
		return NULL;
	}
	if (gpa < SHARED_BASE || gpa - SHARED_BASE > SHARED_SIZE || len > SHARED_SIZE - (gpa - SHARED_BASE)) {
		snprintf(why, whylen, "not shared RAM");
		return NULL;
	}
	return shared + (gpa - SHARED_BASE);
}

static const uint8_t kernel[5000] = { [0] = 0x7F, [1] = 'E', [4999] = 0x99 };

struct ctx {
	struct iotrap t;
	struct fw_cfg f;
};

static int setup(void **state)
{
	static struct ctx c;
	const struct fw_cfg_config cfg = { .nr_cpus = 3, .ram_size = 512ULL << 20, .kernel = kernel,
					   .kernel_size = sizeof(kernel), .cmdline = "console=ttyS0" };

	memset(shared, 0, sizeof(shared));
	iotrap_init(&c.t);
	assert_int_equal(fw_cfg_init(&c.f, &c.t, &cfg, mem, NULL), 0);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	fw_cfg_destroy(&c->f);
	return 0;
}

static void sel(struct ctx *c, uint16_t key)
{
	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_SEL, (uint8_t *)&key, 2, true));
}

static uint64_t rd(struct ctx *c, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t b;

		assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DATA, &b, 1, false));
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void test_port_items(void **state)
{
	struct ctx *c = *state;
	char buf[32] = { 0 };
	uint8_t w[4];

	sel(c, FW_CFG_SIGNATURE);
	assert_int_equal(rd(c, 4), 0x554D4551);		/* "QEMU" */
	sel(c, FW_CFG_ID);
	assert_int_equal(rd(c, 4), 3);			/* traditional + DMA */
	sel(c, FW_CFG_NB_CPUS);
	assert_int_equal(rd(c, 2), 3);
	sel(c, FW_CFG_MAX_CPUS);
	assert_int_equal(rd(c, 2), 3);
	sel(c, FW_CFG_RAM_SIZE);
	assert_int_equal(rd(c, 8), 512ULL << 20);
	sel(c, FW_CFG_KERNEL_SIZE);
	assert_int_equal(rd(c, 4), 5000);
	sel(c, FW_CFG_CMDLINE_SIZE);
	assert_int_equal(rd(c, 4), 14);			/* with the NUL */
	sel(c, FW_CFG_CMDLINE_DATA);
	for (int i = 0; i < 14; i++)
		buf[i] = (char)rd(c, 1);
	assert_string_equal(buf, "console=ttyS0");
	assert_int_equal(rd(c, 1), 0);			/* past the end: zeros */
	sel(c, FW_CFG_FILE_DIR);
	assert_int_equal(rd(c, 4), 0);			/* no named files */
	sel(c, 0x1234);					/* no such item */
	assert_int_equal(rd(c, 2), 0);
	/* The data port is one byte wide: a 2-byte read runs off the device. */
	sel(c, FW_CFG_SIGNATURE);
	assert_false(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DATA, w, 2, false));
	assert_int_equal(rd(c, 1), 'Q');
	/* A 1-byte write of the selector port selects nothing. */
	w[0] = FW_CFG_ID;
	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_SEL, w, 1, true));
	assert_int_equal(rd(c, 1), 'E');
	/* The DMA port reads "QEMU CFG". */
	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DMA_HI, w, 4, false));
	assert_memory_equal(w, "QEMU", 4);
	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DMA_LO, w, 4, false));
	assert_memory_equal(w, " CFG", 4);
}

static void put_desc(uint64_t at, uint32_t control, uint32_t len, uint64_t addr)
{
	struct fw_cfg_dma_access d = { htobe32(control), htobe32(len), htobe64(addr) };

	memcpy(shared + (at - SHARED_BASE), &d, sizeof(d));
}

static uint32_t desc_control(uint64_t at)
{
	uint32_t v;

	memcpy(&v, shared + (at - SHARED_BASE), 4);
	return be32toh(v);
}

/* Start DMA the way the guest does: two big-endian 32-bit port writes. */
static void start_dma(struct ctx *c, uint64_t desc)
{
	uint32_t hi = htobe32((uint32_t)(desc >> 32)), lo = htobe32((uint32_t)desc);

	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DMA_HI, (uint8_t *)&hi, 4, true));
	assert_true(iotrap_dispatch(&c->t, IOTRAP_PIO, FW_CFG_PORT_DMA_LO, (uint8_t *)&lo, 4, true));
}

static void test_dma_read(void **state)
{
	struct ctx *c = *state;
	const uint64_t desc = SHARED_BASE, buf = SHARED_BASE + 0x1000;

	/* select KERNEL_DATA and read 4096 bytes, then the rest with zero fill */
	put_desc(desc, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (FW_CFG_KERNEL_DATA << 16), 4096,
		 buf | SHARED_BIT);
	start_dma(c, desc | SHARED_BIT);
	assert_int_equal(desc_control(desc), 0);
	assert_memory_equal(shared + 0x1000, kernel, 4096);
	memset(shared + 0x1000, 0xEE, 4096);
	put_desc(desc, FW_CFG_DMA_CTL_READ, 4096, buf | SHARED_BIT);
	start_dma(c, desc | SHARED_BIT);
	assert_int_equal(desc_control(desc), 0);
	assert_memory_equal(shared + 0x1000, kernel + 4096, 5000 - 4096);
	assert_int_equal(shared[0x1000 + 5000 - 4096], 0);
	assert_int_equal(shared[0x1000 + 4095], 0);
	/* SKIP moves the offset without touching memory. */
	memset(shared + 0x1000, 0xEE, 16);
	put_desc(desc, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP | (FW_CFG_SIGNATURE << 16), 2, 0);
	start_dma(c, desc | SHARED_BIT);
	assert_int_equal(desc_control(desc), 0);
	assert_int_equal(shared[0x1000], 0xEE);
	put_desc(desc, FW_CFG_DMA_CTL_READ, 2, buf | SHARED_BIT);
	start_dma(c, desc | SHARED_BIT);
	assert_memory_equal(shared + 0x1000, "MU", 2);
	/* The ID item through DMA. */
	put_desc(desc, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (FW_CFG_ID << 16), 4,
		 buf | SHARED_BIT);
	start_dma(c, desc | SHARED_BIT);
	assert_int_equal(desc_control(desc), 0);
	assert_int_equal(shared[0x1000], 3);
}

/* Refused requests: ERROR in the descriptor when it is reachable, no data, no state change. */
static void test_dma_refusals(void **state)
{
	struct ctx *c = *state;
	const uint64_t desc = SHARED_BASE, buf = SHARED_BASE + 0x1000;
	const struct {
		uint32_t control, len;
		uint64_t addr;
		const char *why;
	} bad[] = {
		{ FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SELECT | (FW_CFG_ID << 16), 4, buf,
		  "DMA buffer 0x101000+0x4: private GPA" },
		{ FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SELECT | (FW_CFG_ID << 16), 4, 0x7000000ULL | SHARED_BIT,
		  "DMA buffer 0x800007000000+0x4: not shared RAM" },
		{ FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SELECT | (FW_CFG_ID << 16), 0x10000,
		  buf | SHARED_BIT, "DMA buffer 0x800000101000+0x10000: not shared RAM" },
		{ FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SELECT | (FW_CFG_ID << 16), 0x10,
		  UINT64_MAX - 4, "DMA buffer 0xfffffffffffffffb+0x10: not shared RAM" },
		{ FW_CFG_DMA_CTL_WRITE | FW_CFG_DMA_CTL_SELECT | (FW_CFG_ID << 16), 4, buf | SHARED_BIT,
		  "DMA write: no fw_cfg item is writable" },
		{ 0x20 | FW_CFG_DMA_CTL_READ, 4, buf | SHARED_BIT,
		  "DMA control 0x00000022 has unknown bits" },
	};

	/* Select the signature and read one byte so an offset is in place. */
	sel(c, FW_CFG_SIGNATURE);
	assert_int_equal(rd(c, 1), 'Q');
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(shared + 0x1000, 0xEE, 16);
		put_desc(desc, bad[i].control, bad[i].len, bad[i].addr);
		assert_int_equal(fw_cfg_dma(&c->f, desc | SHARED_BIT), -1);
		assert_string_equal(c->f.last_error, bad[i].why);
		assert_int_equal(desc_control(desc), FW_CFG_DMA_CTL_ERROR);
		assert_int_equal(shared[0x1000], 0xEE);
		/* The selection and offset did not move: the next byte is still 'E'. */
		assert_int_equal(c->f.cur_key, FW_CFG_SIGNATURE);
		assert_int_equal(c->f.cur_offset, 1);
	}
	/* A private or unreachable descriptor cannot even be answered. */
	put_desc(desc, FW_CFG_DMA_CTL_READ, 4, buf | SHARED_BIT);
	assert_int_equal(fw_cfg_dma(&c->f, desc), -1);
	assert_string_equal(c->f.last_error, "DMA descriptor at 0x100000: private GPA");
	assert_int_equal(desc_control(desc), FW_CFG_DMA_CTL_READ);
	assert_int_equal(fw_cfg_dma(&c->f, (SHARED_BASE + SHARED_SIZE - 8) | SHARED_BIT), -1);
	assert_string_equal(c->f.last_error, "DMA descriptor at 0x80000010fff8: not shared RAM");
	assert_int_equal(rd(c, 1), 'E');
}

static void test_no_kernel_no_append(void **state)
{
	struct iotrap t;
	struct fw_cfg f;
	const struct fw_cfg_config cfg = { .nr_cpus = 1, .ram_size = 1 << 30 };
	uint8_t b;
	uint16_t key = FW_CFG_CMDLINE_SIZE;

	(void)state;
	iotrap_init(&t);
	assert_int_equal(fw_cfg_init(&f, &t, &cfg, mem, NULL), 0);
	assert_true(iotrap_dispatch(&t, IOTRAP_PIO, FW_CFG_PORT_SEL, (uint8_t *)&key, 2, true));
	for (int i = 0; i < 4; i++) {
		assert_true(iotrap_dispatch(&t, IOTRAP_PIO, FW_CFG_PORT_DATA, &b, 1, false));
		assert_int_equal(b, 0);
	}
	key = FW_CFG_KERNEL_DATA;
	assert_true(iotrap_dispatch(&t, IOTRAP_PIO, FW_CFG_PORT_SEL, (uint8_t *)&key, 2, true));
	assert_true(iotrap_dispatch(&t, IOTRAP_PIO, FW_CFG_PORT_DATA, &b, 1, false));
	assert_int_equal(b, 0);
	fw_cfg_destroy(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_refusals, setup, teardown),
		cmocka_unit_test(test_no_kernel_no_append),
	};

	return cmocka_run_group_tests_name("qemu-tdx fw_cfg", tests, NULL, NULL);
}

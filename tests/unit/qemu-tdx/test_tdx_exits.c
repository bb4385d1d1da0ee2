/*
 * ReportFatalError's message as qemu-tdx rebuilds it from KVM's 16-GPR
 * dump (tdx_exits.c), and the PM1a/serial devices (dev_pm.c, dev_serial.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "machine.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

static uint64_t str8(const char *s)
{
	uint64_t v = 0;

	memcpy(&v, s, strnlen(s, 8));
	return v;
}

static void test_fatal_message_order(void **state)
{
	uint64_t g[16] = { 0 }, code, gpa;
	char msg[65];
	bool has_gpa;

	(void)state;
	/* GHCI order: R14, R15, RBX, RDI, RSI, R8, R9, RDX; only the registers in RCX's mask. */
	g[RCX] = (1u << R14) | (1u << R15) | (1u << RBX) | (1u << RDI) | (1u << RSI) | (1u << R8) |
		 (1u << R9) | (1u << RDX);
	g[R14] = str8("aaaaaaaa");
	g[R15] = str8("bbbbbbbb");
	g[RBX] = str8("cccccccc");
	g[RDI] = str8("dddddddd");
	g[RSI] = str8("eeeeeeee");
	g[R8] = str8("ffffffff");
	g[R9] = str8("gggggggg");
	g[RDX] = str8("hhhhhhhh");
	g[R12] = 0x1234ULL << 32;
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), 0);
	assert_string_equal(msg, "aaaaaaaabbbbbbbbccccccccddddddddeeeeeeeeffffffffgggggggghhhhhhhh");
	assert_int_equal(code, 0x1234ULL << 32);
	assert_false(has_gpa);

	/* Skipped registers leave no gap; the message stops at the first NUL. */
	g[RCX] = (1u << R15) | (1u << RDX);
	g[R15] = str8("payload ");
	g[RDX] = str8("failed");
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), 0);
	assert_string_equal(msg, "payload failed");

	/* No mask: no message.  Bit 63: R13 is a GPA. */
	g[RCX] = 0;
	g[R12] = 1ULL << 63;
	g[R13] = 0xABC000;
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), 0);
	assert_string_equal(msg, "");
	assert_true(has_gpa);
	assert_int_equal(gpa, 0xABC000);
}

static void test_fatal_message_hostile(void **state)
{
	uint64_t g[16] = { 0 }, code, gpa;
	char msg[65], small[5];
	bool has_gpa;

	(void)state;
	/* Control characters and escapes are not passed to the terminal. */
	g[RCX] = 1u << R14;
	g[R14] = str8("a\x1b[2Jb\x7f\x01");
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), 0);
	assert_string_equal(msg, "a?[2Jb??");
	/* A short buffer truncates, still terminated. */
	g[R14] = str8("12345678");
	assert_int_equal(tdx_fatal_message(g, small, sizeof(small), &code, &has_gpa, &gpa), 0);
	assert_string_equal(small, "1234");
	/* Bits 15:0 of the error code must be 0. */
	g[R12] = 0x1;
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), -1);
	assert_int_equal(code, 1);
	/* Mask bits of registers that carry no message (RAX, R10...) are ignored. */
	g[R12] = 0;
	g[RCX] = (1u << RAX) | (1u << R10) | (1u << R12) | (1u << R13);
	g[RAX] = str8("raxbytes");
	assert_int_equal(tdx_fatal_message(g, msg, sizeof(msg), &code, &has_gpa, &gpa), 0);
	assert_string_equal(msg, "");
}

static unsigned int shutdowns;

static void on_shutdown(void *opaque)
{
	(void)opaque;
	shutdowns++;
}

static void test_pm1a_cnt(void **state)
{
	struct iotrap t;
	struct dev_pm pm;
	uint16_t v;

	(void)state;
	iotrap_init(&t);
	assert_int_equal(dev_pm_init(&pm, &t, on_shutdown, NULL), 0);
	/* SLP_TYP alone: no power-off; it reads back. */
	v = 5u << 10;
	iotrap_dispatch(&t, IOTRAP_PIO, ICH9_PM1A_CNT, (uint8_t *)&v, 2, true);
	assert_int_equal(shutdowns, 0);
	v = 0;
	iotrap_dispatch(&t, IOTRAP_PIO, ICH9_PM1A_CNT, (uint8_t *)&v, 2, false);
	assert_int_equal(v, 5u << 10);
	/* Other ports near it are not PM1a_CNT. */
	v = ICH9_PM1_CNT_SLP_EN;
	assert_false(iotrap_dispatch(&t, IOTRAP_PIO, 0x600, (uint8_t *)&v, 2, true));
	assert_int_equal(shutdowns, 0);
	/* SLP_EN: power-off, and SLP_EN itself never reads back. */
	iotrap_dispatch(&t, IOTRAP_PIO, ICH9_PM1A_CNT, (uint8_t *)&v, 2, true);
	assert_int_equal(shutdowns, 1);
	iotrap_dispatch(&t, IOTRAP_PIO, ICH9_PM1A_CNT, (uint8_t *)&v, 2, false);
	assert_int_equal(v & ICH9_PM1_CNT_SLP_EN, 0);
	/* A byte write of the high half (bit 13 = bit 5 of byte 1) works too. */
	{
		uint8_t hi = 0x20;

		iotrap_dispatch(&t, IOTRAP_PIO, ICH9_PM1A_CNT + 1, &hi, 1, true);
		assert_int_equal(shutdowns, 2);
	}
}

static void test_serial(void **state)
{
	struct iotrap t;
	struct dev_serial s;
	int p[2];
	char out[8] = { 0 };
	uint8_t b;

	(void)state;
	assert_int_equal(pipe(p), 0);
	iotrap_init(&t);
	assert_int_equal(dev_serial_init(&s, &t, p[1]), 0);
	b = 'h';
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3F8, &b, 1, true);
	/* LSR: transmitter empty. */
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3FD, &b, 1, false);
	assert_int_equal(b & 0x60, 0x60);
	/* DLAB=1: the THR offset is the divisor latch, nothing is sent. */
	b = 0x83;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3FB, &b, 1, true);
	b = 0x0C;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3F8, &b, 1, true);
	b = 0;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3F8, &b, 1, false);
	assert_int_equal(b, 0x0C);
	b = 0x03;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3FB, &b, 1, true);
	b = 'i';
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3F8, &b, 1, true);
	/* Scratch register keeps its value. */
	b = 0xA5;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3FF, &b, 1, true);
	b = 0;
	iotrap_dispatch(&t, IOTRAP_PIO, 0x3FF, &b, 1, false);
	assert_int_equal(b, 0xA5);
	close(p[1]);
	assert_int_equal(read(p[0], out, sizeof(out)), 2);
	assert_string_equal(out, "hi");
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fatal_message_order),
		cmocka_unit_test(test_fatal_message_hostile),
		cmocka_unit_test(test_pm1a_cnt),
		cmocka_unit_test(test_serial),
	};

	return cmocka_run_group_tests_name("qemu-tdx exits and devices", tests, NULL, NULL);
}

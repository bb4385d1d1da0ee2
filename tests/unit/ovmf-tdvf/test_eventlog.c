/*
 * ovmf-tdvf/src/eventlog.c on the host: the log is read back by an
 * independent walker that follows the TCG crypto-agile layout (reference
 * host-stack.md 4.4): the Spec ID event listing only SHA-384, then
 * CC_EVENTs whose digests are checked against OpenSSL's SHA-384 of the
 * data.  A full log refuses an event and stays unchanged; the rest of the
 * area stays 0xFF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "eventlog.h"

static uint8_t area[4096];

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void sha384(const void *d, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(d, n, out, &len, EVP_sha384(), NULL), 1);
	assert_int_equal(len, 48);
}

static void test_spec_id_header(void **state)
{
	struct eventlog log;
	const uint8_t *p = area;

	(void)state;
	memset(area, 0, sizeof(area));
	assert_int_equal(eventlog_init(&log, area, sizeof(area)), 0);
	/* TCG_PCR_EVENT: PCRIndex 0, EV_NO_ACTION, 20 zero bytes, EventSize. */
	assert_int_equal(rd32(p), 0);
	assert_int_equal(rd32(p + 4), 3);
	for (int i = 0; i < 20; i++)
		assert_int_equal(p[8 + i], 0);
	assert_int_equal(rd32(p + 28), 33);
	p += 32;
	assert_memory_equal(p, "Spec ID Event03\0", 16);
	assert_int_equal(rd32(p + 16), 0);	/* platformClass */
	assert_int_equal(p[21], 2);		/* specVersionMajor */
	assert_int_equal(p[23], 2);		/* uintnSize: 64-bit */
	assert_int_equal(rd32(p + 24), 1);	/* one algorithm */
	assert_int_equal(rd16(p + 28), 0x000C);	/* SHA-384 */
	assert_int_equal(rd16(p + 30), 48);
	assert_int_equal(p[32], 0);		/* vendorInfoSize */
	assert_int_equal(log.used, 32 + 33);
	for (size_t i = log.used; i < sizeof(area); i++)
		assert_int_equal(area[i], 0xFF);
}

static void test_events_read_back(void **state)
{
	struct eventlog log;
	uint8_t d1[48], d2[48], check[48];
	static const char hob_data[] = "pretend TD HOB bytes";
	static const char cmd[] = "console=ttyS0 quote=1";
	const uint8_t *p;
	size_t off;

	(void)state;
	assert_int_equal(eventlog_init(&log, area, sizeof(area)), 0);
	sha384(hob_data, sizeof(hob_data), d1);
	sha384(cmd, sizeof(cmd), d2);
	assert_int_equal(eventlog_append(&log, 1, EV_PLATFORM_CONFIG_FLAGS, d1, "TD HOB", 6), 0);
	assert_int_equal(eventlog_append(&log, 3, EV_IPL, d2, cmd, sizeof(cmd)), 0);

	off = 65;
	p = area + off;
	assert_int_equal(rd32(p), 1);
	assert_int_equal(rd32(p + 4), 0x0000000A);
	assert_int_equal(rd32(p + 8), 1);
	assert_int_equal(rd16(p + 12), 0x000C);
	assert_memory_equal(p + 14, d1, 48);
	assert_int_equal(rd32(p + 62), 6);
	assert_memory_equal(p + 66, "TD HOB", 6);
	off += 66 + 6;
	p = area + off;
	assert_int_equal(rd32(p), 3);
	assert_int_equal(rd32(p + 4), 0x0000000D);
	assert_int_equal(rd32(p + 62), sizeof(cmd));
	sha384(p + 66, rd32(p + 62), check);
	assert_memory_equal(p + 14, check, 48);
	off += 66 + sizeof(cmd);
	assert_int_equal(log.used, off);
	for (size_t i = off; i < sizeof(area); i++)
		assert_int_equal(area[i], 0xFF);
}

static void test_full_log_refuses(void **state)
{
	struct eventlog log;
	uint8_t d[48] = { 0 };
	uint8_t before[256];
	size_t used;

	(void)state;
	/* Room for the header and exactly one 4-byte event. */
	assert_int_equal(eventlog_init(&log, area, 65 + 66 + 4), 0);
	assert_int_equal(eventlog_append(&log, 1, EV_SEPARATOR, d, "\0\0\0\0", 4), 0);
	used = log.used;
	memcpy(before, area, sizeof(before));
	assert_int_equal(eventlog_append(&log, 1, EV_SEPARATOR, d, "\0", 1), -1);
	assert_int_equal(log.used, used);
	assert_memory_equal(area, before, sizeof(before));

	/* An area too small for the Spec ID event. */
	assert_int_equal(eventlog_init(&log, area, 64), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_id_header),
		cmocka_unit_test(test_events_read_back),
		cmocka_unit_test(test_full_log_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

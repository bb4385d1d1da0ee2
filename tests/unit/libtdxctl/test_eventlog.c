/*
 * Unit tests for libtdxctl eventlog.c: logs written byte by byte here
 * (TCG crypto-agile layout, reference host-stack.md 4.4) are parsed and
 * replayed against SHA-384 chains computed here, the end markers are
 * honoured, and every malformation is refused with its offset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tdxctl/eventlog.h"
#include "tdxctl_test_util.h"

#define LOG_CAP	8192

struct log {
	uint8_t buf[LOG_CAP];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Header listing @nr algorithms {alg, size}; vendorInfo of @vendor bytes. */
static void header(struct log *l, const uint16_t (*algs)[2], uint32_t nr, uint8_t vendor)
{
	uint8_t *p = l->buf;
	uint32_t i, size = 16 + 4 + 4 + 4 + 4 * nr + 1 + vendor;

	memset(l->buf, 0xFF, sizeof(l->buf));
	put32(p, 0);
	put32(p + 4, EV_NO_ACTION);
	memset(p + 8, 0, 20);
	put32(p + 28, size);
	memcpy(p + 32, "Spec ID Event03", 16);
	put32(p + 48, 0);
	p[52] = 0;
	p[53] = 2;
	p[54] = 0;
	p[55] = 2;
	put32(p + 56, nr);
	for (i = 0; i < nr; i++) {
		put16(p + 60 + 4 * i, algs[i][0]);
		put16(p + 62 + 4 * i, algs[i][1]);
	}
	p[60 + 4 * nr] = vendor;
	memset(p + 61 + 4 * nr, 0x5A, vendor);
	l->len = 32 + size;
}

static const uint16_t sha384_only[][2] = { { TPM_ALG_SHA384, 48 } };
static const uint16_t sha256_sha384[][2] = { { TPM_ALG_SHA256, 32 }, { TPM_ALG_SHA384, 48 } };

/* One event with SHA-384 digest @d (and for two-alg logs a SHA-256 one first). */
static size_t event(struct log *l, uint32_t mr, uint32_t type, const uint8_t d[48],
		    bool with_sha256, const void *data, uint32_t len)
{
	size_t at = l->len;
	uint8_t *p = l->buf + at;

	put32(p, mr);
	put32(p + 4, type);
	put32(p + 8, with_sha256 ? 2 : 1);
	p += 12;
	if (with_sha256) {
		put16(p, TPM_ALG_SHA256);
		memset(p + 2, 0xEE, 32);
		p += 34;
	}
	put16(p, TPM_ALG_SHA384);
	memcpy(p + 2, d, 48);
	put32(p + 50, len);
	memcpy(p + 54, data, len);
	l->len = (size_t)(p + 54 + len - l->buf);
	return at;
}

static void sha384_chain(uint8_t r[48], const uint8_t d[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 48;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	EVP_DigestUpdate(ctx, r, 48);
	EVP_DigestUpdate(ctx, d, 48);
	EVP_DigestFinal_ex(ctx, r, &len);
	EVP_MD_CTX_free(ctx);
}

static void digest(uint8_t d[48], uint8_t seed)
{
	unsigned int i;

	for (i = 0; i < 48; i++)
		d[i] = (uint8_t)(seed * 31 + i);
}

/* A three-RTMR log; @want gets the RTMRs computed here. */
static void good_log(struct log *l, bool two_algs, uint8_t want[4][48])
{
	uint8_t d[48];

	header(l, two_algs ? sha256_sha384 : sha384_only, two_algs ? 2 : 1, 3);
	memset(want, 0, 4 * 48);
	digest(d, 1);
	event(l, 1, EV_PLATFORM_CONFIG_FLAGS, d, two_algs, "TD HOB", 6);
	sha384_chain(want[0], d);
	digest(d, 2);
	event(l, 0, EV_NO_ACTION, d, two_algs, "not extended", 12);
	digest(d, 3);
	event(l, 2, EV_EFI_BOOT_SERVICES_APPLICATION, d, two_algs, "PAYLOAD", 7);
	sha384_chain(want[1], d);
	digest(d, 4);
	event(l, 4, EV_EFI_BOOT_SERVICES_APPLICATION, d, two_algs, "", 0);
	sha384_chain(want[3], d);
	digest(d, 5);
	event(l, 2, EV_NO_ACTION, d, two_algs, "skip", 4);
	digest(d, 6);
	event(l, 1, EV_SEPARATOR, d, two_algs, "\0\0\0\0", 4);
	sha384_chain(want[0], d);
}

static void parse_replay(const uint8_t *buf, size_t len, size_t nr, size_t used,
			 uint8_t want[4][48])
{
	struct emu_error err = { 0 };
	struct tdxctl_eventlog log;
	uint8_t got[4][48];

	if (tdxctl_eventlog_parse(buf, len, &log, &err))
		fail_msg("parse: %s", err.msg);
	assert_int_equal(log.nr_events, nr);
	assert_int_equal(log.used, used);
	assert_int_equal(tdxctl_eventlog_replay(log.events, log.nr_events, got, &err), 0);
	assert_memory_equal(got, want, 4 * 48);
	tdxctl_eventlog_free(&log);
}

static void test_parse_replay(void **state)
{
	struct emu_error err = { 0 };
	struct tdxctl_eventlog log;
	uint8_t want[4][48];
	struct log l;

	(void)state;
	good_log(&l, false, want);
	/* Ends at the buffer end, and with the 0xFF fill after it. */
	parse_replay(l.buf, l.len, 6, l.len, want);
	parse_replay(l.buf, sizeof(l.buf), 6, l.len, want);
	/* A fill shorter than a u32 still ends the log. */
	parse_replay(l.buf, l.len + 3, 6, l.len, want);

	assert_int_equal(tdxctl_eventlog_parse(l.buf, l.len, &log, &err), 0);
	assert_int_equal(log.nr_algs, 1);
	assert_int_equal(log.algs[0].alg, TPM_ALG_SHA384);
	assert_int_equal(log.header_size, 32 + 33 + 3);
	assert_int_equal(log.events[0].offset, log.header_size);
	assert_int_equal(log.events[0].mr_index, 1);
	assert_int_equal(log.events[0].event_type, EV_PLATFORM_CONFIG_FLAGS);
	assert_int_equal(log.events[0].data_len, 6);
	assert_memory_equal(log.events[0].data, "TD HOB", 6);
	assert_int_equal(log.events[3].data_len, 0);
	tdxctl_eventlog_free(&log);
}

static void test_two_algorithms(void **state)
{
	uint8_t want[4][48];
	struct log l;

	(void)state;
	good_log(&l, true, want);
	parse_replay(l.buf, sizeof(l.buf), 6, l.len, want);
}

static void test_header_only(void **state)
{
	uint8_t zero[4][48] = { { 0 } };
	struct log l;

	(void)state;
	header(&l, sha384_only, 1, 0);
	parse_replay(l.buf, l.len, 0, l.len, zero);
	parse_replay(l.buf, sizeof(l.buf), 0, l.len, zero);
}

/* Expect a refusal of @len bytes of @buf naming @what. */
static void refuse(const uint8_t *buf, size_t len, const char *what)
{
	struct emu_error err = { 0 };
	struct tdxctl_eventlog log;
	int ret = tdxctl_eventlog_parse(buf, len, &log, &err);

	if (ret == 0) {
		tdxctl_eventlog_free(&log);
		fail_msg("accepted a log that should fail with '%s'", what);
	}
	assert_int_equal(ret, -EINVAL);
	if (!test_contains(err.msg, what))
		fail_msg("error '%s' does not mention '%s'", err.msg, what);
	assert_null(log.events);
}

static void test_refuse_header(void **state)
{
	static const uint16_t no_384[][2] = { { TPM_ALG_SHA256, 32 } };
	static const uint16_t short_384[][2] = { { TPM_ALG_SHA384, 32 } };
	static const uint16_t twice[][2] = { { TPM_ALG_SHA384, 48 }, { TPM_ALG_SHA384, 48 } };
	static const uint16_t big[][2] = { { TPM_ALG_SHA384, 48 }, { 0x99, 65 } };
	struct log l;

	(void)state;
	header(&l, sha384_only, 1, 0);
	refuse(l.buf, 20, "TCG_PCR_EVENT header at offset 0 needs 32 bytes");
	refuse(l.buf, 40, "Spec ID EventSize 33 runs past the end of the log (40 bytes)");

	put32(l.buf, 1);
	refuse(l.buf, l.len, "PCRIndex 1");
	put32(l.buf, 0);
	put32(l.buf + 4, 5);
	refuse(l.buf, l.len, "EventType 0x5");
	put32(l.buf + 4, EV_NO_ACTION);
	l.buf[10] = 1;
	refuse(l.buf, l.len, "SHA-1 digest is not zero");
	l.buf[10] = 0;
	l.buf[40] = 'X';
	refuse(l.buf, l.len, "offset 32: signature is not");
	l.buf[40] = 'E';
	l.buf[53] = 1;
	refuse(l.buf, l.len, "specVersionMajor 1");
	l.buf[53] = 2;
	put32(l.buf + 28, 20);
	refuse(l.buf, l.len, "EventSize 20 is smaller");
	put32(l.buf + 28, 33);

	/* numberOfAlgorithms 0, or more than fit. */
	put32(l.buf + 56, 0);
	refuse(l.buf, l.len, "offset 56: numberOfAlgorithms 0");
	put32(l.buf + 56, 3);
	refuse(l.buf, l.len, "3 algorithms and vendorInfoSize do not fit");
	put32(l.buf + 56, 1);

	/* vendorInfoSize disagreeing with EventSize. */
	l.buf[64] = 1;
	refuse(l.buf, l.len, "offset 64: vendorInfoSize 1 does not match the 0 bytes");
	l.buf[64] = 0;

	header(&l, no_384, 1, 0);
	refuse(l.buf, l.len, "does not list SHA-384");
	header(&l, short_384, 1, 0);
	refuse(l.buf, l.len, "SHA-384 listed with digest size 32");
	header(&l, twice, 2, 0);
	refuse(l.buf, l.len, "offset 64: algorithm 0x000c listed twice");
	header(&l, big, 2, 0);
	refuse(l.buf, l.len, "algorithm 0x0099 has digest size 65");
}

static void test_refuse_events(void **state)
{
	uint8_t d[48] = { 0 }, want[4][48];
	struct log l, bad;
	size_t at;

	(void)state;
	good_log(&l, false, want);
	/* Truncated anywhere inside the last record (before its end). */
	{
		size_t last = l.len - (66 + 4);	/* the separator event */
		char what[96];

		snprintf(what, sizeof(what), "CC_EVENT record at offset %zu needs 12", last);
		refuse(l.buf, last + 5, what);
		snprintf(what, sizeof(what), "digest at offset %zu needs 48", last + 14);
		refuse(l.buf, last + 20, what);
		snprintf(what, sizeof(what), "EventSize at offset %zu needs 4", last + 62);
		refuse(l.buf, last + 63, what);
		snprintf(what, sizeof(what), "offset %zu: EventSize 4 runs past the end", last + 62);
		refuse(l.buf, l.len - 1, what);
	}

	header(&bad, sha384_only, 1, 0);
	at = event(&bad, 1, EV_SEPARATOR, d, false, "abcd", 4);
	put32(bad.buf + at + 62, 0x7FFFFFFF);
	refuse(bad.buf, bad.len, "EventSize 2147483647 runs past the end");

	/* Digest count differing from the header's algorithm count. */
	header(&bad, sha384_only, 1, 0);
	at = event(&bad, 1, EV_SEPARATOR, d, false, "abcd", 4);
	put32(bad.buf + at + 8, 2);
	refuse(bad.buf, bad.len, "digest count 2, but the Spec ID header lists 1");
	put32(bad.buf + at + 8, 0);
	refuse(bad.buf, bad.len, "digest count 0");

	/* An algorithm the header does not list. */
	put32(bad.buf + at + 8, 1);
	put16(bad.buf + at + 12, TPM_ALG_SHA256);
	refuse(bad.buf, bad.len, "digest algorithm 0x000b is not in the Spec ID header");

	/* Two-algorithm log with SHA-384 twice in one event. */
	header(&bad, sha256_sha384, 2, 0);
	at = event(&bad, 1, EV_SEPARATOR, d, true, "abcd", 4);
	put16(bad.buf + at + 46, TPM_ALG_SHA256);
	refuse(bad.buf, bad.len, "appears twice in one event");

	/* MrIndex out of range, and a measured MRTD event. */
	header(&bad, sha384_only, 1, 0);
	at = event(&bad, 5, EV_SEPARATOR, d, false, "abcd", 4);
	{
		char what[64];

		snprintf(what, sizeof(what), "offset %zu: MrIndex 5", at);
		refuse(bad.buf, bad.len, what);
	}
	put32(bad.buf + at, 0);
	refuse(bad.buf, bad.len, "extends MrIndex 0 (MRTD)");
	/* ...but MrIndex 0 with EV_NO_ACTION is fine. */
	put32(bad.buf + at + 4, EV_NO_ACTION);
	{
		uint8_t zero[4][48] = { { 0 } };

		parse_replay(bad.buf, bad.len, 1, bad.len, zero);
	}
}

/* Replay refuses an event that names no RTMR (events built by a caller). */
static void test_replay_refuses_mrtd(void **state)
{
	struct tdxctl_cc_event ev = { .mr_index = 0, .event_type = EV_SEPARATOR };
	struct emu_error err = { 0 };
	uint8_t r[4][48];

	(void)state;
	assert_int_equal(tdxctl_eventlog_replay(&ev, 1, r, &err), -EINVAL);
	assert_true(test_contains(err.msg, "MrIndex 0, not an RTMR"));
}

static void test_write_parses(void **state)
{
	struct tdxctl_cc_event ev[2] = {
		{ .mr_index = 1, .event_type = EV_SEPARATOR, .data = (const uint8_t *)"\0\0\0\0",
		  .data_len = 4 },
		{ .mr_index = 3, .event_type = EV_IPL, .data = (const uint8_t *)"a=b", .data_len = 4 },
	};
	uint8_t want[4][48] = { { 0 } }, *buf;
	struct emu_error err = { 0 };
	struct log l;
	size_t len;

	(void)state;
	digest(ev[0].digest, 9);
	digest(ev[1].digest, 10);
	sha384_chain(want[0], ev[0].digest);
	sha384_chain(want[2], ev[1].digest);
	assert_int_equal(tdxctl_eventlog_write(ev, 2, &buf, &len, &err), 0);
	/* Byte-equal to the layout written here. */
	header(&l, sha384_only, 1, 0);
	event(&l, 1, EV_SEPARATOR, ev[0].digest, false, "\0\0\0\0", 4);
	event(&l, 3, EV_IPL, ev[1].digest, false, "a=b", 4);
	assert_int_equal(len, l.len);
	assert_memory_equal(buf, l.buf, len);
	parse_replay(buf, len, 2, len, want);
	free(buf);
}

/*
 * Every byte of a good log changed, and every length cut: each parse
 * either succeeds with events inside the buffer or fails with a message;
 * nothing reads outside (run under ASan to see it).
 */
static void test_mutations(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7F, 0xFF };
	uint8_t want[4][48];
	struct log l;
	size_t i, v, e;

	(void)state;
	good_log(&l, true, want);
	for (i = 0; i <= l.len; i++) {
		struct emu_error err = { 0 };
		struct tdxctl_eventlog log;
		uint8_t *cut = malloc(i ? i : 1);

		assert_non_null(cut);
		memcpy(cut, l.buf, i);
		if (tdxctl_eventlog_parse(cut, i, &log, &err) == 0) {
			/* Only a cut at a record boundary is a (shorter) log. */
			assert_int_equal(log.used, i);
			assert_true(i == l.len || log.nr_events < 6);
			tdxctl_eventlog_free(&log);
		} else {
			assert_true(err.msg[0] != '\0');
		}
		free(cut);
	}
	for (i = 0; i < l.len; i++) {
		for (v = 0; v < sizeof(values); v++) {
			struct emu_error err = { 0 };
			struct tdxctl_eventlog log;
			uint8_t *m = malloc(l.len), r[4][48];

			assert_non_null(m);
			memcpy(m, l.buf, l.len);
			m[i] = values[v];
			if (tdxctl_eventlog_parse(m, l.len, &log, &err) == 0) {
				for (e = 0; e < log.nr_events; e++)
					assert_true(log.events[e].data + log.events[e].data_len <=
						    m + l.len);
				assert_int_equal(tdxctl_eventlog_replay(log.events, log.nr_events,
									r, &err), 0);
				tdxctl_eventlog_free(&log);
			} else {
				assert_true(err.msg[0] != '\0');
			}
			free(m);
		}
	}
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(tdxctl_event_type_name(0x0000000A), "EV_PLATFORM_CONFIG_FLAGS");
	assert_string_equal(tdxctl_event_type_name(0x8000000A), "EV_EFI_PLATFORM_FIRMWARE_BLOB2");
	assert_string_equal(tdxctl_event_type_name(0x0000000D), "EV_IPL");
	assert_null(tdxctl_event_type_name(0x12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_replay),
		cmocka_unit_test(test_two_algorithms),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_refuse_header),
		cmocka_unit_test(test_refuse_events),
		cmocka_unit_test(test_replay_refuses_mrtd),
		cmocka_unit_test(test_write_parses),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

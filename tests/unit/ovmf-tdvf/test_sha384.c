/*
 * ovmf-tdvf/lib/sha384.c on the host: for every length 0..400 (each
 * padding case: a remainder below and above 112 bytes, whole blocks) and
 * a few large inputs, the digest equals EVP's SHA-384; the FIPS 180-2
 * "abc" vector is checked as bytes written in the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "sha384.h"

static void evp_sha384(const void *d, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(d, n, out, &len, EVP_sha384(), NULL), 1);
	assert_int_equal(len, 48);
}

static void test_abc(void **state)
{
	static const uint8_t want[48] = {
		0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69,
		0x9a, 0xc6, 0x50, 0x07, 0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63,
		0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed, 0x80, 0x86, 0x07, 0x2b,
		0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7 };
	uint8_t got[48];

	(void)state;
	sha384("abc", 3, got);
	assert_memory_equal(got, want, 48);
}

static void test_lengths_match_evp(void **state)
{
	uint8_t buf[400], got[48], want[48];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(buf); n++) {
		sha384(buf, n, got);
		evp_sha384(buf, n, want);
		if (memcmp(got, want, 48))
			fail_msg("SHA-384 of %zu bytes differs from EVP", n);
	}
}

static void test_large(void **state)
{
	size_t sizes[] = { 4096, 65536 + 17, 1 << 20 };
	uint8_t got[48], want[48];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *b = malloc(sizes[i]);

		assert_non_null(b);
		for (size_t j = 0; j < sizes[i]; j++)
			b[j] = (uint8_t)(j ^ (j >> 8));
		sha384(b, sizes[i], got);
		evp_sha384(b, sizes[i], want);
		assert_memory_equal(got, want, 48);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_lengths_match_evp),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Helpers shared by the libtdxctl unit tests: one RSA-3072 key per test
 * program, a scratch directory, and digests computed with OpenSSL
 * directly rather than through libtdxctl, so the library is checked
 * against an independent computation.
 */
#ifndef TDX_TESTS_TDXCTL_TEST_UTIL_H
#define TDX_TESTS_TDXCTL_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* The program's test key (generated on first use, freed at exit). */
EVP_PKEY *test_key(void);
/* A second, different key. */
EVP_PKEY *test_other_key(void);

/* SHA-384 of @len bytes of @data, through EVP_Digest() directly. */
void test_sha384(const void *data, size_t len, uint8_t out[48]);

/* A fresh directory under $TMPDIR (removed at exit) and a path in it. */
const char *test_tmpdir(void);
void test_path(char *buf, size_t size, const char *name);

/* Does @haystack contain @needle?  For checking which field an error names. */
int test_contains(const char *haystack, const char *needle);

#endif /* TDX_TESTS_TDXCTL_TEST_UTIL_H */

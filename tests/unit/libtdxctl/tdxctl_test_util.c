/*
 * Helpers shared by the libtdxctl unit tests.
 */
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tdxctl_test_util.h"

static EVP_PKEY *key, *other_key;
static char tmpdir[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_util_cleanup(void)
{
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	/* Only ever the directory this program made with mkdtemp(). */
	if (tmpdir[0] && nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static EVP_PKEY *make_key(EVP_PKEY **slot)
{
	static int registered;

	if (!*slot) {
		*slot = EVP_RSA_gen(3072);
		assert_non_null(*slot);
		if (!registered++)
			atexit(test_util_cleanup);
	}
	return *slot;
}

EVP_PKEY *test_key(void)
{
	return make_key(&key);
}

EVP_PKEY *test_other_key(void)
{
	return make_key(&other_key);
}

void test_sha384(const void *data, size_t len, uint8_t out[48])
{
	unsigned int out_len = 48;

	assert_int_equal(EVP_Digest(data, len, out, &out_len, EVP_sha384(), NULL), 1);
	assert_int_equal(out_len, 48);
}

const char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/tdxctl-test-XXXXXX",
			 base && *base ? base : "/tmp");
		assert_non_null(mkdtemp(tmpdir));
		make_key(&key);	/* registers the cleanup */
	}
	return tmpdir;
}

void test_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", test_tmpdir(), name);

	assert_true(n > 0 && (size_t)n < size);
}

int test_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle)) {
		print_error("\"%s\" does not mention \"%s\"\n", haystack, needle);
		return 0;
	}
	return 1;
}

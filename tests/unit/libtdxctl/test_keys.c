/*
 * Unit tests for libtdxctl keys.c and sign.c: key files, the modulus in
 * little-endian form, the vendor-key-hash, and signatures that the
 * loader's seam_rsa3072_verify() accepts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tdxctl/tdxctl.h"
#include "tdxctl_test_util.h"

static void write_pem(const char *path, EVP_PKEY *pkey)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_key_generate_then_load(void **state)
{
	uint8_t a[SEAM_RSA_BYTES], b[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };
	EVP_PKEY *pkey = NULL;
	char path[512];
	struct stat st;

	(void)state;
	test_path(path, sizeof(path), "gen.pem");
	assert_int_equal(tdxctl_key_generate(path, false, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), 0);
	assert_int_equal(EVP_PKEY_get_bits(pkey), 3072);
	assert_int_equal(tdxctl_key_check(pkey, &err), 0);

	/* A second key is a different key. */
	assert_int_equal(tdxctl_key_modulus_le(pkey, a, &err), 0);
	assert_int_equal(tdxctl_key_modulus_le(test_key(), b, &err), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	EVP_PKEY_free(pkey);
}

static void test_key_generate_refuses_overwrite(void **state)
{
	struct emu_error err = { 0 };
	uint8_t h1[48], h2[48];
	EVP_PKEY *pkey;
	char path[512];

	(void)state;
	test_path(path, sizeof(path), "keep.pem");
	assert_int_equal(tdxctl_key_generate(path, false, &err), 0);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), 0);
	assert_int_equal(tdxctl_key_hash(pkey, h1, &err), 0);
	EVP_PKEY_free(pkey);

	assert_int_equal(tdxctl_key_generate(path, false, &err), -EEXIST);
	assert_true(test_contains(err.msg, path));
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), 0);
	assert_int_equal(tdxctl_key_hash(pkey, h2, &err), 0);
	assert_memory_equal(h1, h2, sizeof(h1));
	EVP_PKEY_free(pkey);

	/* With overwrite, the file holds a new key. */
	assert_int_equal(tdxctl_key_generate(path, true, &err), 0);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), 0);
	assert_int_equal(tdxctl_key_hash(pkey, h2, &err), 0);
	assert_memory_not_equal(h1, h2, sizeof(h1));
	EVP_PKEY_free(pkey);
}

static void test_key_load_rejects_2048_bits(void **state)
{
	struct emu_error err = { 0 };
	EVP_PKEY *small, *pkey = NULL;
	char path[512];

	(void)state;
	small = EVP_RSA_gen(2048);
	assert_non_null(small);
	test_path(path, sizeof(path), "rsa2048.pem");
	write_pem(path, small);
	EVP_PKEY_free(small);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), -EINVAL);
	assert_null(pkey);
	assert_true(test_contains(err.msg, "2048"));
	assert_true(test_contains(err.msg, path));
}

static void test_key_load_rejects_exponent_3(void **state)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	struct emu_error err = { 0 };
	EVP_PKEY *e3 = NULL, *pkey = NULL;
	BIGNUM *e = BN_new();
	char path[512];

	(void)state;
	assert_non_null(ctx);
	assert_non_null(e);
	assert_int_equal(BN_set_word(e, 3), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &e3), 1);
	test_path(path, sizeof(path), "rsa-e3.pem");
	write_pem(path, e3);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), -EINVAL);
	assert_true(test_contains(err.msg, "exponent"));
	EVP_PKEY_free(e3);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
}

static void test_key_load_rejects_non_pem(void **state)
{
	struct emu_error err = { 0 };
	EVP_PKEY *pkey = NULL;
	char path[512];

	(void)state;
	test_path(path, sizeof(path), "junk.pem");
	assert_int_equal(tdxctl_file_write(path, "not a key\n", 10, 0600, &err), 0);
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), -EINVAL);
	assert_true(test_contains(err.msg, "PEM"));
	test_path(path, sizeof(path), "missing.pem");
	assert_int_equal(tdxctl_key_load(path, &pkey, &err), -ENOENT);
	assert_null(pkey);
}

static void test_key_modulus_is_little_endian(void **state)
{
	uint8_t le[SEAM_RSA_BYTES], be[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };
	BIGNUM *n = NULL;
	unsigned int i;

	(void)state;
	assert_int_equal(EVP_PKEY_get_bn_param(test_key(), OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_bn2binpad(n, be, sizeof(be)), SEAM_RSA_BYTES);
	BN_free(n);
	assert_int_equal(tdxctl_key_modulus_le(test_key(), le, &err), 0);
	for (i = 0; i < SEAM_RSA_BYTES; i++)
		assert_int_equal(le[i], be[SEAM_RSA_BYTES - 1 - i]);
	/* An RSA-3072 modulus has its top bit set: the last LE byte. */
	assert_true(le[SEAM_RSA_BYTES - 1] & 0x80);
	/* A modulus is odd: the first LE byte. */
	assert_true(le[0] & 1);
}

static void test_key_hash_is_sha384_of_le_modulus(void **state)
{
	uint8_t le[SEAM_RSA_BYTES], want[48], got[48], other[48];
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(tdxctl_key_modulus_le(test_key(), le, &err), 0);
	test_sha384(le, sizeof(le), want);
	assert_int_equal(tdxctl_key_hash(test_key(), got, &err), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(tdxctl_modulus_hash(le, got, &err), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(tdxctl_key_hash(test_other_key(), other, &err), 0);
	assert_memory_not_equal(other, want, sizeof(want));
}

static void test_sign_le_verifies_with_loader(void **state)
{
	static const char a[] = "first part", b[] = "second part";
	struct seam_sig_part parts[] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct seam_sig_part joined_wrong[] = { { a, sizeof(a) } };
	uint8_t sig[SEAM_RSA_BYTES], mod[SEAM_RSA_BYTES], other[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(tdxctl_rsa3072_sign_le(test_key(), parts, 2, sig, &err), 0);
	assert_int_equal(tdxctl_key_modulus_le(test_key(), mod, &err), 0);
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, parts, 2), 0);
	/* A different message, key or signature does not verify. */
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, joined_wrong, 1), -EBADMSG);
	assert_int_equal(tdxctl_key_modulus_le(test_other_key(), other, &err), 0);
	assert_int_equal(seam_rsa3072_verify(other, 0x10001, sig, parts, 2), -EBADMSG);
	sig[0] ^= 1;
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, parts, 2), -EBADMSG);
}

/* Independent of the loader: reverse the signature, verify with OpenSSL. */
static void test_sign_le_is_reversed_pkcs1_sha384(void **state)
{
	static const char msg[] = "tdx-emu";
	struct seam_sig_part part = { msg, sizeof(msg) };
	uint8_t le[SEAM_RSA_BYTES], be[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	unsigned int i;

	(void)state;
	assert_int_equal(tdxctl_rsa3072_sign_le(test_key(), &part, 1, le, &err), 0);
	for (i = 0; i < SEAM_RSA_BYTES; i++)
		be[i] = le[SEAM_RSA_BYTES - 1 - i];
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha384(), NULL, test_key()), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_DigestVerify(md, be, sizeof(be), (const uint8_t *)msg, sizeof(msg)),
			 1);
	EVP_MD_CTX_free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_generate_then_load),
		cmocka_unit_test(test_key_generate_refuses_overwrite),
		cmocka_unit_test(test_key_load_rejects_2048_bits),
		cmocka_unit_test(test_key_load_rejects_exponent_3),
		cmocka_unit_test(test_key_load_rejects_non_pem),
		cmocka_unit_test(test_key_modulus_is_little_endian),
		cmocka_unit_test(test_key_hash_is_sha384_of_le_modulus),
		cmocka_unit_test(test_sign_le_verifies_with_loader),
		cmocka_unit_test(test_sign_le_is_reversed_pkcs1_sha384),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

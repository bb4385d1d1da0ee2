/*
 * Unit tests for seam/loader/src/sigstruct.c: the fixed SEAM_SIGSTRUCT
 * header fields, the reserved/limited fields, the signed ranges ([0,128)
 * and [900,2048)) and seam_rsa3072_verify() itself.  Whether the key is
 * the fused one is P-SEAMLDR's check, not this file's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "firmware_paths.h"
#include "seam_loader.h"
#include "tdxctl/tdxctl.h"

static struct seam_sigstruct blob_sig;	/* from TDX_FW_MODULE_BLOB */
static EVP_PKEY *vendor_key;

static int group_setup(void **state)
{
	struct tdxctl_blob_view view;
	struct emu_error err = { 0 };
	uint8_t *blob = NULL;
	size_t len = 0;

	(void)state;
	if (tdxctl_file_read(TDX_FW_MODULE_BLOB, &blob, &len, &err) ||
	    tdxctl_blob_parse(blob, len, &view, &err) ||
	    tdxctl_key_load(TDX_FW_VENDOR_KEY, &vendor_key, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		free(blob);
		return -1;
	}
	memcpy(&blob_sig, view.sigstruct, sizeof(blob_sig));
	free(blob);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(vendor_key);
	return 0;
}

static void resign(struct seam_sigstruct *sig, EVP_PKEY *key)
{
	struct emu_error err = { 0 };

	if (tdxctl_sigstruct_sign(key, sig, &err))
		fail_msg("sign: %s", err.msg);
}

static void expect_verify(const struct seam_sigstruct *sig, int code, const char *needle)
{
	struct emu_error err = { 0 };
	int ret = seam_sigstruct_verify(sig, &err);

	if (ret != code)
		print_error("verify: %d '%s'\n", ret, err.msg);
	assert_int_equal(ret, code);
	if (code) {
		assert_int_equal(err.code, code);
		if (needle && !strstr(err.msg, needle))
			fail_msg("message '%s' lacks '%s'", err.msg, needle);
	}
}

static void test_sigstruct_verify_accepts_firmware_blob(void **state)
{
	struct emu_error err = { 0 };

	(void)state;
	assert_int_equal(seam_sigstruct_check_header(&blob_sig, &err), 0);
	assert_int_equal(seam_sigstruct_verify(&blob_sig, &err), 0);
	assert_int_equal(err.code, 0);
}

/* The fields with one legal value, as (offset, name). */
static const struct {
	size_t off;
	const char *name;
	uint32_t want;
} fixed_fields[] = {
	{ offsetof(struct seam_sigstruct, header_type), "HEADER_TYPE", 6 },
	{ offsetof(struct seam_sigstruct, header_length), "HEADER_LENGTH", 0xE1 },
	{ offsetof(struct seam_sigstruct, header_version), "HEADER_VERSION", 0x00010000 },
	{ offsetof(struct seam_sigstruct, module_vendor), "MODULE_VENDOR", 0x8086 },
	{ offsetof(struct seam_sigstruct, size), "SIZE", 0x200 },
	{ offsetof(struct seam_sigstruct, key_size), "KEY_SIZE", 0x60 },
	{ offsetof(struct seam_sigstruct, modulus_size), "MODULUS_SIZE", 0x60 },
	{ offsetof(struct seam_sigstruct, exponent_size), "EXPONENT_SIZE", 1 },
	{ offsetof(struct seam_sigstruct, exponent), "EXPONENT", 0x10001 },
};

static void test_sigstruct_header_constants_einval(void **state)
{
	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(fixed_fields); i++) {
		struct seam_sigstruct sig = blob_sig;
		uint32_t v;
		char needle[64];

		memcpy(&v, (uint8_t *)&sig + fixed_fields[i].off, sizeof(v));
		assert_int_equal(v, fixed_fields[i].want);
		v += 1;
		memcpy((uint8_t *)&sig + fixed_fields[i].off, &v, sizeof(v));
		/* ".SIZE is" is not a substring of ".KEY_SIZE is". */
		snprintf(needle, sizeof(needle), "SEAM_SIGSTRUCT.%s is 0x%x", fixed_fields[i].name, v);
		expect_verify(&sig, -EINVAL, needle);
		/* Re-signed, the signature is fine: the header check alone refuses. */
		resign(&sig, vendor_key);
		expect_verify(&sig, -EINVAL, needle);
	}
}

static void test_sigstruct_module_type_reserved_bits_einval(void **state)
{
	(void)state;
	for (unsigned int bit = 0; bit < 31; bit++) {
		struct seam_sigstruct sig = blob_sig;

		sig.module_type |= 1U << bit;
		resign(&sig, vendor_key);
		expect_verify(&sig, -EINVAL, "MODULE_TYPE");
	}
}

/* Bit 31 (debug-signed) is the one legal MODULE_TYPE bit. */
static void test_sigstruct_module_type_debug_accepted(void **state)
{
	struct seam_sigstruct sig = blob_sig;

	(void)state;
	sig.module_type = SEAM_SIGSTRUCT_MODULE_DEBUG;
	resign(&sig, vendor_key);
	expect_verify(&sig, 0, NULL);
}

static void test_sigstruct_attributes_nonzero_einval(void **state)
{
	const uint64_t values[] = { 1, 1ULL << 63, 0x10000 };

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(values); i++) {
		struct seam_sigstruct sig = blob_sig;

		sig.attributes = values[i];
		resign(&sig, vendor_key);
		expect_verify(&sig, -EINVAL, "ATTRIBUTES");
	}
}

static void test_sigstruct_cpuid_table_size_over_255_einval(void **state)
{
	struct seam_sigstruct sig = blob_sig;

	(void)state;
	sig.cpuid_table_size = 256;
	resign(&sig, vendor_key);
	expect_verify(&sig, -EINVAL, "CPUID_TABLE_SIZE 256");
	sig.cpuid_table_size = 0xFFFFFFFF;
	resign(&sig, vendor_key);
	expect_verify(&sig, -EINVAL, "CPUID_TABLE_SIZE");
	/* 255 entries is the limit, and legal. */
	sig.cpuid_table_size = 255;
	resign(&sig, vendor_key);
	expect_verify(&sig, 0, NULL);
}

static void flip_expect(size_t off, int code)
{
	struct seam_sigstruct sig = blob_sig;
	struct emu_error err = { 0 };
	int ret;

	((uint8_t *)&sig)[off] ^= 0x01;
	ret = seam_sigstruct_verify(&sig, &err);
	if (ret != code)
		fail_msg("byte %zu flipped: %d '%s', want %d", off, ret, err.msg, code);
}

static void test_sigstruct_flipped_signed_header_byte_ebadmsg(void **state)
{
	const size_t offs[] = {
		offsetof(struct seam_sigstruct, date),
		offsetof(struct seam_sigstruct, date) + 3,
		offsetof(struct seam_sigstruct, reserved0),
		SEAM_SIGSTRUCT_SIGNED_HEAD - 1,
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++)
		flip_expect(offs[i], -EBADMSG);
}

static void test_sigstruct_flipped_signed_body_byte_ebadmsg(void **state)
{
	const size_t offs[] = {
		SEAM_SIGSTRUCT_SIGNED_BODY_OFF,				/* SEAMHASH */
		offsetof(struct seam_sigstruct, seamsvn) + 1,
		offsetof(struct seam_sigstruct, rip_offset),
		offsetof(struct seam_sigstruct, num_stack_pages),
		offsetof(struct seam_sigstruct, num_handoff_pages),
		offsetof(struct seam_sigstruct, cpuid_table_size),	/* 3 -> 2 */
		offsetof(struct seam_sigstruct, cpuid_table),
		SEAM_SIGSTRUCT_SIZE - 1,
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++)
		flip_expect(offs[i], -EBADMSG);
}

static void test_sigstruct_flipped_modulus_byte_ebadmsg(void **state)
{
	const size_t base = offsetof(struct seam_sigstruct, modulus);
	const size_t offs[] = { base, base + 1, base + 200, base + SEAM_RSA_BYTES - 1 };

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++)
		flip_expect(offs[i], -EBADMSG);
}

static void test_sigstruct_flipped_signature_byte_ebadmsg(void **state)
{
	const size_t base = offsetof(struct seam_sigstruct, signature);
	const size_t offs[] = { base, base + 100, base + SEAM_RSA_BYTES - 1 };

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++)
		flip_expect(offs[i], -EBADMSG);
}

/*
 * No byte of the 2048 can change unnoticed: bytes [128,900) are the
 * modulus, the exponent and the signature, which are not signed but each
 * either changes the key, is a checked constant, or is the signature.
 * Every single-bit flip must make seam_sigstruct_verify() fail, with
 * -EINVAL for a checked field and -EBADMSG otherwise.
 */
static void test_sigstruct_every_byte_flip_refused(void **state)
{
	const uint8_t *raw = (const uint8_t *)&blob_sig;

	(void)state;
	for (size_t off = 0; off < SEAM_SIGSTRUCT_SIZE; off++) {
		struct seam_sigstruct sig = blob_sig;
		struct emu_error err = { 0 };
		int ret;

		((uint8_t *)&sig)[off] = raw[off] ^ 0x01;
		ret = seam_sigstruct_verify(&sig, &err);
		if (ret != -EINVAL && ret != -EBADMSG)
			fail_msg("byte %zu flipped: verify returned %d", off, ret);
	}
}

/* A sigstruct signed by any RSA-3072 key verifies with that key. */
static void test_sigstruct_self_signed_other_key_verifies(void **state)
{
	struct seam_sigstruct sig = blob_sig;
	struct emu_error err = { 0 };
	EVP_PKEY *other = NULL;

	(void)state;
	if (tdxctl_key_new(&other, &err))
		fail_msg("key: %s", err.msg);
	if (tdxctl_key_modulus_le(other, sig.modulus, &err))
		fail_msg("modulus: %s", err.msg);
	/* The old signature does not match the new key. */
	expect_verify(&sig, -EBADMSG, "SIGNATURE");
	resign(&sig, other);
	assert_memory_not_equal(sig.modulus, blob_sig.modulus, SEAM_RSA_BYTES);
	expect_verify(&sig, 0, NULL);
	EVP_PKEY_free(other);
}

/* ---- seam_rsa3072_verify() ---- */

static const uint8_t msg_a[] = "the signed part";
static const uint8_t msg_b[] = "and the second part";

static void sign_parts(EVP_PKEY *key, const struct seam_sig_part *parts, unsigned int n,
		       uint8_t sig[SEAM_RSA_BYTES])
{
	struct emu_error err = { 0 };

	if (tdxctl_rsa3072_sign_le(key, parts, n, sig, &err))
		fail_msg("sign: %s", err.msg);
}

static void test_rsa3072_verify_parts(void **state)
{
	const struct seam_sig_part parts[] = { { msg_a, sizeof(msg_a) }, { msg_b, sizeof(msg_b) } };
	const struct seam_sig_part swapped[] = { { msg_b, sizeof(msg_b) }, { msg_a, sizeof(msg_a) } };
	/* The same bytes split differently are the same message. */
	uint8_t joined[sizeof(msg_a) + sizeof(msg_b)];
	const struct seam_sig_part one[] = { { joined, sizeof(joined) } };
	uint8_t mod[SEAM_RSA_BYTES], sig[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };

	(void)state;
	memcpy(joined, msg_a, sizeof(msg_a));
	memcpy(joined + sizeof(msg_a), msg_b, sizeof(msg_b));
	assert_int_equal(tdxctl_key_modulus_le(vendor_key, mod, &err), 0);
	sign_parts(vendor_key, parts, 2, sig);
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, parts, 2), 0);
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, one, 1), 0);
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, swapped, 2), -EBADMSG);
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, parts, 1), -EBADMSG);
	assert_int_equal(seam_rsa3072_verify(mod, 3, sig, parts, 2), -EBADMSG);
}

/* Little-endian copy of a big-endian number, zero-extended to 384 bytes. */
static void be_to_le384(const uint8_t *be, size_t n, uint8_t out[SEAM_RSA_BYTES])
{
	memset(out, 0, SEAM_RSA_BYTES);
	for (size_t i = 0; i < n; i++)
		out[i] = be[n - 1 - i];
}

/*
 * A genuine PKCS#1 v1.5 / SHA-384 signature over msg_a by a fresh
 * @bits-bit key, with modulus and signature as 384-byte little-endian
 * strings.  Returns what seam_rsa3072_verify() makes of it.
 */
static int verify_with_key_of_bits(unsigned int bits)
{
	const struct seam_sig_part parts[] = { { msg_a, sizeof(msg_a) } };
	EVP_PKEY *key = EVP_RSA_gen(bits);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	BIGNUM *n = NULL;
	uint8_t n_be[SEAM_RSA_BYTES], sig_be[SEAM_RSA_BYTES];
	uint8_t mod_le[SEAM_RSA_BYTES], sig_le[SEAM_RSA_BYTES];
	size_t sig_len = sizeof(sig_be), nbytes;
	int ret;

	assert_non_null(key);
	assert_non_null(md);
	/* OpenSSL may give an odd-sized key one bit less than asked. */
	assert_in_range(EVP_PKEY_get_bits(key), bits - 1, bits);
	nbytes = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
	assert_true(nbytes <= SEAM_RSA_BYTES);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key), 1);
	assert_int_equal(EVP_DigestSignUpdate(md, msg_a, sizeof(msg_a)), 1);
	assert_int_equal(EVP_DigestSignFinal(md, sig_be, &sig_len), 1);
	assert_int_equal(sig_len, nbytes);
	assert_int_equal(EVP_PKEY_get_bn_param(key, "n", &n), 1);
	assert_int_equal(BN_bn2binpad(n, n_be, (int)nbytes), (int)nbytes);
	be_to_le384(n_be, nbytes, mod_le);
	be_to_le384(sig_be, nbytes, sig_le);
	ret = seam_rsa3072_verify(mod_le, 0x10001, sig_le, parts, 1);
	BN_free(n);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ret;
}

static void test_rsa3072_verify_rejects_rsa2048(void **state)
{
	(void)state;
	assert_int_equal(verify_with_key_of_bits(2048), -EBADMSG);
}

/*
 * A 3071- (or 3070-) bit key has 384-byte signatures too, so only the
 * key-size check tells it from RSA-3072.  A 3072-bit key is the control.
 */
static void test_rsa3072_verify_rejects_rsa3071(void **state)
{
	(void)state;
	assert_int_equal(verify_with_key_of_bits(3072), 0);
	assert_int_equal(verify_with_key_of_bits(3071), -EBADMSG);
}

static void test_rsa3072_verify_rejects_zero_modulus(void **state)
{
	const struct seam_sig_part parts[] = { { msg_a, sizeof(msg_a) } };
	uint8_t mod[SEAM_RSA_BYTES] = { 0 }, sig[SEAM_RSA_BYTES] = { 0 };

	(void)state;
	assert_int_equal(seam_rsa3072_verify(mod, 0x10001, sig, parts, 1), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigstruct_verify_accepts_firmware_blob),
		cmocka_unit_test(test_sigstruct_header_constants_einval),
		cmocka_unit_test(test_sigstruct_module_type_reserved_bits_einval),
		cmocka_unit_test(test_sigstruct_module_type_debug_accepted),
		cmocka_unit_test(test_sigstruct_attributes_nonzero_einval),
		cmocka_unit_test(test_sigstruct_cpuid_table_size_over_255_einval),
		cmocka_unit_test(test_sigstruct_flipped_signed_header_byte_ebadmsg),
		cmocka_unit_test(test_sigstruct_flipped_signed_body_byte_ebadmsg),
		cmocka_unit_test(test_sigstruct_flipped_modulus_byte_ebadmsg),
		cmocka_unit_test(test_sigstruct_flipped_signature_byte_ebadmsg),
		cmocka_unit_test(test_sigstruct_every_byte_flip_refused),
		cmocka_unit_test(test_sigstruct_self_signed_other_key_verifies),
		cmocka_unit_test(test_rsa3072_verify_parts),
		cmocka_unit_test(test_rsa3072_verify_rejects_rsa2048),
		cmocka_unit_test(test_rsa3072_verify_rejects_rsa3071),
		cmocka_unit_test(test_rsa3072_verify_rejects_zero_modulus),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

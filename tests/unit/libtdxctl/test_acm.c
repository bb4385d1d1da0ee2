/*
 * Unit tests for libtdxctl acm.c: the NP-SEAMLDR ACM header, manifest
 * and P-SEAMLDR image, the signed ranges, and the structural checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tdxctl/tdxctl.h"
#include "tdxctl_test_util.h"

#define TEST_DATE	0x20240517
#define HDR_SIZE	sizeof(struct acm_header)

struct fixture {
	uint8_t *acm;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct tdxctl_acm_opts opts;
	struct emu_error err = { 0 };

	if (!f)
		return -1;
	tdxctl_acm_opts_init(&opts);
	opts.date = TEST_DATE;
	if (tdxctl_acm_build(test_key(), &opts, &f->acm, &f->len, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->acm);
	free(f);
	return 0;
}

static uint8_t *acm_copy(const struct fixture *f)
{
	uint8_t *b = malloc(f->len);

	assert_non_null(b);
	memcpy(b, f->acm, f->len);
	return b;
}

static void expect_parse_reject(const void *acm, size_t len, int code, const char *field)
{
	struct tdxctl_acm_view view;
	struct emu_error err = { 0 };

	assert_int_equal(tdxctl_acm_parse(acm, len, &view, &err), code);
	assert_true(test_contains(err.msg, field));
}

static void test_acm_header_fields(void **state)
{
	struct fixture *f = *state;
	const struct acm_header *h = (const struct acm_header *)f->acm;
	uint8_t mod[SEAM_RSA_BYTES], zero[ACM_SCRATCH_SIZE_V3 * 4] = { 0 };
	struct emu_error err = { 0 };

	assert_int_equal(f->len % 64, 0);
	assert_int_equal(h->module_type, 2);
	assert_int_equal(h->module_sub_type, 0);
	assert_int_equal(h->header_len, HDR_SIZE / 4);
	assert_int_equal(h->header_version, 0x00030000);
	assert_int_equal(h->chipset_id, 0);
	assert_int_equal(h->flags, 0);
	assert_int_equal(h->module_vendor, 0x8086);
	assert_int_equal(h->date, TEST_DATE);
	assert_int_equal((size_t)h->size * 4, f->len);
	assert_int_equal(h->txt_svn, 0);
	assert_int_equal(h->sgx_svn, 0);
	assert_int_equal(h->code_control, 0);
	assert_int_equal(h->error_entry_point, 0);
	assert_int_equal(h->gdt_limit, 0x1F);
	assert_int_equal(h->gdt_base_ptr, 0);
	assert_int_equal(h->seg_sel, 8);
	assert_int_equal(h->entry_point, HDR_SIZE);
	assert_int_equal(h->key_size, 96);
	assert_int_equal(h->scratch_size, 208);
	assert_int_equal(tdxctl_key_modulus_le(test_key(), mod, &err), 0);
	assert_memory_equal(h->rsa_pub_key, mod, sizeof(mod));
	assert_memory_equal(h->scratch, zero, sizeof(zero));
}

static void test_acm_manifest_and_p_seamldr(void **state)
{
	struct fixture *f = *state;
	struct tdxctl_acm_view v;
	struct emu_error err = { 0 };
	uint8_t hash[48];

	assert_int_equal(tdxctl_acm_parse(f->acm, f->len, &v, &err), 0);
	assert_ptr_equal(v.manifest, f->acm + HDR_SIZE);
	assert_memory_equal(v.manifest->magic, "NPSEAMLD", 8);
	assert_int_equal(v.manifest->manifest_version, 1);
	assert_int_equal(v.manifest->np_major, 1);
	assert_int_equal(v.manifest->np_minor, 0);
	assert_int_equal(v.manifest->p_seamldr_offset, HDR_SIZE + 128);
	assert_int_equal(v.manifest->p_seamldr_size, 64 * 1024);
	assert_true(v.manifest->p_seamldr_offset + v.manifest->p_seamldr_size <= f->len);
	test_sha384(f->acm + v.manifest->p_seamldr_offset, 64 * 1024, hash);
	assert_memory_equal(v.manifest->p_seamldr_hash, hash, sizeof(hash));

	assert_ptr_equal(v.p_seamldr_image, f->acm + v.manifest->p_seamldr_offset);
	assert_memory_equal(v.p_seamldr->magic, "PSEAMLDR", 8);
	assert_int_equal(v.p_seamldr->header_version, 1);
	assert_int_equal(v.p_seamldr->vendor_id, 0x8086);
	assert_int_equal(v.p_seamldr->build_date, TEST_DATE);
	assert_int_equal(v.p_seamldr->major, 1);
	assert_int_equal(v.p_seamldr->minor, 0);
	assert_int_equal(v.p_seamldr->update_version, 0);
	assert_int_equal(v.p_seamldr->attributes, 0);
	assert_int_equal(v.p_seamldr->num_remaining_updates, 32);
}

static void test_acm_options(void **state)
{
	struct tdxctl_acm_opts opts;
	struct emu_error err = { 0 };
	struct tdxctl_acm_view v;
	uint8_t *acm;
	size_t len;

	(void)state;
	tdxctl_acm_opts_init(&opts);
	opts.major = 2;
	opts.minor = 7;
	opts.build_num = 42;
	opts.debug = true;
	assert_int_equal(tdxctl_acm_build(test_key(), &opts, &acm, &len, &err), 0);
	assert_int_equal(tdxctl_acm_parse(acm, len, &v, &err), 0);
	assert_int_equal(v.p_seamldr->major, 2);
	assert_int_equal(v.p_seamldr->minor, 7);
	assert_int_equal(v.p_seamldr->build_num, 42);
	assert_int_equal(v.p_seamldr->attributes, 0x80000000U);
	assert_int_equal(tdxctl_acm_verify(acm, len, &err), 0);
	free(acm);
}

/* The signature, checked with the loader's verifier over the spec ranges. */
static void test_acm_signature_ranges(void **state)
{
	struct fixture *f = *state;
	const struct acm_header *h = (const struct acm_header *)f->acm;
	struct seam_sig_part parts[] = {
		{ f->acm, 120 },
		{ f->acm + HDR_SIZE, f->len - HDR_SIZE },
	};
	struct emu_error err = { 0 };

	assert_int_equal(seam_rsa3072_verify(h->rsa_pub_key, 0x10001, h->rsa_sig, parts, 2), 0);
	assert_int_equal(tdxctl_acm_verify(f->acm, f->len, &err), 0);
}

static void test_acm_tamper_fails_verify(void **state)
{
	static const struct {
		size_t off;
		const char *what;
	} bytes[] = {
		{ offsetof(struct acm_header, date), "date (signed prefix)" },
		{ offsetof(struct acm_header, entry_point), "entry_point (signed prefix)" },
		{ ACM_HEADER_SIGNED_PREFIX - 1, "last signed prefix byte" },
		{ offsetof(struct acm_header, rsa_pub_key) + 7, "rsa_pub_key" },
		{ offsetof(struct acm_header, rsa_sig) + 100, "rsa_sig" },
		{ HDR_SIZE, "manifest magic (body)" },
		{ HDR_SIZE + 128 + 40, "P-SEAMLDR image (body)" },
	};
	struct fixture *f = *state;
	struct emu_error err;
	unsigned int i;
	uint8_t *b;

	for (i = 0; i < TDX_ARRAY_SIZE(bytes); i++) {
		b = acm_copy(f);
		b[bytes[i].off] ^= 0x01;
		emu_error_clear(&err);
		if (tdxctl_acm_verify(b, f->len, &err) != -EBADMSG)
			fail_msg("flipping %s (byte %zu) did not break the ACM signature",
				 bytes[i].what, bytes[i].off);
		free(b);
	}
	/* The last byte of the file is signed too. */
	b = acm_copy(f);
	b[f->len - 1] ^= 0x80;
	assert_int_equal(tdxctl_acm_verify(b, f->len, &err), -EBADMSG);
	/* Scratch is outside both ranges: changing it keeps the signature. */
	memcpy(b, f->acm, f->len);
	b[offsetof(struct acm_header, scratch) + 3] ^= 0xFF;
	assert_int_equal(tdxctl_acm_verify(b, f->len, &err), 0);
	free(b);
}

static void test_acm_wrong_key_hash(void **state)
{
	struct fixture *f = *state;
	const struct acm_header *h = (const struct acm_header *)f->acm;
	uint8_t signer[48], mine[48], other[48];
	struct emu_error err = { 0 };

	assert_int_equal(tdxctl_modulus_hash(h->rsa_pub_key, signer, &err), 0);
	assert_int_equal(tdxctl_key_hash(test_key(), mine, &err), 0);
	assert_int_equal(tdxctl_key_hash(test_other_key(), other, &err), 0);
	assert_memory_equal(signer, mine, sizeof(mine));
	assert_memory_not_equal(signer, other, sizeof(other));
}

static void test_acm_parse_rejects_header(void **state)
{
	struct fixture *f = *state;
	struct acm_header *h;
	uint8_t *b = acm_copy(f);

	h = (struct acm_header *)b;
	expect_parse_reject(b, HDR_SIZE - 1, -EINVAL, "truncated");
	expect_parse_reject(b, f->len - 64, -EINVAL, "size");
	expect_parse_reject(b, f->len - 4, -EINVAL, "multiple of 64");
	h->module_type = 1;
	expect_parse_reject(b, f->len, -EINVAL, "module_type");
	h->module_type = 2;
	h->header_version = 0x00020000;
	expect_parse_reject(b, f->len, -EINVAL, "header_version");
	h->header_version = 0x00030000;
	h->key_size = 64;
	expect_parse_reject(b, f->len, -EINVAL, "key_size");
	h->key_size = 96;
	h->module_vendor = 0x1234;
	expect_parse_reject(b, f->len, -EINVAL, "module_vendor");
	h->module_vendor = 0x8086;
	h->entry_point = (uint32_t)f->len - 64;
	expect_parse_reject(b, f->len, -EINVAL, "entry_point");
	free(b);
}

static void test_acm_parse_rejects_manifest(void **state)
{
	struct fixture *f = *state;
	struct np_seamldr_manifest *m;
	uint8_t *b = acm_copy(f);

	m = (struct np_seamldr_manifest *)(b + HDR_SIZE);
	m->magic[0] = 'X';
	expect_parse_reject(b, f->len, -EINVAL, "magic");
	m->magic[0] = 'N';
	m->p_seamldr_offset = f->len - 1024;
	expect_parse_reject(b, f->len, -EINVAL, "p_seamldr_offset");
	m->p_seamldr_offset = HDR_SIZE + 128;
	m->p_seamldr_size = 16;
	expect_parse_reject(b, f->len, -EINVAL, "p_seamldr_size");
	m->p_seamldr_size = 64 * 1024;
	b[HDR_SIZE + 128 + 1000] ^= 1;
	expect_parse_reject(b, f->len, -EBADMSG, "p_seamldr_hash");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acm_header_fields),
		cmocka_unit_test(test_acm_manifest_and_p_seamldr),
		cmocka_unit_test(test_acm_options),
		cmocka_unit_test(test_acm_signature_ranges),
		cmocka_unit_test(test_acm_tamper_fails_verify),
		cmocka_unit_test(test_acm_wrong_key_hash),
		cmocka_unit_test(test_acm_parse_rejects_header),
		cmocka_unit_test(test_acm_parse_rejects_manifest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

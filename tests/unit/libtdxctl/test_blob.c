/*
 * Unit tests for libtdxctl blob.c: the TDX-BLOB v1 layout, its checksum,
 * and that tdxctl_blob_parse() refuses each malformed field by name.
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

#define NR_PAGES	4

struct fixture {
	uint8_t *img;
	size_t img_len;
	uint8_t *blob;
	size_t len;
};

static int setup(void **state)
{
	struct tdxctl_module_image_opts iopts;
	struct tdxctl_sign_opts sopts;
	struct emu_error err = { 0 };
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	tdxctl_module_image_opts_init(&iopts);
	iopts.nr_pages = NR_PAGES;
	tdxctl_sign_opts_init(&sopts);
	if (tdxctl_module_image_build(&iopts, &f->img, &f->img_len, &err) ||
	    tdxctl_module_sign(test_key(), f->img, f->img_len, &sopts, &f->blob, &f->len, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->img);
	free(f->blob);
	free(f);
	return 0;
}

/* A private copy of the fixture blob, @extra bytes longer (zeros). */
static uint8_t *blob_copy(const struct fixture *f, size_t extra)
{
	uint8_t *b = calloc(1, f->len + extra);

	assert_non_null(b);
	memcpy(b, f->blob, f->len);
	return b;
}

/* Parse must fail with -EINVAL and an error naming @field. */
static void expect_reject(const void *blob, size_t len, const char *field)
{
	struct tdxctl_blob_view view;
	struct emu_error err = { 0 };

	assert_int_equal(tdxctl_blob_parse(blob, len, &view, &err), -EINVAL);
	assert_true(test_contains(err.msg, field));
}

static void test_blob_layout(void **state)
{
	struct fixture *f = *state;
	const struct tdx_blob_header *h = (const struct tdx_blob_header *)f->blob;
	static const uint8_t zero[TDX_PAGE_SIZE];

	assert_int_equal(f->len, (2 + NR_PAGES) * TDX_PAGE_SIZE);
	assert_int_equal(h->version, 1);
	assert_int_equal(h->offset_of_module, 8192);
	assert_memory_equal(h->signature, "TDX-BLOB", 8);
	assert_int_equal(h->length, f->len);
	assert_memory_equal(h->reserved1, zero, sizeof(h->reserved1));
	/* The sigstruct fills the first half of page 1; the rest is zero. */
	assert_int_equal(((const struct seam_sigstruct *)(f->blob + 4096))->header_type, 6);
	assert_memory_equal(f->blob + 4096 + 2048, zero, 2048);
	assert_memory_equal(f->blob + 8192, f->img, f->img_len);
}

static void test_blob_checksum_is_zero_sum(void **state)
{
	struct fixture *f = *state;
	const uint8_t *p = f->blob;
	uint32_t sum = 0;
	size_t i;

	/* Recomputed here word by word rather than with the library. */
	for (i = 0; i < f->len; i += 2)
		sum += (uint32_t)(p[i] | p[i + 1] << 8);
	assert_int_equal(sum & 0xFFFF, 0);
	assert_int_equal(tdxctl_blob_word_sum(f->blob, f->len), 0);
	assert_int_not_equal(((const struct tdx_blob_header *)p)->checksum, 0);
}

static void test_blob_word_sum_odd_length(void **state)
{
	static const uint8_t b[] = { 0x01, 0x02, 0xFF, 0xFF, 0x05 };

	(void)state;
	/* 0x0201 + 0xFFFF + 0x0005 = 0x10205 -> 0x0205 */
	assert_int_equal(tdxctl_blob_word_sum(b, sizeof(b)), 0x0205);
}

static void test_blob_parse_ok(void **state)
{
	struct fixture *f = *state;
	struct tdxctl_blob_view view;
	struct emu_error err = { 0 };
	uint8_t hash[48];

	assert_int_equal(tdxctl_blob_parse(f->blob, f->len, &view, &err), 0);
	assert_ptr_equal(view.header, f->blob);
	assert_ptr_equal(view.sigstruct, f->blob + 4096);
	assert_ptr_equal(view.module, f->blob + 8192);
	assert_int_equal(view.module_len, NR_PAGES * TDX_PAGE_SIZE);
	assert_int_equal(view.nr_module_pages, NR_PAGES);
	assert_int_equal(seam_sigstruct_verify(view.sigstruct, &err), 0);
	test_sha384(view.module, view.module_len, hash);
	assert_memory_equal(view.sigstruct->seamhash, hash, sizeof(hash));
}

static void test_blob_reject_wrong_checksum(void **state)
{
	struct fixture *f = *state;
	uint8_t *b = blob_copy(f, 0);

	((struct tdx_blob_header *)b)->checksum++;
	expect_reject(b, f->len, "checksum");
	/* A changed module byte is caught by the checksum too. */
	((struct tdx_blob_header *)b)->checksum--;
	b[f->len - 1] ^= 0x40;
	expect_reject(b, f->len, "checksum");
	free(b);
}

static void test_blob_reject_wrong_signature(void **state)
{
	struct fixture *f = *state;
	uint8_t *b = blob_copy(f, 0);

	memcpy(((struct tdx_blob_header *)b)->signature, "TDX-BLOX", 8);
	tdxctl_blob_update_checksum(b, f->len);
	expect_reject(b, f->len, "signature");
	free(b);
}

static void test_blob_reject_wrong_version(void **state)
{
	struct fixture *f = *state;
	uint8_t *b = blob_copy(f, 0);

	((struct tdx_blob_header *)b)->version = 2;
	tdxctl_blob_update_checksum(b, f->len);
	expect_reject(b, f->len, "version");
	free(b);
}

static void test_blob_reject_truncated(void **state)
{
	struct fixture *f = *state;

	expect_reject(f->blob, f->len - TDX_PAGE_SIZE, "length");
	expect_reject(f->blob, f->len - 1, "truncated");
	expect_reject(f->blob, 100, "truncated");
	expect_reject(f->blob, 0, "truncated");
}

static void test_blob_reject_offset_out_of_range(void **state)
{
	static const uint32_t bad[] = { 0, 4096, 8192 + 8, (2 + NR_PAGES) * 4096,
					0x7FFFF000 };
	struct fixture *f = *state;
	uint8_t *b = blob_copy(f, 0);
	unsigned int i;

	for (i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		((struct tdx_blob_header *)b)->offset_of_module = bad[i];
		tdxctl_blob_update_checksum(b, f->len);
		expect_reject(b, f->len, "offset_of_module");
	}
	free(b);
}

static void test_blob_reject_non_page_module(void **state)
{
	struct fixture *f = *state;
	size_t len = f->len + 2;
	uint8_t *b = blob_copy(f, 2);

	((struct tdx_blob_header *)b)->length = (uint32_t)len;
	tdxctl_blob_update_checksum(b, len);
	expect_reject(b, len, "multiple of 4096");
	free(b);
}

static void test_blob_reject_sigstruct_page_padding(void **state)
{
	struct fixture *f = *state;
	uint8_t *b = blob_copy(f, 0);

	b[4096 + 2048 + 5] = 0xAA;
	b[4096 + 2048 + 6] = 0x55;
	tdxctl_blob_update_checksum(b, f->len);
	expect_reject(b, f->len, "sigstruct page");
	free(b);
}

static void test_blob_pack_rejects_too_many_pages(void **state)
{
	size_t len = (SEAMLDR_MAX_NR_MODULE_PAGES + 1) * TDX_PAGE_SIZE;
	struct fixture *f = *state;
	const struct seam_sigstruct *sig = (const struct seam_sigstruct *)(f->blob + 4096);
	struct emu_error err = { 0 };
	uint8_t *img = calloc(1, len), *blob = NULL;
	size_t blob_len;

	assert_non_null(img);
	assert_int_equal(tdxctl_blob_pack(sig, img, len, &blob, &blob_len, &err), -EINVAL);
	assert_null(blob);
	assert_int_equal(tdxctl_blob_pack(sig, img, len - TDX_PAGE_SIZE, &blob, &blob_len, &err),
			 0);
	assert_int_equal(blob_len, 8192 + len - TDX_PAGE_SIZE);
	free(blob);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob_layout),
		cmocka_unit_test(test_blob_checksum_is_zero_sum),
		cmocka_unit_test(test_blob_word_sum_odd_length),
		cmocka_unit_test(test_blob_parse_ok),
		cmocka_unit_test(test_blob_reject_wrong_checksum),
		cmocka_unit_test(test_blob_reject_wrong_signature),
		cmocka_unit_test(test_blob_reject_wrong_version),
		cmocka_unit_test(test_blob_reject_truncated),
		cmocka_unit_test(test_blob_reject_offset_out_of_range),
		cmocka_unit_test(test_blob_reject_non_page_module),
		cmocka_unit_test(test_blob_reject_sigstruct_page_padding),
		cmocka_unit_test(test_blob_pack_rejects_too_many_pages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests for libtdxctl module_image.c: the header tdxctl writes in
 * page 0, the code digest, the page count and the header checks.
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

static void test_image_default_header(void **state)
{
	const struct tdx_module_image_header *h, *parsed;
	struct tdxctl_module_image_opts opts;
	static const uint8_t zero[TDX_PAGE_SIZE];
	struct emu_error err = { 0 };
	uint8_t *img;
	size_t len, i;

	(void)state;
	tdxctl_module_image_opts_init(&opts);
	opts.build_date = 0x20240517;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), 0);
	assert_int_equal(len, 16 * TDX_PAGE_SIZE);
	h = (const struct tdx_module_image_header *)img;
	assert_memory_equal(h->magic, "TDXEMUMD", 8);
	assert_int_equal(h->header_version, 1);
	assert_int_equal(h->vendor_id, 0x8086);
	assert_int_equal(h->build_date, 0x20240517);
	assert_int_equal(h->build_num, 0);
	assert_int_equal(h->major_version, 1);
	assert_int_equal(h->minor_version, 5);
	assert_int_equal(h->update_version, 1);
	assert_int_equal(h->internal_version, 0);
	assert_string_equal(h->impl, "tdx-emu-module");
	/* No code given: zero digest; reserved fields and the rest zero. */
	assert_memory_equal(h->code_digest, zero, sizeof(h->code_digest));
	assert_memory_equal(h->reserved1, zero, sizeof(h->reserved1));
	assert_memory_equal(img + sizeof(*h), zero, TDX_PAGE_SIZE - sizeof(*h));
	for (i = 1; i < 16; i++)
		assert_memory_equal(img + i * TDX_PAGE_SIZE, zero, TDX_PAGE_SIZE);
	assert_int_equal(tdxctl_module_image_parse(img, len, &parsed, &err), 0);
	assert_ptr_equal(parsed, h);
	free(img);
}

static void test_image_options_and_code_digest(void **state)
{
	static const char code[] = "native module code stand-in";
	const struct tdx_module_image_header *h;
	struct tdxctl_module_image_opts opts;
	struct emu_error err = { 0 };
	uint8_t *img, want[48];
	size_t len;

	(void)state;
	tdxctl_module_image_opts_init(&opts);
	opts.major_version = 2;
	opts.minor_version = 3;
	opts.update_version = 4;
	opts.internal_version = 5;
	opts.build_num = 777;
	opts.nr_pages = 3;
	opts.code = code;
	opts.code_len = sizeof(code);
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), 0);
	h = (const struct tdx_module_image_header *)img;
	assert_int_equal(len, 3 * TDX_PAGE_SIZE);
	assert_int_equal(h->major_version, 2);
	assert_int_equal(h->minor_version, 3);
	assert_int_equal(h->update_version, 4);
	assert_int_equal(h->internal_version, 5);
	assert_int_equal(h->build_num, 777);
	assert_int_not_equal(h->build_date, 0);
	test_sha384(code, sizeof(code), want);
	assert_memory_equal(h->code_digest, want, sizeof(want));
	free(img);
}

static void test_image_page_bounds(void **state)
{
	struct tdxctl_module_image_opts opts;
	struct emu_error err = { 0 };
	uint8_t *img = NULL;
	size_t len;

	(void)state;
	tdxctl_module_image_opts_init(&opts);
	opts.nr_pages = 0;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), -EINVAL);
	assert_true(test_contains(err.msg, "pages"));
	opts.nr_pages = SEAMLDR_MAX_NR_MODULE_PAGES + 1;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), -EINVAL);
	assert_null(img);
	opts.nr_pages = 1;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), 0);
	assert_int_equal(len, TDX_PAGE_SIZE);
	free(img);
	opts.nr_pages = SEAMLDR_MAX_NR_MODULE_PAGES;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), 0);
	assert_int_equal(len, SEAMLDR_MAX_NR_MODULE_PAGES * TDX_PAGE_SIZE);
	free(img);
}

static void test_image_parse_rejects(void **state)
{
	const struct tdx_module_image_header *h;
	struct tdxctl_module_image_opts opts;
	struct tdx_module_image_header *w;
	struct emu_error err = { 0 };
	uint8_t *img;
	size_t len;

	(void)state;
	tdxctl_module_image_opts_init(&opts);
	opts.nr_pages = 2;
	assert_int_equal(tdxctl_module_image_build(&opts, &img, &len, &err), 0);
	w = (struct tdx_module_image_header *)img;

	assert_int_equal(tdxctl_module_image_parse(img, len - 1, &h, &err), -EINVAL);
	assert_true(test_contains(err.msg, "4096"));
	w->magic[0] = 'X';
	assert_int_equal(tdxctl_module_image_parse(img, len, &h, &err), -EINVAL);
	assert_true(test_contains(err.msg, "magic"));
	w->magic[0] = 'T';
	w->header_version = 2;
	assert_int_equal(tdxctl_module_image_parse(img, len, &h, &err), -EINVAL);
	assert_true(test_contains(err.msg, "header_version"));
	w->header_version = 1;
	memset(w->impl, 'a', sizeof(w->impl));
	assert_int_equal(tdxctl_module_image_parse(img, len, &h, &err), -EINVAL);
	assert_true(test_contains(err.msg, "impl"));
	free(img);
}

static void test_bcd_date(void **state)
{
	(void)state;
	/* 2024-05-17 00:00:00 UTC */
	assert_int_equal(tdxctl_bcd_date((time_t)1715904000), 0x20240517);
	/* 1999-12-31 23:59:59 UTC */
	assert_int_equal(tdxctl_bcd_date((time_t)946684799), 0x19991231);
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1715904000", 1), 0);
	assert_int_equal(tdxctl_bcd_date_today(), 0x20240517);
	assert_int_equal(unsetenv("SOURCE_DATE_EPOCH"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_default_header),
		cmocka_unit_test(test_image_options_and_code_digest),
		cmocka_unit_test(test_image_page_bounds),
		cmocka_unit_test(test_image_parse_rejects),
		cmocka_unit_test(test_bcd_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

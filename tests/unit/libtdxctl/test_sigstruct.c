/*
 * Unit tests for libtdxctl sigstruct.c: every SEAM_SIGSTRUCT field, the
 * signed ranges as the loader's seam_sigstruct_verify() checks them, and
 * SEAMHASH against an independent SHA-384.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tdxctl/tdxctl.h"
#include "tdxctl_test_util.h"

#define TEST_DATE	0x20240517

struct fixture {
	uint8_t *img;
	size_t len;
	struct tdxctl_sign_opts opts;
	struct seam_sigstruct sig;
};

static int setup(void **state)
{
	struct tdxctl_module_image_opts iopts;
	struct fixture *f = calloc(1, sizeof(*f));
	struct emu_error err = { 0 };

	if (!f)
		return -1;
	tdxctl_module_image_opts_init(&iopts);
	iopts.build_date = TEST_DATE;
	if (tdxctl_module_image_build(&iopts, &f->img, &f->len, &err))
		return -1;
	tdxctl_sign_opts_init(&f->opts);
	f->opts.date = TEST_DATE;
	if (tdxctl_sigstruct_build(test_key(), f->img, f->len, &f->opts, &f->sig, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->img);
	free(f);
	return 0;
}

static void test_sigstruct_fixed_fields(void **state)
{
	struct fixture *f = *state;
	const struct seam_sigstruct *s = &f->sig;
	uint8_t mod[SEAM_RSA_BYTES];
	struct emu_error err = { 0 };
	static const uint32_t cpuids[] = { 0x000806F0, 0x000A06F0, 0x000C06F0 };

	assert_int_equal(s->header_type, 6);
	assert_int_equal(s->header_length, 0xE1);
	assert_int_equal(s->header_version, 0x00010000);
	assert_int_equal(s->module_type, 0);
	assert_int_equal(s->module_vendor, 0x8086);
	assert_int_equal(s->date, TEST_DATE);
	assert_int_equal(s->size, 0x200);
	assert_int_equal(s->key_size, 0x60);
	assert_int_equal(s->modulus_size, 0x60);
	assert_int_equal(s->exponent_size, 1);
	assert_int_equal(s->exponent, 0x10001);
	assert_int_equal(tdxctl_key_modulus_le(test_key(), mod, &err), 0);
	assert_memory_equal(s->modulus, mod, sizeof(mod));
	assert_int_equal(s->seamsvn, SEAMSVN(1, 0));
	assert_int_equal(s->attributes, 0);
	assert_int_equal(s->rip_offset, 0x1000);
	assert_int_equal(s->num_stack_pages, 3);
	assert_int_equal(s->num_tls_pages, 0);
	assert_int_equal(s->num_keyhole_pages, 127);
	assert_int_equal(s->num_global_data_pages, 31);
	assert_int_equal(s->max_tdmrs, 64);
	assert_int_equal(s->max_rsvd_per_tdmr, 16);
	assert_int_equal(s->pamt_entry_size_4k, 16);
	assert_int_equal(s->pamt_entry_size_2m, 16);
	assert_int_equal(s->pamt_entry_size_1g, 16);
	assert_int_equal(s->module_hv, 0);
	assert_int_equal(s->min_update_hv, 0);
	assert_int_equal(s->no_downgrade, 0);
	assert_int_equal(s->num_handoff_pages, 0);
	assert_int_equal(s->cpuid_table_size, 3);
	assert_memory_equal(s->cpuid_table, cpuids, sizeof(cpuids));
	assert_int_equal(s->cpuid_table[3], 0);
}

static void test_sigstruct_verifies(void **state)
{
	struct fixture *f = *state;
	struct emu_error err = { 0 };

	assert_int_equal(seam_sigstruct_verify(&f->sig, &err), 0);
}

/* One byte flipped anywhere the signature depends on breaks it. */
static void test_sigstruct_tamper_fails(void **state)
{
	static const struct {
		size_t off;
		const char *what;
	} bytes[] = {
		{ offsetof(struct seam_sigstruct, date), "date (signed head)" },
		{ offsetof(struct seam_sigstruct, reserved0) + 10, "reserved0 (signed head)" },
		{ SEAM_SIGSTRUCT_SIGNED_HEAD - 1, "last byte of the signed head" },
		{ offsetof(struct seam_sigstruct, seamhash), "seamhash (signed body)" },
		{ offsetof(struct seam_sigstruct, seamsvn), "seamsvn (signed body)" },
		{ offsetof(struct seam_sigstruct, cpuid_table), "cpuid_table (signed body)" },
		{ SEAM_SIGSTRUCT_SIZE - 1, "last byte of the body" },
		{ offsetof(struct seam_sigstruct, modulus), "modulus, low byte" },
		{ offsetof(struct seam_sigstruct, modulus) + 200, "modulus, middle" },
		{ offsetof(struct seam_sigstruct, signature), "signature, low byte" },
		{ offsetof(struct seam_sigstruct, signature) + SEAM_RSA_BYTES - 1,
		  "signature, high byte" },
	};
	struct fixture *f = *state;
	struct seam_sigstruct s;
	struct emu_error err;
	unsigned int i;

	for (i = 0; i < TDX_ARRAY_SIZE(bytes); i++) {
		s = f->sig;
		((uint8_t *)&s)[bytes[i].off] ^= 0x01;
		emu_error_clear(&err);
		if (seam_sigstruct_verify(&s, &err) != -EBADMSG)
			fail_msg("flipping %s (byte %zu) did not break the signature: %s",
				 bytes[i].what, bytes[i].off, err.msg);
	}
}

static void test_sigstruct_seamhash_independent(void **state)
{
	size_t len = 3 * TDX_PAGE_SIZE + 100, i;
	struct fixture *f = *state;
	uint8_t want[48], *img, *padded;
	struct seam_sigstruct s;
	struct emu_error err = { 0 };

	/* The fixture's whole-page image. */
	test_sha384(f->img, f->len, want);
	assert_memory_equal(f->sig.seamhash, want, sizeof(want));

	/* A partial last page is hashed as if padded with zeros. */
	img = malloc(len);
	padded = calloc(1, 4 * TDX_PAGE_SIZE);
	assert_non_null(img);
	assert_non_null(padded);
	for (i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 3);
	memcpy(padded, img, len);
	test_sha384(padded, 4 * TDX_PAGE_SIZE, want);
	assert_int_equal(tdxctl_sigstruct_build(test_key(), img, len, &f->opts, &s, &err), 0);
	assert_memory_equal(s.seamhash, want, sizeof(want));
	assert_int_equal(tdxctl_seamhash(img, len, s.seamhash, &err), 0);
	assert_memory_equal(s.seamhash, want, sizeof(want));
	/* ... and not as the unpadded bytes. */
	test_sha384(img, len, want);
	assert_memory_not_equal(s.seamhash, want, sizeof(want));
	free(img);
	free(padded);
}

static void test_sigstruct_options(void **state)
{
	struct fixture *f = *state;
	struct tdxctl_sign_opts opts = f->opts;
	struct emu_error err = { 0 };
	struct seam_sigstruct s;
	const uint8_t *raw = (const uint8_t *)&s;

	opts.seamsvn = SEAMSVN(1, 2);
	opts.debug = true;
	opts.nr_cpuids = 1;
	opts.cpuid[0] = 0x000906A0;
	assert_int_equal(tdxctl_sigstruct_build(test_key(), f->img, f->len, &opts, &s, &err), 0);
	/* SEAMSVN: byte 0 minor, byte 1 major. */
	assert_int_equal(raw[offsetof(struct seam_sigstruct, seamsvn)], 2);
	assert_int_equal(raw[offsetof(struct seam_sigstruct, seamsvn) + 1], 1);
	assert_int_equal(s.module_type, 0x80000000U);
	assert_int_equal(s.cpuid_table_size, 1);
	assert_int_equal(s.cpuid_table[0], 0x000906A0);
	assert_int_equal(s.cpuid_table[1], 0);
	assert_memory_equal(s.seamhash, f->sig.seamhash, sizeof(s.seamhash));
	assert_int_equal(seam_sigstruct_verify(&s, &err), 0);
}

static void test_sigstruct_rejects_bad_options(void **state)
{
	struct fixture *f = *state;
	struct tdxctl_sign_opts opts;
	struct emu_error err = { 0 };
	struct seam_sigstruct s;

	opts = f->opts;
	opts.rip_offset = (uint32_t)f->len;
	assert_int_equal(tdxctl_sigstruct_build(test_key(), f->img, f->len, &opts, &s, &err),
			 -EINVAL);
	assert_true(test_contains(err.msg, "rip_offset"));

	opts = f->opts;
	opts.cpuid[1] = 0x000806F8;	/* stepping not masked */
	assert_int_equal(tdxctl_sigstruct_build(test_key(), f->img, f->len, &opts, &s, &err),
			 -EINVAL);
	assert_true(test_contains(err.msg, "cpuid[1]"));

	opts = f->opts;
	opts.nr_cpuids = SEAM_SIGSTRUCT_MAX_CPUID + 1;
	assert_int_equal(tdxctl_sigstruct_build(test_key(), f->img, f->len, &opts, &s, &err),
			 -EINVAL);
	assert_true(test_contains(err.msg, "cpuid"));

	opts = f->opts;
	assert_int_equal(tdxctl_sigstruct_build(test_key(), f->img, 0, &opts, &s, &err),
			 -EINVAL);
	assert_true(test_contains(err.msg, "image"));
}

static void test_sigstruct_rejects_too_many_pages(void **state)
{
	size_t len = (SEAMLDR_MAX_NR_MODULE_PAGES + 1) * TDX_PAGE_SIZE;
	struct fixture *f = *state;
	struct emu_error err = { 0 };
	struct seam_sigstruct s;
	uint8_t *img = calloc(1, len);

	assert_non_null(img);
	assert_int_equal(tdxctl_sigstruct_build(test_key(), img, len, &f->opts, &s, &err),
			 -EINVAL);
	assert_true(test_contains(err.msg, "496"));
	assert_int_equal(tdxctl_sigstruct_build(test_key(), img, len - TDX_PAGE_SIZE, &f->opts,
						&s, &err), 0);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigstruct_fixed_fields),
		cmocka_unit_test(test_sigstruct_verifies),
		cmocka_unit_test(test_sigstruct_tamper_fails),
		cmocka_unit_test(test_sigstruct_seamhash_independent),
		cmocka_unit_test(test_sigstruct_options),
		cmocka_unit_test(test_sigstruct_rejects_bad_options),
		cmocka_unit_test(test_sigstruct_rejects_too_many_pages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

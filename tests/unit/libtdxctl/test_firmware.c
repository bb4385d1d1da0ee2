/*
 * The firmware files the build made (firmware/CMakeLists.txt): each one
 * parses, verifies, and is signed by the test vendor key whose hash is in
 * vendor-key-hash.txt.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "firmware_paths.h"
#include "tdxctl/tdxctl.h"

static void read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct emu_error err = { 0 };

	if (tdxctl_file_read(path, buf, len, &err))
		fail_msg("%s", err.msg);
}

static void vendor_hash(uint8_t out[48])
{
	struct emu_error err = { 0 };
	EVP_PKEY *pkey;

	if (tdxctl_key_load(TDX_FW_VENDOR_KEY, &pkey, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(tdxctl_key_hash(pkey, out, &err), 0);
	EVP_PKEY_free(pkey);
}

static void test_firmware_vendor_key_hash_file(void **state)
{
	uint8_t hash[48], *txt;
	char hex[97];
	size_t len, i;

	(void)state;
	vendor_hash(hash);
	for (i = 0; i < 48; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	read_file(TDX_FW_VENDOR_KEY_HASH, &txt, &len);
	assert_int_equal(len, 97);
	assert_memory_equal(txt, hex, 96);
	assert_int_equal(txt[96], '\n');
	free(txt);
}

static void check_blob(const char *path, uint16_t svn, uint8_t mrseam[48])
{
	struct tdxctl_blob_view view;
	struct emu_error err = { 0 };
	uint8_t *blob, signer[48], vendor[48];
	const struct tdx_module_image_header *img;
	size_t len;

	read_file(path, &blob, &len);
	if (tdxctl_blob_parse(blob, len, &view, &err))
		fail_msg("%s: %s", path, err.msg);
	if (seam_sigstruct_verify(view.sigstruct, &err))
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(view.sigstruct->seamsvn, svn);
	assert_int_equal(tdxctl_seamhash(view.module, view.module_len, mrseam, &err), 0);
	assert_memory_equal(view.sigstruct->seamhash, mrseam, 48);
	assert_int_equal(tdxctl_modulus_hash(view.sigstruct->modulus, signer, &err), 0);
	vendor_hash(vendor);
	assert_memory_equal(signer, vendor, sizeof(vendor));
	assert_int_equal(tdxctl_module_image_parse(view.module, view.module_len, &img, &err), 0);
	assert_string_equal(img->impl, TDXCTL_MODULE_IMPL);
	free(blob);
}

static void test_firmware_module_blobs(void **state)
{
	uint8_t mrseam1[48], mrseam2[48], *img;
	size_t len;

	(void)state;
	check_blob(TDX_FW_MODULE_BLOB, SEAMSVN(1, 0), mrseam1);
	check_blob(TDX_FW_MODULE_SVN2_BLOB, SEAMSVN(1, 2), mrseam2);
	/* The same image under both: only the SVN differs. */
	assert_memory_equal(mrseam1, mrseam2, 48);
	read_file(TDX_FW_MODULE_IMG, &img, &len);
	{
		uint8_t want[48];
		struct emu_error err = { 0 };

		assert_int_equal(tdxctl_seamhash(img, len, want, &err), 0);
		assert_memory_equal(want, mrseam1, 48);
	}
	free(img);
}

static void test_firmware_acm(void **state)
{
	struct tdxctl_acm_view view;
	struct emu_error err = { 0 };
	uint8_t *acm, signer[48], vendor[48];
	size_t len;

	(void)state;
	read_file(TDX_FW_NP_SEAMLDR_ACM, &acm, &len);
	if (tdxctl_acm_parse(acm, len, &view, &err))
		fail_msg("%s", err.msg);
	if (tdxctl_acm_verify(acm, len, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(tdxctl_modulus_hash(view.header->rsa_pub_key, signer, &err), 0);
	vendor_hash(vendor);
	assert_memory_equal(signer, vendor, sizeof(vendor));
	free(acm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_firmware_vendor_key_hash_file),
		cmocka_unit_test(test_firmware_module_blobs),
		cmocka_unit_test(test_firmware_acm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

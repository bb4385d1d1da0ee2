/*
 * Helpers for the attestation tests (attest_test_util.h).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "attest_test_util.h"
#include "platform.h"
#include "platform_seam.h"
#include "platform_state.h"

static char tmpdir[512];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *at_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		char pattern[7];

		/* mkdtemp()'s template: six X characters. */
		memset(pattern, 'X', 6);
		pattern[6] = '\0';
		snprintf(tmpdir, sizeof(tmpdir), "%s/tdx-attest-%s", t && *t ? t : "/tmp", pattern);
		assert_non_null(mkdtemp(tmpdir));
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

void at_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", at_tmpdir(), name);
}

static void sha384(const void *p, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha384(), NULL), 1);
}

void at_seal_report(const char *state_dir, struct tdreport_struct *rep)
{
	struct reportmacstruct *m = &rep->reportmacstruct;
	uint8_t secret[32], key[PLATFORM_REPORT_KEY_SIZE];
	struct emu_error err = { 0 };
	unsigned int n = 0;

	assert_int_equal(platform_state_load_or_create(state_dir, secret, &err), 0);
	sha384(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), m->tee_tcb_info_hash);
	sha384(&rep->tdinfo, sizeof(rep->tdinfo), m->tee_info_hash);
	/* Key = HKDF-SHA-256(secret, info = label || CPUSVN), platform_seam.h. */
	{
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
		uint8_t info[sizeof(PLATFORM_REPORT_KEY_LABEL) - 1 + 16];
		size_t klen = sizeof(key);

		memcpy(info, PLATFORM_REPORT_KEY_LABEL, sizeof(PLATFORM_REPORT_KEY_LABEL) - 1);
		memcpy(info + sizeof(PLATFORM_REPORT_KEY_LABEL) - 1, m->cpusvn, 16);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()), 1);
		assert_int_equal(EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, sizeof(secret)), 1);
		assert_int_equal(EVP_PKEY_CTX_add1_hkdf_info(ctx, info, sizeof(info)), 1);
		assert_int_equal(EVP_PKEY_derive(ctx, key, &klen), 1);
		EVP_PKEY_CTX_free(ctx);
	}
	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)m,
			     TDX_REPORTMAC_MACED_BYTES, m->mac, &n));
	assert_int_equal(n, 32);
}

void at_make_report(const char *state_dir, unsigned int seed, struct tdreport_struct *rep)
{
	struct platform_config cfg;
	uint8_t *p = (uint8_t *)rep;

	platform_config_defaults(&cfg);
	memset(rep, 0, sizeof(*rep));
	for (size_t i = 0; i < sizeof(*rep); i++)
		p[i] = (uint8_t)(seed * 131 + i * 7);
	rep->reportmacstruct.report_type = TDX_REPORTTYPE_TDX;
	rep->reportmacstruct.report_subtype = 0;
	rep->reportmacstruct.report_version = 0;
	rep->reportmacstruct.reserved0 = 0;
	memset(rep->reportmacstruct.reserved1, 0, sizeof(rep->reportmacstruct.reserved1));
	memset(rep->reportmacstruct.reserved2, 0, sizeof(rep->reportmacstruct.reserved2));
	memcpy(rep->reportmacstruct.cpusvn, cfg.cpusvn, 16);
	rep->tee_tcb_info.valid = TDX_TEE_TCB_INFO_VALID;
	rep->tee_tcb_info.tee_tcb_svn[0] = 3;	/* module minor SVN */
	rep->tee_tcb_info.tee_tcb_svn[1] = 1;	/* major: identity TDX_01 */
	memset(rep->tee_tcb_info.tee_tcb_svn + 2, 0, 14);
	memset(rep->tee_tcb_info.mrsignerseam, 0, 48);
	rep->tee_tcb_info.attributes = 0;
	memset(rep->tee_tcb_info.tee_tcb_svn2, 0, 16);
	memset(rep->tee_tcb_info.reserved, 0, sizeof(rep->tee_tcb_info.reserved));
	memset(rep->reserved, 0, sizeof(rep->reserved));
	rep->tdinfo.attributes = 1ULL << 28;	/* SEPT_VE_DISABLE */
	rep->tdinfo.xfam = 0xe7;
	memset(rep->tdinfo.servtd_hash, 0, 48);
	memset(rep->tdinfo.reserved, 0, sizeof(rep->tdinfo.reserved));
	at_seal_report(state_dir, rep);
}

uint8_t *at_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void at_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

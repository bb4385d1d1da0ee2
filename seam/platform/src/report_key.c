/*
 * The report key (platform_seam.h): HKDF-SHA-256 of the root secret,
 * bound to the CPUSVN.  OpenSSL's KDF, no hand-written crypto.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "platform.h"
#include "platform_seam.h"

#define CPUSVN_SIZE	16

static int hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
		       size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
		OSSL_PARAM_construct_end(),
	};
	int ret = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1 ? 0 : -EIO;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ret;
}

int platform_report_key_derive(const uint8_t secret[32], const uint8_t cpusvn[16],
			       uint8_t out[PLATFORM_REPORT_KEY_SIZE])
{
	uint8_t info[sizeof(PLATFORM_REPORT_KEY_LABEL) - 1 + CPUSVN_SIZE];
	uint8_t key[PLATFORM_REPORT_KEY_SIZE];
	int ret;

	memcpy(info, PLATFORM_REPORT_KEY_LABEL, sizeof(PLATFORM_REPORT_KEY_LABEL) - 1);
	memcpy(info + sizeof(PLATFORM_REPORT_KEY_LABEL) - 1, cpusvn, CPUSVN_SIZE);
	ret = hkdf_sha256(secret, 32, info, sizeof(info), key, sizeof(key));
	if (!ret)
		memcpy(out, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int platform_report_key(struct plat_lp *lp, uint8_t out[PLATFORM_REPORT_KEY_SIZE])
{
	uint8_t secret[32];
	int ret;

	/* The root secret is the gate: only SEAM mode may read it. */
	ret = platform_root_secret(lp, secret);
	if (ret)
		return ret;
	ret = platform_report_key_derive(secret, platform_cpusvn(lp_platform(lp)), out);
	OPENSSL_cleanse(secret, sizeof(secret));
	return ret;
}

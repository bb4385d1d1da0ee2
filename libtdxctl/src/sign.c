/*
 * RSASSA-PKCS1-v1_5 / SHA-384 signing with the result stored the way
 * SIGSTRUCTs and ACM headers hold it: 384 bytes, little-endian.
 */
#include <errno.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tdxctl/tdxctl.h"

int tdxctl_rsa3072_sign_le(EVP_PKEY *pkey, const struct seam_sig_part *parts,
			   unsigned int nr_parts, uint8_t sig_le[SEAM_RSA_BYTES],
			   struct emu_error *err)
{
	uint8_t sig_be[SEAM_RSA_BYTES];
	size_t sig_len = sizeof(sig_be);
	EVP_PKEY_CTX *pctx = NULL;
	unsigned int i;
	EVP_MD_CTX *ctx;
	char why[160];
	int ret, ok;

	ret = tdxctl_key_check(pkey, err);
	if (ret)
		return ret;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return emu_error_set(err, -ENOMEM, "sign: out of memory");
	ok = EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, pkey) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
	for (i = 0; ok && i < nr_parts; i++)
		ok = EVP_DigestSignUpdate(ctx, parts[i].data, parts[i].len) == 1;
	if (ok)
		ok = EVP_DigestSignFinal(ctx, sig_be, &sig_len) == 1 && sig_len == SEAM_RSA_BYTES;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		unsigned long e = ERR_peek_last_error();

		ERR_error_string_n(e, why, sizeof(why));
		ERR_clear_error();
		return emu_error_set(err, -EIO, "sign: RSA-3072/SHA-384 signing failed: %s",
				     e ? why : "bad signature length");
	}
	/* OpenSSL gives the signature big-endian; the formats store it reversed. */
	for (i = 0; i < SEAM_RSA_BYTES; i++)
		sig_le[i] = sig_be[SEAM_RSA_BYTES - 1 - i];
	return 0;
}

/*
 * SEAM_SIGSTRUCT checks and RSA-3072 verification (reference tdx-abi.md
 * 5.5).  Keys and signatures are little-endian byte strings, as in an SGX
 * SIGSTRUCT; OpenSSL wants them big-endian.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "seam_loader.h"

static void reverse_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

static EVP_PKEY *rsa_public_key(const uint8_t modulus_le[SEAM_RSA_BYTES], uint32_t e)
{
	uint8_t be[SEAM_RSA_BYTES];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *bn_e = NULL;

	reverse_copy(be, modulus_le, sizeof(be));
	n = BN_bin2bn(be, sizeof(be), NULL);
	bn_e = BN_new();
	if (!bld || !n || !bn_e || !BN_set_word(bn_e, e))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(bn_e);
	return pkey;
}

int seam_rsa3072_verify(const uint8_t modulus_le[SEAM_RSA_BYTES], uint32_t e,
			const uint8_t sig_le[SEAM_RSA_BYTES],
			const struct seam_sig_part *parts, unsigned int nr_parts)
{
	EVP_PKEY *pkey = rsa_public_key(modulus_le, e);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig_be[SEAM_RSA_BYTES];
	int ret = -EBADMSG;

	if (!pkey || !md)
		goto out;
	if (EVP_PKEY_get_bits(pkey) != 3072)
		goto out;
	reverse_copy(sig_be, sig_le, sizeof(sig_be));
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pkey) != 1)
		goto out;
	for (unsigned int i = 0; i < nr_parts; i++)
		if (EVP_DigestVerifyUpdate(md, parts[i].data, parts[i].len) != 1)
			goto out;
	if (EVP_DigestVerifyFinal(md, sig_be, sizeof(sig_be)) == 1)
		ret = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ret;
}

int seam_sigstruct_check_header(const struct seam_sigstruct *sig, struct emu_error *err)
{
	static const struct {
		size_t off;
		uint32_t want;
		const char *name;
	} fixed[] = {
		{ offsetof(struct seam_sigstruct, header_type), SEAM_SIGSTRUCT_HEADER_TYPE, "HEADER_TYPE" },
		{ offsetof(struct seam_sigstruct, header_length), SEAM_SIGSTRUCT_HEADER_LENGTH, "HEADER_LENGTH" },
		{ offsetof(struct seam_sigstruct, header_version), SEAM_SIGSTRUCT_HEADER_VERSION, "HEADER_VERSION" },
		{ offsetof(struct seam_sigstruct, module_vendor), SEAM_SIGSTRUCT_VENDOR_INTEL, "MODULE_VENDOR" },
		{ offsetof(struct seam_sigstruct, size), SEAM_SIGSTRUCT_SIZE_DWORDS, "SIZE" },
		{ offsetof(struct seam_sigstruct, key_size), SEAM_SIGSTRUCT_KEY_DWORDS, "KEY_SIZE" },
		{ offsetof(struct seam_sigstruct, modulus_size), SEAM_SIGSTRUCT_KEY_DWORDS, "MODULUS_SIZE" },
		{ offsetof(struct seam_sigstruct, exponent_size), 1, "EXPONENT_SIZE" },
		{ offsetof(struct seam_sigstruct, exponent), SEAM_SIGSTRUCT_EXPONENT, "EXPONENT" },
	};

	for (size_t i = 0; i < TDX_ARRAY_SIZE(fixed); i++) {
		uint32_t v;

		memcpy(&v, (const uint8_t *)sig + fixed[i].off, sizeof(v));
		if (v != fixed[i].want)
			return emu_error_set(err, -EINVAL,
					     "SEAM_SIGSTRUCT.%s is 0x%x, expected 0x%x",
					     fixed[i].name, v, fixed[i].want);
	}
	if (sig->module_type & ~SEAM_SIGSTRUCT_MODULE_DEBUG)
		return emu_error_set(err, -EINVAL, "SEAM_SIGSTRUCT.MODULE_TYPE 0x%x has reserved bits",
				     sig->module_type);
	if (sig->attributes)
		return emu_error_set(err, -EINVAL, "SEAM_SIGSTRUCT.ATTRIBUTES is 0x%llx, must be 0",
				     (unsigned long long)sig->attributes);
	if (sig->cpuid_table_size > SEAM_SIGSTRUCT_MAX_CPUID)
		return emu_error_set(err, -EINVAL, "SEAM_SIGSTRUCT.CPUID_TABLE_SIZE %u exceeds %u",
				     sig->cpuid_table_size, SEAM_SIGSTRUCT_MAX_CPUID);
	return 0;
}

int seam_sigstruct_verify(const struct seam_sigstruct *sig, struct emu_error *err)
{
	const uint8_t *raw = (const uint8_t *)sig;
	struct seam_sig_part parts[] = {
		{ raw, SEAM_SIGSTRUCT_SIGNED_HEAD },
		{ raw + SEAM_SIGSTRUCT_SIGNED_BODY_OFF,
		  SEAM_SIGSTRUCT_SIZE - SEAM_SIGSTRUCT_SIGNED_BODY_OFF },
	};
	int ret = seam_sigstruct_check_header(sig, err);

	if (ret)
		return ret;
	if (seam_rsa3072_verify(sig->modulus, sig->exponent, sig->signature, parts, 2))
		return emu_error_set(err, -EBADMSG,
				     "SEAM_SIGSTRUCT.SIGNATURE does not verify with its MODULUS");
	return 0;
}

/*
 * The vendor signing key: RSA-3072 with e = 65537, kept as a PEM private
 * key.  Its hash (SHA-384 of the little-endian modulus) is what the
 * emulated CPU has fused as "vendor-key-hash".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tdxctl/tdxctl.h"

#define TDXCTL_KEY_BITS		3072

/* The latest queued OpenSSL error as text; the queue is cleared. */
static const char *ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* PEM password callback: encrypted keys are refused instead of prompting. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int tdxctl_key_new(EVP_PKEY **out, struct emu_error *err)
{
	char why[160];
	EVP_PKEY *pkey;

	/* EVP_RSA_gen() uses the public exponent 65537. */
	pkey = EVP_RSA_gen(TDXCTL_KEY_BITS);
	if (!pkey)
		return emu_error_set(err, -EIO, "key: RSA-%u generation failed: %s",
				     TDXCTL_KEY_BITS, ossl_reason(why, sizeof(why)));
	*out = pkey;
	return 0;
}

int tdxctl_key_generate(const char *path, bool overwrite, struct emu_error *err)
{
	char why[160];
	EVP_PKEY *pkey;
	FILE *fp;
	int fd, ret;

	ret = tdxctl_key_new(&pkey, err);
	if (ret)
		return ret;
	/* Created 0600 from the start: the key is never world-readable. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		ret = emu_error_set(err, -errno, "%s: cannot create key file: %s%s", path,
				    strerror(errno),
				    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		goto out_free;
	}
	fp = fdopen(fd, "w");
	if (!fp) {
		ret = emu_error_set(err, -errno, "%s: fdopen: %s", path, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	if (!PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL)) {
		ret = emu_error_set(err, -EIO, "%s: writing PEM key failed: %s", path,
				    ossl_reason(why, sizeof(why)));
		fclose(fp);
		goto out_unlink;
	}
	if (fclose(fp) != 0) {
		ret = emu_error_set(err, -errno, "%s: close: %s", path, strerror(errno));
		goto out_unlink;
	}
	EVP_PKEY_free(pkey);
	return 0;

out_unlink:
	unlink(path);
out_free:
	EVP_PKEY_free(pkey);
	return ret;
}

int tdxctl_key_check(const EVP_PKEY *pkey, struct emu_error *err)
{
	BIGNUM *e = NULL;
	int ret = 0;

	if (!EVP_PKEY_is_a(pkey, "RSA"))
		return emu_error_set(err, -EINVAL, "key: not an RSA key");
	if (EVP_PKEY_get_bits(pkey) != TDXCTL_KEY_BITS)
		return emu_error_set(err, -EINVAL, "key: modulus is %d bits, must be %u",
				     EVP_PKEY_get_bits(pkey), TDXCTL_KEY_BITS);
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e))
		return emu_error_set(err, -EINVAL, "key: no public exponent");
	if (!BN_is_word(e, SEAM_SIGSTRUCT_EXPONENT))
		ret = emu_error_set(err, -EINVAL, "key: public exponent must be %u",
				    SEAM_SIGSTRUCT_EXPONENT);
	BN_free(e);
	return ret;
}

int tdxctl_key_load(const char *path, EVP_PKEY **out, struct emu_error *err)
{
	char why[160];
	EVP_PKEY *pkey;
	FILE *fp;
	int ret;

	fp = fopen(path, "re");
	if (!fp)
		return emu_error_set(err, -errno, "%s: cannot open key: %s", path,
				     strerror(errno));
	pkey = PEM_read_PrivateKey(fp, NULL, no_password, NULL);
	fclose(fp);
	if (!pkey)
		return emu_error_set(err, -EINVAL, "%s: not a PEM private key (or encrypted): %s",
				     path, ossl_reason(why, sizeof(why)));
	ret = tdxctl_key_check(pkey, err);
	if (ret) {
		/* Put the file name in front of what tdxctl_key_check() said. */
		if (err) {
			char msg[EMU_ERROR_MSG_LEN];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			emu_error_set(err, ret, "%s: %s", path, msg);
		}
		EVP_PKEY_free(pkey);
		return ret;
	}
	*out = pkey;
	return 0;
}

int tdxctl_key_modulus_le(const EVP_PKEY *pkey, uint8_t out[SEAM_RSA_BYTES],
			  struct emu_error *err)
{
	BIGNUM *n = NULL;
	int ret = 0;

	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n))
		return emu_error_set(err, -EINVAL, "key: no RSA modulus");
	if (BN_num_bytes(n) != SEAM_RSA_BYTES ||
	    BN_bn2lebinpad(n, out, SEAM_RSA_BYTES) != SEAM_RSA_BYTES)
		ret = emu_error_set(err, -EINVAL, "key: modulus is not %u bytes", SEAM_RSA_BYTES);
	BN_free(n);
	return ret;
}

int tdxctl_modulus_hash(const uint8_t modulus_le[SEAM_RSA_BYTES],
			uint8_t out[TDXCTL_SHA384_BYTES], struct emu_error *err)
{
	struct seam_sig_part part = { .data = modulus_le, .len = SEAM_RSA_BYTES };

	return tdxctl_sha384(&part, 1, out, err);
}

int tdxctl_key_hash(const EVP_PKEY *pkey, uint8_t out[TDXCTL_SHA384_BYTES],
		    struct emu_error *err)
{
	uint8_t modulus[SEAM_RSA_BYTES];
	int ret;

	ret = tdxctl_key_modulus_le(pkey, modulus, err);
	if (ret)
		return ret;
	return tdxctl_modulus_hash(modulus, out, err);
}

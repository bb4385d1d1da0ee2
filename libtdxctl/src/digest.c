/*
 * SHA-384, the one digest of the SEAM loader path: SEAMHASH/MRSEAM, the
 * vendor key hash, the P-SEAMLDR image hash, and inside every signature.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "tdxctl/tdxctl.h"

/* One zero page, fed to the digest for the padding of a partial page. */
static const uint8_t zero_page[TDX_PAGE_SIZE];

int tdxctl_sha384(const struct seam_sig_part *parts, unsigned int nr_parts,
		  uint8_t out[TDXCTL_SHA384_BYTES], struct emu_error *err)
{
	unsigned int i, out_len = TDXCTL_SHA384_BYTES;
	EVP_MD_CTX *ctx;
	int ok;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return emu_error_set(err, -ENOMEM, "sha384: out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (i = 0; ok && i < nr_parts; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &out_len);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return emu_error_set(err, -EIO, "sha384: OpenSSL digest failed");
	return 0;
}

int tdxctl_seamhash(const void *image, size_t len, uint8_t out[TDXCTL_SHA384_BYTES],
		    struct emu_error *err)
{
	size_t pad = (size_t)TDX_ALIGN_UP(len, TDX_PAGE_SIZE) - len;
	struct seam_sig_part parts[] = {
		{ .data = image, .len = len },
		{ .data = zero_page, .len = pad },
	};

	return tdxctl_sha384(parts, TDX_ARRAY_SIZE(parts), out, err);
}

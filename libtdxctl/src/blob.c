/*
 * The TDX-BLOB v1 container that users load: a 4 KiB tdx_blob_header,
 * the SEAM_SIGSTRUCT in one 4 KiB page, then the module pages.  The
 * checksum makes the 16-bit little-endian word sum of the whole blob 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdxctl/tdxctl.h"

uint16_t tdxctl_blob_word_sum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint16_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum = (uint16_t)(sum + (p[i] | (p[i + 1] << 8)));
	if (len & 1)
		sum = (uint16_t)(sum + p[len - 1]);
	return sum;
}

void tdxctl_blob_update_checksum(void *blob, size_t len)
{
	struct tdx_blob_header *hdr = blob;

	hdr->checksum = 0;
	hdr->checksum = (uint16_t)(0x10000 - tdxctl_blob_word_sum(blob, len));
}

int tdxctl_blob_pack(const struct seam_sigstruct *sig, const void *image, size_t len,
		     uint8_t **blob, size_t *blob_len, struct emu_error *err)
{
	size_t module_len = (size_t)TDX_ALIGN_UP(len, TDX_PAGE_SIZE);
	struct tdx_blob_header *hdr;
	size_t total;
	uint8_t *buf;

	if (!len || module_len / TDX_PAGE_SIZE > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "image: %zu bytes is not 1..%u pages", len,
				     SEAMLDR_MAX_NR_MODULE_PAGES);
	total = TDXCTL_BLOB_MODULE_OFFSET + module_len;
	buf = calloc(1, total);
	if (!buf)
		return emu_error_set(err, -ENOMEM, "blob: out of memory");

	hdr = (struct tdx_blob_header *)buf;
	hdr->version = TDX_BLOB_VERSION;
	hdr->offset_of_module = TDXCTL_BLOB_MODULE_OFFSET;
	memcpy(hdr->signature, TDX_BLOB_SIGNATURE, sizeof(hdr->signature));
	hdr->length = (uint32_t)total;
	memcpy(buf + TDXCTL_BLOB_SIGSTRUCT_OFFSET, sig, sizeof(*sig));
	memcpy(buf + TDXCTL_BLOB_MODULE_OFFSET, image, len);
	tdxctl_blob_update_checksum(buf, total);

	*blob = buf;
	*blob_len = total;
	return 0;
}

int tdxctl_module_sign(EVP_PKEY *pkey, const void *image, size_t len,
		       const struct tdxctl_sign_opts *opts, uint8_t **blob,
		       size_t *blob_len, struct emu_error *err)
{
	struct seam_sigstruct sig;
	int ret;

	ret = tdxctl_sigstruct_build(pkey, image, len, opts, &sig, err);
	if (ret)
		return ret;
	return tdxctl_blob_pack(&sig, image, len, blob, blob_len, err);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int tdxctl_blob_parse(const void *blob, size_t len, struct tdxctl_blob_view *view,
		      struct emu_error *err)
{
	const struct tdx_blob_header *hdr = blob;
	const uint8_t *raw = blob;
	size_t module_len;
	uint16_t sum;

	if (len < sizeof(*hdr))
		return emu_error_set(err, -EINVAL,
				     "blob: truncated, %zu bytes is less than the %zu-byte header",
				     len, sizeof(*hdr));
	if (memcmp(hdr->signature, TDX_BLOB_SIGNATURE, sizeof(hdr->signature)))
		return emu_error_set(err, -EINVAL, "blob: signature is not \"%s\"",
				     TDX_BLOB_SIGNATURE);
	if (hdr->version != TDX_BLOB_VERSION)
		return emu_error_set(err, -EINVAL, "blob: version %u, expected %u", hdr->version,
				     TDX_BLOB_VERSION);
	if (hdr->length != len)
		return emu_error_set(err, -EINVAL,
				     "blob: length field says %u bytes but the file has %zu%s",
				     hdr->length, len, len < hdr->length ? " (truncated)" : "");
	sum = tdxctl_blob_word_sum(blob, len);
	if (sum)
		return emu_error_set(err, -EINVAL,
				     "blob: checksum 0x%04x is wrong (word sum 0x%04x, must be 0)",
				     hdr->checksum, sum);
	if (!TDX_IS_ALIGNED(hdr->offset_of_module, TDX_PAGE_SIZE) ||
	    hdr->offset_of_module < TDXCTL_BLOB_MODULE_OFFSET || hdr->offset_of_module >= len)
		return emu_error_set(err, -EINVAL,
				     "blob: offset_of_module 0x%x is not a page offset in [0x%x, 0x%zx)",
				     hdr->offset_of_module, TDXCTL_BLOB_MODULE_OFFSET, len);
	if (!all_zero(raw + TDXCTL_BLOB_SIGSTRUCT_OFFSET + SEAM_SIGSTRUCT_SIZE,
		      TDX_PAGE_SIZE - SEAM_SIGSTRUCT_SIZE))
		return emu_error_set(err, -EINVAL,
				     "blob: sigstruct page is not zero after its %u bytes",
				     SEAM_SIGSTRUCT_SIZE);
	module_len = len - hdr->offset_of_module;
	if (!TDX_IS_ALIGNED(module_len, TDX_PAGE_SIZE))
		return emu_error_set(err, -EINVAL,
				     "blob: module is %zu bytes, not a multiple of 4096", module_len);
	if (module_len / TDX_PAGE_SIZE > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "blob: module has %zu pages, at most %u",
				     module_len / (size_t)TDX_PAGE_SIZE,
				     SEAMLDR_MAX_NR_MODULE_PAGES);

	view->header = hdr;
	view->sigstruct = (const struct seam_sigstruct *)(raw + TDXCTL_BLOB_SIGSTRUCT_OFFSET);
	view->module = raw + hdr->offset_of_module;
	view->module_len = module_len;
	view->nr_module_pages = module_len / TDX_PAGE_SIZE;
	return 0;
}

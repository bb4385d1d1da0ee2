/*
 * Our TDX module image: page 0 holds a tdx_module_image_header naming the
 * native implementation and the digest of its code; the other pages are
 * zero.  All of it is measured into MRSEAM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdxctl/tdxctl.h"

void tdxctl_module_image_opts_init(struct tdxctl_module_image_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->major_version = 1;
	opts->minor_version = 5;
	opts->update_version = 1;
	opts->internal_version = 0;
	opts->nr_pages = TDXCTL_MODULE_DEFAULT_PAGES;
}

int tdxctl_module_image_build(const struct tdxctl_module_image_opts *opts, uint8_t **buf,
			      size_t *len, struct emu_error *err)
{
	struct tdx_module_image_header *hdr;
	size_t size;
	uint8_t *img;
	int ret;

	if (opts->nr_pages < 1 || opts->nr_pages > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "pages: %u is not in 1..%u", opts->nr_pages,
				     SEAMLDR_MAX_NR_MODULE_PAGES);
	size = (size_t)opts->nr_pages * TDX_PAGE_SIZE;
	img = calloc(1, size);
	if (!img)
		return emu_error_set(err, -ENOMEM, "module image: out of memory");

	hdr = (struct tdx_module_image_header *)img;
	memcpy(hdr->magic, TDX_MODULE_IMAGE_MAGIC, sizeof(hdr->magic));
	hdr->header_version = TDX_MODULE_IMAGE_VERSION;
	hdr->vendor_id = SEAM_SIGSTRUCT_VENDOR_INTEL;
	hdr->build_date = opts->build_date ? opts->build_date : tdxctl_bcd_date_today();
	hdr->build_num = opts->build_num;
	hdr->major_version = opts->major_version;
	hdr->minor_version = opts->minor_version;
	hdr->update_version = opts->update_version;
	hdr->internal_version = opts->internal_version;
	TDX_STATIC_ASSERT(sizeof(TDXCTL_MODULE_IMPL) <= TDX_MODULE_IMPL_LEN, "IMPL fits");
	memcpy(hdr->impl, TDXCTL_MODULE_IMPL, sizeof(TDXCTL_MODULE_IMPL));
	if (opts->code) {
		struct seam_sig_part part = { .data = opts->code, .len = opts->code_len };

		ret = tdxctl_sha384(&part, 1, hdr->code_digest, err);
		if (ret) {
			free(img);
			return ret;
		}
	}
	*buf = img;
	*len = size;
	return 0;
}

int tdxctl_module_image_parse(const void *image, size_t len,
			      const struct tdx_module_image_header **hdr,
			      struct emu_error *err)
{
	const struct tdx_module_image_header *h = image;

	if (len < TDX_PAGE_SIZE || !TDX_IS_ALIGNED(len, TDX_PAGE_SIZE))
		return emu_error_set(err, -EINVAL,
				     "module image: size %zu is not a non-zero multiple of 4096",
				     len);
	if (len / TDX_PAGE_SIZE > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "module image: %zu pages, at most %u",
				     len / (size_t)TDX_PAGE_SIZE, SEAMLDR_MAX_NR_MODULE_PAGES);
	if (memcmp(h->magic, TDX_MODULE_IMAGE_MAGIC, sizeof(h->magic)))
		return emu_error_set(err, -EINVAL, "module image: magic is not \"%s\"",
				     TDX_MODULE_IMAGE_MAGIC);
	if (h->header_version != TDX_MODULE_IMAGE_VERSION)
		return emu_error_set(err, -EINVAL, "module image: header_version %u, expected %u",
				     h->header_version, TDX_MODULE_IMAGE_VERSION);
	if (!memchr(h->impl, '\0', sizeof(h->impl)))
		return emu_error_set(err, -EINVAL, "module image: impl is not NUL-terminated");
	*hdr = h;
	return 0;
}

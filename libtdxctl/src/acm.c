/*
 * The NP-SEAMLDR authenticated code module.  Layout tdxctl writes:
 *
 *   0                      struct acm_header (key, signature, scratch)
 *   sizeof(acm_header)     struct np_seamldr_manifest (= entry_point)
 *   right after it         the P-SEAMLDR image, 64 KiB, header first
 *   ...                    zeros up to a multiple of 64 bytes
 *
 * The signature covers bytes [0,120) (the header up to key_size) and
 * everything from the end of the acm_header to the end of the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdxctl/tdxctl.h"

#define ACM_MANIFEST_OFFSET	sizeof(struct acm_header)
#define ACM_P_SEAMLDR_OFFSET	(ACM_MANIFEST_OFFSET + sizeof(struct np_seamldr_manifest))

void tdxctl_acm_opts_init(struct tdxctl_acm_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->major = 1;
	opts->minor = 0;
	opts->num_remaining_updates = 32;
}

/* The two signed ranges of an ACM of @len bytes at @acm. */
static void acm_signed_parts(const uint8_t *acm, size_t len, struct seam_sig_part parts[2])
{
	parts[0].data = acm;
	parts[0].len = ACM_HEADER_SIGNED_PREFIX;
	parts[1].data = acm + sizeof(struct acm_header);
	parts[1].len = len - sizeof(struct acm_header);
}

static void acm_fill_p_seamldr(const struct tdxctl_acm_opts *opts, uint32_t date,
			       struct p_seamldr_image_header *p)
{
	memcpy(p->magic, P_SEAMLDR_IMAGE_MAGIC, sizeof(p->magic));
	p->header_version = P_SEAMLDR_IMAGE_VERSION;
	p->vendor_id = ACM_VENDOR_INTEL;
	p->build_date = date;
	p->build_num = opts->build_num;
	p->minor = opts->minor;
	p->major = opts->major;
	p->update_version = opts->update_version;
	p->attributes = opts->debug ? SEAMLDR_INFO_ATTR_DEBUG : 0;
	p->num_remaining_updates = opts->num_remaining_updates;
}

static void acm_fill_header(size_t total, uint32_t date, struct acm_header *h)
{
	h->module_type = ACM_MODULE_TYPE_CHIPSET;
	h->module_sub_type = 0;
	h->header_len = sizeof(struct acm_header) / 4;
	h->header_version = ACM_HEADER_VERSION_3;
	h->chipset_id = 0;
	h->flags = 0;
	h->module_vendor = ACM_VENDOR_INTEL;
	h->date = date;
	h->size = (uint32_t)(total / 4);
	h->gdt_limit = 0x1F;
	h->gdt_base_ptr = 0;
	h->seg_sel = 8;
	h->entry_point = ACM_MANIFEST_OFFSET;
	h->key_size = ACM_KEY_SIZE_DWORDS;
	h->scratch_size = ACM_SCRATCH_SIZE_V3;
}

int tdxctl_acm_build(EVP_PKEY *pkey, const struct tdxctl_acm_opts *opts, uint8_t **buf,
		     size_t *len, struct emu_error *err)
{
	size_t total = TDX_ALIGN_UP(ACM_P_SEAMLDR_OFFSET + TDXCTL_P_SEAMLDR_IMAGE_SIZE,
				    TDXCTL_ACM_ALIGN);
	uint32_t date = opts->date ? opts->date : tdxctl_bcd_date_today();
	struct np_seamldr_manifest *man;
	struct seam_sig_part parts[2];
	struct acm_header *hdr;
	uint8_t *acm;
	int ret;

	acm = calloc(1, total);
	if (!acm)
		return emu_error_set(err, -ENOMEM, "acm: out of memory");
	hdr = (struct acm_header *)acm;
	man = (struct np_seamldr_manifest *)(acm + ACM_MANIFEST_OFFSET);

	acm_fill_header(total, date, hdr);
	ret = tdxctl_key_modulus_le(pkey, hdr->rsa_pub_key, err);
	if (ret)
		goto err_free;

	acm_fill_p_seamldr(opts, date,
			   (struct p_seamldr_image_header *)(acm + ACM_P_SEAMLDR_OFFSET));
	memcpy(man->magic, NP_SEAMLDR_MANIFEST_MAGIC, sizeof(man->magic));
	man->manifest_version = NP_SEAMLDR_MANIFEST_VERSION;
	man->np_major = 1;
	man->np_minor = 0;
	man->p_seamldr_offset = ACM_P_SEAMLDR_OFFSET;
	man->p_seamldr_size = TDXCTL_P_SEAMLDR_IMAGE_SIZE;
	parts[0].data = acm + ACM_P_SEAMLDR_OFFSET;
	parts[0].len = TDXCTL_P_SEAMLDR_IMAGE_SIZE;
	ret = tdxctl_sha384(parts, 1, man->p_seamldr_hash, err);
	if (ret)
		goto err_free;

	/* Sign last: the signature covers the manifest and the image. */
	acm_signed_parts(acm, total, parts);
	ret = tdxctl_rsa3072_sign_le(pkey, parts, 2, hdr->rsa_sig, err);
	if (ret)
		goto err_free;
	*buf = acm;
	*len = total;
	return 0;

err_free:
	free(acm);
	return ret;
}

static int acm_check_header(const struct acm_header *h, size_t len, struct emu_error *err)
{
	if (len < sizeof(*h))
		return emu_error_set(err, -EINVAL,
				     "acm: truncated, %zu bytes is less than the %zu-byte header",
				     len, sizeof(*h));
	if (h->module_type != ACM_MODULE_TYPE_CHIPSET)
		return emu_error_set(err, -EINVAL, "acm: module_type %u, expected %u",
				     h->module_type, ACM_MODULE_TYPE_CHIPSET);
	if (h->header_version != ACM_HEADER_VERSION_3)
		return emu_error_set(err, -EINVAL, "acm: header_version 0x%x, expected 0x%x",
				     h->header_version, ACM_HEADER_VERSION_3);
	if (h->header_len != sizeof(*h) / 4)
		return emu_error_set(err, -EINVAL, "acm: header_len %u dwords, expected %zu",
				     h->header_len, sizeof(*h) / 4);
	if (h->module_vendor != ACM_VENDOR_INTEL)
		return emu_error_set(err, -EINVAL, "acm: module_vendor 0x%x, expected 0x%x",
				     h->module_vendor, ACM_VENDOR_INTEL);
	if (h->key_size != ACM_KEY_SIZE_DWORDS)
		return emu_error_set(err, -EINVAL, "acm: key_size %u dwords, expected %u",
				     h->key_size, ACM_KEY_SIZE_DWORDS);
	if (h->scratch_size != ACM_SCRATCH_SIZE_V3)
		return emu_error_set(err, -EINVAL, "acm: scratch_size %u dwords, expected %u",
				     h->scratch_size, ACM_SCRATCH_SIZE_V3);
	if (len % TDXCTL_ACM_ALIGN)
		return emu_error_set(err, -EINVAL, "acm: file size %zu is not a multiple of %u",
				     len, TDXCTL_ACM_ALIGN);
	if ((uint64_t)h->size * 4 != len)
		return emu_error_set(err, -EINVAL, "acm: size field says %llu bytes, file has %zu",
				     (unsigned long long)h->size * 4, len);
	return 0;
}

static int acm_check_manifest(const uint8_t *acm, size_t len,
			      const struct np_seamldr_manifest *m, struct emu_error *err)
{
	uint8_t hash[TDXCTL_SHA384_BYTES];
	struct seam_sig_part part;
	int ret;

	if (memcmp(m->magic, NP_SEAMLDR_MANIFEST_MAGIC, sizeof(m->magic)))
		return emu_error_set(err, -EINVAL, "acm: manifest magic is not \"%s\"",
				     NP_SEAMLDR_MANIFEST_MAGIC);
	if (m->manifest_version != NP_SEAMLDR_MANIFEST_VERSION)
		return emu_error_set(err, -EINVAL, "acm: manifest_version %u, expected %u",
				     m->manifest_version, NP_SEAMLDR_MANIFEST_VERSION);
	if (m->p_seamldr_size < sizeof(struct p_seamldr_image_header) ||
	    m->p_seamldr_size > P_SEAMLDR_RANGE_SIZE)
		return emu_error_set(err, -EINVAL, "acm: p_seamldr_size %llu is not in [%zu, %llu]",
				     (unsigned long long)m->p_seamldr_size,
				     sizeof(struct p_seamldr_image_header), P_SEAMLDR_RANGE_SIZE);
	if (m->p_seamldr_offset < sizeof(struct acm_header) || m->p_seamldr_offset > len ||
	    m->p_seamldr_size > len - m->p_seamldr_offset)
		return emu_error_set(err, -EINVAL,
				     "acm: p_seamldr_offset 0x%llx + size 0x%llx is outside the body [0x%zx, 0x%zx)",
				     (unsigned long long)m->p_seamldr_offset,
				     (unsigned long long)m->p_seamldr_size,
				     sizeof(struct acm_header), len);
	part.data = acm + m->p_seamldr_offset;
	part.len = m->p_seamldr_size;
	ret = tdxctl_sha384(&part, 1, hash, err);
	if (ret)
		return ret;
	if (memcmp(hash, m->p_seamldr_hash, sizeof(hash)))
		return emu_error_set(err, -EBADMSG,
				     "acm: p_seamldr_hash does not match the P-SEAMLDR image");
	return 0;
}

int tdxctl_acm_parse(const void *acm, size_t len, struct tdxctl_acm_view *view,
		     struct emu_error *err)
{
	const struct p_seamldr_image_header *p;
	const struct np_seamldr_manifest *m;
	const struct acm_header *h = acm;
	const uint8_t *raw = acm;
	int ret;

	ret = acm_check_header(h, len, err);
	if (ret)
		return ret;
	if (h->entry_point < sizeof(*h) || h->entry_point > len ||
	    len - h->entry_point < sizeof(*m))
		return emu_error_set(err, -EINVAL,
				     "acm: entry_point 0x%x leaves no room for the manifest in [0x%zx, 0x%zx)",
				     h->entry_point, sizeof(*h), len);
	m = (const struct np_seamldr_manifest *)(raw + h->entry_point);
	ret = acm_check_manifest(raw, len, m, err);
	if (ret)
		return ret;
	p = (const struct p_seamldr_image_header *)(raw + m->p_seamldr_offset);
	if (memcmp(p->magic, P_SEAMLDR_IMAGE_MAGIC, sizeof(p->magic)))
		return emu_error_set(err, -EINVAL, "acm: P-SEAMLDR image magic is not \"%s\"",
				     P_SEAMLDR_IMAGE_MAGIC);
	if (p->header_version != P_SEAMLDR_IMAGE_VERSION)
		return emu_error_set(err, -EINVAL,
				     "acm: P-SEAMLDR header_version %u, expected %u",
				     p->header_version, P_SEAMLDR_IMAGE_VERSION);

	view->header = h;
	view->manifest = m;
	view->p_seamldr = p;
	view->p_seamldr_image = raw + m->p_seamldr_offset;
	view->p_seamldr_size = m->p_seamldr_size;
	return 0;
}

int tdxctl_acm_verify(const void *acm, size_t len, struct emu_error *err)
{
	const struct acm_header *h = acm;
	struct seam_sig_part parts[2];
	int ret;

	ret = acm_check_header(h, len, err);
	if (ret)
		return ret;
	acm_signed_parts(acm, len, parts);
	ret = seam_rsa3072_verify(h->rsa_pub_key, SEAM_SIGSTRUCT_EXPONENT, h->rsa_sig, parts, 2);
	if (ret)
		return emu_error_set(err, ret, "acm: rsa_sig does not verify with rsa_pub_key");
	return 0;
}

/*
 * MRTD and RTMR prediction (docs/measurement.md).  MRTD follows the
 * module's hash stream (reference tdx-abi.md 7): per page one 128-byte
 * MEM.PAGE.ADD block; for measured sections then, per 256-byte chunk, a
 * 128-byte MR.EXTEND block and the chunk.  RTMRs replay the events of
 * docs/measurement.md section 4.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "tdxctl/measure.h"
#include "tdxctl/tdxctl.h"

#define MR_BLOCK_SIZE		128
#define MR_EXTEND_CHUNK		256
#define MR_OP_SIZE		16

static int mrtd_block(EVP_MD_CTX *ctx, const char *op, uint64_t gpa)
{
	uint8_t block[MR_BLOCK_SIZE] = { 0 };
	unsigned int i;

	memcpy(block, op, strlen(op));
	for (i = 0; i < 8; i++)
		block[MR_OP_SIZE + i] = (uint8_t)(gpa >> (8 * i));
	return EVP_DigestUpdate(ctx, block, sizeof(block));
}

/*
 * Page @p of section @s: BFV/CFV bytes from the image then zeros, TD_HOB
 * from @hob, TEMP_MEM zeros.
 */
static void section_page(const struct tdxctl_tdvf *tdvf, const struct tdvf_section_entry *s,
			 const struct tdxctl_td_hob *hob, uint64_t p,
			 uint8_t page[TDX_PAGE_SIZE])
{
	uint64_t off = p * TDX_PAGE_SIZE;

	memset(page, 0, TDX_PAGE_SIZE);
	if (s->type == TDVF_SECTION_TYPE_TD_HOB) {
		memcpy(page, hob->bytes + off, TDX_PAGE_SIZE);
	} else if (off < s->raw_data_size) {
		uint64_t n = s->raw_data_size - off;

		memcpy(page, tdvf->image + s->data_offset + off,
		       n < TDX_PAGE_SIZE ? n : TDX_PAGE_SIZE);
	}
}

int tdxctl_mrtd(const struct tdxctl_tdvf *tdvf, const struct tdxctl_td_hob *hob,
		uint8_t out[TDXCTL_SHA384_SIZE], struct emu_error *err)
{
	uint8_t page[TDX_PAGE_SIZE];
	unsigned int i, len = TDXCTL_SHA384_SIZE;
	EVP_MD_CTX *ctx;
	int ok;

	for (i = 0; i < tdvf->nr_sections; i++) {
		const struct tdvf_section_entry *s = &tdvf->sections[i];

		if (s->type != TDVF_SECTION_TYPE_TD_HOB ||
		    !(s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND))
			continue;
		if (!hob || !hob->bytes || hob->size != s->memory_data_size)
			return emu_error_set(err, -EINVAL,
					     "MRTD: TDVF section %u (TD_HOB) has MR.EXTEND, so MRTD "
					     "depends on the TD HOB: give the TD's memory size", i);
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return emu_error_set(err, -ENOMEM, "MRTD: out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (i = 0; ok && i < tdvf->nr_sections; i++) {
		const struct tdvf_section_entry *s = &tdvf->sections[i];
		bool extend = s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND;
		uint64_t p, nr_pages = s->memory_data_size / TDX_PAGE_SIZE;

		/* Left to TDH.MEM.PAGE.AUG and the firmware's accept: not in MRTD. */
		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			continue;

		for (p = 0; ok && p < nr_pages; p++) {
			uint64_t gpa = s->memory_address + p * TDX_PAGE_SIZE;
			unsigned int c;

			ok = mrtd_block(ctx, "MEM.PAGE.ADD", gpa);
			if (!extend)
				continue;
			section_page(tdvf, s, hob, p, page);
			for (c = 0; ok && c < TDX_PAGE_SIZE / MR_EXTEND_CHUNK; c++) {
				ok = mrtd_block(ctx, "MR.EXTEND", gpa + c * MR_EXTEND_CHUNK);
				if (ok)
					ok = EVP_DigestUpdate(ctx, page + c * MR_EXTEND_CHUNK,
							      MR_EXTEND_CHUNK);
			}
		}
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return emu_error_set(err, -EIO, "MRTD: OpenSSL digest failed");
	return 0;
}

static int digest_of(const void *data, size_t len, uint8_t out[TDXCTL_SHA384_SIZE],
		     struct emu_error *err)
{
	struct seam_sig_part part = { data, len };

	return tdxctl_sha384(&part, 1, out, err);
}

static int add_event(struct tdxctl_rtmr_prediction *out, uint32_t rtmr, uint32_t type,
		     const void *digest_data, size_t digest_len, const void *data,
		     uint32_t data_len, struct emu_error *err)
{
	struct tdxctl_cc_event *ev = &out->events[out->nr_events++];

	ev->offset = 0;
	ev->mr_index = rtmr + TDXCTL_CC_MR_INDEX_RTMR0;
	ev->event_type = type;
	ev->data = data;
	ev->data_len = data_len;
	return digest_of(digest_data, digest_len, ev->digest, err);
}

int tdxctl_rtmr_predict(const struct tdxctl_rtmr_input *in, struct tdxctl_rtmr_prediction *out,
			struct emu_error *err)
{
	static const uint8_t separator[4];
	const struct tdvf_section_entry *cfv = NULL;
	const struct tdxctl_tdvf *tdvf = in->tdvf;
	unsigned int i;
	int ret;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < tdvf->nr_sections; i++) {
		if (tdvf->sections[i].type != TDVF_SECTION_TYPE_CFV)
			continue;
		if (cfv)
			return emu_error_set(err, -EINVAL,
					     "RTMR: the image has more than one CFV section; the "
					     "measurement convention measures one");
		cfv = &tdvf->sections[i];
	}
	if (!in->hob || !in->hob->bytes || !in->hob->used)
		return emu_error_set(err, -EINVAL, "RTMR: no TD HOB to measure");
	if (in->cmdline && strlen(in->cmdline) >= UINT32_MAX)
		return emu_error_set(err, -EINVAL, "RTMR: command line too long");

	ret = add_event(out, 0, EV_PLATFORM_CONFIG_FLAGS, in->hob->bytes, in->hob->used,
			TDXCTL_EVENT_DATA_TD_HOB, sizeof(TDXCTL_EVENT_DATA_TD_HOB) - 1, err);
	if (!ret && cfv)
		ret = add_event(out, 0, EV_EFI_PLATFORM_FIRMWARE_BLOB2,
				tdvf->image + cfv->data_offset, cfv->raw_data_size,
				TDXCTL_EVENT_DATA_CFV, sizeof(TDXCTL_EVENT_DATA_CFV) - 1, err);
	if (!ret)
		ret = add_event(out, 0, EV_SEPARATOR, separator, sizeof(separator), separator,
				sizeof(separator), err);
	if (!ret)
		ret = add_event(out, 1, EV_EFI_BOOT_SERVICES_APPLICATION, in->payload,
				in->payload_len, TDXCTL_EVENT_DATA_PAYLOAD,
				sizeof(TDXCTL_EVENT_DATA_PAYLOAD) - 1, err);
	if (!ret && in->cmdline) {
		/* fw_cfg's command line is the -append string and its NUL. */
		uint32_t n = (uint32_t)strlen(in->cmdline) + 1;

		ret = add_event(out, 2, EV_IPL, in->cmdline, n, in->cmdline, n, err);
	}
	if (!ret)
		ret = add_event(out, 1, EV_SEPARATOR, separator, sizeof(separator), separator,
				sizeof(separator), err);
	if (!ret)
		ret = tdxctl_eventlog_replay(out->events, out->nr_events, out->rtmr, err);
	return ret;
}

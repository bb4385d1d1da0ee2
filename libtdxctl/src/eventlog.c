/*
 * The CC event log: parse (with every bound checked against the buffer),
 * replay into RTMRs, and write one the way TDVF does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tdxctl/eventlog.h"
#include "tdxctl/tdxctl.h"

#define SPEC_ID_SIGNATURE_SIZE	16
/* signature, platformClass, 4 version bytes, numberOfAlgorithms */
#define SPEC_ID_FIXED_SIZE	(SPEC_ID_SIGNATURE_SIZE + 4 + 4 + 4)
#define SHA1_DIGEST_SIZE	20
#define TCG_SPEC_VERSION_MAJOR	2
#define TCG_UINTN_SIZE_64	2
#define EVENT_GROW		64

static const struct {
	uint32_t type;
	const char *name;
} event_types[] = {
	{ 0x00000000, "EV_PREBOOT_CERT" },
	{ 0x00000001, "EV_POST_CODE" },
	{ 0x00000002, "EV_UNUSED" },
	{ EV_NO_ACTION, "EV_NO_ACTION" },
	{ EV_SEPARATOR, "EV_SEPARATOR" },
	{ 0x00000005, "EV_ACTION" },
	{ 0x00000006, "EV_EVENT_TAG" },
	{ 0x00000007, "EV_S_CRTM_CONTENTS" },
	{ 0x00000008, "EV_S_CRTM_VERSION" },
	{ 0x00000009, "EV_CPU_MICROCODE" },
	{ EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
	{ 0x0000000B, "EV_TABLE_OF_DEVICES" },
	{ 0x0000000C, "EV_COMPACT_HASH" },
	{ EV_IPL, "EV_IPL" },
	{ 0x0000000E, "EV_IPL_PARTITION_DATA" },
	{ 0x0000000F, "EV_NONHOST_CODE" },
	{ 0x00000010, "EV_NONHOST_CONFIG" },
	{ 0x00000011, "EV_NONHOST_INFO" },
	{ 0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ 0x80000000, "EV_EFI_EVENT_BASE" },
	{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ 0x80000002, "EV_EFI_VARIABLE_BOOT" },
	{ EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ 0x80000006, "EV_EFI_GPT_EVENT" },
	{ 0x80000007, "EV_EFI_ACTION" },
	{ 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ 0x80000009, "EV_EFI_HANDOFF_TABLES" },
	{ EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ 0x8000000B, "EV_EFI_HANDOFF_TABLES2" },
	{ 0x8000000C, "EV_EFI_VARIABLE_BOOT2" },
	{ 0x80000010, "EV_EFI_HCRTM_EVENT" },
	{ 0x800000E0, "EV_EFI_VARIABLE_AUTHORITY" },
	{ 0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ 0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
};

const char *tdxctl_event_type_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < TDX_ARRAY_SIZE(event_types); i++)
		if (event_types[i].type == type)
			return event_types[i].name;
	return NULL;
}

/* A bounds-checked little-endian reader over the log buffer. */
struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

static bool cur_has(const struct cursor *c, size_t n)
{
	return c->pos <= c->len && n <= c->len - c->pos;
}

static uint32_t cur_u32(struct cursor *c)
{
	const uint8_t *p = c->buf + c->pos;

	c->pos += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t cur_u16(struct cursor *c)
{
	const uint8_t *p = c->buf + c->pos;

	c->pos += 2;
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t cur_u8(struct cursor *c)
{
	return c->buf[c->pos++];
}

static int truncated(struct emu_error *err, size_t at, const char *what, size_t need,
		     size_t len)
{
	return emu_error_set(err, -EINVAL,
			     "event log: %s at offset %zu needs %zu bytes, the log ends at %zu",
			     what, at, need, len);
}

/* The TCG_PCR_EVENT with TCG_EfiSpecIDEventStruct; fills @log's header fields. */
static int parse_header(struct cursor *c, struct tdxctl_eventlog *log, struct emu_error *err)
{
	static const uint8_t zero_sha1[SHA1_DIGEST_SIZE];
	uint32_t pcr, type, size, n, i, j;
	struct cursor ev;
	uint8_t vendor_size;
	bool sha384 = false;

	if (!cur_has(c, TCG_PCR_EVENT_HEADER_SIZE))
		return truncated(err, 0, "the TCG_PCR_EVENT header", TCG_PCR_EVENT_HEADER_SIZE,
				 c->len);
	pcr = cur_u32(c);
	type = cur_u32(c);
	if (pcr != 0 || type != EV_NO_ACTION)
		return emu_error_set(err, -EINVAL,
				     "event log: offset 0: first event has PCRIndex %u, EventType "
				     "0x%x; a Spec ID header needs PCRIndex 0, EV_NO_ACTION (0x3)",
				     pcr, type);
	if (memcmp(c->buf + c->pos, zero_sha1, SHA1_DIGEST_SIZE))
		return emu_error_set(err, -EINVAL,
				     "event log: offset 8: the Spec ID header's SHA-1 digest is "
				     "not zero");
	c->pos += SHA1_DIGEST_SIZE;
	size = cur_u32(c);
	if (!cur_has(c, size))
		return emu_error_set(err, -EINVAL,
				     "event log: offset 28: Spec ID EventSize %u runs past the end "
				     "of the log (%zu bytes)", size, c->len);
	if (size < SPEC_ID_FIXED_SIZE + 1)
		return emu_error_set(err, -EINVAL,
				     "event log: offset 28: Spec ID EventSize %u is smaller than "
				     "the %u-byte minimum", size, SPEC_ID_FIXED_SIZE + 1);
	ev = (struct cursor){ c->buf, c->pos + size, c->pos };
	c->pos += size;
	log->header_size = c->pos;

	if (memcmp(ev.buf + ev.pos, TCG_SPEC_ID_EVENT03_SIGNATURE, SPEC_ID_SIGNATURE_SIZE))
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: signature is not \"%s\"", ev.pos,
				     TCG_SPEC_ID_EVENT03_SIGNATURE);
	ev.pos += SPEC_ID_SIGNATURE_SIZE;
	log->platform_class = cur_u32(&ev);
	log->spec_version_minor = cur_u8(&ev);
	log->spec_version_major = cur_u8(&ev);
	log->spec_errata = cur_u8(&ev);
	log->uintn_size = cur_u8(&ev);
	if (log->spec_version_major != TCG_SPEC_VERSION_MAJOR)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: specVersionMajor %u, expected %u",
				     ev.pos - 3, log->spec_version_major,
				     TCG_SPEC_VERSION_MAJOR);
	n = cur_u32(&ev);
	if (n == 0 || n > TCG_SPEC_ID_MAX_ALGS)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: numberOfAlgorithms %u is not in "
				     "[1, %u]", ev.pos - 4, n, TCG_SPEC_ID_MAX_ALGS);
	if (!cur_has(&ev, (size_t)n * 4 + 1))
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: %u algorithms and vendorInfoSize do "
				     "not fit in EventSize %u", ev.pos, n, size);
	for (i = 0; i < n; i++) {
		size_t at = ev.pos;

		log->algs[i].alg = cur_u16(&ev);
		log->algs[i].size = cur_u16(&ev);
		if (log->algs[i].size == 0 || log->algs[i].size > TCG_MAX_DIGEST_SIZE)
			return emu_error_set(err, -EINVAL,
					     "event log: offset %zu: algorithm 0x%04x has digest "
					     "size %u, not in [1, %u]", at, log->algs[i].alg,
					     log->algs[i].size, TCG_MAX_DIGEST_SIZE);
		for (j = 0; j < i; j++)
			if (log->algs[j].alg == log->algs[i].alg)
				return emu_error_set(err, -EINVAL,
						     "event log: offset %zu: algorithm 0x%04x "
						     "listed twice", at, log->algs[i].alg);
		if (log->algs[i].alg == TPM_ALG_SHA384) {
			if (log->algs[i].size != TDXCTL_SHA384_SIZE)
				return emu_error_set(err, -EINVAL,
						     "event log: offset %zu: SHA-384 listed with "
						     "digest size %u, not 48", at,
						     log->algs[i].size);
			sha384 = true;
		}
	}
	log->nr_algs = n;
	if (!sha384)
		return emu_error_set(err, -EINVAL,
				     "event log: the Spec ID header does not list SHA-384 (0x000C), "
				     "which a CC event log must use");
	vendor_size = cur_u8(&ev);
	if (ev.len - ev.pos != vendor_size)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: vendorInfoSize %u does not match the "
				     "%zu bytes left in EventSize %u", ev.pos - 1, vendor_size,
				     ev.len - ev.pos, size);
	return 0;
}

static const struct tdxctl_spec_id_alg *find_alg(const struct tdxctl_eventlog *log,
						 uint16_t alg)
{
	unsigned int i;

	for (i = 0; i < log->nr_algs; i++)
		if (log->algs[i].alg == alg)
			return &log->algs[i];
	return NULL;
}

/* One CC_EVENT at c->pos into @ev. */
static int parse_event(struct cursor *c, const struct tdxctl_eventlog *log,
		       struct tdxctl_cc_event *ev, struct emu_error *err)
{
	uint16_t seen[TCG_SPEC_ID_MAX_ALGS];
	size_t start = c->pos;
	uint32_t count, i, j;

	if (!cur_has(c, 12))
		return truncated(err, start, "CC_EVENT record", 12, c->len);
	ev->offset = start;
	ev->mr_index = cur_u32(c);
	ev->event_type = cur_u32(c);
	count = cur_u32(c);
	if (ev->mr_index > TDXCTL_NR_RTMR)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: MrIndex %u is not a CC MR index "
				     "(0 MRTD, 1..4 RTMR0..3)", start, ev->mr_index);
	if (ev->mr_index == 0 && ev->event_type != EV_NO_ACTION)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: event type 0x%x extends MrIndex 0 "
				     "(MRTD), which cannot be extended at run time", start,
				     ev->event_type);
	if (count != log->nr_algs)
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: digest count %u, but the Spec ID "
				     "header lists %u algorithms", start + 8, count,
				     log->nr_algs);
	for (i = 0; i < count; i++) {
		const struct tdxctl_spec_id_alg *a;
		size_t at = c->pos;
		uint16_t alg;

		if (!cur_has(c, 2))
			return truncated(err, at, "digest AlgorithmId", 2, c->len);
		alg = cur_u16(c);
		a = find_alg(log, alg);
		if (!a)
			return emu_error_set(err, -EINVAL,
					     "event log: offset %zu: digest algorithm 0x%04x is "
					     "not in the Spec ID header", at, alg);
		for (j = 0; j < i; j++)
			if (seen[j] == alg)
				return emu_error_set(err, -EINVAL,
						     "event log: offset %zu: digest algorithm "
						     "0x%04x appears twice in one event", at, alg);
		seen[i] = alg;
		if (!cur_has(c, a->size))
			return truncated(err, c->pos, "digest", a->size, c->len);
		if (alg == TPM_ALG_SHA384)
			memcpy(ev->digest, c->buf + c->pos, TDXCTL_SHA384_SIZE);
		c->pos += a->size;
	}
	if (!cur_has(c, 4))
		return truncated(err, c->pos, "EventSize", 4, c->len);
	ev->data_len = cur_u32(c);
	if (!cur_has(c, ev->data_len))
		return emu_error_set(err, -EINVAL,
				     "event log: offset %zu: EventSize %u runs past the end of "
				     "the log (%zu bytes)", c->pos - 4, ev->data_len, c->len);
	ev->data = c->buf + c->pos;
	c->pos += ev->data_len;
	return 0;
}

static bool all_ff(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

int tdxctl_eventlog_parse(const uint8_t *buf, size_t len, struct tdxctl_eventlog *log,
			  struct emu_error *err)
{
	struct cursor c = { buf, len, 0 };
	struct tdxctl_eventlog l = { 0 };
	size_t cap = 0;
	int ret;

	memset(log, 0, sizeof(*log));
	ret = parse_header(&c, &l, err);
	if (ret)
		return ret;
	/* The end: the buffer's end, or the 0xFF fill where MrIndex would be. */
	while (c.pos < c.len) {
		if (all_ff(buf + c.pos, len - c.pos) ||
		    (cur_has(&c, 4) && !memcmp(buf + c.pos, "\xff\xff\xff\xff", 4)))
			break;
		if (l.nr_events == cap) {
			struct tdxctl_cc_event *n;

			cap += EVENT_GROW;
			n = realloc(l.events, cap * sizeof(*n));
			if (!n) {
				free(l.events);
				return emu_error_set(err, -ENOMEM, "event log: out of memory");
			}
			l.events = n;
		}
		ret = parse_event(&c, &l, &l.events[l.nr_events], err);
		if (ret) {
			free(l.events);
			return ret;
		}
		l.nr_events++;
	}
	l.used = c.pos;
	*log = l;
	return 0;
}

void tdxctl_eventlog_free(struct tdxctl_eventlog *log)
{
	free(log->events);
	log->events = NULL;
	log->nr_events = 0;
}

int tdxctl_eventlog_replay(const struct tdxctl_cc_event *events, size_t nr,
			   uint8_t rtmr[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE],
			   struct emu_error *err)
{
	size_t i;

	memset(rtmr, 0, TDXCTL_NR_RTMR * TDXCTL_SHA384_SIZE);
	for (i = 0; i < nr; i++) {
		const struct tdxctl_cc_event *ev = &events[i];
		uint8_t *r;
		struct seam_sig_part parts[2];
		int ret;

		if (ev->event_type == EV_NO_ACTION)
			continue;
		if (ev->mr_index < TDXCTL_CC_MR_INDEX_RTMR0 || ev->mr_index > TDXCTL_NR_RTMR)
			return emu_error_set(err, -EINVAL,
					     "event log: event %zu has MrIndex %u, not an RTMR", i,
					     ev->mr_index);
		r = rtmr[ev->mr_index - TDXCTL_CC_MR_INDEX_RTMR0];
		parts[0] = (struct seam_sig_part){ r, TDXCTL_SHA384_SIZE };
		parts[1] = (struct seam_sig_part){ ev->digest, TDXCTL_SHA384_SIZE };
		ret = tdxctl_sha384(parts, 2, r, err);
		if (ret)
			return ret;
	}
	return 0;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return p + 4;
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

int tdxctl_eventlog_write(const struct tdxctl_cc_event *events, size_t nr, uint8_t **buf,
			  size_t *len, struct emu_error *err)
{
	/* Spec ID event: fixed part, one algorithm, vendorInfoSize 0. */
	const size_t spec_size = SPEC_ID_FIXED_SIZE + 4 + 1;
	size_t i, total = TCG_PCR_EVENT_HEADER_SIZE + spec_size;
	uint8_t *out, *p;

	for (i = 0; i < nr; i++) {
		size_t rec = 12 + 2 + TDXCTL_SHA384_SIZE + 4 + (size_t)events[i].data_len;

		if (total > SIZE_MAX - rec)
			return emu_error_set(err, -EOVERFLOW, "event log: too large");
		total += rec;
	}
	out = calloc(1, total);
	if (!out)
		return emu_error_set(err, -ENOMEM, "event log: out of memory");
	p = put_u32(out, 0);
	p = put_u32(p, EV_NO_ACTION);
	p += SHA1_DIGEST_SIZE;
	p = put_u32(p, (uint32_t)spec_size);
	memcpy(p, TCG_SPEC_ID_EVENT03_SIGNATURE, SPEC_ID_SIGNATURE_SIZE);
	p += SPEC_ID_SIGNATURE_SIZE;
	p = put_u32(p, 0);			/* platformClass: client */
	*p++ = 0;				/* specVersionMinor */
	*p++ = TCG_SPEC_VERSION_MAJOR;
	*p++ = 0;				/* specErrata */
	*p++ = TCG_UINTN_SIZE_64;
	p = put_u32(p, 1);
	p = put_u16(p, TPM_ALG_SHA384);
	p = put_u16(p, TDXCTL_SHA384_SIZE);
	*p++ = 0;				/* vendorInfoSize */
	for (i = 0; i < nr; i++) {
		p = put_u32(p, events[i].mr_index);
		p = put_u32(p, events[i].event_type);
		p = put_u32(p, 1);
		p = put_u16(p, TPM_ALG_SHA384);
		memcpy(p, events[i].digest, TDXCTL_SHA384_SIZE);
		p += TDXCTL_SHA384_SIZE;
		p = put_u32(p, events[i].data_len);
		if (events[i].data_len)
			memcpy(p, events[i].data, events[i].data_len);
		p += events[i].data_len;
	}
	*buf = out;
	*len = total;
	return 0;
}

/*
 * The CC event log (TCG PC Client crypto-agile format, as TDVF writes it
 * behind the CCEL ACPI table; reference host-stack.md 4.4):
 *
 *   TCG_PCR_EVENT     u32 PCRIndex = 0, u32 EventType = EV_NO_ACTION,
 *                     u8 Digest[20] = 0, u32 EventSize, then the
 *                     TCG_EfiSpecIDEventStruct "Spec ID Event03" listing
 *                     the digest algorithms and their sizes;
 *   CC_EVENT ...      u32 MrIndex, u32 EventType, TPML_DIGEST_VALUES
 *                     {u32 count, count x {u16 AlgorithmId, digest}},
 *                     u32 EventSize, EventData;
 *   end               the end of the buffer, or a record whose MrIndex is
 *                     0xFFFFFFFF (the log area is pre-filled with 0xFF).
 *
 * CC MR index 0 is MRTD (never extended at run time), 1..4 are RTMR0..3.
 */
#ifndef TDX_TDXCTL_EVENTLOG_H
#define TDX_TDXCTL_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "emu_error.h"

#define TDXCTL_SHA384_SIZE		48
#define TDXCTL_NR_RTMR			4
#define TDXCTL_CC_MR_INDEX_RTMR0	1	/* RTMR i is CC MR index i + 1 */

/* TCG algorithm ids (TCG Algorithm Registry). */
#define TPM_ALG_SHA1			0x0004
#define TPM_ALG_SHA256			0x000B
#define TPM_ALG_SHA384			0x000C
#define TPM_ALG_SHA512			0x000D

/* TCG PC Client event types used by TDVF and tdx-emu. */
#define EV_NO_ACTION				0x00000003u
#define EV_SEPARATOR				0x00000004u
#define EV_PLATFORM_CONFIG_FLAGS		0x0000000Au
#define EV_IPL					0x0000000Du
#define EV_EFI_BOOT_SERVICES_APPLICATION	0x80000003u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2		0x8000000Au

#define TCG_SPEC_ID_EVENT03_SIGNATURE	"Spec ID Event03"	/* 16 bytes with the NUL */
#define TCG_SPEC_ID_MAX_ALGS		16
#define TCG_MAX_DIGEST_SIZE		64
/* PCRIndex + EventType + SHA-1 digest + EventSize. */
#define TCG_PCR_EVENT_HEADER_SIZE	32
#define CC_EVENTLOG_END_MARKER		0xFFFFFFFFu

struct tdxctl_cc_event {
	size_t offset;			/* of the record in the log */
	uint32_t mr_index;		/* CC MR index */
	uint32_t event_type;
	uint8_t digest[TDXCTL_SHA384_SIZE];	/* the SHA-384 digest */
	uint32_t data_len;
	const uint8_t *data;		/* points into the log buffer */
};

struct tdxctl_spec_id_alg {
	uint16_t alg;
	uint16_t size;
};

struct tdxctl_eventlog {
	/* From the Spec ID Event03 header. */
	uint32_t platform_class;
	uint8_t spec_version_minor, spec_version_major, spec_errata, uintn_size;
	unsigned int nr_algs;
	struct tdxctl_spec_id_alg algs[TCG_SPEC_ID_MAX_ALGS];
	size_t header_size;		/* bytes of the TCG_PCR_EVENT */
	size_t nr_events;
	struct tdxctl_cc_event *events;	/* malloc()ed */
	size_t used;			/* bytes up to the end marker / end */
};

/**
 * tdxctl_eventlog_parse() - parse @len bytes of a CC event log.  Refuses,
 * naming the byte offset: a header that is not a well-formed Spec ID
 * Event03 event or does not list SHA-384 with 48 bytes, a record cut off
 * by the end of the buffer, a digest count different from the header's
 * algorithm count, an algorithm not in the header or listed twice, an
 * EventSize past the end, an MrIndex above 4, and a measured event
 * (anything but EV_NO_ACTION) for MrIndex 0.  @log's events point into
 * @buf; free with tdxctl_eventlog_free().
 */
int tdxctl_eventlog_parse(const uint8_t *buf, size_t len, struct tdxctl_eventlog *log,
			  struct emu_error *err);
void tdxctl_eventlog_free(struct tdxctl_eventlog *log);

/**
 * tdxctl_eventlog_replay() - RTMR0..3 from all-zero through each event's
 * SHA-384 digest, RTMR[i] = SHA-384(RTMR[i] || digest), in order;
 * EV_NO_ACTION events are skipped (TCG: not extended).
 */
int tdxctl_eventlog_replay(const struct tdxctl_cc_event *events, size_t nr,
			   uint8_t rtmr[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE],
			   struct emu_error *err);

/**
 * tdxctl_eventlog_write() - a log as TDVF writes it: the Spec ID Event03
 * header listing SHA-384 only, then @events with one SHA-384 digest each.
 * Returns a malloc()ed buffer in @buf and its size in @len.
 */
int tdxctl_eventlog_write(const struct tdxctl_cc_event *events, size_t nr, uint8_t **buf,
			  size_t *len, struct emu_error *err);

/** tdxctl_event_type_name() - "EV_SEPARATOR", ... or NULL if unknown. */
const char *tdxctl_event_type_name(uint32_t type);

#endif /* TDX_TDXCTL_EVENTLOG_H */

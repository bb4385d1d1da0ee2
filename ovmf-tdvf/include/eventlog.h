/*
 * The CC event log in the TCG crypto-agile format (reference
 * host-stack.md 4.4; /work/briefs/measure-convention.md): a TCG_PCR_EVENT
 * carrying the "Spec ID Event03" header for SHA-384 only, then CC_EVENT
 * records.  The area is pre-filled with 0xFF.  Pure code over a buffer.
 */
#ifndef TDVF_EVENTLOG_H
#define TDVF_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#define SHA384_DIGEST_SIZE	48
#define TPM_ALG_SHA384		0x000C

/* TCG event types the firmware logs. */
#define EV_NO_ACTION			0x00000003
#define EV_SEPARATOR			0x00000004
#define EV_PLATFORM_CONFIG_FLAGS	0x0000000A
#define EV_IPL				0x0000000D
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2	0x8000000A

/* Bytes of the first (Spec ID) event and of a CC_EVENT header before its data. */
#define EVENTLOG_SPEC_ID_EVENT_SIZE	(32 + 33)
#define EVENTLOG_CC_EVENT_HEADER_SIZE	(4 + 4 + 4 + 2 + SHA384_DIGEST_SIZE + 4)

struct eventlog {
	uint8_t *base;
	size_t size;	/* LAML */
	size_t used;
};

/* Fills the area with 0xFF and writes the Spec ID event; -1 if it does not fit. */
int eventlog_init(struct eventlog *log, void *area, size_t size);

/* Appends one CC_EVENT; -1 (log unchanged) if it does not fit. */
int eventlog_append(struct eventlog *log, uint32_t mr_index, uint32_t event_type,
		    const uint8_t digest[SHA384_DIGEST_SIZE], const void *data,
		    uint32_t data_size);

#endif /* TDVF_EVENTLOG_H */

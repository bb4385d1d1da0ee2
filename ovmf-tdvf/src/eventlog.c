/* The CC event log writer (eventlog.h). */
#include "eventlog.h"

#include <string.h>

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
	return p + 2;
}

int eventlog_init(struct eventlog *log, void *area, size_t size)
{
	static const char sig[16] = "Spec ID Event03";
	uint8_t *p;

	log->base = area;
	log->size = size;
	log->used = 0;
	if (size < EVENTLOG_SPEC_ID_EVENT_SIZE)
		return -1;
	memset(area, 0xFF, size);

	/* TCG_PCR_EVENT: PCRIndex, EventType, SHA-1 digest (zero), EventSize. */
	p = log->base;
	p = put_u32(p, 0);
	p = put_u32(p, EV_NO_ACTION);
	memset(p, 0, 20);
	p += 20;
	p = put_u32(p, 33);
	/* TCG_EfiSpecIDEventStruct. */
	memcpy(p, sig, 16);
	p += 16;
	p = put_u32(p, 0);		/* platformClass */
	*p++ = 0;			/* specVersionMinor */
	*p++ = 2;			/* specVersionMajor */
	*p++ = 0;			/* specErrata */
	*p++ = 2;			/* uintnSize: UINT64 */
	p = put_u32(p, 1);		/* numberOfAlgorithms */
	p = put_u16(p, TPM_ALG_SHA384);
	p = put_u16(p, SHA384_DIGEST_SIZE);
	*p++ = 0;			/* vendorInfoSize */
	log->used = (size_t)(p - log->base);
	return 0;
}

int eventlog_append(struct eventlog *log, uint32_t mr_index, uint32_t event_type,
		    const uint8_t digest[SHA384_DIGEST_SIZE], const void *data,
		    uint32_t data_size)
{
	size_t need = EVENTLOG_CC_EVENT_HEADER_SIZE + (size_t)data_size;
	uint8_t *p;

	if (log->used > log->size || log->size - log->used < need)
		return -1;
	p = log->base + log->used;
	p = put_u32(p, mr_index);
	p = put_u32(p, event_type);
	p = put_u32(p, 1);		/* TPML_DIGEST_VALUES.count */
	p = put_u16(p, TPM_ALG_SHA384);
	memcpy(p, digest, SHA384_DIGEST_SIZE);
	p += SHA384_DIGEST_SIZE;
	p = put_u32(p, data_size);
	if (data_size)
		memcpy(p, data, data_size);
	log->used += need;
	return 0;
}

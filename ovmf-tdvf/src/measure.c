/*
 * Measurement (/work/briefs/measure-convention.md): SHA-384 by OpenSSL's
 * SHA-512 core (lib/sha384.c), TDG.MR.RTMR.EXTEND of a 64-byte-aligned
 * digest, and a CC_EVENT in the event log (MrIndex = RTMR index + 1).
 */
#include <string.h>

#include "eventlog.h"
#include "fw.h"
#include "measure.h"
#include "sha384.h"
#include "tdx_guest.h"

static struct eventlog log;
static uint8_t extend_buf[64] __attribute__((aligned(64)));

void measure_init(void *area, size_t size)
{
	if (eventlog_init(&log, area, size))
		tdvf_fatal("event log area of %zu bytes is too small", size);
}

void measure_event(unsigned int rtmr, uint32_t event_type, const void *data, size_t len,
		   const void *event_data, uint32_t event_size)
{
	uint64_t st;

	sha384(data, len, extend_buf);

	st = tdg_mr_rtmr_extend((uint64_t)(uintptr_t)extend_buf, rtmr);
	if (st)
		tdvf_fatal("TDG.MR.RTMR.EXTEND of RTMR%u failed: 0x%lx", rtmr, st);
	if (eventlog_append(&log, rtmr + 1, event_type, extend_buf, event_data, event_size))
		tdvf_fatal("event log full (%zu of %zu bytes used)", log.used, log.size);
}

void measure_separator(unsigned int rtmr)
{
	static const uint8_t zero[4];

	measure_event(rtmr, EV_SEPARATOR, zero, sizeof(zero), zero, sizeof(zero));
}

size_t measure_log_used(void)
{
	return log.used;
}

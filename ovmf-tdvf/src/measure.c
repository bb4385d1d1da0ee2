/*
 * Measurement (/work/briefs/measure-convention.md): SHA-384 by OpenSSL's
 * libcrypto (SHA384_Init/Update/Final, linked from libcrypto.a, see
 * cmake/TdxFreestanding.cmake), TDG.MR.RTMR.EXTEND of a 64-byte-aligned
 * digest, and a CC_EVENT in the event log (MrIndex = RTMR index + 1).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <string.h>

#include "eventlog.h"
#include "fw.h"
#include "measure.h"
#include "tdx_guest.h"

/* sha512-x86_64.o picks its code path from this; all zero = the plain x86-64 one. */
const unsigned int OPENSSL_ia32cap_P[4] = { 0, 0, 0, 0 };

static struct eventlog log;
static uint8_t extend_buf[64] __attribute__((aligned(64)));

void sha384(const void *data, size_t len, uint8_t out[SHA384_DIGEST_SIZE])
{
	SHA512_CTX ctx;

	SHA384_Init(&ctx);
	SHA384_Update(&ctx, data, len);
	SHA384_Final(out, &ctx);
	memset(&ctx, 0, sizeof(ctx));
}

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

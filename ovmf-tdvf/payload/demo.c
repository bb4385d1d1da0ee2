/*
 * payload-demo: what a TD can check about itself, end to end.
 *
 *  1. the boot info the firmware handed over (magic, version, memory map);
 *  2. TDG.VP.INFO, compared with the boot info;
 *  3. the CC event log: its format, and RTMR0..3 replayed from it (with
 *     "eventlog=1" also printed, as "payload: eventlog <hex>" lines);
 *  4. a virtio-console round trip through shared memory (MapGPA), unless
 *     the command line says "virtio=0" (a VMM without the device);
 *  5. TDG.MR.REPORT: MRTD and RTMRs printed, RTMRs equal to the replay;
 *  6. GetQuote, only with "quote=1" on the command line; the quote is
 *     printed as "payload: quote <hex>" lines, 64 bytes each (what
 *     scripts/kbs-demo.sh hands to the key broker), and with
 *     "nonce=<64 hex digits>" those 32 bytes are the REPORTDATA (the rest
 *     zero) instead of the bytes 0..63;
 *  6b. with more than one vCPU, the last one woken through the MADT's MP
 *     wakeup mailbox;
 *  7. TDG.MEM.PAGE.ACCEPT of the memory the firmware left unaccepted
 *     (at most "accept=<MiB>" of it when the command line says so);
 *  8. exactly one "tdx-emu payload: SUCCESS" line, then S5.
 *
 * Any failure: "tdx-emu payload: FAILED: <why>" and ReportFatalError
 * with the same message.  In a plain VM the TD-only steps are skipped.
 */
#include <string.h>

#include <tdx/tdx_report.h>
#include <tdx/tdvf.h>

#include "ap_wakeup.h"
#include "eventlog.h"
#include "io.h"
#include "plib.h"
#include "sha384.h"
#include "tdx_guest.h"
#include "virtio_console.h"

#define QUOTE_BUF_SIZE		0x4000
#define QUOTE_IN_FLIGHT		0xFFFFFFFFFFFFFFFFull

static struct tdreport_struct report __attribute__((aligned(1024)));
static uint8_t reportdata[64] __attribute__((aligned(64)));
static uint8_t quote_buf[QUOTE_BUF_SIZE] __attribute__((aligned(4096)));

void payload_main(struct tdvf_boot_info *bi, uint64_t magic);

static void sha384_buf(const void *p, size_t n, uint8_t out[48])
{
	sha384(p, n, out);
}

static int detect_td(void)
{
	uint32_t r[4];

	cpuid(0x21, 0, r);
	return r[1] == 0x65746E49 && r[3] == 0x5844546C && r[2] == 0x20202020;
}

static void check_boot_info(const struct tdvf_boot_info *bi, uint64_t magic, int is_td)
{
	uint64_t prev_end = 0;

	if (magic != TDVF_BOOT_INFO_MAGIC || bi->magic != TDVF_BOOT_INFO_MAGIC)
		pfail("boot info magic 0x%lx / RSI 0x%lx", bi->magic, magic);
	if (bi->version != TDVF_BOOT_INFO_VERSION || bi->size != sizeof(*bi))
		pfail("boot info version %u size %u", bi->version, bi->size);
	if (is_td != (bi->gpaw != 0))
		pfail("CPUID says %s but boot info GPAW is %u", is_td ? "TD" : "plain VM", bi->gpaw);
	if (is_td && bi->shared_mask != 1ull << (bi->gpaw - 1))
		pfail("boot info shared mask 0x%lx for GPAW %u", bi->shared_mask, bi->gpaw);
	if (bi->num_memmap == 0 || bi->num_memmap > TDVF_BOOT_INFO_MAX_MEMMAP)
		pfail("boot info has %u memory map entries", bi->num_memmap);
	for (unsigned int i = 0; i < bi->num_memmap; i++) {
		const struct tdvf_memmap_entry *e = &bi->memmap[i];

		if (e->base < prev_end || !e->length || e->base + e->length < e->base)
			pfail("memory map entry %u (0x%lx+0x%lx) overlaps or is empty", i,
			      e->base, e->length);
		if (e->type < TDVF_MEM_ACCEPTED || e->type > TDVF_MEM_MMIO)
			pfail("memory map entry %u has type %u", i, e->type);
		prev_end = e->base + e->length;
	}
	if (bi->cmdline && (bi->cmdline_size == 0 ||
			    strlen((const char *)(uintptr_t)bi->cmdline) != bi->cmdline_size - 1))
		pfail("boot info command line size %u does not match the string", bi->cmdline_size);
}

static const char *mem_type(uint32_t t)
{
	switch (t) {
	case TDVF_MEM_ACCEPTED: return "accepted";
	case TDVF_MEM_UNACCEPTED: return "unaccepted";
	case TDVF_MEM_FIRMWARE: return "firmware";
	case TDVF_MEM_PAYLOAD: return "payload";
	default: return "mmio";
	}
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Checks the log's format and replays it into rtmr[4]; returns the number of events. */
static unsigned int replay_event_log(const struct tdvf_boot_info *bi, uint8_t rtmr[4][48])
{
	const uint8_t *log = (const uint8_t *)(uintptr_t)bi->event_log;
	size_t used = bi->event_log_used, off;
	unsigned int n = 0;

	if (!log || used > bi->event_log_length || used < EVENTLOG_SPEC_ID_EVENT_SIZE)
		pfail("event log at 0x%lx: %zu of %lu bytes used", bi->event_log, used,
		      bi->event_log_length);
	if (rd32(log) != 0 || rd32(log + 4) != EV_NO_ACTION || rd32(log + 28) != 33 ||
	    memcmp(log + 32, "Spec ID Event03", 16))
		pfail("event log does not start with the Spec ID Event03 header");
	if (rd32(log + 32 + 24) != 1 || log[32 + 28] != 0x0C || log[32 + 29] != 0 ||
	    log[32 + 30] != 48)
		pfail("event log Spec ID header does not list exactly SHA-384");
	memset(rtmr, 0, 4 * 48);
	for (off = EVENTLOG_SPEC_ID_EVENT_SIZE; off < used; n++) {
		uint32_t mr, type, count, size;
		uint8_t buf[96];

		if (used - off < EVENTLOG_CC_EVENT_HEADER_SIZE)
			pfail("event log: truncated event at offset %zu", off);
		mr = rd32(log + off);
		type = rd32(log + off + 4);
		count = rd32(log + off + 8);
		size = rd32(log + off + 14 + 48);
		if (mr < 1 || mr > 4)
			pfail("event log: MrIndex %u at offset %zu", mr, off);
		if (count != 1 || log[off + 12] != 0x0C || log[off + 13] != 0)
			pfail("event log: event at offset %zu is not one SHA-384 digest", off);
		if (size > used - off - EVENTLOG_CC_EVENT_HEADER_SIZE)
			pfail("event log: event data at offset %zu runs past the log", off);
		if (type == EV_IPL || type == EV_SEPARATOR) {
			uint8_t d[48];

			sha384_buf(log + off + EVENTLOG_CC_EVENT_HEADER_SIZE, size, d);
			if (memcmp(d, log + off + 14, 48))
				pfail("event log: event type 0x%x digest is not SHA-384 of its data",
				      type);
		}
		memcpy(buf, rtmr[mr - 1], 48);
		memcpy(buf + 48, log + off + 14, 48);
		sha384_buf(buf, 96, rtmr[mr - 1]);
		off += EVENTLOG_CC_EVENT_HEADER_SIZE + size;
	}
	for (size_t i = used; i < bi->event_log_length; i++)
		if (log[i] != 0xFF)
			pfail("event log: byte %zu after the last event is not 0xFF", i);
	return n;
}

static void get_quote(void)
{
	uint64_t gpa = (uint64_t)(uintptr_t)quote_buf;
	volatile uint8_t *q = pshared(gpa);
	uint64_t st, status = QUOTE_IN_FLIGHT;
	uint32_t out_len;

	pconvert_shared(gpa, QUOTE_BUF_SIZE);
	memset((void *)q, 0, QUOTE_BUF_SIZE);
	*(volatile uint64_t *)(q + 0) = 1;			/* version */
	*(volatile uint64_t *)(q + 8) = QUOTE_IN_FLIGHT;	/* status */
	*(volatile uint32_t *)(q + 16) = sizeof(report);	/* in_len */
	*(volatile uint32_t *)(q + 20) = 0;			/* out_len */
	memcpy((void *)(q + 24), &report, sizeof(report));
	st = tdvmcall_get_quote(gpa | plib_shared_mask, QUOTE_BUF_SIZE);
	if (st)
		pfail("TDVMCALL<GetQuote> failed: 0x%lx", st);
	for (unsigned long spins = 0; status == QUOTE_IN_FLIGHT; spins++) {
		status = *(volatile uint64_t *)(q + 8);
		if (spins > 4000000000ul)
			pfail("GetQuote: still in flight");
		__asm__ volatile("pause");
	}
	if (status)
		pfail("GetQuote: status 0x%lx", status);
	out_len = *(volatile uint32_t *)(q + 20);
	if (out_len == 0 || out_len > QUOTE_BUF_SIZE - 24)
		pfail("GetQuote: quote length %u in a %u-byte buffer", out_len, QUOTE_BUF_SIZE);
	pprintf("payload: GetQuote returned a %u-byte quote\n", out_len);
	for (uint32_t off = 0; off < out_len; off += 64) {
		uint8_t chunk[64];
		uint32_t n = out_len - off < 64 ? out_len - off : 64;

		memcpy(chunk, (const void *)(q + 24 + off), n);
		phex("payload: quote", chunk, n);
	}
	pconvert_private(gpa, QUOTE_BUF_SIZE);
}

/*
 * "nonce=<64 hex digits>": a verifier's challenge, as REPORTDATA bytes
 * 0..31 (32..63 zero).  0 without one; a malformed one is fatal.
 */
static int cmdline_nonce(const struct tdvf_boot_info *bi, uint8_t out[64])
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;

	if (!bi->cmdline)
		return 0;
	for (size_t i = 0; s[i]; i++) {
		if ((i && s[i - 1] != ' ') || memcmp(s + i, "nonce=", 6))
			continue;
		memset(out, 0, 64);
		for (size_t j = 0; j < 64; j++) {
			char c = s[i + 6 + j];
			int v = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (v < 0)
				pfail("command line: nonce= needs 64 hex digits");
			out[j / 2] = (uint8_t)(j % 2 ? out[j / 2] | v : v << 4);
		}
		if (s[i + 70] != ' ' && s[i + 70] != '\0')
			pfail("command line: nonce= needs 64 hex digits");
		return 1;
	}
	return 0;
}

static void td_checks(const struct tdvf_boot_info *bi)
{
	struct tdg_vp_info info;
	uint8_t replay[4][48];
	unsigned int events;
	uint64_t st = tdg_vp_info(&info);

	if (st)
		pfail("TDG.VP.INFO failed: 0x%lx", st);
	pprintf("payload: TDG.VP.INFO: GPAW %u, attributes 0x%lx, vCPUs %u of max %u, "
		"this vCPU %u\n", info.gpaw, info.attributes, info.num_vcpus, info.max_vcpus,
		info.vcpu_index);
	if (info.gpaw != bi->gpaw || info.num_vcpus != bi->num_vcpus || info.vcpu_index != 0)
		pfail("TDG.VP.INFO (GPAW %u, %u vCPUs, index %u) disagrees with the boot info",
		      info.gpaw, info.num_vcpus, info.vcpu_index);
	if (info.attributes & 1)
		pprintf("payload: the TD is a DEBUG TD\n");

	events = replay_event_log(bi, replay);
	pprintf("payload: event log: %u events, %lu bytes, RTMRs replayed\n", events,
		bi->event_log_used);
	/* "eventlog=1": the log itself, for a verifier outside to replay. */
	if (pcmdline_has(bi, "eventlog=1"))
		for (uint64_t off = 0; off < bi->event_log_used; off += 64)
			phex("payload: eventlog", (const uint8_t *)(uintptr_t)(bi->event_log + off),
			     bi->event_log_used - off < 64 ? bi->event_log_used - off : 64);

	if (!cmdline_nonce(bi, reportdata))
		for (unsigned int i = 0; i < sizeof(reportdata); i++)
			reportdata[i] = (uint8_t)i;
	st = tdg_mr_report((uint64_t)(uintptr_t)&report, (uint64_t)(uintptr_t)reportdata);
	if (st)
		pfail("TDG.MR.REPORT failed: 0x%lx", st);
	if (memcmp(report.reportmacstruct.reportdata, reportdata, sizeof(reportdata)))
		pfail("TDREPORT does not carry the REPORTDATA given");
	if (report.tdinfo.attributes != info.attributes)
		pfail("TDREPORT attributes 0x%lx differ from TDG.VP.INFO's 0x%lx",
		      report.tdinfo.attributes, info.attributes);
	pprintf("payload: TDREPORT (TDG.MR.REPORT):\n");
	phex("MRTD", report.tdinfo.mrtd, 48);
	phex("RTMR0", report.tdinfo.rtmr[0], 48);
	phex("RTMR1", report.tdinfo.rtmr[1], 48);
	phex("RTMR2", report.tdinfo.rtmr[2], 48);
	phex("RTMR3", report.tdinfo.rtmr[3], 48);
	for (unsigned int i = 0; i < 4; i++)
		if (memcmp(report.tdinfo.rtmr[i], replay[i], 48))
			pfail("RTMR%u in the TDREPORT differs from the event log replay", i);
	pprintf("payload: RTMR0..3 equal the event log replay\n");
}

/*
 * Accepts the unaccepted ranges, at most cap bytes (the command line's
 * "accept=<MiB>"; all of it without one), and checks the last accepted
 * page of each range holds a write.
 */
static void accept_rest(const struct tdvf_boot_info *bi, uint64_t cap)
{
	uint64_t total = 0, left = 0;

	for (unsigned int i = 0; i < bi->num_memmap; i++) {
		const struct tdvf_memmap_entry *e = &bi->memmap[i];
		volatile uint64_t *last;
		uint64_t len = e->length;

		if (e->type != TDVF_MEM_UNACCEPTED)
			continue;
		if (len > cap - total)
			len = cap - total;
		left += e->length - len;
		if (!len)
			continue;
		paccept(e->base, len);
		if (e->base + len <= 0x100000000ull) {
			last = (volatile uint64_t *)(uintptr_t)(e->base + len - 8);
			*last = 0x5A5A5A5A5A5A5A5Aull;
			if (*last != 0x5A5A5A5A5A5A5A5Aull)
				pfail("accepted memory at 0x%lx does not hold a write", e->base);
		}
		total += len;
	}
	pprintf("payload: accepted %lu MiB the firmware left unaccepted (%lu MiB left by accept=)\n",
		total >> 20, left >> 20);
}

/* The number after "name=" on the command line, or dflt. */
static uint64_t cmdline_number(const struct tdvf_boot_info *bi, const char *name, uint64_t dflt)
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;
	size_t nl = strlen(name);

	if (!bi->cmdline)
		return dflt;
	for (size_t i = 0; s[i]; i++) {
		uint64_t v = 0;
		size_t j;

		if ((i && s[i - 1] != ' ') || memcmp(s + i, name, nl) || s[i + nl] != '=')
			continue;
		for (j = i + nl + 1; s[j] >= '0' && s[j] <= '9'; j++) {
			if (v > (UINT64_MAX - 9) / 10)
				pfail("command line: %s= value too large", name);
			v = v * 10 + (uint64_t)(s[j] - '0');
		}
		if (j == i + nl + 1 || (s[j] != ' ' && s[j] != '\0'))
			pfail("command line: %s= needs a decimal number", name);
		return v;
	}
	return dflt;
}

void payload_main(struct tdvf_boot_info *bi, uint64_t magic)
{
	int is_td = detect_td();

	plib_is_td = is_td;
	pprintf("payload: started in %s mode, boot info at %p\n", is_td ? "TD" : "plain-VM",
		(void *)bi);
	check_boot_info(bi, magic, is_td);
	plib_init(bi);
	pprintf("payload: %u vCPUs, GPAW %u, RSDP 0x%lx, command line \"%s\"\n",
		bi->num_vcpus, bi->gpaw, bi->acpi_rsdp,
		bi->cmdline ? (const char *)(uintptr_t)bi->cmdline : "");
	for (unsigned int i = 0; i < bi->num_memmap; i++)
		pprintf("  memory 0x%010lx-0x%010lx %s\n", bi->memmap[i].base,
			bi->memmap[i].base + bi->memmap[i].length - 1,
			mem_type(bi->memmap[i].type));

	if (is_td)
		td_checks(bi);
	if (pcmdline_has(bi, "virtio=0"))
		pprintf("payload: virtio round trip skipped (virtio=0)\n");
	else
		virtio_console_round_trip("tdx-emu virtio-console round trip through shared memory");
	if (is_td && pcmdline_has(bi, "quote=1"))
		get_quote();
	if (is_td && bi->num_vcpus > 1)
		ap_wakeup_check(bi, bi->num_vcpus - 1);
	if (is_td) {
		uint64_t mib = cmdline_number(bi, "accept", UINT64_MAX >> 20);

		accept_rest(bi, mib << 20);
	}
	pputs("tdx-emu payload: SUCCESS\n");
	pshutdown();
}

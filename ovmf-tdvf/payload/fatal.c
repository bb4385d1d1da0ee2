/*
 * payload-fatal: ends the TD at once with TDG.VP.VMCALL<ReportFatalError>
 * carrying a known message, so the VMM's failure path can be tested
 * (qemu-tdx must print the message and exit non-zero).
 */
#include <tdx/tdvf.h>

#include "plib.h"

/* The message the VMM's test looks for (<= 64 bytes: all of it fits the registers). */
#define PAYLOAD_FATAL_MESSAGE	"payload-fatal: deliberate failure"

void payload_main(struct tdvf_boot_info *bi, uint64_t magic);

void payload_main(struct tdvf_boot_info *bi, uint64_t magic)
{
	(void)magic;
	plib_init(bi);
	pfail(PAYLOAD_FATAL_MESSAGE);
}

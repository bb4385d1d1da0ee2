/*
 * What the test payloads share: the console (COM1 by OUT, which the
 * firmware's #VE handler turns into TDVMCALL<IO> in a TD), failure and
 * shutdown, MMIO accessors, shared-memory conversion, and accepting
 * memory.
 */
#ifndef TDVF_PAYLOAD_PLIB_H
#define TDVF_PAYLOAD_PLIB_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdvf.h>

/* ReportFatalError code of the payloads (bits 15:0 clear: QEMU's valid format). */
#define PAYLOAD_FATAL_CODE	0x00020000ull

extern int plib_is_td;
extern uint64_t plib_shared_mask;

void plib_init(const struct tdvf_boot_info *bi);
void pprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pputs(const char *s);
void phex(const char *label, const uint8_t *p, size_t n);

/*
 * Prints "tdx-emu payload: FAILED: <msg>" and ends the TD with
 * ReportFatalError carrying <msg> (plain VM: a triple fault).
 */
__attribute__((noreturn, format(printf, 1, 2))) void pfail(const char *fmt, ...);
__attribute__((noreturn)) void pshutdown(void);

/* VA of shared GPA (gpa | shared bit), through the firmware's shared alias. */
void *pshared(uint64_t gpa);

/*
 * MMIO at a VA of the shared alias (TD) or the identity map (plain VM), by
 * MOV only: in a TD the firmware's #VE handler decodes it (EPT violation on
 * a shared GPA) into TDG.VP.VMCALL<#VE.RequestMMIO>.
 */
uint32_t mmio_read32(volatile void *va);
void mmio_write32(volatile void *va, uint32_t v);

/* MapGPA to shared; back to private with a fresh accept.  No-ops in a plain VM. */
void pconvert_shared(uint64_t gpa, uint64_t size);
void pconvert_private(uint64_t gpa, uint64_t size);

/* TDG.MEM.PAGE.ACCEPT of [gpa, gpa + size): 2 MiB pieces where aligned. */
void paccept(uint64_t gpa, uint64_t size);

int pcmdline_has(const struct tdvf_boot_info *bi, const char *word);

#endif /* TDVF_PAYLOAD_PLIB_H */

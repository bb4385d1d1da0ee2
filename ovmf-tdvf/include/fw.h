/*
 * ovmf-tdvf's firmware-wide state and the services its parts share:
 * console, fatal errors, TD/plain-VM mode, the shared bit.
 */
#ifndef TDVF_FW_H
#define TDVF_FW_H

#include <stddef.h>
#include <stdint.h>

struct tdvf_state {
	int is_td;		/* CPUID 0x21 said "IntelTDX    " */
	uint32_t gpaw;		/* TDG.VP.INFO (0 in a plain VM) */
	uint64_t shared_mask;	/* 1 << (gpaw - 1), 0 in a plain VM */
	uint64_t attributes;
	uint32_t num_vcpus;
	int in_exception;	/* console goes straight to TDVMCALL<IO> */
};

extern struct tdvf_state tdvf;

/* ReportFatalError codes (bits 15:0 must be 0: QEMU's "valid" format). */
#define TDVF_FATAL_FIRMWARE	0x00010000ull

void console_init(void);
void console_write(const char *s, size_t n);
void printf_fw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "ovmf-tdvf: FATAL: <msg>" and stops the TD with
 * TDG.VP.VMCALL<ReportFatalError> carrying msg (a plain VM, which has
 * no such call, triple-faults instead).  Never returns.
 */
__attribute__((noreturn, format(printf, 1, 2)))
void tdvf_fatal(const char *fmt, ...);

/* S5 through the q35 PM1a control port.  Never returns. */
__attribute__((noreturn)) void tdvf_shutdown(void);

/* Installs the IDT (exceptions.c). */
void exceptions_init(void);

/* VA through which the CPU reaches GPA gpa | shared bit (paging.c). */
void paging_map_shared_alias(void);
void *shared_va(uint64_t gpa);

/* Converts [gpa, gpa + size) to shared (to_shared) or back to private and re-accepts it. */
void tdvf_convert(uint64_t gpa, uint64_t size, int to_shared);

#endif /* TDVF_FW_H */

/*
 * The guest side of TDX as ovmf-tdvf and its payloads call it: one
 * register frame for TDCALL (tdcall.S), a typed wrapper per TDG leaf and
 * per TDG.VP.VMCALL sub-function (reference tdx-abi.md 2.2-2.5).
 * Freestanding; the payloads share it with the firmware.
 */
#ifndef TDVF_TDX_GUEST_H
#define TDVF_TDX_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_tdcall.h>

/* Every GPR TDCALL may read or write, in tdcall.S's order. */
struct tdx_regs {
	uint64_t rax, rcx, rdx, rbx, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Runs TDCALL with *r loaded into the GPRs and stores them back after. */
void tdx_tdcall(struct tdx_regs *r);

/* GPRs a TDG.VP.VMCALL exposes to the VMM: RDX, RBX, RSI, RDI, R8..R15 (as Linux). */
#define TDVMCALL_EXPOSE_MASK	0xFFCCull

/* TDG.MEM.PAGE.ACCEPT levels (RCX bits 2:0). */
#define TDX_ACCEPT_4K		0
#define TDX_ACCEPT_2M		1

struct tdg_vp_info {
	uint32_t gpaw;
	uint64_t attributes;
	uint32_t num_vcpus;
	uint32_t max_vcpus;
	uint32_t vcpu_index;
	uint64_t sys_rd;	/* R10 */
};

uint64_t tdg_vp_info(struct tdg_vp_info *info);
uint64_t tdg_mr_rtmr_extend(uint64_t digest_gpa, uint32_t index);
uint64_t tdg_mr_report(uint64_t report_gpa, uint64_t reportdata_gpa);
uint64_t tdg_mem_page_accept(uint64_t gpa, unsigned int level);

struct tdg_ve_info {
	uint32_t exit_reason;
	uint64_t exit_qualification;
	uint64_t gla;
	uint64_t gpa;
	uint32_t instruction_length;
	uint32_t instruction_info;
};
uint64_t tdg_vp_veinfo_get(struct tdg_ve_info *ve);

/*
 * TDG.VP.VMCALL sub-functions.  Each returns the TDCALL status (RAX) if
 * it is not 0, else the TDVMCALL status (R10).
 */
uint64_t tdvmcall_io(unsigned int size, int write, uint16_t port, uint64_t *data);
uint64_t tdvmcall_mmio(unsigned int size, int write, uint64_t gpa, uint64_t *data);
uint64_t tdvmcall_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
uint64_t tdvmcall_hlt(int interrupts_blocked);
uint64_t tdvmcall_rdmsr(uint32_t msr, uint64_t *value);
uint64_t tdvmcall_wrmsr(uint32_t msr, uint64_t value);
/* Converts [gpa, gpa + size) (shared bit in gpa selects the direction), with the retry loop. */
uint64_t tdvmcall_map_gpa(uint64_t gpa, uint64_t size);
uint64_t tdvmcall_get_quote(uint64_t shared_gpa, uint64_t size);
/*
 * ReportFatalError: error_code must have bits 15:0 clear (QEMU's "valid"
 * format); the first 64 bytes of msg go in R14, R15, RBX, RDI, RSI, R8,
 * R9, RDX.  Returns only if the VMM resumes the TD.
 */
void tdvmcall_report_fatal_error(uint64_t error_code, const char *msg);

#endif /* TDVF_TDX_GUEST_H */

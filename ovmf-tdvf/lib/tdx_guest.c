/*
 * Typed wrappers over tdx_tdcall(): one per TDG leaf and TDG.VP.VMCALL
 * sub-function the firmware and payloads use (reference tdx-abi.md 2).
 */
#include "tdx_guest.h"

#include <tdx/tdx_status.h>

uint64_t tdg_vp_info(struct tdg_vp_info *info)
{
	struct tdx_regs r = { .rax = TDG_VP_INFO };

	tdx_tdcall(&r);
	if (r.rax)
		return r.rax;
	info->gpaw = (uint32_t)(r.rcx & 0x3F);
	info->attributes = r.rdx;
	info->num_vcpus = (uint32_t)r.r8;
	info->max_vcpus = (uint32_t)(r.r8 >> 32);
	info->vcpu_index = (uint32_t)r.r9;
	info->sys_rd = r.r10;
	return 0;
}

uint64_t tdg_mr_rtmr_extend(uint64_t digest_gpa, uint32_t index)
{
	struct tdx_regs r = { .rax = TDG_MR_RTMR_EXTEND, .rcx = digest_gpa, .rdx = index };

	tdx_tdcall(&r);
	return r.rax;
}

uint64_t tdg_mr_report(uint64_t report_gpa, uint64_t reportdata_gpa)
{
	struct tdx_regs r = {
		.rax = TDG_MR_REPORT, .rcx = report_gpa, .rdx = reportdata_gpa, .r8 = 0,
	};

	tdx_tdcall(&r);
	return r.rax;
}

uint64_t tdg_mem_page_accept(uint64_t gpa, unsigned int level)
{
	struct tdx_regs r = { .rax = TDG_MEM_PAGE_ACCEPT, .rcx = gpa | level };

	tdx_tdcall(&r);
	return r.rax;
}

uint64_t tdg_vp_veinfo_get(struct tdg_ve_info *ve)
{
	struct tdx_regs r = { .rax = TDG_VP_VEINFO_GET };

	tdx_tdcall(&r);
	if (r.rax)
		return r.rax;
	ve->exit_reason = (uint32_t)r.rcx;
	ve->exit_qualification = r.rdx;
	ve->gla = r.r8;
	ve->gpa = r.r9;
	ve->instruction_length = (uint32_t)r.r10;
	ve->instruction_info = (uint32_t)(r.r10 >> 32);
	return 0;
}

/* A GHCI-standard TDVMCALL (R10 = 0): RAX status first, then R10. */
static uint64_t tdvmcall(struct tdx_regs *r)
{
	r->rax = TDG_VP_VMCALL;
	r->rcx = TDVMCALL_EXPOSE_MASK;
	r->r10 = 0;
	tdx_tdcall(r);
	return r->rax ? r->rax : r->r10;
}

uint64_t tdvmcall_io(unsigned int size, int write, uint16_t port, uint64_t *data)
{
	struct tdx_regs r = {
		.r11 = TDVMCALL_IO, .r12 = size, .r13 = write ? 1 : 0, .r14 = port,
		.r15 = write ? *data : 0,
	};
	uint64_t st = tdvmcall(&r);

	if (!st && !write)
		*data = r.r11;
	return st;
}

uint64_t tdvmcall_mmio(unsigned int size, int write, uint64_t gpa, uint64_t *data)
{
	struct tdx_regs r = {
		.r11 = TDVMCALL_MMIO, .r12 = size, .r13 = write ? 1 : 0, .r14 = gpa,
		.r15 = write ? *data : 0,
	};
	uint64_t st = tdvmcall(&r);

	if (!st && !write)
		*data = r.r11;
	return st;
}

uint64_t tdvmcall_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct tdx_regs r = { .r11 = TDVMCALL_CPUID, .r12 = leaf, .r13 = subleaf };
	uint64_t st = tdvmcall(&r);

	if (!st) {
		out[0] = (uint32_t)r.r12;
		out[1] = (uint32_t)r.r13;
		out[2] = (uint32_t)r.r14;
		out[3] = (uint32_t)r.r15;
	}
	return st;
}

uint64_t tdvmcall_hlt(int interrupts_blocked)
{
	struct tdx_regs r = { .r11 = TDVMCALL_HLT, .r12 = interrupts_blocked ? 1 : 0 };

	return tdvmcall(&r);
}

uint64_t tdvmcall_rdmsr(uint32_t msr, uint64_t *value)
{
	struct tdx_regs r = { .r11 = TDVMCALL_RDMSR, .r12 = msr };
	uint64_t st = tdvmcall(&r);

	if (!st)
		*value = r.r11;
	return st;
}

uint64_t tdvmcall_wrmsr(uint32_t msr, uint64_t value)
{
	struct tdx_regs r = { .r11 = TDVMCALL_WRMSR, .r12 = msr, .r13 = value };

	return tdvmcall(&r);
}

uint64_t tdvmcall_map_gpa(uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;
	unsigned int retries = 0;

	while (gpa < end) {
		struct tdx_regs r = { .r11 = TDVMCALL_MAP_GPA, .r12 = gpa, .r13 = end - gpa };
		uint64_t st = tdvmcall(&r);

		if (st == TDVMCALL_STATUS_SUCCESS)
			return 0;
		if (st != TDVMCALL_STATUS_RETRY)
			return st;
		/* R11 = where the VMM stopped; it must be progress inside the range. */
		if (r.r11 < gpa || r.r11 >= end || (r.r11 & 0xFFF))
			return TDVMCALL_STATUS_INVALID_OPERAND;
		if (r.r11 == gpa && ++retries > 1000)
			return TDVMCALL_STATUS_RETRY;
		gpa = r.r11;
	}
	return 0;
}

uint64_t tdvmcall_get_quote(uint64_t shared_gpa, uint64_t size)
{
	struct tdx_regs r = { .r11 = TDVMCALL_GET_QUOTE, .r12 = shared_gpa, .r13 = size };

	return tdvmcall(&r);
}

static uint64_t msg_word(const char *msg, size_t *pos, int *ended)
{
	uint64_t w = 0;

	for (unsigned int i = 0; i < 8; i++) {
		uint8_t c = 0;

		if (!*ended) {
			c = (uint8_t)msg[*pos];
			if (c)
				(*pos)++;
			else
				*ended = 1;
		}
		w |= (uint64_t)c << (8 * i);
	}
	return w;
}

void tdvmcall_report_fatal_error(uint64_t error_code, const char *msg)
{
	struct tdx_regs r = { .r11 = TDVMCALL_REPORT_FATAL_ERROR, .r12 = error_code };
	size_t pos = 0;
	int ended = 0;

	r.r14 = msg_word(msg, &pos, &ended);
	r.r15 = msg_word(msg, &pos, &ended);
	r.rbx = msg_word(msg, &pos, &ended);
	r.rdi = msg_word(msg, &pos, &ended);
	r.rsi = msg_word(msg, &pos, &ended);
	r.r8 = msg_word(msg, &pos, &ended);
	r.r9 = msg_word(msg, &pos, &ended);
	r.rdx = msg_word(msg, &pos, &ended);
	(void)tdvmcall(&r);
}

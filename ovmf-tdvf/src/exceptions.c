/*
 * The IDT and what the firmware does with exceptions:
 *
 *  - #VE (20): TDG.VP.VEINFO.GET, then emulate the instruction through a
 *    TDG.VP.VMCALL (port I/O, CPUID, HLT, RDMSR/WRMSR, and MMIO as an
 *    EPT violation on a shared GPA, decoding the MOV that made it) and
 *    step over it;
 *  - #UD (6): a TDCALL goes to the doorbell in idt.S; anything else
 *    lands here;
 *  - everything else: print the state and stop (tdvf_fatal).
 *
 * The payload inherits this IDT (docs/firmware.md, payload ABI).
 */
#include <string.h>

#include "fw.h"
#include "mmio_decode.h"
#include "tdvf_layout.h"
#include "tdx_guest.h"

/* The stack exception_common (idt.S) builds. */
struct tdvf_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void tdvf_exception(struct tdvf_frame *f);

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

#define X86_RFLAGS_IF	0x200

extern const uint8_t tdvf_idt_desc[];
extern const char tdvf_vector_0[], tdvf_vector_1[], tdvf_vector_2[], tdvf_vector_3[],
	tdvf_vector_4[], tdvf_vector_5[], tdvf_vector_6[], tdvf_vector_7[],
	tdvf_vector_8[], tdvf_vector_9[], tdvf_vector_10[], tdvf_vector_11[],
	tdvf_vector_12[], tdvf_vector_13[], tdvf_vector_14[], tdvf_vector_15[],
	tdvf_vector_16[], tdvf_vector_17[], tdvf_vector_18[], tdvf_vector_19[],
	tdvf_vector_20[], tdvf_vector_21[], tdvf_vector_22[], tdvf_vector_23[],
	tdvf_vector_24[], tdvf_vector_25[], tdvf_vector_26[], tdvf_vector_27[],
	tdvf_vector_28[], tdvf_vector_29[], tdvf_vector_30[], tdvf_vector_31[];

static const char *const vectors[32] = {
	tdvf_vector_0, tdvf_vector_1, tdvf_vector_2, tdvf_vector_3,
	tdvf_vector_4, tdvf_vector_5, tdvf_vector_6, tdvf_vector_7,
	tdvf_vector_8, tdvf_vector_9, tdvf_vector_10, tdvf_vector_11,
	tdvf_vector_12, tdvf_vector_13, tdvf_vector_14, tdvf_vector_15,
	tdvf_vector_16, tdvf_vector_17, tdvf_vector_18, tdvf_vector_19,
	tdvf_vector_20, tdvf_vector_21, tdvf_vector_22, tdvf_vector_23,
	tdvf_vector_24, tdvf_vector_25, tdvf_vector_26, tdvf_vector_27,
	tdvf_vector_28, tdvf_vector_29, tdvf_vector_30, tdvf_vector_31,
};

void exceptions_init(void)
{
	struct idt_gate *idt = (struct idt_gate *)TDVF_IDT;

	memset(idt, 0, 256 * sizeof(*idt));
	for (unsigned int v = 0; v < 32; v++) {
		uint64_t a = (uint64_t)(uintptr_t)vectors[v];

		idt[v].offset_lo = (uint16_t)a;
		idt[v].selector = TDVF_SEL_CODE64;
		idt[v].type_attr = 0x8E;	/* present, DPL 0, 64-bit interrupt gate */
		idt[v].offset_mid = (uint16_t)(a >> 16);
		idt[v].offset_hi = (uint32_t)(a >> 32);
	}
	__asm__ volatile("lidt (%0)" : : "r"(tdvf_idt_desc) : "memory");
	*(volatile uint32_t *)(TDVF_WORK_AREA + TDVF_WA_IDT_READY) = 1;
}

/* GPR n (0 = RAX ... 15 = R15, the x86 encoding order) in the frame. */
static uint64_t *frame_gpr(struct tdvf_frame *f, unsigned int n)
{
	switch (n) {
	case 0: return &f->rax;
	case 1: return &f->rcx;
	case 2: return &f->rdx;
	case 3: return &f->rbx;
	case 4: return &f->rsp;
	case 5: return &f->rbp;
	case 6: return &f->rsi;
	case 7: return &f->rdi;
	case 8: return &f->r8;
	case 9: return &f->r9;
	case 10: return &f->r10;
	case 11: return &f->r11;
	case 12: return &f->r12;
	case 13: return &f->r13;
	case 14: return &f->r14;
	default: return &f->r15;
	}
}

/* Writes a result of size bytes to a register as a MOV/IN would. */
static void set_reg(uint64_t *reg, unsigned int size, uint64_t v, int high_byte)
{
	switch (size) {
	case 1:
		if (high_byte)
			*reg = (*reg & ~0xFF00ull) | ((v & 0xFF) << 8);
		else
			*reg = (*reg & ~0xFFull) | (v & 0xFF);
		break;
	case 2:
		*reg = (*reg & ~0xFFFFull) | (v & 0xFFFF);
		break;
	case 4:
		*reg = v & 0xFFFFFFFF;	/* a 32-bit write zero-extends */
		break;
	default:
		*reg = v;
		break;
	}
}

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void ve_io(struct tdvf_frame *f, const struct tdg_ve_info *ve)
{
	uint64_t q = ve->exit_qualification;
	unsigned int size = (unsigned int)(q & 7) + 1;
	int in = (q >> 3) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	uint64_t data = f->rax & size_mask(size);
	uint64_t st;

	if ((q >> 4) & 1)
		tdvf_fatal("#VE: string I/O (INS/OUTS) to port 0x%x is not emulated", port);
	if (size != 1 && size != 2 && size != 4)
		tdvf_fatal("#VE: I/O of %u bytes to port 0x%x", size, port);
	st = tdvmcall_io(size, !in, port, &data);
	if (st)
		tdvf_fatal("TDVMCALL<IO> port 0x%x failed: 0x%lx", port, st);
	if (in)
		set_reg(&f->rax, size, data, 0);
}

/* An EPT violation on a shared GPA: the MOV at RIP, decoded, as TDVMCALL<MMIO>.  Returns its length. */
static unsigned int ve_mmio(struct tdvf_frame *f, const struct tdg_ve_info *ve)
{
	struct mmio_insn in;
	const char *why = "";
	uint64_t data = 0, st;

	if (mmio_decode((const uint8_t *)(uintptr_t)f->rip, 15, &in, &why))
		tdvf_fatal("#VE: MMIO to GPA 0x%lx at RIP 0x%lx: %s", ve->gpa, f->rip, why);
	if (in.write) {
		if (in.has_imm)
			data = in.imm;
		else if (in.high_byte)
			data = *frame_gpr(f, in.reg) >> 8;
		else
			data = *frame_gpr(f, in.reg);
		data &= size_mask(in.size);
	}
	st = tdvmcall_mmio(in.size, in.write, ve->gpa, &data);
	if (st)
		tdvf_fatal("TDVMCALL<MMIO> GPA 0x%lx failed: 0x%lx", ve->gpa, st);
	if (!in.write) {
		if (in.zero_extend)
			*frame_gpr(f, in.reg) = data & size_mask(in.size);
		else
			set_reg(frame_gpr(f, in.reg), in.size, data, in.high_byte);
	}
	return in.len;
}

static void handle_ve(struct tdvf_frame *f)
{
	struct tdg_ve_info ve;
	uint64_t st = tdg_vp_veinfo_get(&ve);
	unsigned int len = 0;

	if (st)
		tdvf_fatal("#VE without VE info: TDG.VP.VEINFO.GET 0x%lx", st);
	switch (ve.exit_reason) {
	case EXIT_REASON_IO_INSTRUCTION:
		ve_io(f, &ve);
		len = ve.instruction_length;
		break;
	case EXIT_REASON_CPUID: {
		uint32_t r[4];

		st = tdvmcall_cpuid((uint32_t)f->rax, (uint32_t)f->rcx, r);
		if (st)
			tdvf_fatal("TDVMCALL<CPUID> leaf 0x%x failed: 0x%lx", (uint32_t)f->rax, st);
		f->rax = r[0];
		f->rbx = r[1];
		f->rcx = r[2];
		f->rdx = r[3];
		len = ve.instruction_length;
		break;
	}
	case EXIT_REASON_HLT:
		st = tdvmcall_hlt(!(f->rflags & X86_RFLAGS_IF));
		if (st)
			tdvf_fatal("TDVMCALL<HLT> failed: 0x%lx", st);
		len = ve.instruction_length;
		break;
	case EXIT_REASON_MSR_READ: {
		uint64_t v;

		st = tdvmcall_rdmsr((uint32_t)f->rcx, &v);
		if (st)
			tdvf_fatal("TDVMCALL<RDMSR> 0x%x failed: 0x%lx", (uint32_t)f->rcx, st);
		f->rax = (uint32_t)v;
		f->rdx = v >> 32;
		len = ve.instruction_length;
		break;
	}
	case EXIT_REASON_MSR_WRITE:
		st = tdvmcall_wrmsr((uint32_t)f->rcx,
				    (f->rdx << 32) | (uint32_t)f->rax);
		if (st)
			tdvf_fatal("TDVMCALL<WRMSR> 0x%x failed: 0x%lx", (uint32_t)f->rcx, st);
		len = ve.instruction_length;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		if (!tdvf.shared_mask || !(ve.gpa & tdvf.shared_mask))
			tdvf_fatal("#VE: EPT violation on private GPA 0x%lx at RIP 0x%lx",
				   ve.gpa, f->rip);
		len = ve_mmio(f, &ve);
		break;
	default:
		tdvf_fatal("#VE for exit reason %u (qualification 0x%lx) at RIP 0x%lx",
			   ve.exit_reason, ve.exit_qualification, f->rip);
	}
	if (!len || len > 15)
		tdvf_fatal("#VE: instruction length %u at RIP 0x%lx", len, f->rip);
	f->rip += len;
}

void tdvf_exception(struct tdvf_frame *f)
{
	uint64_t cr2;

	if (f->vector == X86_VECTOR_VE && tdvf.is_td) {
		handle_ve(f);
		return;
	}
	tdvf.in_exception = 1;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf_fw("ovmf-tdvf: exception %lu error 0x%lx RIP 0x%lx RSP 0x%lx CR2 0x%lx\n",
		  f->vector, f->error_code, f->rip, f->rsp, cr2);
	printf_fw("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n",
		  f->rax, f->rbx, f->rcx, f->rdx);
	tdvf_fatal("CPU exception %lu at RIP 0x%lx", f->vector, f->rip);
}

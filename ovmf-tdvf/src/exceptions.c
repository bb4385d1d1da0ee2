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

/*
 * The MOVs that may touch MMIO: 88/89 (store), 8A/8B (load), C6/C7 /0
 * (store immediate), 0F B6/B7 (MOVZX load), with 66 and REX prefixes.
 * Returns the instruction length.
 */
static unsigned int ve_mmio(struct tdvf_frame *f, const struct tdg_ve_info *ve)
{
	const uint8_t *ip = (const uint8_t *)(uintptr_t)f->rip;
	const uint8_t *p = ip;
	unsigned int opsize = 4, size, rex = 0, len;
	int write, zext = 0, imm_bytes = 0;
	uint8_t op, modrm, mod, rm;
	unsigned int reg;
	uint64_t data = 0, st;

	if (*p == 0x66) {
		opsize = 2;
		p++;
	}
	if ((*p & 0xF0) == 0x40)
		rex = *p++;
	if (rex & 0x8)
		opsize = 8;
	op = *p++;
	switch (op) {
	case 0x88: write = 1; size = 1; break;
	case 0x89: write = 1; size = opsize; break;
	case 0x8A: write = 0; size = 1; break;
	case 0x8B: write = 0; size = opsize; break;
	case 0xC6: write = 1; size = 1; imm_bytes = 1; break;
	case 0xC7: write = 1; size = opsize; imm_bytes = opsize == 2 ? 2 : 4; break;
	case 0x0F:
		op = *p++;
		if (op != 0xB6 && op != 0xB7)
			tdvf_fatal("#VE: MMIO by an instruction not emulated (0F %02x) at 0x%lx",
				   op, f->rip);
		write = 0;
		zext = 1;
		size = op == 0xB6 ? 1 : 2;
		break;
	default:
		tdvf_fatal("#VE: MMIO by an instruction not emulated (%02x) at 0x%lx", op, f->rip);
	}
	modrm = *p++;
	mod = modrm >> 6;
	reg = ((modrm >> 3) & 7) | ((rex & 0x4) ? 8 : 0);
	rm = modrm & 7;
	if (mod == 3)
		tdvf_fatal("#VE: MMIO decode found a register operand at 0x%lx", f->rip);
	if ((op == 0xC6 || op == 0xC7) && (modrm & 0x38))
		tdvf_fatal("#VE: MMIO decode: C6/C7 with a reg field at 0x%lx", f->rip);
	if (rm == 4) {
		uint8_t sib = *p++;

		if (mod == 0 && (sib & 7) == 5)
			p += 4;
	}
	if (mod == 0 && rm == 5)
		p += 4;
	else if (mod == 1)
		p += 1;
	else if (mod == 2)
		p += 4;

	if (write) {
		if (imm_bytes == 1)
			data = *p;
		else if (imm_bytes == 2)
			data = (uint16_t)(p[0] | p[1] << 8);
		else if (imm_bytes == 4)
			data = (uint64_t)(int64_t)(int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
							   (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		else if (size == 1 && !rex && reg >= 4)
			data = *frame_gpr(f, reg - 4) >> 8;
		else
			data = *frame_gpr(f, reg);
		data &= size_mask(size);
	}
	p += imm_bytes;
	len = (unsigned int)(p - ip);

	st = tdvmcall_mmio(size, write, ve->gpa, &data);
	if (st)
		tdvf_fatal("TDVMCALL<MMIO> GPA 0x%lx failed: 0x%lx", ve->gpa, st);
	if (!write) {
		if (zext)
			*frame_gpr(f, reg) = data & size_mask(size);
		else if (size == 1 && !rex && reg >= 4)
			set_reg(frame_gpr(f, reg - 4), 1, data, 1);
		else
			set_reg(frame_gpr(f, reg), size, data, 0);
	}
	return len;
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

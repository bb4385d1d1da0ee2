/*
 * Where did the instruction that just finished start?
 *
 * KVM completes an MMIO *write* before it exits (the data is posted), so
 * at the exit RIP is already past the instruction; a TD's #VE must point
 * at it.  The instruction is one of the few that end at RIP and whose
 * memory operand is the GPA KVM reported, so: disassemble the bytes
 * before RIP at each possible length (1..15) with capstone, and take the
 * shortest candidate that is exactly that long, whose memory operand has
 * the width KVM reported and, computed from the registers (unchanged by a
 * store), translates to that GPA.  Shortest: a byte before the store that
 * happens to be a prefix leaving the meaning alone (REX 0x40, a segment
 * override) is more likely the end of the previous instruction.  The
 * width check is what tells a REX.W store from the 4-byte one inside it.
 */
#include <capstone/capstone.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "td_vcpu_internal.h"

#define X86_MAX_INSN	15

static bool gpr(const struct kvm_regs *k, x86_reg r, uint64_t *out)
{
	static const struct { x86_reg r64, r32; size_t off; } map[] = {
#define R(a, b, f) { X86_REG_##a, X86_REG_##b, offsetof(struct kvm_regs, f) }
		R(RAX, EAX, rax), R(RCX, ECX, rcx), R(RDX, EDX, rdx), R(RBX, EBX, rbx),
		R(RSP, ESP, rsp), R(RBP, EBP, rbp), R(RSI, ESI, rsi), R(RDI, EDI, rdi),
		R(R8, R8D, r8), R(R9, R9D, r9), R(R10, R10D, r10), R(R11, R11D, r11),
		R(R12, R12D, r12), R(R13, R13D, r13), R(R14, R14D, r14), R(R15, R15D, r15),
#undef R
	};

	if (r == X86_REG_INVALID) {
		*out = 0;
		return true;
	}
	for (unsigned int i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)k + map[i].off, sizeof(v));
		if (r == map[i].r64) {
			*out = v;
			return true;
		}
		if (r == map[i].r32) {
			*out = (uint32_t)v;
			return true;
		}
	}
	return false;
}

/* The linear address of @insn's memory operand, ending at @next. */
static bool operand_address(const cs_insn *insn, uint64_t next, unsigned int width,
			    const struct kvm_regs *k, const struct kvm_sregs *s, uint64_t *la)
{
	const cs_x86 *x = &insn->detail->x86;

	for (unsigned int i = 0; i < x->op_count; i++) {
		const x86_op_mem *m = &x->operands[i].mem;
		uint64_t base, index;

		if (x->operands[i].type != X86_OP_MEM)
			continue;
		if (x->operands[i].size != width)
			return false;
		if (m->base == X86_REG_RIP || m->base == X86_REG_EIP)
			base = next;
		else if (!gpr(k, m->base, &base))
			return false;
		if (!gpr(k, m->index, &index))
			return false;
		*la = base + index * (uint64_t)m->scale + (uint64_t)m->disp;
		if (m->segment == X86_REG_FS)
			*la += s->fs.base;
		else if (m->segment == X86_REG_GS)
			*la += s->gs.base;
		return true;
	}
	return false;
}

uint32_t td_vcpu_store_insn_len(struct td_vcpu *v, uint64_t rip, uint64_t gpa,
				unsigned int width)
{
	uint8_t bytes[X86_MAX_INSN];
	struct kvm_sregs s;
	struct kvm_regs k;
	uint32_t found = 0;
	csh cs;

	if (rip < X86_MAX_INSN || td_vcpu_read_gva(v, rip - X86_MAX_INSN, bytes, sizeof(bytes)) ||
	    ioctl(v->fd, KVM_GET_REGS, &k) || ioctl(v->fd, KVM_GET_SREGS, &s))
		return 0;
	if (cs_open(CS_ARCH_X86, (s.cs.l ? CS_MODE_64 : CS_MODE_32), &cs) != CS_ERR_OK)
		return 0;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	for (uint32_t len = 1; len <= X86_MAX_INSN && !found; len++) {
		cs_insn *insn;
		struct kvm_translation tr;
		uint64_t la;

		if (cs_disasm(cs, bytes + X86_MAX_INSN - len, len, rip - len, 1, &insn) != 1)
			continue;
		tr = (struct kvm_translation){ 0 };
		if (insn->size == len && operand_address(insn, rip, width, &k, &s, &la)) {
			tr.linear_address = la;
			if (!ioctl(v->fd, KVM_TRANSLATE, &tr) && tr.valid &&
			    tr.physical_address == gpa)
				found = len;
		}
		cs_free(insn, 1);
	}
	cs_close(&cs);
	return found;
}

/*
 * Decoding the MOV that caused an MMIO #VE (an EPT violation on a shared
 * GPA carries no instruction length): 88/89 (store), 8A/8B (load), C6/C7
 * /0 (store immediate), 0F B6/B7 (MOVZX load), with a 66 and/or REX
 * prefix, any ModRM/SIB/displacement form with a memory operand.  Pure
 * code, unit-tested on the host.
 */
#ifndef TDVF_MMIO_DECODE_H
#define TDVF_MMIO_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct mmio_insn {
	unsigned int len;	/* instruction bytes */
	unsigned int size;	/* access size: 1, 2, 4 or 8 */
	int write;
	int zero_extend;	/* MOVZX: the whole register gets the zero-extended value */
	int has_imm;		/* the store's data is imm, not a register */
	uint64_t imm;		/* sign-extended to size (C7 with REX.W) */
	unsigned int reg;	/* GPR number 0..15 (x86 encoding order) */
	int high_byte;		/* reg is AH/CH/DH/BH (reg - 4 of RAX..RBX, bits 15:8) */
};

/* Decodes at ip (avail bytes readable).  0, or -1 with *why set. */
int mmio_decode(const uint8_t *ip, size_t avail, struct mmio_insn *out, const char **why);

#endif /* TDVF_MMIO_DECODE_H */

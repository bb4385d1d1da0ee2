/* The MMIO MOV decoder (mmio_decode.h). */
#include "mmio_decode.h"

#include <string.h>

#define MAX_INSN	15

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

int mmio_decode(const uint8_t *ip, size_t avail, struct mmio_insn *out, const char **why)
{
	size_t n = avail < MAX_INSN ? avail : MAX_INSN;
	size_t p = 0;
	unsigned int opsize = 4, rex = 0, imm_bytes = 0;
	uint8_t op, modrm, mod, rm;

	memset(out, 0, sizeof(*out));
#define NEXT(var)							\
	do {								\
		if (p >= n)						\
			return fail(why, "instruction runs past 15 bytes"); \
		(var) = ip[p++];					\
	} while (0)

	NEXT(op);
	if (op == 0x66) {
		opsize = 2;
		NEXT(op);
	}
	if ((op & 0xF0) == 0x40) {
		rex = op;
		NEXT(op);
	}
	if (rex & 0x8)
		opsize = 8;
	switch (op) {
	case 0x88: out->write = 1; out->size = 1; break;
	case 0x89: out->write = 1; out->size = opsize; break;
	case 0x8A: out->size = 1; break;
	case 0x8B: out->size = opsize; break;
	case 0xC6: out->write = 1; out->size = 1; imm_bytes = 1; break;
	case 0xC7: out->write = 1; out->size = opsize; imm_bytes = opsize == 2 ? 2 : 4; break;
	case 0x0F:
		NEXT(op);
		if (op != 0xB6 && op != 0xB7)
			return fail(why, "0F opcode other than MOVZX");
		out->zero_extend = 1;
		out->size = op == 0xB6 ? 1 : 2;
		break;
	default:
		return fail(why, "opcode is not a MOV");
	}
	NEXT(modrm);
	mod = modrm >> 6;
	rm = modrm & 7;
	out->reg = ((modrm >> 3) & 7) | ((rex & 0x4) ? 8 : 0);
	if (mod == 3)
		return fail(why, "register operand, no memory access");
	if (imm_bytes && (modrm & 0x38))
		return fail(why, "C6/C7 with a non-zero reg field");
	if (rm == 4) {
		uint8_t sib;

		NEXT(sib);
		if (mod == 0 && (sib & 7) == 5)
			p += 4;			/* no base: disp32 */
	}
	if (mod == 0 && rm == 5)
		p += 4;				/* RIP-relative disp32 */
	else if (mod == 1)
		p += 1;
	else if (mod == 2)
		p += 4;
	if (p + imm_bytes > n)
		return fail(why, "instruction runs past 15 bytes");
	if (imm_bytes) {
		uint64_t v = 0;

		for (unsigned int i = 0; i < imm_bytes; i++)
			v |= (uint64_t)ip[p + i] << (8 * i);
		if (imm_bytes == 4 && out->size == 8)
			v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
		out->imm = v;
		out->has_imm = 1;
		p += imm_bytes;
	}
	/* Byte registers 4..7 without REX are AH, CH, DH, BH. */
	if (out->size == 1 && !out->zero_extend && !rex && out->reg >= 4 && !out->has_imm) {
		out->high_byte = 1;
		out->reg -= 4;
	}
	out->len = (unsigned int)p;
	return 0;
#undef NEXT
}

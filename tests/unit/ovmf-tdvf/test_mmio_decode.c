/*
 * ovmf-tdvf/src/mmio_decode.c on the host.  The instruction bytes are
 * produced here by the host assembler (GNU as, through asm statements
 * that are never executed), so the expected lengths come from the
 * assembler, not from the decoder's own tables.  Non-MOV and register
 * forms, and truncated instructions, are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmio_decode.h"

/* Each entry: label_N: <insn>; label_N_end: in .rodata-like text. */
#define INSN(name, text)						\
	__asm__(".pushsection .rodata\n"				\
		".globl " #name "\n" #name ":\n\t" text "\n"		\
		".globl " #name "_end\n" #name "_end:\n"		\
		".popsection\n");					\
	extern const uint8_t name[], name##_end[];

INSN(i_load32, "movl (%rdi), %eax")
INSN(i_store32, "movl %esi, (%rdi)")
INSN(i_load64_r9, "movq 0x10(%rbx), %r9")
INSN(i_store64_disp32, "movq %r12, 0x12345678(%rcx,%rdx,8)")
INSN(i_store16, "movw %dx, -4(%rbp)")
INSN(i_load8_ah, "movb (%rsi), %ah")
INSN(i_store8_bh, "movb %bh, (%rsi)")
INSN(i_store8_sil, "movb %sil, (%rdi)")
INSN(i_store_imm32, "movl $0xdeadbeef, 8(%rax)")
INSN(i_store_imm64, "movq $-2, (%rsp)")
INSN(i_store_imm16, "movw $0x1234, (%rax)")
INSN(i_store_imm8, "movb $0x7f, 0x40(%r13)")
INSN(i_movzx8, "movzbl 3(%rax), %ecx")
INSN(i_movzx16, "movzwq (%r8), %r10")
INSN(i_rip, "movl 0x100(%rip), %r11d")
INSN(i_sib_nobase, "movl 0x1000(,%rax,4), %edx")
INSN(i_reg_reg, "movl %eax, %ebx")
INSN(i_add, "addl %eax, (%rdi)")

static struct mmio_insn dec(const uint8_t *b, const uint8_t *e)
{
	struct mmio_insn in;
	const char *why = NULL;

	if (mmio_decode(b, 15, &in, &why))
		fail_msg("refused: %s", why);
	assert_int_equal(in.len, (unsigned int)(e - b));
	return in;
}

static void test_loads_stores(void **state)
{
	struct mmio_insn in;

	(void)state;
	in = dec(i_load32, i_load32_end);
	assert_false(in.write);
	assert_int_equal(in.size, 4);
	assert_int_equal(in.reg, 0);

	in = dec(i_store32, i_store32_end);
	assert_true(in.write);
	assert_int_equal(in.reg, 6);
	assert_false(in.has_imm);

	in = dec(i_load64_r9, i_load64_r9_end);
	assert_int_equal(in.size, 8);
	assert_int_equal(in.reg, 9);

	in = dec(i_store64_disp32, i_store64_disp32_end);
	assert_int_equal(in.size, 8);
	assert_int_equal(in.reg, 12);

	in = dec(i_store16, i_store16_end);
	assert_int_equal(in.size, 2);
	assert_int_equal(in.reg, 2);

	in = dec(i_rip, i_rip_end);
	assert_int_equal(in.reg, 11);
	in = dec(i_sib_nobase, i_sib_nobase_end);
	assert_int_equal(in.reg, 2);
}

static void test_bytes(void **state)
{
	struct mmio_insn in;

	(void)state;
	in = dec(i_load8_ah, i_load8_ah_end);
	assert_int_equal(in.size, 1);
	assert_true(in.high_byte);
	assert_int_equal(in.reg, 0);		/* AH: bits 15:8 of RAX */
	in = dec(i_store8_bh, i_store8_bh_end);
	assert_true(in.high_byte);
	assert_int_equal(in.reg, 3);		/* BH: RBX */
	in = dec(i_store8_sil, i_store8_sil_end);
	assert_false(in.high_byte);		/* with REX, 6 is SIL */
	assert_int_equal(in.reg, 6);
}

static void test_immediates_and_movzx(void **state)
{
	struct mmio_insn in;

	(void)state;
	in = dec(i_store_imm32, i_store_imm32_end);
	assert_true(in.has_imm);
	assert_int_equal(in.size, 4);
	assert_int_equal(in.imm, 0xdeadbeef);
	in = dec(i_store_imm64, i_store_imm64_end);
	assert_int_equal(in.size, 8);
	assert_int_equal(in.imm, (uint64_t)-2);
	in = dec(i_store_imm16, i_store_imm16_end);
	assert_int_equal(in.size, 2);
	assert_int_equal(in.imm, 0x1234);
	in = dec(i_store_imm8, i_store_imm8_end);
	assert_int_equal(in.size, 1);
	assert_int_equal(in.imm, 0x7f);
	in = dec(i_movzx8, i_movzx8_end);
	assert_true(in.zero_extend);
	assert_int_equal(in.size, 1);
	assert_int_equal(in.reg, 1);
	in = dec(i_movzx16, i_movzx16_end);
	assert_int_equal(in.size, 2);
	assert_int_equal(in.reg, 10);
}

static void test_refusals(void **state)
{
	struct mmio_insn in;
	const char *why = NULL;
	static const uint8_t c7_reg1[] = { 0xC7, 0x08, 1, 2, 3, 4 };	/* C7 /1 */
	static const uint8_t two_byte[] = { 0x0F, 0xB8, 0x00 };

	(void)state;
	assert_int_equal(mmio_decode(i_reg_reg, 15, &in, &why), -1);
	assert_string_equal(why, "register operand, no memory access");
	assert_int_equal(mmio_decode(i_add, 15, &in, &why), -1);
	assert_string_equal(why, "opcode is not a MOV");
	assert_int_equal(mmio_decode(c7_reg1, sizeof(c7_reg1), &in, &why), -1);
	assert_string_equal(why, "C6/C7 with a non-zero reg field");
	assert_int_equal(mmio_decode(two_byte, sizeof(two_byte), &in, &why), -1);
	assert_string_equal(why, "0F opcode other than MOVZX");
	/* Cut short: the immediate (or the ModRM) is not there. */
	assert_int_equal(mmio_decode(i_store_imm32, (size_t)(i_store_imm32_end - i_store_imm32) - 1,
				     &in, &why), -1);
	assert_string_equal(why, "instruction runs past 15 bytes");
	assert_int_equal(mmio_decode(i_load32, 1, &in, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_stores),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_immediates_and_movzx),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

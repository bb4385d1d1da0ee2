/*
 * Exception entry for vectors 0..31 (the IDT itself is filled in by
 * exceptions.c).  Every entry pushes an error code (0 where the CPU does
 * not) and the vector, then the common path saves the GPRs as a
 * struct tdvf_frame and calls tdvf_exception(frame), which may edit the
 * frame (the #VE emulation writes RAX and advances RIP).
 *
 * #UD first checks for a TDCALL (66 0F 01 CC) at RIP: a KVM that reflects
 * the TDCALL's #UD into the guest gets it back through the doorbell,
 * OUT %al to port 0xDB with the TDCALL's registers untouched; the host
 * runs the TDCALL and leaves its outputs in the registers.  The handler
 * then skips the 4 bytes.  (docs/architecture.md, tests/guest/doorbell.S)
 */
	.section .note.GNU-stack, "", @progbits

#define DOORBELL_PORT	0xDB

	.section .rodata
	.balign	16
	.globl	tdvf_idt_desc
tdvf_idt_desc:
	.word	256 * 16 - 1
	.quad	0x80B000	/* TDVF_IDT */

	.text
	.code64

.macro VECTOR_ENTRY vector, has_error
	.balign	16
	.globl	tdvf_vector_\vector
tdvf_vector_\vector:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vector
	jmp	exception_common
.endm

	VECTOR_ENTRY 0, 0
	VECTOR_ENTRY 1, 0
	VECTOR_ENTRY 2, 0
	VECTOR_ENTRY 3, 0
	VECTOR_ENTRY 4, 0
	VECTOR_ENTRY 5, 0
	/* 6 is ud_entry below */
	VECTOR_ENTRY 7, 0
	VECTOR_ENTRY 8, 1
	VECTOR_ENTRY 9, 0
	VECTOR_ENTRY 10, 1
	VECTOR_ENTRY 11, 1
	VECTOR_ENTRY 12, 1
	VECTOR_ENTRY 13, 1
	VECTOR_ENTRY 14, 1
	VECTOR_ENTRY 15, 0
	VECTOR_ENTRY 16, 0
	VECTOR_ENTRY 17, 1
	VECTOR_ENTRY 18, 0
	VECTOR_ENTRY 19, 0
	VECTOR_ENTRY 20, 0
	VECTOR_ENTRY 21, 1
	VECTOR_ENTRY 22, 0
	VECTOR_ENTRY 23, 0
	VECTOR_ENTRY 24, 0
	VECTOR_ENTRY 25, 0
	VECTOR_ENTRY 26, 0
	VECTOR_ENTRY 27, 0
	VECTOR_ENTRY 28, 0
	VECTOR_ENTRY 29, 1
	VECTOR_ENTRY 30, 1
	VECTOR_ENTRY 31, 0

	.balign	16
	.globl	tdvf_vector_6
tdvf_vector_6:
	pushq	%rax
	movq	8(%rsp), %rax		/* RIP */
	cmpl	$0xCC010F66, (%rax)
	popq	%rax
	jne	1f
	outb	%al, $DOORBELL_PORT
	addq	$4, (%rsp)
	iretq
1:	pushq	$0
	pushq	$6
	jmp	exception_common

exception_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	movabsq	$tdvf_exception, %rax
	call	*%rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

/*
 * tdx_tdcall(struct tdx_regs *r): TDCALL (66 0F 01 CC) with RAX, RCX,
 * RDX, RBX, RSI, RDI, R8..R15 loaded from *r, and all of them stored
 * back afterwards.  RBP is not passed (a TDVMCALL mask never names it).
 * Callee-saved registers are restored for the C caller.
 */
	.section .note.GNU-stack, "", @progbits
	.text
	.code64
	.globl	tdx_tdcall
	.type	tdx_tdcall, @function
tdx_tdcall:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi

	movq	0(%rdi), %rax
	movq	8(%rdi), %rcx
	movq	16(%rdi), %rdx
	movq	24(%rdi), %rbx
	movq	32(%rdi), %rsi
	movq	48(%rdi), %r8
	movq	56(%rdi), %r9
	movq	64(%rdi), %r10
	movq	72(%rdi), %r11
	movq	80(%rdi), %r12
	movq	88(%rdi), %r13
	movq	96(%rdi), %r14
	movq	104(%rdi), %r15
	movq	40(%rdi), %rdi

	.byte	0x66, 0x0f, 0x01, 0xcc

	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, 0(%rdi)
	movq	%rcx, 8(%rdi)
	movq	%rdx, 16(%rdi)
	movq	%rbx, 24(%rdi)
	movq	%rsi, 32(%rdi)
	popq	%rax
	movq	%rax, 40(%rdi)
	movq	%r8, 48(%rdi)
	movq	%r9, 56(%rdi)
	movq	%r10, 64(%rdi)
	movq	%r11, 72(%rdi)
	movq	%r12, 80(%rdi)
	movq	%r13, 88(%rdi)
	movq	%r14, 96(%rdi)
	movq	%r15, 104(%rdi)

	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size	tdx_tdcall, . - tdx_tdcall

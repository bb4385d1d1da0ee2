/*
 * vp_info: TDG.VP.INFO, and the registers the host set at reset.
 *
 *	1: RCX, RDX, R8, R9 from TDG.VP.INFO (GPAW, attributes,
 *	   num_vcpus | max_vcpus << 32, vCPU index)
 *	2: RAX (status), R10, R11 from TDG.VP.INFO; RSI at reset (vCPU index)
 *	3: RBX at reset (GPAW), RCX at reset, R8 at reset, CR4 in 64-bit mode
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

	.globl	guest_main
guest_main:
	/* RBX and RSI survive TDCALL and REPORT; keep RCX and R8 in RDI, RBP. */
	movq	%rcx, %rdi
	movq	%r8, %rbp

	movl	$TDG_VP_INFO, %eax
	TDCALL
	pushq	%rax
	pushq	%r10
	pushq	%r11
	REPORT	1, %rcx, %rdx, %r8, %r9

	popq	%r9			/* R11 */
	popq	%r8			/* R10 */
	popq	%rdx			/* RAX */
	REPORT	2, %rdx, %r8, %r9, %rsi

	movq	%cr4, %rax
	REPORT	3, %rbx, %rdi, %rbp, %rax
	DONE

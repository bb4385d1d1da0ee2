/*
 * smp: for a TD of 4 vCPUs that all start at the reset vector.  vCPU 0
 * builds the page tables and IDT, the others wait for it (guest_runtime.S);
 * each runs on its own stack.
 *
 * Each vCPU makes SMP_ITERATIONS TDG.VP.INFO calls and counts those that
 * fail or return an R9 other than its own index (RSI at reset).
 *
 *	1: vCPU index, mismatches, SMP_ITERATIONS, 0
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define SMP_ITERATIONS	1000

	.globl	guest_main
guest_main:
	movl	%esi, %ebx		/* index, zero-extended */
	xorl	%edi, %edi		/* mismatches */
	movl	$SMP_ITERATIONS, %ebp
1:	movl	$TDG_VP_INFO, %eax
	TDCALL
	testq	%rax, %rax
	jnz	2f
	cmpq	%rbx, %r9
	je	3f
2:	incl	%edi
3:	decl	%ebp
	jnz	1b

	REPORT	1, %rbx, %rdi, $SMP_ITERATIONS, $0
	DONE

/*
 * smp: for a TD of 4 vCPUs that all start at the reset vector.  vCPU 0
 * builds the page tables and IDT, the others wait for it (guest_runtime.S);
 * each runs on its own stack.
 *
 * vCPU 0 first reports that the tables are up (so a test can enter it
 * alone first and spare the others a long spin on a busy host).  Then
 * each vCPU makes SMP_ITERATIONS TDG.VP.INFO calls and counts those that
 * fail or return an R9 other than its own index (RSI at reset).
 *
 *	0x10: (vCPU 0 only) tables ready
 *	1: vCPU index, mismatches, SMP_ITERATIONS, 0
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define SMP_ITERATIONS	1000

	.globl	guest_main
guest_main:
	movl	%esi, %ebx		/* index, zero-extended */
	testl	%ebx, %ebx
	jnz	0f
	REPORT	0x10
0:
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

/*
 * intr: interrupts through the TD's virtual APIC (x2APIC mode).
 *
 * The guest enables its APIC (SVR), counts interrupts per vector in
 * handlers that EOI, and reports:
 *	1: its x2APIC ID (MSR 0x802), SVR read back
 *	   -- the host posts vector 0x40 while the vCPU is out --
 *	2: interrupts so far, last vector (after STI; the post is delivered
 *	   at entry)
 *	   -- the host posts vector 0x41 while the vCPU spins with IF = 1 --
 *	3: interrupts so far, last vector
 *	   -- the guest arms its APIC timer, one-shot, vector 0x42 --
 *	4: interrupts so far, last vector
 *	DONE
 * A spin that runs out (2^30 PAUSEs, some seconds) reports 0xEE with the step.
 */
#include "guest.h"
#include "guest_runtime.S"

#define INTR_COUNT	IMAGE_DATA_GPA		/* u32 */
#define LAST_VECTOR	(IMAGE_DATA_GPA + 4)	/* u32 */

#define MSR_X2APIC_ID		0x802
#define MSR_X2APIC_EOI		0x80B
#define MSR_X2APIC_SVR		0x80F
#define MSR_X2APIC_LVT_TIMER	0x832
#define MSR_X2APIC_TMICT	0x838
#define MSR_X2APIC_TDCR		0x83E
#define APIC_SVR_ENABLE		0x100
#define APIC_SPURIOUS_VECTOR	0xFF

/* Spin with interrupts on until INTR_COUNT reaches \n; 0xEE if it never does. */
.macro WAIT_FOR_COUNT n:req, step:req
	movl	$0x40000000, %ebx
	sti
1:	cmpl	$(\n), INTR_COUNT
	jae	2f
	pause
	decl	%ebx
	jnz	1b
	cli
	REPORT	GUEST_STEP_FAULT, $0xEE, $(\step)
	jmp	guest_halt
2:	cli
.endm

	.globl	guest_main
guest_main:
	movl	$0, INTR_COUNT
	movl	$0, LAST_VECTOR
	SET_IDT_GATE 0x40, intr_40
	SET_IDT_GATE 0x41, intr_41
	SET_IDT_GATE 0x42, intr_42
	SET_IDT_GATE APIC_SPURIOUS_VECTOR, intr_spurious

	movl	$MSR_X2APIC_SVR, %ecx
	movl	$(APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR), %eax
	xorl	%edx, %edx
	wrmsr
	rdmsr
	movl	%eax, %esi
	movl	$MSR_X2APIC_ID, %ecx
	rdmsr
	REPORT	1, %rax, %rsi

	WAIT_FOR_COUNT 1, 2
	movl	INTR_COUNT, %eax
	movl	LAST_VECTOR, %edx
	REPORT	2, %rax, %rdx

	WAIT_FOR_COUNT 2, 3
	movl	INTR_COUNT, %eax
	movl	LAST_VECTOR, %edx
	REPORT	3, %rax, %rdx

	/* The APIC timer: divide by 1, one-shot, vector 0x42. */
	xorl	%edx, %edx
	movl	$MSR_X2APIC_TDCR, %ecx
	movl	$0xB, %eax
	wrmsr
	movl	$MSR_X2APIC_LVT_TIMER, %ecx
	movl	$0x42, %eax
	wrmsr
	movl	$MSR_X2APIC_TMICT, %ecx
	movl	$100000, %eax
	wrmsr
	WAIT_FOR_COUNT 3, 4
	movl	INTR_COUNT, %eax
	movl	LAST_VECTOR, %edx
	REPORT	4, %rax, %rdx
	DONE

intr_40:
	movl	$0x40, LAST_VECTOR
	jmp	intr_common
intr_41:
	movl	$0x41, LAST_VECTOR
	jmp	intr_common
intr_42:
	movl	$0x42, LAST_VECTOR
intr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incl	INTR_COUNT
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

/* A spurious interrupt needs no EOI. */
intr_spurious:
	iretq

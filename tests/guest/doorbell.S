/*
 * doorbell: TDCALL through the doorbell, for a host where KVM reflects
 * the #UD of a TDCALL into the guest instead of exiting.  The #UD handler
 * checks that the faulting instruction is a TDCALL, restores every
 * register, rings the doorbell (OUT %al, $0xDB: the host runs the TDCALL
 * with the current registers and leaves its outputs in them), skips the
 * 4-byte TDCALL and returns without touching a register.  The report
 * calls ring the doorbell directly (GUEST_USE_DOORBELL).
 *
 *	1: RCX, RDX, R8, R9 from TDG.VP.INFO
 *	2: RAX (status), R10, R11 from TDG.VP.INFO; number of #UDs handled (1)
 *	DONE
 */
#define GUEST_USE_DOORBELL 1
#include "guest.h"
#include "guest_runtime.S"

#define UD_COUNT	IMAGE_DATA_GPA		/* 0x8000, u32 */

	.globl	guest_main
guest_main:
	movl	$0, UD_COUNT
	SET_IDT_GATE X86_VECTOR_UD, ud_handler

	movl	$TDG_VP_INFO, %eax
	TDCALL				/* #UD -> ud_handler -> doorbell */
	pushq	%rax
	pushq	%r10
	pushq	%r11
	REPORT	1, %rcx, %rdx, %r8, %r9

	popq	%r9			/* R11 */
	popq	%r8			/* R10 */
	popq	%rdx			/* RAX */
	movl	UD_COUNT, %esi
	REPORT	2, %rdx, %r8, %r9, %rsi
	DONE

/*
 * #UD (no error code): frame RIP at 0(%rsp).  Only RAX is borrowed, and
 * given back before the doorbell; after it only memory and flags change,
 * and IRETQ restores the flags from the frame.
 */
ud_handler:
	pushq	%rax
	movq	8(%rsp), %rax
	cmpl	$0xCC010F66, (%rax)	/* 66 0F 01 CC */
	popq	%rax
	jne	fault_stub_6
	incl	UD_COUNT
	DOORBELL
	addq	$4, (%rsp)		/* past the TDCALL */
	iretq

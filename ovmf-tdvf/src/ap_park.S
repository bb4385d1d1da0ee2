/*
 * The AP mailbox loop (reference host-stack.md 4.5): a TD AP learns its
 * vCPU index from TDG.VP.INFO R9 (the MADT gives each vCPU that index as
 * its x2APIC ID), counts itself in the work area, and polls the ACPI MP
 * wakeup mailbox until Command = Wakeup and ApicId = its own.  It reads
 * WakeupVector, acknowledges by clearing Command, and jumps there in
 * 64-bit mode with the firmware's identity page tables, GDT and IDT.
 */
#include "tdvf_layout.h"

	.section .note.GNU-stack, "", @progbits
	.text
	.code64
	.globl	ap_park
ap_park:
	movl	$1, %eax			/* TDG.VP.INFO */
	.byte	0x66, 0x0f, 0x01, 0xcc
	testq	%rax, %rax
	jnz	.Ldead
	movl	%r9d, %ebx
	lock incl (TDVF_WORK_AREA + TDVF_WA_APS_PARKED)
.Lpoll:
	pause
	cmpw	$TDVF_MAILBOX_CMD_WAKEUP, (TDVF_MAILBOX + TDVF_MAILBOX_COMMAND)
	jne	.Lpoll
	cmpl	%ebx, (TDVF_MAILBOX + TDVF_MAILBOX_APIC_ID)
	jne	.Lpoll
	movq	(TDVF_MAILBOX + TDVF_MAILBOX_WAKEUP_VECTOR), %rax
	movw	$TDVF_MAILBOX_CMD_NOOP, (TDVF_MAILBOX + TDVF_MAILBOX_COMMAND)
	movl	%ebx, %edi			/* the wakee gets its APIC ID in RDI */
	jmp	*%rax
.Ldead:
	cli
	hlt
	jmp	.Ldead

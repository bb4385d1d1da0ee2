/*
 * Where payload-demo sends a woken AP (ap_wakeup.c): 64-bit mode on the
 * firmware's tables, RDI = the AP's APIC ID.  It reports itself in
 * ap_wakeup_flag (APIC ID | 0x100) and stops with CLI; HLT, which in a TD
 * becomes TDG.VP.VMCALL<Instruction.HLT> with interrupts blocked.
 */
	.section .note.GNU-stack, "", @progbits
	.text
	.code64
	.globl	ap_wakeup_entry
ap_wakeup_entry:
	orl	$0x100, %edi
	movl	%edi, ap_wakeup_flag(%rip)
1:	cli
	hlt
	jmp	1b

	.bss
	.balign	4
	.globl	ap_wakeup_flag
ap_wakeup_flag:
	.long	0

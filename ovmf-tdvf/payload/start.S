/*
 * Payload entry (docs/firmware.md, payload ABI): 64-bit mode, the
 * firmware's identity page tables, GDT and IDT, RDI = struct
 * tdvf_boot_info, RSI = TDVF_BOOT_INFO_MAGIC, RSP = a 64 KiB stack in
 * firmware memory.  payload_main must not return.
 */
	.section .note.GNU-stack, "", @progbits
	.section .text.start, "ax"
	.code64
	.globl	_start
_start:
	andq	$-16, %rsp
	call	payload_main
1:	cli
	hlt
	jmp	1b

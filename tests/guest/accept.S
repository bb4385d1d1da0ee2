/*
 * accept: TDG.MEM.PAGE.ACCEPT of pages the host has added with
 * TDH.MEM.PAGE.AUG: GPA 0x200000 (4 KiB), 0x400000 (2 MiB) and 0x600000
 * (AUGed as 2 MiB, accepted as 4 KiB).
 *
 *	1: RAX of ACCEPT 0x200000, 4K
 *	2: the qword read back from 0x200000 after writing 0x1122334455667788
 *	3: RAX of ACCEPT 0x200000, 4K again (TDX_PAGE_ALREADY_ACCEPTED)
 *	4: RAX of ACCEPT 0x400000, 2M
 *	5: the qword read back from 0x5FF000 after writing 0xA5A5A5A5A5A5A5A5
 *	6: RAX of ACCEPT 0x600000, 4K (TDX_PAGE_SIZE_MISMATCH)
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

.macro ACCEPT gpa:req, level:req
	movl	$((\gpa) | (\level)), %ecx
	movl	$TDG_MEM_PAGE_ACCEPT, %eax
	TDCALL
.endm

	.globl	guest_main
guest_main:
	ACCEPT	0x200000, ACCEPT_LEVEL_4K
	REPORT	1, %rax

	movabsq	$0x1122334455667788, %rax
	movq	%rax, 0x200000
	movq	0x200000, %rdx
	REPORT	2, %rdx

	ACCEPT	0x200000, ACCEPT_LEVEL_4K
	REPORT	3, %rax

	ACCEPT	0x400000, ACCEPT_LEVEL_2M
	REPORT	4, %rax

	/* The last 4 KiB of the 2 MiB page. */
	movabsq	$0xA5A5A5A5A5A5A5A5, %rax
	movq	%rax, 0x400000 + 0x1FF000
	movq	0x400000 + 0x1FF000, %rdx
	REPORT	5, %rdx

	ACCEPT	0x600000, ACCEPT_LEVEL_4K
	REPORT	6, %rax
	DONE

/*
 * rtmr: TDG.MR.RTMR.EXTEND with 48 bytes 0x00, 0x01, .. 0x2F at
 * RTMR_DATA (64-byte aligned, private RAM).
 *
 *	1: RAX of EXTEND(RTMR_DATA, index 2)		(TDX_SUCCESS)
 *	2: RAX of EXTEND(RTMR_DATA, index 4)		(operand invalid, RDX)
 *	3: RAX of EXTEND(RTMR_DATA + 8, index 2)	(operand invalid, RCX)
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define RTMR_DATA	IMAGE_DATA_GPA		/* 0x8000 */

.macro EXTEND gpa:req, index:req
	movl	$(\gpa), %ecx
	movl	$(\index), %edx
	movl	$TDG_MR_RTMR_EXTEND, %eax
	TDCALL
.endm

	.globl	guest_main
guest_main:
	movl	$RTMR_DATA, %edi
	xorl	%eax, %eax
1:	movb	%al, (%rdi,%rax)
	incl	%eax
	cmpl	$48, %eax
	jb	1b

	EXTEND	RTMR_DATA, 2
	REPORT	1, %rax
	EXTEND	RTMR_DATA, 4
	REPORT	2, %rax
	EXTEND	RTMR_DATA + 8, 2
	REPORT	3, %rax
	DONE

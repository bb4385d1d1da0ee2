/*
 * report: TDG.MR.REPORT after an RTMR.EXTEND, the whole TDREPORT sent to
 * the host, and the operand checks (none of which may write anything).
 *
 *	RTMR_DATA  (0x8000): 48 bytes 0x80, 0x81, .. 0xAF
 *	REPORTDATA (0x8040): 64 bytes 0xC0, 0xC1, .. 0xFF
 *	REPORT_BUF (0x8400): the report; REPORT_BUF2 (0x8800): 1 KiB of 0xEE
 *
 *	1: RAX of RTMR.EXTEND(RTMR_DATA, 2), RAX of MR.REPORT(REPORT_BUF,
 *	   REPORTDATA, 0)
 *	0x100 + i (i = 0..31): qwords 4i .. 4i+3 of the report at REPORT_BUF
 *	2: RAX of MR.REPORT into REPORT_BUF2 with: RCX = REPORT_BUF2 + 0x200
 *	   (not 1 KiB aligned), RDX = REPORTDATA + 8 (not 64-byte aligned),
 *	   R8 = 1 (sub-type), RCX = REPORT_BUF2 | 1 << 47 (shared)
 *	3: RAX with RDX = REPORTDATA | 1 << 47 (shared), then the qwords at
 *	   REPORT_BUF2, + 0x200, + 0x3F8 (still 0xEE..EE)
 *	4: RAX of MR.REPORT(REPORT_BUF2, REPORTDATA, 0), qwords of REPORT_BUF2
 *	   that differ from REPORT_BUF (0: nothing changed in between)
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define RTMR_DATA	IMAGE_DATA_GPA		/* 0x8000 */
#define REPORTDATA	(IMAGE_DATA_GPA + 0x40)
#define REPORT_BUF	(IMAGE_DATA_GPA + 0x400)
#define REPORT_BUF2	(IMAGE_DATA_GPA + 0x800)
#define SHARED_BIT_HI	32768			/* 1 << 47 >> 32 */
#define STEP_DUMP	0x100

/* MR.REPORT(RCX = \out, RDX = \data, R8 = \subtype); \out, \data may be registers. */
.macro MR_REPORT out:req, data:req, subtype=$0
	movq	\out, %rcx
	movq	\data, %rdx
	movq	\subtype, %r8
	movl	$TDG_MR_REPORT, %eax
	TDCALL
.endm

/* A GPA with the shared bit (47) set, in \reg. */
.macro SHARED_GPA reg:req, gpa:req
	movq	$SHARED_BIT_HI, \reg
	shlq	$32, \reg
	orq	$(\gpa), \reg
.endm

	.globl	guest_main
guest_main:
	/* The extend data and REPORTDATA: two runs of incrementing bytes. */
	movl	$RTMR_DATA, %edi
	movb	$0x80, %al
	movl	$48, %ecx
1:	stosb
	incb	%al
	loop	1b
	movl	$REPORTDATA, %edi
	movb	$0xC0, %al
	movl	$64, %ecx
1:	stosb
	incb	%al
	loop	1b
	/* REPORT_BUF2 is all 0xEE, so a write into it would show. */
	movl	$REPORT_BUF2, %edi
	movb	$0xEE, %al
	movl	$1024, %ecx
	rep stosb

	movl	$RTMR_DATA, %ecx
	movl	$2, %edx
	movl	$TDG_MR_RTMR_EXTEND, %eax
	TDCALL
	movq	%rax, %rbx
	MR_REPORT $REPORT_BUF, $REPORTDATA
	REPORT	1, %rbx, %rax

	/* The report, 32 bytes per step. */
	movl	$REPORT_BUF, %ebx
	xorl	%ebp, %ebp
2:	movq	0(%rbx), %r12
	movq	8(%rbx), %r13
	movq	16(%rbx), %r14
	movq	24(%rbx), %r15
	leal	STEP_DUMP(%rbp), %r11d
	movl	$GUEST_REPORT_LEAF, %r10d
	movl	$GUEST_REPORT_MASK, %ecx
	movl	$TDG_VP_VMCALL, %eax
	GUEST_TDVMCALL
	addq	$32, %rbx
	incl	%ebp
	cmpl	$32, %ebp
	jb	2b

	/* Operand errors. */
	MR_REPORT $(REPORT_BUF2+0x200), $REPORTDATA
	movq	%rax, %rbx
	MR_REPORT $REPORT_BUF2, $(REPORTDATA+8)
	movq	%rax, %rsi
	MR_REPORT $REPORT_BUF2, $REPORTDATA, $1
	movq	%rax, %rdi
	SHARED_GPA %r9, REPORT_BUF2
	MR_REPORT %r9, $REPORTDATA
	REPORT	2, %rbx, %rsi, %rdi, %rax

	SHARED_GPA %r9, REPORTDATA
	MR_REPORT $REPORT_BUF2, %r9
	movl	$REPORT_BUF2, %ebx
	movq	0(%rbx), %rsi
	movq	0x200(%rbx), %rdi
	movq	0x3F8(%rbx), %rbp
	REPORT	3, %rax, %rsi, %rdi, %rbp

	/* Again into REPORT_BUF2: the same report, byte for byte. */
	MR_REPORT $REPORT_BUF2, $REPORTDATA
	movq	%rax, %rbx
	movl	$REPORT_BUF, %esi
	movl	$REPORT_BUF2, %edi
	xorl	%ebp, %ebp
	xorl	%edx, %edx
3:	movq	(%rsi,%rdx,8), %rax
	cmpq	(%rdi,%rdx,8), %rax
	je	4f
	incl	%ebp
4:	incl	%edx
	cmpl	$128, %edx
	jb	3b
	REPORT	4, %rbx, %rbp
	DONE

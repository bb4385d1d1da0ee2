/*
 * msr: MSR accesses in a TD, per the module's MSR table (reference
 * tdx-abi.md 6.3).  A #VE handler counts, keeps the exit reason and
 * instruction length from TDG.VP.VEINFO.GET and skips the instruction;
 * a #GP handler counts and skips the 2-byte RDMSR/WRMSR.
 *
 * Each step reports (#VE count, #GP count, last #VE exit reason, its
 * instruction length):
 *	1: RDMSR 0x10 (TSC: passed through)
 *	2: WRMSR 0x10 (TSC write: #VE, reason 32)
 *	3: RDMSR 0x8C (SGXLEPUBKEYHASH0: #GP)
 *	4: RDMSR 0x4B564D00 (outside the bitmap ranges: #VE, reason 31)
 *	5: RDMSR 0xC1 (PMC0 in a TD without PERFMON: #GP)
 *	6: WRMSR 0x277 with the value read (PAT: passed through)
 *	7: RDMSR 0x481 (VMX_PINBASED_CTLS: #VE, reason 31)
 *	8: WRMSR 0x1A0 (MISC_ENABLE write: #VE, reason 32)
 *	9: UD2, then PXOR with CR4.OSFXSR clear: two #UDs (counted in the #GP
 *	   slot's neighbour: the fourth value is the #UD count)
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define VE_COUNT	IMAGE_DATA_GPA		/* u32 */
#define GP_COUNT	(IMAGE_DATA_GPA + 4)	/* u32 */
#define VE_REASON	(IMAGE_DATA_GPA + 8)	/* u32 */
#define VE_LENGTH	(IMAGE_DATA_GPA + 12)	/* u32 */
#define X86_VECTOR_GP	13
#define UD_COUNT	(IMAGE_DATA_GPA + 16)	/* u32 */

.macro STEP n:req
	movl	VE_COUNT, %eax
	movl	GP_COUNT, %ebx
	movl	VE_REASON, %esi
	movl	VE_LENGTH, %edi
	REPORT	\n, %rax, %rbx, %rsi, %rdi
.endm

	.globl	guest_main
guest_main:
	xorl	%eax, %eax
	movl	%eax, VE_COUNT
	movl	%eax, GP_COUNT
	movl	%eax, VE_REASON
	movl	%eax, VE_LENGTH
	SET_IDT_GATE X86_VECTOR_VE, ve_handler
	SET_IDT_GATE X86_VECTOR_GP, gp_handler

	movl	$0x10, %ecx
	rdmsr
	STEP	1
	movl	$0x10, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	STEP	2
	movl	$0x8c, %ecx
	rdmsr
	STEP	3
	movl	$0x4b564d00, %ecx
	rdmsr
	STEP	4
	movl	$0xc1, %ecx
	rdmsr
	STEP	5
	movl	$0x277, %ecx
	rdmsr
	wrmsr
	STEP	6
	movl	$0x481, %ecx
	rdmsr
	STEP	7
	movl	$0x1a0, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	STEP	8
	movl	$0, UD_COUNT
	SET_IDT_GATE X86_VECTOR_UD, ud_handler
	ud2
	movq	%cr4, %rax
	andq	$~0x200, %rax		/* CR4.OSFXSR off: SSE is undefined */
	movq	%rax, %cr4
	.byte	0x66, 0x0f, 0xef, 0xc0	/* pxor %xmm0, %xmm0 (4 bytes) */
	movl	VE_COUNT, %eax
	movl	GP_COUNT, %ebx
	movl	UD_COUNT, %edi
	REPORT	9, %rax, %rbx, $0, %rdi
	DONE

/* #UD: no error code.  UD2 is 2 bytes, the PXOR 4. */
ud_handler:
	incl	UD_COUNT
	cmpl	$1, UD_COUNT
	je	1f
	addq	$2, (%rsp)
1:	addq	$2, (%rsp)
	iretq

/* #VE: no error code.  Keeps the registers the interrupted code uses. */
ve_handler:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movl	$TDG_VP_VEINFO_GET, %eax
	TDCALL
	testq	%rax, %rax
	jnz	1f
	incl	VE_COUNT
	movl	%ecx, VE_REASON
	movl	%r10d, VE_LENGTH
	movl	%r10d, %eax
	addq	%rax, 7 * 8(%rsp)		/* RIP past the instruction */
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq
1:	REPORT	GUEST_STEP_FAULT, $X86_VECTOR_VE, %rax
	jmp	guest_halt

/* #GP: error code on the stack; RDMSR and WRMSR are 2 bytes. */
gp_handler:
	incl	GP_COUNT
	addq	$8, %rsp
	addq	$2, (%rsp)
	iretq

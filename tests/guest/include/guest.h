/*
 * Constants and macros for the guest images (GNU as, AT&T syntax).
 *
 * An image is one .S file that starts with
 *
 *	#include "guest.h"
 *	#include "guest_runtime.S"
 *
 * and defines guest_main, which the runtime calls in 64-bit mode (see
 * guest_runtime.S for the state it is called in).  An image that must
 * make its report calls through the doorbell defines GUEST_USE_DOORBELL
 * before the first include.
 */
#ifndef TDX_GUEST_H
#define TDX_GUEST_H

#ifndef __ASSEMBLER__
#error "guest.h is for the guest images; C code includes guest_protocol.h"
#endif

#include "guest_protocol.h"

/* TDCALL leaves (RAX), as in include/tdx/tdx_tdcall.h. */
#define TDG_VP_VMCALL		0
#define TDG_VP_INFO		1
#define TDG_MR_RTMR_EXTEND	2
#define TDG_VP_VEINFO_GET	3
#define TDG_MR_REPORT		4
#define TDG_VP_CPUIDVE_SET	5
#define TDG_MEM_PAGE_ACCEPT	6
#define TDG_VM_RD		7
#define TDG_VM_WR		8
#define TDG_VP_RD		9
#define TDG_VP_WR		10
#define TDG_SYS_RD		11
#define TDG_SYS_RDALL		12

/* RAX of a TDCALL: the leaf, and its version in bits 23:16. */
#define TDG_LEAF_V(leaf, version)	((leaf) | ((version) << 16))

/* TDG.MEM.PAGE.ACCEPT level, in RCX bits 2:0. */
#define ACCEPT_LEVEL_4K		0
#define ACCEPT_LEVEL_2M		1

/* VMX basic exit reasons that VE_INFO carries. */
#define EXIT_REASON_HLT			12
#define EXIT_REASON_IO_INSTRUCTION	30
#define EXIT_REASON_EPT_VIOLATION	48

#define X86_VECTOR_UD		6
#define X86_VECTOR_VE		20

#define X86_CR0_PG		0x80000000
#define X86_CR4_PAE		0x20

/* Page-table entry bits.  The shared bit is GPA bit 47 (GPAW 48). */
#define PTE_P			0x001
#define PTE_RW			0x002
#define PTE_PS			0x080
#define PTE_SHARED_HI		(1 << (47 - 32))	/* bit 47, high dword */

/* GDT selectors (guest_runtime.S). */
#define GDT_CODE32		0x08
#define GDT_DATA		0x10
#define GDT_CODE64		0x18

/*
 * Guest RAM (GPA 0..2 MiB, private, zeroed by the host):
 *
 *	0x001000  PML4
 *	0x002000  PDPT
 *	0x003000  4 PDs, one per GiB of VA 0..4 GiB (0x3000..0x6fff)
 *	0x007000  IDT, 256 gates
 *	0x008000  IMAGE_DATA_GPA: 32 KiB an image may use as it likes
 *	..0x1f0000 stacks, 64 KiB per vCPU, growing down from STACK_TOP
 *	0x1f8000  BOOT_FLAG_GPA: 1 once vCPU 0 has built the tables
 */
#define PML4_GPA		0x1000
#define PDPT_GPA		0x2000
#define PD_GPA			0x3000
#define IDT_GPA			0x7000
#define IDT_GATES		256
#define IMAGE_DATA_GPA		0x8000
#define STACK_TOP		0x1F0000
#define STACK_SHIFT		16		/* 64 KiB per vCPU */
#define BOOT_FLAG_GPA		0x1F8000

/* TDCALL: 66 0F 01 CC. */
.macro TDCALL
	.byte	0x66, 0x0f, 0x01, 0xcc
.endm

/* The doorbell: the host runs a TDCALL with the registers as they are. */
.macro DOORBELL
	outb	%al, $GUEST_DOORBELL_PORT
.endm

#ifdef GUEST_USE_DOORBELL
#define GUEST_TDVMCALL	DOORBELL
#else
#define GUEST_TDVMCALL	TDCALL
#endif

/*
 * REPORT step, a, b, c, d: a report call carrying four values (64-bit
 * registers, or immediates that fit in a sign-extended 32 bits; missing
 * ones are 0).  The values go through the stack, so any register,
 * including RAX, RCX and R10..R15, may be passed in any slot.
 * Clobbers RAX, RCX, R10..R15 and flags; needs a stack.
 */
.macro REPORT step:req, a=$0, b=$0, c=$0, d=$0
	pushq	\a
	pushq	\b
	pushq	\c
	pushq	\d
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	movl	$GUEST_REPORT_LEAF, %r10d
	movl	$(\step), %r11d
	movl	$TDG_VP_VMCALL, %eax
	movl	$GUEST_REPORT_MASK, %ecx
	GUEST_TDVMCALL
.endm

/* The end of an image: report GUEST_STEP_DONE, then halt forever. */
.macro DONE
	REPORT	GUEST_STEP_DONE
	jmp	guest_halt
.endm

/* Point IDT gate \vector at \handler (an interrupt gate).  Clobbers RAX, RDX. */
.macro SET_IDT_GATE vector:req, handler:req
	leaq	\handler(%rip), %rax
	movl	$(\vector), %edx
	call	idt_set_gate
.endm

#endif /* TDX_GUEST_H */

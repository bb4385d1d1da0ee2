/*
 * tdvmcall: one TDG.VP.VMCALL of each GHCI kind, for a test that runs the
 * TD through kvm-tdx's KVM_RUN (so vendor "reports" never reach it).
 * After each call the guest EMITs results as 8-byte MMIO writes to the
 * shared GPA EMIT_GPA, which the test's VMM loop collects:
 *
 *	IO out 'A' to 0x3F8			emit R10
 *	IO in 1 byte from 0x71			emit R10, R11
 *	MMIO write 4 bytes 0x11223344 at 0x10000000	emit R10
 *	MMIO read 8 bytes at 0x10000008		emit R10, R11
 *	CPUID 0x80000008			emit R10, R12 (EAX)
 *	RDMSR 0x10				emit R10
 *	GetTdVmCallInfo leaf 0			emit R10, R11
 *	GetTdVmCallInfo leaf 1 (KVM_EXIT_TDX)	emit R10, R11
 *	write PRIV_MAGIC to CONVERT_GPA (private)
 *	MapGPA CONVERT_GPA to shared		emit R10
 *	write SHARED_MAGIC through the shared alias, read it back	emit value
 *	MapGPA CONVERT_GPA back to private	emit R10
 *	ACCEPT CONVERT_GPA (kvm-tdx AUGs it on the exit)	emit RAX
 *	read CONVERT_GPA (fresh, zeroed)	emit value
 *	GetQuote at QUOTE_GPA (shared), 4096	emit R10
 *	SetupEventNotifyInterrupt 0x40		emit R10
 *	SetupEventNotifyInterrupt 5 (bad)	emit R10
 *	unknown sub-function 0x9999		emit R10
 *	vendor call (R10 = 1)			emit R10
 *	refused before any exit:
 *	  MapGPA at a misaligned GPA		emit R10 (ALIGN_ERROR)
 *	  MapGPA across the shared bit		emit R10 (INVALID_OPERAND)
 *	  IO of 3 bytes				emit R10 (INVALID_OPERAND)
 *	  MMIO to a private GPA			emit R10 (INVALID_OPERAND)
 *	  TDG.VP.VMCALL passing RSP (mask bit 4)	emit RAX (TDX_OPERAND_INVALID, RCX)
 *	  TDG.VP.VMCALL passing XMM0		emit RAX (TDX_OPERAND_INVALID, RCX)
 *	HLT (TDVMCALL)				-
 *	ReportFatalError 0x1234, "tdvmcall done" in R14, R15 (mask 0xFC00)
 */
#include "guest.h"
#include "guest_runtime.S"

#define SHARED_HI	(1 << 15)		/* bit 47 = bit 15 of the high dword */
#define EMIT_GPA	0xFED00000
#define MMIO_GPA	0x10000000
#define CONVERT_GPA	0x100000
#define QUOTE_GPA	0x101000
#define PRIV_MAGIC	0x5EC12E75
#define SHARED_MAGIC	0xCAFEBABE

#define TDVMCALL_CPUID		10
#define TDVMCALL_HLT		12
#define TDVMCALL_IO		30
#define TDVMCALL_RDMSR		31
#define TDVMCALL_MMIO		48
#define TDVMCALL_INFO		0x10000
#define TDVMCALL_MAP_GPA	0x10001
#define TDVMCALL_GET_QUOTE	0x10002
#define TDVMCALL_FATAL		0x10003
#define TDVMCALL_NOTIFY		0x10004

/* A shared GPA: @low | 1 << 47, into @reg. */
.macro SHARED_GPA reg:req, low:req
	movabsq	$((SHARED_HI << 32) | (\low)), \reg
.endm

/* TDG.VP.VMCALL sub-function @sub with R12..R15 already set; R10 = 0. */
.macro VMCALL sub:req
	xorl	%r10d, %r10d
	movl	$(\sub), %r11d
	xorl	%eax, %eax
	movl	$0xFC00, %ecx
	TDCALL
.endm

/* One 8-byte MMIO write of @src to EMIT_GPA (clobbers RAX, RCX, R10..R15). */
.macro EMIT src:req
	pushq	\src
	popq	%r15
	movl	$8, %r12d
	movl	$1, %r13d
	SHARED_GPA %r14, EMIT_GPA
	VMCALL	TDVMCALL_MMIO
.endm

	.globl	guest_main
guest_main:
	/* IO out */
	movl	$1, %r12d
	movl	$1, %r13d
	movl	$0x3F8, %r14d
	movl	$'A', %r15d
	VMCALL	TDVMCALL_IO
	EMIT	%r10

	/* IO in */
	movl	$1, %r12d
	xorl	%r13d, %r13d
	movl	$0x71, %r14d
	xorl	%r15d, %r15d
	VMCALL	TDVMCALL_IO
	movq	%r11, %rbx
	EMIT	%r10
	EMIT	%rbx

	/* MMIO write, then read */
	movl	$4, %r12d
	movl	$1, %r13d
	SHARED_GPA %r14, MMIO_GPA
	movl	$0x11223344, %r15d
	VMCALL	TDVMCALL_MMIO
	EMIT	%r10
	movl	$8, %r12d
	xorl	%r13d, %r13d
	SHARED_GPA %r14, MMIO_GPA + 8
	xorl	%r15d, %r15d
	VMCALL	TDVMCALL_MMIO
	movq	%r11, %rbx
	EMIT	%r10
	EMIT	%rbx

	/* CPUID 0x80000008 */
	movl	$0x80000008, %r12d
	xorl	%r13d, %r13d
	VMCALL	TDVMCALL_CPUID
	movq	%r12, %rbx
	EMIT	%r10
	EMIT	%rbx

	/* RDMSR 0x10: no MSR is emulated */
	movl	$0x10, %r12d
	VMCALL	TDVMCALL_RDMSR
	EMIT	%r10

	/* GetTdVmCallInfo 0 (KVM), then 1 (the VMM) */
	xorl	%r12d, %r12d
	VMCALL	TDVMCALL_INFO
	movq	%r11, %rbx
	EMIT	%r10
	EMIT	%rbx
	movl	$1, %r12d
	VMCALL	TDVMCALL_INFO
	movq	%r11, %rbx
	EMIT	%r10
	EMIT	%rbx

	/* Private data, then the page goes shared */
	movl	$PRIV_MAGIC, %eax
	movq	%rax, CONVERT_GPA
	SHARED_GPA %r12, CONVERT_GPA
	movl	$4096, %r13d
	VMCALL	TDVMCALL_MAP_GPA
	EMIT	%r10
	movl	$SHARED_MAGIC, %eax
	movq	%rax, GUEST_SHARED_VA + CONVERT_GPA
	movq	GUEST_SHARED_VA + CONVERT_GPA, %rbx
	EMIT	%rbx

	/* ... and back to private: accepted again, it reads 0 */
	movl	$CONVERT_GPA, %r12d
	movl	$4096, %r13d
	VMCALL	TDVMCALL_MAP_GPA
	EMIT	%r10
	movl	$CONVERT_GPA, %ecx
	movl	$TDG_MEM_PAGE_ACCEPT, %eax
	TDCALL
	movq	%rax, %rbx
	EMIT	%rbx
	movq	CONVERT_GPA, %rbx
	EMIT	%rbx

	/* GetQuote on a shared buffer */
	SHARED_GPA %r12, QUOTE_GPA
	movl	$4096, %r13d
	VMCALL	TDVMCALL_GET_QUOTE
	EMIT	%r10

	/* SetupEventNotifyInterrupt: a good vector, then a bad one */
	movl	$0x40, %r12d
	VMCALL	TDVMCALL_NOTIFY
	EMIT	%r10
	movl	$5, %r12d
	VMCALL	TDVMCALL_NOTIFY
	EMIT	%r10

	/* An unknown sub-function; a vendor (KVM hypercall) call */
	VMCALL	0x9999
	EMIT	%r10
	movl	$1, %r10d
	movl	$1, %r11d
	xorl	%eax, %eax
	movl	$0xFC00, %ecx
	TDCALL
	EMIT	%r10

	/* Calls refused before they could exit: bad operands. */
	SHARED_GPA %r12, CONVERT_GPA + 8
	movl	$4096, %r13d
	VMCALL	TDVMCALL_MAP_GPA
	EMIT	%r10
	movabsq	$((SHARED_HI << 32) - 4096), %r12	/* the last private page ... */
	movl	$8192, %r13d				/* ... and the first shared one */
	VMCALL	TDVMCALL_MAP_GPA
	EMIT	%r10
	movl	$3, %r12d
	movl	$1, %r13d
	movl	$0x3F8, %r14d
	VMCALL	TDVMCALL_IO
	EMIT	%r10
	movl	$4, %r12d
	xorl	%r13d, %r13d
	movl	$MMIO_GPA, %r14d			/* no shared bit */
	VMCALL	TDVMCALL_MMIO
	EMIT	%r10
	xorl	%eax, %eax
	movl	$0xFC10, %ecx				/* RSP may never go to the host */
	TDCALL
	movq	%rax, %rbx
	EMIT	%rbx
	xorl	%eax, %eax
	movl	$0x1FC00, %ecx				/* XMM0: not passed by this module */
	TDCALL
	movq	%rax, %rbx
	EMIT	%rbx

	/* HLT, then the end: ReportFatalError with a message */
	xorl	%r12d, %r12d
	VMCALL	TDVMCALL_HLT
	movl	$0x1234, %r12d
	xorl	%r13d, %r13d
	movabsq	$0x6c6c61636d766474, %r14	/* "tdvmcall" */
	movabsq	$0x656e6f6420, %r15		/* " done" */
	VMCALL	TDVMCALL_FATAL
	jmp	guest_halt

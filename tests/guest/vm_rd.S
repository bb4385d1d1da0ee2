/*
 * vm_rd: the guest's metadata leaves.  TDG.VM.RD/WR of TD fields,
 * TDG.VP.RD/WR of vCPU fields, TDG.SYS.RD/RDALL of global fields,
 * TDG.VP.CPUIDVE.SET, and TDG.VP.INFO's "SYS.RD available" bit.
 *
 *	1: RAX, R8 of VM.RD ATTRIBUTES; R8 of VM.RD XFAM, of MAX_VCPUS
 *	2: R8 of VM.RD NUM_VCPUS, GPAW, TSC_FREQUENCY, CONFIG_FLAGS
 *	3: R8 of VM.RD MRTD element 0, MRTD element 5, RTMR2 element 0, TD_CTLS
 *	4: v1 reads: RDX after ATTRIBUTES, RDX after MRTD element 5; RAX, RDX
 *	   of a null field id (all ones)
 *	5: RAX of VM.RD with RCX = 1, of EPTP (not guest readable), of an
 *	   unknown field, of ATTRIBUTES with LAST_ELEMENT bits set
 *	6: VM.WR NOTIFY_ENABLES = 1 (mask 1): RAX, old R8; R8 of VM.RD
 *	   NOTIFY_ENABLES; RAX of VM.WR ATTRIBUTES
 *	7: RAX of VM.WR NOTIFY_ENABLES = 2 (mask all); VM.WR TD_CTLS = 0 (mask
 *	   1): RAX, old R8; R8 of VM.RD TD_CTLS
 *	8: VP.RD VCPU_INDEX: RAX, R8; RAX of VP.WR VCPU_INDEX, of VP.RD
 *	   VCPU_STATE (not guest readable)
 *	9: SYS.RD MAJOR_VERSION: RAX, R8, RDX; RAX of SYS.RD of an unknown field
 *	10: RAX of CPUIDVE.SET(3); R8 of VP.RD CPUID_SUPERVISOR_VE, CPUID_USER_VE;
 *	   RAX of CPUIDVE.SET(4)
 *	11: VP.WR CPUID_USER_VE = 0 (mask 1): RAX, old R8; R8 of VP.RD
 *	   CPUID_USER_VE, CPUID_SUPERVISOR_VE
 *	12: SYS.RDALL(RDALL_PAGE, NUM_PKGS): RAX, R8; qwords 0 and 1 of the page
 *	13: qword 2 of the page; RAX of SYS.RDALL with RDX = RDALL_PAGE + 8,
 *	   with R8 unknown; R10 of TDG.VP.INFO
 *	14: RAX of VM.RD v2, VP.RD v1, VM.WR v1, VP.RD of an unknown field
 *	DONE
 */
#include "guest.h"
#include "guest_runtime.S"

#define RDALL_PAGE	(IMAGE_DATA_GPA + 0x1000)	/* 0x9000 */

#define F_ATTRIBUTES	0x1110000300000000
#define F_XFAM		0x1110000300000001
#define F_MAX_VCPUS	0x1110000200000002
#define F_GPAW		0x1110000000000003
#define F_EPTP		0x1110000300000004
#define F_TSC_FREQUENCY	0x111000010000000C
#define F_NOTIFY	0x9110000300000010
#define F_CONFIG_FLAGS	0x1110000300000016
#define F_TD_CTLS	0x1110000300000017
#define F_NUM_VCPUS	0x9010000200000001
#define F_MRTD		0x1310000300000000
#define F_RTMR2		0x1310000300000050
#define F_UNKNOWN_TD	0x1110000300000099
#define F_VCPU_STATE	0xA020000000000000
#define F_UNKNOWN_VP	0xA0200003000000FF
#define F_VCPU_INDEX	0xA020000200000002
#define F_CPUID_SUP_VE	0xA020000000000007
#define F_CPUID_USER_VE	0xA020000000000008
#define F_SYS_MAJOR	0x0800000100000004
#define F_SYS_UNKNOWN	0x0800000100000007
#define F_SYS_NUM_PKGS	0x0000000200000000
#define F_LAST_ELEMENT	0x0000000400000000	/* bit 34 */

/* VM.RD (version \v) of field \f in TD 0: RAX, R8 (and RDX for v1). */
.macro VM_RD f:req, v=0
	xorl	%ecx, %ecx
	movabsq	$(\f), %rdx
	movl	$TDG_LEAF_V(TDG_VM_RD, \v), %eax
	TDCALL
.endm

/* VM.WR field \f = \val under mask \mask: RAX, old value in R8. */
.macro VM_WR f:req, val:req, mask:req
	xorl	%ecx, %ecx
	movabsq	$(\f), %rdx
	movq	$(\val), %r8
	movq	$(\mask), %r9
	movl	$TDG_VM_WR, %eax
	TDCALL
.endm

.macro VP_RD f:req, v=0
	movabsq	$(\f), %rdx
	movl	$TDG_LEAF_V(TDG_VP_RD, \v), %eax
	TDCALL
.endm

.macro VP_WR f:req, val:req, mask:req
	movabsq	$(\f), %rdx
	movq	$(\val), %r8
	movq	$(\mask), %r9
	movl	$TDG_VP_WR, %eax
	TDCALL
.endm

.macro SYS_RD f:req
	movabsq	$(\f), %rdx
	movl	$TDG_SYS_RD, %eax
	TDCALL
.endm

.macro SYS_RDALL page:req, f:req
	movl	$(\page), %edx
	movabsq	$(\f), %r8
	movl	$TDG_SYS_RDALL, %eax
	TDCALL
.endm

.macro CPUIDVE_SET bits:req
	movl	$(\bits), %ecx
	movl	$TDG_VP_CPUIDVE_SET, %eax
	TDCALL
.endm

	.globl	guest_main
guest_main:
	/* Results collect in RBX, RSI, RDI, RBP: no leaf used here writes them. */
	VM_RD	F_ATTRIBUTES
	movq	%rax, %rbx
	movq	%r8, %rsi
	VM_RD	F_XFAM
	movq	%r8, %rdi
	VM_RD	F_MAX_VCPUS
	REPORT	1, %rbx, %rsi, %rdi, %r8

	VM_RD	F_NUM_VCPUS
	movq	%r8, %rbx
	VM_RD	F_GPAW
	movq	%r8, %rsi
	VM_RD	F_TSC_FREQUENCY
	movq	%r8, %rdi
	VM_RD	F_CONFIG_FLAGS
	REPORT	2, %rbx, %rsi, %rdi, %r8

	VM_RD	F_MRTD
	movq	%r8, %rbx
	VM_RD	F_MRTD+5
	movq	%r8, %rsi
	VM_RD	F_RTMR2
	movq	%r8, %rdi
	VM_RD	F_TD_CTLS
	REPORT	3, %rbx, %rsi, %rdi, %r8

	VM_RD	F_ATTRIBUTES, 1
	movq	%rdx, %rbx
	VM_RD	F_MRTD+5, 1
	movq	%rdx, %rsi
	VM_RD	-1, 1
	REPORT	4, %rbx, %rsi, %rax, %rdx

	movl	$1, %ecx
	movabsq	$F_ATTRIBUTES, %rdx
	movl	$TDG_VM_RD, %eax
	TDCALL
	movq	%rax, %rbx
	VM_RD	F_EPTP
	movq	%rax, %rsi
	VM_RD	F_UNKNOWN_TD
	movq	%rax, %rdi
	VM_RD	F_ATTRIBUTES|F_LAST_ELEMENT
	REPORT	5, %rbx, %rsi, %rdi, %rax

	VM_WR	F_NOTIFY, 1, 1
	movq	%rax, %rbx
	movq	%r8, %rsi
	VM_RD	F_NOTIFY
	movq	%r8, %rdi
	VM_WR	F_ATTRIBUTES, 0, -1
	REPORT	6, %rbx, %rsi, %rdi, %rax

	VM_WR	F_NOTIFY, 2, -1
	movq	%rax, %rbx
	VM_WR	F_TD_CTLS, 0, 1
	movq	%rax, %rsi
	movq	%r8, %rdi
	VM_RD	F_TD_CTLS
	REPORT	7, %rbx, %rsi, %rdi, %r8

	VP_RD	F_VCPU_INDEX
	movq	%rax, %rbx
	movq	%r8, %rsi
	VP_WR	F_VCPU_INDEX, 1, -1
	movq	%rax, %rdi
	VP_RD	F_VCPU_STATE
	REPORT	8, %rbx, %rsi, %rdi, %rax

	SYS_RD	F_SYS_MAJOR
	movq	%rax, %rbx
	movq	%r8, %rsi
	movq	%rdx, %rdi
	SYS_RD	F_SYS_UNKNOWN
	REPORT	9, %rbx, %rsi, %rdi, %rax

	CPUIDVE_SET 3
	movq	%rax, %rbx
	VP_RD	F_CPUID_SUP_VE
	movq	%r8, %rsi
	VP_RD	F_CPUID_USER_VE
	movq	%r8, %rdi
	CPUIDVE_SET 4
	REPORT	10, %rbx, %rsi, %rdi, %rax

	VP_WR	F_CPUID_USER_VE, 0, 1
	movq	%rax, %rbx
	movq	%r8, %rsi
	VP_RD	F_CPUID_USER_VE
	movq	%r8, %rdi
	VP_RD	F_CPUID_SUP_VE
	REPORT	11, %rbx, %rsi, %rdi, %r8

	SYS_RDALL RDALL_PAGE, F_SYS_NUM_PKGS
	movq	%rax, %rbx
	movq	%r8, %rsi
	movl	$RDALL_PAGE, %ebp
	REPORT	12, %rbx, %rsi, 0(%rbp), 8(%rbp)

	SYS_RDALL RDALL_PAGE+8, F_SYS_NUM_PKGS
	movq	%rax, %rbx
	SYS_RDALL RDALL_PAGE, F_SYS_UNKNOWN
	movq	%rax, %rsi
	movl	$TDG_VP_INFO, %eax
	TDCALL
	movl	$RDALL_PAGE, %ebp
	REPORT	13, 16(%rbp), %rbx, %rsi, %r10

	VM_RD	F_ATTRIBUTES, 2
	movq	%rax, %rbx
	VP_RD	F_VCPU_INDEX, 1
	movq	%rax, %rsi
	xorl	%ecx, %ecx
	movabsq	$F_NOTIFY, %rdx
	movl	$TDG_LEAF_V(TDG_VM_WR, 1), %eax
	TDCALL
	movq	%rax, %rdi
	VP_RD	F_UNKNOWN_VP
	REPORT	14, %rbx, %rsi, %rdi, %rax
	DONE

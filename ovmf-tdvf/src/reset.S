/*
 * From the reset vector to 64-bit C (reference host-stack.md 4.1,
 * tdx-abi.md 6.1).
 *
 * A TD vCPU starts at 0xFFFFFFF0 in 32-bit protected mode, flat, paging
 * off, EFER.LME already set, with EBX[5:0] = GPAW and ESI = vCPU index.
 * A plain KVM vCPU starts at the same address in 16-bit real mode (CS
 * base 0xFFFF0000), so the reset vector's bytes must mean the right thing
 * in both modes: it tests CR0.PE and goes to 32-bit code directly, or
 * through real16 which enters protected mode first.
 *
 * 32-bit code: CPUID 0x21 "IntelTDX    " decides TD or plain VM.  The BSP
 * (vCPU 0, or the only vCPU of a plain VM) builds the identity page tables
 * for VA 0..4 GiB in TEMP_MEM and sets the work area's PageTableReady;
 * TD APs wait for it.  Everyone enables paging and long mode.  The BSP
 * calls tdvf_main(is_td, gpaw) on its .bss stack; APs go to ap_park.
 */
#include "tdvf_layout.h"

	.section .note.GNU-stack, "", @progbits

#define WA(field)	(TDVF_WORK_AREA + TDVF_WA_##field)
#define X86_CR0_PE	0x00000001
#define X86_CR0_MP	0x00000002
#define X86_CR0_EM	0x00000004
#define X86_CR0_NE	0x00000020
#define X86_CR0_NW	0x20000000
#define X86_CR0_CD	0x40000000
#define X86_CR0_PG	0x80000000
#define X86_CR4_PAE	0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800

/* ---- the last 16 bytes of the image ---- */
	.section .resetvec, "ax"
	.code16
	.globl	reset_vector
reset_vector:
	movl	%cr0, %eax		/* 0F 20 C0 in both modes */
	testb	$X86_CR0_PE, %al	/* A8 01 */
	jz	1f			/* 74 xx */
	.code32
	jmp	entry32			/* E9 rel32: protected mode (TD) */
	.code16
1:	jmp	real16			/* E9 rel16: real mode (plain VM) */

/*
 * ---- real mode, within the last 64 KiB (CS base 0xFFFF0000) ----
 * GDT and its descriptor sit here too, so that LGDT can reach them
 * through CS with 16-bit offsets.
 */
	.section .text16, "ax"
	.code16
real16:
	cli
	cld
	lgdtl	%cs:(gdt_desc - 0xFFFF0000)
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$TDVF_SEL_CODE32, $entry32

	.balign	8
gdt:
	.quad	0
	.quad	0x00CF9B000000FFFF	/* 0x08: 32-bit code, flat, accessed */
	.quad	0x00CF93000000FFFF	/* 0x10: data, flat, accessed */
	.quad	0x00AF9B000000FFFF	/* 0x18: 64-bit code, accessed */
gdt_end:
	.globl	gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

/* ---- 32-bit protected mode ---- */
	.text
	.code32
entry32:
	cli
	cld
	/*
	 * Through CS, which is flat on both paths: after real16, DS still
	 * has its real-mode 64 KiB limit until it is reloaded below.
	 */
	lgdtl	%cs:gdt_desc
	movl	$TDVF_SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	ljmpl	$TDVF_SEL_CODE32, $1f
1:
	movl	%ebx, %edi		/* GPAW, in a TD */
	movl	$0x21, %eax
	xorl	%ecx, %ecx
	cpuid
	cmpl	$0x65746E49, %ebx	/* "Inte" */
	jne	.Lplain
	cmpl	$0x5844546C, %edx	/* "lTDX" */
	jne	.Lplain
	cmpl	$0x20202020, %ecx	/* "    " */
	jne	.Lplain

	testl	%esi, %esi
	jnz	.Lap_wait
	andl	$0x3F, %edi
	movl	%edi, WA(GPAW)
	movl	$TDVF_GUEST_TYPE_TDX, WA(GUEST_TYPE)
	jmp	.Lbuild_tables

.Lplain:
	xorl	%esi, %esi
	movl	$0, WA(GPAW)
	movl	$0, WA(GUEST_TYPE)
	movl	$0, WA(APS_PARKED)

.Lbuild_tables:
	/* Zero PML4, PDPT and the identity PDs (plain-VM RAM may hold anything). */
	movl	$TDVF_PML4, %edi
	xorl	%eax, %eax
	movl	$((TDVF_PAGE_TABLES_END - TDVF_PML4) / 4), %ecx
	rep stosl

	movl	$(TDVF_PDPT | TDVF_PTE_P | TDVF_PTE_RW), TDVF_PML4

	/* PDPT[0..3] -> the four identity PDs. */
	movl	$TDVF_PDPT, %edi
	movl	$(TDVF_PD_IDENTITY | TDVF_PTE_P | TDVF_PTE_RW), %eax
2:	movl	%eax, (%edi)
	addl	$8, %edi
	addl	$0x1000, %eax
	cmpl	$(TDVF_PDPT + 4 * 8), %edi
	jb	2b

	/* 2048 x 2 MiB: VA = GPA for 0..4 GiB (RAM, the image, MMIO). */
	movl	$TDVF_PD_IDENTITY, %edi
	movl	$(TDVF_PTE_P | TDVF_PTE_RW | TDVF_PTE_PS), %eax
3:	movl	%eax, (%edi)
	addl	$8, %edi
	addl	$0x200000, %eax
	cmpl	$(TDVF_PD_IDENTITY + 4 * 0x1000), %edi
	jb	3b

	movl	$1, WA(PAGE_TABLE_READY)
	jmp	.Lenter_long

.Lap_wait:
	pause
	cmpl	$1, WA(PAGE_TABLE_READY)
	jne	.Lap_wait

.Lenter_long:
	movl	$TDVF_PML4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	cmpl	$TDVF_GUEST_TYPE_TDX, WA(GUEST_TYPE)
	je	4f
	/* A plain VM starts with EFER = 0; a TD with LME|NXE already set. */
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
4:	movl	%cr0, %eax
	andl	$~(X86_CR0_CD | X86_CR0_NW | X86_CR0_EM), %eax
	orl	$(X86_CR0_PG | X86_CR0_MP | X86_CR0_NE), %eax
	movl	%eax, %cr0
	testl	%esi, %esi
	jnz	5f
	ljmpl	$TDVF_SEL_CODE64, $entry64_bsp
5:	ljmpl	$TDVF_SEL_CODE64, $entry64_ap

/* ---- 64-bit ---- */
	.code64
entry64_bsp:
	movabsq	$(tdvf_bsp_stack + TDVF_BSP_STACK_SIZE), %rsp
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	cmpl	$TDVF_GUEST_TYPE_TDX, WA(GUEST_TYPE)
	sete	%dil
	movl	WA(GPAW), %esi
	movabsq	$tdvf_main, %rax
	call	*%rax
6:	hlt
	jmp	6b

/*
 * A TD AP, ESI = its vCPU index.  It waits until the BSP has loaded the
 * IDT (so that a TDCALL reflected as #UD reaches the doorbell handler),
 * takes a 2 KiB stack, and parks in the mailbox loop (ap_park.S).
 */
entry64_ap:
	movl	%esi, %ebx
7:	pause
	cmpl	$1, WA(IDT_READY)
	jne	7b
	movabsq	$tdvf_idt_desc, %rax
	lidt	(%rax)
	cmpl	$TDVF_MAX_APS, %ebx
	jae	9f
	movl	%ebx, %eax
	incl	%eax
	shll	$11, %eax			/* TDVF_AP_STACK_SIZE */
	movabsq	$tdvf_ap_stacks, %rsp
	addq	%rax, %rsp
	movabsq	$ap_park, %rax
	jmp	*%rax
9:	hlt
	jmp	9b

/*
 * mini-tdvf: a 64 KiB TDVF-shaped test firmware for qemu-tdx (entry and
 * layout; the logic is mini_main.c).  Image at GPA 0xFFFF0000:
 *
 *   0xFFFF0000  code, read-only data (no writable data: ROM in a plain VM)
 *   0xFFFFFF00  TDVF metadata: BFV (whole image, MR.EXTEND), TEMP_MEM
 *               0x800000+0x20000, TD_HOB 0x820000+0x2000
 *   0xFFFFFF70  real-mode entry (plain VM): GDT, PE, far jump to 32-bit
 *   0xFFFFFFB8  OVMF footer table: TDX metadata offset entry, length, GUID
 *   0xFFFFFFE0  mode check: CR0.PE set means a TD (32-bit start)
 *   0xFFFFFFF0  reset vector: short jump to the mode check
 *
 * TEMP_MEM: page tables 0x800000..0x805FFF, AP release flag 0x806000,
 * fw_cfg DMA descriptor page 0x807000 and buffer page 0x808000 (shared in
 * a TD), BSP stack below 0x820000.  VA 1 GiB maps GPA 0x800000 (2 MiB),
 * with the shared bit in a TD, for the DMA pages.
 */
#define TEMP_MEM	0x800000
#define PML4		0x800000
#define PDPT		0x801000
#define PD		0x802000
#define AP_FLAG		0x806000
#define STACK_TOP	0x820000
#define PTE_P_RW	0x3
#define PTE_PS		0x80
#define CR4_PAE		0x20
#define CR0_PG		0x80000000
#define MSR_EFER	0xC0000080
#define EFER_LME	0x100

	.section .note.GNU-stack, "", @progbits

	.section .text.entry, "ax"
	.code32
	.globl	entry32_td
entry32_td:			/* TD: 32-bit protected mode, ESI = vCPU index */
	movl	$1, %ebp
	jmp	common32
	.globl	entry32_plain
entry32_plain:			/* plain VM, from real16: CS = 0x08 */
	xorl	%esi, %esi
	xorl	%ebp, %ebp
common32:
	lgdtl	%cs:gdt_desc		/* DS may still carry a real-mode limit */
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	testl	%esi, %esi
	jnz	ap_wait

	/* vCPU 0: PML4[0] -> PDPT -> four PDs of 2 MiB pages, VA = GPA below 4 GiB. */
	movl	$PML4, %edi
	xorl	%eax, %eax
1:	movl	%eax, (%edi)
	addl	$4, %edi
	cmpl	$(PD + 0x4000), %edi
	jb	1b
	movl	$(PDPT | PTE_P_RW), PML4
	movl	$PDPT, %edi
	movl	$(PD | PTE_P_RW), %eax
2:	movl	%eax, (%edi)
	addl	$8, %edi
	addl	$0x1000, %eax
	cmpl	$(PDPT + 32), %edi
	jb	2b
	movl	$PD, %edi
	movl	$(PTE_P_RW | PTE_PS), %eax
3:	movl	%eax, (%edi)
	addl	$8, %edi
	addl	$0x200000, %eax
	cmpl	$(PD + 0x4000), %edi
	jb	3b
	/* VA 1 GiB -> GPA 0x800000, shared (bit 47 = high dword bit 15) in a TD. */
	movl	$(TEMP_MEM | PTE_P_RW | PTE_PS), PD + 0x1000
	movl	%ebp, %eax
	shll	$15, %eax
	movl	%eax, PD + 0x1004
	movl	$1, AP_FLAG
	jmp	paging_on

ap_wait:
	pause
	cmpl	$1, AP_FLAG
	jne	ap_wait

paging_on:
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	testl	%ebp, %ebp
	jnz	4f
	/* A TD starts with EFER.LME set; a plain VM does not. */
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
4:	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $entry64

	.code64
entry64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	testl	%esi, %esi
	jnz	ap_loop
	movq	$STACK_TOP, %rsp
	movl	%ebp, %edi
	call	mini_main
5:	hlt
	jmp	5b

	/* APs (TD only) halt through TDG.VP.VMCALL<Instruction.HLT> forever. */
ap_loop:
	xorl	%eax, %eax
	movl	$0xFC00, %ecx
	xorl	%r10d, %r10d
	movl	$12, %r11d
	xorl	%r12d, %r12d
	.byte	0x66, 0x0f, 0x01, 0xcc		/* tdcall */
	jmp	ap_loop

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00CF9B000000FFFF		/* 0x08: 32-bit code, flat */
	.quad	0x00CF93000000FFFF		/* 0x10: data, flat */
	.quad	0x00AF9B000000FFFF		/* 0x18: 64-bit code */
gdt_end:
	.balign	8
	.word	0
	.globl	gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

/* ---- the last 256 bytes ---- */
	.section .top, "ax"
tdvf_metadata:
	.long	0x46564454		/* 'TDVF' */
	.long	16 + 32 * 3
	.long	1
	.long	3
	/* BFV: the whole image, measured */
	.long	0, 0x10000
	.quad	0xFFFF0000, 0x10000
	.long	0, 1
	/* TEMP_MEM */
	.long	0, 0
	.quad	0x800000, 0x20000
	.long	3, 0
	/* TD_HOB */
	.long	0, 0
	.quad	0x820000, 0x2000
	.long	2, 0

	.code16
real16:				/* plain VM: real mode, CS base 0xFFFF0000 */
	cli
	.byte	0x2e, 0x66, 0x0f, 0x01, 0x16	/* lgdtl %cs:disp16 */
	.word	gdt_desc - 0xFFFF0000
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $entry32_plain

	.org	0xB8
	.long	0x100			/* the descriptor, counted back from the end */
	.word	22
	.byte	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47	/* TDX metadata offset GUID */
	.byte	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2
	.word	40			/* table length, with this footer */
	.byte	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45	/* OVMF footer table GUID */
	.byte	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d

	.org	0xE0
mode_check:			/* the same bytes in 16- and 32-bit mode */
	.byte	0x0f, 0x01, 0xe0		/* smsw %ax */
	.byte	0xa8, 0x01			/* test $1, %al */
	.byte	0x75, 0x03			/* jnz to the 32-bit jump */
	.byte	0xe9				/* 16-bit: jmp real16 */
	.word	real16 - (. + 2)
	.byte	0xe9				/* 32-bit: jmp entry32_td */
	.long	entry32_td - (. + 4)

	.org	0xF0
reset_vector:
	.byte	0xeb, 0xee			/* jmp mode_check */
	.org	0x100, 0xf4

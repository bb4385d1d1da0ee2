/*
 * The code every guest image shares: reset vector, 32 -> 64-bit
 * trampoline, GDT, page tables, IDT and fault reporting.  Included once
 * by each image, after guest.h.
 *
 * The vCPU starts as a TD vCPU does: 32-bit protected mode, paging off,
 * CR0 = PE|NE, CR4 = MCE, EFER = LME|NXE|SCE, flat segments with null
 * selectors, RIP = 0xFFFFFFF0, RBX = GPAW, RSI = vCPU index, RCX and R8 =
 * host-chosen values.
 *
 * vCPU 0 builds the page tables and the IDT; the others wait in 32-bit
 * mode until it sets BOOT_FLAG_GPA.  Every vCPU then calls guest_main in
 * 64-bit mode with:
 *
 *	RBX, RCX, RSI, R8	as the host set them at reset (untouched)
 *	RSP			STACK_TOP - index * 64 KiB
 *	DS, ES, FS, GS, SS	GDT_DATA; CS = GDT_CODE64
 *	VA 0..4 GiB		identity-mapped to private GPAs, 2 MiB pages,
 *				except VA 1 GiB .. +2 MiB, which maps shared
 *				GPA (1 << 47) + 0 (GUEST_SHARED_VA)
 *	IDT			vectors 0..31 report GUEST_STEP_FAULT and halt
 *
 * If guest_main returns, the runtime reports GUEST_STEP_DONE.
 */

	.section .note.GNU-stack, "", @progbits

/* ---------------------------------------------------------------------- */
/* The reset vector: the last 16 bytes of the image (guest.ld).            */

	.section .resetvec, "ax"
	.code32
	.globl	reset_vector
reset_vector:
	jmp	guest_entry32

/* ---------------------------------------------------------------------- */

	.text
	.code32
/*
 * Uses only EAX, EDI and flags: writing a 32-bit register outside 64-bit
 * mode leaves its upper half undefined, and RBX, RCX, RSI and R8 must
 * reach guest_main whole.
 */
	.globl	guest_entry32
guest_entry32:
	lgdtl	gdt_desc
	testl	%esi, %esi
	jnz	.Lwait_for_tables

	/* vCPU 0: PML4[0] -> PDPT; PDPT[0..3] -> the four PDs. */
	movl	$PML4_GPA, %edi
	xorl	%eax, %eax
1:	movl	%eax, (%edi)
	addl	$4, %edi
	cmpl	$(PDPT_GPA + 0x1000), %edi
	jb	1b
	movl	$(PDPT_GPA | PTE_P | PTE_RW), PML4_GPA

	movl	$PDPT_GPA, %edi
	movl	$(PD_GPA | PTE_P | PTE_RW), %eax
2:	movl	%eax, (%edi)
	addl	$8, %edi
	addl	$0x1000, %eax
	cmpl	$(PDPT_GPA + 4 * 8), %edi
	jb	2b

	/* 2048 2 MiB pages: VA = GPA for 0..4 GiB, which covers RAM and image. */
	movl	$PD_GPA, %edi
	movl	$(PTE_P | PTE_RW | PTE_PS), %eax
3:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$8, %edi
	addl	$0x200000, %eax
	cmpl	$(PD_GPA + 4 * 0x1000), %edi
	jb	3b

	/*
	 * PD 1 entry 0 (VA 1 GiB) -> shared GPA (1 << 47) + 0.  This hides
	 * the identity mapping of private GPA 1 GiB, which no image uses.
	 */
	movl	$(PTE_P | PTE_RW | PTE_PS), PD_GPA + 0x1000
	movl	$PTE_SHARED_HI, PD_GPA + 0x1000 + 4
	jmp	.Lpaging_on

.Lwait_for_tables:
	pause
	cmpl	$1, BOOT_FLAG_GPA
	jne	.Lwait_for_tables

.Lpaging_on:
	movl	$PML4_GPA, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	/* EFER.LME is already set: turning on paging activates IA-32e mode. */
	movl	%cr0, %eax
	orl	$X86_CR0_PG, %eax
	movl	%eax, %cr0
	ljmpl	$GDT_CODE64, $guest_entry64

	.code64
guest_entry64:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	movl	%esi, %eax
	shlq	$STACK_SHIFT, %rax
	movq	$STACK_TOP, %rsp
	subq	%rax, %rsp

	testl	%esi, %esi
	jnz	1f
	call	idt_init
	/* The tables and the IDT are complete: release the other vCPUs. */
	movl	$1, BOOT_FLAG_GPA
1:	lidt	idt_desc(%rip)
	call	guest_main
	DONE

/*
 * idt_init - clear the IDT and point vectors 0..31 at their fault stubs.
 * Clobbers RAX, RDX, RDI, R9 and flags.
 */
idt_init:
	movl	$IDT_GPA, %edi
	xorl	%eax, %eax
1:	movq	%rax, (%rdi)
	addq	$8, %rdi
	cmpq	$(IDT_GPA + IDT_GATES * 16), %rdi
	jb	1b

	xorl	%r9d, %r9d
2:	movl	%r9d, %eax
	shll	$4, %eax
	leaq	fault_stubs(%rip), %rdx
	addq	%rdx, %rax
	movl	%r9d, %edx
	call	idt_set_gate
	incl	%r9d
	cmpl	$32, %r9d
	jb	2b
	ret

/*
 * idt_set_gate - write a 64-bit interrupt gate (DPL 0, IST 0).
 * EDX = vector, RAX = handler.  Clobbers RAX, RDX and flags.
 */
	.globl	idt_set_gate
idt_set_gate:
	shll	$4, %edx
	addl	$IDT_GPA, %edx
	movw	%ax, 0(%rdx)
	movw	$GDT_CODE64, 2(%rdx)
	movw	$0x8E00, 4(%rdx)	/* P, DPL 0, 64-bit interrupt gate */
	shrq	$16, %rax
	movw	%ax, 6(%rdx)
	shrq	$16, %rax
	movl	%eax, 8(%rdx)
	movl	$0, 12(%rdx)
	ret

/*
 * One 16-byte stub per exception vector, fault_stubs + 16 * vector.
 * Each leaves [vector, error code (0 if none), CPU frame] on the stack.
 */
	.balign	16
	.globl	fault_stubs
fault_stubs:
	.irp	vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign	16
fault_stub_\vec:
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	fault_common
	.endr

fault_common:
	movq	0(%rsp), %rbx		/* vector */
	movq	8(%rsp), %rdx		/* error code */
	movq	16(%rsp), %rsi		/* RIP */
	movq	%cr2, %rdi
	REPORT	GUEST_STEP_FAULT, %rbx, %rdx, %rsi, %rdi
	/* fall through */

/* Halt forever; the test stops entering after DONE or a fault report. */
	.globl	guest_halt
guest_halt:
	hlt
	jmp	guest_halt

/* ---------------------------------------------------------------------- */

	.section .rodata
	.balign	8
gdt:
	.quad	0			/* null */
	.quad	0x00cf9b000000ffff	/* GDT_CODE32: flat, 32-bit, accessed */
	.quad	0x00cf93000000ffff	/* GDT_DATA: flat, writable, accessed */
	.quad	0x00af9b000000ffff	/* GDT_CODE64: L = 1, D = 0 */
gdt_end:

	.balign	8
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign	8
	.word	0
idt_desc:
	.word	IDT_GATES * 16 - 1
	.quad	IDT_GPA

/* What follows in the image is 64-bit code. */
	.text
	.code64

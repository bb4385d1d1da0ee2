/*
 * ve_io: instructions that raise #VE in a TD, handled by a #VE handler
 * that reports what TDG.VP.VEINFO.GET returned and skips the instruction.
 *
 * Every #VE reports first (the handler runs inside the step):
 *	0x20 (GUEST_STEP_VE): RCX, RDX, R9, R10 of TDG.VP.VEINFO.GET (exit
 *	     reason, exit qualification, GPA, instruction length | info << 32)
 *
 * The main flow, each step carrying (step, number of #VEs so far):
 *	OUT %al, (%dx) to port 0x3F8	-> #VE, then 1: 1, 1
 *	IN $0x71, %al			-> #VE, then 2: 2, 2
 *	HLT				-> #VE, then 3: 3, 3
 *	read a byte at GPA 0x800000	-> #VE, then 4: 4, 4
 *	(the host AUGed 0x800000 but the guest never accepted it: PENDING)
 *	read 4 bytes at the shared GPA 1 << 47 | 0x1000 (no host memory)
 *					-> #VE, then 5: 5, 5
 *	write 4 bytes there (absolute address)
 *					-> #VE, then 6: 6, 6
 *	write 8 bytes at 8(%rdi,%rsi,4) = the same page + 0x18
 *					-> #VE, then 7: 7, 7
 *	(KVM finishes an MMIO write before it exits; the #VE must still point
 *	at the store, which the handler checks by its label)
 *	DONE
 *
 * An EPT-violation #VE has no valid instruction length, so the handler
 * knows the two instructions that may raise it (ve_pending_touch,
 * ve_mmio_touch) and resumes after them; any other EPT violation, a zero length or a failed
 * VEINFO.GET reports GUEST_STEP_FAULT (vector 20) and halts.
 */
#include "guest.h"
#include "guest_runtime.S"

#define VE_COUNT	IMAGE_DATA_GPA		/* 0x8000, u32 */
#define PENDING_GPA	0x800000

	.globl	guest_main
guest_main:
	movl	$0, VE_COUNT
	SET_IDT_GATE X86_VECTOR_VE, ve_handler

	movw	$0x3f8, %dx
	movb	$0x41, %al
	outb	%al, (%dx)
	movl	VE_COUNT, %eax
	REPORT	1, $1, %rax

	inb	$0x71, %al
	movl	VE_COUNT, %eax
	REPORT	2, $2, %rax

	hlt
	movl	VE_COUNT, %eax
	REPORT	3, $3, %rax

	.globl	ve_pending_touch
ve_pending_touch:
	movb	PENDING_GPA, %al
ve_pending_touch_end:
	movl	VE_COUNT, %eax
	REPORT	4, $4, %rax

	/* MMIO: a read of a shared GPA no host memory backs. */
	.globl	ve_mmio_touch
ve_mmio_touch:
	movl	GUEST_SHARED_VA + 0x1000, %eax
ve_mmio_touch_end:
	movl	VE_COUNT, %eax
	REPORT	5, $5, %rax

	.globl	ve_mmio_write
ve_mmio_write:
	movl	%eax, GUEST_SHARED_VA + 0x1000
ve_mmio_write_end:
	movl	VE_COUNT, %eax
	REPORT	6, $6, %rax

	movq	$(GUEST_SHARED_VA + 0x1000), %rdi
	movl	$4, %esi
	movq	$0x1122334455667788, %rax
	.globl	ve_mmio_write_sib
ve_mmio_write_sib:
	movq	%rax, 8(%rdi,%rsi,4)
ve_mmio_write_sib_end:
	movl	VE_COUNT, %eax
	REPORT	7, $7, %rax
	DONE

/*
 * #VE (no error code).  Saves every register it or REPORT clobbers, so
 * the interrupted code sees only RIP move.
 */
#define VE_SAVED	(11 * 8)		/* pushes below */
#define VE_FRAME_RIP	VE_SAVED(%rsp)

ve_handler:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15

	movl	$TDG_VP_VEINFO_GET, %eax
	TDCALL
	testq	%rax, %rax
	jnz	.Lve_fault_status
	incl	VE_COUNT

	/* Keep what REPORT clobbers: exit reason in R8 (the GLA is not needed). */
	movq	%rcx, %r8
	pushq	%r10
	REPORT	GUEST_STEP_VE, %rcx, %rdx, %r9, %r10
	popq	%rdx			/* instruction length | info << 32 */

	cmpl	$EXIT_REASON_EPT_VIOLATION, %r8d
	jne	.Lve_skip_length

	leaq	ve_pending_touch(%rip), %rax
	cmpq	%rax, VE_FRAME_RIP
	jne	1f
	leaq	ve_pending_touch_end(%rip), %rax
	movq	%rax, VE_FRAME_RIP
	jmp	.Lve_return
1:	leaq	ve_mmio_touch(%rip), %rax
	cmpq	%rax, VE_FRAME_RIP
	jne	2f
	leaq	ve_mmio_touch_end(%rip), %rax
	movq	%rax, VE_FRAME_RIP
	jmp	.Lve_return
2:	leaq	ve_mmio_write(%rip), %rax
	cmpq	%rax, VE_FRAME_RIP
	jne	3f
	leaq	ve_mmio_write_end(%rip), %rax
	movq	%rax, VE_FRAME_RIP
	jmp	.Lve_return
3:	leaq	ve_mmio_write_sib(%rip), %rax
	cmpq	%rax, VE_FRAME_RIP
	jne	.Lve_fault_reason
	leaq	ve_mmio_write_sib_end(%rip), %rax
	movq	%rax, VE_FRAME_RIP
	jmp	.Lve_return

.Lve_skip_length:
	movl	%edx, %eax		/* low 32 bits, zero-extended */
	testl	%eax, %eax
	jz	.Lve_fault_reason
	addq	%rax, VE_FRAME_RIP

.Lve_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

.Lve_fault_status:
	movq	%rax, %r8
.Lve_fault_reason:
	movq	VE_FRAME_RIP, %rdx
	REPORT	GUEST_STEP_FAULT, $X86_VECTOR_VE, %r8, %rdx, $0
	jmp	guest_halt

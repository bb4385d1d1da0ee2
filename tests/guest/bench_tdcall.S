/*
 * bench_tdcall: the guest side of bench/bench_tdcall.c, a command loop
 * (include/bench_tdcall.h has the protocol).  Per command:
 *
 *	1: 0 (ready; the host's R12..R15 in reply are the command)
 *	2: the command (the host's clock starts at this exit)
 *	3: failures, RAX of the first failure, calls made (the clock stops)
 *	DONE after BENCH_CMD_DONE
 *
 * The loops keep their state in RBX, RBP, RSI, RDI and R12..R15, which
 * neither the TDCALLs here nor a ping (RCX = R10|R11) change.
 */
#include "guest.h"
#include "bench_tdcall.h"
#include "guest_runtime.S"

/* RAX != 0: count a failure in R13, keep the first RAX in R14. */
.macro COUNT_FAILURE
	testq	%rax, %rax
	jz	.Lok\@
	testq	%r13, %r13
	jnz	.Lcounted\@
	movq	%rax, %r14
.Lcounted\@:
	incq	%r13
.Lok\@:
.endm

	.globl	guest_main
guest_main:
.Lnext:
	REPORT	BENCH_STEP_READY
	movq	%r12, %rbx		/* command */
	movq	%r13, %rsi		/* n, or GPA */
	movq	%r14, %rdi		/* bytes */
	movq	%r15, %rbp		/* level */
	cmpq	$BENCH_CMD_DONE, %rbx
	je	.Ldone
	cmpq	$BENCH_CMD_ACCEPT, %rbx
	ja	.Lunknown
	REPORT	BENCH_STEP_START, %rbx
	xorl	%r13d, %r13d		/* failures */
	xorl	%r14d, %r14d		/* first failing RAX */
	xorl	%r15d, %r15d		/* calls made */
	cmpq	$BENCH_CMD_VP_INFO, %rbx
	je	.Lvp_info
	cmpq	$BENCH_CMD_VMCALL, %rbx
	je	.Lvmcall
	jmp	.Laccept

.Lvp_info:
	movq	%rsi, %r12		/* calls left */
	testq	%r12, %r12
	jz	.Lend
1:	movl	$TDG_VP_INFO, %eax
	TDCALL
	COUNT_FAILURE
	incq	%r15
	decq	%r12
	jnz	1b
	jmp	.Lend

.Lvmcall:
	movq	%rsi, %r12
	testq	%r12, %r12
	jz	.Lend
1:	movl	$GUEST_REPORT_LEAF, %r10d
	movl	$BENCH_STEP_PING, %r11d
	movl	$TDG_VP_VMCALL, %eax
	movl	$BENCH_PING_MASK, %ecx
	TDCALL
	COUNT_FAILURE
	incq	%r15
	decq	%r12
	jnz	1b
	jmp	.Lend

.Laccept:
	/* RSI = next GPA, RDI = end, RBX = page size, RBP = level. */
	addq	%rsi, %rdi
	movl	$0x1000, %ebx
	testq	%rbp, %rbp
	jz	1f
	movl	$0x200000, %ebx
1:	cmpq	%rdi, %rsi
	jae	.Lend
	movq	%rsi, %rcx
	orq	%rbp, %rcx
	movl	$TDG_MEM_PAGE_ACCEPT, %eax
	TDCALL
	COUNT_FAILURE
	incq	%r15
	addq	%rbx, %rsi
	jmp	1b

.Lend:
	REPORT	BENCH_STEP_END, %r13, %r14, %r15
	jmp	.Lnext

.Lunknown:
	REPORT	GUEST_STEP_FAULT, $-1, %rbx
	jmp	guest_halt

.Ldone:
	DONE

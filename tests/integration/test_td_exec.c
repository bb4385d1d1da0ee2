/*
 * TDs execute: guest programs from tests/guest run in real TDs on the
 * host's /dev/kvm, entered with raw TDH.VP.ENTER.  Each program reports
 * what it saw through a vendor TDG.VP.VMCALL (R10 = 0x7E57, R11 = step,
 * R12..R15 = values) that this test reads from the TD exit registers.
 * Without a usable /dev/kvm every test here is skipped, with the reason.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "guest_paths.h"
#include "platform.h"
#include "pmem.h"
#include "td_fixture.h"
#include "tdx_host.h"

#define STEP_DONE	0xFF
#define MAX_VCPUS	TDF_MAX_VCPUS
#define TD_ATTR_SEPT_VE_DISABLE	TDF_TD_ATTR_SEPT_VE_DISABLE
#define TD_FATAL	0x8010000000000001ULL	/* TDR.FATAL (4.6) */

static void test_vp_info(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_VP_INFO, 1, TD_ATTR_SEPT_VE_DISABLE);
	uint64_t r[4];

	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], 48);				/* RCX: GPAW */
	assert_int_equal(r[1], TD_ATTR_SEPT_VE_DISABLE);	/* RDX: ATTRIBUTES */
	assert_int_equal(r[2], 1ULL | (uint64_t)max_vcpus(t) << 32);	/* R8: NUM | MAX */
	assert_int_equal(r[3], 0);				/* R9: vCPU index */
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 1);				/* R10: SYS.RD/RDALL */
	assert_int_equal(r[2], 0);				/* R11 */
	assert_int_equal(r[3], 0);				/* RSI at reset: index */
	/* Reference 6.1: RBX = GPAW, RCX = R8 = INIT_VCPU's value, CR4 as the guest reads it. */
	expect_report(t, 0, 3, r);
	assert_int_equal(r[0], 48);
	assert_int_equal(r[1], 0x1234000);
	assert_int_equal(r[2], 0x1234000);
	assert_int_equal(r[3] & 0x2040, 0x40);		/* MCE set, VMXE hidden */
	expect_report(t, 0, STEP_DONE, NULL);
}


static void test_accept(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_ACCEPT, 1, TD_ATTR_SEPT_VE_DISABLE);
	uint8_t host[64], attacker[64], zero[64] = { 0 };
	uint64_t r[4], hpa;

	/* 0x200000: 4 KiB (a new page table first); 0x400000, 0x600000: 2 MiB. */
	sept_add(t, 0x200000, 1);
	hpa = aug(t, 0x200000, 0);
	aug(t, 0x400000, 1);
	aug(t, 0x600000, 1);
	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], 0x1122334455667788ULL);
	/* The host sees zeros, the attacker ciphertext, never the guest's value. */
	assert_int_equal(pmem_host_read(t->boot.m->plat, hpa, host, sizeof(host)), 0);
	assert_memory_equal(host, zero, sizeof(host));
	assert_int_equal(pmem_attacker_read(t->boot.m->plat, hpa, attacker, sizeof(attacker)), 0);
	assert_memory_not_equal(attacker, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
	expect_report(t, 0, 3, r);
	assert_int_equal(r[0], TDX_PAGE_ALREADY_ACCEPTED | 0);
	expect_report(t, 0, 4, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	expect_report(t, 0, 5, r);
	assert_int_equal(r[0], 0xA5A5A5A5A5A5A5A5ULL);
	/* 4 KiB accept of a 2 MiB PENDING page: the size that is there (1). */
	expect_report(t, 0, 6, r);
	assert_int_equal(r[0], TDX_PAGE_SIZE_MISMATCH | 1);
	expect_report(t, 0, STEP_DONE, NULL);
}

static void test_accept_before_aug_exits_to_host(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_ACCEPT, 1, TD_ATTR_SEPT_VE_DISABLE);
	struct tdx_module_args a = { 0 };
	uint64_t r[4];

	/* Nothing at 0x200000 yet: an EPT violation exit, type ACCEPT, 4 KiB. */
	assert_int_equal(enter(t, 0, &a), TDX_SUCCESS | EXIT_REASON_EPT_VIOLATION);
	assert_int_equal(a.r8, 0x200000);
	assert_int_equal(a.rdx, TDX_EEQ_ACCEPT | 0ULL << 32);
	/* The host adds the page; the TDCALL runs again and succeeds. */
	sept_add(t, 0x200000, 1);
	aug(t, 0x200000, 0);
	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);
}

/* One #VE report of ve_io: exit reason, qualification, GPA, length. */
static void expect_ve(struct tdrun *t, uint64_t reason, uint64_t qual, uint64_t gpa,
		      uint64_t len)
{
	uint64_t r[4];

	expect_report(t, 0, 0x20, r);
	if (r[0] != reason || r[1] != qual || r[2] != gpa || (r[3] & 0xFFFFFFFF) != len)
		print_error("#VE: reason %llu qual 0x%llx gpa 0x%llx len/info 0x%llx\n",
			    (unsigned long long)r[0], (unsigned long long)r[1],
			    (unsigned long long)r[2], (unsigned long long)r[3]);
	assert_int_equal(r[0], reason);
	assert_int_equal(r[1], qual);
	assert_int_equal(r[2], gpa);
	assert_int_equal(r[3] & 0xFFFFFFFF, len);
}

static void test_ve_io_hlt_pending(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_VE_IO, 1, 0);
	uint64_t r[4];

	sept_add(t, 0x800000, 1);
	aug(t, 0x800000, 0);		/* PENDING, never accepted */
	/* out %al,(%dx) to 0x3F8: size 1, out, DX form; 1 byte. */
	expect_ve(t, EXIT_REASON_IO_INSTRUCTION, 0x3F8ULL << 16, 0, 1);
	expect_report(t, 0, 1, r);
	assert_int_equal(r[1], 1);
	/* in $0x71,%al: size 1, in, immediate; 2 bytes. */
	expect_ve(t, EXIT_REASON_IO_INSTRUCTION, 0x71ULL << 16 | 1 << 3 | 1 << 6, 0, 2);
	expect_report(t, 0, 2, r);
	assert_int_equal(r[1], 2);
	expect_ve(t, EXIT_REASON_HLT, 0, 0, 1);
	expect_report(t, 0, 3, r);
	assert_int_equal(r[1], 3);
	/* A read of the PENDING page with SEPT_VE_DISABLE clear: #VE, EPT violation. */
	expect_ve(t, EXIT_REASON_EPT_VIOLATION, EPT_QUAL_READ, 0x800000, 0);
	expect_report(t, 0, 4, r);
	assert_int_equal(r[1], 4);
	/* MMIO to a shared GPA the host backs with nothing: #VE, the TD emulates it. */
	expect_ve(t, EXIT_REASON_EPT_VIOLATION, EPT_QUAL_READ, (1ULL << 47) | 0x1000, 0);
	expect_report(t, 0, 5, r);
	assert_int_equal(r[1], 5);
	/*
	 * Writes there, which KVM completes before exiting: the guest's
	 * handler checks that the #VE's RIP is the store itself.
	 */
	expect_ve(t, EXIT_REASON_EPT_VIOLATION, EPT_QUAL_WRITE, (1ULL << 47) | 0x1000, 0);
	expect_report(t, 0, 6, r);
	assert_int_equal(r[1], 6);
	expect_ve(t, EXIT_REASON_EPT_VIOLATION, EPT_QUAL_WRITE, (1ULL << 47) | 0x1018, 0);
	expect_report(t, 0, 7, r);
	assert_int_equal(r[1], 7);
	expect_report(t, 0, STEP_DONE, NULL);
}

static void test_pending_touch_with_sept_ve_disable_exits(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_VE_IO, 1, TD_ATTR_SEPT_VE_DISABLE);
	struct tdx_module_args a = { 0 };

	sept_add(t, 0x800000, 1);
	aug(t, 0x800000, 0);
	for (unsigned int step = 1; step <= 3; step++) {
		expect_report(t, 0, 0x20, NULL);
		expect_report(t, 0, step, NULL);
	}
	/* No #VE: the host gets an EPT violation, extended type PENDING_EPT_VIOLATION. */
	assert_int_equal(enter(t, 0, &a), TDX_SUCCESS | EXIT_REASON_EPT_VIOLATION);
	assert_int_equal(a.r8, 0x800000);
	assert_int_equal(a.rdx & 0xF, TDX_EEQ_PENDING_EPT_VIOLATION);
	assert_int_equal(a.r10 | a.r11 | a.r12 | a.r13 | a.r14 | a.r15 | a.rbx | a.rsi | a.rdi, 0);
}

static void test_rtmr_extend(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_RTMR, 1, TD_ATTR_SEPT_VE_DISABLE);
	uint64_t r[4];

	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX));
	expect_report(t, 0, 3, r);
	assert_int_equal(r[0], tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX));
	expect_report(t, 0, STEP_DONE, NULL);
}

static void test_doorbell_path(void **state)
{
	/* A host whose KVM reflects #UD for TDCALL: the guest's #UD handler forwards it. */
	struct tdrun *t = *state = td_start_on("tdcall-ud=1", GUEST_IMAGE_DOORBELL, 1,
					      TD_ATTR_SEPT_VE_DISABLE);
	uint64_t r[4];

	/* The #UD path gives the same results as the TDCALL path (test_vp_info). */
	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], 48);
	assert_int_equal(r[1], TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(r[2], 1ULL | (uint64_t)max_vcpus(t) << 32);
	assert_int_equal(r[3], 0);
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[3], 1);	/* one #UD forwarded */
	expect_report(t, 0, STEP_DONE, NULL);
}

static void test_tdcall_ud_without_handler_faults(void **state)
{
	struct tdrun *t = *state = td_start_on("tdcall-ud=1", GUEST_IMAGE_VP_INFO, 1,
					      TD_ATTR_SEPT_VE_DISABLE);
	struct tdx_module_args a = { 0 };

	/*
	 * vp_info has no #UD forwarder: its fault handler's own report is a
	 * TDCALL that faults again, up to a triple fault.  The vCPU is lost
	 * (TDX_NON_RECOVERABLE_VCPU) and takes no more entries.
	 */
	assert_int_equal(enter(t, 0, &a), TDX_NON_RECOVERABLE_VCPU | EXIT_REASON_TRIPLE_FAULT);
	assert_int_equal(a.rcx | a.rdx | a.r8 | a.r10 | a.r11 | a.r12 | a.rbx | a.rsi, 0);
	assert_int_equal(enter(t, 0, &a), TDX_VCPU_STATE_INCORRECT);
}

static void test_host_write_poisons_td_page_machine_check(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_VP_INFO, 1, TD_ATTR_SEPT_VE_DISABLE);
	/* The page under the guest's stack top (0x1F0000): touched by every report. */
	uint64_t hpa = kvm_tdx_vm_private_pa(t->vm, 0x1EF000);
	const uint64_t junk = 0x4141414141414141ULL;
	struct tdx_module_args a = { 0 };

	expect_report(t, 0, 1, NULL);
	assert_int_not_equal(hpa, 0);
	/* The host writes the TD's page through the host view: the line is poisoned. */
	assert_int_equal(pmem_host_write(t->boot.m->plat, hpa + 0xFC0, &junk, sizeof(junk)), 0);
	/* The guest's next touch is a machine check; the TD is lost, the host told. */
	assert_int_equal(enter(t, 0, &a), TDX_NON_RECOVERABLE_TD);
	assert_int_equal(a.r9, (1U << 31) | (3U << 8) | X86_VECTOR_MC);
	a = (struct tdx_module_args){ .rax = TDH_MNG_RD, .rcx = t->tdr, .rdx = TD_FATAL };
	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.r8, 1);
	a = (struct tdx_module_args){ 0 };
	assert_int_equal(enter(t, 0, &a), TDX_TD_FATAL);
}

struct kicker {
	struct tdrun *t;
	unsigned int cpu;
};

static void *kick_later(void *p)
{
	struct kicker *k = p;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	platform_lp_kick(k->t->boot.m->plat, k->cpu);
	return NULL;
}

static void test_host_preemption_exits_spinning_td(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_SPIN, 1, TD_ATTR_SEPT_VE_DISABLE);
	struct tdx_module_args a;
	struct kicker k = { t, 0 };
	pthread_t th;

	expect_report(t, 0, 1, NULL);
	k.cpu = (unsigned int)kvm_tdx_vcpu_cpu(t->vcpu[0]);
	/* Twice: the guest never exits by itself; each kick is one external-interrupt exit. */
	for (unsigned int i = 0; i < 2; i++) {
		a = (struct tdx_module_args){ 0 };
		assert_int_equal(pthread_create(&th, NULL, kick_later, &k), 0);
		assert_int_equal(enter(t, 0, &a), TDX_SUCCESS | EXIT_REASON_EXTERNAL_INTERRUPT);
		pthread_join(th, NULL);
		/* Nothing of the guest's state reaches the host. */
		assert_int_equal(a.rcx | a.rdx | a.r8 | a.r10 | a.r11 | a.r12 | a.rbx | a.rsi | a.rdi, 0);
	}
}

struct smp_arg {
	struct tdrun *t;
	unsigned int i;
	uint64_t r[4];
	uint64_t status;
};

static void *smp_vcpu(void *p)
{
	struct smp_arg *s = p;
	struct tdx_module_args a = { 0 };

	/* Enter until this vCPU's first report; cmocka asserts stay on the main thread. */
	s->status = enter(s->t, s->i, &a);
	s->r[0] = a.r11;
	s->r[1] = a.r12;
	s->r[2] = a.r13;
	s->r[3] = a.r14;
	return NULL;
}

static void test_smp_concurrent_tdcalls(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_SMP, MAX_VCPUS, TD_ATTR_SEPT_VE_DISABLE);
	struct smp_arg s[MAX_VCPUS];
	pthread_t th[MAX_VCPUS];

	/* vCPU 0 alone until the tables are up: the others then need not spin. */
	expect_report(t, 0, 0x10, NULL);
	for (unsigned int i = 0; i < MAX_VCPUS; i++) {
		s[i] = (struct smp_arg){ .t = t, .i = i };
		assert_int_equal(pthread_create(&th[i], NULL, smp_vcpu, &s[i]), 0);
	}
	for (unsigned int i = 0; i < MAX_VCPUS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(s[i].status, TDX_SUCCESS | EXIT_REASON_TDCALL);
		assert_int_equal(s[i].r[0], 1);		/* step */
		assert_int_equal(s[i].r[1], i);		/* its index */
		assert_int_equal(s[i].r[2], 0);		/* mismatches */
		assert_int_equal(s[i].r[3], 1000);
	}
	for (unsigned int i = 0; i < MAX_VCPUS; i++)
		expect_report(t, i, STEP_DONE, NULL);
}

/*
 * The module's MSR table: pass-through, #VE with its exit reason, or #GP.
 * Then undefined instructions: the guest gets #UD, also where this host's
 * KVM reports them as emulation failures.
 */
static void test_msr_ve_and_gp(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_MSR, 1, TD_ATTR_SEPT_VE_DISABLE);
	/* #VE count, #GP count, last #VE reason, its length */
	static const uint64_t expect[9][4] = {
		{ 0, 0, 0, 0 },					/* RDMSR TSC */
		{ 1, 0, EXIT_REASON_MSR_WRITE, 2 },		/* WRMSR TSC */
		{ 1, 1, EXIT_REASON_MSR_WRITE, 2 },		/* SGXLEPUBKEYHASH0 */
		{ 2, 1, EXIT_REASON_MSR_READ, 2 },		/* outside the ranges */
		{ 2, 2, EXIT_REASON_MSR_READ, 2 },		/* PMC0 without PERFMON */
		{ 2, 2, EXIT_REASON_MSR_READ, 2 },		/* PAT */
		{ 3, 2, EXIT_REASON_MSR_READ, 2 },		/* VMX_PINBASED_CTLS */
		{ 4, 2, EXIT_REASON_MSR_WRITE, 2 },		/* MISC_ENABLE write */
		{ 4, 2, 0, 2 },					/* UD2, PXOR: two #UDs */
	};
	uint64_t out[4];

	for (unsigned int i = 0; i < 9; i++) {
		expect_report(t, 0, i + 1, out);
		for (unsigned int j = 0; j < 4; j++)
			if (out[j] != expect[i][j])
				fail_msg("step %u value %u: 0x%llx, expected 0x%llx", i + 1, j,
					 (unsigned long long)out[j],
					 (unsigned long long)expect[i][j]);
	}
	expect_report(t, 0, STEP_DONE, NULL);
}

struct runner {
	struct kvm_tdx_vcpu *vcpu;
	long ret;
};

static void *run_until_stopped(void *p)
{
	struct runner *r = p;

	r->ret = kvm_tdx_vcpu_ioctl(r->vcpu, KVM_RUN, NULL);
	return NULL;
}

/*
 * A page goes shared while another vCPU spins inside the TD: after
 * TDH.MEM.TRACK kvm-tdx kicks it out once, so REMOVE finds the tracking
 * done (without the kick it fails TDX_TLB_TRACKING_NOT_DONE).
 */
static void test_conversion_while_a_vcpu_runs(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_SPIN, 2, TD_ATTR_SEPT_VE_DISABLE);
	struct kvm_memory_attributes shared = { .address = 0x100000, .size = 0x1000 };
	struct runner r = { .vcpu = t->vcpu[1] };
	struct kvm_run *run = kvm_tdx_vcpu_run_page(t->vcpu[1]);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t th;
	long ret;

	expect_report(t, 0, 1, NULL);		/* vCPU 0 built the page tables */
	assert_non_null(run);
	assert_int_equal(pthread_create(&th, NULL, run_until_stopped, &r), 0);
	nanosleep(&ts, NULL);			/* vCPU 1 reported (kvm-tdx answers) and spins */
	ret = kvm_tdx_vm_ioctl(t->vm, KVM_SET_MEMORY_ATTRIBUTES, &shared);
	/* vCPU 1 back out first, so that a failure cannot leave it running. */
	run->immediate_exit = 1;
	assert_int_equal(kvm_tdx_vcpu_kick(t->vcpu[1]), 0);
	pthread_join(th, NULL);
	assert_int_equal(ret, 0);
	assert_int_equal(kvm_tdx_vm_private_pa(t->vm, 0x100000), 0);
	assert_int_equal(r.ret, -EINTR);
	assert_int_equal(run->exit_reason, KVM_EXIT_INTR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_vp_info, td_stop),
		cmocka_unit_test_teardown(test_accept, td_stop),
		cmocka_unit_test_teardown(test_accept_before_aug_exits_to_host, td_stop),
		cmocka_unit_test_teardown(test_ve_io_hlt_pending, td_stop),
		cmocka_unit_test_teardown(test_pending_touch_with_sept_ve_disable_exits, td_stop),
		cmocka_unit_test_teardown(test_rtmr_extend, td_stop),
		cmocka_unit_test_teardown(test_doorbell_path, td_stop),
		cmocka_unit_test_teardown(test_tdcall_ud_without_handler_faults, td_stop),
		cmocka_unit_test_teardown(test_smp_concurrent_tdcalls, td_stop),
		cmocka_unit_test_teardown(test_host_write_poisons_td_page_machine_check, td_stop),
		cmocka_unit_test_teardown(test_host_preemption_exits_spinning_td, td_stop),
		cmocka_unit_test_teardown(test_msr_ve_and_gp, td_stop),
		cmocka_unit_test_teardown(test_conversion_while_a_vcpu_runs, td_stop),
	};

	return cmocka_run_group_tests_name("TD execution", tests, NULL, NULL);
}

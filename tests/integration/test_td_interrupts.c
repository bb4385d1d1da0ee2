/*
 * Interrupts for a running TD: the in-kernel LAPIC is the TD's virtual
 * APIC, and the host posts interrupts through kvm-tdx's KVM_SIGNAL_MSI
 * (posted-interrupt descriptor + notification), never by writing guest
 * state.  Guest: tests/guest/intr.S.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_metadata.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "guest_paths.h"
#include "kvm_tdx.h"
#include "platform.h"
#include "td_fixture.h"

#define STEP_DONE	0xFF
#define MSI_FIXED(dest, vec)	((struct kvm_msi){ .address_lo = 0xFEE00000U | (dest) << 12, \
						   .data = (vec) })

static long post(struct tdrun *t, struct kvm_msi msi)
{
	return kvm_tdx_vm_ioctl(t->vm, KVM_SIGNAL_MSI, &msi);
}

struct entry {
	struct tdrun *t;
	struct tdx_module_args a;
	uint64_t status;
};

static void *enter_thread(void *p)
{
	struct entry *e = p;

	e->status = enter(e->t, 0, &e->a);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_posted_interrupts_and_apic_timer(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_INTR, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
	struct entry e = { .t = t };
	uint64_t out[4];
	pthread_t th;

	expect_report(t, 0, 1, out);
	assert_int_equal(out[0], 0);				/* x2APIC ID = vCPU index */
	assert_int_equal(out[1] & 0x1FF, 0x1FF);		/* enabled, vector 0xFF */

	/* Posted while the vCPU is out: delivered when it enters. */
	assert_int_equal(post(t, MSI_FIXED(0, 0x40)), 1);
	expect_report(t, 0, 2, out);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0x40);

	/*
	 * Posted while it runs: the notification reaches its LP and is
	 * consumed there, so the entry ends with the guest's report, not an
	 * external-interrupt exit.
	 */
	assert_int_equal(pthread_create(&th, NULL, enter_thread, &e), 0);
	sleep_ms(30);
	assert_int_equal(post(t, MSI_FIXED(0, 0x41)), 1);
	pthread_join(th, NULL);
	assert_int_equal(e.status, TDX_SUCCESS | EXIT_REASON_TDCALL);
	assert_int_equal(e.a.r11, 3);
	assert_int_equal(e.a.r12, 2);
	assert_int_equal(e.a.r13, 0x41);

	/* The virtual APIC's own timer. */
	expect_report(t, 0, 4, out);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 0x42);
	expect_report(t, 0, STEP_DONE, NULL);
}

static void test_signal_msi_refusals(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_INTR, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
	struct kvm_msi msi;

	msi = MSI_FIXED(0, 0x40);
	msi.address_lo = 0xFED00000U;				/* not the APIC's window */
	assert_int_equal(post(t, msi), -EINVAL);
	msi = MSI_FIXED(0, 0x40);
	msi.address_lo |= 1U << 2;				/* logical destination */
	assert_int_equal(post(t, msi), -EINVAL);
	msi = MSI_FIXED(0, 0x40);
	msi.data |= 4U << 8;					/* NMI delivery */
	assert_int_equal(post(t, msi), -EINVAL);
	msi = MSI_FIXED(0, 0x40);
	msi.flags = 0x80;					/* unknown flag */
	assert_int_equal(post(t, msi), -EINVAL);
	assert_int_equal(kvm_tdx_vm_ioctl(t->vm, KVM_SIGNAL_MSI, NULL), -EINVAL);
	/* No vCPU with x2APIC ID 5: nobody takes it. */
	assert_int_equal(post(t, MSI_FIXED(5, 0x40)), 0);

	/* None of that reached the guest: the first real post is interrupt 1. */
	expect_report(t, 0, 1, NULL);
	assert_int_equal(post(t, MSI_FIXED(0, 0x40)), 1);
	expect_report(t, 0, 2, (uint64_t[4]){ 0 });
}

static uint64_t vp_rd(struct tdrun *t, uint64_t field)
{
	struct tdx_module_args a = { .rax = TDH_VP_RD, .rcx = kvm_tdx_vcpu_tdvpr_pa(t->vcpu[0]),
				     .rdx = field };

	assert_int_equal(tdf_seamcall(t, (unsigned int)kvm_tdx_vcpu_cpu(t->vcpu[0]), &a),
			 TDX_SUCCESS);
	return a.r8;
}

static uint64_t vp_wr(struct tdrun *t, uint64_t field, uint64_t value)
{
	struct tdx_module_args a = { .rax = TDH_VP_WR, .rcx = kvm_tdx_vcpu_tdvpr_pa(t->vcpu[0]),
				     .rdx = field, .r8 = value, .r9 = ~0ULL };

	return tdf_seamcall(t, (unsigned int)kvm_tdx_vcpu_cpu(t->vcpu[0]), &a);
}

/*
 * Malicious host: point the posted-interrupt descriptor at a page the TD
 * owns (its own code).  The CPU's locked accesses to the descriptor are
 * refused on TD-owned lines, so nothing is delivered from it and the TD's
 * page is neither read nor poisoned: the guest runs on.
 */
static void test_malicious_pid_on_td_page(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_INTR, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
	uint64_t pid = vp_rd(t, MD_TD_VMCS_PID_ADDR), out[4];
	uint64_t code = kvm_tdx_vm_private_pa(t->vm, 0xFFFFF000);
	struct entry e = { .t = t };
	pthread_t th;

	assert_int_not_equal(pid, 0);
	assert_int_not_equal(code, 0);
	expect_report(t, 0, 1, NULL);
	assert_int_equal(vp_wr(t, MD_TD_VMCS_PID_ADDR, code), TDX_SUCCESS);
	/* kvm-tdx posts into the descriptor it set up; the module looks at the TD page. */
	assert_int_equal(post(t, MSI_FIXED(0, 0x40)), 1);
	assert_int_equal(pthread_create(&th, NULL, enter_thread, &e), 0);
	sleep_ms(50);
	platform_lp_kick(t->boot.m->plat, (unsigned int)kvm_tdx_vcpu_cpu(t->vcpu[0]));
	pthread_join(th, NULL);
	/* No interrupt came: the guest was still waiting when the host preempted it. */
	assert_int_equal(e.status, TDX_SUCCESS | EXIT_REASON_EXTERNAL_INTERRUPT);

	/* The real descriptor back: the pending post arrives, the code page is intact. */
	assert_int_equal(vp_wr(t, MD_TD_VMCS_PID_ADDR, pid), TDX_SUCCESS);
	expect_report(t, 0, 2, out);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0x40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_posted_interrupts_and_apic_timer, td_stop),
		cmocka_unit_test_teardown(test_signal_msi_refusals, td_stop),
		cmocka_unit_test_teardown(test_malicious_pid_on_td_page, td_stop),
	};

	return cmocka_run_group_tests_name("TD interrupts", tests, NULL, NULL);
}

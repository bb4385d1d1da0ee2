/*
 * What a guest call costs when TDs run on this host's /dev/kvm: the
 * round trip of a TDCALL the module handles (TDG.VP.INFO), of a
 * TDG.VP.VMCALL that exits to the host and is entered again, and, in the
 * same run, a bare KVM VM's port-I/O exit to user space for comparison;
 * then TDG.MEM.PAGE.ACCEPT of 1 GiB in 2 MiB and in 4 KiB pages, with the
 * host's AUG phase timed apart from the guest's ACCEPT phase.
 *
 * The TD side is the td_fixture (tests/harness) running the bench_tdcall
 * guest image (tests/guest/include/bench_tdcall.h has its protocol).  The
 * fixture fails through cmocka, so each measurement is a cmocka test:
 * a failure names what went wrong and ends the run with a non-zero status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "bench_tdcall.h"
#include "guest_paths.h"
#include "guest_protocol.h"
#include "td_fixture.h"

#define RUNS		5
#define N_VP_INFO	200000
#define N_VMCALL	20000
#define N_PIO		200000

#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
/* Above the 4 GiB the guest's page tables map: ACCEPT needs no VA. */
#define ACCEPT_2M_GPA	(4ULL << 30)
#define ACCEPT_2M_BYTES	SZ_1G
#define ACCEPT_4K_GPA	(5ULL << 30)
/*
 * 1 GiB of 4 KiB pages took about 20 s on the project machine.  Should it
 * pass a minute somewhere, make this smaller (a multiple of 2 MiB): the
 * bench then also prints a per-GiB figure, labelled as extrapolated.
 */
#define ACCEPT_4K_BYTES	SZ_1G
#define ACCEPT_SLOT	2	/* td_start() uses memslots 0 and 1 */

#define PIO_PORT	0x80

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* @ns[i]: run i's time for @n operations.  Prints the per-operation median and mean. */
static void report(const char *what, const char *unit, int n, double ns[RUNS])
{
	double per[RUNS], sum = 0;

	for (int i = 0; i < RUNS; i++) {
		per[i] = ns[i] / n / 1e3;
		sum += per[i];
	}
	qsort(per, RUNS, sizeof(double), cmp_double);
	printf("%-16s %7d %ss x %d runs: median %8.2f us/%s, mean %8.2f us/%s\n", what, n, unit,
	       RUNS, per[RUNS / 2], unit, sum / RUNS, unit);
}

static struct tdrun *bench_td(void **state)
{
	return *state = td_start(GUEST_IMAGE_BENCH_TDCALL, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
}

/* @st and @a are a TD exit: it must be a report (or ping) of @step. */
static void expect_step(uint64_t st, const struct tdx_module_args *a, uint64_t step)
{
	if (st != (TDX_SUCCESS | EXIT_REASON_TDCALL) || a->r10 != GUEST_REPORT_LEAF ||
	    a->r11 != step)
		fail_msg("waiting for step 0x%llx: VP.ENTER 0x%016llx R10 0x%llx R11 0x%llx"
			 " R12 0x%llx R13 0x%llx", (unsigned long long)step,
			 (unsigned long long)st, (unsigned long long)a->r10,
			 (unsigned long long)a->r11, (unsigned long long)a->r12,
			 (unsigned long long)a->r13);
}

/* Give the guest its next command; returns at its START exit, where timing begins. */
static void command(struct tdrun *t, uint64_t cmd, uint64_t r13, uint64_t r14, uint64_t r15)
{
	struct tdx_module_args a = { 0 };

	expect_report(t, 0, BENCH_STEP_READY, NULL);
	a.r12 = cmd;
	a.r13 = r13;
	a.r14 = r14;
	a.r15 = r15;
	expect_step(enter(t, 0, &a), &a, BENCH_STEP_START);
	assert_int_equal(a.r12, cmd);
}

/* The END exit of a command that made @calls calls, none of which may fail. */
static void expect_end(uint64_t st, const struct tdx_module_args *a, uint64_t calls)
{
	expect_step(st, a, BENCH_STEP_END);
	if (a->r12)
		fail_msg("%llu of %llu calls failed, the first with 0x%016llx",
			 (unsigned long long)a->r12, (unsigned long long)a->r14,
			 (unsigned long long)a->r13);
	assert_int_equal(a->r14, calls);
}

/* The last command: the guest reports DONE. */
static void finish(struct tdrun *t)
{
	struct tdx_module_args a = { .r12 = BENCH_CMD_DONE };

	expect_report(t, 0, BENCH_STEP_READY, NULL);
	expect_step(enter(t, 0, &a), &a, GUEST_STEP_DONE);
}

static void bench_vp_info(void **state)
{
	struct tdrun *t = bench_td(state);
	double ns[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct tdx_module_args a = { 0 };
		double t0;
		uint64_t st;

		command(t, BENCH_CMD_VP_INFO, N_VP_INFO, 0, 0);
		t0 = now_ns();
		st = enter(t, 0, &a);
		ns[r] = now_ns() - t0;
		expect_end(st, &a, N_VP_INFO);
	}
	report("TDG.VP.INFO", "call", N_VP_INFO, ns);
	finish(t);
}

static void bench_vmcall(void **state)
{
	struct tdrun *t = bench_td(state);
	double ns[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct tdx_module_args a = { 0 };
		double t0;
		uint64_t st;

		command(t, BENCH_CMD_VMCALL, N_VMCALL, 0, 0);
		t0 = now_ns();
		for (int i = 0; i < N_VMCALL; i++) {
			/* R10 = 0 goes back in: the TDVMCALL succeeded. */
			a = (struct tdx_module_args){ 0 };
			expect_step(enter(t, 0, &a), &a, BENCH_STEP_PING);
		}
		a = (struct tdx_module_args){ 0 };
		st = enter(t, 0, &a);
		ns[r] = now_ns() - t0;
		expect_end(st, &a, N_VMCALL);
	}
	report("TDG.VP.VMCALL", "call", N_VMCALL, ns);
	finish(t);
}

/*
 * A bare KVM VM, made here with /dev/kvm ioctls: real mode, at GPA 0 the
 * loop "out %al,$0x80; jmp .-2", so every KVM_RUN is one exit to user
 * space and back.
 */
struct pio_vm {
	int kvm, vm, vcpu;
	void *mem;
	struct kvm_run *run;
	size_t run_size;
};

static void pio_vm_make(struct pio_vm *p)
{
	static const uint8_t code[] = { 0xE6, PIO_PORT, 0xEB, 0xFC };
	struct kvm_userspace_memory_region slot = { .memory_size = 0x10000 };
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	int size;

	p->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	assert_true(p->kvm >= 0);
	p->vm = ioctl(p->kvm, KVM_CREATE_VM, 0);
	assert_true(p->vm >= 0);
	/* Real mode without unrestricted guest needs a TSS (VMX); harmless elsewhere. */
	assert_int_equal(ioctl(p->vm, KVM_SET_TSS_ADDR, 0xFFFBD000UL), 0);
	p->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p->mem != MAP_FAILED);
	memcpy(p->mem, code, sizeof(code));
	slot.userspace_addr = (uintptr_t)p->mem;
	assert_int_equal(ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &slot), 0);
	p->vcpu = ioctl(p->vm, KVM_CREATE_VCPU, 0);
	assert_true(p->vcpu >= 0);
	size = ioctl(p->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	assert_true(size > 0);
	p->run_size = (size_t)size;
	p->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu, 0);
	assert_true(p->run != MAP_FAILED);
	assert_int_equal(ioctl(p->vcpu, KVM_GET_SREGS, &sregs), 0);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	assert_int_equal(ioctl(p->vcpu, KVM_SET_SREGS, &sregs), 0);
	assert_int_equal(ioctl(p->vcpu, KVM_SET_REGS, &regs), 0);
}

static void pio_vm_free(struct pio_vm *p)
{
	munmap(p->run, p->run_size);
	munmap(p->mem, 0x10000);
	close(p->vcpu);
	close(p->vm);
	close(p->kvm);
}

static void pio_exit(struct pio_vm *p)
{
	if (ioctl(p->vcpu, KVM_RUN, 0))
		fail_msg("KVM_RUN: %s", strerror(errno));
	if (p->run->exit_reason != KVM_EXIT_IO || p->run->io.port != PIO_PORT)
		fail_msg("KVM_RUN: exit reason %u, port 0x%x, expected I/O to port 0x%x",
			 p->run->exit_reason, p->run->io.port, PIO_PORT);
}

static void bench_kvm_pio(void **state)
{
	struct pio_vm p;
	double ns[RUNS];

	(void)state;
	pio_vm_make(&p);
	for (int i = 0; i < 1000; i++)
		pio_exit(&p);	/* warm up: the first exits fault the VM's pages in */
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (int i = 0; i < N_PIO; i++)
			pio_exit(&p);
		ns[r] = now_ns() - t0;
	}
	report("KVM PIO exit", "exit", N_PIO, ns);
	pio_vm_free(&p);
}

static void seamcall_ok(struct tdrun *t, const char *leaf, struct tdx_module_args *a)
{
	uint64_t st = tdf_seamcall(t, 0, a);

	if (st != TDX_SUCCESS)
		fail_msg("%s at GPA 0x%llx: 0x%016llx", leaf,
			 (unsigned long long)(a->rcx & ~0xFFFULL), (unsigned long long)st);
}

/*
 * AUG [@gpa, +@bytes) as @level pages (SEPT.ADD for the tables first),
 * then let the guest ACCEPT it all.  @gpa is 1 GiB aligned, @bytes at
 * most 1 GiB, so one new PD covers the range.
 */
static void bench_accept(void **state, const char *what, unsigned int level, uint64_t gpa,
			 uint64_t bytes)
{
	struct tdrun *t = bench_td(state);
	uint64_t page = TDF_PAGE << (9 * level), n = bytes / page;
	uint64_t nr_pt = level ? 0 : bytes / SZ_2M, nr_sept = 1 + nr_pt;
	uint64_t tables, hpa, st;
	struct tdx_module_args a = { 0 };
	double t0, t_aug, t_accept;

	tdf_private_range(t, ACCEPT_SLOT, gpa, bytes / TDF_PAGE);
	/* Host pages first, outside the timed phases. */
	tables = tdf_host_pages(t, nr_sept, TDF_PAGE);
	hpa = tdf_host_pages(t, bytes / TDF_PAGE, page);

	t0 = now_ns();
	a = (struct tdx_module_args){ .rax = TDH_MEM_SEPT_ADD, .rcx = gpa | 2, .rdx = t->tdr,
				      .r8 = tables };
	seamcall_ok(t, "TDH.MEM.SEPT.ADD", &a);
	for (uint64_t i = 0; i < nr_pt; i++) {
		a = (struct tdx_module_args){ .rax = TDH_MEM_SEPT_ADD, .rcx = (gpa + i * SZ_2M) | 1,
					      .rdx = t->tdr, .r8 = tables + (1 + i) * TDF_PAGE };
		seamcall_ok(t, "TDH.MEM.SEPT.ADD", &a);
	}
	for (uint64_t i = 0; i < n; i++) {
		a = (struct tdx_module_args){ .rax = TDH_MEM_PAGE_AUG,
					      .rcx = (gpa + i * page) | level, .rdx = t->tdr,
					      .r8 = hpa + i * page };
		seamcall_ok(t, "TDH.MEM.PAGE.AUG", &a);
	}
	t_aug = now_ns() - t0;

	command(t, BENCH_CMD_ACCEPT, gpa, bytes, level);
	a = (struct tdx_module_args){ 0 };
	t0 = now_ns();
	st = enter(t, 0, &a);
	t_accept = now_ns() - t0;
	expect_end(st, &a, n);
	finish(t);

	printf("ACCEPT %4llu MiB as %s pages:\n"
	       "  AUG phase    %8.3f s: %llu SEPT.ADD + %llu PAGE.AUG, %8.2f us per SEAMCALL\n"
	       "  ACCEPT phase %8.3f s: %llu ACCEPTs, %8.2f us each, %llu failed\n",
	       (unsigned long long)(bytes >> 20), what, t_aug / 1e9, (unsigned long long)nr_sept,
	       (unsigned long long)n, t_aug / (double)(nr_sept + n) / 1e3, t_accept / 1e9,
	       (unsigned long long)n, t_accept / (double)n / 1e3, (unsigned long long)a.r12);
	if (bytes < SZ_1G)
		printf("  EXTRAPOLATED to 1 GiB (x%llu, not measured): AUG phase %.3f s,"
		       " ACCEPT phase %.3f s\n", (unsigned long long)(SZ_1G / bytes),
		       t_aug * (double)(SZ_1G / bytes) / 1e9,
		       t_accept * (double)(SZ_1G / bytes) / 1e9);
}

static void bench_accept_2m(void **state)
{
	bench_accept(state, "2 MiB", 1, ACCEPT_2M_GPA, ACCEPT_2M_BYTES);
}

static void bench_accept_4k(void **state)
{
	bench_accept(state, "4 KiB", 0, ACCEPT_4K_GPA, ACCEPT_4K_BYTES);
}

static void print_header(void)
{
	printf("bench_tdcall: guest calls of a TD running on this host's /dev/kvm (wall clock)\n"
	       "  TDG.VP.INFO    a TDCALL the module answers: the guest makes n in a loop; time\n"
	       "                 from the TD exit before the loop to the one after it, / n\n"
	       "  TDG.VP.VMCALL  a vendor TDVMCALL: each is a TD exit to the host, which enters\n"
	       "                 again at once, so one TDH.VP.ENTER round trip per call\n"
	       "  KVM PIO exit   a bare KVM VM (real mode) doing out %%al,$0x80: one exit to user\n"
	       "                 space and back per KVM_RUN, KVM's basic exit cost on this host\n"
	       "  ACCEPT         TDG.MEM.PAGE.ACCEPT of a range: the host's AUG phase (SEPT.ADD\n"
	       "                 for the tables, TDH.MEM.PAGE.AUG per page, raw SEAMCALLs) timed\n"
	       "                 apart from the guest's ACCEPT loop (one TD exit to the next)\n"
	       "  Each TD is a fresh one (1 vCPU) on an emulated host booted for it.\n\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(bench_vp_info, td_stop),
		cmocka_unit_test_teardown(bench_vmcall, td_stop),
		cmocka_unit_test(bench_kvm_pio),
		cmocka_unit_test_teardown(bench_accept_2m, td_stop),
		cmocka_unit_test_teardown(bench_accept_4k, td_stop),
	};
	char why[160];
	double t0 = now_ns();
	int failed;

	/* Line-buffered, so the figures keep their place among cmocka's lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!tdf_kvm_usable(why, sizeof(why))) {
		printf("SKIPPED: bench_tdcall runs TDs on KVM: %s\n", why);
		return 0;
	}
	print_header();
	failed = cmocka_run_group_tests_name("bench_tdcall", tests, NULL, NULL);
	printf("bench_tdcall: %.1f s in all\n", (now_ns() - t0) / 1e9);
	return failed ? 1 : 0;
}

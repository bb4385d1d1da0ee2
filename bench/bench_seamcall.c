/*
 * Per-leaf latency of TDH.SYS.RD, TDH.MEM.PAGE.ADD and TDH.MR.EXTEND as
 * the host sees it: SEAMCALL issued from the host, run on the LP's
 * thread, status back.  The TD is built through the KVM TDX API; pages
 * are added by raw SEAMCALLs so each call is timed alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_status.h>

#include "boot.h"
#include "kvm_tdx.h"
#include "pmem.h"

#define N_SYS_RD	20000
#define N_PAGES		2048

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

static void report(const char *leaf, double *t, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	printf("%-18s %6d calls: median %7.2f us, mean %7.2f us, p99 %7.2f us\n", leaf, n,
	       t[n / 2] / 1e3, sum / n / 1e3, t[n * 99 / 100] / 1e3);
}

int main(void)
{
	static double t[N_SYS_RD > N_PAGES * 16 ? N_SYS_RD : N_PAGES * 16];
	struct host_boot_opts opts;
	struct host_boot b;
	struct emu_error err = { 0 };
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_init_vm *init;
	struct kvm_tdx_cmd cmd;
	uint64_t tdr, src, pages, sept[3];
	int ret;

	host_boot_defaults(&opts);
	if (host_boot_vendor_key(&opts, NULL, &err) || host_boot_run(&opts, &b, &err)) {
		fprintf(stderr, "bench_seamcall: %s\n", err.msg);
		return 1;
	}

	for (int i = 0; i < N_SYS_RD; i++) {
		struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = MD_SYS_MAX_TDMRS };
		double t0 = now_ns();
		uint64_t st = tdx_host_seamcall(b.host, 0, &a);

		t[i] = now_ns() - t0;
		if (st) {
			fprintf(stderr, "TDH.SYS.RD: 0x%llx\n", (unsigned long long)st);
			return 1;
		}
	}
	report("TDH.SYS.RD", t, N_SYS_RD);

	init = calloc(1, sizeof(*init) + sizeof(init->cpuid.entries[0]));
	if (init) {
		init->xfam = 3;	/* x87 and SSE, which XFAM_FIXED1 requires */
		/* GPAW 48 (0x80000008 EAX[23:16]), which KVM requires. */
		init->cpuid.nent = 1;
		init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
									.eax = (48 << 16) | 46 };
	}
	cmd = (struct kvm_tdx_cmd){ .id = KVM_TDX_INIT_VM, .data = (uintptr_t)init };
	if (!init || kvm_tdx_create_vm(b.host, KVM_X86_TDX_VM, &vm) ||
	    (ret = (int)kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd))) {
		fprintf(stderr, "bench_seamcall: cannot build a TD (hw_error 0x%llx)\n",
			(unsigned long long)cmd.hw_error);
		return 1;
	}
	tdr = kvm_tdx_vm_tdr_pa(vm);
	/* One PDPT, PD and PT cover the first 2 MiB; more PTs for the rest. */
	if (tdx_host_alloc_pages(b.host, 1, 0, &src) || tdx_host_alloc_pages(b.host, N_PAGES, 0, &pages))
		return 1;
	for (int lvl = 3; lvl >= 1; lvl--) {
		struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD, .rcx = (uint64_t)lvl, .rdx = tdr };

		tdx_host_alloc_pages(b.host, 1, 0, &sept[lvl - 1]);
		a.r8 = sept[lvl - 1];
		if (tdx_host_seamcall(b.host, 0, &a))
			return 1;
	}
	for (int i = 1; i < N_PAGES / 512; i++) {
		struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD,
					     .rcx = ((uint64_t)i << 21) | 1, .rdx = tdr };
		uint64_t pt;

		tdx_host_alloc_pages(b.host, 1, 0, &pt);
		a.r8 = pt;
		if (tdx_host_seamcall(b.host, 0, &a))
			return 1;
	}
	for (int i = 0; i < N_PAGES; i++) {
		struct tdx_module_args a = { .rax = TDH_MEM_PAGE_ADD, .rcx = (uint64_t)i << 12,
					     .rdx = tdr, .r8 = pages + (uint64_t)i * 4096, .r9 = src };
		double t0 = now_ns();
		uint64_t st = tdx_host_seamcall(b.host, 0, &a);

		t[i] = now_ns() - t0;
		if (st) {
			fprintf(stderr, "TDH.MEM.PAGE.ADD: 0x%llx\n", (unsigned long long)st);
			return 1;
		}
	}
	report("TDH.MEM.PAGE.ADD", t, N_PAGES);
	for (int i = 0; i < N_PAGES * 16; i++) {
		struct tdx_module_args a = { .rax = TDH_MR_EXTEND, .rcx = (uint64_t)i * 256, .rdx = tdr };
		double t0 = now_ns();
		uint64_t st = tdx_host_seamcall(b.host, 0, &a);

		t[i] = now_ns() - t0;
		if (st) {
			fprintf(stderr, "TDH.MR.EXTEND: 0x%llx\n", (unsigned long long)st);
			return 1;
		}
	}
	report("TDH.MR.EXTEND", t, N_PAGES * 16);
	free(init);
	/* The bench leaks the TD on purpose: process exit reclaims everything. */
	host_boot_teardown(&b);
	return 0;
}

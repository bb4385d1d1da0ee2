/*
 * Concurrent SEAMCALLs from several LPs against one TD: every call either
 * succeeds, is refused for a reason its operands explain, or gets
 * TDX_OPERAND_BUSY; nothing deadlocks and the final state is consistent
 * (each GPA mapped at most once, to a distinct page that the PAMT says is
 * PT_REG of this TD, and CHLDCNT counts exactly the pages the TD owns).
 * The seed is printed; STRESS_SEED=n replays it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <tdx/tdx_status.h>

#include "boot.h"
#include "kvm_tdx.h"
#include "kvm_tdx_irqchip.h"

#define NR_THREADS	4
#define NR_GPAS		512
#define NR_POOL		768
#define OPS_PER_THREAD	3000

struct stress {
	struct host_boot b;
	uint64_t tdr;
	uint64_t src;
	uint64_t pool;
	unsigned int seed;
	unsigned int adds_ok[NR_THREADS];
	unsigned int busy[NR_THREADS];
	unsigned int unexpected[NR_THREADS];
	uint64_t last_bad[NR_THREADS];
};

struct worker {
	struct stress *s;
	unsigned int cpu;
	unsigned int seed;
};

static bool allowed(uint64_t st, uint64_t leaf)
{
	if (st == TDX_SUCCESS || tdx_status_is_busy(st))
		return true;
	switch (leaf) {
	case TDH_MEM_PAGE_ADD:
		return tdx_status_code_eq(st, TDX_EPT_ENTRY_NOT_FREE) ||
		       tdx_status_code_eq(st, TDX_PAGE_METADATA_INCORRECT);
	case TDH_MR_EXTEND:
		return tdx_status_code_eq(st, TDX_EPT_ENTRY_STATE_INCORRECT);
	default:
		return false;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	for (int i = 0; i < OPS_PER_THREAD; i++) {
		unsigned int r = (unsigned int)rand_r(&w->seed);
		uint64_t gpa = (uint64_t)(r % NR_GPAS) << 12;
		uint64_t page = s->pool + (uint64_t)((r >> 9) % NR_POOL) * 4096;
		struct tdx_module_args a = { 0 };
		uint64_t st, leaf;

		switch ((r >> 20) % 5) {
		case 0:
		case 1:
			a = (struct tdx_module_args){ .rax = TDH_MEM_PAGE_ADD, .rcx = gpa,
						      .rdx = s->tdr, .r8 = page, .r9 = s->src };
			break;
		case 2:
			a = (struct tdx_module_args){ .rax = TDH_MEM_SEPT_RD, .rcx = gpa, .rdx = s->tdr };
			break;
		case 3:
			a = (struct tdx_module_args){ .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = page };
			break;
		default:
			a = (struct tdx_module_args){ .rax = TDH_MR_EXTEND,
						      .rcx = gpa + ((r >> 24) % 16) * 256,
						      .rdx = s->tdr };
			break;
		}
		leaf = a.rax;
		st = tdx_host_seamcall(s->b.host, w->cpu, &a);
		if (tdx_status_is_busy(st)) {
			s->busy[w->cpu]++;
		} else if (!allowed(st, leaf)) {
			s->unexpected[w->cpu]++;
			s->last_bad[w->cpu] = st;
		} else if (leaf == TDH_MEM_PAGE_ADD && st == TDX_SUCCESS) {
			s->adds_ok[w->cpu]++;
		}
	}
	return NULL;
}

static void test_concurrent_seamcalls_are_busy_never_torn(void **state)
{
	static struct stress s;
	struct host_boot_opts opts;
	struct emu_error err = { 0 };
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_init_vm *init = calloc(1, sizeof(*init) + sizeof(init->cpuid.entries[0]));
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_INIT_VM };
	struct worker w[NR_THREADS];
	pthread_t t[NR_THREADS];
	const char *env = getenv("STRESS_SEED");
	unsigned int adds = 0, busy = 0, mapped = 0;
	uint64_t mapped_pa[NR_GPAS];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.seed = env ? (unsigned int)strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	printf("stress seed %u (STRESS_SEED=%u replays)\n", s.seed, s.seed);

	host_boot_defaults(&opts);
	assert_int_equal(platform_config_set(&opts.cfg, "lps=4", &err), 0);
	assert_int_equal(host_boot_vendor_key(&opts, NULL, &err), 0);
	assert_int_equal(host_boot_run(&opts, &s.b, &err), 0);

	assert_non_null(init);
	init->xfam = 3;
	/* GPAW 48: KVM takes it from 0x80000008 EAX[23:16] and needs it. */
	init->cpuid.nent = 1;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								.eax = (48 << 16) | 46 };
	cmd.data = (uintptr_t)init;
	assert_int_equal(kvm_tdx_create_vm(s.b.host, KVM_X86_TDX_VM, &vm), 0);
	assert_int_equal(enable_split_irqchip(vm), 0);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd), 0);
	s.tdr = kvm_tdx_vm_tdr_pa(vm);
	for (int lvl = 3; lvl >= 1; lvl--) {
		uint64_t pa;
		struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD, .rcx = (uint64_t)lvl,
					     .rdx = s.tdr };

		assert_int_equal(tdx_host_alloc_pages(s.b.host, 1, 0, &pa), 0);
		a.r8 = pa;
		assert_int_equal(tdx_host_seamcall(s.b.host, 0, &a), TDX_SUCCESS);
	}
	assert_int_equal(tdx_host_alloc_pages(s.b.host, 1, 0, &s.src), 0);
	assert_int_equal(tdx_host_alloc_pages(s.b.host, NR_POOL, 0, &s.pool), 0);

	for (unsigned int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ &s, i, s.seed * 31 + i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		if (s.unexpected[i])
			printf("CPU %u: %u unexpected statuses, last 0x%016llx\n", i, s.unexpected[i],
			       (unsigned long long)s.last_bad[i]);
		assert_int_equal(s.unexpected[i], 0);
		adds += s.adds_ok[i];
		busy += s.busy[i];
	}
	printf("%u successful PAGE.ADDs, %u BUSY answers\n", adds, busy);

	/* Every mapped GPA points at a distinct pool page that is PT_REG of this TD. */
	for (unsigned int g = 0; g < NR_GPAS; g++) {
		struct tdx_module_args a = { .rax = TDH_MEM_SEPT_RD, .rcx = (uint64_t)g << 12,
					     .rdx = s.tdr };
		uint64_t pa;

		assert_int_equal(tdx_host_seamcall(s.b.host, 0, &a), TDX_SUCCESS);
		if (((a.rdx >> 8) & 0xFF) != 4)	/* MAPPED */
			continue;
		pa = a.rcx & 0x000FFFFFFFFFF000ULL;
		assert_true(pa >= s.pool && pa < s.pool + NR_POOL * 4096ULL);
		for (unsigned int k = 0; k < mapped; k++)
			assert_true(mapped_pa[k] != pa);
		mapped_pa[mapped++] = pa;
		a = (struct tdx_module_args){ .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = pa };
		assert_int_equal(tdx_host_seamcall(s.b.host, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.rcx, PT_REG);
		assert_int_equal(a.rdx, s.tdr);
	}
	assert_int_equal(mapped, adds);
	{
		struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = s.tdr,
					     .rdx = 0x8010000300000004ULL };

		assert_int_equal(tdx_host_seamcall(s.b.host, 0, &a), TDX_SUCCESS);
		/* 6 TDCX + 3 SEPT pages + the added pages. */
		assert_int_equal(a.r8, 6 + 3 + adds);
	}
	kvm_tdx_destroy_vm(vm);
	free(init);
	host_boot_teardown(&s.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_seamcalls_are_busy_never_torn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

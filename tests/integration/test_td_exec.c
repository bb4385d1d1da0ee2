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
#include <cmocka.h>

#include <openssl/evp.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "boot.h"
#include "guest_paths.h"
#include "kvm_tdx.h"
#include "pmem.h"
#include "td_vcpu.h"
#include "tdx_host.h"

#define PAGE		4096ULL
#define MB2		(2ULL << 20)
#define RAM_GPA		0x0ULL
#define RAM_SLOT_PAGES	(16ULL << 20 >> 12)	/* 16 MiB of private GPA for AUG */
#define RAM_ADDED_PAGES	(MB2 >> 12)		/* the first 2 MiB, added at build */
#define IMAGE_GPA	0xFFFF0000ULL
#define IMAGE_PAGES	16
#define SHARED_BIT	(1ULL << 47)
#define REPORT_R10	0x7E57ULL
#define STEP_DONE	0xFF
#define MAX_VCPUS	4
#define TD_ATTR_SEPT_VE_DISABLE	(1ULL << 28)
#define TD_MAX_VCPUS	0x1110000200000002ULL

struct tdrun {
	struct host_boot boot;
	struct tdx_host *host;
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_vcpu *vcpu[MAX_VCPUS];
	unsigned int nr_vcpus;
	uint64_t tdr;
	uint8_t *image;
};

static long vm_cmd(struct kvm_tdx_vm *vm, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c);

	if (ret)
		print_error("VM command %u: %ld, hw_error 0x%016llx\n", id, ret,
			    (unsigned long long)c.hw_error);
	return ret;
}

static long vcpu_cmd(struct kvm_tdx_vcpu *v, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vcpu_ioctl(v, KVM_MEMORY_ENCRYPT_OP, &c);

	if (ret)
		print_error("vCPU command %u: %ld, hw_error 0x%016llx\n", id, ret,
			    (unsigned long long)c.hw_error);
	return ret;
}

static void private_range(struct kvm_tdx_vm *vm, uint32_t slot, uint64_t gpa, uint64_t pages)
{
	struct kvm_create_guest_memfd g = { .size = pages * PAGE };
	long fd = kvm_tdx_vm_ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = gpa,
		.memory_size = pages * PAGE,
	};
	struct kvm_memory_attributes a = { .address = gpa, .size = pages * PAGE,
					   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };

	assert_true(fd >= 0);
	r.guest_memfd = (uint32_t)fd;
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r), 0);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a), 0);
}

static uint8_t *load_image(const char *path)
{
	uint8_t *p = aligned_alloc(PAGE, IMAGE_PAGES * PAGE);
	FILE *f = fopen(path, "rb");

	assert_non_null(p);
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fread(p, 1, IMAGE_PAGES * PAGE, f), IMAGE_PAGES * PAGE);
	fclose(f);
	return p;
}

/* Every test starts here: without a usable /dev/kvm it is skipped, saying why. */
static void require_kvm(void)
{
	char why[160];

	if (td_vcpu_probe(why, sizeof(why))) {
		print_message("SKIPPED: TD execution needs /dev/kvm: %s\n", why);
		skip();
	}
}

/*
 * Boot the host (with the platform option @plat_opt, if any) and build a
 * TD running @image on @nr_vcpus vCPUs.
 */
static struct tdrun *td_start_on(const char *plat_opt, const char *image, unsigned int nr_vcpus,
				 uint64_t attributes)
{
	struct tdrun *t;
	struct kvm_tdx_init_vm *init;
	uint8_t *zeros;
	struct kvm_tdx_init_mem_region ram, img;
	struct host_boot_opts o;
	struct emu_error err = { 0 };

	require_kvm();
	t = calloc(1, sizeof(*t));
	init =
		calloc(1, sizeof(*init) + sizeof(struct kvm_tdx_cpuid_entry2));
	zeros = aligned_alloc(PAGE, RAM_ADDED_PAGES * PAGE);

	assert_non_null(t);
	assert_non_null(init);
	assert_non_null(zeros);
	host_boot_defaults(&o);
	assert_int_equal(platform_config_set(&o.cfg, "lps=4", &err), 0);
	if (plat_opt)
		assert_int_equal(platform_config_set(&o.cfg, plat_opt, &err), 0);
	if (host_boot_vendor_key(&o, NULL, &err) || host_boot_run(&o, &t->boot, &err))
		fail_msg("boot: %s", err.msg);
	t->host = t->boot.host;

	assert_int_equal(kvm_tdx_create_vm(t->host, KVM_X86_TDX_VM, &t->vm), 0);
	init->attributes = attributes;
	init->xfam = 3;
	init->cpuid.nent = 1;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								 .eax = (48 << 16) | 46 };
	assert_int_equal(vm_cmd(t->vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init), 0);
	t->nr_vcpus = nr_vcpus;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		assert_int_equal(kvm_tdx_create_vcpu(t->vm, i, &t->vcpu[i]), 0);
		assert_int_equal(vcpu_cmd(t->vcpu[i], KVM_TDX_INIT_VCPU, 0, 0x1234000 + i), 0);
	}
	private_range(t->vm, 0, RAM_GPA, RAM_SLOT_PAGES);
	private_range(t->vm, 1, IMAGE_GPA, IMAGE_PAGES);
	t->image = load_image(image);
	memset(zeros, 0, RAM_ADDED_PAGES * PAGE);
	img = (struct kvm_tdx_init_mem_region){ (uintptr_t)t->image, IMAGE_GPA, IMAGE_PAGES };
	ram = (struct kvm_tdx_init_mem_region){ (uintptr_t)zeros, RAM_GPA, RAM_ADDED_PAGES };
	assert_int_equal(vcpu_cmd(t->vcpu[0], KVM_TDX_INIT_MEM_REGION,
				  KVM_TDX_MEASURE_MEMORY_REGION, (uintptr_t)&img), 0);
	assert_int_equal(vcpu_cmd(t->vcpu[0], KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&ram), 0);
	assert_int_equal(vm_cmd(t->vm, KVM_TDX_FINALIZE_VM, 0, 0), 0);
	t->tdr = kvm_tdx_vm_tdr_pa(t->vm);
	free(init);
	free(zeros);
	return t;
}

static struct tdrun *td_start(const char *image, unsigned int nr_vcpus, uint64_t attributes)
{
	return td_start_on(NULL, image, nr_vcpus, attributes);
}

static int td_stop(void **state)
{
	struct tdrun *t = *state;

	if (!t)
		return 0;
	if (t->vm) {
		/* VP.FLUSH must run on each vCPU's LP: destroy_vm does that. */
		kvm_tdx_destroy_vm(t->vm);
	}
	host_boot_teardown(&t->boot);
	free(t->image);
	free(t);
	*state = NULL;
	return 0;
}

static uint64_t sc(struct tdrun *t, unsigned int cpu, struct tdx_module_args *a)
{
	return tdx_host_seamcall(t->host, cpu, a);
}

/* Host pages for AUG / SEPT.ADD, @align-aligned (4 KiB or 2 MiB). */
static uint64_t host_pages(struct tdrun *t, uint64_t n, uint64_t align)
{
	uint64_t pa, extra = align / PAGE - 1, start;

	assert_int_equal(tdx_host_alloc_pages(t->host, n + extra, 0, &pa), 0);
	start = (pa + align - 1) & ~(align - 1);
	if (start > pa)
		tdx_host_free_pages(t->host, pa, (start - pa) / PAGE);
	if (pa + (n + extra) * PAGE > start + n * PAGE)
		tdx_host_free_pages(t->host, start + n * PAGE,
				    (pa + (n + extra) * PAGE - (start + n * PAGE)) / PAGE);
	return start;
}

static void sept_add(struct tdrun *t, uint64_t gpa, unsigned int level)
{
	struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD, .rcx = gpa | level, .rdx = t->tdr,
				     .r8 = host_pages(t, 1, PAGE) };

	assert_int_equal(sc(t, 0, &a), TDX_SUCCESS);
}

/* AUG a PENDING page at @gpa; returns the host page behind it. */
static uint64_t aug(struct tdrun *t, uint64_t gpa, unsigned int level)
{
	uint64_t size = PAGE << (9 * level), hpa = host_pages(t, size / PAGE, size);
	struct tdx_module_args a = { .rax = TDH_MEM_PAGE_AUG, .rcx = gpa | level, .rdx = t->tdr,
				     .r8 = hpa };

	assert_int_equal(sc(t, 0, &a), TDX_SUCCESS);
	return hpa;
}

/* The TD's MAX_VCPUS as the host reads it (TDH.MNG.RD). */
static uint64_t max_vcpus(struct tdrun *t)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = t->tdr, .rdx = TD_MAX_VCPUS };

	assert_int_equal(sc(t, 0, &a), TDX_SUCCESS);
	return a.r8;
}

/* One VP.ENTER of vCPU @i; @a carries the host's TDVMCALL outputs in and the exit out. */
static uint64_t enter(struct tdrun *t, unsigned int i, struct tdx_module_args *a)
{
	int cpu = kvm_tdx_vcpu_cpu(t->vcpu[i]);

	a->rax = TDH_VP_ENTER;
	a->rcx = kvm_tdx_vcpu_tdvpr_pa(t->vcpu[i]);
	return sc(t, cpu < 0 ? 0 : (unsigned int)cpu, a);
}

/* Enter vCPU @i until its next report; it must be step @step.  Returns R12..R15. */
static void expect_report(struct tdrun *t, unsigned int i, uint64_t step, uint64_t out[4])
{
	struct tdx_module_args a = { 0 };
	uint64_t st = enter(t, i, &a);

	if (st != (TDX_SUCCESS | EXIT_REASON_TDCALL))
		fail_msg("vCPU %u, waiting for step 0x%llx: VP.ENTER 0x%016llx RCX 0x%llx RDX 0x%llx"
			 " R8 0x%llx R9 0x%llx", i, (unsigned long long)step,
			 (unsigned long long)st, (unsigned long long)a.rcx,
			 (unsigned long long)a.rdx, (unsigned long long)a.r8,
			 (unsigned long long)a.r9);
	assert_int_equal(a.rcx, 0xFC00);
	assert_int_equal(a.r10, REPORT_R10);
	if (a.r11 != step)
		fail_msg("vCPU %u: report step 0x%llx, expected 0x%llx (R12 0x%llx R13 0x%llx)", i,
			 (unsigned long long)a.r11, (unsigned long long)step,
			 (unsigned long long)a.r12, (unsigned long long)a.r13);
	/* Everything the guest did not select reads 0. */
	assert_int_equal(a.rdx | a.rbx | a.rsi | a.rdi | a.r8 | a.r9, 0);
	if (out) {
		out[0] = a.r12;
		out[1] = a.r13;
		out[2] = a.r14;
		out[3] = a.r15;
	}
}

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
	assert_int_equal(r[1], 0);				/* R10 */
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
	};

	return cmocka_run_group_tests_name("TD execution", tests, NULL, NULL);
}

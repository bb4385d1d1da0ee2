/* The TD fixture of td_fixture.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "guest_protocol.h"
#include "td_fixture.h"
#include "td_vcpu.h"
#include "tdx_host.h"
#include "kvm_tdx_irqchip.h"

#define PAGE		TDF_PAGE
#define RAM_GPA		0x0ULL
#define RAM_SLOT_PAGES	TDF_RAM_SLOT_PAGES
#define RAM_ADDED_PAGES	TDF_RAM_ADDED_PAGES
#define IMAGE_GPA	TDF_IMAGE_GPA
#define IMAGE_PAGES	TDF_IMAGE_PAGES
#define MAX_VCPUS	TDF_MAX_VCPUS
#define REPORT_R10	GUEST_REPORT_LEAF
#define TD_MAX_VCPUS	0x1110000200000002ULL


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

int tdf_kvm_usable(char *why, size_t len)
{
	return td_vcpu_probe(why, len) == 0;
}

/* Every TD starts here: without a usable /dev/kvm the test is skipped, saying why. */
static void require_kvm(void)
{
	char why[160];

	if (!tdf_kvm_usable(why, sizeof(why))) {
		print_message("SKIPPED: TD execution needs /dev/kvm: %s\n", why);
		skip();
	}
}

/*
 * Boot the host (with the platform option @plat_opt, if any) and build a
 * TD running @image on @nr_vcpus vCPUs.
 */
struct tdrun *td_start_on(const char *plat_opt, const char *image, unsigned int nr_vcpus,
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

	assert_int_equal(enable_split_irqchip(t->vm), 0);
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

struct tdrun *td_start(const char *image, unsigned int nr_vcpus, uint64_t attributes)
{
	return td_start_on(NULL, image, nr_vcpus, attributes);
}

int td_stop(void **state)
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

void tdf_private_range(struct tdrun *t, uint32_t slot, uint64_t gpa, uint64_t pages)
{
	private_range(t->vm, slot, gpa, pages);
}

uint64_t tdf_seamcall(struct tdrun *t, unsigned int cpu, struct tdx_module_args *a)
{
	return tdx_host_seamcall(t->host, cpu, a);
}

/* Host pages for AUG / SEPT.ADD, @align-aligned (4 KiB or 2 MiB). */
uint64_t tdf_host_pages(struct tdrun *t, uint64_t n, uint64_t align)
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

void sept_add(struct tdrun *t, uint64_t gpa, unsigned int level)
{
	struct tdx_module_args a = { .rax = TDH_MEM_SEPT_ADD, .rcx = gpa | level, .rdx = t->tdr,
				     .r8 = tdf_host_pages(t, 1, PAGE) };

	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
}

/* AUG a PENDING page at @gpa; returns the host page behind it. */
uint64_t aug(struct tdrun *t, uint64_t gpa, unsigned int level)
{
	uint64_t size = PAGE << (9 * level), hpa = tdf_host_pages(t, size / PAGE, size);
	struct tdx_module_args a = { .rax = TDH_MEM_PAGE_AUG, .rcx = gpa | level, .rdx = t->tdr,
				     .r8 = hpa };

	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	return hpa;
}

/* The TD's MAX_VCPUS as the host reads it (TDH.MNG.RD). */
uint64_t max_vcpus(struct tdrun *t)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = t->tdr, .rdx = TD_MAX_VCPUS };

	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	return a.r8;
}

/* One VP.ENTER of vCPU @i; @a carries the host's TDVMCALL outputs in and the exit out. */
uint64_t enter(struct tdrun *t, unsigned int i, struct tdx_module_args *a)
{
	int cpu = kvm_tdx_vcpu_cpu(t->vcpu[i]);
	struct tdx_module_args in = *a;
	uint64_t st;

	/* Another vCPU of the TD entering or exiting holds the TD: try again, as KVM does. */
	do {
		*a = in;
		a->rax = TDH_VP_ENTER;
		a->rcx = kvm_tdx_vcpu_tdvpr_pa(t->vcpu[i]);
		st = tdf_seamcall(t, cpu < 0 ? 0 : (unsigned int)cpu, a);
	} while (tdx_status_code_eq(st, TDX_OPERAND_BUSY));
	return st;
}

/* Enter vCPU @i until its next report; it must be step @step.  Returns R12..R15. */
void expect_report(struct tdrun *t, unsigned int i, uint64_t step, uint64_t out[4])
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


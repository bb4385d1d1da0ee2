/*
 * MRTD predicted by libtdxctl against MRTD the emulated TDX module
 * computes: a synthetic TDVF image's sections are added to a TD through
 * KVM's TDX API exactly as qemu-tdx adds them (metadata order, one
 * KVM_TDX_INIT_MEM_REGION per section, the measure flag from the
 * MR.EXTEND attribute, the TD HOB written into the TD_HOB pages), and
 * the module's MRTD is read back with TDH.MNG.RD.  No /dev/kvm needed:
 * the build runs in the emulated module.
 */
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
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "boot.h"
#include "kvm_tdx.h"
#include "tdx_host.h"
#include "tdxctl/measure.h"
#include "test_measure_image.h"
#include "kvm_tdx_irqchip.h"

#define PAGE		4096ULL
#define TD_MRTD		0x1310000300000000ULL
#define RAM_SIZE	(16ULL << 20)

static struct host_boot g_boot;

static int boot(void **state)
{
	struct host_boot_opts o;
	struct emu_error err = { 0 };

	(void)state;
	host_boot_defaults(&o);
	if (host_boot_vendor_key(&o, NULL, &err) ||
	    platform_config_set(&o.cfg, "packages=1", &err) ||
	    platform_config_set(&o.cfg, "lps=2", &err) || host_boot_run(&o, &g_boot, &err))
		fail_msg("host boot: %s", err.msg);
	return 0;
}

static int power_off(void **state)
{
	(void)state;
	host_boot_teardown(&g_boot);
	return 0;
}

static long vm_cmd(struct kvm_tdx_vm *vm, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (ret)
		fail_msg("VM command %u: %ld, hw_error 0x%016llx", id, ret,
			 (unsigned long long)cmd.hw_error);
	return ret;
}

static long vcpu_cmd(struct kvm_tdx_vcpu *vcpu, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vcpu_ioctl(vcpu, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (ret)
		fail_msg("vCPU command %u: %ld, hw_error 0x%016llx", id, ret,
			 (unsigned long long)cmd.hw_error);
	return ret;
}

static void private_range(struct kvm_tdx_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct kvm_create_guest_memfd g = { .size = size };
	long fd = kvm_tdx_vm_ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = gpa,
		.memory_size = size,
	};
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };

	assert_true(fd >= 0);
	r.guest_memfd = (uint32_t)fd;
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r), 0);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a), 0);
}

static struct kvm_tdx_init_vm *init_vm_params(void)
{
	struct kvm_tdx_init_vm *init =
		calloc(1, sizeof(*init) + 2 * sizeof(struct kvm_tdx_cpuid_entry2));

	assert_non_null(init);
	init->attributes = TDX_TD_ATTR_SEPT_VE_DISABLE;
	init->xfam = 3;
	init->cpuid.nent = 2;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x1,
								 .eax = 0x000806F8 };
	init->cpuid.entries[1] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								 .eax = (48 << 16) | 46 };
	return init;
}

/* Build a TD from @t as qemu-tdx does; the module's MRTD into @got. */
static void module_mrtd(const struct timg *t, const struct tdxctl_tdvf *tdvf,
			const struct tdxctl_td_hob *hob, uint8_t got[48])
{
	struct kvm_tdx_init_vm *init = init_vm_params();
	struct kvm_tdx_vcpu *vcpu = NULL;
	struct kvm_tdx_vm *vm = NULL;
	unsigned int i;

	assert_int_equal(kvm_tdx_create_vm(g_boot.host, KVM_X86_TDX_VM, &vm), 0);
	assert_int_equal(enable_split_irqchip(vm), 0);
	vm_cmd(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init);
	assert_int_equal(kvm_tdx_create_vcpu(vm, 0, &vcpu), 0);
	vcpu_cmd(vcpu, KVM_TDX_INIT_VCPU, 0, hob->gpa);
	private_range(vm, 0, 0, RAM_SIZE);
	private_range(vm, 1, TDXCTL_4GIB - t->len, t->len);

	for (i = 0; i < tdvf->nr_sections; i++) {
		const struct tdvf_section_entry *s = &tdvf->sections[i];
		uint8_t *src = aligned_alloc(PAGE, s->memory_data_size);
		struct kvm_tdx_init_mem_region r = { (uintptr_t)src, s->memory_address,
						      s->memory_data_size / PAGE };

		assert_non_null(src);
		memset(src, 0, s->memory_data_size);
		if (s->type == TDVF_SECTION_TYPE_BFV || s->type == TDVF_SECTION_TYPE_CFV)
			memcpy(src, t->buf + s->data_offset, s->raw_data_size);
		else if (s->type == TDVF_SECTION_TYPE_TD_HOB)
			memcpy(src, hob->bytes, hob->size);
		vcpu_cmd(vcpu, KVM_TDX_INIT_MEM_REGION,
			 (s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND) ?
			 KVM_TDX_MEASURE_MEMORY_REGION : 0, (uintptr_t)&r);
		assert_int_equal(r.nr_pages, 0);
		free(src);
	}
	vm_cmd(vm, KVM_TDX_FINALIZE_VM, 0, 0);

	for (i = 0; i < 6; i++) {
		struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = kvm_tdx_vm_tdr_pa(vm),
					     .rdx = TD_MRTD + i };
		uint64_t st = tdx_host_seamcall(g_boot.host, 0, &a);

		if (st != TDX_SUCCESS)
			fail_msg("TDH.MNG.RD MRTD[%u]: 0x%016llx", i, (unsigned long long)st);
		memcpy(got + 8 * i, &a.r8, 8);
	}
	kvm_tdx_destroy_vm(vm);
	free(init);
}

static void check(const struct timg *t)
{
	struct emu_error err = { 0 };
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	uint8_t want[48], got[48];

	if (tdxctl_tdvf_parse(t->buf, t->len, &tdvf, &err) ||
	    tdxctl_td_hob_build(&tdvf, RAM_SIZE, &hob, &err) ||
	    tdxctl_mrtd(&tdvf, &hob, want, &err))
		fail_msg("tdxctl: %s", err.msg);
	module_mrtd(t, &tdvf, &hob, got);
	assert_memory_equal(got, want, 48);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
}

static void test_default_image(void **state)
{
	static struct timg t;

	(void)state;
	timg_default(&t);
	check(&t);
}

/* Every kind of section measured, and a BFV shorter in the file than in memory. */
static void test_all_measured(void **state)
{
	static struct timg t;
	unsigned int i;

	(void)state;
	timg_default(&t);
	for (i = 0; i < t.nr; i++)
		t.s[i].attr = 1;
	t.s[0].raw = 0xD100;
	timg_write_metadata(&t);
	check(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_image),
		cmocka_unit_test(test_all_measured),
	};

	return cmocka_run_group_tests(tests, boot, power_off);
}

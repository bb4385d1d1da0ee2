/*
 * Shared set-up for the KVM TDX API tests (test_kvm_tdx_*.c): a whole
 * emulated host booted through tools/tdx-host/boot.h to an initialized
 * module, one VM per test, the ioctl wrappers a VMM would write, and raw
 * SEAMCALL probes of what the module holds.
 *
 * Each test boots its own machine (about 50 ms), so a failed assertion
 * leaves nothing behind for the next one: the cmocka teardown destroys
 * the VM and the machine.
 */
#ifndef TDX_TEST_KVM_TDX_TEST_H
#define TDX_TEST_KVM_TDX_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_metadata.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "boot.h"
#include "kvm_tdx.h"
#include "pmem.h"
#include "tdx_host.h"
#include "kvm_tdx_irqchip.h"

#define KT_PAGE		4096ULL
#define KT_NR_CPUID	12	/* configurable CPUID leaves of module 1.5.01 */

/* TD-scope metadata fields (reference tdx-abi.md 4.6). */
#define KT_TD_HKID		0x8110000100000001ULL
#define KT_TD_NUM_VCPUS		0x9010000200000001ULL
#define KT_TD_OP_STATE		0x9010000200000004ULL
#define KT_TD_ATTRIBUTES	0x1110000300000000ULL
#define KT_TD_XFAM		0x1110000300000001ULL
#define KT_TD_MAX_VCPUS		0x1110000200000002ULL
#define KT_TD_GPAW		0x1110000000000003ULL
#define KT_TD_EPTP		0x1110000300000004ULL
#define KT_TD_TSC_FREQUENCY	0x111000010000000CULL
#define KT_TD_CONFIG_FLAGS	0x1110000300000016ULL
#define KT_TD_MRTD		0x1310000300000000ULL
#define KT_TD_MRCONFIGID	0x1310000300000010ULL
#define KT_TD_MROWNER		0x1310000300000018ULL
#define KT_TD_MROWNERCONFIG	0x1310000300000020ULL

#define KT_OP_INITIALIZED	1
#define KT_OP_RUNNABLE		2

struct kt {
	struct host_boot b;
	struct tdx_host *host;
	struct platform *plat;
	unsigned int nr_lps;
	struct kvm_tdx_vm *vm;		/* destroyed by kt_teardown */
	struct kvm_tdx_vcpu *vcpu;	/* a vCPU of vm, if the setup made one */
	struct kvm_tdx_vm *extra[48];	/* more VMs a test keeps alive */
	void *mem[8];			/* freed by kt_teardown */
};

/* kt_boot() - a machine of @lps LPs (0: the default) with the module initialized. */
static inline struct kt *kt_boot(unsigned int lps)
{
	struct kt *kt = calloc(1, sizeof(*kt));
	struct host_boot_opts o;
	struct emu_error err = { 0 };
	char kv[32];

	assert_non_null(kt);
	host_boot_defaults(&o);
	if (host_boot_vendor_key(&o, NULL, &err))
		fail_msg("vendor key: %s", err.msg);
	if (lps) {
		snprintf(kv, sizeof(kv), "lps=%u", lps);
		if (platform_config_set(&o.cfg, kv, &err))
			fail_msg("%s: %s", kv, err.msg);
	}
	if (host_boot_run(&o, &kt->b, &err))
		fail_msg("host_boot_run: %s", err.msg);
	kt->host = kt->b.host;
	kt->plat = kt->b.m->plat;
	kt->nr_lps = platform_nr_lps(kt->plat);
	return kt;
}

static inline int kt_teardown(void **state)
{
	struct kt *kt = *state;

	if (!kt)
		return 0;
	kvm_tdx_destroy_vm(kt->vm);
	for (size_t i = 0; i < sizeof(kt->extra) / sizeof(kt->extra[0]); i++)
		kvm_tdx_destroy_vm(kt->extra[i]);
	host_boot_teardown(&kt->b);
	for (size_t i = 0; i < sizeof(kt->mem) / sizeof(kt->mem[0]); i++)
		free(kt->mem[i]);
	free(kt);
	*state = NULL;
	return 0;
}

/* kt_keep() - a zeroed buffer freed at teardown. */
static inline void *kt_keep(struct kt *kt, size_t align, size_t size)
{
	for (size_t i = 0; i < sizeof(kt->mem) / sizeof(kt->mem[0]); i++) {
		if (kt->mem[i])
			continue;
		kt->mem[i] = aligned_alloc(align, (size + align - 1) / align * align);
		assert_non_null(kt->mem[i]);
		memset(kt->mem[i], 0, size);
		return kt->mem[i];
	}
	fail_msg("kt_keep: out of slots");
	return NULL;
}

/* kt_create_vm() - KVM_CREATE_VM(KVM_X86_TDX_VM) into kt->vm. */
static inline struct kvm_tdx_vm *kt_create_vm(struct kt *kt)
{
	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &kt->vm), 0);
	assert_int_equal(enable_split_irqchip(kt->vm), 0);
	assert_non_null(kt->vm);
	return kt->vm;
}

/* ---- ioctls ---- */

static inline long kt_vm_cmd(struct kvm_tdx_vm *vm, uint32_t id, uint32_t flags, uint64_t data,
			     uint64_t *hw_error)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (hw_error)
		*hw_error = cmd.hw_error;
	return ret;
}

static inline long kt_vcpu_cmd(struct kvm_tdx_vcpu *vcpu, uint32_t id, uint32_t flags,
			       uint64_t data, uint64_t *hw_error)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vcpu_ioctl(vcpu, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (hw_error)
		*hw_error = cmd.hw_error;
	return ret;
}

/*
 * A zeroed struct kvm_tdx_init_vm whose CPUID list is, as QEMU sends it,
 * entry 0 = 0x80000008 with GPAW 48 in EAX[23:16], then @nextra zeroed
 * entries for the test to fill.
 */
static inline struct kvm_tdx_init_vm *kt_init_vm_alloc(unsigned int nextra)
{
	size_t size = sizeof(struct kvm_tdx_init_vm) +
		      (1 + nextra) * sizeof(struct kvm_tdx_cpuid_entry2);
	struct kvm_tdx_init_vm *init = calloc(1, size);

	assert_non_null(init);
	init->cpuid.nent = 1 + nextra;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								 .eax = (48 << 16) | 46 };
	return init;
}

static inline long kt_init_vm(struct kvm_tdx_vm *vm, const struct kvm_tdx_init_vm *init,
			      uint64_t *hw_error)
{
	return kt_vm_cmd(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init, hw_error);
}

/* INIT_VM with @attributes, @xfam and no CPUID entries; asserts success. */
static inline void kt_init_vm_simple(struct kvm_tdx_vm *vm, uint64_t attributes, uint64_t xfam)
{
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);
	uint64_t hw = 0;
	long ret;

	init->attributes = attributes;
	init->xfam = xfam;
	ret = kt_init_vm(vm, init, &hw);
	free(init);
	if (ret)
		fail_msg("INIT_VM: %ld, hw_error 0x%016llx", ret, (unsigned long long)hw);
}

/* A struct kvm_tdx_capabilities with room for @nent entries. */
static inline struct kvm_tdx_capabilities *kt_caps_alloc(unsigned int nent)
{
	size_t size = sizeof(struct kvm_tdx_capabilities) +
		      nent * sizeof(struct kvm_tdx_cpuid_entry2);
	struct kvm_tdx_capabilities *caps = calloc(1, size);

	assert_non_null(caps);
	caps->cpuid.nent = nent;
	return caps;
}

/* KVM_CREATE_VCPU(@id) + KVM_TDX_INIT_VCPU (RCX = @rcx); asserts success. */
static inline struct kvm_tdx_vcpu *kt_vcpu_init(struct kvm_tdx_vm *vm, unsigned long id,
						uint64_t rcx)
{
	struct kvm_tdx_vcpu *vcpu = NULL;
	uint64_t hw = 0;
	long ret;

	assert_int_equal(kvm_tdx_create_vcpu(vm, id, &vcpu), 0);
	assert_non_null(vcpu);
	ret = kt_vcpu_cmd(vcpu, KVM_TDX_INIT_VCPU, 0, rcx, &hw);
	if (ret)
		fail_msg("INIT_VCPU %lu: %ld, hw_error 0x%016llx", id, ret, (unsigned long long)hw);
	return vcpu;
}

static inline long kt_guest_memfd(struct kvm_tdx_vm *vm, uint64_t size)
{
	struct kvm_create_guest_memfd g = { .size = size };

	return kvm_tdx_vm_ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
}

static inline long kt_memslot(struct kvm_tdx_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
			      uint64_t size, uint64_t uaddr, uint32_t gmem, uint64_t gmem_off)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr, .guest_memfd = gmem, .guest_memfd_offset = gmem_off,
	};

	return kvm_tdx_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

static inline long kt_set_attr(struct kvm_tdx_vm *vm, uint64_t gpa, uint64_t size,
			       uint64_t attributes)
{
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = attributes };

	return kvm_tdx_vm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

/* A guest_memfd of @size, a memslot over it at @gpa and the range made private. */
static inline void kt_private_range(struct kvm_tdx_vm *vm, uint32_t slot, uint64_t gpa,
				    uint64_t size)
{
	long fd = kt_guest_memfd(vm, size);

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(vm, slot, KVM_MEM_GUEST_MEMFD, gpa, size, 0, (uint32_t)fd, 0),
			 0);
	assert_int_equal(kt_set_attr(vm, gpa, size, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
}

static inline long kt_init_mem(struct kvm_tdx_vcpu *vcpu, struct kvm_tdx_init_mem_region *r,
			       uint32_t flags, uint64_t *hw_error)
{
	return kt_vcpu_cmd(vcpu, KVM_TDX_INIT_MEM_REGION, flags, (uintptr_t)r, hw_error);
}

/* ---- raw SEAMCALLs ---- */

static inline uint64_t kt_mng_rd(struct kt *kt, uint64_t tdr, uint64_t field, uint64_t *value)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = tdr, .rdx = field };
	uint64_t st = tdx_host_seamcall(kt->host, 0, &a);

	*value = a.r8;
	return st;
}

static inline uint64_t kt_mng_rd_ok(struct kt *kt, uint64_t tdr, uint64_t field)
{
	uint64_t v = 0, st = kt_mng_rd(kt, tdr, field, &v);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.MNG.RD 0x%016llx: status 0x%016llx", (unsigned long long)field,
			 (unsigned long long)st);
	return v;
}

/* The 48 bytes of a 6-element measurement field. */
static inline void kt_mng_rd_48(struct kt *kt, uint64_t tdr, uint64_t field, uint8_t out[48])
{
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t v = kt_mng_rd_ok(kt, tdr, field + i);

		memcpy(out + 8 * i, &v, 8);
	}
}

static inline uint64_t kt_sys_rd_ok(struct kt *kt, uint64_t field)
{
	struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = field };
	uint64_t st = tdx_host_seamcall(kt->host, 0, &a);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.SYS.RD 0x%016llx: status 0x%016llx", (unsigned long long)field,
			 (unsigned long long)st);
	return a.r8;
}

#define assert_status(actual, expected)							\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (a__ != e__)								\
			fail_msg("status 0x%016llx, expected 0x%016llx",		\
				 (unsigned long long)a__, (unsigned long long)e__);	\
	} while (0)

#endif /* TDX_TEST_KVM_TDX_TEST_H */

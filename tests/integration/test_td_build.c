/*
 * Integration test of a whole TD build through KVM's TDX API, in the
 * order of reference host-stack.md 1.3 (QEMU's): CAPABILITIES, INIT_VM,
 * vCPUs with INIT_VCPU, guest_memfd + memslots made private,
 * INIT_MEM_REGION measured and not, FINALIZE.  MRTD is read back with
 * raw TDH.MNG.RD and compared with a SHA-384 computed here from
 * tdx-abi.md section 7.  Then teardown: every host page comes back and
 * the HKID is reusable, also across more TDs than there are HKIDs.
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

#include <openssl/evp.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "boot.h"
#include "kvm_tdx.h"
#include "tdx_host.h"
#include "kvm_tdx_irqchip.h"

#define PAGE			4096ULL
#define NR_CPUID		12
#define LPS			4
#define GUEST_HKIDS		31	/* 32 TDX KeyIDs, the first is the module's */

#define TD_NUM_VCPUS		0x9010000200000001ULL
#define TD_OP_STATE		0x9010000200000004ULL
#define TD_HKID			0x8110000100000001ULL
#define TD_MRTD			0x1310000300000000ULL
#define TD_MRCONFIGID		0x1310000300000010ULL
#define OP_INITIALIZED		1
#define OP_RUNNABLE		2

/* Guest layout: RAM at 0 (slot 0) and a firmware volume below 4 GiB (slot 1). */
#define RAM_GPA			0x0ULL
#define RAM_PAGES		64
#define FW_GPA			0xFFE00000ULL
#define FW_PAGES		16
#define HOB_GPA			0x10000ULL

static struct host_boot g_boot;
static struct tdx_host *g_host;

static void boot_machine(struct host_boot *b, const char *packages, const char *lps)
{
	struct host_boot_opts o;
	struct emu_error err = { 0 };

	host_boot_defaults(&o);
	if (host_boot_vendor_key(&o, NULL, &err))
		fail_msg("vendor key: %s", err.msg);
	/* packages first, so that lps=N splits N over them. */
	if (platform_config_set(&o.cfg, packages, &err) || platform_config_set(&o.cfg, lps, &err))
		fail_msg("%s %s: %s", packages, lps, err.msg);
	if (host_boot_run(&o, b, &err))
		fail_msg("host_boot_run: %s", err.msg);
}

static int boot(void **state)
{
	(void)state;
	boot_machine(&g_boot, "packages=1", "lps=4");
	g_host = g_boot.host;
	assert_int_equal(platform_nr_lps(g_boot.m->plat), LPS);
	return 0;
}

static int power_off(void **state)
{
	(void)state;
	host_boot_teardown(&g_boot);
	return 0;
}

/* ---- helpers ---- */

static long vm_cmd(struct kvm_tdx_vm *vm, uint32_t id, uint32_t flags, uint64_t data,
		   uint64_t *hw)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (hw)
		*hw = cmd.hw_error;
	return ret;
}

static long vcpu_cmd(struct kvm_tdx_vcpu *vcpu, uint32_t id, uint32_t flags, uint64_t data,
		     uint64_t *hw)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	long ret = kvm_tdx_vcpu_ioctl(vcpu, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (hw)
		*hw = cmd.hw_error;
	return ret;
}

static uint64_t mng_rd(struct kvm_tdx_vm *vm, uint64_t field)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = kvm_tdx_vm_tdr_pa(vm),
				     .rdx = field };
	uint64_t st = tdx_host_seamcall(g_host, 0, &a);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.MNG.RD 0x%016llx: 0x%016llx", (unsigned long long)field,
			 (unsigned long long)st);
	return a.r8;
}

static void mng_rd_48(struct kvm_tdx_vm *vm, uint64_t field, uint8_t out[48])
{
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t v = mng_rd(vm, field + i);

		memcpy(out + 8 * i, &v, 8);
	}
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

/* CAPABILITIES the way QEMU asks: start with 6 entries, grow on -E2BIG. */
static struct kvm_tdx_capabilities *get_caps(struct kvm_tdx_vm *vm)
{
	unsigned int nent = 6;

	for (;;) {
		struct kvm_tdx_capabilities *caps =
			calloc(1, sizeof(*caps) + nent * sizeof(struct kvm_tdx_cpuid_entry2));
		long ret;

		assert_non_null(caps);
		caps->cpuid.nent = nent;
		ret = vm_cmd(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL);
		if (ret == 0)
			return caps;
		assert_int_equal(ret, -E2BIG);
		assert_true(caps->cpuid.nent > nent);
		nent = caps->cpuid.nent;
		free(caps);
	}
}

/* ---- the independent MRTD ---- */

struct mrtd {
	EVP_MD_CTX *ctx;
};

static void mrtd_block(struct mrtd *m, const char *op, uint64_t gpa)
{
	uint8_t block[128] = { 0 };

	memcpy(block, op, strlen(op));
	for (unsigned int i = 0; i < 8; i++)
		block[16 + i] = (uint8_t)(gpa >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(m->ctx, block, sizeof(block)), 1);
}

/* What the module hashes for one page added by INIT_MEM_REGION. */
static void mrtd_page(struct mrtd *m, uint64_t gpa, const uint8_t *content, bool measured)
{
	mrtd_block(m, "MEM.PAGE.ADD", gpa);
	for (unsigned int off = 0; measured && off < PAGE; off += 256) {
		mrtd_block(m, "MR.EXTEND", gpa + off);
		assert_int_equal(EVP_DigestUpdate(m->ctx, content + off, 256), 1);
	}
}

/* ---- the build ---- */

struct region {
	uint64_t gpa;
	unsigned int pages;
	bool measured;
	uint8_t seed;
};

/* Call order matters for MRTD: firmware first, then RAM pieces, measured or not. */
static const struct region regions[] = {
	{ FW_GPA, 4, true, 0x10 },			/* BFV: measured */
	{ FW_GPA + 8 * PAGE, 2, false, 0x20 },		/* CFV: not measured */
	{ HOB_GPA, 1, true, 0x30 },			/* TD HOB */
	{ RAM_GPA, 3, false, 0x40 },			/* temp memory */
	{ RAM_GPA + 0x20000, 2, true, 0x50 },
};

static uint8_t *region_content(const struct region *r)
{
	uint8_t *p = aligned_alloc(PAGE, r->pages * PAGE);

	assert_non_null(p);
	for (size_t i = 0; i < r->pages * PAGE; i++)
		p[i] = (uint8_t)(r->seed * 3 + i * 7 + (i >> 8));
	return p;
}

static struct kvm_tdx_init_vm *init_vm_params(void)
{
	struct kvm_tdx_init_vm *init =
		calloc(1, sizeof(*init) + 4 * sizeof(struct kvm_tdx_cpuid_entry2));
	uint8_t *cfg;

	assert_non_null(init);
	init->attributes = TDX_TD_ATTR_SEPT_VE_DISABLE;
	init->xfam = 3;
	cfg = (uint8_t *)init->mrconfigid;
	for (unsigned int i = 0; i < 48; i++)
		cfg[i] = (uint8_t)(0xC0 + i);
	init->cpuid.nent = 4;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x1,
								 .eax = 0x000806F8,
								 .ecx = 0x80000000 };
	init->cpuid.entries[1] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								 .eax = (48 << 16) | 46 };
	init->cpuid.entries[2] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x4, .index = 3, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x3C07C163, .ecx = 0x1FFF };
	init->cpuid.entries[3] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x4, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x1C004122, .ecx = 0x3F };
	return init;
}

static void build_td(unsigned int nr_vcpus)
{
	uint64_t free_before = tdx_host_free_page_count(g_host), hw = 0;
	struct kvm_tdx_vm *vm = NULL;
	struct kvm_tdx_vcpu *vcpu[LPS] = { 0 }, *extra = NULL;
	struct kvm_tdx_capabilities *caps;
	struct kvm_tdx_init_vm *init;
	struct kvm_tdx_cpuid2 *cpuid;
	struct mrtd m = { EVP_MD_CTX_new() };
	uint8_t expect[48], got[48];
	unsigned int len = sizeof(expect);
	hkid_t hkid;
	long ret;

	assert_non_null(m.ctx);
	assert_int_equal(EVP_DigestInit_ex(m.ctx, EVP_sha384(), NULL), 1);

	/* 1-3. The VM type, the VM, its capabilities. */
	assert_true(kvm_tdx_check_extension(g_host, KVM_CAP_VM_TYPES) & (1L << KVM_X86_TDX_VM));
	assert_int_equal(kvm_tdx_create_vm(g_host, KVM_X86_TDX_VM, &vm), 0);
	assert_int_equal(enable_split_irqchip(vm), 0);
	caps = get_caps(vm);
	assert_int_equal(caps->cpuid.nent, NR_CPUID);

	/* 7. INIT_VM. */
	init = init_vm_params();
	assert_int_equal(init->attributes & ~caps->supported_attrs, 0);
	assert_int_equal(init->xfam & ~caps->supported_xfam, 0);
	ret = vm_cmd(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init, &hw);
	if (ret)
		fail_msg("INIT_VM: %ld, hw_error 0x%016llx", ret, (unsigned long long)hw);
	hkid = kvm_tdx_vm_hkid(vm);
	assert_int_equal(mng_rd(vm, TD_HKID), hkid);
	assert_int_equal(mng_rd(vm, TD_OP_STATE), OP_INITIALIZED);
	mng_rd_48(vm, TD_MRCONFIGID, got);
	assert_memory_equal(got, init->mrconfigid, 48);

	/* 8. vCPUs: create + INIT_VCPU with the TD HOB's GPA. */
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		assert_int_equal(kvm_tdx_create_vcpu(vm, i, &vcpu[i]), 0);
		ret = vcpu_cmd(vcpu[i], KVM_TDX_INIT_VCPU, 0, HOB_GPA, &hw);
		if (ret)
			fail_msg("INIT_VCPU %u: %ld, hw_error 0x%016llx", i, ret,
				 (unsigned long long)hw);
		/* Once per vCPU. */
		assert_int_equal(vcpu_cmd(vcpu[i], KVM_TDX_INIT_VCPU, 0, HOB_GPA, NULL), -EINVAL);
	}
	assert_int_equal(mng_rd(vm, TD_NUM_VCPUS), nr_vcpus);

	/* 9. Memory: guest_memfd-backed slots, made private. */
	private_range(vm, 0, RAM_GPA, RAM_PAGES);
	private_range(vm, 1, FW_GPA, FW_PAGES);

	/* 10. INIT_MEM_REGION, spread over the vCPUs as a VMM may. */
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		const struct region *rg = &regions[i];
		uint8_t *content = region_content(rg);
		struct kvm_tdx_init_mem_region r = { (uintptr_t)content, rg->gpa, rg->pages };

		ret = vcpu_cmd(vcpu[i % nr_vcpus], KVM_TDX_INIT_MEM_REGION,
			       rg->measured ? KVM_TDX_MEASURE_MEMORY_REGION : 0, (uintptr_t)&r, &hw);
		if (ret)
			fail_msg("INIT_MEM_REGION %zu: %ld, hw_error 0x%016llx", i, ret,
				 (unsigned long long)hw);
		assert_int_equal(r.nr_pages, 0);
		for (unsigned int p = 0; p < rg->pages; p++)
			mrtd_page(&m, rg->gpa + p * PAGE, content + p * PAGE, rg->measured);
		free(content);
	}

	/* KVM_TDX_GET_CPUID: -E2BIG with the count, then the 12 entries. */
	cpuid = calloc(1, sizeof(*cpuid) + NR_CPUID * sizeof(struct kvm_tdx_cpuid_entry2));
	assert_non_null(cpuid);
	cpuid->nent = 1;
	assert_int_equal(vcpu_cmd(vcpu[0], KVM_TDX_GET_CPUID, 0, (uintptr_t)cpuid, NULL), -E2BIG);
	assert_int_equal(cpuid->nent, NR_CPUID);
	assert_int_equal(vcpu_cmd(vcpu[nr_vcpus - 1], KVM_TDX_GET_CPUID, 0, (uintptr_t)cpuid,
				  NULL), 0);
	assert_int_equal(cpuid->nent, NR_CPUID);
	for (unsigned int i = 0; i < NR_CPUID; i++) {
		const struct kvm_tdx_cpuid_entry2 *e = &cpuid->entries[i];

		assert_int_equal(e->function, caps->cpuid.entries[i].function);
		/* What INIT_VM configured is what the TD sees. */
		if (e->function == 0x1) {
			assert_int_equal(e->eax, 0x000806F8);
			assert_int_equal(e->ecx, 0x80000000);
		} else if (e->function == 0x4 && e->index == 3) {
			assert_int_equal(e->eax, 0x3C07C163);
			assert_int_equal(e->ecx, 0x1FFF);
		} else if (e->function == 0x4 && e->index == 1) {
			assert_int_equal(e->eax, 0x1C004122);
			assert_int_equal(e->ecx, 0x3F);
		}
	}
	free(cpuid);

	/* 11. FINALIZE. */
	ret = vm_cmd(vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw);
	if (ret)
		fail_msg("FINALIZE_VM: %ld, hw_error 0x%016llx", ret, (unsigned long long)hw);
	assert_int_equal(mng_rd(vm, TD_OP_STATE), OP_RUNNABLE);

	/* MRTD, read back, against the one computed here. */
	assert_int_equal(EVP_DigestFinal_ex(m.ctx, expect, &len), 1);
	EVP_MD_CTX_free(m.ctx);
	mng_rd_48(vm, TD_MRTD, got);
	assert_memory_equal(got, expect, 48);

	/* After FINALIZE: no more pages, no second FINALIZE, no new vCPU, no INIT_VM. */
	{
		uint8_t *content = aligned_alloc(PAGE, PAGE);
		struct kvm_tdx_init_mem_region r = { (uintptr_t)content, RAM_GPA + 0x30000, 1 };

		assert_non_null(content);
		memset(content, 0xEE, PAGE);
		assert_int_equal(vcpu_cmd(vcpu[0], KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL),
				 -EINVAL);
		assert_int_equal(r.nr_pages, 1);
		assert_int_equal(kvm_tdx_vm_private_pa(vm, RAM_GPA + 0x30000), 0);
		free(content);
	}
	assert_int_equal(vm_cmd(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), -EINVAL);
	assert_int_equal(kvm_tdx_create_vcpu(vm, nr_vcpus, &extra), -EINVAL);
	assert_null(extra);
	assert_int_equal(vm_cmd(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init, NULL), -EINVAL);
	mng_rd_48(vm, TD_MRTD, got);
	assert_memory_equal(got, expect, 48);

	/* Teardown: every page back. */
	kvm_tdx_destroy_vm(vm);
	assert_int_equal(tdx_host_free_page_count(g_host), free_before);

	/* The HKID is free again: a new TD gets built. */
	assert_int_equal(kvm_tdx_create_vm(g_host, KVM_X86_TDX_VM, &vm), 0);
	assert_int_equal(enable_split_irqchip(vm), 0);
	ret = vm_cmd(vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init, &hw);
	if (ret)
		fail_msg("second INIT_VM: %ld, hw_error 0x%016llx", ret, (unsigned long long)hw);
	assert_int_equal(mng_rd(vm, TD_OP_STATE), OP_INITIALIZED);
	kvm_tdx_destroy_vm(vm);
	assert_int_equal(tdx_host_free_page_count(g_host), free_before);
	free(init);
	free(caps);
}

static void td_build_1_vcpu(void **state)
{
	(void)state;
	build_td(1);
}

static void td_build_4_vcpus(void **state)
{
	(void)state;
	build_td(4);
}

/* Two packages: KEY.CONFIG and CACHE.WB run once per package. */
static void td_build_2_packages(void **state)
{
	struct host_boot two;
	struct tdx_host *saved = g_host;

	(void)state;
	memset(&two, 0, sizeof(two));
	boot_machine(&two, "packages=2", "lps=4");
	assert_int_equal(platform_nr_packages(two.m->plat), 2);
	g_host = two.host;
	build_td(4);
	g_host = saved;
	host_boot_teardown(&two);
}

/* A small TD: INIT_VM, a vCPU, one private page. */
static void small_td(struct kvm_tdx_vm **out, uint8_t *content)
{
	struct kvm_tdx_init_vm *init = init_vm_params();
	struct kvm_tdx_init_mem_region r = { (uintptr_t)content, RAM_GPA, 1 };
	struct kvm_tdx_vcpu *vcpu;
	uint64_t hw = 0;
	long ret;

	assert_int_equal(kvm_tdx_create_vm(g_host, KVM_X86_TDX_VM, out), 0);

	assert_int_equal(enable_split_irqchip(*out), 0);
	ret = vm_cmd(*out, KVM_TDX_INIT_VM, 0, (uintptr_t)init, &hw);
	free(init);
	if (ret)
		fail_msg("INIT_VM: %ld, hw_error 0x%016llx", ret, (unsigned long long)hw);
	assert_int_equal(kvm_tdx_create_vcpu(*out, 0, &vcpu), 0);
	assert_int_equal(vcpu_cmd(vcpu, KVM_TDX_INIT_VCPU, 0, HOB_GPA, NULL), 0);
	private_range(*out, 0, RAM_GPA, 4);
	assert_int_equal(vcpu_cmd(vcpu, KVM_TDX_INIT_MEM_REGION, KVM_TDX_MEASURE_MEMORY_REGION,
				  (uintptr_t)&r, NULL), 0);
}

/* More TDs one after the other than there are guest HKIDs. */
static void td_create_destroy_40(void **state)
{
	uint64_t free_before = tdx_host_free_page_count(g_host);
	uint8_t *content = aligned_alloc(PAGE, PAGE);

	(void)state;
	assert_non_null(content);
	memset(content, 0x5C, PAGE);
	for (unsigned int i = 0; i < 40; i++) {
		struct kvm_tdx_vm *vm = NULL;

		small_td(&vm, content);
		assert_int_equal(mng_rd(vm, TD_HKID), kvm_tdx_vm_hkid(vm));
		kvm_tdx_destroy_vm(vm);
		if (tdx_host_free_page_count(g_host) != free_before)
			fail_msg("TD %u: %lld pages not returned", i,
				 (long long)(free_before - tdx_host_free_page_count(g_host)));
	}
	free(content);
}

/*
 * The pool really has 31 HKIDs (so 40 above is more than the pool): the
 * 32nd live TD's INIT_VM fails without taking pages, and freeing one TD
 * lets it through.
 */
static void td_hkid_pool_exhausted_then_freed(void **state)
{
	uint64_t free_before = tdx_host_free_page_count(g_host), free_mid, hw = 0;
	struct kvm_tdx_vm *vm[GUEST_HKIDS] = { 0 }, *last = NULL;
	struct kvm_tdx_init_vm *init = init_vm_params();
	uint8_t *content = aligned_alloc(PAGE, PAGE);
	hkid_t freed;
	long ret;

	(void)state;
	assert_non_null(content);
	memset(content, 0x6D, PAGE);
	for (unsigned int i = 0; i < GUEST_HKIDS; i++) {
		small_td(&vm[i], content);
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(kvm_tdx_vm_hkid(vm[i]), kvm_tdx_vm_hkid(vm[j]));
	}
	assert_int_equal(kvm_tdx_create_vm(g_host, KVM_X86_TDX_VM, &last), 0);
	assert_int_equal(enable_split_irqchip(last), 0);
	free_mid = tdx_host_free_page_count(g_host);
	ret = vm_cmd(last, KVM_TDX_INIT_VM, 0, (uintptr_t)init, &hw);
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(hw, 0);
	assert_int_equal(tdx_host_free_page_count(g_host), free_mid);
	kvm_tdx_destroy_vm(last);

	freed = kvm_tdx_vm_hkid(vm[7]);
	kvm_tdx_destroy_vm(vm[7]);
	vm[7] = NULL;
	assert_int_equal(kvm_tdx_create_vm(g_host, KVM_X86_TDX_VM, &last), 0);
	assert_int_equal(enable_split_irqchip(last), 0);
	assert_int_equal(vm_cmd(last, KVM_TDX_INIT_VM, 0, (uintptr_t)init, NULL), 0);
	assert_int_equal(kvm_tdx_vm_hkid(last), freed);
	kvm_tdx_destroy_vm(last);
	for (unsigned int i = 0; i < GUEST_HKIDS; i++)
		kvm_tdx_destroy_vm(vm[i]);
	assert_int_equal(tdx_host_free_page_count(g_host), free_before);
	free(init);
	free(content);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(td_build_1_vcpu),
		cmocka_unit_test(td_build_4_vcpus),
		cmocka_unit_test(td_build_2_packages),
		cmocka_unit_test(td_create_destroy_40),
		cmocka_unit_test(td_hkid_pool_exhausted_then_freed),
	};

	return cmocka_run_group_tests_name("td_build", tests, boot, power_off);
}

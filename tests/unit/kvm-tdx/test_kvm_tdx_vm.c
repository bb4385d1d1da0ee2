/*
 * KVM TDX VM commands (kvm-tdx/src/vm.c): KVM_CHECK_EXTENSION, KVM_CREATE_VM,
 * the KVM_MEMORY_ENCRYPT_OP entry, KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM,
 * KVM_SET_TSC_KHZ and KVM_TDX_FINALIZE_VM's early refusals, against
 * reference host-stack.md 1.1-1.3.  What INIT_VM gave the module is read
 * back with raw TDH.MNG.RD, not through kvm-tdx.
 */
#include "kvm_tdx_test.h"
#include "kvm_tdx_irqchip.h"

static int setup(void **state)
{
	*state = kt_boot(0);
	return 0;
}

static int setup_vm(void **state)
{
	struct kt *kt = kt_boot(0);

	*state = kt;
	kt_create_vm(kt);
	return 0;
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, kt_teardown)
#define TVM(f)	cmocka_unit_test_setup_teardown(f, setup_vm, kt_teardown)

/* ---- KVM_CHECK_EXTENSION, KVM_CREATE_VM ---- */

static void check_extension_vm_types_has_tdx(void **state)
{
	struct kt *kt = *state;
	long types = kvm_tdx_check_extension(kt->host, KVM_CAP_VM_TYPES);

	assert_true(types & (1L << KVM_X86_TDX_VM));
	assert_true(types & (1L << KVM_X86_DEFAULT_VM));
	/* guest_memfd and memory attributes are what a TD's memory needs. */
	assert_int_not_equal(kvm_tdx_check_extension(kt->host, KVM_CAP_GUEST_MEMFD), 0);
	assert_int_not_equal(kvm_tdx_check_extension(kt->host, KVM_CAP_MEMORY_ATTRIBUTES), 0);
	assert_int_equal(kvm_tdx_check_extension(kt->host, 0x7FFFFFFF), 0);
}

static void create_vm_non_tdx_type_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vm *vm = (void *)1;

	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_DEFAULT_VM, &vm), -EINVAL);
	assert_null(vm);
	vm = (void *)1;
	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_SNP_VM, &vm), -EINVAL);
	assert_null(vm);
	assert_int_equal(kvm_tdx_create_vm(kt->host, 6, &vm), -EINVAL);
	assert_null(vm);
}

/* ---- KVM_MEMORY_ENCRYPT_OP entry ---- */

static void cmd_hw_error_nonzero_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(KT_NR_CPUID);
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_CAPABILITIES, .data = (uintptr_t)caps,
				   .hw_error = 1 };

	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_MEMORY_ENCRYPT_OP, &cmd), -EINVAL);
	/* Refused before anything ran: the output struct is untouched. */
	assert_int_equal(caps->supported_attrs, 0);
	cmd.hw_error = 0;
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_MEMORY_ENCRYPT_OP, &cmd), 0);
	free(caps);
}

static void cmd_unknown_id_einval(void **state)
{
	struct kt *kt = *state;
	/* vCPU commands on the VM fd, and ids past the end. */
	static const uint32_t ids[] = { KVM_TDX_INIT_VCPU, KVM_TDX_INIT_MEM_REGION,
					KVM_TDX_GET_CPUID, KVM_TDX_CMD_NR_MAX, 99, 0xFFFFFFFF };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint64_t hw = 0;

		assert_int_equal(kt_vm_cmd(kt->vm, ids[i], 0, 0, &hw), -EINVAL);
		assert_int_equal(hw, 0);
	}
}

static void cmd_flags_nonzero_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(KT_NR_CPUID);
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);

	init->xfam = 3;
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 1, (uintptr_t)caps, NULL),
			 -EINVAL);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_INIT_VM, 1, (uintptr_t)init, NULL), -EINVAL);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_INIT_VM, 0x80000000U, (uintptr_t)init, NULL),
			 -EINVAL);
	/* The refused INIT_VM did not count: the real one still works. */
	assert_int_equal(kt_init_vm(kt->vm, init, NULL), 0);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_FINALIZE_VM, 1, 0, NULL), -EINVAL);
	free(caps);
	free(init);
}

static void unknown_vm_ioctl_enotty(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_CAPABILITIES };

	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, 0xdeadbeefUL, &cmd), -ENOTTY);
	/* KVM_CREATE_VCPU, KVM_RUN: not VM ioctls of this API. */
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, 0xae41UL, NULL), -ENOTTY);
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, 0xae80UL, NULL), -ENOTTY);
}

/* ---- KVM_TDX_CAPABILITIES ---- */

static void capabilities_nent_too_small_e2big(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(6);	/* QEMU's first try */

	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL),
			 -E2BIG);
	assert_int_equal(caps->cpuid.nent, KT_NR_CPUID);
	caps->cpuid.nent = 0;
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL),
			 -E2BIG);
	assert_int_equal(caps->cpuid.nent, KT_NR_CPUID);
	caps->cpuid.nent = KT_NR_CPUID - 1;
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL),
			 -E2BIG);
	assert_int_equal(caps->cpuid.nent, KT_NR_CPUID);
	free(caps);
}

static void capabilities_null_data_einval(void **state)
{
	struct kt *kt = *state;

	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, 0, NULL), -EINVAL);
}

static const struct kvm_tdx_cpuid_entry2 *find_entry(const struct kvm_tdx_cpuid2 *c,
						     uint32_t function, uint32_t index)
{
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == index))
			return &c->entries[i];
	return NULL;
}

static void capabilities_success(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(KT_NR_CPUID + 4);
	uint64_t xfam_fixed0 = kt_sys_rd_ok(kt, MD_SYS_XFAM_FIXED0);
	uint64_t xfam_fixed1 = kt_sys_rd_ok(kt, MD_SYS_XFAM_FIXED1);
	uint64_t hw = 0;
	const struct kvm_tdx_cpuid_entry2 *e;

	/* Garbage in every output field: each must be written. */
	memset(caps, 0xA5, offsetof(struct kvm_tdx_capabilities, cpuid));
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, &hw), 0);
	assert_int_equal(hw, 0);
	assert_int_equal(caps->supported_attrs, TDX_TD_ATTR_SEPT_VE_DISABLE);
	/* XFAM: inside the module's fixed0, holding its fixed1 (x87, SSE). */
	assert_int_not_equal(caps->supported_xfam, 0);
	assert_int_equal(caps->supported_xfam & ~xfam_fixed0, 0);
	assert_int_equal(caps->supported_xfam & xfam_fixed1, xfam_fixed1);
	assert_int_equal(caps->supported_xfam & 3, 3);
	assert_int_equal(caps->user_tdvmcallinfo_1_r11, TDX_BIT(1));
	assert_int_equal(caps->kernel_tdvmcallinfo_1_r11 & TDX_BIT(0), 0);	/* GetQuote dropped */
	assert_int_equal(caps->user_tdvmcallinfo_1_r11 & TDX_BIT(0), 0);
	for (unsigned int i = 0; i < 250; i++)
		assert_int_equal(caps->reserved[i], 0);
	assert_int_equal(caps->cpuid.nent, KT_NR_CPUID);

	/* The same leaves, in the order the module lists them (TDH.SYS.RD). */
	for (unsigned int i = 0; i < KT_NR_CPUID; i++) {
		uint64_t leaf = kt_sys_rd_ok(kt, MD_SYS_CPUID_CONFIG_LEAVES + i);
		uint32_t sub = (uint32_t)(leaf >> 32);

		e = &caps->cpuid.entries[i];
		assert_int_equal(e->function, (uint32_t)leaf);
		if (sub == ~0U) {
			assert_int_equal(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0);
		} else {
			assert_int_equal(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					 KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			assert_int_equal(e->index, sub);
		}
		assert_int_equal(e->padding[0] | e->padding[1] | e->padding[2], 0);
	}
	/* GPAW is configurable through 0x80000008 EAX[23:16]. */
	e = find_entry(&caps->cpuid, 0x80000008, 0);
	assert_non_null(e);
	assert_int_equal((e->eax >> 16) & 0xFF, 0xFF);
	free(caps);
}

/* KVM clears TSX (HLE, RTM) and WAITPKG from what it reports (host-stack.md 1.2). */
static void capabilities_tsx_waitpkg_cleared(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(KT_NR_CPUID);
	const struct kvm_tdx_cpuid_entry2 *e;

	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL), 0);
	e = find_entry(&caps->cpuid, 7, 0);
	assert_non_null(e);
	assert_int_equal(e->ebx & TDX_BIT(4), 0);	/* HLE */
	assert_int_equal(e->ebx & TDX_BIT(11), 0);	/* RTM */
	assert_int_equal(e->ecx & TDX_BIT(5), 0);	/* WAITPKG */
	free(caps);
}

/* Allowed any time after the VM exists: also after INIT_VM. */
static void capabilities_after_init_vm(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_capabilities *caps = kt_caps_alloc(KT_NR_CPUID);

	kt_init_vm_simple(kt->vm, 0, 3);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL), 0);
	assert_int_equal(caps->supported_attrs, TDX_TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(caps->cpuid.nent, KT_NR_CPUID);
	free(caps);
}

/* ---- KVM_TDX_INIT_VM ---- */

/* INIT_VM refused with -EINVAL; nothing allocated; hw_error 0 (no SEAMCALL ran). */
static void assert_init_vm_refused(struct kt *kt, const struct kvm_tdx_init_vm *init)
{
	uint64_t free_before = tdx_host_free_page_count(kt->host), hw = 0;

	assert_int_equal(kt_init_vm(kt->vm, init, &hw), -EINVAL);
	assert_int_equal(hw, 0);
	assert_int_equal(kvm_tdx_vm_tdr_pa(kt->vm), 0);
	assert_int_equal(tdx_host_free_page_count(kt->host), free_before);
}

/* After refusals the VM is still pristine: a good INIT_VM succeeds. */
static void assert_init_vm_still_possible(struct kt *kt)
{
	kt_init_vm_simple(kt->vm, 0, 3);
	assert_int_not_equal(kvm_tdx_vm_tdr_pa(kt->vm), 0);
}

static void init_vm_attributes_unsupported_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);
	/* DEBUG and PERFMON are in the module's fixed0 but not offered by KVM. */
	static const uint64_t bad[] = { TDX_TD_ATTR_DEBUG, TDX_BIT(1), TDX_TD_ATTR_MIGRATABLE,
					TDX_TD_ATTR_PKS, TDX_TD_ATTR_PERFMON,
					TDX_TD_ATTR_SEPT_VE_DISABLE | TDX_TD_ATTR_DEBUG };

	init->xfam = 3;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init->attributes = bad[i];
		assert_init_vm_refused(kt, init);
	}
	assert_init_vm_still_possible(kt);
	free(init);
}

static void init_vm_xfam_without_x87_sse_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);
	/* Missing x87 or SSE (fixed1), or a bit outside supported_xfam. */
	static const uint64_t bad[] = { 0, 1, 2, 0xE4, 0xE6, 0x3 | TDX_BIT(3), 0x3 | TDX_BIT(63) };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init->xfam = bad[i];
		assert_init_vm_refused(kt, init);
	}
	assert_init_vm_still_possible(kt);
	free(init);
}

static void init_vm_reserved_nonzero_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);

	init->xfam = 3;
	for (unsigned int i = 0; i < 12; i++) {
		init->reserved[i] = 1ULL << (i * 5);
		assert_init_vm_refused(kt, init);
		init->reserved[i] = 0;
	}
	assert_init_vm_still_possible(kt);
	free(init);
}

static void init_vm_cpuid_not_configurable_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(1);
	struct kvm_tdx_cpuid_entry2 *e = &init->cpuid.entries[1];

	init->xfam = 3;
	/* Leaf 2 is not in the configurable list. */
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x2, .eax = 1 };
	assert_init_vm_refused(kt, init);
	/* Leaf 0 and an out-of-range hypervisor leaf. */
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x0 };
	assert_init_vm_refused(kt, init);
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x40000000 };
	assert_init_vm_refused(kt, init);
	/* Leaf 4 has sub-leaves 0..3 configurable, not 7. */
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x4, .index = 7,
					    .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
	assert_init_vm_refused(kt, init);
	/* A configurable leaf with its padding set, or the list's padding set. */
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x1, .padding = { 0, 1, 0 } };
	assert_init_vm_refused(kt, init);
	*e = (struct kvm_tdx_cpuid_entry2){ .function = 0x1 };
	init->cpuid.padding = 1;
	assert_init_vm_refused(kt, init);
	init->cpuid.padding = 0;
	/* The same list with a good entry is accepted. */
	assert_int_equal(kt_init_vm(kt->vm, init, NULL), 0);
	free(init);
}

static void init_vm_gpaw52_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);

	init->xfam = 3;
	init->cpuid.entries[0].eax = (52 << 16) | 46;
	assert_init_vm_refused(kt, init);
	/* Neither 48 nor 52. */
	init->cpuid.entries[0].eax = (40 << 16) | 46;
	assert_init_vm_refused(kt, init);
	init->cpuid.entries[0].eax = (0xFF << 16) | 46;
	assert_init_vm_refused(kt, init);
	/* GPAW 48: accepted, a 4-level TD (GPAW field 0, EPTP PWL 4, WB). */
	init->cpuid.entries[0].eax = (48 << 16) | 46;
	assert_int_equal(kt_init_vm(kt->vm, init, NULL), 0);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_GPAW), 0);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_EPTP) & 0x3F, 0x1E);
	free(init);
}

/*
 * GPAW comes from 0x80000008 EAX[23:16] and must be 48 or 52
 * (host-stack.md 1.2): a list without that leaf, or with 0 there, names
 * no GPAW.  (Upstream KVM: setup_tdparams_eptp_controls() returns -EINVAL
 * when the entry is missing or the width is neither.)  kt_init_vm_simple()
 * and assert_init_vm_still_possible() always send the leaf with GPAW 48.
 */
static void init_vm_gpaw_zero_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);

	init->xfam = 3;
	init->cpuid.entries[0].eax = 46;	/* EAX[23:16] = 0 */
	assert_init_vm_refused(kt, init);
	assert_init_vm_still_possible(kt);
	free(init);
}

static void init_vm_gpaw_leaf_missing_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(1);

	init->xfam = 3;
	/* Only leaf 1: no 0x80000008 entry, no GPAW. */
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x1, .eax = 0x806F8 };
	init->cpuid.nent = 1;
	assert_init_vm_refused(kt, init);
	init->cpuid.nent = 0;
	assert_init_vm_refused(kt, init);
	assert_init_vm_still_possible(kt);
	free(init);
}

static void fill48(uint64_t w[6], uint8_t seed)
{
	uint8_t *b = (uint8_t *)w;

	for (unsigned int i = 0; i < 48; i++)
		b[i] = (uint8_t)(seed + 7 * i);
}

static void init_vm_success_mng_rd(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);
	uint64_t free_before = tdx_host_free_page_count(kt->host), hw = 0, tdr;
	uint8_t got[48];

	init->attributes = TDX_TD_ATTR_SEPT_VE_DISABLE;
	init->xfam = 0xE7;	/* x87, SSE, AVX, AVX-512 state */
	fill48(init->mrconfigid, 0x11);
	fill48(init->mrowner, 0x52);
	fill48(init->mrownerconfig, 0x93);
	assert_int_equal(kvm_tdx_vm_tdr_pa(kt->vm), 0);
	assert_int_equal(kt_init_vm(kt->vm, init, &hw), 0);
	assert_int_equal(hw, 0);
	tdr = kvm_tdx_vm_tdr_pa(kt->vm);
	assert_int_not_equal(tdr, 0);
	/* The TDR and the TDCS pages came from the host. */
	assert_true(tdx_host_free_page_count(kt->host) < free_before);

	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_OP_STATE), KT_OP_INITIALIZED);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_ATTRIBUTES), TDX_TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_XFAM), 0xE7);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_HKID), kvm_tdx_vm_hkid(kt->vm));
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_MAX_VCPUS), kt->nr_lps);
	/* KVM always asks for NO_RBP_MOD (host-stack.md 1.2). */
	assert_true(kt_mng_rd_ok(kt, tdr, KT_TD_CONFIG_FLAGS) & CONFIG_FLAGS_NO_RBP_MOD);
	kt_mng_rd_48(kt, tdr, KT_TD_MRCONFIGID, got);
	assert_memory_equal(got, init->mrconfigid, 48);
	kt_mng_rd_48(kt, tdr, KT_TD_MROWNER, got);
	assert_memory_equal(got, init->mrowner, 48);
	kt_mng_rd_48(kt, tdr, KT_TD_MROWNERCONFIG, got);
	assert_memory_equal(got, init->mrownerconfig, 48);
	free(init);
}

static void init_vm_twice_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(0);
	uint64_t tdr, free_before, hw = 0;

	init->xfam = 3;
	assert_int_equal(kt_init_vm(kt->vm, init, NULL), 0);
	tdr = kvm_tdx_vm_tdr_pa(kt->vm);
	free_before = tdx_host_free_page_count(kt->host);
	init->attributes = TDX_TD_ATTR_SEPT_VE_DISABLE;
	assert_int_equal(kt_init_vm(kt->vm, init, &hw), -EINVAL);
	assert_int_equal(hw, 0);
	/* The TD is the first one, unchanged, and nothing more was allocated. */
	assert_int_equal(kvm_tdx_vm_tdr_pa(kt->vm), tdr);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_ATTRIBUTES), 0);
	assert_int_equal(tdx_host_free_page_count(kt->host), free_before);
	free(init);
}

static void init_vm_null_data_einval(void **state)
{
	struct kt *kt = *state;

	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_INIT_VM, 0, 0, NULL), -EINVAL);
	assert_init_vm_still_possible(kt);
}

/* ---- KVM_SET_TSC_KHZ ---- */

static void set_tsc_khz_before_init_vm(void **state)
{
	struct kt *kt = *state;

	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)3000000), 0);
	/* The last value before INIT_VM wins. */
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)1000000), 0);
	kt_init_vm_simple(kt->vm, 0, 3);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_TSC_FREQUENCY),
			 1000000 / 25000);
}

static void set_tsc_khz_after_init_vm_einval(void **state)
{
	struct kt *kt = *state;

	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)2000000), 0);
	kt_init_vm_simple(kt->vm, 0, 3);
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)3000000),
			 -EINVAL);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_TSC_FREQUENCY),
			 2000000 / 25000);
}

static void set_tsc_khz_out_of_range_einval(void **state)
{
	struct kt *kt = *state;
	/* TD_PARAMS takes 4..400 units of 25 MHz: 100 MHz .. 10 GHz. */
	static const uint64_t bad[] = { 0, 1, 99999, 10025000, 100000000, UINT64_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)bad[i]),
				 -EINVAL);
	/* The bounds themselves are fine. */
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)10000000), 0);
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_TSC_KHZ, (void *)(uintptr_t)100000), 0);
	kt_init_vm_simple(kt->vm, 0, 3);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_TSC_FREQUENCY), 4);
}

/* ---- KVM_TDX_FINALIZE_VM early refusals ---- */

static void finalize_before_init_vm_einval(void **state)
{
	struct kt *kt = *state;
	uint64_t hw = 0;

	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), -EINVAL);
	assert_int_equal(hw, 0);
}

static void finalize_without_vcpus_einval(void **state)
{
	struct kt *kt = *state;
	uint64_t hw = 0, tdr;

	kt_init_vm_simple(kt->vm, 0, 3);
	tdr = kvm_tdx_vm_tdr_pa(kt->vm);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), -EINVAL);
	/* The module's reason is passed back to user space. */
	assert_status(hw, TDX_NO_VCPUS);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_OP_STATE), KT_OP_INITIALIZED);
	/* data must be 0 for FINALIZE. */
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_FINALIZE_VM, 0, 1, &hw), -EINVAL);
}

/* ---- teardown ---- */

static void destroy_initialized_vm_returns_every_page(void **state)
{
	struct kt *kt = *state;
	uint64_t before = tdx_host_free_page_count(kt->host);
	struct kvm_tdx_vm *vm;

	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &vm), 0);

	assert_int_equal(enable_split_irqchip(vm), 0);
	kt_init_vm_simple(vm, 0, 3);
	assert_true(tdx_host_free_page_count(kt->host) < before);
	kvm_tdx_destroy_vm(vm);
	assert_int_equal(tdx_host_free_page_count(kt->host), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(check_extension_vm_types_has_tdx),
		T(create_vm_non_tdx_type_einval),
		TVM(cmd_hw_error_nonzero_einval),
		TVM(cmd_unknown_id_einval),
		TVM(cmd_flags_nonzero_einval),
		TVM(unknown_vm_ioctl_enotty),
		TVM(capabilities_nent_too_small_e2big),
		TVM(capabilities_null_data_einval),
		TVM(capabilities_success),
		TVM(capabilities_tsx_waitpkg_cleared),
		TVM(capabilities_after_init_vm),
		TVM(init_vm_attributes_unsupported_einval),
		TVM(init_vm_xfam_without_x87_sse_einval),
		TVM(init_vm_reserved_nonzero_einval),
		TVM(init_vm_cpuid_not_configurable_einval),
		TVM(init_vm_gpaw52_einval),
		TVM(init_vm_gpaw_zero_einval),
		TVM(init_vm_gpaw_leaf_missing_einval),
		TVM(init_vm_success_mng_rd),
		TVM(init_vm_twice_einval),
		TVM(init_vm_null_data_einval),
		TVM(set_tsc_khz_before_init_vm),
		TVM(set_tsc_khz_after_init_vm_einval),
		TVM(set_tsc_khz_out_of_range_einval),
		TVM(finalize_before_init_vm_einval),
		TVM(finalize_without_vcpus_einval),
		T(destroy_initialized_vm_returns_every_page),
	};

	return cmocka_run_group_tests_name("kvm_tdx_vm", tests, NULL, NULL);
}

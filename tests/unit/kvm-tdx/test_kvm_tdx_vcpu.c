/*
 * KVM TDX vCPU commands (kvm-tdx/src/vcpu.c): KVM_CREATE_VCPU,
 * KVM_TDX_INIT_VCPU, KVM_TDX_GET_CPUID, the vCPU KVM_MEMORY_ENCRYPT_OP
 * entry, and vCPU pages at teardown (reference host-stack.md 1.1-1.3).
 */
#include "kvm_tdx_test.h"
#include "kvm_tdx_irqchip.h"

/* A TD after INIT_VM on the default 2-LP machine. */
static int setup_td(void **state)
{
	struct kt *kt = kt_boot(0);

	*state = kt;
	kt_create_vm(kt);
	kt_init_vm_simple(kt->vm, 0, 3);
	return 0;
}

#define TTD(f)	cmocka_unit_test_setup_teardown(f, setup_td, kt_teardown)

static void create_vcpu_duplicate_id_eexist(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *a = NULL, *b = (void *)1;

	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &a), 0);
	assert_non_null(a);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &b), -EEXIST);
	assert_null(b);
}

/*
 * As upstream: TD vCPUs need the split irqchip (in-kernel LAPIC), enabled
 * once and before the first vCPU; unknown capabilities are refused.
 */
static void create_vcpu_needs_split_irqchip(void **state)
{
	struct kt *kt = *state;
	struct kvm_enable_cap x2apic = { .cap = KVM_CAP_X2APIC_API, .args[0] = 1ULL << 5 };
	struct kvm_enable_cap bus = { .cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS, .args[0] = 10 };
	struct kvm_enable_cap other = { .cap = KVM_CAP_HALT_POLL };
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_vcpu *v;

	/* kt->vm has it (kvm_tdx_test.h): a second time is refused, as after vCPUs. */
	assert_int_equal(enable_split_irqchip(kt->vm), -EEXIST);
	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &vm), 0);
	kt->extra[0] = vm;
	kt_init_vm_simple(vm, 0, 3);
	assert_int_equal(kvm_tdx_create_vcpu(vm, 0, &v), -EINVAL);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_ENABLE_CAP, &x2apic), -EINVAL);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_ENABLE_CAP, &bus), -EINVAL);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_ENABLE_CAP, &other), -EINVAL);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_ENABLE_CAP, NULL), -EINVAL);
	assert_int_equal(enable_split_irqchip(vm), 0);
	assert_int_equal(kvm_tdx_create_vcpu(vm, 0, &v), 0);
	assert_int_equal(kvm_tdx_check_extension(kt->host, KVM_CAP_SPLIT_IRQCHIP), 1);
}

/* A TD takes at most as many vCPUs as the host has LPs (KVM_CAP_MAX_VCPUS). */
static void create_vcpu_beyond_max_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *v = NULL;

	assert_int_equal(kt->nr_lps, 2);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_MAX_VCPUS), 2);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &v), 0);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 1, &v), 0);
	v = (void *)1;
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 2, &v), -EINVAL);
	assert_null(v);
}

static void init_vcpu_creates_tdvps(void **state)
{
	struct kt *kt = *state;
	uint64_t tdr = kvm_tdx_vm_tdr_pa(kt->vm);
	uint64_t tdvps_pages = kt_sys_rd_ok(kt, MD_SYS_TDVPS_BASE_SIZE) / KT_PAGE;
	uint64_t before;
	struct kvm_tdx_vcpu *v = NULL;

	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &v), 0);
	/* Creating the vCPU object costs the module nothing yet. */
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_NUM_VCPUS), 0);
	before = tdx_host_free_page_count(kt->host);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_INIT_VCPU, 0, 0x800000, NULL), 0);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_NUM_VCPUS), 1);
	/* TDVPR + TDCX pages (the module's TDVPS size), and the posted-interrupt descriptor. */
	assert_int_equal(before - tdx_host_free_page_count(kt->host), tdvps_pages + 1);
	(void)kt_vcpu_init(kt->vm, 1, 0x800000);
	assert_int_equal(kt_mng_rd_ok(kt, tdr, KT_TD_NUM_VCPUS), 2);
}

static void init_vcpu_twice_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *v = kt_vcpu_init(kt->vm, 0, 0);
	uint64_t before = tdx_host_free_page_count(kt->host), hw = 0;

	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_INIT_VCPU, 0, 0, &hw), -EINVAL);
	assert_int_equal(hw, 0);
	assert_int_equal(tdx_host_free_page_count(kt->host), before);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_NUM_VCPUS), 1);
}

static void vcpu_cmd_bad_header_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *v = NULL;
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_INIT_VCPU, .hw_error = 1 };
	static const uint32_t ids[] = { KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM, KVM_TDX_FINALIZE_VM,
					KVM_TDX_CMD_NR_MAX, 99 };

	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &v), 0);
	assert_int_equal(kvm_tdx_vcpu_ioctl(v, KVM_MEMORY_ENCRYPT_OP, &cmd), -EINVAL);
	assert_int_equal(kvm_tdx_vcpu_ioctl(v, KVM_MEMORY_ENCRYPT_OP, NULL), -EINVAL);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_INIT_VCPU, 1, 0, NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(kt_vcpu_cmd(v, ids[i], 0, 0, NULL), -EINVAL);
	assert_int_equal(kvm_tdx_vcpu_ioctl(v, 0xdeadbeefUL, &cmd), -ENOTTY);
	/* None of it initialized the vCPU. */
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_NUM_VCPUS), 0);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_INIT_VCPU, 0, 0, NULL), 0);
}

static struct kvm_tdx_cpuid2 *cpuid_alloc(unsigned int nent)
{
	struct kvm_tdx_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	assert_non_null(c);
	c->nent = nent;
	return c;
}

static void get_cpuid_before_init_vcpu_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *v = NULL;
	struct kvm_tdx_cpuid2 *c = cpuid_alloc(KT_NR_CPUID);

	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &v), 0);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)c, NULL), -EINVAL);
	free(c);
}

static void get_cpuid_nent_too_small_e2big(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *v = kt_vcpu_init(kt->vm, 0, 0);
	struct kvm_tdx_cpuid2 *c = cpuid_alloc(KT_NR_CPUID);

	c->nent = 0;
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)c, NULL), -E2BIG);
	assert_int_equal(c->nent, KT_NR_CPUID);
	c->nent = KT_NR_CPUID - 1;
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)c, NULL), -E2BIG);
	assert_int_equal(c->nent, KT_NR_CPUID);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 1, (uintptr_t)c, NULL), -EINVAL);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 0, 0, NULL), -EINVAL);
	free(c);
}

/* What INIT_VM configured per leaf and sub-leaf is what GET_CPUID reads back. */
static void get_cpuid_returns_configured_values(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_init_vm *init = kt_init_vm_alloc(4);
	struct kvm_tdx_cpuid2 *c = cpuid_alloc(KT_NR_CPUID);
	struct kvm_tdx_vcpu *v;
	bool seen[4] = { false };

	/* A second TD with its own CPUID list. */
	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &vm), 0);
	assert_int_equal(enable_split_irqchip(vm), 0);
	kt->extra[0] = vm;
	init->xfam = 3;
	init->cpuid.entries[1] = (struct kvm_tdx_cpuid_entry2){ .function = 0x1, .eax = 0x806F8,
								 .edx = 0x10 };
	init->cpuid.entries[2] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x4, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x1C004121 };
	init->cpuid.entries[3] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x4, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x1C004143, .ebx = 0x3C0 };
	init->cpuid.entries[4] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.ebx = TDX_BIT(0) | TDX_BIT(3), .edx = TDX_BIT(10) };
	assert_int_equal(kt_init_vm(vm, init, NULL), 0);
	v = kt_vcpu_init(vm, 0, 0);
	assert_int_equal(kt_vcpu_cmd(v, KVM_TDX_GET_CPUID, 0, (uintptr_t)c, NULL), 0);
	assert_int_equal(c->nent, KT_NR_CPUID);
	for (unsigned int i = 0; i < c->nent; i++) {
		const struct kvm_tdx_cpuid_entry2 *e = &c->entries[i];
		bool sig = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

		if (e->function == 0x1) {
			assert_int_equal(e->eax, 0x806F8);
			assert_int_equal(e->edx, 0x10);
			seen[0] = true;
		} else if (e->function == 0x4 && sig && e->index == 0) {
			assert_int_equal(e->eax, 0x1C004121);
			assert_int_equal(e->ebx, 0);
			seen[1] = true;
		} else if (e->function == 0x4 && sig && e->index == 2) {
			assert_int_equal(e->eax, 0x1C004143);
			assert_int_equal(e->ebx, 0x3C0);
			seen[2] = true;
		} else if (e->function == 0x7 && sig && e->index == 0) {
			assert_int_equal(e->ebx, TDX_BIT(0) | TDX_BIT(3));
			assert_int_equal(e->edx, TDX_BIT(10));
			seen[3] = true;
		} else if (e->function == 0x4 && sig && e->index == 1) {
			/* Not configured: zero, not a neighbour's value. */
			assert_int_equal(e->eax | e->ebx | e->ecx | e->edx, 0);
		}
	}
	for (unsigned int i = 0; i < 4; i++)
		assert_true(seen[i]);
	free(init);
	free(c);
}

/* No vCPU joins a finalized TD. */
static void init_vcpu_after_finalize_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *late = NULL, *none = (void *)1;
	uint64_t hw = 0;

	(void)kt_vcpu_init(kt->vm, 0, 0);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 1, &late), 0);
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_FINALIZE_VM, 0, 0, &hw), 0);
	assert_int_equal(kt_vcpu_cmd(late, KVM_TDX_INIT_VCPU, 0, 0, &hw), -EINVAL);
	assert_int_equal(hw, 0);
	assert_int_equal(kt_mng_rd_ok(kt, kvm_tdx_vm_tdr_pa(kt->vm), KT_TD_NUM_VCPUS), 1);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 5, &none), -EINVAL);
	assert_null(none);
}

/* VP.FLUSH, then every TDVPR and TDCX page reclaimed. */
static void destroy_returns_vcpu_pages(void **state)
{
	struct kt *kt = *state;
	uint64_t before = tdx_host_free_page_count(kt->host);
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_vcpu *uninit = NULL;

	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &vm), 0);

	assert_int_equal(enable_split_irqchip(vm), 0);
	kt->extra[0] = vm;
	kt_init_vm_simple(vm, 0, 3);
	(void)kt_vcpu_init(vm, 0, 0x1000);
	assert_int_equal(kvm_tdx_create_vcpu(vm, 1, &uninit), 0);
	assert_int_equal(kt_vm_cmd(vm, KVM_TDX_FINALIZE_VM, 0, 0, NULL), 0);
	kt->extra[0] = NULL;
	kvm_tdx_destroy_vm(vm);
	assert_int_equal(tdx_host_free_page_count(kt->host), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TTD(create_vcpu_duplicate_id_eexist),
		TTD(create_vcpu_beyond_max_einval),
		TTD(create_vcpu_needs_split_irqchip),
		TTD(init_vcpu_creates_tdvps),
		TTD(init_vcpu_twice_einval),
		TTD(vcpu_cmd_bad_header_einval),
		TTD(get_cpuid_before_init_vcpu_einval),
		TTD(get_cpuid_nent_too_small_e2big),
		TTD(get_cpuid_returns_configured_values),
		TTD(init_vcpu_after_finalize_einval),
		TTD(destroy_returns_vcpu_pages),
	};

	return cmocka_run_group_tests_name("kvm_tdx_vcpu", tests, NULL, NULL);
}

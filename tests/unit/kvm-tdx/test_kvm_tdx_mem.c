/*
 * A TD's memory through KVM's API (kvm-tdx/src/mem.c): KVM_CREATE_GUEST_MEMFD,
 * KVM_SET_USER_MEMORY_REGION2, KVM_SET_MEMORY_ATTRIBUTES and the vCPU
 * command KVM_TDX_INIT_MEM_REGION (reference host-stack.md 1.2, 1.5).
 * Where a page went is checked with raw SEAMCALLs (PHYMEM.PAGE.RDMD,
 * MEM.SEPT.RD, MEM.RD) and with the platform's host and attacker views of
 * DRAM.
 */
#include "kvm_tdx_test.h"
#include "kvm_tdx_irqchip.h"

#define GMEM_PAGES	16
#define GPA_BASE	0x100000ULL	/* 1 MiB */
#define SHARED_BIT	(1ULL << 47)	/* GPAW 48 */

static int setup_vm(void **state)
{
	struct kt *kt = kt_boot(0);

	*state = kt;
	kt_create_vm(kt);
	return 0;
}

/*
 * A TD after INIT_VM with vCPU 0 created and initialized: INIT_MEM_REGION
 * is a vCPU ioctl, on an initialized vCPU (upstream
 * tdx_vcpu_init_mem_region() checks VCPU_TD_STATE_INITIALIZED).
 */
static int setup_td(void **state)
{
	struct kt *kt = kt_boot(0);

	*state = kt;
	kt_create_vm(kt);
	kt_init_vm_simple(kt->vm, 0, 3);
	kt->vcpu = kt_vcpu_init(kt->vm, 0, 0);
	return 0;
}

#define TVM(f)	cmocka_unit_test_setup_teardown(f, setup_vm, kt_teardown)
#define TTD(f)	cmocka_unit_test_setup_teardown(f, setup_td, kt_teardown)

/* Page-aligned source pages filled with a pattern seeded by @seed. */
static uint8_t *source_pages(struct kt *kt, unsigned int n, uint8_t seed)
{
	uint8_t *src = kt_keep(kt, KT_PAGE, n * KT_PAGE);

	for (size_t i = 0; i < n * KT_PAGE; i++)
		src[i] = (uint8_t)(seed + i * 13 + (i >> 12));
	return src;
}

/* ---- guest_memfd ---- */

static void gmem_invalid_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_create_guest_memfd g;
	long a, b;

	g = (struct kvm_create_guest_memfd){ .size = 0 };
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_CREATE_GUEST_MEMFD, &g), -EINVAL);
	g = (struct kvm_create_guest_memfd){ .size = KT_PAGE + 1 };
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_CREATE_GUEST_MEMFD, &g), -EINVAL);
	g = (struct kvm_create_guest_memfd){ .size = 512 };
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_CREATE_GUEST_MEMFD, &g), -EINVAL);
	g = (struct kvm_create_guest_memfd){ .size = KT_PAGE, .flags = 1 };
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_CREATE_GUEST_MEMFD, &g), -EINVAL);
	for (unsigned int i = 0; i < 6; i++) {
		g = (struct kvm_create_guest_memfd){ .size = KT_PAGE };
		g.reserved[i] = 1;
		assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_CREATE_GUEST_MEMFD, &g), -EINVAL);
	}
	/* Good ones: distinct handles. */
	a = kt_guest_memfd(kt->vm, KT_PAGE);
	b = kt_guest_memfd(kt->vm, 4 * KT_PAGE);
	assert_true(a >= 0);
	assert_true(b >= 0);
	assert_int_not_equal(a, b);
}

/* ---- memslots ---- */

static void memslot_invalid_einval(void **state)
{
	struct kt *kt = *state;
	long fd = kt_guest_memfd(kt->vm, GMEM_PAGES * KT_PAGE);
	uint32_t f = KVM_MEM_GUEST_MEMFD, g = (uint32_t)fd;

	assert_true(fd >= 0);
	/* Bad slot numbers. */
	assert_int_equal(kt_memslot(kt->vm, 32, f, GPA_BASE, KT_PAGE, 0, g, 0), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0xFFFF, f, GPA_BASE, KT_PAGE, 0, g, 0), -EINVAL);
	/* Unaligned GPA or size. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE + 8, KT_PAGE, 0, g, 0), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE + 8, 0, g, 0), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, 100, 0, g, 0), -EINVAL);
	/* Deleting a slot that does not exist. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, 0, 0, g, 0), -EINVAL);
	/* KVM_MEM_READONLY (bit 1) is not allowed for a TD; unknown flags neither. */
	assert_int_equal(kt_memslot(kt->vm, 0, f | TDX_BIT(1), GPA_BASE, KT_PAGE, 0, g, 0),
			 -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f | TDX_BIT(9), GPA_BASE, KT_PAGE, 0, g, 0),
			 -EINVAL);
	/* A guest_memfd handle that does not exist. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, g + 1, 0), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, 1000, 0), -EINVAL);
	/* GPA + size wrapping. */
	assert_int_equal(kt_memslot(kt->vm, 0, 0, ~0ULL & ~(KT_PAGE - 1), 2 * KT_PAGE, 0, 0, 0),
			 -EINVAL);
	/* None of it took the slot. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, g, 0), 0);
}

static void memslot_overlap_eexist(void **state)
{
	struct kt *kt = *state;
	long fd = kt_guest_memfd(kt->vm, 64 * KT_PAGE);
	uint32_t f = KVM_MEM_GUEST_MEMFD, g = (uint32_t)fd;

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, 16 * KT_PAGE, 0, g, 0), 0);
	/* Overlapping the tail, the head, inside, and covering. */
	assert_int_equal(kt_memslot(kt->vm, 1, f, GPA_BASE + 15 * KT_PAGE, 4 * KT_PAGE, 0, g,
				    16 * KT_PAGE), -EEXIST);
	assert_int_equal(kt_memslot(kt->vm, 1, f, GPA_BASE - KT_PAGE, 2 * KT_PAGE, 0, g,
				    16 * KT_PAGE), -EEXIST);
	assert_int_equal(kt_memslot(kt->vm, 1, f, GPA_BASE + 4 * KT_PAGE, KT_PAGE, 0, g,
				    16 * KT_PAGE), -EEXIST);
	assert_int_equal(kt_memslot(kt->vm, 1, 0, GPA_BASE - 16 * KT_PAGE, 64 * KT_PAGE, 0, 0, 0),
			 -EEXIST);
	/* Adjacent on both sides is fine. */
	assert_int_equal(kt_memslot(kt->vm, 1, f, GPA_BASE + 16 * KT_PAGE, 4 * KT_PAGE, 0, g,
				    16 * KT_PAGE), 0);
	assert_int_equal(kt_memslot(kt->vm, 2, f, GPA_BASE - 4 * KT_PAGE, 4 * KT_PAGE, 0, g,
				    32 * KT_PAGE), 0);
}

static void memslot_reuse_eexist(void **state)
{
	struct kt *kt = *state;
	long fd = kt_guest_memfd(kt->vm, 64 * KT_PAGE);
	uint32_t f = KVM_MEM_GUEST_MEMFD, g = (uint32_t)fd;

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 5, f, GPA_BASE, 16 * KT_PAGE, 0, g, 0), 0);
	/* The same slot again, at a disjoint range. */
	assert_int_equal(kt_memslot(kt->vm, 5, f, GPA_BASE + 1024 * KT_PAGE, 16 * KT_PAGE, 0, g,
				    16 * KT_PAGE), -EEXIST);
	/* The same slot again, identical. */
	assert_int_equal(kt_memslot(kt->vm, 5, f, GPA_BASE, 16 * KT_PAGE, 0, g, 0), -EEXIST);
}

static void memslot_gmem_offset_out_of_range_einval(void **state)
{
	struct kt *kt = *state;
	long fd = kt_guest_memfd(kt->vm, GMEM_PAGES * KT_PAGE);
	uint32_t f = KVM_MEM_GUEST_MEMFD, g = (uint32_t)fd;

	assert_true(fd >= 0);
	/* Offset past the end, slot running past the end, size past the end. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, g,
				    (GMEM_PAGES + 1) * KT_PAGE), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, g, GMEM_PAGES * KT_PAGE),
			 -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, GMEM_PAGES * KT_PAGE, 0, g,
				    8 * KT_PAGE), -EINVAL);
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, (GMEM_PAGES + 1) * KT_PAGE, 0, g, 0),
			 -EINVAL);
	/* An offset that wraps with the size. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, 2 * KT_PAGE, 0, g,
				    ~0ULL & ~(KT_PAGE - 1)), -EINVAL);
	/* Unaligned offset. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, KT_PAGE, 0, g, 100), -EINVAL);
	/* The last 8 pages exactly fit. */
	assert_int_equal(kt_memslot(kt->vm, 0, f, GPA_BASE, 8 * KT_PAGE, 0, g, 8 * KT_PAGE), 0);
}

/* ---- memory attributes ---- */

static void attributes_private_non_gmem_einval(void **state)
{
	struct kt *kt = *state;
	uint8_t *shared = kt_keep(kt, KT_PAGE, 4 * KT_PAGE);
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);

	assert_true(fd >= 0);
	/* Slot 0: plain shared memory; slot 1: guest_memfd right after it. */
	assert_int_equal(kt_memslot(kt->vm, 0, 0, GPA_BASE, 4 * KT_PAGE, (uintptr_t)shared, 0, 0),
			 0);
	assert_int_equal(kt_memslot(kt->vm, 1, KVM_MEM_GUEST_MEMFD, GPA_BASE + 4 * KT_PAGE,
				    4 * KT_PAGE, 0, (uint32_t)fd, 0), 0);
	/* Private on the shared slot, on no slot, and straddling both. */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, 0x40000000, KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + 3 * KT_PAGE, 2 * KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE), -EINVAL);
	/* Running past the guest_memfd slot's end. */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + 4 * KT_PAGE, 5 * KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE), -EINVAL);
	/* The whole guest_memfd slot is fine. */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + 4 * KT_PAGE, 4 * KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
}

/* A refused attribute change is all or nothing: no page of the range turns private. */
static void attributes_refused_changes_nothing(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu;
	uint8_t *src = source_pages(kt, 1, 0x5A);
	struct kvm_tdx_init_mem_region r;
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);

	kt_init_vm_simple(kt->vm, 0, 3);
	vcpu = kt_vcpu_init(kt->vm, 0, 0);
	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 1, KVM_MEM_GUEST_MEMFD, GPA_BASE, 4 * KT_PAGE, 0,
				    (uint32_t)fd, 0), 0);
	/* Three good pages, then one past the slot. */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + KT_PAGE, 4 * KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE), -EINVAL);
	r = (struct kvm_tdx_init_mem_region){ .source_addr = (uintptr_t)src,
					       .gpa = GPA_BASE + KT_PAGE, .nr_pages = 1 };
	assert_int_equal(kt_init_mem(vcpu, &r, 0, NULL), -EINVAL);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE + KT_PAGE), 0);
}

static void attributes_invalid_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_memory_attributes a;
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 0, KVM_MEM_GUEST_MEMFD, GPA_BASE, 4 * KT_PAGE, 0,
				    (uint32_t)fd, 0), 0);
	a = (struct kvm_memory_attributes){ .address = GPA_BASE, .size = KT_PAGE,
					    .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE, .flags = 1 };
	assert_int_equal(kvm_tdx_vm_ioctl(kt->vm, KVM_SET_MEMORY_ATTRIBUTES, &a), -EINVAL);
	/* Attribute bits other than PRIVATE (bit 3). */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, KT_PAGE, TDX_BIT(0)), -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE | TDX_BIT(4)), -EINVAL);
	/* Unaligned address or size, empty range. */
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + 1, KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, KT_PAGE - 1, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, 0, KVM_MEMORY_ATTRIBUTE_PRIVATE), -EINVAL);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
}

/* ---- KVM_TDX_INIT_MEM_REGION ---- */

static void init_mem_region_before_init_vm_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = (void *)1;
	uint8_t *src = source_pages(kt, 1, 1);
	struct kvm_tdx_init_mem_region r = { .source_addr = (uintptr_t)src, .gpa = GPA_BASE,
					     .nr_pages = 1 };
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);

	/* Memory can be set up before INIT_VM ... */
	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 0, KVM_MEM_GUEST_MEMFD, GPA_BASE, 4 * KT_PAGE, 0,
				    (uint32_t)fd, 0), 0);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, 4 * KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 0);
	/* ... but a TD takes no vCPU before INIT_VM, so there is nothing to issue it on. */
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 0, &vcpu), -EINVAL);
	assert_null(vcpu);
	/* And it is not a VM command. */
	assert_int_equal(kt_vm_cmd(kt->vm, KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&r, NULL),
			 -EINVAL);
	assert_int_equal(r.nr_pages, 1);
	assert_int_equal(r.gpa, GPA_BASE);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
}

static void init_mem_region_bad_args_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = kt->vcpu;
	uint8_t *src = source_pages(kt, 2, 2);
	uint64_t free_before;
	struct {
		uint64_t src, gpa, n;
		uint32_t flags;
	} bad[] = {
		{ (uintptr_t)src, GPA_BASE, 0, 0 },			/* nr_pages 0 */
		{ (uintptr_t)src, GPA_BASE + 0x800, 1, 0 },		/* unaligned GPA */
		{ (uintptr_t)src, GPA_BASE + 8, 1, 0 },
		{ (uintptr_t)src + 64, GPA_BASE, 1, 0 },		/* unaligned source */
		{ 0, GPA_BASE, 1, 0 },					/* no source */
		{ (uintptr_t)src, GPA_BASE | SHARED_BIT, 1, 0 },	/* shared GPA */
		{ (uintptr_t)src, GPA_BASE | (1ULL << 51), 1, 0 },	/* beyond GPAW */
		{ (uintptr_t)src, GPA_BASE, 1, TDX_BIT(1) },		/* unknown flag */
		{ (uintptr_t)src, GPA_BASE, 1, 0x80000000U },
	};

	kt_private_range(kt->vm, 0, GPA_BASE, 4 * KT_PAGE);
	free_before = tdx_host_free_page_count(kt->host);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kvm_tdx_init_mem_region r = { bad[i].src, bad[i].gpa, bad[i].n };
		uint64_t hw = 0;

		if (kt_init_mem(vcpu, &r, bad[i].flags, &hw) != -EINVAL)
			fail_msg("case %zu: not -EINVAL", i);
		/* Refused up front: the struct is not consumed, no SEAMCALL failed. */
		assert_int_equal(r.source_addr, bad[i].src);
		assert_int_equal(r.gpa, bad[i].gpa);
		assert_int_equal(r.nr_pages, bad[i].n);
		assert_int_equal(hw, 0);
	}
	assert_int_equal(kt_vcpu_cmd(vcpu, KVM_TDX_INIT_MEM_REGION, 0, 0, NULL), -EINVAL);
	assert_int_equal(tdx_host_free_page_count(kt->host), free_before);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
}

static void init_mem_region_not_private_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = kt->vcpu;
	uint8_t *src = source_pages(kt, 1, 3);
	uint8_t *shared = kt_keep(kt, KT_PAGE, 4 * KT_PAGE);
	struct kvm_tdx_init_mem_region r;
	uint64_t free_before;
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);
	const uint64_t cases[] = {
		GPA_BASE,			/* guest_memfd slot, still shared */
		GPA_BASE + 0x10000,		/* plain memory slot */
		GPA_BASE + 0x40000000,		/* no slot at all */
	};

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 0, KVM_MEM_GUEST_MEMFD, GPA_BASE, 4 * KT_PAGE, 0,
				    (uint32_t)fd, 0), 0);
	assert_int_equal(kt_memslot(kt->vm, 1, 0, GPA_BASE + 0x10000, 4 * KT_PAGE,
				    (uintptr_t)shared, 0, 0), 0);
	free_before = tdx_host_free_page_count(kt->host);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = (struct kvm_tdx_init_mem_region){ (uintptr_t)src, cases[i], 1 };
		if (kt_init_mem(vcpu, &r, KVM_TDX_MEASURE_MEMORY_REGION, NULL) != -EINVAL)
			fail_msg("case %zu (GPA 0x%llx): not -EINVAL", i,
				 (unsigned long long)cases[i]);
		assert_int_equal(r.nr_pages, 1);
		assert_int_equal(r.gpa, cases[i]);
	}
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
	assert_int_equal(tdx_host_free_page_count(kt->host), free_before);
}

/*
 * Upstream tdx_vcpu_init_mem_region() refuses a vCPU that has not had
 * KVM_TDX_INIT_VCPU (tdx->state != VCPU_TD_STATE_INITIALIZED -> -EINVAL).
 */
static void init_mem_region_vcpu_not_initialized_einval(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *fresh = NULL;
	uint8_t *src = source_pages(kt, 1, 4);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, GPA_BASE, 1 };

	kt_private_range(kt->vm, 0, GPA_BASE, 4 * KT_PAGE);
	assert_int_equal(kvm_tdx_create_vcpu(kt->vm, 1, &fresh), 0);
	assert_int_equal(kt_init_mem(fresh, &r, 0, NULL), -EINVAL);
	assert_int_equal(r.nr_pages, 1);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
	/* The initialized vCPU does it. */
	assert_int_equal(kt_init_mem(kt->vcpu, &r, 0, NULL), 0);
	assert_int_not_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
}

/*
 * The whole range is checked before the first page: its end must be a
 * private GPA too (upstream tdx_vcpu_init_mem_region():
 * "!vt_is_tdx_private_gpa(kvm, region.gpa + (region.nr_pages << PAGE_SHIFT) - 1)"
 * -> -EINVAL).  Nothing is added and the struct is not consumed.
 */
static void init_mem_region_range_over_shared_bit_einval(void **state)
{
	struct kt *kt = *state;
	uint8_t *src = source_pages(kt, 2, 5);
	const uint64_t last = SHARED_BIT - KT_PAGE;	/* last private page */
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, last, 2 };

	kt_private_range(kt->vm, 1, last, KT_PAGE);
	assert_int_equal(kt_init_mem(kt->vcpu, &r, 0, NULL), -EINVAL);
	assert_int_equal(r.nr_pages, 2);
	assert_int_equal(r.gpa, last);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, last), 0);
	/* The last private page alone is fine. */
	r = (struct kvm_tdx_init_mem_region){ (uintptr_t)src, last, 1 };
	assert_int_equal(kt_init_mem(kt->vcpu, &r, 0, NULL), 0);
	assert_int_not_equal(kvm_tdx_vm_private_pa(kt->vm, last), 0);
}

/*
 * A page count whose size wraps the GPA space is refused up front
 * (upstream: "region.gpa + (region.nr_pages << PAGE_SHIFT) <= region.gpa"
 * -> -EINVAL), before any page is added.
 */
static void init_mem_region_size_wraps_einval(void **state)
{
	struct kt *kt = *state;
	/* As many source pages as are private, so nothing reads past the buffer. */
	uint8_t *src = source_pages(kt, 4, 6);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, GPA_BASE, 1ULL << 52 };

	kt_private_range(kt->vm, 0, GPA_BASE, 4 * KT_PAGE);
	assert_int_equal(kt_init_mem(kt->vcpu, &r, 0, NULL), -EINVAL);
	assert_int_equal(r.nr_pages, 1ULL << 52);
	assert_int_equal(r.gpa, GPA_BASE);
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), 0);
}

#define N_PAGES 4

static void init_mem_region_success(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = kt->vcpu;
	uint8_t *src = source_pages(kt, N_PAGES, 0x3C);
	uint64_t tdr = kvm_tdx_vm_tdr_pa(kt->vm), pas[N_PAGES], hw = 0;
	struct kvm_tdx_init_mem_region r = { .source_addr = (uintptr_t)src, .gpa = GPA_BASE,
					     .nr_pages = N_PAGES };
	uint8_t *buf = kt_keep(kt, 64, KT_PAGE);

	kt_private_range(kt->vm, 0, GPA_BASE, GMEM_PAGES * KT_PAGE);
	assert_int_equal(kt_init_mem(vcpu, &r, 0, &hw), 0);
	assert_int_equal(hw, 0);
	/* The struct is consumed, so a restarted call would continue. */
	assert_int_equal(r.nr_pages, 0);
	assert_int_equal(r.gpa, GPA_BASE + N_PAGES * KT_PAGE);
	assert_int_equal(r.source_addr, (uintptr_t)src + N_PAGES * KT_PAGE);
	/* Only these pages: the next one is untouched. */
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE + N_PAGES * KT_PAGE), 0);

	for (unsigned int i = 0; i < N_PAGES; i++) {
		uint64_t gpa = GPA_BASE + i * KT_PAGE;
		const uint8_t *plain = src + i * KT_PAGE;
		struct tdx_module_args a;
		uint64_t st;

		pas[i] = kvm_tdx_vm_private_pa(kt->vm, gpa);
		assert_int_not_equal(pas[i], 0);
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(pas[i], pas[j]);
		/* PAMT: a regular TD page owned by this TD's TDR. */
		a = (struct tdx_module_args){ .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = pas[i] };
		assert_status(tdx_host_seamcall(kt->host, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.rcx, PT_REG);
		assert_int_equal(a.rdx, tdr);
		/* Secure EPT: a 4K leaf, MAPPED (state 4), to that page. */
		a = (struct tdx_module_args){ .rax = TDH_MEM_SEPT_RD, .rcx = gpa | 0, .rdx = tdr };
		assert_status(tdx_host_seamcall(kt->host, 0, &a), TDX_SUCCESS);
		assert_int_equal(a.rdx & 7, 0);
		assert_int_equal((a.rdx >> 8) & 0xFF, 4);
		assert_int_equal(a.rcx & TDX_GENMASK(51, 12), pas[i]);
		/* The host cannot read it back through the module: not a debug TD. */
		a = (struct tdx_module_args){ .rax = TDH_MEM_RD, .rcx = gpa, .rdx = tdr };
		st = tdx_host_seamcall(kt->host, 0, &a);
		if (!tdx_status_code_eq(st, TDX_TD_NON_DEBUG))
			fail_msg("TDH.MEM.RD: 0x%016llx", (unsigned long long)st);
		assert_int_equal(a.r8, 0);
		/* Host view: zeros, while the source was not. */
		assert_false(plain[0] == 0 && !memcmp(plain, plain + 1, KT_PAGE - 1));
		assert_int_equal(pmem_host_read(kt->plat, pas[i], buf, KT_PAGE), 0);
		for (unsigned int k = 0; k < KT_PAGE; k++)
			if (buf[k])
				fail_msg("page %u: host reads 0x%02x at %u", i, buf[k], k);
		/* Attacker view: ciphertext, not the plaintext. */
		assert_int_equal(pmem_attacker_read(kt->plat, pas[i], buf, KT_PAGE), 0);
		assert_true(memcmp(buf, plain, KT_PAGE) != 0);
		for (unsigned int k = 0; k < KT_PAGE; k += 64)
			if (!memcmp(buf + k, plain + k, 64))
				fail_msg("page %u: line %u is plaintext in DRAM", i, k / 64);
	}
}

static void init_mem_region_same_gpa_eexist(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = kt->vcpu;
	uint8_t *src = source_pages(kt, 2, 0x77);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, GPA_BASE, 1 };
	uint64_t pa, free_before;

	kt_private_range(kt->vm, 0, GPA_BASE, GMEM_PAGES * KT_PAGE);
	assert_int_equal(kt_init_mem(vcpu, &r, KVM_TDX_MEASURE_MEMORY_REGION, NULL), 0);
	pa = kvm_tdx_vm_private_pa(kt->vm, GPA_BASE);
	assert_int_not_equal(pa, 0);
	free_before = tdx_host_free_page_count(kt->host);

	r = (struct kvm_tdx_init_mem_region){ (uintptr_t)src + KT_PAGE, GPA_BASE, 1 };
	assert_int_equal(kt_init_mem(vcpu, &r, 0, NULL), -EEXIST);
	assert_int_equal(r.nr_pages, 1);
	assert_int_equal(r.gpa, GPA_BASE);
	/* Same backing page, nothing allocated or leaked. */
	assert_int_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE), pa);
	assert_int_equal(tdx_host_free_page_count(kt->host), free_before);
}

/*
 * A region that runs into a page that is not private fails; what it did
 * is in the struct: every page below r.gpa is in the TD, none from r.gpa
 * on, and a restart after fixing the attribute finishes the job.
 */
static void init_mem_region_restartable(void **state)
{
	struct kt *kt = *state;
	struct kvm_tdx_vcpu *vcpu = kt->vcpu;
	uint8_t *src = source_pages(kt, 3, 0x21);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, GPA_BASE, 3 };
	long fd = kt_guest_memfd(kt->vm, 4 * KT_PAGE);
	uint64_t done;

	assert_true(fd >= 0);
	assert_int_equal(kt_memslot(kt->vm, 0, KVM_MEM_GUEST_MEMFD, GPA_BASE, 4 * KT_PAGE, 0,
				    (uint32_t)fd, 0), 0);
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE, 2 * KT_PAGE, KVM_MEMORY_ATTRIBUTE_PRIVATE),
			 0);
	assert_int_equal(kt_init_mem(vcpu, &r, 0, NULL), -EINVAL);
	done = (r.gpa - GPA_BASE) / KT_PAGE;
	assert_true(done <= 2);
	assert_int_equal(r.nr_pages + done, 3);
	assert_int_equal(r.source_addr, (uintptr_t)src + done * KT_PAGE);
	for (uint64_t i = 0; i < 3; i++) {
		uint64_t pa = kvm_tdx_vm_private_pa(kt->vm, GPA_BASE + i * KT_PAGE);

		if ((i < done) != (pa != 0))
			fail_msg("page %llu: backing 0x%llx with %llu pages reported done",
				 (unsigned long long)i, (unsigned long long)pa,
				 (unsigned long long)done);
	}
	assert_int_equal(kt_set_attr(kt->vm, GPA_BASE + 2 * KT_PAGE, KT_PAGE,
				     KVM_MEMORY_ATTRIBUTE_PRIVATE), 0);
	assert_int_equal(kt_init_mem(vcpu, &r, 0, NULL), 0);
	assert_int_equal(r.nr_pages, 0);
	for (uint64_t i = 0; i < 3; i++)
		assert_int_not_equal(kvm_tdx_vm_private_pa(kt->vm, GPA_BASE + i * KT_PAGE), 0);
}

/* Everything INIT_MEM_REGION allocated comes back at teardown. */
static void destroy_returns_private_pages(void **state)
{
	struct kt *kt = *state;
	uint64_t before = tdx_host_free_page_count(kt->host);
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_vcpu *vcpu;
	uint8_t *src = source_pages(kt, 3, 0x42);
	struct kvm_tdx_init_mem_region r = { (uintptr_t)src, GPA_BASE, 3 };

	assert_int_equal(kvm_tdx_create_vm(kt->host, KVM_X86_TDX_VM, &vm), 0);

	assert_int_equal(enable_split_irqchip(vm), 0);
	kt->extra[0] = vm;
	kt_init_vm_simple(vm, 0, 3);
	vcpu = kt_vcpu_init(vm, 0, 0);
	kt_private_range(vm, 0, GPA_BASE, GMEM_PAGES * KT_PAGE);
	/* Two 1 GiB regions apart: more SEPT pages. */
	kt_private_range(vm, 1, 0x80000000ULL, GMEM_PAGES * KT_PAGE);
	assert_int_equal(kt_init_mem(vcpu, &r, KVM_TDX_MEASURE_MEMORY_REGION, NULL), 0);
	r = (struct kvm_tdx_init_mem_region){ (uintptr_t)src, 0x80000000ULL, 3 };
	assert_int_equal(kt_init_mem(vcpu, &r, 0, NULL), 0);
	assert_true(tdx_host_free_page_count(kt->host) < before - 6);
	kt->extra[0] = NULL;
	kvm_tdx_destroy_vm(vm);
	assert_int_equal(tdx_host_free_page_count(kt->host), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TVM(gmem_invalid_einval),
		TVM(memslot_invalid_einval),
		TVM(memslot_overlap_eexist),
		TVM(memslot_reuse_eexist),
		TVM(memslot_gmem_offset_out_of_range_einval),
		TVM(attributes_private_non_gmem_einval),
		TVM(attributes_refused_changes_nothing),
		TVM(attributes_invalid_einval),
		TVM(init_mem_region_before_init_vm_einval),
		TTD(init_mem_region_bad_args_einval),
		TTD(init_mem_region_not_private_einval),
		TTD(init_mem_region_success),
		TTD(init_mem_region_same_gpa_eexist),
		TTD(init_mem_region_restartable),
		TTD(init_mem_region_vcpu_not_initialized_einval),
		TTD(init_mem_region_range_over_shared_bit_einval),
		TTD(init_mem_region_size_wraps_einval),
		TVM(destroy_returns_private_pages),
	};

	return cmocka_run_group_tests_name("kvm_tdx_mem", tests, NULL, NULL);
}

/*
 * The upstream KVM TDX user API (reference host-stack.md 1.1-1.5), for
 * hosts whose headers (Debian's 6.1) lack it.  Numbers and layouts are
 * the upstream ones; names carry the upstream spelling.
 */
#ifndef TDX_KVM_TDX_UAPI_H
#define TDX_KVM_TDX_UAPI_H

#include <linux/kvm.h>

#include <tdx/tdx_types.h>

#define KVM_X86_DEFAULT_VM		0
#define KVM_X86_SW_PROTECTED_VM		1
#define KVM_X86_SEV_VM			2
#define KVM_X86_SEV_ES_VM		3
#define KVM_X86_SNP_VM			4
#define KVM_X86_TDX_VM			5

#define KVM_CAP_USER_MEMORY2		231
#define KVM_CAP_MEMORY_FAULT_INFO	232
#define KVM_CAP_MEMORY_ATTRIBUTES	233
#define KVM_CAP_GUEST_MEMFD		234
#define KVM_CAP_VM_TYPES		235
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS	237

/* KVM_MEMORY_ENCRYPT_OP, KVM_SET_TSC_KHZ, KVM_CPUID_FLAG_SIGNIFCANT_INDEX: <linux/kvm.h>. */
/* _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2) */
#define KVM_SET_USER_MEMORY_REGION2	0x40a0ae49UL
/* _IOW(KVMIO, 0xd2, struct kvm_memory_attributes) */
#define KVM_SET_MEMORY_ATTRIBUTES	0x4020aed2UL
/* _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd) */
#define KVM_CREATE_GUEST_MEMFD		0xc040aed4UL

enum kvm_tdx_cmd_id {
	KVM_TDX_CAPABILITIES = 0,
	KVM_TDX_INIT_VM,
	KVM_TDX_INIT_VCPU,
	KVM_TDX_INIT_MEM_REGION,
	KVM_TDX_FINALIZE_VM,
	KVM_TDX_GET_CPUID,
	KVM_TDX_CMD_NR_MAX,
};

struct kvm_tdx_cmd {
	uint32_t id;
	uint32_t flags;
	uint64_t data;
	uint64_t hw_error;
};
TDX_ASSERT_SIZE(struct kvm_tdx_cmd, 24);

/* struct kvm_cpuid_entry2 / kvm_cpuid2 (as in <linux/kvm.h>). */
struct kvm_tdx_cpuid_entry2 {
	uint32_t function;
	uint32_t index;
	uint32_t flags;
	uint32_t eax;
	uint32_t ebx;
	uint32_t ecx;
	uint32_t edx;
	uint32_t padding[3];
};
TDX_ASSERT_SIZE(struct kvm_tdx_cpuid_entry2, 40);

struct kvm_tdx_cpuid2 {
	uint32_t nent;
	uint32_t padding;
	struct kvm_tdx_cpuid_entry2 entries[];
};
TDX_ASSERT_SIZE(struct kvm_tdx_cpuid2, 8);

struct kvm_tdx_capabilities {
	uint64_t supported_attrs;
	uint64_t supported_xfam;
	uint64_t kernel_tdvmcallinfo_1_r11;
	uint64_t user_tdvmcallinfo_1_r11;
	uint64_t kernel_tdvmcallinfo_1_r12;
	uint64_t user_tdvmcallinfo_1_r12;
	uint64_t reserved[250];
	struct kvm_tdx_cpuid2 cpuid;
};
TDX_ASSERT_SIZE(struct kvm_tdx_capabilities, 2048 + 8);

struct kvm_tdx_init_vm {
	uint64_t attributes;
	uint64_t xfam;
	uint64_t mrconfigid[6];
	uint64_t mrowner[6];
	uint64_t mrownerconfig[6];
	uint64_t reserved[12];
	struct kvm_tdx_cpuid2 cpuid;
};
TDX_ASSERT_SIZE(struct kvm_tdx_init_vm, 256 + 8);

#define KVM_TDX_MEASURE_MEMORY_REGION	TDX_BIT(0)
struct kvm_tdx_init_mem_region {
	uint64_t source_addr;
	uint64_t gpa;
	uint64_t nr_pages;
};
TDX_ASSERT_SIZE(struct kvm_tdx_init_mem_region, 24);

/* guest_memfd and memory attributes. */
#define KVM_MEM_GUEST_MEMFD		TDX_BIT(2)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	TDX_BIT(3)

struct kvm_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};

struct kvm_userspace_memory_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
TDX_ASSERT_SIZE(struct kvm_userspace_memory_region2, 160);

struct kvm_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};

/* Exits (struct kvm_run fields live with the VMM). */
#define KVM_EXIT_TDX			40
#define KVM_EXIT_MEMORY_FAULT		39
#define KVM_SYSTEM_EVENT_TDX_FATAL	7
#define KVM_HC_MAP_GPA_RANGE		12
#define KVM_MAP_GPA_RANGE_ENCRYPTED	(1ULL << 4)
#define KVM_MAP_GPA_RANGE_DECRYPTED	0
#define KVM_EXIT_HYPERCALL_LONG_MODE	(1ULL << 0)
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)

/*
 * Exit payloads newer than Debian's <linux/kvm.h> (6.1): they sit in
 * struct kvm_run's exit union, at the same offset as run->io
 * (kvm_tdx_run_tdx(), kvm_tdx_run_memory_fault() return pointers there).
 */
struct kvm_tdx_exit {
	uint64_t flags;
	uint64_t nr;			/* the TDVMCALL sub-function (R11) */
	union {
		struct {
			uint64_t ret;
			uint64_t data[5];
		} unknown;
		struct {
			uint64_t ret;
			uint64_t gpa;
			uint64_t size;
		} get_quote;
		struct {
			uint64_t ret;
			uint64_t leaf;
			uint64_t r11, r12, r13, r14;
		} get_tdvmcall_info;
		struct {
			uint64_t ret;
			uint64_t vector;
		} setup_event_notify;
	};
};
TDX_ASSERT_SIZE(struct kvm_tdx_exit, 64);

struct kvm_memory_fault_exit {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};

#endif /* TDX_KVM_TDX_UAPI_H */

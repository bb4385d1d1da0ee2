/*
 * The TD vCPU execution engine (DESIGN.md 4): TD guest code runs on the
 * host's /dev/kvm, one KVM VM per TD and one KVM vCPU per TDVPR.  Only the
 * TDX module calls this; nothing above the module sees a KVM fd.
 *
 * Private memory: the module maps each range the secure EPT makes MAPPED
 * (td_vm_map_private) and unmaps it again when it stops being MAPPED.
 * The guest-physical space is carved into 1 GiB windows, each one KVM
 * memslot over a reserved virtual range; a mapped page is the platform's
 * DRAM page mmap()ed into its window (dram_backing.h), an unmapped one is
 * PROT_NONE, which KVM reports as an MMIO exit at that GPA.  So mapping
 * and unmapping are mmap() calls, never memslot churn, and KVM's MMU
 * notifiers make an unmapped page unreachable at once (what TLB tracking
 * guarantees on hardware).
 *
 * Shared memory is the host's: td_vm_map_shared() puts VMM memory at a
 * shared GPA (the emulator's shared EPT).
 *
 * Exits come back decoded (struct td_vcpu_exit).  For port I/O and MMIO
 * the engine rewinds the vCPU to the instruction, so the module can turn
 * the exit into a #VE at that instruction or a TD exit that re-executes it.
 */
#ifndef TDX_TD_VCPU_H
#define TDX_TD_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct platform;
struct td_vm;
struct td_vcpu;

/* Segment registers as the VMCS holds them (access rights in VMX format). */
struct td_vcpu_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;
};

/* GPR order: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15 (TDVPS numbering). */
#define TD_VCPU_NR_GPRS	16

struct td_vcpu_regs {
	uint64_t gpr[TD_VCPU_NR_GPRS];
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0;
	uint64_t cr2;
	uint64_t cr3;
	uint64_t cr4;			/* what the CPU runs with (VMXE set) */
	uint64_t cr4_guest_host_mask;
	uint64_t cr4_read_shadow;	/* what the guest reads */
	uint64_t efer;
	uint64_t pat;
	uint64_t perf_global_ctrl;
	uint64_t fmask;
	uint64_t dr6;
	uint64_t dr7;
	uint64_t xcr0;
	uint32_t exception_bitmap;
	struct td_vcpu_segment cs, ds, es, fs, gs, ss, ldtr, tr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
};

/* The port the #UD path's doorbell writes (firmware #UD handler: OUT imm8, AL). */
#define TD_VCPU_DOORBELL_PORT	0xDB

#define TD_VCPU_VECTOR_UD	6

enum td_vcpu_exit_reason {
	TD_VCPU_EXIT_NONE,		/* handled inside the engine (never returned) */
	TD_VCPU_EXIT_TDCALL,		/* 66 0F 01 CC at RIP (RIP not advanced) */
	TD_VCPU_EXIT_DOORBELL,		/* TDCALL forwarded by the #UD handler (RIP past the OUT) */
	TD_VCPU_EXIT_IO,		/* port I/O, vCPU rewound to the instruction */
	TD_VCPU_EXIT_MMIO,		/* access to an unmapped GPA, rewound */
	TD_VCPU_EXIT_HLT,		/* HLT, rewound to the instruction */
	TD_VCPU_EXIT_MSR,		/* RDMSR/WRMSR of an intercepted MSR, rewound */
	TD_VCPU_EXIT_SHUTDOWN,		/* triple fault */
	TD_VCPU_EXIT_INTR,		/* td_vcpu_kick() or a signal: host preemption */
	TD_VCPU_EXIT_ERROR,		/* anything else: the vCPU cannot go on */
};

struct td_vcpu_exit {
	enum td_vcpu_exit_reason reason;
	uint32_t insn_len;		/* IO, MMIO, HLT: length of the instruction */
	union {
		struct {
			uint16_t port;
			uint8_t size;	/* 1, 2, 4 */
			bool in;
			bool string;
			bool rep;
			bool imm;	/* port in the instruction (imm8 form) */
		} io;
		struct {
			uint64_t gpa;
			uint8_t len;
			bool write;
		} mmio;
		struct {
			uint32_t index;
			bool write;
			uint64_t data;	/* WRMSR: EDX:EAX */
		} msr;
		struct {
			uint32_t kvm_reason;
			uint32_t suberror;
		} error;
	};
};

/* A CPUID leaf the TD reports (KVM_SET_CPUID2 takes the list as given). */
struct td_vcpu_cpuid {
	uint32_t leaf, subleaf;
	bool subleaf_significant;
	uint32_t eax, ebx, ecx, edx;
};

/**
 * td_vcpu_probe() - can this host run TD vCPUs?  0, or a negative errno
 * with the reason in @why ("/dev/kvm: No such file or directory", ...).
 */
int td_vcpu_probe(char *why, size_t len);

/** td_vm_create() - a KVM VM for one TD on @plat's DRAM. */
int td_vm_create(struct platform *plat, struct td_vm **out);
/** td_vm_destroy() - its vCPUs must be destroyed first. */
void td_vm_destroy(struct td_vm *vm);

/** td_vm_map_private() - the guest sees DRAM [@hpa, +@size) at GPA @gpa (4 KiB units). */
int td_vm_map_private(struct td_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size);
/** td_vm_unmap_private() - [@gpa, +@size) exits as MMIO from now on. */
int td_vm_unmap_private(struct td_vm *vm, uint64_t gpa, uint64_t size);
/**
 * td_vm_unmap_hpa() - unmap whatever private GPA the host pages of
 * [@hpa, +@size) back (a host write poisoned them): the TD's next touch
 * exits.  Returns how many pages were unmapped.
 */
unsigned int td_vm_unmap_hpa(struct td_vm *vm, uint64_t hpa, uint64_t size);

/* Shared mappings: @slot < TD_VM_MAX_SHARED, one KVM memslot each. */
#define TD_VM_MAX_SHARED	256
/** td_vm_map_shared() - host memory @hva at the shared GPA @gpa (@size 0 removes @slot). */
int td_vm_map_shared(struct td_vm *vm, unsigned int slot, uint64_t gpa, void *hva,
		     uint64_t size);

/** td_vcpu_create() - KVM vCPU @index with the TD's CPUID list (leaf 0x21 added). */
/**
 * td_vm_post_interrupt() - deliver @vector to the virtual APIC with x2APIC
 * ID @apic_id (the vCPU index), as posted-interrupt processing moves a PIR
 * bit to the virtual IRR.  -ENXIO when that APIC did not take it (it is
 * software-disabled).  Safe from any thread, also while the vCPU runs or
 * halts: KVM wakes it.
 */
int td_vm_post_interrupt(struct td_vm *vm, uint32_t apic_id, uint8_t vector);

/*
 * MSR interception, as the VMX MSR bitmaps: bit n of a bitmap set = MSR
 * base + n passes through to the vCPU in that direction.  Every other MSR
 * access, and every MSR outside the two ranges, exits as
 * TD_VCPU_EXIT_MSR.  The x2APIC MSRs (0x800-0x8FF) are the exception:
 * KVM's virtual APIC always takes them itself.
 */
#define TD_VM_MSR_BITMAP_BYTES	1024	/* 0x2000 MSRs */
struct td_vm_msr_bitmaps {
	uint8_t read_low[TD_VM_MSR_BITMAP_BYTES];	/* MSRs 0x0 - 0x1FFF */
	uint8_t write_low[TD_VM_MSR_BITMAP_BYTES];
	uint8_t read_high[TD_VM_MSR_BITMAP_BYTES];	/* MSRs 0xC0000000 - 0xC0001FFF */
	uint8_t write_high[TD_VM_MSR_BITMAP_BYTES];
};
int td_vm_set_msr_bitmaps(struct td_vm *vm, const struct td_vm_msr_bitmaps *b);

int td_vcpu_create(struct td_vm *vm, unsigned int index, const struct td_vcpu_cpuid *cpuid,
		   unsigned int n, struct td_vcpu **out);
void td_vcpu_destroy(struct td_vcpu *vcpu);

int td_vcpu_set_regs(struct td_vcpu *vcpu, const struct td_vcpu_regs *r);
int td_vcpu_get_regs(struct td_vcpu *vcpu, struct td_vcpu_regs *r);
/** td_vcpu_set_gprs()/get_gprs() - only the GPRs and RIP (the TDCALL fast path). */
int td_vcpu_set_gprs(struct td_vcpu *vcpu, const uint64_t gpr[TD_VCPU_NR_GPRS], uint64_t rip);
int td_vcpu_get_gprs(struct td_vcpu *vcpu, uint64_t gpr[TD_VCPU_NR_GPRS], uint64_t *rip);

/** td_vcpu_run() - run until an exit the module must see. */
int td_vcpu_run(struct td_vcpu *vcpu, struct td_vcpu_exit *exit);

/** td_vcpu_inject() - deliver exception @vector at the next entry. */
int td_vcpu_inject(struct td_vcpu *vcpu, uint8_t vector, bool has_error, uint32_t error);

/** td_vcpu_kick() - make a running (or the next) td_vcpu_run() return INTR. */
void td_vcpu_kick(struct td_vcpu *vcpu);

#endif /* TDX_TD_VCPU_H */

/*
 * Private to kvm-tdx's KVM API: the VM and vCPU objects.
 *
 * TD state (mirrors the module's OP_STATE, checked at the top of every
 * entry point, as Linux's TD_STATE_*):
 *   UNINITIALIZED --INIT_VM--> INITIALIZED --FINALIZE_VM--> RUNNABLE
 * vCPU state: CREATED --INIT_VCPU--> INITIALIZED
 */
#ifndef TDX_KVM_TDX_INTERNAL_H
#define TDX_KVM_TDX_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <linux/kvm.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_seamcall.h>

#include "host_internal.h"
#include "kvm_tdx.h"

enum kvm_td_state {
	TD_STATE_UNINITIALIZED,
	TD_STATE_INITIALIZED,
	TD_STATE_RUNNABLE,
};

enum kvm_vcpu_td_state {
	VCPU_TD_STATE_UNINITIALIZED,
	VCPU_TD_STATE_INITIALIZED,
};

#define KVM_TDX_MAX_MEMSLOTS	32
#define KVM_TDX_MAX_GMEM	32
#define KVM_TDX_MAX_VCPUS	1024
#define KVM_TDX_MAX_TDCX	8
#define KVM_TDX_MAX_SEPT	4096
#define KVM_TDX_MAX_CPUID	256

struct kvm_tdx_gmem {
	bool used;
	uint64_t size;
	uint64_t *pages;	/* host PA per page, 0 while unallocated */
};

struct kvm_tdx_memslot {
	bool used;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t gmem_offset;
	uint32_t gmem;
	uint8_t *private_bitmap;	/* KVM_MEMORY_ATTRIBUTE_PRIVATE per page */
};

struct kvm_tdx_sept_page {
	unsigned int level;
	uint64_t gpa;		/* aligned to what the table covers */
	uint64_t pa;
};

#define KVM_TDX_MAX_IRQ_ROUTES		4096	/* KVM_MAX_IRQ_ROUTES */
#define KVM_TDX_APIC_BUS_CYCLES_NS	40	/* 25 MHz, what TDX's virtual APIC runs at */
#define KVM_TDX_X2APIC_API_FLAGS	(KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)

/* A TDVMCALL the VMM is completing (run.c). */
enum kvm_tdx_pending {
	KVM_TDX_PENDING_NONE,
	KVM_TDX_PENDING_PIO_IN,
	KVM_TDX_PENDING_MMIO_READ,
	KVM_TDX_PENDING_MAP_GPA,
	KVM_TDX_PENDING_TDX,
	KVM_TDX_PENDING_FATAL,		/* ReportFatalError: never entered again */
};

struct kvm_tdx_vcpu {
	struct kvm_tdx_vm *vm;
	unsigned long id;
	enum kvm_vcpu_td_state state;
	uint64_t tdvpr_pa;
	uint64_t tdcx_pa[KVM_TDX_MAX_TDCX];
	unsigned int nr_tdcx;
	int last_cpu;		/* LP it is associated with, -1 if none */

	/* KVM_RUN (run.c) */
	struct kvm_run *run;		/* the "mmap()ed" run page */
	struct tdx_module_args io;	/* VP.ENTER's registers: exit out, host values in */
	uint64_t enter_ret;		/* RAX of the last VP.ENTER */
	enum kvm_tdx_pending pending;
	unsigned int pio_size;
	bool map_private;		/* MapGPA in progress: direction, where, how far */
	uint64_t map_gpa, map_end, map_piece;

	/* In TDH.VP.ENTER now, and how many entries so far (run.c; for TLB tracking). */
	atomic_bool in_guest;
	atomic_ulong entries;

	/* Interrupts (irq.c) */
	uint64_t pid_pa;		/* posted-interrupt descriptor, 0 until INIT_VCPU */
	pthread_mutex_t halt_lock;	/* TDVMCALL<HLT> sleeps on halt_cond */
	pthread_cond_t halt_cond;
};

struct kvm_tdx_vm {
	struct tdx_host *host;
	pthread_mutex_t lock;
	enum kvm_td_state state;
	bool hkid_assigned;
	bool td_created;	/* TDH.MNG.CREATE succeeded */
	bool keys_freed;
	hkid_t hkid;
	uint64_t tdr_pa;
	uint64_t tdcs_pa[KVM_TDX_MAX_TDCX];
	unsigned int nr_tdcs;
	uint64_t attributes;
	uint64_t xfam;
	unsigned int gpaw;
	uint64_t tsc_khz;
	unsigned int nr_cpuid;
	struct kvm_tdx_cpuid_entry2 cpuid[KVM_TDX_MAX_CPUID];

	struct kvm_tdx_gmem gmem[KVM_TDX_MAX_GMEM];
	struct kvm_tdx_memslot slots[KVM_TDX_MAX_MEMSLOTS];
	struct kvm_tdx_sept_page sept[KVM_TDX_MAX_SEPT];
	unsigned int nr_sept;

	struct kvm_tdx_vcpu *vcpus[KVM_TDX_MAX_VCPUS];
	unsigned int nr_vcpus;
	bool split_irqchip;	/* KVM_CAP_SPLIT_IRQCHIP: TD vCPUs need it */
};

/* The TD's shared bit: GPA bit GPAW - 1 (reference tdx-abi.md 6.2). */
static inline uint64_t kvm_tdx_shared_bit(const struct kvm_tdx_vm *vm)
{
	return 1ULL << (vm->gpaw - 1);
}

/* vm.c */
/* The module's configurable CPUID leaves and bits (SYS.RD), TD_PARAMS order. */
int kvm_tdx_cpuid_config(struct kvm_tdx_vm *vm, struct kvm_tdx_cpuid_entry2 *e,
			 unsigned int *nr);
int kvm_tdx_seamcall_errno(struct kvm_tdx_vm *vm, const char *leaf, uint64_t status,
			   struct kvm_tdx_cmd *cmd);

/* run.c */
/*
 * kvm_tdx_vcpus_kick_and_wait() - after TDH.MEM.TRACK: make every vCPU in
 * the TD exit once (it enters again by itself), so that REMOVE finds the
 * TLB tracking done (Linux's KVM_REQ_OUTSIDE_GUEST_MODE).  -ETIMEDOUT if
 * one never leaves.
 */
int kvm_tdx_vcpus_kick_and_wait(struct kvm_tdx_vm *vm);

/* irq.c */
int kvm_tdx_vcpu_pi_init(struct kvm_tdx_vcpu *v, struct kvm_tdx_cmd *cmd);
void kvm_tdx_vcpu_pi_free(struct kvm_tdx_vcpu *v);
long kvm_tdx_signal_msi(struct kvm_tdx_vm *vm, const struct kvm_msi *msi);
void kvm_tdx_vcpu_halt(struct kvm_tdx_vcpu *v, const struct kvm_run *run);
void kvm_tdx_vcpu_halt_wake(struct kvm_tdx_vcpu *v);

/* mem.c */
long kvm_tdx_create_gmem(struct kvm_tdx_vm *vm, struct kvm_create_guest_memfd *arg);
long kvm_tdx_set_memory_region2(struct kvm_tdx_vm *vm,
				const struct kvm_userspace_memory_region2 *r);
long kvm_tdx_set_memory_attributes(struct kvm_tdx_vm *vm, const struct kvm_memory_attributes *a);
int kvm_tdx_init_mem_region(struct kvm_tdx_vcpu *vcpu, struct kvm_tdx_cmd *cmd);
void kvm_tdx_mem_reclaim(struct kvm_tdx_vm *vm);
void kvm_tdx_mem_free(struct kvm_tdx_vm *vm);

/* mem.c: EPT-violation fault-in (SEPT.ADD + PAGE.AUG); the shared EPT at FINALIZE. */
int kvm_tdx_fault_in(struct kvm_tdx_vm *vm, uint64_t gpa, struct kvm_run *run);
int kvm_tdx_shared_ept_sync_all(struct kvm_tdx_vm *vm);

/* run.c */
int kvm_tdx_vcpu_run(struct kvm_tdx_vcpu *vcpu);

/* vcpu.c */
void kvm_tdx_vcpus_flush(struct kvm_tdx_vm *vm);
void kvm_tdx_vcpus_reclaim(struct kvm_tdx_vm *vm);

/* Reclaim one TD page (PHYMEM.PAGE.RECLAIM), clear it and give it back; leak it on failure. */
void kvm_tdx_reclaim_page(struct kvm_tdx_vm *vm, uint64_t pa, hkid_t wbinvd_keyid);
/* A page the TD no longer owns: WBINVD its @keyid lines, clear it, free it (or leak it). */
void kvm_tdx_flush_free_page(struct kvm_tdx_vm *vm, uint64_t pa, hkid_t keyid);

#endif /* TDX_KVM_TDX_INTERNAL_H */

/* Private to the vCPU engine: the VM and vCPU objects. */
#ifndef TDX_TD_VCPU_INTERNAL_H
#define TDX_TD_VCPU_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>

#include <linux/kvm.h>

#include "dram_backing.h"
#include "pfn_map.h"
#include "td_vcpu.h"

#define TD_VM_WINDOW		(1ULL << 30)	/* one memslot per GiB of private GPA */
#define TD_VM_MAX_WINDOWS	256
#define TD_VM_SHARED_SLOTS	TD_VM_MAX_SHARED	/* slots 0..: the host's shared memory */
#define TD_VM_PRIVATE_SLOT0	TD_VM_SHARED_SLOTS

struct td_vm_window {
	uint64_t gpa;
	uint8_t *hva;
	uint32_t slot;
};

struct td_vm {
	pthread_mutex_t lock;		/* windows and slots */
	int kvm_fd;
	int vm_fd;
	int run_size;
	struct dram_backing dram;
	unsigned int nr_windows;
	struct td_vm_window window[TD_VM_MAX_WINDOWS];
	bool tdcall_ud;			/* platform tdcall-ud: reflect #UD, as some KVMs do */
	struct pfn_map by_gpa;		/* mapped private pages: GPA page -> host page */
	struct pfn_map by_hpa;		/* and back */
};

struct td_vcpu {
	struct td_vm *vm;
	int fd;
	struct kvm_run *run;
	pthread_t thread;		/* the thread inside td_vcpu_run(), for kicks */
	atomic_bool running;
	/*
	 * KVM_CAP_SYNC_REGS: KVM_RUN leaves GPRs and segment state in
	 * run->s.regs, and takes GPRs back from there, so a TDCALL needs no
	 * register ioctl (each costs a vCPU load/put, dear on nested KVM).
	 * synced: run->s.regs is the vCPU's state (false after an ioctl set).
	 */
	bool sync;
	bool synced;
};

/* td_vcpu.c: read guest memory at linear @gva through the guest's page tables. */
int td_vcpu_read_gva(struct td_vcpu *v, uint64_t gva, void *buf, size_t len);

/*
 * insn.c: the length of the store that ends at @rip and wrote @width
 * bytes at @gpa (KVM has completed it), 0 when no instruction there fits.
 */
uint32_t td_vcpu_store_insn_len(struct td_vcpu *v, uint64_t rip, uint64_t gpa,
				unsigned int width);

#endif /* TDX_TD_VCPU_INTERNAL_H */

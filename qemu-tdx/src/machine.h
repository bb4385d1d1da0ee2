/*
 * The q35-shaped machine qemu-tdx runs: guest RAM (below 2 GiB, the rest
 * from 4 GiB when -m is larger), the firmware at 4 GiB - size, the
 * platform devices, the vCPUs and the run state every vCPU thread shares.
 * Built either as a TD through kvm-tdx (tdx_guest.c) or as a plain KVM
 * VM on /dev/kvm (kvm_plain.c); the vCPU loop (vcpu_loop.c) drives both.
 */
#ifndef QEMU_TDX_MACHINE_H
#define QEMU_TDX_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "cli.h"
#include "devices.h"
#include "iotrap.h"
#include "kvm_tdx.h"
#include "tdvf.h"

#define MACHINE_LOWMEM_MAX	(2ULL << 30)	/* q35 here: RAM below 2 GiB, the rest at 4 GiB */
#define MACHINE_HIGHMEM_BASE	(4ULL << 30)
#define MACHINE_PAGE		4096ULL
#define MACHINE_GPAW		48		/* TD: shared bit 47 */
#define MACHINE_TD_XFAM		0x3ULL		/* x87 | SSE: what the TD's vCPUs get */
#define MACHINE_MAX_INFLIGHT_QUOTES	16
#define MACHINE_VIRTIO_CONSOLE_BASE	0xFEB00000ULL	/* window VIRTIO_MMIO_WINDOW_SIZE */

struct machine;
struct qmp_server;
struct virtio_console;

struct vmm_vcpu {
	struct machine *m;
	unsigned int index;
	pthread_t thread;
	bool started;
	struct kvm_run *run;
	struct kvm_tdx_vcpu *td;	/* TD */
	int fd;				/* plain VM: the vCPU fd */
	size_t run_size;
};

struct ram_slot {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;			/* TD: the shared backing; plain: the RAM */
	uint8_t *shared;		/* TD: one bit per page, set while shared */
};

struct machine {
	const struct vmm_opts *opts;
	bool td;
	uint64_t shared_bit;		/* TD: 1 << (GPAW - 1); plain: 0 */

	unsigned int nr_ram;
	struct ram_slot ram[2];

	uint8_t *bios;			/* the -bios image, page aligned */
	uint64_t bios_size;
	uint64_t bios_gpa;
	bool has_tdvf;
	struct tdvf_desc tdvf;
	uint8_t *kernel;
	uint32_t kernel_size;

	struct iotrap io;
	struct dev_serial serial;
	struct dev_pm pm;
	struct fw_cfg fw_cfg;
	struct virtio_console *console;	/* virtio-mmio at MACHINE_VIRTIO_CONSOLE_BASE */
	struct qmp_server *qmp;		/* -qmp, or NULL */

	unsigned int nr_vcpus;
	struct vmm_vcpu vcpu[VMM_MAX_VCPUS];

	/* TD */
	struct host_boot boot;
	bool host_up;
	struct kvm_tdx_vm *vm;
	uint64_t supported_attrs;
	uint64_t user_tdvmcallinfo_r11;
	uint64_t hob_gpa;
	uint8_t mrtd[48];		/* read after FINALIZE, for query-tdx */

	/* plain VM */
	int kvm_fd;
	int vm_fd;
	uint8_t *bios_rom;		/* the firmware's read-only mapping */

	/* run state */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	int exit_code;
	pthread_mutex_t mem_lock;	/* conversions vs. device access to shared memory */
	/*
	 * Conversions with the other vCPUs out of the TD (machine_convert()):
	 * kvm-tdx removes a private page with BLOCK, TRACK, REMOVE and no
	 * IPIs, so REMOVE fails while another vCPU of the TD is inside it.
	 * A vCPU enters KVM_RUN only with @pause_requests 0 (under @lock);
	 * @vcpus_in_run counts those inside.
	 */
	unsigned int pause_requests;
	unsigned int vcpus_in_run;
	uint64_t notify_vector;		/* SetupEventNotifyInterrupt, 0 if none */
	unsigned int notify_vcpu;
	unsigned int quotes_in_flight;
};

/** vmm_fail() - "qemu-tdx: " and the message into @err; returns -1. */
int vmm_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * machine_init() - read the firmware (and TDVF metadata), the kernel,
 * lay out RAM, create the devices.  Nothing touches KVM yet.  Returns 0
 * or -1 with a "qemu-tdx: ..." message in @err.
 */
int machine_init(struct machine *m, const struct vmm_opts *o, char *err, size_t errlen);

/** machine_build() - the TD (QEMU's build order) or the plain VM. */
int machine_build(struct machine *m, char *err, size_t errlen);

/** machine_run() - one thread per vCPU until the guest stops; returns the exit status. */
int machine_run(struct machine *m);

void machine_destroy(struct machine *m);

/** machine_request_stop() - stop every vCPU; the first caller's @code is the exit status. */
void machine_request_stop(struct machine *m, int code);

/**
 * machine_shutdown() - stop with @code and tell QMP clients why (QEMU's
 * ShutdownCause @reason, e.g. "guest-shutdown"), unless already stopping.
 */
void machine_shutdown(struct machine *m, int code, bool guest, const char *reason);

/** machine_start_qmp() - the -qmp server, if asked for. */
int machine_start_qmp(struct machine *m, char *err, size_t errlen);
bool machine_stopping(struct machine *m);

/**
 * machine_guest_mem() - a host pointer to guest [@addr, +@len) for device
 * DMA: RAM only; in a TD the address must carry the shared bit and every
 * page must be shared now.  NULL with the reason in @why otherwise.
 */
void *machine_guest_mem(struct machine *m, uint64_t addr, uint64_t len, char *why, size_t whylen);

/**
 * machine_convert() - QEMU's kvm_convert_memory(): make [@gpa, +@size)
 * private or shared (KVM_SET_MEMORY_ATTRIBUTES); shared backing is
 * discarded when a page goes private.  0 or -errno.
 */
int machine_convert(struct machine *m, uint64_t gpa, uint64_t size, bool to_private);

/**
 * machine_tdvf_hob() - the TD HOB for this machine's RAM into @buf (the
 * TD_HOB section, @cap bytes): unaccepted RAM except the sections the VMM
 * adds, or (@all_accepted, a plain VM) everything accepted.
 */
int machine_tdvf_hob(struct machine *m, bool all_accepted, uint8_t *buf, size_t cap, char *err,
		     size_t errlen);

/* Builders (tdx_guest.c, kvm_plain.c). */
int tdx_guest_build(struct machine *m, char *err, size_t errlen);
void tdx_guest_destroy(struct machine *m);
int kvm_plain_build(struct machine *m, char *err, size_t errlen);
void kvm_plain_destroy(struct machine *m);
/** kvm_plain_run() - KVM_RUN on a plain vCPU: 0 or -errno. */
long kvm_plain_run(struct vmm_vcpu *v);

/* The exits only a TD has (tdx_exits.c); each returns false to stop the vCPU. */
bool tdx_handle_hypercall(struct vmm_vcpu *v);
bool tdx_handle_memory_fault(struct vmm_vcpu *v);
bool tdx_handle_tdx_exit(struct vmm_vcpu *v);
bool tdx_handle_fatal(struct vmm_vcpu *v);
/** tdx_fatal_message() - ReportFatalError's message from the 16 GPRs, as QEMU builds it. */
int tdx_fatal_message(const uint64_t gprs[16], char *msg, size_t cap, uint64_t *error_code,
		      bool *gpa_valid, uint64_t *gpa);

/* vcpu_loop.c */
void *vcpu_thread(void *arg);
/**
 * machine_pause_vcpus() - every vCPU out of KVM_RUN and held out until
 * machine_resume_vcpus(); called from a vCPU thread handling an exit
 * (so not itself in KVM_RUN) or any other thread.
 */
void machine_pause_vcpus(struct machine *m);
void machine_resume_vcpus(struct machine *m);

#endif /* QEMU_TDX_MACHINE_H */

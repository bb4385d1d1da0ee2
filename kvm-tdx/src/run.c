/*
 * KVM_RUN for a TD vCPU, as Linux's tdx_vcpu_run() and tdx_handle_exit():
 * TDH.VP.ENTER on the vCPU's LP, then the exit is handled here (EPT
 * violations fault pages in with SEPT.ADD + PAGE.AUG, the TDVMCALLs KVM
 * handles itself) or returned to the VMM in struct kvm_run with the
 * upstream exit reasons and payloads (reference host-stack.md 1.4).  A
 * TDVMCALL the VMM completes (I/O in, MMIO read, MapGPA, KVM_EXIT_TDX)
 * is finished at the next KVM_RUN, before entering.
 *
 * The run page is two pages, as mmap() of a vCPU fd: struct kvm_run, then
 * the port I/O data at offset KVM_TDX_PIO_OFFSET.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "kvm_tdx_internal.h"
#include "platform.h"
#include "tdh.h"

#define KVM_TDX_PIO_OFFSET	4096
#define KVM_TDX_RUN_SIZE	8192
#define KVM_ENOSYS		1000	/* what KVM answers an unknown hypercall */
#define MAP_GPA_CHUNK		(2ULL << 20)	/* KVM cuts MapGPA into 2 MiB pieces */
#define KICK_WAIT_ROUNDS	100000		/* x 20 us: 2 s for a kicked vCPU to leave */

struct kvm_run *kvm_tdx_vcpu_run_page(struct kvm_tdx_vcpu *vcpu)
{
	if (!vcpu->run) {
		vcpu->run = aligned_alloc(4096, KVM_TDX_RUN_SIZE);
		if (vcpu->run)
			memset(vcpu->run, 0, KVM_TDX_RUN_SIZE);
	}
	return vcpu->run;
}

struct kvm_tdx_exit *kvm_tdx_run_tdx(struct kvm_run *run)
{
	return (struct kvm_tdx_exit *)(void *)&run->io;
}

struct kvm_memory_fault_exit *kvm_tdx_run_memory_fault(struct kvm_run *run)
{
	return (struct kvm_memory_fault_exit *)(void *)&run->io;
}

/* ---- TDVMCALLs ---- */

static void tdvmcall_status(struct kvm_tdx_vcpu *v, uint64_t status)
{
	v->io.r10 = status;
}

static bool cpuid_lookup(const struct kvm_tdx_vm *vm, uint32_t leaf, uint32_t sub,
			 uint64_t out[4])
{
	for (unsigned int i = 0; i < vm->nr_cpuid; i++) {
		const struct kvm_tdx_cpuid_entry2 *e = &vm->cpuid[i];

		if (e->function != leaf ||
		    ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != sub))
			continue;
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
		return true;
	}
	return false;
}

/* The next MapGPA piece goes to the VMM as KVM_EXIT_HYPERCALL. */
static void map_gpa_exit(struct kvm_tdx_vcpu *v, struct kvm_run *run)
{
	uint64_t n = v->map_end - v->map_gpa;

	if (n > MAP_GPA_CHUNK)
		n = MAP_GPA_CHUNK;
	run->exit_reason = KVM_EXIT_HYPERCALL;
	memset(&run->hypercall, 0, sizeof(run->hypercall));
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run->hypercall.args[0] = v->map_gpa;
	run->hypercall.args[1] = n / TDX_PAGE_SIZE;
	run->hypercall.args[2] = v->map_private ? KVM_MAP_GPA_RANGE_ENCRYPTED :
						  KVM_MAP_GPA_RANGE_DECRYPTED;
	/* Newer headers call it flags (bit 0, KVM_EXIT_HYPERCALL_LONG_MODE). */
	run->hypercall.longmode = (uint32_t)KVM_EXIT_HYPERCALL_LONG_MODE;
	v->map_piece = n;
	v->pending = KVM_TDX_PENDING_MAP_GPA;
}

static void tdx_exit(struct kvm_tdx_vcpu *v, struct kvm_run *run, uint64_t nr)
{
	struct kvm_tdx_exit *t = kvm_tdx_run_tdx(run);

	run->exit_reason = KVM_EXIT_TDX;
	memset(t, 0, sizeof(*t));
	t->nr = nr;
	/* A VMM that does nothing answers "unsupported". */
	t->unknown.ret = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	v->pending = KVM_TDX_PENDING_TDX;
}

/* 1: the VMM has an exit in @run; 0: handled here, enter again. */
static int handle_tdvmcall(struct kvm_tdx_vcpu *v, struct kvm_run *run)
{
	struct kvm_tdx_vm *vm = v->vm;
	struct tdx_module_args *a = &v->io;
	uint64_t sub = a->r11, val[4];

	/* R10 != 0: a KVM hypercall; none is offered to TDs. */
	if (a->r10) {
		a->r10 = (uint64_t)-KVM_ENOSYS;
		return 0;
	}
	tdvmcall_status(v, TDVMCALL_STATUS_SUCCESS);
	switch (sub) {
	case TDVMCALL_IO: {
		uint64_t size = a->r12, out = a->r13, port = a->r14;

		if ((size != 1 && size != 2 && size != 4) || out > 1 || port > 0xFFFF) {
			tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
			return 0;
		}
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
		run->io.size = (uint8_t)size;
		run->io.port = (uint16_t)port;
		run->io.count = 1;
		run->io.data_offset = KVM_TDX_PIO_OFFSET;
		memcpy((uint8_t *)run + KVM_TDX_PIO_OFFSET, &a->r15, size);
		v->pending = out ? KVM_TDX_PENDING_NONE : KVM_TDX_PENDING_PIO_IN;
		v->pio_size = (unsigned int)size;
		return 1;
	}
	case TDVMCALL_MMIO: {
		uint64_t size = a->r12, write = a->r13, gpa = a->r14;

		/* GHCI: 1, 2, 4 or 8 bytes at a shared GPA, not crossing a page. */
		if ((size != 1 && size != 2 && size != 4 && size != 8) || write > 1 ||
		    !(gpa & kvm_tdx_shared_bit(vm)) || (gpa >> vm->gpaw) ||
		    ((gpa & 0xFFF) + size > TDX_PAGE_SIZE)) {
			tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
			return 0;
		}
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = gpa & ~kvm_tdx_shared_bit(vm);
		run->mmio.len = (uint32_t)size;
		run->mmio.is_write = (uint8_t)write;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		if (write)
			memcpy(run->mmio.data, &a->r15, size);
		v->pending = write ? KVM_TDX_PENDING_NONE : KVM_TDX_PENDING_MMIO_READ;
		v->pio_size = (unsigned int)size;
		return 1;
	}
	case TDVMCALL_HLT:
		/* As KVM with an in-kernel LAPIC: sleep here until woken, then enter. */
		kvm_tdx_vcpu_halt(v, run);
		return 0;
	case TDVMCALL_CPUID:
		if (!cpuid_lookup(vm, (uint32_t)a->r12, (uint32_t)a->r13, val))
			memset(val, 0, sizeof(val));
		a->r12 = val[0];
		a->r13 = val[1];
		a->r14 = val[2];
		a->r15 = val[3];
		return 0;
	case TDVMCALL_RDMSR:
	case TDVMCALL_WRMSR:
		/* No MSR is emulated for TDs here: #GP in the guest's terms. */
		tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
		return 0;
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		if (a->r12 == 0) {
			a->r11 = a->r12 = a->r13 = a->r14 = 0;
			return 0;
		}
		tdx_exit(v, run, sub);
		kvm_tdx_run_tdx(run)->get_tdvmcall_info.leaf = a->r12;
		return 1;
	case TDVMCALL_MAP_GPA: {
		uint64_t gpa = a->r12, size = a->r13, end = gpa + size;

		if (!TDX_IS_ALIGNED(gpa, TDX_PAGE_SIZE) || !TDX_IS_ALIGNED(size, TDX_PAGE_SIZE)) {
			tdvmcall_status(v, TDVMCALL_STATUS_ALIGN_ERROR);
			return 0;
		}
		/* One side of the shared bit, inside the GPA width. */
		if (!size || end < gpa || (end - 1) >> vm->gpaw ||
		    ((gpa ^ (end - 1)) & kvm_tdx_shared_bit(vm))) {
			tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
			return 0;
		}
		v->map_private = !(gpa & kvm_tdx_shared_bit(vm));
		v->map_gpa = gpa & ~kvm_tdx_shared_bit(vm);
		v->map_end = end & ~kvm_tdx_shared_bit(vm);
		map_gpa_exit(v, run);
		return 1;
	}
	case TDVMCALL_GET_QUOTE:
		if (!(a->r12 & kvm_tdx_shared_bit(vm)) || !TDX_IS_ALIGNED(a->r12, TDX_PAGE_SIZE) ||
		    !a->r13) {
			tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
			return 0;
		}
		tdx_exit(v, run, sub);
		kvm_tdx_run_tdx(run)->get_quote.gpa = a->r12 & ~kvm_tdx_shared_bit(vm);
		kvm_tdx_run_tdx(run)->get_quote.size = a->r13;
		return 1;
	case TDVMCALL_REPORT_FATAL_ERROR: {
		/* The 16 GPRs in x86 order, RSP and RBP 0, RAX = VP.ENTER's return. */
		const uint64_t gprs[16] = { v->enter_ret, a->rcx, a->rdx, a->rbx, 0, 0, a->rsi,
					    a->rdi, a->r8, a->r9, a->r10, a->r11, a->r12, a->r13,
					    a->r14, a->r15 };

		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		memset(&run->system_event, 0, sizeof(run->system_event));
		run->system_event.type = KVM_SYSTEM_EVENT_TDX_FATAL;
		run->system_event.ndata = 16;
		memcpy(run->system_event.data, gprs, sizeof(gprs));
		v->pending = KVM_TDX_PENDING_FATAL;
		return 1;
	}
	case TDVMCALL_SETUP_EVENT_NOTIFY:
		if (a->r12 < 32 || a->r12 > 255) {
			tdvmcall_status(v, TDVMCALL_STATUS_INVALID_OPERAND);
			return 0;
		}
		tdx_exit(v, run, sub);
		kvm_tdx_run_tdx(run)->setup_event_notify.vector = a->r12;
		return 1;
	default:
		tdvmcall_status(v, TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED);
		return 0;
	}
}

/*
 * What the VMM did with the last exit becomes the TDVMCALL's outputs.
 * 0: enter; 1: another exit for the VMM is in @run; <0: KVM_RUN fails.
 */
static int complete_pending(struct kvm_tdx_vcpu *v, struct kvm_run *run)
{
	struct tdx_module_args *a = &v->io;
	struct kvm_tdx_exit *t = kvm_tdx_run_tdx(run);
	enum kvm_tdx_pending p = v->pending;

	v->pending = KVM_TDX_PENDING_NONE;
	switch (p) {
	case KVM_TDX_PENDING_NONE:
		return 0;
	case KVM_TDX_PENDING_PIO_IN:
		a->r11 = 0;
		memcpy(&a->r11, (uint8_t *)run + KVM_TDX_PIO_OFFSET, v->pio_size);
		return 0;
	case KVM_TDX_PENDING_MMIO_READ:
		a->r11 = 0;
		memcpy(&a->r11, run->mmio.data, v->pio_size);
		return 0;
	case KVM_TDX_PENDING_TDX:
		a->r10 = t->unknown.ret;
		if (t->nr == TDVMCALL_GET_TD_VM_CALL_INFO) {
			a->r11 = t->get_tdvmcall_info.r11;
			a->r12 = t->get_tdvmcall_info.r12;
			a->r13 = t->get_tdvmcall_info.r13;
			a->r14 = t->get_tdvmcall_info.r14;
		}
		return 0;
	case KVM_TDX_PENDING_MAP_GPA:
		if (run->hypercall.ret) {
			/* GHCI: the error, and where processing stopped. */
			a->r10 = TDVMCALL_STATUS_INVALID_OPERAND;
			a->r11 = v->map_gpa | (v->map_private ? 0 : kvm_tdx_shared_bit(v->vm));
			return 0;
		}
		v->map_gpa += v->map_piece;
		if (v->map_gpa < v->map_end) {
			map_gpa_exit(v, run);
			return 1;	/* the next piece, without entering */
		}
		a->r10 = TDVMCALL_STATUS_SUCCESS;
		return 0;
	case KVM_TDX_PENDING_FATAL:
		/* The TD reported a fatal error: it is not entered again. */
		v->pending = KVM_TDX_PENDING_FATAL;
		return -EIO;
	}
	return 0;
}

/* ---- TD exits ---- */

static void internal_error(struct kvm_tdx_vcpu *v, struct kvm_run *run, uint64_t status)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = status;
	run->internal.data[1] = (uint64_t)v->last_cpu;
}

/* 1: the VMM has an exit in @run; 0: enter again; <0: KVM_RUN fails with it. */
static int handle_exit(struct kvm_tdx_vcpu *v, struct kvm_run *run, uint64_t st)
{
	uint32_t reason = (uint32_t)st;
	int ret;

	if (tdx_status_is_error(st)) {
		if (tdx_status_code_eq(st, TDX_NON_RECOVERABLE_VCPU) &&
		    reason == EXIT_REASON_TRIPLE_FAULT) {
			run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 1;
		}
		internal_error(v, run, st);
		return 1;
	}
	switch (reason) {
	case EXIT_REASON_TDCALL:
		return handle_tdvmcall(v, run);
	case EXIT_REASON_EPT_VIOLATION:
		ret = kvm_tdx_fault_in(v->vm, v->io.r8, run);
		return ret;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		/* Host preemption: back to the VMM only when it asked to be. */
		if (run->immediate_exit) {
			run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		return 0;
	default:
		internal_error(v, run, st);
		return 1;
	}
}

int kvm_tdx_vcpu_run(struct kvm_tdx_vcpu *v)
{
	struct kvm_run *run = kvm_tdx_vcpu_run_page(v);
	int ret;

	if (!run)
		return -ENOMEM;
	if (v->vm->state != TD_STATE_RUNNABLE || v->state != VCPU_TD_STATE_INITIALIZED ||
	    v->last_cpu < 0)
		return -EINVAL;
	ret = complete_pending(v, run);
	if (ret)
		return ret < 0 ? ret : 0;
	for (;;) {
		if (run->immediate_exit) {
			run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		struct tdx_module_args in = v->io;

		atomic_fetch_add(&v->entries, 1);
		atomic_store(&v->in_guest, true);
		v->enter_ret = host_tdh_vp_enter(v->vm->host, (unsigned int)v->last_cpu,
						 v->tdvpr_pa, &v->io);
		atomic_store(&v->in_guest, false);
		/* Another vCPU of the TD holds it for a moment: enter again. */
		if (tdx_status_code_eq(v->enter_ret, TDX_OPERAND_BUSY)) {
			v->io = in;
			continue;
		}
		ret = handle_exit(v, run, v->enter_ret);
		if (ret > 0)
			return 0;
		if (ret < 0)
			return ret;
	}
}

int kvm_tdx_vcpus_kick_and_wait(struct kvm_tdx_vm *vm)
{
	unsigned long seen[KVM_TDX_MAX_VCPUS];

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_tdx_vcpu *v = vm->vcpus[i];

		seen[i] = atomic_load(&v->entries);
		if (atomic_load(&v->in_guest) && v->last_cpu >= 0)
			platform_lp_kick(vm->host->plat, (unsigned int)v->last_cpu);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_tdx_vcpu *v = vm->vcpus[i];
		struct timespec pause = { 0, 20000 };

		/* Out of the TD, or in again since the kick (with the new epoch). */
		for (unsigned int n = 0; atomic_load(&v->in_guest) &&
					 atomic_load(&v->entries) == seen[i]; n++) {
			if (n == KICK_WAIT_ROUNDS)
				return -ETIMEDOUT;
			nanosleep(&pause, NULL);
		}
	}
	return 0;
}

int kvm_tdx_vcpu_kick(struct kvm_tdx_vcpu *v)
{
	/* An IPI to the vCPU's LP; run->immediate_exit says the VMM wants it back. */
	if (v->last_cpu < 0)
		return -EINVAL;
	platform_lp_kick(v->vm->host->plat, (unsigned int)v->last_cpu);
	kvm_tdx_vcpu_halt_wake(v);
	return 0;
}

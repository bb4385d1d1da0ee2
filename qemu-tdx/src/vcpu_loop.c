/*
 * One thread per vCPU (kvmtool's kvm_cpu__start): KVM_RUN, then the exit
 * goes to the I/O registry or to the TD handlers, until the machine stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "machine.h"

#define HLT_WAIT_NS	(10 * 1000 * 1000)

static void kick_others(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *o = &m->vcpu[i];

		if (!o->run)
			continue;
		__atomic_store_n(&o->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (m->td)
			kvm_tdx_vcpu_kick(o->td);
		else if (o->started)
			pthread_kill(o->thread, SIGUSR1);
	}
}

void machine_pause_vcpus(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	m->pause_requests++;
	while (m->vcpus_in_run) {
		struct timespec ts;

		/* Kick again now and then: a kick can land just before KVM_RUN. */
		kick_others(m);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->cond, &m->lock, &ts);
	}
	pthread_mutex_unlock(&m->lock);
}

void machine_resume_vcpus(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	if (!--m->pause_requests && !m->stopping) {
		for (unsigned int i = 0; i < m->nr_vcpus; i++)
			if (m->vcpu[i].run)
				__atomic_store_n(&m->vcpu[i].run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	}
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* Wait until no pause is asked for; false when the machine stops. */
static bool enter_run(struct machine *m)
{
	bool ok;

	pthread_mutex_lock(&m->lock);
	while (m->pause_requests && !m->stopping)
		pthread_cond_wait(&m->cond, &m->lock);
	ok = !m->stopping;
	if (ok)
		m->vcpus_in_run++;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static void leave_run(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	m->vcpus_in_run--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void stop_with(struct vmm_vcpu *v, const char *what)
{
	fprintf(stderr, "qemu-tdx: vCPU %u: %s\n", v->index, what);
	machine_request_stop(v->m, 1);
}

static bool handle_io(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	size_t size = run->io.size, count = run->io.count;
	uint64_t span = (uint64_t)size * count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	size_t limit = v->m->td ? 8192 : v->run_size;

	if ((size != 1 && size != 2 && size != 4) || !count || run->io.data_offset > limit ||
	    span > limit - run->io.data_offset) {
		stop_with(v, "malformed port I/O exit");
		return false;
	}
	for (size_t i = 0; i < count; i++, data += size)
		iotrap_dispatch(&v->m->io, IOTRAP_PIO, run->io.port, data, (unsigned int)size,
				run->io.direction == KVM_EXIT_IO_OUT);
	return true;
}

static bool handle_mmio(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (!run->mmio.len || run->mmio.len > sizeof(run->mmio.data)) {
		stop_with(v, "malformed MMIO exit");
		return false;
	}
	iotrap_dispatch(&v->m->io, IOTRAP_MMIO, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			run->mmio.is_write);
	return true;
}

/*
 * A halted vCPU that KVM handed back (kvm-tdx sleeps in the kernel for
 * TDVMCALL<HLT> itself): wait a moment, or until the machine stops, and
 * enter again; HLT loops tolerate the spurious wake-up.
 */
static void halt(struct vmm_vcpu *v)
{
	struct machine *m = v->m;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += HLT_WAIT_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	if (!m->stopping)
		pthread_cond_timedwait(&m->cond, &m->lock, &ts);
	pthread_mutex_unlock(&m->lock);
}

static bool handle_system_event(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (v->m->td && run->system_event.type == KVM_SYSTEM_EVENT_TDX_FATAL)
		return tdx_handle_fatal(v);
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		/* qemu-tdx cannot rebuild a guest: a reset is a shutdown, as -no-reboot. */
		machine_shutdown(v->m, 0, true, run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
				 "guest-reset" : "guest-shutdown");
		return false;
	default:
		fprintf(stderr, "qemu-tdx: vCPU %u: system event %u\n", v->index, run->system_event.type);
		machine_request_stop(v->m, 1);
		return false;
	}
}

/* false: this vCPU is done. */
static bool handle_exit(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	char msg[160];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_MMIO:
		return handle_mmio(v);
	case KVM_EXIT_HLT:
		halt(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: the guest is gone; -no-reboot semantics. */
		machine_shutdown(v->m, 0, true, "guest-reset");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(v);
	case KVM_EXIT_HYPERCALL:
		if (v->m->td)
			return tdx_handle_hypercall(v);
		break;
	case KVM_EXIT_TDX:
		if (v->m->td)
			return tdx_handle_tdx_exit(v);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(msg, sizeof(msg), "KVM internal error. Suberror: %u, data 0x%llx 0x%llx",
			 run->internal.suberror,
			 run->internal.ndata > 0 ? (unsigned long long)run->internal.data[0] : 0ULL,
			 run->internal.ndata > 1 ? (unsigned long long)run->internal.data[1] : 0ULL);
		stop_with(v, msg);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(msg, sizeof(msg), "KVM: entry failed, hardware error 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		stop_with(v, msg);
		return false;
	default:
		break;
	}
	snprintf(msg, sizeof(msg), "unhandled KVM exit %u", run->exit_reason);
	stop_with(v, msg);
	return false;
}

void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct machine *m = v->m;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (enter_run(m)) {
		long ret = m->td ? kvm_tdx_vcpu_ioctl(v->td, KVM_RUN, NULL) : kvm_plain_run(v);

		leave_run(m);

		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (m->td && ret == -EFAULT && v->run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
			if (!tdx_handle_memory_fault(v))
				break;
			continue;
		}
		if (ret) {
			char msg[96];

			snprintf(msg, sizeof(msg), "KVM_RUN failed: %s", strerror((int)-ret));
			stop_with(v, msg);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

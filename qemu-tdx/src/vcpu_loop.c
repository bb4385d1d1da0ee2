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
#define SLICE_NS	(2 * 1000 * 1000)

static bool sliced(const struct machine *m)
{
	return m->td && m->nr_vcpus > 1;
}

/* Wait for this vCPU's turn at KVM_RUN; false when the machine stops first. */
static bool slice_acquire(struct vmm_vcpu *v)
{
	struct machine *m = v->m;
	uint64_t ticket;
	bool ok;

	if (!sliced(m))
		return !machine_stopping(m);
	pthread_mutex_lock(&m->lock);
	ticket = m->slice_next++;
	while (ticket != m->slice_serving && !m->stopping)
		pthread_cond_wait(&m->cond, &m->lock);
	ok = !m->stopping;
	if (ok)
		m->slice_holder = (int)v->index;
	else if (ticket == m->slice_serving)
		m->slice_serving++;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static void slice_release(struct vmm_vcpu *v)
{
	struct machine *m = v->m;

	if (!sliced(m))
		return;
	pthread_mutex_lock(&m->lock);
	m->slice_holder = -1;
	m->slice_serving++;
	pthread_cond_broadcast(&m->cond);
	/* A slice the ticker ended: KVM_RUN must not stay refused. */
	if (!m->stopping)
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&m->lock);
}

/* Every SLICE_NS, end the running vCPU's slice when another one waits. */
void *vcpu_slice_ticker(void *arg)
{
	struct machine *m = arg;
	struct timespec ts = { 0, SLICE_NS };

	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&m->lock);
		if (m->stopping) {
			pthread_mutex_unlock(&m->lock);
			return NULL;
		}
		if (m->slice_holder >= 0 && m->slice_next > m->slice_serving + 1) {
			struct vmm_vcpu *h = &m->vcpu[m->slice_holder];

			__atomic_store_n(&h->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
			kvm_tdx_vcpu_kick(h->td);
		}
		pthread_mutex_unlock(&m->lock);
	}
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
 * A TD vCPU halted: nothing here delivers interrupts yet, so wake it after
 * a short sleep (a spurious wake-up, which HLT loops must tolerate) or
 * when the machine stops.
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
		machine_request_stop(v->m, 0);
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
		machine_request_stop(v->m, 0);
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
	while (slice_acquire(v)) {
		long ret = m->td ? kvm_tdx_vcpu_ioctl(v->td, KVM_RUN, NULL) : kvm_plain_run(v);

		slice_release(v);

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

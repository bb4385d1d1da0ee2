/*
 * The TDVMCALLs KVM hands to user space (reference host-stack.md 1.4,
 * 3.5): MapGPA (KVM_EXIT_HYPERCALL) and implicit conversions
 * (KVM_EXIT_MEMORY_FAULT), GetQuote, SetupEventNotifyInterrupt and
 * GetTdVmCallInfo (KVM_EXIT_TDX), ReportFatalError (KVM_EXIT_SYSTEM_EVENT
 * TDX_FATAL).  Everything read from the guest is checked first.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_report.h>
#include <tdx/tdx_tdcall.h>

#include "machine.h"
#include "qgs_client.h"
#include "qmp.h"

#define KVM_ENOSYS			1000
#define GET_QUOTE_MAX_SIZE		(128ULL << 10)	/* QEMU's bound on the shared buffer */
#define GET_QUOTE_HDR_SIZE		24
#define GET_QUOTE_STRUCT_VERSION	1
#define GET_QUOTE_IN_FLIGHT		0xFFFFFFFFFFFFFFFFULL
#define GET_QUOTE_ERROR			0x8000000000000000ULL
#define GET_QUOTE_QGS_UNAVAILABLE	0x8000000000000001ULL
#define TDVMCALLINFO_SETUP_EVENT_NOTIFY	(1ULL << 1)
#define FATAL_GPA_VALID			(1ULL << 63)
#define FATAL_MESSAGE_MAX		64

/* The GHCI GetQuote buffer header in shared memory. */
struct get_quote_hdr {
	uint64_t structure_version;
	uint64_t error_code;
	uint32_t in_len;
	uint32_t out_len;
} __attribute__((packed));
_Static_assert(sizeof(struct get_quote_hdr) == GET_QUOTE_HDR_SIZE, "GetQuote header");

/* x86 GPR encoding order, as KVM fills system_event.data[]. */
enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };

bool tdx_handle_hypercall(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t gpa = run->hypercall.args[0], npages = run->hypercall.args[1];
	uint64_t attrs = run->hypercall.args[2];
	int ret;

	if (run->hypercall.nr != KVM_HC_MAP_GPA_RANGE) {
		run->hypercall.ret = (uint64_t)-KVM_ENOSYS;
		return true;
	}
	if (!npages || npages > (UINT64_MAX >> 12) || gpa + (npages << 12) < gpa) {
		run->hypercall.ret = (uint64_t)-EINVAL;
		return true;
	}
	ret = machine_convert(v->m, gpa, npages << 12, attrs & KVM_MAP_GPA_RANGE_ENCRYPTED);
	/* Non-zero becomes TDVMCALL_STATUS_INVALID_OPERAND for the guest. */
	run->hypercall.ret = ret ? (uint64_t)-ret : 0;
	return true;
}

bool tdx_handle_memory_fault(struct vmm_vcpu *v)
{
	struct kvm_memory_fault_exit *mf = kvm_tdx_run_memory_fault(v->run);
	bool to_private = mf->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE;
	int ret = machine_convert(v->m, mf->gpa, mf->size, to_private);

	if (ret) {
		fprintf(stderr, "qemu-tdx: vCPU %u: access to %s GPA 0x%llx (0x%llx bytes) outside convertible RAM: %s\n",
			v->index, to_private ? "private" : "shared", (unsigned long long)mf->gpa,
			(unsigned long long)mf->size, strerror(-ret));
		machine_request_stop(v->m, 1);
		return false;
	}
	return true;
}

struct quote_job {
	struct machine *m;
	uint64_t gpa;		/* the shared buffer, shared bit set */
	uint64_t size;
	uint8_t report[TDX_REPORT_SIZE];
};

/*
 * The vector SetupEventNotifyInterrupt registered, as a fixed MSI to the
 * APIC of the vCPU that registered it (vCPU index = x2APIC id).
 */
static void notify(struct machine *m)
{
	struct kvm_msi msi = { 0 };
	uint64_t vector;
	unsigned int apic;
	long ret;

	pthread_mutex_lock(&m->lock);
	vector = m->notify_vector;
	apic = m->notify_vcpu;
	pthread_mutex_unlock(&m->lock);
	if (!vector)
		return;
	msi.address_lo = 0xFEE00000u | (apic & 0xFF) << 12;
	msi.address_hi = apic & ~0xFFu;
	msi.data = (uint32_t)vector;
	ret = kvm_tdx_vm_ioctl(m->vm, KVM_SIGNAL_MSI, &msi);
	if (ret < 0)
		fprintf(stderr, "qemu-tdx: GetQuote: notification vector %llu not delivered: %s\n",
			(unsigned long long)vector, strerror((int)-ret));
}

/* Write the outcome into the guest's buffer, if it is still shared. */
static void quote_complete(struct quote_job *j, const void *quote, uint32_t len, uint64_t status)
{
	char why[160];
	uint8_t *buf;

	pthread_mutex_lock(&j->m->mem_lock);
	buf = machine_guest_mem(j->m, j->gpa, j->size, why, sizeof(why));
	if (buf) {
		struct get_quote_hdr *hdr = (struct get_quote_hdr *)(void *)buf;

		if (len)
			memcpy(buf + GET_QUOTE_HDR_SIZE, quote, len);
		__atomic_store_n(&hdr->out_len, len, __ATOMIC_RELAXED);
		/* The status last: the guest polls it. */
		__atomic_store_n(&hdr->error_code, status, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&j->m->mem_lock);
	if (buf)
		notify(j->m);
}

/* One GetQuote, off the vCPU thread, as QEMU's asynchronous quote generator. */
static void *quote_worker(void *arg)
{
	struct quote_job *j = arg;
	struct machine *m = j->m;
	size_t cap = j->size - GET_QUOTE_HDR_SIZE, len = 0;
	uint8_t *quote = malloc(cap);
	char err[200];
	int ret = quote ? qgs_get_quote(m->opts->qgs_socket, j->report, sizeof(j->report), quote,
					cap, &len, err, sizeof(err)) : -ENOMEM;

	if (!ret && len <= cap && len <= UINT32_MAX) {
		quote_complete(j, quote, (uint32_t)len, 0);
	} else {
		if (ret)
			fprintf(stderr, "qemu-tdx: GetQuote: %s\n", quote ? err : "out of memory");
		quote_complete(j, NULL, 0, ret == -ECONNREFUSED || ret == -ENOENT ?
				       GET_QUOTE_QGS_UNAVAILABLE : GET_QUOTE_ERROR);
	}
	free(quote);
	free(j);
	pthread_mutex_lock(&m->lock);
	m->quotes_in_flight--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static void get_quote(struct vmm_vcpu *v, struct kvm_tdx_exit *t)
{
	struct machine *m = v->m;
	uint64_t gpa = t->get_quote.gpa | m->shared_bit, size = t->get_quote.size;
	struct get_quote_hdr hdr, *shared;
	struct quote_job *j;
	pthread_attr_t attr;
	pthread_t th;
	char why[160];
	bool busy;

	/* KVM cleared the shared bit; the buffer is shared memory. */
	if (t->get_quote.gpa % MACHINE_PAGE || size % MACHINE_PAGE || !size ||
	    size > GET_QUOTE_MAX_SIZE) {
		t->get_quote.ret = TDVMCALL_STATUS_INVALID_OPERAND;
		return;
	}
	shared = machine_guest_mem(m, gpa, size, why, sizeof(why));
	if (!shared) {
		t->get_quote.ret = TDVMCALL_STATUS_INVALID_OPERAND;
		return;
	}
	memcpy(&hdr, shared, sizeof(hdr));
	if (hdr.structure_version != GET_QUOTE_STRUCT_VERSION || hdr.in_len != TDX_REPORT_SIZE ||
	    hdr.in_len > size - GET_QUOTE_HDR_SIZE) {
		t->get_quote.ret = TDVMCALL_STATUS_INVALID_OPERAND;
		return;
	}
	t->get_quote.ret = TDVMCALL_STATUS_SUCCESS;
	/* Without quote-generation-socket, as QEMU: done at once, QGS unavailable. */
	if (!m->opts->qgs_socket[0]) {
		__atomic_store_n(&shared->out_len, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&shared->error_code, GET_QUOTE_QGS_UNAVAILABLE, __ATOMIC_RELEASE);
		return;
	}
	pthread_mutex_lock(&m->lock);
	busy = m->quotes_in_flight >= MACHINE_MAX_INFLIGHT_QUOTES || m->stopping;
	if (!busy)
		m->quotes_in_flight++;
	pthread_mutex_unlock(&m->lock);
	if (busy) {
		t->get_quote.ret = TDVMCALL_STATUS_RETRY;
		return;
	}
	j = malloc(sizeof(*j));
	if (j) {
		j->m = m;
		j->gpa = gpa;
		j->size = size;
		/* The report is copied now: the guest may reuse the buffer meanwhile. */
		memcpy(j->report, (uint8_t *)shared + GET_QUOTE_HDR_SIZE, sizeof(j->report));
		__atomic_store_n(&shared->out_len, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&shared->error_code, GET_QUOTE_IN_FLIGHT, __ATOMIC_RELEASE);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (!pthread_create(&th, &attr, quote_worker, j)) {
			pthread_attr_destroy(&attr);
			return;
		}
		pthread_attr_destroy(&attr);
		free(j);
	}
	__atomic_store_n(&shared->error_code, GET_QUOTE_ERROR, __ATOMIC_RELEASE);
	pthread_mutex_lock(&m->lock);
	m->quotes_in_flight--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

bool tdx_handle_tdx_exit(struct vmm_vcpu *v)
{
	struct machine *m = v->m;
	struct kvm_tdx_exit *t = kvm_tdx_run_tdx(v->run);

	switch (t->nr) {
	case TDVMCALL_GET_QUOTE:
		get_quote(v, t);
		break;
	case TDVMCALL_SETUP_EVENT_NOTIFY:
		if (t->setup_event_notify.vector < 32 || t->setup_event_notify.vector > 255) {
			t->setup_event_notify.ret = TDVMCALL_STATUS_INVALID_OPERAND;
			break;
		}
		pthread_mutex_lock(&m->lock);
		m->notify_vector = t->setup_event_notify.vector;
		m->notify_vcpu = v->index;
		pthread_mutex_unlock(&m->lock);
		t->setup_event_notify.ret = TDVMCALL_STATUS_SUCCESS;
		break;
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		if (t->get_tdvmcall_info.leaf != 1) {
			t->get_tdvmcall_info.ret = TDVMCALL_STATUS_INVALID_OPERAND;
			break;
		}
		/* What qemu-tdx completes, if KVM forwards it; GetQuote is implied. */
		t->get_tdvmcall_info.r11 = m->user_tdvmcallinfo_r11 & TDVMCALLINFO_SETUP_EVENT_NOTIFY;
		t->get_tdvmcall_info.r12 = 0;
		t->get_tdvmcall_info.r13 = 0;
		t->get_tdvmcall_info.r14 = 0;
		t->get_tdvmcall_info.ret = TDVMCALL_STATUS_SUCCESS;
		break;
	default:
		/* KVM preset SUBFUNC_UNSUPPORTED: leave it. */
		break;
	}
	return true;
}

int tdx_fatal_message(const uint64_t gprs[16], char *msg, size_t cap, uint64_t *error_code,
		      bool *gpa_valid, uint64_t *gpa)
{
	static const int order[] = { R_R14, R_R15, R_RBX, R_RDI, R_RSI, R_R8, R_R9, R_RDX };
	uint64_t mask = gprs[R_RCX];
	char raw[FATAL_MESSAGE_MAX + 1] = { 0 };
	size_t n = 0, out = 0;

	*error_code = gprs[R_R12];
	*gpa_valid = *error_code & FATAL_GPA_VALID;
	*gpa = *gpa_valid ? gprs[R_R13] : 0;
	if (cap)
		msg[0] = '\0';
	/* GHCI: bits 15:0 of the error code are reserved (0) in the valid format. */
	if (*error_code & 0xFFFF)
		return -1;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (mask & (1ULL << order[i])) {
			memcpy(raw + n, &gprs[order[i]], 8);
			n += 8;
		}
	}
	/* Up to the first NUL; anything unprintable is shown as '?'. */
	for (size_t i = 0; i < n && raw[i] && out + 1 < cap; i++)
		msg[out++] = (raw[i] >= 0x20 && raw[i] < 0x7F) ? raw[i] : '?';
	if (cap)
		msg[out] = '\0';
	return 0;
}

bool tdx_handle_fatal(struct vmm_vcpu *v)
{
	char msg[FATAL_MESSAGE_MAX + 1];
	uint64_t code, gpa, gprs[16];
	bool has_gpa;


	memcpy(gprs, v->run->system_event.data, sizeof(gprs));
	if (tdx_fatal_message(gprs, msg, sizeof(msg), &code, &has_gpa, &gpa)) {
		fprintf(stderr, "qemu-tdx: TD reported a fatal error with an invalid error code 0x%016" PRIx64 "\n",
			code);
	} else {
		fprintf(stderr, "qemu-tdx: TD reported a fatal error: %s\n", msg);
		if (has_gpa)
			fprintf(stderr, "qemu-tdx: error code 0x%016" PRIx64 ", GPA 0x%" PRIx64 "\n", code, gpa);
		else
			fprintf(stderr, "qemu-tdx: error code 0x%016" PRIx64 "\n", code);
	}
	if (v->m->qmp && !machine_stopping(v->m)) {
		struct qmp_tdx_panic p = { .error_code = (uint32_t)code, .has_gpa = has_gpa,
					   .gpa = gpa };

		snprintf(p.message, sizeof(p.message), "%s", msg);
		qmp_server_event_guest_panicked(v->m->qmp, "poweroff", &p);
	}
	machine_shutdown(v->m, 1, true, "guest-panic");
	return false;
}

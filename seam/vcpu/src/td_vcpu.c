/*
 * KVM vCPUs for TD vCPUs: state in VMCS terms to and from KVM's, the run
 * loop and its exit decoding (td_vcpu.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <tdx/tdx_types.h>

#include "td_vcpu_internal.h"

#define CR4_VMXE	(1ULL << 13)
#define MSR_IA32_PAT	0x277
#define MSR_PERF_GLOBAL_CTRL 0x38F
#define MSR_SFMASK	0xC0000084
#define KICK_SIGNAL	(SIGRTMIN + 7)
#define HALT_PROBE_SIGNAL (SIGRTMIN + 8)
#define HALT_PROBE_NS	1000000L	/* how long a HLT may sleep before it is a #VE */
#define MAX_CPUID	256
#define X86_OPCODE_HLT	0xF4

static const uint8_t tdcall_bytes[4] = { 0x66, 0x0F, 0x01, 0xCC };

static void probe_handler(int sig);

static void kick_handler(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return EINTR */
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_install(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	/* SA_RESTART: a tick between runs must not fail the thread's other calls. */
	struct sigaction probe = { .sa_handler = probe_handler, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigemptyset(&probe.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	sigaction(HALT_PROBE_SIGNAL, &probe, NULL);
}

/* The TD's CPUID: KVM's supported list, the TD's values over it, and leaf 0x21. */
static int set_cpuid(struct td_vcpu *v, const struct td_vcpu_cpuid *td, unsigned int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_CPUID * sizeof(c->entries[0]));
	int ret;

	if (!c)
		return -ENOMEM;
	c->nent = MAX_CPUID;
	if (ioctl(v->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		ret = -errno;
		goto out;
	}
	for (unsigned int i = 0; i <= n; i++) {
		/* The last round adds TDX's identification leaf: "IntelTDX    ". */
		struct td_vcpu_cpuid tdx = { .leaf = 0x21, .ebx = 0x65746E49, .edx = 0x5844546C,
					     .ecx = 0x20202020, .subleaf_significant = true };
		const struct td_vcpu_cpuid *t = i < n ? &td[i] : &tdx;
		struct kvm_cpuid_entry2 *e = NULL;

		for (unsigned int j = 0; j < c->nent; j++)
			if (c->entries[j].function == t->leaf &&
			    (!t->subleaf_significant || c->entries[j].index == t->subleaf))
				e = &c->entries[j];
		if (!e) {
			if (c->nent == MAX_CPUID) {
				ret = -E2BIG;
				goto out;
			}
			e = &c->entries[c->nent++];
			memset(e, 0, sizeof(*e));
			e->function = t->leaf;
			e->index = t->subleaf;
			e->flags = t->subleaf_significant ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		}
		e->eax = t->eax;
		e->ebx = t->ebx;
		e->ecx = t->ecx;
		e->edx = t->edx;
	}
	ret = ioctl(v->fd, KVM_SET_CPUID2, c) ? -errno : 0;
out:
	free(c);
	return ret;
}

int td_vcpu_create(struct td_vm *vm, unsigned int index, const struct td_vcpu_cpuid *cpuid,
		   unsigned int n, struct td_vcpu **out)
{
	struct td_vcpu *v = calloc(1, sizeof(*v));
	int ret;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	pthread_once(&kick_once, kick_install);
	v->vm = vm;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		ret = -errno;
		free(v);
		return ret;
	}
	v->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		close(v->fd);
		free(v);
		return ret;
	}
	ret = set_cpuid(v, cpuid, n);
	if (!ret && ioctl(v->fd, KVM_SET_MP_STATE, &(struct kvm_mp_state){ KVM_MP_STATE_RUNNABLE }))
		ret = -errno;	/* every TD vCPU starts running: no INIT/SIPI */
	if (ret) {
		td_vcpu_destroy(v);
		return ret;
	}
	v->sync = (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
		   (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) ==
		  (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
	*out = v;
	return 0;
}

void td_vcpu_destroy(struct td_vcpu *v)
{
	if (!v)
		return;
	munmap(v->run, (size_t)v->vm->run_size);
	close(v->fd);
	free(v);
}

static void seg_to_kvm(const struct td_vcpu_segment *s, struct kvm_segment *k)
{
	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->selector;
	k->type = s->ar & 0xF;
	k->s = (s->ar >> 4) & 1;
	k->dpl = (s->ar >> 5) & 3;
	k->present = (s->ar >> 7) & 1;
	k->avl = (s->ar >> 12) & 1;
	k->l = (s->ar >> 13) & 1;
	k->db = (s->ar >> 14) & 1;
	k->g = (s->ar >> 15) & 1;
	k->unusable = (s->ar >> 16) & 1;
}

static void seg_from_kvm(const struct kvm_segment *k, struct td_vcpu_segment *s)
{
	s->base = k->base;
	s->limit = k->limit;
	s->selector = k->selector;
	s->ar = k->type | (uint32_t)k->s << 4 | (uint32_t)k->dpl << 5 |
		(uint32_t)k->present << 7 | (uint32_t)k->avl << 12 | (uint32_t)k->l << 13 |
		(uint32_t)k->db << 14 | (uint32_t)k->g << 15 | (uint32_t)k->unusable << 16;
}

static void gprs_to_kvm(const uint64_t g[TD_VCPU_NR_GPRS], uint64_t rip, uint64_t rflags,
			struct kvm_regs *k)
{
	k->rax = g[0]; k->rcx = g[1]; k->rdx = g[2]; k->rbx = g[3];
	k->rsp = g[4]; k->rbp = g[5]; k->rsi = g[6]; k->rdi = g[7];
	k->r8 = g[8]; k->r9 = g[9]; k->r10 = g[10]; k->r11 = g[11];
	k->r12 = g[12]; k->r13 = g[13]; k->r14 = g[14]; k->r15 = g[15];
	k->rip = rip;
	k->rflags = rflags;
}

static void gprs_from_kvm(const struct kvm_regs *k, uint64_t g[TD_VCPU_NR_GPRS])
{
	g[0] = k->rax; g[1] = k->rcx; g[2] = k->rdx; g[3] = k->rbx;
	g[4] = k->rsp; g[5] = k->rbp; g[6] = k->rsi; g[7] = k->rdi;
	g[8] = k->r8; g[9] = k->r9; g[10] = k->r10; g[11] = k->r11;
	g[12] = k->r12; g[13] = k->r13; g[14] = k->r14; g[15] = k->r15;
}

int td_vcpu_set_regs(struct td_vcpu *v, const struct td_vcpu_regs *r)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} msrs = { .h.nmsrs = 3,
		   .e = { { .index = MSR_IA32_PAT, .data = r->pat },
			  { .index = MSR_SFMASK, .data = r->fmask },
			  { .index = MSR_PERF_GLOBAL_CTRL, .data = r->perf_global_ctrl } } };
	struct kvm_debugregs dr = { .dr6 = r->dr6, .dr7 = r->dr7 };
	struct kvm_sregs s;
	struct kvm_regs k;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return -errno;
	seg_to_kvm(&r->cs, &s.cs);
	seg_to_kvm(&r->ds, &s.ds);
	seg_to_kvm(&r->es, &s.es);
	seg_to_kvm(&r->fs, &s.fs);
	seg_to_kvm(&r->gs, &s.gs);
	seg_to_kvm(&r->ss, &s.ss);
	seg_to_kvm(&r->ldtr, &s.ldt);
	seg_to_kvm(&r->tr, &s.tr);
	s.gdt.base = r->gdtr_base;
	s.gdt.limit = (uint16_t)r->gdtr_limit;
	s.idt.base = r->idtr_base;
	s.idt.limit = (uint16_t)r->idtr_limit;
	s.cr0 = r->cr0;
	s.cr2 = r->cr2;
	s.cr3 = r->cr3;
	/* KVM owns VMX: the guest runs with what it reads (VMXE stays the module's). */
	s.cr4 = r->cr4 & ~CR4_VMXE;
	s.efer = r->efer;
	s.apic_base = 0xFEE00000ULL | (1ULL << 11) | (1ULL << 10);	/* enabled, x2APIC */
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	if (ioctl(v->fd, KVM_SET_SREGS, &s))
		return -errno;
	memset(&k, 0, sizeof(k));
	gprs_to_kvm(r->gpr, r->rip, r->rflags, &k);
	if (ioctl(v->fd, KVM_SET_REGS, &k))
		return -errno;
	/* PERF_GLOBAL_CTRL exists only with a PMU: PAT and SFMASK must take. */
	if (ioctl(v->fd, KVM_SET_MSRS, &msrs) < 2)
		return -EIO;
	if (ioctl(v->fd, KVM_SET_DEBUGREGS, &dr))
		return -errno;
	v->synced = false;
	return 0;
}

int td_vcpu_get_regs(struct td_vcpu *v, struct td_vcpu_regs *r)
{
	struct kvm_sregs s;
	struct kvm_regs k;

	if (v->synced) {
		s = v->run->s.regs.sregs;
		k = v->run->s.regs.regs;
	} else if (ioctl(v->fd, KVM_GET_SREGS, &s) || ioctl(v->fd, KVM_GET_REGS, &k)) {
		return -errno;
	}
	gprs_from_kvm(&k, r->gpr);
	r->rip = k.rip;
	r->rflags = k.rflags;
	seg_from_kvm(&s.cs, &r->cs);
	seg_from_kvm(&s.ds, &r->ds);
	seg_from_kvm(&s.es, &r->es);
	seg_from_kvm(&s.fs, &r->fs);
	seg_from_kvm(&s.gs, &r->gs);
	seg_from_kvm(&s.ss, &r->ss);
	seg_from_kvm(&s.ldt, &r->ldtr);
	seg_from_kvm(&s.tr, &r->tr);
	r->gdtr_base = s.gdt.base;
	r->gdtr_limit = s.gdt.limit;
	r->idtr_base = s.idt.base;
	r->idtr_limit = s.idt.limit;
	r->cr0 = s.cr0;
	r->cr2 = s.cr2;
	r->cr3 = s.cr3;
	r->cr4 = s.cr4 | CR4_VMXE;
	r->cr4_read_shadow = s.cr4;
	r->efer = s.efer;
	return 0;
}

int td_vcpu_set_gprs(struct td_vcpu *v, const uint64_t gpr[TD_VCPU_NR_GPRS], uint64_t rip)
{
	struct kvm_regs k;

	if (v->synced) {
		/* The next KVM_RUN loads them (and clears the dirty bit). */
		k = v->run->s.regs.regs;
		gprs_to_kvm(gpr, rip, k.rflags, &v->run->s.regs.regs);
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &k))
		return -errno;
	gprs_to_kvm(gpr, rip, k.rflags, &k);
	return ioctl(v->fd, KVM_SET_REGS, &k) ? -errno : 0;
}

int td_vcpu_get_gprs(struct td_vcpu *v, uint64_t gpr[TD_VCPU_NR_GPRS], uint64_t *rip)
{
	struct kvm_regs k;

	if (v->synced)
		k = v->run->s.regs.regs;
	else if (ioctl(v->fd, KVM_GET_REGS, &k))
		return -errno;
	gprs_from_kvm(&k, gpr);
	*rip = k.rip;
	return 0;
}

/*
 * Let KVM finish the exit it reported (an I/O or MMIO completion) without
 * running guest code: KVM_RUN with immediate_exit returns EINTR right
 * after completing it.  Returns the RIP KVM left behind.
 */
static int complete_pending(struct td_vcpu *v, uint64_t *rip)
{
	struct kvm_regs k;

	v->run->immediate_exit = 1;
	v->run->kvm_valid_regs = v->sync ? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS : 0;
	if (ioctl(v->fd, KVM_RUN, 0) == 0 || errno != EINTR) {
		v->run->immediate_exit = 0;
		v->synced = false;
		return -EIO;
	}
	v->run->immediate_exit = 0;
	v->synced = v->sync;
	if (ioctl(v->fd, KVM_GET_REGS, &k))
		return -errno;
	*rip = k.rip;
	return 0;
}

/* The host address of guest-physical @gpa in a private window, or NULL. */
static void *gpa_hva(struct td_vm *vm, uint64_t gpa)
{
	void *hva = NULL;

	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_windows; i++)
		if (gpa - vm->window[i].gpa < TD_VM_WINDOW)
			hva = vm->window[i].hva + (gpa - vm->window[i].gpa);
	pthread_mutex_unlock(&vm->lock);
	return hva;
}

/*
 * Read guest memory at linear @gva through the guest's page tables.
 * process_vm_readv() turns an unmapped (PROT_NONE) page into an error
 * instead of a fault.
 */
int td_vcpu_read_gva(struct td_vcpu *v, uint64_t gva, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		struct kvm_translation tr = { .linear_address = gva };
		size_t n = 4096 - (gva & 4095);
		struct iovec local, remote;
		void *hva;

		n = n < len ? n : len;
		if (ioctl(v->fd, KVM_TRANSLATE, &tr) || !tr.valid)
			return -EFAULT;
		hva = gpa_hva(v->vm, tr.physical_address);
		local = (struct iovec){ out, n };
		remote = (struct iovec){ hva, n };
		if (!hva || process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)n)
			return -EFAULT;
		gva += n;
		out += n;
		len -= n;
	}
	return 0;
}

/*
 * The length of the IN/OUT that ends at @rip: E4-E7 ib (2 bytes) or
 * EC-EF (1 byte), after an optional 66 operand-size prefix.  0 when the
 * bytes are not one of those.
 */
static uint32_t io_insn_len_before(struct td_vcpu *v, uint64_t rip, const struct td_vcpu_exit *e)
{
	uint8_t b[3];
	uint8_t op_imm = e->io.in ? 0xE4 : 0xE6, op_dx = e->io.in ? 0xEC : 0xEE;
	uint32_t len;

	if (rip < 3 || td_vcpu_read_gva(v, rip - 3, b, sizeof(b)))
		return 0;
	if (e->io.port < 256 && (b[1] & ~1) == op_imm && b[2] == e->io.port)
		len = 2;
	else if ((b[2] & ~1) == op_dx)
		len = 1;
	else
		return 0;
	return b[3 - len - 1] == 0x66 ? len + 1 : len;
}

/*
 * Undo an instruction KVM has started to emulate: complete it, then put
 * back the registers of the exit (RIP at the instruction).  Sets the
 * instruction's length.
 */
static int rewind_insn(struct td_vcpu *v, struct td_vcpu_exit *e)
{
	struct kvm_regs at_exit;
	uint64_t after;
	int ret;

	if (ioctl(v->fd, KVM_GET_REGS, &at_exit))
		return -errno;
	ret = complete_pending(v, &after);
	if (ret)
		return ret;
	if (after > at_exit.rip && after - at_exit.rip <= 15) {
		e->insn_len = (uint32_t)(after - at_exit.rip);
	} else if (after == at_exit.rip && e->reason == TD_VCPU_EXIT_IO) {
		/* KVM stepped over the I/O instruction before exiting: find its start. */
		e->insn_len = io_insn_len_before(v, at_exit.rip, e);
		at_exit.rip -= e->insn_len;
	} else if (after == at_exit.rip && e->reason == TD_VCPU_EXIT_MMIO && e->mmio.write) {
		/* An MMIO write is done before the exit: step back onto the store. */
		e->insn_len = td_vcpu_store_insn_len(v, at_exit.rip, e->mmio.gpa, e->mmio.len);
		at_exit.rip -= e->insn_len;
	} else {
		e->insn_len = 0;	/* not known: VE_INFO says 0 */
	}
	v->synced = false;
	return ioctl(v->fd, KVM_SET_REGS, &at_exit) ? -errno : 0;
}

static void decode_io(const struct kvm_run *run, struct td_vcpu_exit *e)
{
	e->io.port = run->io.port;
	e->io.size = run->io.size;
	e->io.in = run->io.direction == KVM_EXIT_IO_IN;
	e->io.string = run->io.count > 1;
	e->io.rep = run->io.count > 1;
}

static bool is_tdcall(const struct kvm_run *run)
{
	return run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	       (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	       run->emulation_failure.insn_size >= 4 &&
	       !memcmp(run->emulation_failure.insn_bytes, tdcall_bytes, 4);
}

/*
 * An emulation failure with the instruction's bytes: this host's KVM
 * intercepts #UD and, failing to emulate the instruction, exits instead of
 * reflecting the #UD (MACHINE.md), as it does for TDCALL.  The guest gets
 * the #UD the CPU would raise.  (KVM also fails this way on an MMIO access
 * by an instruction it cannot emulate; in a TD that would be #VE or an EPT
 * violation, and the guest could not emulate such an access either.)  An
 * instruction KVM could not fetch stays an error.
 */
static bool is_undefined_insn(const struct kvm_run *run)
{
	return run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	       (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	       run->emulation_failure.insn_size > 0;
}

static int decode(struct td_vcpu *v, struct td_vcpu_exit *e)
{
	struct kvm_run *run = v->run;
	uint64_t rip;
	int ret = 0;

	switch (run->exit_reason) {
	case KVM_EXIT_INTERNAL_ERROR:
		if (is_tdcall(run) && v->vm->tdcall_ud) {
			/* Behave as a KVM that reflects #UD: the guest's handler forwards it. */
			e->reason = TD_VCPU_EXIT_NONE;
			return td_vcpu_inject(v, TD_VCPU_VECTOR_UD, false, 0);
		}
		if (is_tdcall(run)) {
			e->reason = TD_VCPU_EXIT_TDCALL;
			return 0;
		}
		if (is_undefined_insn(run)) {
			/* What the CPU does with it in a TD: #UD, for the guest to handle. */
			e->reason = TD_VCPU_EXIT_NONE;
			return td_vcpu_inject(v, TD_VCPU_VECTOR_UD, false, 0);
		}
		e->reason = TD_VCPU_EXIT_ERROR;
		e->error.kvm_reason = run->exit_reason;
		e->error.suberror = run->internal.suberror;
		return 0;
	case KVM_EXIT_IO:
		if (run->io.port == TD_VCPU_DOORBELL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.size == 1 && run->io.count == 1) {
			/* The OUT is done; the #UD handler adds 4 for the TDCALL itself. */
			e->reason = TD_VCPU_EXIT_DOORBELL;
			return complete_pending(v, &rip);
		}
		e->reason = TD_VCPU_EXIT_IO;
		decode_io(run, e);
		ret = rewind_insn(v, e);
		/* OUT imm8 / IN imm8 are 2 bytes (E4-E7), the DX forms 1 (EC-EF). */
		e->io.imm = e->insn_len >= 2;
		return ret;
	case KVM_EXIT_MMIO:
		e->reason = TD_VCPU_EXIT_MMIO;
		e->mmio.gpa = run->mmio.phys_addr;
		e->mmio.len = (uint8_t)run->mmio.len;
		e->mmio.write = run->mmio.is_write;
		return rewind_insn(v, e);
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		/* Filtered: the module says #VE or #GP.  KVM completes it harmlessly first. */
		e->reason = TD_VCPU_EXIT_MSR;
		e->msr.index = run->msr.index;
		e->msr.write = run->exit_reason == KVM_EXIT_X86_WRMSR;
		e->msr.data = e->msr.write ? run->msr.data : 0;
		run->msr.error = 0;
		run->msr.data = 0;
		return rewind_insn(v, e);
	case KVM_EXIT_SHUTDOWN:
		e->reason = TD_VCPU_EXIT_SHUTDOWN;
		return 0;
	case KVM_EXIT_INTR:
		e->reason = TD_VCPU_EXIT_INTR;
		return 0;
	default:
		e->reason = TD_VCPU_EXIT_ERROR;
		e->error.kvm_reason = run->exit_reason;
		return 0;
	}
}

/*
 * HLT.  With the in-kernel LAPIC, KVM halts the vCPU itself and never
 * exits for it, but in a TD HLT is a #VE.  So while a vCPU runs, a timer
 * of the running thread interrupts KVM_RUN every HALT_PROBE_NS; a vCPU
 * found halted (its RIP just past an F4) is made runnable again and
 * stepped back onto the HLT, and that is the HLT exit.  A halt an
 * interrupt ends sooner is just a halt.
 *
 * The timer is the thread's (made on first use, deleted when the thread
 * ends).  It stays armed between runs, so the TDCALL path pays no timer
 * system calls; a tick that finds the thread outside KVM_RUN disarms it.
 */
static __thread timer_t probe_timer;
static __thread bool probe_made;
static __thread volatile sig_atomic_t probe_armed, probe_in_run;
static pthread_key_t probe_key;
static pthread_once_t probe_key_once = PTHREAD_ONCE_INIT;

static void probe_thread_exit(void *arg)
{
	(void)arg;
	timer_delete(probe_timer);
}

static void probe_key_make(void)
{
	pthread_key_create(&probe_key, probe_thread_exit);
}

static void probe_handler(int sig)
{
	static const struct itimerspec off;

	(void)sig;
	/* Outside KVM_RUN nothing needs probing: stop until the next run. */
	if (!probe_in_run && probe_armed) {
		timer_settime(probe_timer, 0, &off, NULL);
		probe_armed = 0;
	}
}

static int halt_probe_start(void)
{
	struct itimerspec its = { .it_value.tv_nsec = HALT_PROBE_NS,
				  .it_interval.tv_nsec = HALT_PROBE_NS };

	if (!probe_made) {
		struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
					.sigev_signo = HALT_PROBE_SIGNAL };

		sev._sigev_un._tid = gettid();	/* sigev_notify_thread_id, which glibc 2.36 lacks */
		pthread_once(&probe_key_once, probe_key_make);
		if (timer_create(CLOCK_MONOTONIC, &sev, &probe_timer))
			return -errno;
		probe_made = true;
		pthread_setspecific(probe_key, &probe_timer);
	}
	probe_in_run = 1;
	if (probe_armed)
		return 0;
	probe_armed = 1;
	return timer_settime(probe_timer, 0, &its, NULL) ? -errno : 0;
}

/* After an interrupted KVM_RUN: was the guest halted?  Then it is an HLT exit. */
static int halt_check(struct td_vcpu *v, struct td_vcpu_exit *e)
{
	struct kvm_mp_state mp;
	struct kvm_regs k;
	uint8_t op;

	e->reason = TD_VCPU_EXIT_NONE;
	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp))
		return -errno;
	if (mp.mp_state != KVM_MP_STATE_HALTED)
		return 0;
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) || ioctl(v->fd, KVM_GET_REGS, &k))
		return -errno;
	/* KVM has stepped over the 1-byte HLT: step back onto it. */
	if (k.rip == 0 || td_vcpu_read_gva(v, k.rip - 1, &op, 1) || op != X86_OPCODE_HLT)
		return 0;
	k.rip -= 1;
	e->reason = TD_VCPU_EXIT_HLT;
	e->insn_len = 1;
	v->synced = false;
	return ioctl(v->fd, KVM_SET_REGS, &k) ? -errno : 0;
}

static int run_once(struct td_vcpu *v, struct td_vcpu_exit *e)
{
	int ret;

	memset(e, 0, sizeof(*e));
	atomic_store(&v->running, true);
	v->run->kvm_valid_regs = v->sync ? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS : 0;
	do {
		ret = ioctl(v->fd, KVM_RUN, 0);
	} while (ret < 0 && errno == EAGAIN);
	atomic_store(&v->running, false);
	/* KVM stored the registers on the way out, whatever the result. */
	v->synced = v->sync;
	if (ret == 0)
		return decode(v, e);
	if (errno != EINTR)
		return -errno;
	if (v->run->immediate_exit) {
		/* td_vcpu_kick(): host preemption. */
		v->run->immediate_exit = 0;
		e->reason = TD_VCPU_EXIT_INTR;
		return 0;
	}
	return halt_check(v, e);
}

int td_vcpu_run(struct td_vcpu *v, struct td_vcpu_exit *e)
{
	int ret;

	v->thread = pthread_self();
	ret = halt_probe_start();
	while (!ret) {
		ret = run_once(v, e);
		if (!ret && e->reason != TD_VCPU_EXIT_NONE)
			break;
	}
	probe_in_run = 0;
	return ret;
}

int td_vcpu_inject(struct td_vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev))
		return -errno;
	ev.exception.injected = 1;
	ev.exception.nr = vector;
	ev.exception.has_error_code = has_error;
	ev.exception.error_code = error;
	ev.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) ? -errno : 0;
}

void td_vcpu_kick(struct td_vcpu *v)
{
	v->run->immediate_exit = 1;
	if (atomic_load(&v->running))
		pthread_kill(v->thread, KICK_SIGNAL);
}

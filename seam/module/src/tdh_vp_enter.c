/*
 * TDH.VP.ENTER (reference tdx-abi.md 1.3, 1.4): run a TD vCPU on the vCPU
 * engine until something becomes a TD exit, handling TDCALLs, #VE and
 * lazy mappings on the way.
 *
 * Locking: the checks and the vCPU's move to ACTIVE happen under the TD
 * lock; the guest then runs with the lock dropped, so other vCPUs of the
 * TD run at the same time and host leaves on the TD proceed.  While it is
 * ACTIVE the vCPU is associated with this LP, so no other LP's VP leaf
 * touches it (TDX_VCPU_ASSOCIATED), and VP.FLUSH cannot run on this LP.
 * Each TDCALL, and the exit path, take the TD lock again, blocking: they
 * are short, and no holder of the TD lock ever waits for anything.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dram_backing.h"
#include "metadata.h"
#include "platform.h"
#include "pmem.h"
#include "posted_intr.h"
#include "sept.h"
#include "shared_ept.h"
#include "tdcall.h"
#include "td_msr.h"
#include "tdh_vp.h"

/* RCX: TDVPR PA in 51:12, bit 52 host-recoverability hint; bit 53 (L2) unsupported. */
#define VP_ENTER_RCX_TDVPR	TDX_GENMASK(51, 12)
#define VP_ENTER_RCX_HINT	TDX_BIT(52)
#define IO_QUAL_IN		TDX_BIT(3)
#define IO_QUAL_STRING		TDX_BIT(4)
#define IO_QUAL_REP		TDX_BIT(5)
#define IO_QUAL_IMM		TDX_BIT(6)
#define INTR_INFO_VALID		TDX_BIT(31)
#define INTR_TYPE_HW_EXCEPTION	(3U << 8)

/*
 * Which TD vCPU LP @lp runs, so that an interrupt for that LP can reach it.
 * Entering also does what the CPU does with posted interrupts that were
 * notified while the vCPU was out.
 */
static void running_set(struct tdx_module *mod, struct plat_lp *lp, struct vcpu *v)
{
	unsigned int i = lp_index(lp);

	if (i >= mod->nr_lps)
		return;
	pthread_mutex_lock(&mod->running_lock);
	mod->running[i] = v;
	if (v) {
		posted_intr_process(mod, v);
		/* A kick that came just before the entry still preempts it. */
		if (mod->kick_pending[i])
			td_vcpu_kick(v->engine);
	}
	mod->kick_pending[i] = false;
	pthread_mutex_unlock(&mod->running_lock);
}

/*
 * An interrupt for LP @i.  Its TD vCPU's notification vector is consumed
 * by posted-interrupt processing, without a TD exit; any other vector is
 * the host's, and the vCPU exits (external interrupt).
 */
static void lp_interrupt(void *ctx, unsigned int i, uint8_t vector)
{
	struct tdx_module *mod = ctx;
	struct vcpu *v;

	if (i >= mod->nr_lps)
		return;
	pthread_mutex_lock(&mod->running_lock);
	v = mod->running[i];
	if (v && (v->ctls.pinbased & VCPU_PINBASED_POSTED_INT) &&
	    vector == v->ctls.posted_int_nv)
		posted_intr_process(mod, v);
	else if (v)
		td_vcpu_kick(v->engine);
	else if (vector == PLATFORM_VECTOR_RESCHEDULE)
		mod->kick_pending[i] = true;
	pthread_mutex_unlock(&mod->running_lock);
}

void vp_enter_register(struct tdx_module *mod)
{
	platform_set_lp_interrupt_handler(mod->plat, lp_interrupt, mod);
}


/* The table of td_msr.c as MSR bitmaps for the engine. */
static int engine_msr_bitmaps(struct td *td)
{
	struct td_vm_msr_bitmaps *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < TD_MSR_RANGE_SIZE; i++) {
		uint8_t bit = (uint8_t)(1U << (i % 8));

		if (td_msr_action(td, TD_MSR_LOW_BASE + i, false) == TD_MSR_NATIVE)
			b->read_low[i / 8] |= bit;
		if (td_msr_action(td, TD_MSR_LOW_BASE + i, true) == TD_MSR_NATIVE)
			b->write_low[i / 8] |= bit;
		if (td_msr_action(td, TD_MSR_HIGH_BASE + i, false) == TD_MSR_NATIVE)
			b->read_high[i / 8] |= bit;
		if (td_msr_action(td, TD_MSR_HIGH_BASE + i, true) == TD_MSR_NATIVE)
			b->write_high[i / 8] |= bit;
	}
	ret = td_vm_set_msr_bitmaps(td->engine, b);
	free(b);
	return ret;
}

/* Make the TD's KVM VM and this vCPU's KVM vCPU on first use (TD lock held). */
static tdx_status_t engine_prepare(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				   struct vcpu *v)
{
	struct td_vcpu_cpuid cpuid[MODULE_NUM_CPUID_CONFIG];
	unsigned int n = 0;

	if (!td->engine) {
		if (td_vm_create(mod->plat, &td->engine))
			return TDX_SYS_BUSY;
		/* Everything MAPPED so far, and the host's shared memory, becomes visible. */
		if (engine_msr_bitmaps(td) ||
		    sept_engine_map(mod, lp, td, 0, td_shared_bit(td)) != TDX_SUCCESS ||
		    shared_ept_replay(td)) {
			td_vm_destroy(td->engine);
			td->engine = NULL;
			return TDX_SYS_BUSY;
		}
	}
	if (v->engine)
		return TDX_SUCCESS;
	/* The TD's configured CPUID values; KVM's answers for what was left 0. */
	for (unsigned int i = 0; i < MODULE_NUM_CPUID_CONFIG; i++) {
		const uint32_t *r = td->cpuid_values[i];
		uint32_t leaf, sub;

		if (!md_cpuid_config_leaf(i, &leaf, &sub) || !(r[0] | r[1] | r[2] | r[3]))
			continue;
		cpuid[n++] = (struct td_vcpu_cpuid){ .leaf = leaf, .subleaf = sub == ~0U ? 0 : sub,
						     .subleaf_significant = sub != ~0U,
						     .eax = r[0], .ebx = r[1], .ecx = r[2],
						     .edx = r[3] };
		/*
		 * The TD's physical-address width must cover its shared bit, or
		 * a page-table entry with the shared bit set would be reserved.
		 */
		if (leaf == 0x80000008 && (r[0] & 0xFF) < td_gpaw(td))
			cpuid[n - 1].eax = (r[0] & ~0xFFU) | td_gpaw(td);
	}
	if (td_vcpu_create(td->engine, v->index, cpuid, n, &v->engine))
		return TDX_SYS_BUSY;
	if (td_vcpu_set_regs(v->engine, &v->regs)) {
		td_vcpu_destroy(v->engine);
		v->engine = NULL;
		return TDX_SYS_BUSY;
	}
	return TDX_SUCCESS;
}

/* Deliver a #VE with this VE_INFO, or #DF if the last one is still unread. */
static int inject_ve(struct vcpu *v, uint32_t reason, uint64_t qual, uint64_t gpa,
		     uint32_t insn_len)
{
	if (v->ve_info.valid == VE_INFO_VALID)
		return td_vcpu_inject(v->engine, X86_VECTOR_DF, true, 0);
	/* VMX reports no instruction length for an EPT violation: VE_INFO says 0. */
	if (reason == EXIT_REASON_EPT_VIOLATION)
		insn_len = 0;
	v->ve_info = (struct vcpu_ve_info){ .exit_reason = reason, .valid = VE_INFO_VALID,
					    .exit_qualification = qual, .gpa = gpa,
					    .insn_len = insn_len };
	return td_vcpu_inject(v->engine, X86_VECTOR_VE, false, 0);
}

static uint64_t io_qualification(const struct td_vcpu_exit *e)
{
	return (uint64_t)(e->io.size - 1) | (e->io.in ? IO_QUAL_IN : 0) |
	       (e->io.string ? IO_QUAL_STRING : 0) | (e->io.rep ? IO_QUAL_REP : 0) |
	       (e->io.imm ? IO_QUAL_IMM : 0) | (uint64_t)e->io.port << 16;
}

/* Mode checks of reference 2.1: TDCALL is a 64-bit, CPL 0 instruction. */
static bool tdcall_allowed(const struct td_vcpu_regs *r)
{
	bool long_mode = (r->efer & TDX_BIT(10)) && (r->cs.ar & TDX_BIT(13));

	return long_mode && ((r->cs.ar >> 5) & 3) == 0;
}

enum loop_next { LOOP_RESUME, LOOP_EXIT };

static enum loop_next handle_tdcall(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				    struct vcpu *v, bool doorbell, struct td_exit_info *exit,
				    int *err)
{
	struct tdcall_ctx c = { .mod = mod, .lp = lp, .td = td, .v = v, .exit = exit };
	struct td_vcpu_regs r;
	enum tdcall_action a;
	uint64_t rip;

	*err = td_vcpu_get_regs(v->engine, &r);
	if (*err)
		return LOOP_EXIT;
	if (!tdcall_allowed(&r)) {
		*err = td_vcpu_inject(v->engine, X86_VECTOR_GP, true, 0);
		return LOOP_RESUME;
	}
	c.gpr = r.gpr;
	pthread_mutex_lock(&td->lock);
	a = tdcall_dispatch(&c);
	pthread_mutex_unlock(&td->lock);
	/*
	 * RIP: the TDCALL path steps over the 4 bytes; the doorbell path is
	 * already past the OUT and its #UD handler steps over the TDCALL, so a
	 * TDCALL that must run again re-executes the 2-byte OUT instead.
	 */
	rip = r.rip;
	switch (a) {
	case TDCALL_RESUME:
	case TDCALL_TD_EXIT:
		if (!doorbell)
			rip += TDCALL_INSN_LEN;
		*err = td_vcpu_set_gprs(v->engine, r.gpr, rip);
		return a == TDCALL_RESUME ? LOOP_RESUME : LOOP_EXIT;
	case TDCALL_EXIT_RETRY:
		if (doorbell)
			*err = td_vcpu_set_gprs(v->engine, r.gpr, rip - 2);
		return LOOP_EXIT;
	case TDCALL_INJECT_GP:
		*err = td_vcpu_inject(v->engine, X86_VECTOR_GP, true, 0);
		return LOOP_RESUME;
	}
	return LOOP_EXIT;
}

/* The guest touched an unmapped GPA. */
static enum loop_next handle_mmio(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				  struct vcpu *v, const struct td_vcpu_exit *e,
				  struct td_exit_info *exit, int *err)
{
	uint64_t gpa = e->mmio.gpa, qual = e->mmio.write ? EPT_QUAL_WRITE : EPT_QUAL_READ;
	enum loop_next next = LOOP_EXIT;
	struct sept_ref ref;
	tdx_status_t st;

	/* Shared and not backed by the host: the TD emulates it through #VE. */
	if (gpa & td_shared_bit(td)) {
		*err = inject_ve(v, EXIT_REASON_EPT_VIOLATION, qual, gpa, e->insn_len);
		return LOOP_RESUME;
	}
	pthread_mutex_lock(&td->lock);
	st = sept_walk_leaf(mod, lp, td, gpa, &ref);
	if (st == TDX_SUCCESS && ref.blocked_above) {
		/* Under a blocked table: the host unblocks it, then enters again. */
		td_exit_ept_violation(exit, gpa, qual, TDX_EEQ_NONE);
	} else if (st == TDX_SUCCESS && sept_state(ref.entry) == SEPT_MAPPED) {
		uint64_t size = sept_level_size(ref.level), base = gpa & ~(size - 1);
		uint64_t page = (ref.entry & SEPT_PA_MASK) + ((gpa & ~0xFFFULL) - base);

		/*
		 * A MAPPED page the engine does not map: a demoted leaf (map it
		 * again), or a page a host write poisoned (td_vm_unmap_hpa()).
		 * Poison is judged per 4 KiB page: any bad line makes the touch
		 * a machine check.
		 */
		if (platform_dram_line_poisoned(mod->plat, page, TDX_PAGE_SIZE)) {
			/* A host write poisoned it: a machine check, and the TD is lost. */
			td->fatal = true;
			exit->status = TDX_NON_RECOVERABLE_TD;
			exit->reason = 0;	/* exception or NMI */
			exit->intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
					  X86_VECTOR_MC;
		} else {
			*err = td_vm_map_private(td->engine, gpa & ~0xFFFULL, page, TDX_PAGE_SIZE);
			next = LOOP_RESUME;
		}
	} else if (st == TDX_SUCCESS && sept_state(ref.entry) == SEPT_PENDING &&
		   !(td->td_ctls & TDX_TD_CTLS_PENDING_VE_DISABLE)) {
		/* TD_CTLS.PENDING_VE_DISABLE: from SEPT_VE_DISABLE, then the guest's (VM.WR). */
		*err = inject_ve(v, EXIT_REASON_EPT_VIOLATION, qual, gpa, e->insn_len);
		next = LOOP_RESUME;
	} else if (st == TDX_SUCCESS && sept_state(ref.entry) == SEPT_PENDING) {
		td_exit_ept_violation(exit, gpa, qual, TDX_EEQ_PENDING_EPT_VIOLATION);
	} else if (st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD) {
		exit->status = st;
	} else {
		/* Not AUGed, or blocked: the host maps it and enters again. */
		td_exit_ept_violation(exit, gpa, qual, TDX_EEQ_NONE);
	}
	pthread_mutex_unlock(&td->lock);
	return next;
}

/* One engine exit: back into the guest, or a TD exit described in @exit. */
static enum loop_next handle_exit(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				  struct vcpu *v, const struct td_vcpu_exit *e,
				  struct td_exit_info *exit, int *err)
{
	*err = 0;
	switch (e->reason) {
	case TD_VCPU_EXIT_TDCALL:
	case TD_VCPU_EXIT_DOORBELL:
		return handle_tdcall(mod, lp, td, v, e->reason == TD_VCPU_EXIT_DOORBELL, exit, err);
	case TD_VCPU_EXIT_IO:
		*err = inject_ve(v, EXIT_REASON_IO_INSTRUCTION, io_qualification(e), 0, e->insn_len);
		return LOOP_RESUME;
	case TD_VCPU_EXIT_HLT:
		*err = inject_ve(v, EXIT_REASON_HLT, 0, 0, e->insn_len);
		return LOOP_RESUME;
	case TD_VCPU_EXIT_MSR:
		/* Intercepted by the table; a pass-through one cannot exit, so #GP too. */
		if (td_msr_action(td, e->msr.index, e->msr.write) == TD_MSR_VE)
			*err = inject_ve(v, e->msr.write ? EXIT_REASON_MSR_WRITE :
					 EXIT_REASON_MSR_READ, 0, 0, e->insn_len);
		else
			*err = td_vcpu_inject(v->engine, X86_VECTOR_GP, true, 0);
		return LOOP_RESUME;
	case TD_VCPU_EXIT_MMIO:
		return handle_mmio(mod, lp, td, v, e, exit, err);
	case TD_VCPU_EXIT_INTR:
		/* Host preemption: an asynchronous exit, as for an external interrupt. */
		exit->status = TDX_SUCCESS;
		exit->reason = EXIT_REASON_EXTERNAL_INTERRUPT;
		return LOOP_EXIT;
	case TD_VCPU_EXIT_SHUTDOWN:
		exit->status = TDX_NON_RECOVERABLE_VCPU;
		exit->reason = EXIT_REASON_TRIPLE_FAULT;
		return LOOP_EXIT;
	case TD_VCPU_EXIT_NONE:
	case TD_VCPU_EXIT_ERROR:
		break;
	}
	exit->status = TDX_NON_RECOVERABLE_VCPU;
	return LOOP_EXIT;
}

/* Copy what the host may see into its registers; everything else reads 0. */
static void exit_outputs(const struct td_exit_info *exit, const struct vcpu *v,
			 const uint64_t gpr[TD_VCPU_NR_GPRS], struct tdx_module_args *args)
{
	memset(args, 0, sizeof(*args));
	args->rax = exit->status | exit->reason;
	if (!exit->tdvmcall) {
		args->rcx = exit->qualification;
		args->rdx = exit->ext_qualification;
		args->r8 = exit->gpa;
		args->r9 = exit->intr_info;
		return;
	}
	args->rcx = v->tdvmcall_mask;
#define OUT(reg, idx) if (v->tdvmcall_mask & TDX_BIT(idx)) args->reg = gpr[idx]
	OUT(rdx, VCPU_RDX); OUT(rbx, VCPU_RBX); OUT(rsi, VCPU_RSI); OUT(rdi, VCPU_RDI);
	OUT(r8, VCPU_R8); OUT(r9, VCPU_R9); OUT(r10, VCPU_R10); OUT(r11, VCPU_R11);
	OUT(r12, VCPU_R12); OUT(r13, VCPU_R13); OUT(r14, VCPU_R14); OUT(r15, VCPU_R15);
#undef OUT
}

/* After a TDVMCALL exit: the host's values of the selected GPRs go in, RAX = 0. */
static int tdvmcall_inputs(struct vcpu *v, const struct tdx_module_args *args)
{
	uint64_t gpr[TD_VCPU_NR_GPRS], rip;
	int ret = td_vcpu_get_gprs(v->engine, gpr, &rip);

	if (ret)
		return ret;
	gpr[VCPU_RAX] = TDX_SUCCESS;
	gpr[VCPU_RCX] = v->tdvmcall_mask;
#define IN(reg, idx) if (v->tdvmcall_mask & TDX_BIT(idx)) gpr[idx] = args->reg
	IN(rdx, VCPU_RDX); IN(rbx, VCPU_RBX); IN(rsi, VCPU_RSI); IN(rdi, VCPU_RDI);
	IN(r8, VCPU_R8); IN(r9, VCPU_R9); IN(r10, VCPU_R10); IN(r11, VCPU_R11);
	IN(r12, VCPU_R12); IN(r13, VCPU_R13); IN(r14, VCPU_R14); IN(r15, VCPU_R15);
#undef IN
	return td_vcpu_set_gprs(v->engine, gpr, rip);
}

tdx_status_t tdh_vp_enter(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	struct td_exit_info exit = { 0 };
	uint64_t gpr[TD_VCPU_NR_GPRS] = { 0 }, rip;
	enum loop_next next = LOOP_RESUME;
	struct vcpu *v;
	struct td *td;
	tdx_status_t st;
	int err = 0;

	if (args->rcx & ~(VP_ENTER_RCX_TDVPR | VP_ENTER_RCX_HINT))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	st = vcpu_get_locked(mod, lp, args->rcx & VP_ENTER_RCX_TDVPR, TDX_OPERAND_ID_RCX, &v, &td);
	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS(OP_STATE_RUNNABLE), false);
	if (st == TDX_SUCCESS && v->state != VCPU_READY)
		st = TDX_VCPU_STATE_INCORRECT;
	if (st == TDX_SUCCESS && v->assoc_lp != VCPU_NOT_ASSOCIATED &&
	    v->assoc_lp != (int)lp_index(lp))
		st = TDX_VCPU_ASSOCIATED;
	if (st == TDX_SUCCESS)
		st = vcpu_tdvps_intact(mod, lp, td, v);
	if (st == TDX_SUCCESS)
		st = engine_prepare(mod, lp, td, v);
	if (st == TDX_SUCCESS && v->last_td_exit == VCPU_LAST_EXIT_TDVMCALL &&
	    tdvmcall_inputs(v, args))
		st = TDX_SYS_BUSY;
	if (st != TDX_SUCCESS)
		return td_release(td, st);

	/* Commit: from here the call ends in a TD exit. */
	if (v->assoc_lp == VCPU_NOT_ASSOCIATED)
		vcpu_associate(td, v, lp_index(lp));
	v->last_td_exit = VCPU_LAST_EXIT_ASYNC_FAULT;
	v->entry_epoch = td->td_epoch;
	td->epoch_refcount[v->entry_epoch & 1]++;
	vcpu_state_transition(v, VCPU_ACTIVE);
	td_unlock(td);

	running_set(mod, lp, v);
	while (next == LOOP_RESUME && !err) {
		struct td_vcpu_exit e;

		err = td_vcpu_run(v->engine, &e);
		if (!err)
			next = handle_exit(mod, lp, td, v, &e, &exit, &err);
	}
	running_set(mod, lp, NULL);
	if (err)
		exit = (struct td_exit_info){ .status = TDX_NON_RECOVERABLE_VCPU };
	if (exit.tdvmcall)
		td_vcpu_get_gprs(v->engine, gpr, &rip);

	pthread_mutex_lock(&td->lock);
	td->epoch_refcount[v->entry_epoch & 1]--;
	if (exit.status & TDX_STATUS_NON_RECOVERABLE) {
		vcpu_state_transition(v, VCPU_DISABLED);
	} else {
		vcpu_state_transition(v, VCPU_READY);
		if (exit.tdvmcall)
			v->last_td_exit = VCPU_LAST_EXIT_TDVMCALL;
	}
	exit_outputs(&exit, v, gpr, args);
	td_unlock(td);
	return args->rax;
}

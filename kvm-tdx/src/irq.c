/*
 * Interrupts for TD vCPUs, as Linux's KVM delivers them to a TD: the
 * split irqchip (the VMM emulates the IOAPIC and signals MSIs; the local
 * APIC is the TD's virtual APIC, inside the TD), and posted interrupts.
 * KVM never writes guest state to inject an interrupt: it sets the
 * vector's bit in the vCPU's posted-interrupt descriptor (host memory it
 * registered with TDH.VP.WR), sets ON and sends the notification vector
 * to the vCPU's LP; the CPU (the TDX module here) moves the vector into
 * the virtual APIC.
 *
 * HLT (TDVMCALL<HLT>) blocks until an interrupt is posted, the VMM kicks
 * the vCPU, or HALT_POLL_NS passes: the virtual APIC's own interrupts
 * (its timer, IPIs between the TD's vCPUs) are inside the TD, where KVM
 * cannot see them, so a halted vCPU looks again that often.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_status.h>

#include "kvm_tdx_internal.h"
#include "platform.h"
#include "pmem.h"
#include "tdh.h"

#define POSTED_INTR_VECTOR	0xF2	/* Linux's notification vector */
#define PID_CONTROL_OFFSET	32
#define PID_CONTROL_ON		(1ULL << 0)
#define HALT_POLL_NS		1000000L
#define MSI_ADDR_BASE_MASK	0xFFF00000U
#define MSI_ADDR_BASE		0xFEE00000U
#define MSI_ADDR_DEST_LOGICAL	(1U << 2)
#define MSI_DATA_DELIVERY(d)	(((d) >> 8) & 7)
#define MSI_DELIVERY_FIXED	0
#define MSI_DELIVERY_LOWPRI	1
#define X2APIC_BROADCAST	0xFFFFFFFFU

int kvm_tdx_vcpu_pi_init(struct kvm_tdx_vcpu *v, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_vm *vm = v->vm;
	unsigned int cpu = (unsigned int)v->last_cpu;
	uint64_t st;

	if (tdx_host_alloc_pages(vm->host, 1, 0, &v->pid_pa))
		return -ENOMEM;
	if (pmem_host_movdir64b(vm->host->plat, v->pid_pa, TDX_PAGE_SIZE))
		return -EIO;
	st = host_tdh_vp_wr(vm->host, cpu, v->tdvpr_pa, MD_TD_VMCS_POSTED_INT_NV,
			    POSTED_INTR_VECTOR, 0xFFFF);
	if (st == TDX_SUCCESS)
		st = host_tdh_vp_wr(vm->host, cpu, v->tdvpr_pa, MD_TD_VMCS_PID_ADDR, v->pid_pa,
				    ~0ULL);
	if (st == TDX_SUCCESS)
		st = host_tdh_vp_wr(vm->host, cpu, v->tdvpr_pa, MD_TD_VMCS_PINBASED_CTLS,
				    TD_VMCS_PINBASED_POSTED_INT, TD_VMCS_PINBASED_POSTED_INT);
	if (st != TDX_SUCCESS)
		return kvm_tdx_seamcall_errno(vm, "TDH.VP.WR", st, cmd);
	return 0;
}

void kvm_tdx_vcpu_pi_free(struct kvm_tdx_vcpu *v)
{
	if (v->pid_pa)
		tdx_host_free_pages(v->vm->host, v->pid_pa, 1);
	v->pid_pa = 0;
}

/* Post @vector to @v: PIR bit, ON, and the notification if ON was clear. */
static int pi_post(struct kvm_tdx_vcpu *v, uint8_t vector)
{
	struct platform *plat = v->vm->host->plat;
	uint64_t old;

	if (!v->pid_pa)
		return 0;
	if (pmem_host_update64(plat, v->pid_pa + 8 * (vector / 64), ~0ULL,
			       1ULL << (vector % 64), NULL) ||
	    pmem_host_update64(plat, v->pid_pa + PID_CONTROL_OFFSET, ~0ULL, PID_CONTROL_ON,
			       &old))
		return 0;
	if (!(old & PID_CONTROL_ON) && v->last_cpu >= 0)
		platform_lp_interrupt(plat, (unsigned int)v->last_cpu, POSTED_INTR_VECTOR);
	kvm_tdx_vcpu_halt_wake(v);	/* a TDVMCALL<HLT> in progress looks again */
	return 1;
}

long kvm_tdx_signal_msi(struct kvm_tdx_vm *vm, const struct kvm_msi *msi)
{
	uint32_t dest, mode;
	long delivered = 0;
	uint8_t vector;

	if (!msi || msi->flags & ~KVM_MSI_VALID_DEVID || msi->pad[0] ||
	    (msi->address_lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return -EINVAL;
	dest = (msi->address_lo >> 12 & 0xFF) | (msi->address_hi & 0xFFFFFF00U);
	mode = MSI_DATA_DELIVERY(msi->data);
	vector = (uint8_t)msi->data;
	/* Physical destination, fixed or lowest-priority: what a TD's devices use. */
	if ((msi->address_lo & MSI_ADDR_DEST_LOGICAL) ||
	    (mode != MSI_DELIVERY_FIXED && mode != MSI_DELIVERY_LOWPRI))
		return -EINVAL;
	if (vm->state != TD_STATE_RUNNABLE)
		return 0;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (dest != X2APIC_BROADCAST && vm->vcpus[i]->id != dest)
			continue;
		delivered |= pi_post(vm->vcpus[i], vector);
		if (mode == MSI_DELIVERY_LOWPRI)
			break;
	}
	return delivered;
}

static bool pi_pending(struct kvm_tdx_vcpu *v)
{
	uint64_t ctl = 0;

	return v->pid_pa &&
	       !pmem_host_read(v->vm->host->plat, v->pid_pa + PID_CONTROL_OFFSET, &ctl, 8) &&
	       (ctl & PID_CONTROL_ON);
}

void kvm_tdx_vcpu_halt(struct kvm_tdx_vcpu *v, const struct kvm_run *run)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += HALT_POLL_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&v->halt_lock);
	while (!pi_pending(v) && !run->immediate_exit &&
	       pthread_cond_timedwait(&v->halt_cond, &v->halt_lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&v->halt_lock);
}

void kvm_tdx_vcpu_halt_wake(struct kvm_tdx_vcpu *v)
{
	pthread_mutex_lock(&v->halt_lock);
	pthread_cond_broadcast(&v->halt_cond);
	pthread_mutex_unlock(&v->halt_lock);
}

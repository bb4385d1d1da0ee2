/*
 * KVM TDX vCPU commands: KVM_CREATE_VCPU, KVM_TDX_INIT_VCPU
 * (VP.CREATE, VP.ADDCX for the TDVPS pages, VP.INIT version 1 with the
 * x2APIC id), KVM_TDX_INIT_MEM_REGION (a vCPU ioctl upstream) and
 * KVM_TDX_GET_CPUID; flush and reclaim at teardown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_status.h>

#include "kvm_tdx_internal.h"
#include "tdh.h"

int kvm_tdx_create_vcpu(struct kvm_tdx_vm *vm, unsigned long id, struct kvm_tdx_vcpu **out)
{
	struct kvm_tdx_vcpu *vcpu;
	int ret = 0;

	*out = NULL;
	pthread_mutex_lock(&vm->lock);
	/* A TD needs INIT_VM before its vCPUs, and takes none after FINALIZE. */
	/* As upstream: a TD's vCPUs need the split irqchip (in-kernel LAPIC). */
	if (vm->state != TD_STATE_INITIALIZED || !vm->split_irqchip || id >= KVM_TDX_MAX_VCPUS ||
	    vm->nr_vcpus >= platform_nr_lps(vm->host->plat)) {
		ret = -EINVAL;
		goto out;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id) {
			ret = -EEXIST;
			goto out;
		}
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu) {
		ret = -ENOMEM;
		goto out;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->last_cpu = -1;
	pthread_mutex_init(&vcpu->halt_lock, NULL);
	pthread_cond_init(&vcpu->halt_cond, NULL);
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	*out = vcpu;
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static int tdx_vcpu_init(struct kvm_tdx_vcpu *vcpu, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_vm *vm = vcpu->vm;
	const struct tdx_host_module_info *mi = tdx_host_module_info(vm->host);
	unsigned int nr_tdcx = (unsigned int)(mi->tdvps_base_size / TDX_PAGE_SIZE) - 1;
	int ret;
	/* Each vCPU gets an LP of its own, so the TD's vCPUs run side by side. */
	unsigned int cpu = (unsigned int)(vcpu->id % platform_nr_lps(vm->host->plat));
	uint64_t st;

	if (cmd->flags)
		return -EINVAL;
	if (vm->state != TD_STATE_INITIALIZED || vcpu->state != VCPU_TD_STATE_UNINITIALIZED ||
	    vcpu->tdvpr_pa)
		return -EINVAL;
	if (nr_tdcx > KVM_TDX_MAX_TDCX)
		return -EIO;
	if (tdx_host_alloc_pages(vm->host, 1, 0, &vcpu->tdvpr_pa))
		return -ENOMEM;
	st = host_tdh_vp_create(vm->host, vm->tdr_pa, vcpu->tdvpr_pa);
	if (st != TDX_SUCCESS) {
		tdx_host_free_pages(vm->host, vcpu->tdvpr_pa, 1);
		vcpu->tdvpr_pa = 0;
		return kvm_tdx_seamcall_errno(vm, "TDH.VP.CREATE", st, cmd);
	}
	for (unsigned int i = 0; i < nr_tdcx; i++) {
		uint64_t pa;

		if (tdx_host_alloc_pages(vm->host, 1, 0, &pa))
			return -ENOMEM;
		st = host_tdh_vp_addcx(vm->host, vcpu->tdvpr_pa, pa);
		if (st != TDX_SUCCESS) {
			tdx_host_free_pages(vm->host, pa, 1);
			return kvm_tdx_seamcall_errno(vm, "TDH.VP.ADDCX", st, cmd);
		}
		vcpu->tdcx_pa[vcpu->nr_tdcx++] = pa;
	}
	/* The x2APIC id is the vCPU id, as KVM uses. */
	st = host_tdh_vp_init(vm->host, cpu, vcpu->tdvpr_pa, cmd->data, (uint32_t)vcpu->id);
	if (st != TDX_SUCCESS)
		return kvm_tdx_seamcall_errno(vm, "TDH.VP.INIT", st, cmd);
	/* VP.INIT associates the vCPU with the LP it ran on. */
	vcpu->last_cpu = (int)cpu;
	ret = kvm_tdx_vcpu_pi_init(vcpu, cmd);
	if (ret)
		return ret;
	vcpu->state = VCPU_TD_STATE_INITIALIZED;
	return 0;
}

/* The CPUID_VALUES field code of a leaf/sub-leaf register pair (reference 4.6). */
static uint64_t cpuid_field(uint32_t leaf, uint32_t subleaf, bool sig, unsigned int pair)
{
	uint64_t code = (sig ? ((uint64_t)(subleaf & 0x7F) << 1) : TDX_BIT(8)) |
			((uint64_t)(leaf & 0x7F) << 9) | ((uint64_t)(leaf >> 31) << 16) | pair;

	return 0x9410000300000000ULL | code;
}

static int tdx_vcpu_get_cpuid(struct kvm_tdx_vcpu *vcpu, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_vm *vm = vcpu->vm;
	struct kvm_tdx_cpuid2 *out = (void *)(uintptr_t)cmd->data;
	struct kvm_tdx_cpuid_entry2 conf[TD_PARAMS_NUM_CPUID_CONFIG];
	unsigned int n;
	int ret;

	if (!out || cmd->flags)
		return -EINVAL;
	if (vcpu->state != VCPU_TD_STATE_INITIALIZED)
		return -EINVAL;
	ret = kvm_tdx_cpuid_config(vm, conf, &n);
	if (ret)
		return ret;
	if (out->nent < n) {
		out->nent = n;
		return -E2BIG;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct kvm_tdx_cpuid_entry2 *e = &out->entries[i];
		const struct kvm_tdx_cpuid_entry2 *k = &conf[i];
		bool sig = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

		*e = *k;
		for (unsigned int pair = 0; pair < 2; pair++) {
			uint64_t v = 0;
			uint64_t st = host_tdh_mng_rd(vm->host, vm->tdr_pa,
						 cpuid_field(k->function, k->index, sig, pair), &v);

			if (st != TDX_SUCCESS) {
				ret = kvm_tdx_seamcall_errno(vm, "TDH.MNG.RD", st, cmd);
				goto out;
			}
			if (pair == 0) {
				e->eax = (uint32_t)v;
				e->ebx = (uint32_t)(v >> 32);
			} else {
				e->ecx = (uint32_t)v;
				e->edx = (uint32_t)(v >> 32);
			}
		}
	}
	out->nent = n;
out:
	return ret;
}

long kvm_tdx_vcpu_ioctl(struct kvm_tdx_vcpu *vcpu, unsigned long req, void *arg)
{
	struct kvm_tdx_vm *vm = vcpu->vm;
	struct kvm_tdx_cmd *cmd = arg;
	long ret;

	/* KVM_RUN takes no VM lock: the vCPUs of a TD run at the same time. */
	if (req == KVM_RUN)
		return kvm_tdx_vcpu_run(vcpu);
	if (req != KVM_MEMORY_ENCRYPT_OP)
		return -ENOTTY;
	if (!cmd || cmd->hw_error)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	switch (cmd->id) {
	case KVM_TDX_INIT_VCPU:
		ret = tdx_vcpu_init(vcpu, cmd);
		break;
	case KVM_TDX_INIT_MEM_REGION:
		ret = kvm_tdx_init_mem_region(vcpu, cmd);
		break;
	case KVM_TDX_GET_CPUID:
		ret = tdx_vcpu_get_cpuid(vcpu, cmd);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

void kvm_tdx_vcpus_flush(struct kvm_tdx_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_tdx_vcpu *v = vm->vcpus[i];
		uint64_t st;

		/* Only a vCPU associated with an LP needs flushing, on that LP. */
		if (!v->tdvpr_pa || v->last_cpu < 0)
			continue;
		st = host_tdh_vp_flush(vm->host, (unsigned int)v->last_cpu, v->tdvpr_pa);
		if (st != TDX_SUCCESS && !tdx_status_code_eq(st, TDX_VCPU_NOT_ASSOCIATED))
			kvm_tdx_seamcall_errno(vm, "TDH.VP.FLUSH", st, NULL);
		v->last_cpu = -1;
	}
}

void kvm_tdx_vcpus_reclaim(struct kvm_tdx_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_tdx_vcpu *v = vm->vcpus[i];

		for (unsigned int j = 0; j < v->nr_tdcx; j++)
			kvm_tdx_reclaim_page(vm, v->tdcx_pa[j], vm->hkid);
		v->nr_tdcx = 0;
		if (v->tdvpr_pa)
			kvm_tdx_reclaim_page(vm, v->tdvpr_pa, vm->hkid);
		v->tdvpr_pa = 0;
	}
}

uint64_t kvm_tdx_vcpu_tdvpr_pa(const struct kvm_tdx_vcpu *vcpu)
{
	return vcpu->tdvpr_pa;
}

int kvm_tdx_vcpu_cpu(const struct kvm_tdx_vcpu *vcpu)
{
	return vcpu->last_cpu;
}

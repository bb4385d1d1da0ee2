/*
 * KVM TDX VM commands: KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM,
 * KVM_TDX_FINALIZE_VM, the KVM_MEMORY_ENCRYPT_OP entry that checks and
 * routes a struct kvm_tdx_cmd, and teardown in Linux's reclaim order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_status.h>

#include "kvm_tdx_internal.h"
#include "pmem.h"
#include "tdh.h"

#define TDX_DEFAULT_TSC_KHZ	2500000ULL	/* 2.5 GHz */

/* The one place kvm-tdx turns a module status into an errno for user space. */
int kvm_tdx_seamcall_errno(struct kvm_tdx_vm *vm, const char *leaf, uint64_t status,
			   struct kvm_tdx_cmd *cmd)
{
	if (cmd)
		cmd->hw_error = status;
	host_log(vm->host, "SEAMCALL %s failed: 0x%016llx", leaf, (unsigned long long)status);
	if (tdx_status_code_eq(status, TDX_RND_NO_ENTROPY))
		return -EAGAIN;
	if (tdx_status_is_busy(status))
		return -EBUSY;
	if (tdx_status_class(status) == TDX_CLASS_OPERAND_INVALID ||
	    tdx_status_code_eq(status, TDX_NO_VCPUS))
		return -EINVAL;
	return -EIO;
}

long kvm_tdx_check_extension(struct tdx_host *host, long cap)
{
	switch (cap) {
	case KVM_CAP_VM_TYPES:
		return (1L << KVM_X86_DEFAULT_VM) |
		       (tdx_host_module_info(host) ? 1L << KVM_X86_TDX_VM : 0);
	case KVM_CAP_GUEST_MEMFD:
	case KVM_CAP_MEMORY_ATTRIBUTES:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_SIGNAL_MSI:
		return 1;
	case KVM_CAP_X2APIC_API:
		return KVM_TDX_X2APIC_API_FLAGS;
	case KVM_CAP_EXIT_HYPERCALL:
		return 1L << KVM_HC_MAP_GPA_RANGE;
	default:
		return 0;
	}
}

int kvm_tdx_create_vm(struct tdx_host *host, unsigned long type, struct kvm_tdx_vm **out)
{
	struct kvm_tdx_vm *vm;

	*out = NULL;
	if (type != KVM_X86_TDX_VM)
		return -EINVAL;
	if (!tdx_host_module_info(host))
		return -ENODEV;	/* the TDX module is not initialized */
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->host = host;
	vm->tsc_khz = TDX_DEFAULT_TSC_KHZ;
	pthread_mutex_init(&vm->lock, NULL);
	*out = vm;
	return 0;
}

uint64_t kvm_tdx_vm_tdr_pa(const struct kvm_tdx_vm *vm)
{
	return vm->tdr_pa;
}

hkid_t kvm_tdx_vm_hkid(const struct kvm_tdx_vm *vm)
{
	return vm->hkid;
}

/* The configurable CPUID leaves and bits, as the module reports them. */
int kvm_tdx_cpuid_config(struct kvm_tdx_vm *vm, struct kvm_tdx_cpuid_entry2 *e,
			 unsigned int *nr)
{
	struct emu_error err = { 0 };
	uint64_t n, leaf, v0, v1;

	if (tdx_host_sys_rd(vm->host, MD_SYS_NUM_CPUID_CONFIG, &n, &err))
		return -EIO;
	if (n > TD_PARAMS_NUM_CPUID_CONFIG)
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		if (tdx_host_sys_rd(vm->host, MD_SYS_CPUID_CONFIG_LEAVES + i, &leaf, &err) ||
		    tdx_host_sys_rd(vm->host, MD_SYS_CPUID_CONFIG_VALUES + 2 * i, &v0, &err) ||
		    tdx_host_sys_rd(vm->host, MD_SYS_CPUID_CONFIG_VALUES + 2 * i + 1, &v1, &err))
			return -EIO;
		memset(&e[i], 0, sizeof(e[i]));
		e[i].function = (uint32_t)leaf;
		e[i].index = (uint32_t)(leaf >> 32) == ~0U ? 0 : (uint32_t)(leaf >> 32);
		e[i].flags = (uint32_t)(leaf >> 32) == ~0U ? 0 : KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		e[i].eax = (uint32_t)v0;
		e[i].ebx = (uint32_t)(v0 >> 32);
		e[i].ecx = (uint32_t)v1;
		e[i].edx = (uint32_t)(v1 >> 32);
	}
	*nr = (unsigned int)n;
	return 0;
}

static int tdx_get_capabilities(struct kvm_tdx_vm *vm, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_capabilities *caps = (void *)(uintptr_t)cmd->data;
	const struct tdx_host_module_info *mi = tdx_host_module_info(vm->host);
	struct kvm_tdx_cpuid_entry2 e[TD_PARAMS_NUM_CPUID_CONFIG];
	unsigned int n;
	int ret;

	if (!caps || cmd->flags)
		return -EINVAL;
	ret = kvm_tdx_cpuid_config(vm, e, &n);
	if (ret)
		return ret;
	if (caps->cpuid.nent < n) {
		caps->cpuid.nent = n;
		return -E2BIG;
	}
	caps->supported_attrs = TDX_TD_ATTR_SEPT_VE_DISABLE & mi->attributes_fixed0;
	caps->supported_xfam = mi->xfam_fixed0;
	caps->kernel_tdvmcallinfo_1_r11 = 0;
	caps->user_tdvmcallinfo_1_r11 = TDX_BIT(1);	/* SetupEventNotifyInterrupt */
	caps->kernel_tdvmcallinfo_1_r12 = 0;
	caps->user_tdvmcallinfo_1_r12 = 0;
	memset(caps->reserved, 0, sizeof(caps->reserved));
	for (unsigned int i = 0; i < n; i++) {
		/* The guest physical width (0x80000008 EAX[23:16]) is configurable. */
		if (e[i].function == 0x80000008)
			e[i].eax |= 0xFF0000;
		/* As KVM does: no TSX (HLE EBX[4], RTM EBX[11]) and no WAITPKG (ECX[5]). */
		if (e[i].function == 0x7 && e[i].index == 0) {
			e[i].ebx &= ~(TDX_BIT(4) | TDX_BIT(11));
			e[i].ecx &= ~TDX_BIT(5);
		}
	}
	memcpy(caps->cpuid.entries, e, n * sizeof(e[0]));
	caps->cpuid.nent = n;
	return 0;
}

/* Map KVM's CPUID entries onto the module's configurable list (TD_PARAMS order). */
static int build_cpuid_config(struct kvm_tdx_vm *vm, const struct kvm_tdx_init_vm *init,
			      struct td_params *p, unsigned int *gpaw)
{
	struct kvm_tdx_cpuid_entry2 conf[TD_PARAMS_NUM_CPUID_CONFIG];
	unsigned int n;

	*gpaw = 0;	/* no 0x80000008 entry: no GPAW, refused below */
	if (kvm_tdx_cpuid_config(vm, conf, &n))
		return -EIO;
	if (init->cpuid.padding || init->cpuid.nent > 256)
		return -EINVAL;
	for (unsigned int i = 0; i < init->cpuid.nent; i++) {
		const struct kvm_tdx_cpuid_entry2 *e = &init->cpuid.entries[i];
		unsigned int j;
		uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };

		for (j = 0; j < n; j++)
			if (conf[j].function == e->function &&
			    (!(conf[j].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
			     conf[j].index == e->index))
				break;
		if (j == n || e->padding[0] || e->padding[1] || e->padding[2])
			return -EINVAL;
		if (e->function == 0x80000008) {
			*gpaw = (e->eax >> 16) & 0xFF;
			regs[0] &= ~0xFF0000U;
		}
		memcpy(&p->cpuid_config[16 * j], regs, sizeof(regs));
	}
	/*
	 * Upstream's setup_tdparams_eptp_controls(): GPAW 48 or 52, nothing
	 * else; 52 needs 5-level EPT, which this host lacks.
	 */
	return *gpaw == 48 ? 0 : -EINVAL;
}

static int alloc_page(struct kvm_tdx_vm *vm, uint64_t *pa)
{
	return tdx_host_alloc_pages(vm->host, 1, 0, pa);
}

static int tdx_td_init(struct kvm_tdx_vm *vm, struct kvm_tdx_cmd *cmd)
{
	const struct tdx_host_module_info *mi = tdx_host_module_info(vm->host);
	struct kvm_tdx_init_vm *init = (void *)(uintptr_t)cmd->data;
	struct platform *plat = vm->host->plat;
	struct td_params *p = NULL;
	uint64_t params_pa = 0, st, done = 0, e1 = 0;
	unsigned int gpaw;
	int ret;

	if (!init || cmd->flags)
		return -EINVAL;
	if (vm->state != TD_STATE_UNINITIALIZED || vm->td_created || vm->nr_vcpus)
		return -EINVAL;	/* once, and before any vCPU */
	for (size_t i = 0; i < TDX_ARRAY_SIZE(init->reserved); i++)
		if (init->reserved[i])
			return -EINVAL;
	if ((init->attributes & ~(TDX_TD_ATTR_SEPT_VE_DISABLE & mi->attributes_fixed0)) ||
	    (init->xfam & ~mi->xfam_fixed0) || (init->xfam & mi->xfam_fixed1) != mi->xfam_fixed1)
		return -EINVAL;
	p = aligned_alloc(TD_PARAMS_ALIGNMENT, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	ret = build_cpuid_config(vm, init, p, &gpaw);
	if (ret)
		goto out;
	p->attributes = init->attributes;
	p->xfam = init->xfam;
	p->max_vcpus = (uint16_t)platform_nr_lps(plat);
	p->eptp_controls = TD_EPTP_CONTROLS_4LEVEL;
	p->config_flags = CONFIG_FLAGS_NO_RBP_MOD;
	p->tsc_frequency = (uint16_t)(vm->tsc_khz / 25000);
	memcpy(p->mrconfigid, init->mrconfigid, 48);
	memcpy(p->mrowner, init->mrowner, 48);
	memcpy(p->mrownerconfig, init->mrownerconfig, 48);

	/* 1. An HKID; 2. the TDR and TDCS pages. */
	ret = tdx_host_hkid_alloc(vm->host, &vm->hkid);
	if (ret)
		goto out;
	vm->hkid_assigned = true;
	vm->nr_tdcs = (unsigned int)(mi->tdcs_base_size / TDX_PAGE_SIZE);
	if (vm->nr_tdcs > KVM_TDX_MAX_TDCX) {
		ret = -EIO;
		goto out;
	}
	ret = alloc_page(vm, &vm->tdr_pa);
	for (unsigned int i = 0; !ret && i < vm->nr_tdcs; i++)
		ret = alloc_page(vm, &vm->tdcs_pa[i]);
	if (!ret)
		ret = alloc_page(vm, &params_pa);
	if (!ret)
		ret = pmem_host_write(plat, params_pa, p, sizeof(*p));
	if (ret)
		goto out;

	/* 3. TDH.MNG.CREATE. */
	st = host_tdh_mng_create(vm->host, vm->tdr_pa, vm->hkid);
	if (st != TDX_SUCCESS) {
		ret = kvm_tdx_seamcall_errno(vm, "TDH.MNG.CREATE", st, cmd);
		goto out;
	}
	vm->td_created = true;
	/* 4. TDH.MNG.KEY.CONFIG on one CPU of each package. */
	for (unsigned int cpu = 0; cpu < platform_nr_lps(plat); cpu++) {
		uint64_t pkg = 1ULL << lp_package(platform_lp(plat, cpu));

		if (done & pkg)
			continue;
		do {
			st = host_tdh_mng_key_config(vm->host, cpu, vm->tdr_pa);
		} while (tdx_status_code_eq(st, TDX_KEY_GENERATION_FAILED));
		if (st != TDX_SUCCESS && st != TDX_KEY_CONFIGURED) {
			ret = kvm_tdx_seamcall_errno(vm, "TDH.MNG.KEY.CONFIG", st, cmd);
			goto out;
		}
		done |= pkg;
	}
	/* 5. TDH.MNG.ADDCX for each TDCS page; 6. TDH.MNG.INIT. */
	for (unsigned int i = 0; i < vm->nr_tdcs; i++) {
		st = host_tdh_mng_addcx(vm->host, vm->tdr_pa, vm->tdcs_pa[i]);
		if (st != TDX_SUCCESS) {
			ret = kvm_tdx_seamcall_errno(vm, "TDH.MNG.ADDCX", st, cmd);
			goto out;
		}
	}
	st = host_tdh_mng_init(vm->host, vm->tdr_pa, params_pa, &e1);
	if (st != TDX_SUCCESS) {
		ret = kvm_tdx_seamcall_errno(vm, "TDH.MNG.INIT", st, cmd);
		goto out;
	}
	vm->attributes = init->attributes;
	vm->xfam = init->xfam;
	vm->gpaw = gpaw;
	/* The VMM's CPUID list answers the TD's TDVMCALL<CPUID> (run.c). */
	vm->nr_cpuid = init->cpuid.nent < KVM_TDX_MAX_CPUID ? init->cpuid.nent : KVM_TDX_MAX_CPUID;
	memcpy(vm->cpuid, init->cpuid.entries, vm->nr_cpuid * sizeof(vm->cpuid[0]));
	vm->state = TD_STATE_INITIALIZED;
out:
	/* A TD left half built stays for teardown, which reclaims what exists. */
	if (params_pa)
		tdx_host_free_pages(vm->host, params_pa, 1);
	free(p);
	return ret;
}

static int tdx_td_finalize(struct kvm_tdx_vm *vm, struct kvm_tdx_cmd *cmd)
{
	uint64_t st;

	if (cmd->flags || cmd->data)
		return -EINVAL;
	if (vm->state != TD_STATE_INITIALIZED)
		return -EINVAL;
	st = host_tdh_mr_finalize(vm->host, vm->tdr_pa);
	if (st != TDX_SUCCESS)
		return kvm_tdx_seamcall_errno(vm, "TDH.MR.FINALIZE", st, cmd);
	vm->state = TD_STATE_RUNNABLE;
	/* From now on the TD can touch shared memory: hand the shared EPT down. */
	return kvm_tdx_shared_ept_sync_all(vm);
}

static long memory_encrypt_op(struct kvm_tdx_vm *vm, struct kvm_tdx_cmd *cmd)
{
	/* hw_error is output only: a caller that sets it has a stale struct. */
	if (!cmd || cmd->hw_error)
		return -EINVAL;
	switch (cmd->id) {
	case KVM_TDX_CAPABILITIES:
		return tdx_get_capabilities(vm, cmd);
	case KVM_TDX_INIT_VM:
		return tdx_td_init(vm, cmd);
	case KVM_TDX_FINALIZE_VM:
		return tdx_td_finalize(vm, cmd);
	default:
		return -EINVAL;
	}
}

/*
 * KVM_ENABLE_CAP on a TD VM: the ones QEMU enables before INIT_VM.  The
 * split irqchip (in-kernel LAPIC, IOAPIC in the VMM) is required before
 * the first vCPU; exits for MapGPA are always on.
 */
static long enable_cap(struct kvm_tdx_vm *vm, const struct kvm_enable_cap *cap)
{
	if (!cap || cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_SPLIT_IRQCHIP:
		if (vm->split_irqchip)
			return -EEXIST;
		if (vm->nr_vcpus || cap->args[0] > KVM_TDX_MAX_IRQ_ROUTES)
			return -EINVAL;
		vm->split_irqchip = true;
		return 0;
	case KVM_CAP_X2APIC_API:
		return cap->args[0] & ~(uint64_t)KVM_TDX_X2APIC_API_FLAGS ? -EINVAL : 0;
	case KVM_CAP_EXIT_HYPERCALL:
		return cap->args[0] & ~(1ULL << KVM_HC_MAP_GPA_RANGE) ? -EINVAL : 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		/* TDX's virtual APIC runs at 25 MHz: 40 ns, and only that. */
		return cap->args[0] == KVM_TDX_APIC_BUS_CYCLES_NS ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

long kvm_tdx_vm_ioctl(struct kvm_tdx_vm *vm, unsigned long req, void *arg)
{
	long ret;

	pthread_mutex_lock(&vm->lock);
	switch (req) {
	case KVM_MEMORY_ENCRYPT_OP:
		ret = memory_encrypt_op(vm, arg);
		break;
	case KVM_CREATE_GUEST_MEMFD:
		ret = kvm_tdx_create_gmem(vm, arg);
		break;
	case KVM_SET_USER_MEMORY_REGION2:
		ret = kvm_tdx_set_memory_region2(vm, arg);
		break;
	case KVM_SET_MEMORY_ATTRIBUTES:
		ret = kvm_tdx_set_memory_attributes(vm, arg);
		break;
	case KVM_ENABLE_CAP:
		ret = enable_cap(vm, arg);
		break;
	case KVM_SIGNAL_MSI:
		ret = kvm_tdx_signal_msi(vm, arg);
		break;
	case KVM_SET_TSC_KHZ:
		/* Only before the TD is built: the module takes it in TD_PARAMS. */
		if (vm->td_created || !arg || (uintptr_t)arg / 25000 < 4 ||
		    (uintptr_t)arg / 25000 > 400) {
			ret = -EINVAL;
		} else {
			vm->tsc_khz = (uintptr_t)arg;
			ret = 0;
		}
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

void kvm_tdx_reclaim_page(struct kvm_tdx_vm *vm, uint64_t pa, hkid_t wbinvd_keyid)
{
	uint64_t type = 0, owner = 0, size = 0;
	uint64_t st = host_tdh_phymem_page_rdmd(vm->host, pa, &type, &owner);

	/* A page the module never took is still the host's. */
	if (st == TDX_SUCCESS && type == PT_NDA) {
		tdx_host_free_pages(vm->host, pa, 1);
		return;
	}
	st = host_tdh_phymem_page_reclaim(vm->host, pa, &type, &owner, &size);
	if (st != TDX_SUCCESS) {
		host_log(vm->host, "reclaim of page 0x%llx failed (0x%016llx): leaked",
			 (unsigned long long)pa, (unsigned long long)st);
		return;
	}
	kvm_tdx_flush_free_page(vm, pa, wbinvd_keyid);
}

void kvm_tdx_flush_free_page(struct kvm_tdx_vm *vm, uint64_t pa, hkid_t keyid)
{
	struct platform *plat = vm->host->plat;
	uint64_t st = host_tdh_phymem_page_wbinvd(vm->host, pmem_pa_with_keyid(plat, pa, keyid));

	if (st != TDX_SUCCESS || pmem_host_movdir64b(plat, pa, TDX_PAGE_SIZE)) {
		host_log(vm->host, "flush of page 0x%llx failed: leaked", (unsigned long long)pa);
		return;
	}
	tdx_host_free_pages(vm->host, pa, 1);
}

/* VPFLUSHDONE, CACHE.WB on each package, KEY.FREEID. */
static bool free_hkid(struct kvm_tdx_vm *vm)
{
	struct platform *plat = vm->host->plat;
	uint64_t st = host_tdh_mng_vpflushdone(vm->host, vm->tdr_pa), done = 0;

	if (st != TDX_SUCCESS) {
		kvm_tdx_seamcall_errno(vm, "TDH.MNG.VPFLUSHDONE", st, NULL);
		return false;
	}
	for (unsigned int cpu = 0; cpu < platform_nr_lps(plat); cpu++) {
		uint64_t pkg = 1ULL << lp_package(platform_lp(plat, cpu));

		if (done & pkg)
			continue;
		st = host_tdh_phymem_cache_wb(vm->host, cpu, 0);
		if (st != TDX_SUCCESS && st != TDX_NO_HKID_READY_TO_WBCACHE) {
			kvm_tdx_seamcall_errno(vm, "TDH.PHYMEM.CACHE.WB", st, NULL);
			return false;
		}
		done |= pkg;
	}
	st = host_tdh_mng_key_freeid(vm->host, vm->tdr_pa);
	if (st != TDX_SUCCESS) {
		kvm_tdx_seamcall_errno(vm, "TDH.MNG.KEY.FREEID", st, NULL);
		return false;
	}
	return true;
}

void kvm_tdx_destroy_vm(struct kvm_tdx_vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_lock(&vm->lock);
	if (vm->td_created) {
		kvm_tdx_vcpus_flush(vm);
		if (free_hkid(vm)) {
			/* Private pages and SEPT pages, vCPUs, TDCS, and the TDR last. */
			kvm_tdx_mem_reclaim(vm);
			kvm_tdx_vcpus_reclaim(vm);
			for (unsigned int i = 0; i < vm->nr_tdcs; i++)
				kvm_tdx_reclaim_page(vm, vm->tdcs_pa[i], vm->hkid);
			kvm_tdx_reclaim_page(vm, vm->tdr_pa, tdx_host_global_keyid(vm->host));
			tdx_host_hkid_free(vm->host, vm->hkid);
		} else {
			host_log(vm->host, "TD teardown failed: its pages and HKID %u are leaked",
				 vm->hkid);
		}
	} else {
		/* Nothing reached the module: the pages are still the host's. */
		if (vm->tdr_pa)
			tdx_host_free_pages(vm->host, vm->tdr_pa, 1);
		for (unsigned int i = 0; i < vm->nr_tdcs; i++)
			if (vm->tdcs_pa[i])
				tdx_host_free_pages(vm->host, vm->tdcs_pa[i], 1);
		if (vm->hkid_assigned)
			tdx_host_hkid_free(vm->host, vm->hkid);
	}
	kvm_tdx_mem_free(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		kvm_tdx_vcpu_pi_free(vm->vcpus[i]);
		pthread_mutex_destroy(&vm->vcpus[i]->halt_lock);
		pthread_cond_destroy(&vm->vcpus[i]->halt_cond);
		free(vm->vcpus[i]->run);
		free(vm->vcpus[i]);
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

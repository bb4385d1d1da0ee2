/*
 * Building the TD in QEMU's order (reference host-stack.md 1.3, 3.4):
 * the emulated host first (tools/tdx-host boot path), then
 * KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM with the tdx-guest object's
 * attributes and digests, the vCPUs with KVM_TDX_INIT_VCPU(data = TD HOB
 * GPA), RAM and firmware memslots backed by guest_memfd and made private,
 * the TD HOB, KVM_TDX_INIT_MEM_REGION per TDVF section (measured when the
 * section says MR.EXTEND), KVM_TDX_FINALIZE_VM.
 *
 * Before INIT_VM, as QEMU: KVM_ENABLE_CAP for the 25 MHz APIC bus, exits
 * on MapGPA, the split irqchip and the x2APIC API.  Not done, because
 * kvm-tdx has no such vCPU ioctls: KVM_SET_CPUID2 and KVM_SET_MSRS (the
 * TD's CPUID is INIT_VM's list).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "machine.h"
#include "platform_state.h"
#include "tdx_host.h"

#define TD_PHYS_BITS		46
#define INIT_VM_RETRIES		10000		/* QEMU's retry bound for -EAGAIN */
#define TD_APIC_BUS_CYCLES_NS	40		/* TDX's virtual APIC: 25 MHz */
#define TD_IRQ_ROUTES		24		/* QEMU's split irqchip: the IOAPIC pins */

static const char *const tdx_cmd_names[] = {
	[KVM_TDX_CAPABILITIES] = "KVM_TDX_CAPABILITIES",
	[KVM_TDX_INIT_VM] = "KVM_TDX_INIT_VM",
	[KVM_TDX_INIT_VCPU] = "KVM_TDX_INIT_VCPU",
	[KVM_TDX_INIT_MEM_REGION] = "KVM_TDX_INIT_MEM_REGION",
	[KVM_TDX_FINALIZE_VM] = "KVM_TDX_FINALIZE_VM",
	[KVM_TDX_GET_CPUID] = "KVM_TDX_GET_CPUID",
};

/*
 * One helper for every TDX sub-command, VM (@vcpu NULL) or vCPU: retries
 * -EAGAIN/-EINTR as QEMU does; on failure the message names the command,
 * the errno and the module's status (hw_error).
 */
static long tdx_ioctl(struct machine *m, struct kvm_tdx_vcpu *vcpu, uint32_t id, uint32_t flags,
		      uint64_t data, char *err, size_t errlen)
{
	long ret;

	for (int tries = 0; tries < INIT_VM_RETRIES; tries++) {
		struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };

		ret = vcpu ? kvm_tdx_vcpu_ioctl(vcpu, KVM_MEMORY_ENCRYPT_OP, &c) :
			     kvm_tdx_vm_ioctl(m->vm, KVM_MEMORY_ENCRYPT_OP, &c);
		if (ret == -EAGAIN || ret == -EINTR)
			continue;
		if (ret && err)
			vmm_fail(err, errlen, "%s failed: %s (hw_error 0x%016llx)",
			     id < KVM_TDX_CMD_NR_MAX ? tdx_cmd_names[id] : "KVM_TDX_?", strerror((int)-ret),
			     (unsigned long long)c.hw_error);
		return ret;
	}
	if (err)
		vmm_fail(err, errlen, "%s failed: still busy after %d tries", tdx_cmd_names[id], INIT_VM_RETRIES);
	return ret;
}

static int boot_host(struct machine *m, char *err, size_t errlen)
{
	struct host_boot_opts o;
	struct emu_error e = { 0 };
	char lps[32];
	unsigned int n = m->nr_vcpus < 2 ? 2 : m->nr_vcpus;

	host_boot_defaults(&o);
	o.out = m->opts->verbose ? stderr : NULL;
	snprintf(lps, sizeof(lps), "lps=%u", n);
	if (platform_config_set(&o.cfg, lps, &e))
		return vmm_fail(err, errlen, "emulated host: %s", e.msg);
	/*
	 * A TD whose reports a quoting enclave must check needs the platform's
	 * persistent root secret (docs/attestation.md): with a quote-generation
	 * socket, the platform state directory is the default one.
	 */
	if (m->opts->qgs_socket[0]) {
		char dir[PATH_MAX], kv[PATH_MAX + 16];

		if (platform_state_dir_default(dir, sizeof(dir), &e))
			return vmm_fail(err, errlen, "platform state directory: %s", e.msg);
		snprintf(kv, sizeof(kv), "state-dir=%s", dir);
		if (platform_config_set(&o.cfg, kv, &e))
			return vmm_fail(err, errlen, "platform state directory %s: %s", dir, e.msg);
	}
	if (host_boot_vendor_key(&o, NULL, &e) || host_boot_run(&o, &m->boot, &e)) {
		m->host_up = m->boot.host != NULL;
		return vmm_fail(err, errlen, "emulated host did not come up: %s", e.msg);
	}
	m->host_up = true;
	return 0;
}

static int get_capabilities(struct machine *m, char *err, size_t errlen)
{
	for (uint32_t nent = 6; nent <= 1024; nent *= 2) {
		struct kvm_tdx_capabilities *caps =
			calloc(1, sizeof(*caps) + nent * sizeof(struct kvm_tdx_cpuid_entry2));
		long ret;

		if (!caps)
			return vmm_fail(err, errlen, "out of memory");
		caps->cpuid.nent = nent;
		ret = tdx_ioctl(m, NULL, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps, NULL, 0);
		if (ret == -E2BIG) {
			free(caps);
			continue;
		}
		if (ret) {
			free(caps);
			return vmm_fail(err, errlen, "KVM_TDX_CAPABILITIES failed: %s", strerror((int)-ret));
		}
		m->supported_attrs = caps->supported_attrs;
		m->user_tdvmcallinfo_r11 = caps->user_tdvmcallinfo_1_r11;
		free(caps);
		return 0;
	}
	return vmm_fail(err, errlen, "KVM_TDX_CAPABILITIES: too many CPUID entries");
}

static int enable_caps(struct machine *m, char *err, size_t errlen)
{
	static const struct { uint32_t cap; uint64_t arg; const char *name; } caps[] = {
		{ KVM_CAP_X86_APIC_BUS_CYCLES_NS, TD_APIC_BUS_CYCLES_NS, "KVM_CAP_X86_APIC_BUS_CYCLES_NS" },
		{ KVM_CAP_EXIT_HYPERCALL, 1ULL << KVM_HC_MAP_GPA_RANGE, "KVM_CAP_EXIT_HYPERCALL" },
		{ KVM_CAP_SPLIT_IRQCHIP, TD_IRQ_ROUTES, "KVM_CAP_SPLIT_IRQCHIP" },
		{ KVM_CAP_X2APIC_API, KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK,
		  "KVM_CAP_X2APIC_API" },
	};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct kvm_enable_cap c = { .cap = caps[i].cap, .args = { caps[i].arg } };
		long ret = kvm_tdx_vm_ioctl(m->vm, KVM_ENABLE_CAP, &c);

		if (ret)
			return vmm_fail(err, errlen, "KVM_ENABLE_CAP(%s): %s", caps[i].name, strerror((int)-ret));
	}
	return 0;
}

static int init_vm(struct machine *m, char *err, size_t errlen)
{
	const struct vmm_opts *o = m->opts;
	struct kvm_tdx_init_vm *init;
	long ret;

	if (o->attributes & ~m->supported_attrs)
		return vmm_fail(err, errlen, "-object tdx-guest,id=%s: Invalid attributes 0x%llx for TDX VM (KVM supported: 0x%llx)",
			    o->tdx_id, (unsigned long long)o->attributes,
			    (unsigned long long)m->supported_attrs);
	init = calloc(1, sizeof(*init) + sizeof(struct kvm_tdx_cpuid_entry2));
	if (!init)
		return vmm_fail(err, errlen, "out of memory");
	init->attributes = o->attributes;
	init->xfam = MACHINE_TD_XFAM;
	memcpy(init->mrconfigid, o->mrconfigid, TDX_DIGEST_SIZE);
	memcpy(init->mrowner, o->mrowner, TDX_DIGEST_SIZE);
	memcpy(init->mrownerconfig, o->mrownerconfig, TDX_DIGEST_SIZE);
	init->cpuid.nent = 1;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){
		.function = 0x80000008, .eax = (MACHINE_GPAW << 16) | TD_PHYS_BITS };
	ret = tdx_ioctl(m, NULL, KVM_TDX_INIT_VM, 0, (uintptr_t)init, err, errlen);
	free(init);
	return ret ? -1 : 0;
}

/* A guest_memfd memslot over [@gpa, +@size), shared half at @uaddr (or none), made private. */
static int private_slot(struct machine *m, uint32_t slot, uint64_t gpa, uint64_t size, void *uaddr,
			char *err, size_t errlen)
{
	struct kvm_create_guest_memfd g = { .size = size };
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)uaddr,
	};
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };
	long fd = kvm_tdx_vm_ioctl(m->vm, KVM_CREATE_GUEST_MEMFD, &g), ret;

	if (fd < 0)
		return vmm_fail(err, errlen, "KVM_CREATE_GUEST_MEMFD (%llu MiB): %s",
			    (unsigned long long)(size >> 20), strerror((int)-fd));
	r.guest_memfd = (uint32_t)fd;
	ret = kvm_tdx_vm_ioctl(m->vm, KVM_SET_USER_MEMORY_REGION2, &r);
	if (!ret)
		ret = kvm_tdx_vm_ioctl(m->vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
	if (ret)
		return vmm_fail(err, errlen, "memslot %u at 0x%llx: %s", slot, (unsigned long long)gpa,
			    strerror((int)-ret));
	return 0;
}

/* The firmware must sit inside the 4 GiB - size mapping or RAM; BFV/CFV in the former. */
static int check_section_placement(struct machine *m, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < m->tdvf.nr_sections; i++) {
		const struct tdvf_section_entry *s = &m->tdvf.sections[i];
		bool in_fw = s->memory_address >= m->bios_gpa;

		if ((s->type == TDVF_SECTION_TYPE_BFV || s->type == TDVF_SECTION_TYPE_CFV) && !in_fw)
			return vmm_fail(err, errlen, "-bios %s: TDVF section %u (%s) at 0x%llx is below the firmware at 0x%llx",
				    m->opts->bios, i, tdvf_section_type_name(s->type),
				    (unsigned long long)s->memory_address,
				    (unsigned long long)m->bios_gpa);
		if ((s->type == TDVF_SECTION_TYPE_TD_HOB || s->type == TDVF_SECTION_TYPE_TEMP_MEM) && in_fw)
			return vmm_fail(err, errlen, "-bios %s: TDVF section %u (%s) lies in the firmware image, not in RAM",
				    m->opts->bios, i, tdvf_section_type_name(s->type));
	}
	return 0;
}

static int add_sections(struct machine *m, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < m->tdvf.nr_sections; i++) {
		const struct tdvf_section_entry *s = &m->tdvf.sections[i];
		struct kvm_tdx_init_mem_region r;
		uint8_t *src;
		long ret;

		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			continue;	/* left PENDING: the firmware accepts it */
		src = aligned_alloc(MACHINE_PAGE, s->memory_data_size);
		if (!src)
			return vmm_fail(err, errlen, "out of memory");
		memset(src, 0, s->memory_data_size);
		if (s->type == TDVF_SECTION_TYPE_BFV || s->type == TDVF_SECTION_TYPE_CFV)
			memcpy(src, m->bios + s->data_offset, s->raw_data_size);
		else if (s->type == TDVF_SECTION_TYPE_TD_HOB &&
			 machine_tdvf_hob(m, false, src, s->memory_data_size, err, errlen)) {
			free(src);
			return -1;
		}
		r = (struct kvm_tdx_init_mem_region){ (uintptr_t)src, s->memory_address,
						      s->memory_data_size / MACHINE_PAGE };
		ret = tdx_ioctl(m, m->vcpu[0].td, KVM_TDX_INIT_MEM_REGION,
				(s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND) ?
				KVM_TDX_MEASURE_MEMORY_REGION : 0, (uintptr_t)&r, err, errlen);
		free(src);
		if (ret)
			return -1;
	}
	return 0;
}

/*
 * MRTD for query-tdx, as the host kernel reads TD metadata (TDH.MNG.RD of
 * the six MRTD elements); left zero if the module refuses.
 */
static void read_mrtd(struct machine *m)
{
	for (unsigned int i = 0; i < sizeof(m->mrtd) / 8; i++) {
		struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = kvm_tdx_vm_tdr_pa(m->vm),
					     .rdx = MD_TD_MRTD + i };

		if (tdx_host_seamcall(m->boot.host, 0, &a) != TDX_SUCCESS)
			return;
		memcpy(m->mrtd + 8 * i, &a.r8, 8);
	}
}

int tdx_guest_build(struct machine *m, char *err, size_t errlen)
{
	int ret;

	if (check_section_placement(m, err, errlen) || boot_host(m, err, errlen))
		return -1;
	if (kvm_tdx_check_extension(m->boot.host, KVM_CAP_VM_TYPES) & (1L << KVM_X86_TDX_VM)) {
		ret = kvm_tdx_create_vm(m->boot.host, KVM_X86_TDX_VM, &m->vm);
		if (ret)
			return vmm_fail(err, errlen, "KVM_CREATE_VM(KVM_X86_TDX_VM): %s", strerror(-ret));
	} else {
		return vmm_fail(err, errlen, "vm-type tdx not supported by KVM");
	}
	if (get_capabilities(m, err, errlen) || enable_caps(m, err, errlen) || init_vm(m, err, errlen))
		return -1;
	m->hob_gpa = m->tdvf.sections[m->tdvf.td_hob].memory_address;
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];

		v->m = m;
		v->index = i;
		ret = kvm_tdx_create_vcpu(m->vm, i, &v->td);
		if (ret)
			return vmm_fail(err, errlen, "KVM_CREATE_VCPU %u: %s", i, strerror(-ret));
		if (tdx_ioctl(m, v->td, KVM_TDX_INIT_VCPU, 0, m->hob_gpa, err, errlen))
			return -1;
		v->run = kvm_tdx_vcpu_run_page(v->td);
		if (!v->run)
			return vmm_fail(err, errlen, "out of memory");
	}
	for (unsigned int i = 0; i < m->nr_ram; i++)
		if (private_slot(m, i, m->ram[i].gpa, m->ram[i].size, m->ram[i].host, err, errlen))
			return -1;
	if (private_slot(m, 2, m->bios_gpa, m->bios_size, NULL, err, errlen) ||
	    add_sections(m, err, errlen))
		return -1;
	if (tdx_ioctl(m, NULL, KVM_TDX_FINALIZE_VM, 0, 0, err, errlen))
		return -1;
	read_mrtd(m);
	return 0;
}

void tdx_guest_destroy(struct machine *m)
{
	if (m->vm)
		kvm_tdx_destroy_vm(m->vm);
	m->vm = NULL;
	if (m->host_up)
		host_boot_teardown(&m->boot);
	m->host_up = false;
}

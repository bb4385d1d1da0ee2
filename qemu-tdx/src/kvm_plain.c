/*
 * Plain-VM mode: without confidential-guest-support the same machine is
 * an ordinary KVM VM on the host's /dev/kvm: regular memslots, the
 * firmware mapped read-only at 4 GiB - size, an in-kernel irqchip, vCPUs
 * at the architectural reset state (real mode, CS:IP = F000:FFF0 with
 * base 0xFFFF0000), so the reset vector runs in real mode.  A TDVF image
 * also gets its TD HOB written at the TD_HOB section, with all RAM
 * reported accepted, so one firmware boots both ways.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "machine.h"

#define PLAIN_TSS_ADDR		0xFEFFD000UL	/* QEMU's */
#define PLAIN_IDENTITY_MAP	0xFEFFC000ULL
#define PLAIN_MAX_CPUID		256
#define BIOS_SLOT		2

static int set_slot(struct machine *m, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		    bool readonly, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = readonly ? KVM_MEM_READONLY : 0, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)host,
	};

	if (ioctl(m->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return vmm_fail(err, errlen, "KVM_SET_USER_MEMORY_REGION at 0x%llx: %s",
			    (unsigned long long)gpa, strerror(errno));
	return 0;
}

static int setup_cpuid(struct machine *m, struct vmm_vcpu *v, char *err, size_t errlen)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + PLAIN_MAX_CPUID * sizeof(c->entries[0]));
	int ret;

	if (!c)
		return vmm_fail(err, errlen, "out of memory");
	c->nent = PLAIN_MAX_CPUID;
	if (ioctl(m->kvm_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return vmm_fail(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		/* The initial APIC id is the vCPU index. */
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00FFFFFF) | (v->index << 24);
		if (e->function == 0xB || e->function == 0x1F)
			e->edx = v->index;
	}
	ret = ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (ret)
		return vmm_fail(err, errlen, "KVM_SET_CPUID2 on vCPU %u: %s", v->index, strerror(errno));
	return 0;
}

int kvm_plain_build(struct machine *m, char *err, size_t errlen)
{
	long mmap_size;

	m->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm_fd < 0)
		return vmm_fail(err, errlen, "Could not access KVM kernel module: %s", strerror(errno));
	if (ioctl(m->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return vmm_fail(err, errlen, "KVM API version mismatch");
	m->vm_fd = ioctl(m->kvm_fd, KVM_CREATE_VM, 0);
	if (m->vm_fd < 0)
		return vmm_fail(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
	if (ioctl(m->vm_fd, KVM_SET_TSS_ADDR, PLAIN_TSS_ADDR)) {
		return vmm_fail(err, errlen, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	} else {
		uint64_t idmap = PLAIN_IDENTITY_MAP;

		if (ioctl(m->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
			return vmm_fail(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	}
	if (ioctl(m->vm_fd, KVM_CREATE_IRQCHIP, 0))
		return vmm_fail(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));

	for (unsigned int i = 0; i < m->nr_ram; i++)
		if (set_slot(m, i, m->ram[i].gpa, m->ram[i].size, m->ram[i].host, false, err, errlen))
			return -1;
	if (m->has_tdvf) {
		const struct tdvf_section_entry *hob = &m->tdvf.sections[m->tdvf.td_hob];
		char why[256];
		void *dst = machine_guest_mem(m, hob->memory_address, hob->memory_data_size, why,
					      sizeof(why));

		if (!dst)
			return vmm_fail(err, errlen, "-bios %s: TD_HOB section at 0x%llx: %s", m->opts->bios,
				    (unsigned long long)hob->memory_address, why);
		if (machine_tdvf_hob(m, true, dst, hob->memory_data_size, err, errlen))
			return -1;
	}
	/* The firmware is ROM: a private copy, mapped read-only. */
	m->bios_rom = mmap(NULL, m->bios_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (m->bios_rom == MAP_FAILED) {
		m->bios_rom = NULL;
		return vmm_fail(err, errlen, "out of memory");
	}
	memcpy(m->bios_rom, m->bios, m->bios_size);
	if (set_slot(m, BIOS_SLOT, m->bios_gpa, m->bios_size, m->bios_rom,
		     ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0, err, errlen))
		return -1;

	mmap_size = ioctl(m->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (long)sizeof(struct kvm_run))
		return vmm_fail(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];
		void *run;

		v->m = m;
		v->index = i;
		v->fd = ioctl(m->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			return vmm_fail(err, errlen, "KVM_CREATE_VCPU %u: %s", i, strerror(errno));
		run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (run == MAP_FAILED)
			return vmm_fail(err, errlen, "mmap of vCPU %u: %s", i, strerror(errno));
		v->run = run;
		v->run_size = (size_t)mmap_size;
		if (setup_cpuid(m, v, err, errlen))
			return -1;
	}
	return 0;
}

long kvm_plain_run(struct vmm_vcpu *v)
{
	return ioctl(v->fd, KVM_RUN, 0) ? -errno : 0;
}

void kvm_plain_destroy(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];

		if (v->run && v->run_size)
			munmap(v->run, v->run_size);
		if (v->fd > 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
	if (m->vm_fd >= 0)
		close(m->vm_fd);
	if (m->bios_rom)
		munmap(m->bios_rom, m->bios_size);
	m->bios_rom = NULL;
	if (m->kvm_fd >= 0)
		close(m->kvm_fd);
	m->vm_fd = m->kvm_fd = -1;
}

/*
 * One KVM VM per TD: the /dev/kvm probe, private GPA windows over the
 * platform's DRAM file, and shared memory slots (td_vcpu.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "dram_backing.h"
#include "platform.h"
#include "td_vcpu_internal.h"

int td_vcpu_probe(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int api, vm;

	if (fd < 0) {
		int e = errno;

		snprintf(why, len, "/dev/kvm: %s", strerror(e));
		return -e;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm: API version %d, need %d", api, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		int e = errno;

		snprintf(why, len, "/dev/kvm: KVM_CREATE_VM: %s", strerror(e));
		close(fd);
		return -e;
	}
	close(vm);
	close(fd);
	snprintf(why, len, "/dev/kvm usable");
	return 0;
}

/*
 * The TD's virtual APIC is KVM's in-kernel LAPIC: a split irqchip (no
 * in-kernel PIC or IOAPIC: a TD has none), 32-bit x2APIC IDs, and no
 * xAPIC broadcast quirk.
 */
static int virtual_apic_init(struct td_vm *vm)
{
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	struct kvm_enable_cap x2apic = {
		.cap = KVM_CAP_X2APIC_API,
		.args[0] = KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK,
	};

	/* Denied MSR accesses come to user space, where the module decides. */
	struct kvm_enable_cap msr = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args[0] = KVM_MSR_EXIT_REASON_FILTER };

	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &split) || ioctl(vm->vm_fd, KVM_ENABLE_CAP, &x2apic) ||
	    ioctl(vm->vm_fd, KVM_ENABLE_CAP, &msr))
		return -errno;
	return 0;
}

int td_vm_set_msr_bitmaps(struct td_vm *vm, const struct td_vm_msr_bitmaps *b)
{
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges = {
			{ KVM_MSR_FILTER_READ, 0x2000, 0x0, (uint8_t *)b->read_low },
			{ KVM_MSR_FILTER_WRITE, 0x2000, 0x0, (uint8_t *)b->write_low },
			{ KVM_MSR_FILTER_READ, 0x2000, 0xC0000000, (uint8_t *)b->read_high },
			{ KVM_MSR_FILTER_WRITE, 0x2000, 0xC0000000, (uint8_t *)b->write_high },
		},
	};

	return ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) ? -errno : 0;
}

int td_vm_post_interrupt(struct td_vm *vm, uint32_t apic_id, uint8_t vector)
{
	/* A fixed, edge, physical-destination MSI: the in-kernel LAPIC takes it. */
	struct kvm_msi msi = {
		.address_lo = 0xFEE00000U | (apic_id & 0xFFU) << 12,
		.address_hi = apic_id & 0xFFFFFF00U,
		.data = vector,
	};
	int ret = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);

	if (ret < 0)
		return -errno;
	return ret > 0 ? 0 : -ENXIO;	/* 0: no APIC took it (disabled, or no such ID) */
}

int td_vm_create(struct platform *plat, struct td_vm **out)
{
	struct td_vm *vm = calloc(1, sizeof(*vm));
	int ret;

	*out = NULL;
	if (!vm)
		return -ENOMEM;
	pthread_mutex_init(&vm->lock, NULL);
	vm->kvm_fd = vm->vm_fd = -1;
	ret = platform_dram_backing(plat, &vm->dram);
	if (ret)
		goto err;
	vm->tdcall_ud = platform_cfg(plat)->tdcall_ud;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		goto err;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0 || vm->run_size <= 0) {
		ret = -errno;
		goto err;
	}
	ret = virtual_apic_init(vm);
	if (ret)
		goto err;
	*out = vm;
	return 0;
err:
	td_vm_destroy(vm);
	return ret ? ret : -EIO;
}

void td_vm_destroy(struct td_vm *vm)
{
	if (!vm)
		return;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	for (unsigned int i = 0; i < vm->nr_windows; i++)
		munmap(vm->window[i].hva, TD_VM_WINDOW);
	pfn_map_free(&vm->by_gpa);
	pfn_map_free(&vm->by_hpa);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

static int set_slot(struct td_vm *vm, uint32_t slot, uint64_t gpa, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* The window holding @gpa, made (PROT_NONE, one memslot) on first use. */
static struct td_vm_window *window(struct td_vm *vm, uint64_t gpa, bool create)
{
	uint64_t base = gpa & ~(TD_VM_WINDOW - 1);
	struct td_vm_window *w;
	void *hva;

	for (unsigned int i = 0; i < vm->nr_windows; i++)
		if (vm->window[i].gpa == base)
			return &vm->window[i];
	if (!create || vm->nr_windows == TD_VM_MAX_WINDOWS)
		return NULL;
	hva = mmap(NULL, TD_VM_WINDOW, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		   0);
	if (hva == MAP_FAILED)
		return NULL;
	w = &vm->window[vm->nr_windows];
	w->gpa = base;
	w->hva = hva;
	w->slot = TD_VM_PRIVATE_SLOT0 + vm->nr_windows;
	if (set_slot(vm, w->slot, base, hva, TD_VM_WINDOW)) {
		munmap(hva, TD_VM_WINDOW);
		return NULL;
	}
	vm->nr_windows++;
	return w;
}

/* Record (or, with @hpa ~0, forget) that GPA page @gpa is host page @hpa. */
static int track(struct td_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += 4096) {
		uint64_t g = (gpa + off) >> 12, old;

		if (pfn_map_get(&vm->by_gpa, g, &old)) {
			pfn_map_del(&vm->by_hpa, old);
			pfn_map_del(&vm->by_gpa, g);
		}
		if (hpa == ~0ULL)
			continue;
		if (pfn_map_put(&vm->by_gpa, g, (hpa + off) >> 12) ||
		    pfn_map_put(&vm->by_hpa, (hpa + off) >> 12, g))
			return -ENOMEM;
	}
	return 0;
}

static bool range_ok(const struct td_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	return size && !(gpa & 0xFFF) && !(hpa & 0xFFF) && !(size & 0xFFF) &&
	       hpa + size <= vm->dram.size && hpa + size > hpa && gpa + size > gpa;
}

int td_vm_map_private(struct td_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	int ret = 0;

	if (!range_ok(vm, gpa, hpa, size))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	while (size) {
		struct td_vm_window *w = window(vm, gpa, true);
		uint64_t off = gpa - (gpa & ~(TD_VM_WINDOW - 1));
		uint64_t n = TD_VM_WINDOW - off < size ? TD_VM_WINDOW - off : size;

		if (!w) {
			ret = -ENOSPC;
			break;
		}
		if (mmap(w->hva + off, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 vm->dram.fd, (off_t)hpa) == MAP_FAILED) {
			ret = -errno;
			break;
		}
		ret = track(vm, gpa, hpa, n);
		if (ret)
			break;
		gpa += n;
		hpa += n;
		size -= n;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int td_vm_unmap_private(struct td_vm *vm, uint64_t gpa, uint64_t size)
{
	int ret = 0;

	if (!range_ok(vm, gpa, 0, size))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	while (size) {
		struct td_vm_window *w = window(vm, gpa, false);
		uint64_t off = gpa - (gpa & ~(TD_VM_WINDOW - 1));
		uint64_t n = TD_VM_WINDOW - off < size ? TD_VM_WINDOW - off : size;

		if (w) {
			if (mmap(w->hva + off, n, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
				 0) == MAP_FAILED) {
				ret = -errno;
				break;
			}
			track(vm, gpa, ~0ULL, n);
		}
		gpa += n;
		size -= n;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int td_vm_map_shared(struct td_vm *vm, unsigned int slot, uint64_t gpa, void *hva,
		     uint64_t size)
{
	int ret;

	if (slot >= TD_VM_SHARED_SLOTS || (gpa & 0xFFF) || (size & 0xFFF) ||
	    ((uintptr_t)hva & 0xFFF))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	ret = set_slot(vm, slot, gpa, size ? hva : NULL, size);
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

unsigned int td_vm_unmap_hpa(struct td_vm *vm, uint64_t hpa, uint64_t size)
{
	unsigned int n = 0;

	pthread_mutex_lock(&vm->lock);
	for (uint64_t p = hpa >> 12; p <= (hpa + size - 1) >> 12; p++) {
		struct td_vm_window *w;
		uint64_t g;

		if (!pfn_map_get(&vm->by_hpa, p, &g))
			continue;
		w = window(vm, g << 12, false);
		if (w && mmap(w->hva + ((g << 12) - w->gpa), 4096, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
			      0) != MAP_FAILED) {
			track(vm, g << 12, ~0ULL, 4096);
			n++;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	return n;
}

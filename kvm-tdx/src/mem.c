/*
 * A TD's memory from the host side: guest_memfd (private pages kvm-tdx
 * allocates), memslots pairing it with the VMM's shared memory, the
 * private attribute, KVM_TDX_INIT_MEM_REGION (SEPT.ADD for missing
 * levels, PAGE.ADD, MR.EXTEND), and reclaim at teardown.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_status.h>

#include "kvm_tdx_internal.h"
#include "platform.h"
#include "pmem.h"
#include "tdh.h"

long kvm_tdx_create_gmem(struct kvm_tdx_vm *vm, struct kvm_create_guest_memfd *arg)
{
	if (!arg || !arg->size || !TDX_IS_ALIGNED(arg->size, TDX_PAGE_SIZE) || arg->flags)
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++)
		if (arg->reserved[i])
			return -EINVAL;
	for (unsigned int i = 0; i < KVM_TDX_MAX_GMEM; i++) {
		struct kvm_tdx_gmem *g = &vm->gmem[i];

		if (g->used)
			continue;
		g->pages = calloc(arg->size / TDX_PAGE_SIZE, sizeof(uint64_t));
		if (!g->pages)
			return -ENOMEM;
		g->size = arg->size;
		g->used = true;
		return (long)i;
	}
	return -EMFILE;
}

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static int shared_ept_sync(struct kvm_tdx_vm *vm, uint64_t gpa, uint64_t size);

long kvm_tdx_set_memory_region2(struct kvm_tdx_vm *vm, const struct kvm_userspace_memory_region2 *r)
{
	struct kvm_tdx_memslot *s;

	if (!r || r->slot >= KVM_TDX_MAX_MEMSLOTS || (r->flags & ~KVM_MEM_GUEST_MEMFD))
		return -EINVAL;
	s = &vm->slots[r->slot];
	if (!r->memory_size) {
		/* Deleting a slot with private pages is a conversion this version does not do. */
		return s->used ? -EBUSY : -EINVAL;
	}
	if (s->used)
		return -EEXIST;
	if (!TDX_IS_ALIGNED(r->guest_phys_addr, TDX_PAGE_SIZE) ||
	    !TDX_IS_ALIGNED(r->memory_size, TDX_PAGE_SIZE) ||
	    r->guest_phys_addr + r->memory_size < r->guest_phys_addr)
		return -EINVAL;
	for (unsigned int i = 0; i < KVM_TDX_MAX_MEMSLOTS; i++)
		if (vm->slots[i].used && overlaps(vm->slots[i].gpa, vm->slots[i].size,
						  r->guest_phys_addr, r->memory_size))
			return -EEXIST;
	if (r->flags & KVM_MEM_GUEST_MEMFD) {
		const struct kvm_tdx_gmem *g;

		if (r->guest_memfd >= KVM_TDX_MAX_GMEM || !vm->gmem[r->guest_memfd].used)
			return -EINVAL;
		g = &vm->gmem[r->guest_memfd];
		if (!TDX_IS_ALIGNED(r->guest_memfd_offset, TDX_PAGE_SIZE) ||
		    r->guest_memfd_offset > g->size || r->memory_size > g->size - r->guest_memfd_offset)
			return -EINVAL;
	}
	s->private_bitmap = calloc((r->memory_size / TDX_PAGE_SIZE + 7) / 8, 1);
	if (!s->private_bitmap)
		return -ENOMEM;
	s->used = true;
	s->flags = r->flags;
	s->gpa = r->guest_phys_addr;
	s->size = r->memory_size;
	s->uaddr = r->userspace_addr;
	s->gmem_offset = r->guest_memfd_offset;
	s->gmem = r->guest_memfd;
	return vm->state == TD_STATE_RUNNABLE ? shared_ept_sync(vm, s->gpa, s->size) : 0;
}

static struct kvm_tdx_memslot *slot_of(struct kvm_tdx_vm *vm, uint64_t gpa)
{
	for (unsigned int i = 0; i < KVM_TDX_MAX_MEMSLOTS; i++) {
		struct kvm_tdx_memslot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

static bool page_private(const struct kvm_tdx_memslot *s, uint64_t gpa)
{
	uint64_t i = (gpa - s->gpa) / TDX_PAGE_SIZE;

	return s->private_bitmap[i / 8] & (1U << (i % 8));
}

static uint64_t *gmem_page_slot(struct kvm_tdx_vm *vm, struct kvm_tdx_memslot *s, uint64_t gpa);

#define CONVERT_RETRIES	1000

/*
 * Linux's private-to-shared path for one 4 KiB page: BLOCK, TRACK, every
 * vCPU out of the TD once (they enter again under the new TLB epoch),
 * REMOVE, then the page is flushed, cleared and freed.
 */
static int remove_private_page(struct kvm_tdx_vm *vm, struct kvm_tdx_memslot *s, uint64_t gpa)
{
	uint64_t *slot = gmem_page_slot(vm, s, gpa), pa = *slot, st;
	unsigned int n;

	/*
	 * A vCPU entering, exiting or in a TDCALL holds the TD for a moment
	 * (busy); one still inside from before the last TRACK keeps the epoch
	 * from moving.  Retry as Linux does, kicking the vCPUs out.
	 */
	for (n = 0;; n++) {
		st = host_tdh_mem_range_block(vm->host, vm->tdr_pa, gpa, 0, NULL, NULL);
		if (!tdx_status_is_busy(st) || n == CONVERT_RETRIES)
			break;
		sched_yield();
	}
	for (n = 0; st == TDX_SUCCESS; n++) {
		st = host_tdh_mem_track(vm->host, vm->tdr_pa);
		if (!tdx_status_is_busy(st) || n == CONVERT_RETRIES)
			break;
		kvm_tdx_vcpus_kick_and_wait(vm);
	}
	for (n = 0; st == TDX_SUCCESS || tdx_status_is_busy(st) ||
		    tdx_status_code_eq(st, TDX_TLB_TRACKING_NOT_DONE); n++) {
		if (n == CONVERT_RETRIES || kvm_tdx_vcpus_kick_and_wait(vm)) {
			host_log(vm->host, "converting 0x%llx: the vCPUs did not leave the TD",
				 (unsigned long long)gpa);
			return -EIO;
		}
		st = host_tdh_mem_page_remove(vm->host, vm->tdr_pa, gpa, 0, NULL, NULL);
		if (st == TDX_SUCCESS)
			break;
	}
	if (st != TDX_SUCCESS) {
		kvm_tdx_seamcall_errno(vm, "TDH.MEM.PAGE.REMOVE (conversion)", st, NULL);
		return -EIO;
	}
	*slot = 0;
	kvm_tdx_flush_free_page(vm, pa, vm->hkid);
	return 0;
}

/*
 * The shared EPT for [@gpa, +@size): every shared page of a slot with host
 * memory is backed by it at GPA | shared bit, every private one is not.
 */
static int shared_ept_sync(struct kvm_tdx_vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t shared = kvm_tdx_shared_bit(vm);

	for (unsigned int i = 0; i < KVM_TDX_MAX_MEMSLOTS; i++) {
		struct kvm_tdx_memslot *s = &vm->slots[i];
		uint64_t lo, hi, p;

		if (!s->used || !overlaps(s->gpa, s->size, gpa, size))
			continue;
		lo = gpa > s->gpa ? gpa : s->gpa;
		hi = gpa + size < s->gpa + s->size ? gpa + size : s->gpa + s->size;
		for (p = lo; p < hi;) {
			bool priv = page_private(s, p) || !s->uaddr;
			uint64_t q = p;
			int ret;

			while (q < hi && (page_private(s, q) || !s->uaddr) == priv)
				q += TDX_PAGE_SIZE;
			ret = platform_shared_ept_map(vm->host->plat, vm->tdr_pa, p | shared,
						      priv ? NULL : (void *)(uintptr_t)(s->uaddr + p - s->gpa),
						      q - p);
			if (ret)
				return ret;
			p = q;
		}
	}
	return 0;
}

int kvm_tdx_shared_ept_sync_all(struct kvm_tdx_vm *vm)
{
	for (unsigned int i = 0; i < KVM_TDX_MAX_MEMSLOTS; i++) {
		int ret;

		if (!vm->slots[i].used)
			continue;
		ret = shared_ept_sync(vm, vm->slots[i].gpa, vm->slots[i].size);
		if (ret)
			return ret;
	}
	return 0;
}

long kvm_tdx_set_memory_attributes(struct kvm_tdx_vm *vm, const struct kvm_memory_attributes *a)
{
	if (!a || a->flags || (a->attributes & ~KVM_MEMORY_ATTRIBUTE_PRIVATE) ||
	    !TDX_IS_ALIGNED(a->address, TDX_PAGE_SIZE) || !TDX_IS_ALIGNED(a->size, TDX_PAGE_SIZE) ||
	    !a->size || a->address + a->size < a->address)
		return -EINVAL;
	/* Check phase: every page has a guest_memfd slot when made private. */
	for (uint64_t gpa = a->address; gpa < a->address + a->size; gpa += TDX_PAGE_SIZE) {
		struct kvm_tdx_memslot *s = slot_of(vm, gpa);

		if (a->attributes && (!s || !(s->flags & KVM_MEM_GUEST_MEMFD)))
			return -EINVAL;
		/* Before FINALIZE private pages are build-time pages: they stay. */
		if (!a->attributes && s && page_private(s, gpa) && vm->state != TD_STATE_RUNNABLE &&
		    vm->gmem[s->gmem].pages[(s->gmem_offset + gpa - s->gpa) / TDX_PAGE_SIZE])
			return -EBUSY;
	}
	for (uint64_t gpa = a->address; gpa < a->address + a->size; gpa += TDX_PAGE_SIZE) {
		struct kvm_tdx_memslot *s = slot_of(vm, gpa);
		uint64_t i;

		if (!s)
			continue;
		i = (gpa - s->gpa) / TDX_PAGE_SIZE;
		/* To shared: the private page leaves the TD (BLOCK, TRACK, REMOVE). */
		if (!a->attributes && page_private(s, gpa) && vm->state == TD_STATE_RUNNABLE &&
		    *gmem_page_slot(vm, s, gpa) && remove_private_page(vm, s, gpa))
			return -EIO;
		if (a->attributes)
			s->private_bitmap[i / 8] |= (uint8_t)(1U << (i % 8));
		else
			s->private_bitmap[i / 8] &= (uint8_t)~(1U << (i % 8));
	}
	if (vm->state == TD_STATE_RUNNABLE)
		return shared_ept_sync(vm, a->address, a->size);
	return 0;
}

static uint64_t *gmem_page_slot(struct kvm_tdx_vm *vm, struct kvm_tdx_memslot *s, uint64_t gpa)
{
	return &vm->gmem[s->gmem].pages[(s->gmem_offset + gpa - s->gpa) / TDX_PAGE_SIZE];
}

uint64_t kvm_tdx_vm_private_pa(const struct kvm_tdx_vm *vm, uint64_t gpa)
{
	struct kvm_tdx_memslot *s = slot_of((struct kvm_tdx_vm *)vm, gpa & ~0xFFFULL);

	if (!s || !(s->flags & KVM_MEM_GUEST_MEMFD))
		return 0;
	return *gmem_page_slot((struct kvm_tdx_vm *)vm, s, gpa & ~0xFFFULL);
}

static bool sept_exists(const struct kvm_tdx_vm *vm, unsigned int level, uint64_t gpa)
{
	for (unsigned int i = 0; i < vm->nr_sept; i++)
		if (vm->sept[i].level == level && vm->sept[i].gpa == gpa)
			return true;
	return false;
}

/* SEPT.ADD for each missing table level above a 4K page at @gpa. */
static int ensure_sept(struct kvm_tdx_vm *vm, uint64_t gpa, struct kvm_tdx_cmd *cmd)
{
	for (unsigned int level = 3; level >= 1; level--) {
		uint64_t span = 1ULL << (12 + 9 * level);
		uint64_t base = gpa & ~(span - 1);
		uint64_t pa, st;

		if (sept_exists(vm, level, base))
			continue;
		if (vm->nr_sept == KVM_TDX_MAX_SEPT)
			return -ENOSPC;
		if (tdx_host_alloc_pages(vm->host, 1, 0, &pa))
			return -ENOMEM;
		st = host_tdh_mem_sept_add(vm->host, vm->tdr_pa, base, level, pa, NULL, NULL);
		if (st != TDX_SUCCESS) {
			tdx_host_free_pages(vm->host, pa, 1);
			return kvm_tdx_seamcall_errno(vm, "TDH.MEM.SEPT.ADD", st, cmd);
		}
		vm->sept[vm->nr_sept++] = (struct kvm_tdx_sept_page){ level, base, pa };
	}
	return 0;
}

/* One page: private backing, SEPT levels, PAGE.ADD, and MR.EXTEND if measured. */
static int add_one_page(struct kvm_tdx_vm *vm, uint64_t gpa, const void *src, bool measure,
			uint64_t staging, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_memslot *s = slot_of(vm, gpa);
	uint64_t *slot, st;
	int ret;

	if (!s || !(s->flags & KVM_MEM_GUEST_MEMFD) || !page_private(s, gpa))
		return -EINVAL;
	slot = gmem_page_slot(vm, s, gpa);
	if (*slot)
		return -EEXIST;	/* already populated */
	ret = ensure_sept(vm, gpa, cmd);
	if (ret)
		return ret;
	if (tdx_host_alloc_pages(vm->host, 1, 0, slot))
		return -ENOMEM;
	ret = pmem_host_write(vm->host->plat, staging, src, TDX_PAGE_SIZE);
	if (ret) {
		tdx_host_free_pages(vm->host, *slot, 1);
		*slot = 0;
		return ret;
	}
	st = host_tdh_mem_page_add(vm->host, vm->tdr_pa, gpa, *slot, staging, NULL, NULL);
	if (st != TDX_SUCCESS) {
		tdx_host_free_pages(vm->host, *slot, 1);
		*slot = 0;
		return kvm_tdx_seamcall_errno(vm, "TDH.MEM.PAGE.ADD", st, cmd);
	}
	for (unsigned int off = 0; measure && off < TDX_PAGE_SIZE; off += 256) {
		st = host_tdh_mr_extend(vm->host, vm->tdr_pa, gpa + off, NULL, NULL);
		if (st != TDX_SUCCESS)
			return kvm_tdx_seamcall_errno(vm, "TDH.MR.EXTEND", st, cmd);
	}
	return 0;
}

static bool private_gpa(const struct kvm_tdx_vm *vm, uint64_t gpa)
{
	return gpa < kvm_tdx_shared_bit(vm);
}

int kvm_tdx_init_mem_region(struct kvm_tdx_vcpu *vcpu, struct kvm_tdx_cmd *cmd)
{
	struct kvm_tdx_vm *vm = vcpu->vm;
	struct kvm_tdx_init_mem_region *r = (void *)(uintptr_t)cmd->data;
	bool measure = cmd->flags & KVM_TDX_MEASURE_MEMORY_REGION;
	uint64_t staging, size;
	int ret = 0;

	if (!r || (cmd->flags & ~KVM_TDX_MEASURE_MEMORY_REGION))
		return -EINVAL;
	/* Upstream: only a TD being built, through a vCPU that had INIT_VCPU. */
	if (vm->state != TD_STATE_INITIALIZED || vcpu->state != VCPU_TD_STATE_INITIALIZED)
		return -EINVAL;
	/* The whole range, checked before the first page: no wrap, all private. */
	size = r->nr_pages << TDX_PAGE_SHIFT;
	if (!r->nr_pages || r->nr_pages > (UINT64_MAX >> TDX_PAGE_SHIFT) ||
	    !TDX_IS_ALIGNED(r->gpa, TDX_PAGE_SIZE) ||
	    !TDX_IS_ALIGNED(r->source_addr, TDX_PAGE_SIZE) || !r->source_addr ||
	    r->gpa + size <= r->gpa || !private_gpa(vm, r->gpa) ||
	    !private_gpa(vm, r->gpa + size - 1))
		return -EINVAL;
	if (tdx_host_alloc_pages(vm->host, 1, 0, &staging))
		return -ENOMEM;
	/* The struct tracks progress, so a failed call can be restarted. */
	while (r->nr_pages) {
		ret = add_one_page(vm, r->gpa, (const void *)(uintptr_t)r->source_addr, measure,
				   staging, cmd);
		if (ret)
			break;
		r->gpa += TDX_PAGE_SIZE;
		r->source_addr += TDX_PAGE_SIZE;
		r->nr_pages--;
	}
	tdx_host_free_pages(vm->host, staging, 1);
	return ret;
}

void kvm_tdx_mem_reclaim(struct kvm_tdx_vm *vm)
{
	/* Private pages first, then the SEPT pages (Linux reclaims those at teardown only). */
	for (unsigned int g = 0; g < KVM_TDX_MAX_GMEM; g++) {
		struct kvm_tdx_gmem *gm = &vm->gmem[g];

		for (uint64_t i = 0; gm->used && i < gm->size / TDX_PAGE_SIZE; i++) {
			if (gm->pages[i])
				kvm_tdx_reclaim_page(vm, gm->pages[i], vm->hkid);
			gm->pages[i] = 0;
		}
	}
	for (unsigned int i = 0; i < vm->nr_sept; i++)
		kvm_tdx_reclaim_page(vm, vm->sept[i].pa, vm->hkid);
	vm->nr_sept = 0;
}

void kvm_tdx_mem_free(struct kvm_tdx_vm *vm)
{
	for (unsigned int i = 0; i < KVM_TDX_MAX_MEMSLOTS; i++)
		free(vm->slots[i].private_bitmap);
	for (unsigned int g = 0; g < KVM_TDX_MAX_GMEM; g++)
		free(vm->gmem[g].pages);
}

int kvm_tdx_fault_in(struct kvm_tdx_vm *vm, uint64_t gpa, struct kvm_run *run)
{
	struct kvm_memory_fault_exit *mf = kvm_tdx_run_memory_fault(run);
	struct kvm_tdx_memslot *s;
	uint64_t *slot, st;
	int ret = 0;

	gpa &= ~0xFFFULL;
	pthread_mutex_lock(&vm->lock);
	s = gpa >= kvm_tdx_shared_bit(vm) ? NULL : slot_of(vm, gpa);
	if (!s || !(s->flags & KVM_MEM_GUEST_MEMFD) || !page_private(s, gpa)) {
		/* Nothing private backs it (or it is shared now): the VMM must decide. */
		run->exit_reason = KVM_EXIT_MEMORY_FAULT;
		mf->flags = KVM_MEMORY_EXIT_FLAG_PRIVATE;
		mf->gpa = gpa;
		mf->size = TDX_PAGE_SIZE;
		ret = -EFAULT;
		goto out;
	}
	slot = gmem_page_slot(vm, s, gpa);
	if (*slot)
		goto out;	/* another vCPU faulted it in: enter again */
	ret = ensure_sept(vm, gpa, NULL);
	if (ret == -EBUSY) {
		ret = 0;	/* another vCPU holds the TD for a moment: enter, fault again */
		goto out;
	}
	if (ret)
		goto out;
	if (tdx_host_alloc_pages(vm->host, 1, 0, slot)) {
		ret = -ENOMEM;
		goto out;
	}
	st = host_tdh_mem_page_aug(vm->host, vm->tdr_pa, gpa, 0, *slot, NULL, NULL);
	if (st != TDX_SUCCESS) {
		tdx_host_free_pages(vm->host, *slot, 1);
		*slot = 0;
		/* Busy: enter again and fault again; anything else is the VMM's to see. */
		if (!tdx_status_is_busy(st))
			ret = kvm_tdx_seamcall_errno(vm, "TDH.MEM.PAGE.AUG", st, NULL);
	}
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

/*
 * The shared EPT (platform_shared_ept_map()): which host memory backs a
 * TD's shared GPAs.  The TD keeps the ranges, entry i being the vCPU
 * engine's shared slot i, so a TD whose engine comes later (its first
 * VP.ENTER) gets them all then (shared_ept_replay()).  Ranges never
 * overlap: a new one first cuts away what it covers.
 */
#include <errno.h>
#include <sched.h>

#include "module.h"
#include "platform.h"
#include "shared_ept.h"
#include "td.h"
#include "td_vcpu.h"

static int slot_set(struct td *td, unsigned int i, uint64_t gpa, uint8_t *hva, uint64_t size)
{
	td->shared[i] = (struct td_shared_range){ .gpa = gpa, .size = size, .hva = hva };
	return td->engine ? td_vm_map_shared(td->engine, i, gpa, hva, size) : 0;
}

static int slot_free(const struct td *td)
{
	for (unsigned int i = 0; i < TD_MAX_SHARED; i++)
		if (!td->shared[i].size)
			return (int)i;
	return -ENOSPC;
}

/* Cut [gpa, gpa + size) out of every range; a range may split in two. */
static int shared_cut(struct td *td, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;

	for (unsigned int i = 0; i < TD_MAX_SHARED; i++) {
		struct td_shared_range r = td->shared[i];
		uint64_t r_end = r.gpa + r.size;
		int ret, j;

		if (!r.size || r_end <= gpa || r.gpa >= end)
			continue;
		ret = slot_set(td, i, 0, NULL, 0);
		if (!ret && r.gpa < gpa)
			ret = slot_set(td, i, r.gpa, r.hva, gpa - r.gpa);
		if (!ret && r_end > end) {
			j = slot_free(td);
			ret = j < 0 ? j : slot_set(td, (unsigned int)j, end, r.hva + (end - r.gpa),
						   r_end - end);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int shared_ept_map(void *ctx, uint64_t tdr_pa, uint64_t gpa, void *hva, uint64_t size)
{
	struct tdx_module *mod = ctx;
	struct td *td;
	uint64_t shared;
	int ret, tries = 0;

	while ((td = td_lookup_trylock(mod, tdr_pa)) == TD_LOOKUP_BUSY && ++tries < 10000)
		sched_yield();
	if (td == TD_LOOKUP_BUSY)
		return -EBUSY;
	if (!td)
		return -EINVAL;
	/* Only an initialized TD has a GPA width, so a shared bit. */
	shared = td_shared_bit(td);
	if (td->op_state == OP_STATE_UNINITIALIZED || !size || (gpa & 0xFFF) || (size & 0xFFF) ||
	    ((uintptr_t)hva & 0xFFF) || !(gpa & shared) || gpa + size < gpa ||
	    (gpa + size - 1) >> td_gpaw(td)) {
		td_unlock(td);
		return -EINVAL;
	}
	ret = shared_cut(td, gpa, size);
	if (!ret && hva) {
		int i = slot_free(td);

		ret = i < 0 ? i : slot_set(td, (unsigned int)i, gpa, hva, size);
	}
	td_unlock(td);
	return ret;
}

/*
 * A host write poisoned TD-owned lines: whichever TD maps those pages
 * loses the mapping, so its next touch exits and becomes a machine check
 * (tdh_vp_enter.c).  The list lock keeps every engine alive meanwhile.
 */
static void poisoned(void *ctx, uint64_t pa, uint64_t len)
{
	struct tdx_module *mod = ctx;

	pthread_mutex_lock(&mod->td_list_lock);
	for (struct td *td = mod->tds; td; td = td->next)
		if (td->engine)
			td_vm_unmap_hpa(td->engine, pa, len);
	pthread_mutex_unlock(&mod->td_list_lock);
}

void shared_ept_register(struct tdx_module *mod)
{
	platform_set_shared_ept_handler(mod->plat, shared_ept_map, mod);
	platform_set_poison_handler(mod->plat, poisoned, mod);
}


int shared_ept_replay(struct td *td)
{
	for (unsigned int i = 0; i < TD_MAX_SHARED; i++) {
		const struct td_shared_range *r = &td->shared[i];
		int ret;

		if (!r->size)
			continue;
		ret = td_vm_map_shared(td->engine, i, r->gpa, r->hva, r->size);
		if (ret)
			return ret;
	}
	return 0;
}

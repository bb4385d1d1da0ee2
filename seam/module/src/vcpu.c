/*
 * vCPU objects: the state machine, the per-module registry, TDVPR
 * operand resolution, association and the initial architectural state.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "td.h"
#include "vcpu.h"
#include "td_vcpu.h"

#define VCPU_REGISTRY_BUCKETS	256

struct vcpu_registry {
	pthread_mutex_t lock;		/* guards the chains, not the vCPUs */
	struct vcpu *bucket[VCPU_REGISTRY_BUCKETS];
};

/* The edges of the state machine in vcpu.h, and the leaf or event taking each. */
static const bool vcpu_allowed[VCPU_STATE_NR][VCPU_STATE_NR] = {
	[VCPU_UNINITIALIZED] = { [VCPU_READY] = true },				/* VP.INIT */
	[VCPU_READY] = { [VCPU_ACTIVE] = true, [VCPU_DISABLED] = true },	/* ENTER, fatal */
	[VCPU_ACTIVE] = { [VCPU_READY] = true, [VCPU_DISABLED] = true },	/* exit, fatal */
	[VCPU_DISABLED] = { 0 },
};

bool vcpu_state_transition(struct vcpu *v, enum vcpu_state to)
{
	if ((unsigned int)to >= VCPU_STATE_NR || !vcpu_allowed[v->state][to])
		return false;
	v->state = to;
	return true;
}

/*
 * The registry is made on first use, under the module's TD list lock;
 * struct tdx_module is zeroed at creation, so NULL means "no vCPU yet".
 */
static struct vcpu_registry *registry(struct tdx_module *mod, bool create)
{
	struct vcpu_registry *r;

	pthread_mutex_lock(&mod->td_list_lock);
	r = mod->vcpus;
	if (!r && create) {
		r = calloc(1, sizeof(*r));
		if (r) {
			pthread_mutex_init(&r->lock, NULL);
			mod->vcpus = r;
		}
	}
	pthread_mutex_unlock(&mod->td_list_lock);
	return r;
}

static unsigned int bucket_of(uint64_t tdvpr_pa)
{
	return (unsigned int)((tdvpr_pa >> TDX_PAGE_SHIFT) % VCPU_REGISTRY_BUCKETS);
}

static struct vcpu *registry_find(struct tdx_module *mod, uint64_t tdvpr_pa)
{
	struct vcpu_registry *r = registry(mod, false);
	struct vcpu *v = NULL;

	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	for (v = r->bucket[bucket_of(tdvpr_pa)]; v; v = v->next)
		if (v->tdvpr_pa == tdvpr_pa)
			break;
	pthread_mutex_unlock(&r->lock);
	return v;
}

tdx_status_t vcpu_get_locked(struct tdx_module *mod, struct plat_lp *lp, uint64_t tdvpr_pa,
			     uint32_t operand, struct vcpu **vout, struct td **tdout)
{
	struct pamt_ref ref;
	struct vcpu *v;
	struct td *td;
	tdx_status_t st;

	*vout = NULL;
	*tdout = NULL;
	if (!TDX_IS_ALIGNED(tdvpr_pa, TDX_PAGE_SIZE) || (tdvpr_pa >> mod->pa_bits))
		return tdx_status_operand(TDX_OPERAND_INVALID, operand);
	st = pamt_walk(mod, lp, tdvpr_pa, &ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, operand);
	if (st != TDX_SUCCESS)
		return st;
	if (pamt_page_type(&ref.e) != PT_TDVPR || ref.level != TDX_PS_4K)
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, operand);
	st = td_get_locked(mod, lp, pamt_owner(&ref.e), TDX_OPERAND_ID_TDR, &td);
	if (st != TDX_SUCCESS)
		return st;
	/*
	 * Under the TD lock the PAMT entry cannot change any more (RECLAIM
	 * also takes it), so the registry entry confirms what the walk saw.
	 */
	v = registry_find(mod, tdvpr_pa);
	if (!v || v->td != td) {
		td_unlock(td);
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, operand);
	}
	*vout = v;
	*tdout = td;
	return TDX_SUCCESS;
}

struct vcpu *vcpu_new(struct tdx_module *mod, struct td *td, uint64_t tdvpr_pa)
{
	struct vcpu *v;

	if (!registry(mod, true))
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->tdvpr_pa = tdvpr_pa;
	v->tdr_pa = td->tdr_pa;
	v->td = td;
	v->state = VCPU_UNINITIALIZED;
	v->assoc_lp = VCPU_NOT_ASSOCIATED;
	return v;
}

void vcpu_discard(struct vcpu *v)
{
	free(v);
}

/* A vCPU leaves the module: its KVM vCPU (if it ever ran) goes with it. */
static void vcpu_free(struct vcpu *v)
{
	td_vcpu_destroy(v->engine);
	free(v);
}

void vcpu_insert(struct tdx_module *mod, struct vcpu *v)
{
	/* vcpu_new() made the registry, and only module exit frees it. */
	struct vcpu_registry *r = registry(mod, false);
	unsigned int b = bucket_of(v->tdvpr_pa);

	pthread_mutex_lock(&r->lock);
	v->next = r->bucket[b];
	r->bucket[b] = v;
	pthread_mutex_unlock(&r->lock);
}

bool vcpu_tdvps_complete(const struct vcpu *v)
{
	return v->num_tdcx == VCPU_MAX_TDCX;
}

tdx_status_t vcpu_tdvps_intact(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			       const struct vcpu *v)
{
	uint8_t page[TDX_PAGE_SIZE];	/* contents unused: only the integrity check matters */
	bool ok = !pmem_seam_read(lp, pmem_pa_with_keyid(mod->plat, v->tdvpr_pa, td->hkid), page,
				  sizeof(page));

	for (unsigned int i = 0; ok && i < v->num_tdcx; i++)
		ok = !pmem_seam_read(lp, pmem_pa_with_keyid(mod->plat, v->tdcx_pa[i], td->hkid),
				     page, sizeof(page));
	if (ok)
		return TDX_SUCCESS;
	td->fatal = true;
	return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
}

static void seg(struct td_vcpu_segment *s, uint32_t limit, uint32_t ar)
{
	s->selector = 0;
	s->base = 0;
	s->limit = limit;
	s->ar = ar;
}

void vcpu_init_state(struct vcpu *v, const struct td *td, uint64_t init_rcx, uint32_t fms)
{
	struct td_vcpu_regs *r = &v->regs;

	memset(r, 0, sizeof(*r));
	r->gpr[VCPU_RBX] = td_gpaw(td);
	r->gpr[VCPU_RCX] = init_rcx;
	r->gpr[VCPU_R8] = init_rcx;
	r->gpr[VCPU_RDX] = fms;
	r->gpr[VCPU_RSI] = v->index;
	r->rip = VCPU_INIT_RIP;
	r->rflags = VCPU_INIT_RFLAGS;
	r->cr0 = VCPU_INIT_CR0;
	r->cr4 = VCPU_INIT_CR4;
	r->cr4_guest_host_mask = VCPU_CR4_VMXE;
	r->cr4_read_shadow = VCPU_INIT_CR4_SHADOW;
	r->efer = VCPU_INIT_EFER;
	r->pat = VCPU_INIT_PAT;
	r->perf_global_ctrl = VCPU_INIT_PERF_GLOBAL_CTRL;
	r->fmask = VCPU_INIT_FMASK;
	r->dr6 = VCPU_INIT_DR6;
	r->dr7 = VCPU_INIT_DR7;
	r->xcr0 = VCPU_INIT_XCR0;
	r->exception_bitmap = VCPU_EXCEPTION_BITMAP_MC;
	/* 32-bit flat protected mode, paging off. */
	seg(&r->cs, 0xFFFFFFFF, 0xC09B);
	seg(&r->ds, 0xFFFFFFFF, 0xC093);
	seg(&r->es, 0xFFFFFFFF, 0xC093);
	seg(&r->fs, 0xFFFFFFFF, 0xC093);
	seg(&r->gs, 0xFFFFFFFF, 0xC093);
	seg(&r->ss, 0xFFFFFFFF, 0xC093);
	seg(&r->ldtr, 0xFFFF, 0x10082);
	seg(&r->tr, 0xFFFF, 0x8B);
	r->gdtr_limit = 0xFFFF;
	/* IDTR base and limit 0 (the reference marks this uncertain). */

	v->xfam = td->xfam;
	v->last_td_exit = VCPU_LAST_EXIT_ASYNC_FAULT;
	v->pend_nmi = 0;
	v->ctls.posted_int_nv = VCPU_POSTED_INT_NV_INIT;
	v->ctls.pid_addr = VCPU_NULL_PA;
	v->ctls.pinbased = VCPU_INIT_PINBASED;
	/*
	 * The Intel module points the shared EPTP at a TDCS zero page until
	 * the host writes it; this module has no such page, so 0.
	 */
	v->ctls.shared_eptp = 0;
}

const struct vcpu *vcpu_find_x2apic(struct tdx_module *mod, const struct td *td,
				    const struct vcpu *self, uint32_t id)
{
	struct vcpu_registry *r = registry(mod, false);
	const struct vcpu *found = NULL;

	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	for (unsigned int b = 0; b < VCPU_REGISTRY_BUCKETS && !found; b++)
		for (const struct vcpu *v = r->bucket[b]; v; v = v->next)
			if (v != self && v->tdr_pa == td->tdr_pa && v->x2apic_configured &&
			    v->x2apic_id == id) {
				found = v;
				break;
			}
	pthread_mutex_unlock(&r->lock);
	return found;
}

void vcpu_associate(struct td *td, struct vcpu *v, unsigned int lp_idx)
{
	if (v->assoc_lp != VCPU_NOT_ASSOCIATED)
		return;
	v->assoc_lp = (int)lp_idx;
	td->num_assoc_vcpus++;
}

void vcpu_dissociate(struct td *td, struct vcpu *v)
{
	if (v->assoc_lp == VCPU_NOT_ASSOCIATED)
		return;
	v->assoc_lp = VCPU_NOT_ASSOCIATED;
	if (td->num_assoc_vcpus)
		td->num_assoc_vcpus--;
}

/* Unlink and free every vCPU @match accepts; registry lock held. */
static void remove_if(struct vcpu_registry *r, bool (*match)(const struct vcpu *, const void *),
		      const void *arg)
{
	for (unsigned int b = 0; b < VCPU_REGISTRY_BUCKETS; b++) {
		struct vcpu **pp = &r->bucket[b];

		while (*pp) {
			struct vcpu *v = *pp;

			if (match(v, arg)) {
				*pp = v->next;
				vcpu_free(v);
			} else {
				pp = &v->next;
			}
		}
	}
}

static bool match_tdr(const struct vcpu *v, const void *arg)
{
	return v->tdr_pa == *(const uint64_t *)arg;
}

static bool match_any(const struct vcpu *v, const void *arg)
{
	(void)v;
	(void)arg;
	return true;
}

static bool drop_tdcx(struct vcpu *v, uint64_t pa)
{
	for (unsigned int i = 0; i < v->num_tdcx; i++) {
		if (v->tdcx_pa[i] != pa)
			continue;
		memmove(&v->tdcx_pa[i], &v->tdcx_pa[i + 1],
			(v->num_tdcx - i - 1) * sizeof(v->tdcx_pa[0]));
		v->tdcx_pa[--v->num_tdcx] = 0;
		return true;
	}
	return false;
}

void vcpu_forget_page(struct tdx_module *mod, struct td *td, uint64_t pa)
{
	struct vcpu_registry *r = registry(mod, false);

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	for (struct vcpu **pp = &r->bucket[bucket_of(pa)]; *pp; pp = &(*pp)->next) {
		struct vcpu *v = *pp;

		if (v->tdvpr_pa == pa && v->td == td) {
			*pp = v->next;
			vcpu_free(v);
			goto out;
		}
	}
	/* A TDCX page: of one of this TD's vCPUs, or of its TDCS. */
	for (unsigned int b = 0; b < VCPU_REGISTRY_BUCKETS; b++)
		for (struct vcpu *v = r->bucket[b]; v; v = v->next)
			if (v->td == td && drop_tdcx(v, pa))
				goto out;
out:
	pthread_mutex_unlock(&r->lock);
}

void vcpu_forget_td(struct tdx_module *mod, uint64_t tdr_pa)
{
	struct vcpu_registry *r = registry(mod, false);

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	remove_if(r, match_tdr, &tdr_pa);
	pthread_mutex_unlock(&r->lock);
}

void vcpu_take_over(struct tdx_module *mod, struct tdx_module *old)
{
	struct vcpu_registry *from, *to;

	pthread_mutex_lock(&old->td_list_lock);
	from = old->vcpus;
	old->vcpus = NULL;
	pthread_mutex_unlock(&old->td_list_lock);
	if (!from)
		return;
	pthread_mutex_lock(&mod->td_list_lock);
	to = mod->vcpus;
	if (!to) {
		mod->vcpus = from;
		pthread_mutex_unlock(&mod->td_list_lock);
		return;
	}
	pthread_mutex_unlock(&mod->td_list_lock);
	/* The new module already has a registry: move the entries over. */
	pthread_mutex_lock(&to->lock);
	for (unsigned int b = 0; b < VCPU_REGISTRY_BUCKETS; b++) {
		while (from->bucket[b]) {
			struct vcpu *v = from->bucket[b];

			from->bucket[b] = v->next;
			v->next = to->bucket[b];
			to->bucket[b] = v;
		}
	}
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_destroy(&from->lock);
	free(from);
}

void vcpu_module_exit(struct tdx_module *mod)
{
	struct vcpu_registry *r = mod->vcpus;

	if (!r)
		return;
	mod->vcpus = NULL;
	pthread_mutex_lock(&r->lock);
	remove_if(r, match_any, NULL);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/*
 * TD objects, their state machines, operand resolution and page locks.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "td.h"
#include "td_vcpu.h"

static const bool lifecycle_allowed[TD_LIFECYCLE_NR][TD_LIFECYCLE_NR] = {
	[TD_HKID_ASSIGNED] = { [TD_KEYS_CONFIGURED] = true, [TD_BLOCKED] = true },
	[TD_KEYS_CONFIGURED] = { [TD_BLOCKED] = true },
	[TD_BLOCKED] = { [TD_TEARDOWN] = true },
	[TD_TEARDOWN] = { 0 },
};

bool td_lifecycle_transition(struct td *td, enum td_lifecycle to)
{
	if ((unsigned int)to >= TD_LIFECYCLE_NR || !lifecycle_allowed[td->lifecycle][to])
		return false;
	td->lifecycle = to;
	return true;
}

static const bool op_allowed[OP_STATE_NR][OP_STATE_NR] = {
	[OP_STATE_UNINITIALIZED] = { [OP_STATE_INITIALIZED] = true },
	[OP_STATE_INITIALIZED] = { [OP_STATE_RUNNABLE] = true },
	[OP_STATE_RUNNABLE] = { 0 },
};

bool op_state_transition(struct td *td, enum op_state to)
{
	if ((unsigned int)to >= OP_STATE_NR || !op_allowed[td->op_state][to])
		return false;
	td->op_state = to;
	return true;
}

tdx_status_t td_check_state(const struct td *td, unsigned int op_states, bool fatal_ok)
{
	if (td->lifecycle != TD_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx < MODULE_TDCS_PAGES)
		return TDX_TDCS_NOT_ALLOCATED;
	if (td->fatal && !fatal_ok)
		return TDX_TD_FATAL;
	if ((unsigned int)td->op_state >= OP_STATE_NR || !(op_states & OPS(td->op_state)))
		return TDX_OP_STATE_INCORRECT;
	return TDX_SUCCESS;
}

struct td *td_alloc(struct tdx_module *mod, uint64_t tdr_pa)
{
	struct td *td = calloc(1, sizeof(*td));

	if (!td)
		return NULL;
	pthread_mutex_init(&td->lock, NULL);
	td->tdr_pa = tdr_pa;
	td->td_epoch = 1;
	pthread_mutex_lock(&mod->td_list_lock);
	td->next = mod->tds;
	mod->tds = td;
	pthread_mutex_unlock(&mod->td_list_lock);
	return td;
}

void td_free(struct tdx_module *mod, struct td *td)
{
	struct td **pp;

	pthread_mutex_lock(&mod->td_list_lock);
	for (pp = &mod->tds; *pp; pp = &(*pp)->next) {
		if (*pp == td) {
			*pp = td->next;
			break;
		}
	}
	pthread_mutex_unlock(&mod->td_list_lock);
	EVP_MD_CTX_free(td->mrtd_ctx);
	td_vm_destroy(td->engine);
	OPENSSL_cleanse(td->key, sizeof(td->key));
	pthread_mutex_destroy(&td->lock);
	free(td);
}

struct td *td_lookup_trylock(struct tdx_module *mod, uint64_t tdr_pa)
{
	struct td *td;

	/* Trylock under the list lock: RECLAIM holds a TD lock and then takes the list lock. */
	pthread_mutex_lock(&mod->td_list_lock);
	for (td = mod->tds; td; td = td->next)
		if (td->tdr_pa == tdr_pa)
			break;
	if (td && pthread_mutex_trylock(&td->lock))
		td = TD_LOOKUP_BUSY;
	pthread_mutex_unlock(&mod->td_list_lock);
	return td;
}

static struct td *td_find(struct tdx_module *mod, uint64_t tdr_pa)
{
	struct td *td;

	pthread_mutex_lock(&mod->td_list_lock);
	for (td = mod->tds; td; td = td->next)
		if (td->tdr_pa == tdr_pa)
			break;
	pthread_mutex_unlock(&mod->td_list_lock);
	return td;
}

/* A host PA operand naming a page: aligned, no KeyID bits, inside the PA width. */
static bool page_pa_ok(const struct tdx_module *mod, uint64_t pa)
{
	return TDX_IS_ALIGNED(pa, TDX_PAGE_SIZE) && !(pa >> mod->pa_bits);
}

tdx_status_t td_get_locked(struct tdx_module *mod, struct plat_lp *lp, uint64_t tdr_pa,
			   uint32_t operand, struct td **out)
{
	static __thread uint8_t page[TDX_PAGE_SIZE];
	struct pamt_ref ref;
	struct td *td;
	tdx_status_t st;

	*out = NULL;
	if (!page_pa_ok(mod, tdr_pa))
		return tdx_status_operand(TDX_OPERAND_INVALID, operand);
	st = pamt_walk(mod, lp, tdr_pa, &ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, operand);
	if (st != TDX_SUCCESS)
		return st;
	if (pamt_page_type(&ref.e) != PT_TDR || ref.level != TDX_PS_4K)
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, operand);
	td = td_find(mod, tdr_pa);
	if (!td)
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, operand);
	if (pthread_mutex_trylock(&td->lock))
		return tdx_status_operand(TDX_OPERAND_BUSY, TDX_OPERAND_ID_TDR);
	/* The whole TDR page must still be intact: a host write poisons it. */
	if (pmem_seam_read(lp, module_global_pa(mod, tdr_pa), page, sizeof(page))) {
		td->fatal = true;
		pthread_mutex_unlock(&td->lock);
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	}
	*out = td;
	return TDX_SUCCESS;
}

void td_unlock(struct td *td)
{
	pthread_mutex_unlock(&td->lock);
}

tdx_status_t td_release(struct td *td, tdx_status_t st)
{
	pthread_mutex_unlock(&td->lock);
	return st;
}

tdx_status_t td_private_read(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t pa, void *buf, size_t len)
{
	if (pmem_seam_read(lp, pmem_pa_with_keyid(mod->plat, pa, td->hkid), buf, len)) {
		/* Poisoned or under another key: the TD's memory is lost, and so is the TD. */
		td->fatal = true;
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	}
	return TDX_SUCCESS;
}

static unsigned int page_lock_index(const struct tdx_module *mod, uint64_t pa)
{
	return (unsigned int)((pa >> TDX_PAGE_SHIFT) % TDX_ARRAY_SIZE(mod->page_locks));
}

bool page_trylock(struct tdx_module *mod, uint64_t pa)
{
	unsigned int i = page_lock_index(mod, pa);
	bool ok;

	pthread_mutex_lock(&mod->page_locks[i]);
	ok = !mod->page_locked[i];
	if (ok)
		mod->page_locked[i] = true;
	pthread_mutex_unlock(&mod->page_locks[i]);
	return ok;
}

void page_unlock(struct tdx_module *mod, uint64_t pa)
{
	unsigned int i = page_lock_index(mod, pa);

	pthread_mutex_lock(&mod->page_locks[i]);
	mod->page_locked[i] = false;
	pthread_mutex_unlock(&mod->page_locks[i]);
}

tdx_status_t td_check_ndapage(struct tdx_module *mod, struct plat_lp *lp, uint64_t pa,
			      uint32_t operand, struct pamt_ref *ref)
{
	tdx_status_t st;

	if (!page_pa_ok(mod, pa))
		return tdx_status_operand(TDX_OPERAND_INVALID, operand);
	st = pamt_walk(mod, lp, pa, ref);
	if (st == TDX_OPERAND_ADDR_RANGE_ERROR)
		return tdx_status_operand(st, operand);
	if (st != TDX_SUCCESS)
		return st;
	/* A TDMR reserved area (PAMT, holes, SEAMRR) is outside the TD-usable range. */
	if (pamt_page_type(&ref->e) == PT_RSVD)
		return tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, operand);
	if (pamt_page_type(&ref->e) != PT_NDA || ref->level != TDX_PS_4K)
		return tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, operand);
	if (!page_trylock(mod, pa))
		return tdx_status_operand(TDX_OPERAND_BUSY, operand);
	return TDX_SUCCESS;
}

enum kot_state kot_get(const struct tdx_module *mod, hkid_t hkid)
{
	return (enum kot_state)mod->kot[hkid & 0x7FFF];
}

void kot_set(struct tdx_module *mod, hkid_t hkid, enum kot_state s)
{
	mod->kot[hkid & 0x7FFF] = (uint8_t)s;
}

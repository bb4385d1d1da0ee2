/*
 * The module's global data: created when P-SEAMLDR completes an install,
 * destroyed when the loader retires it.
 */
#include <errno.h>
#include <stdlib.h>

#include "module.h"
#include "shared_ept.h"
#include "tdh_vp.h"
#include "td.h"
#include "vcpu.h"
#include "mktme.h"
#include "platform.h"
#include "pmem.h"

int tdx_module_create(const struct tdx_module_boot *boot, struct tdx_module **out)
{
	struct tdx_module *mod = calloc(1, sizeof(*mod));

	*out = NULL;
	if (!mod)
		return -ENOMEM;
	mod->plat = boot->plat;
	mod->boot = *boot;
	mod->nr_lps = boot->sysinfo.mcheck.tot_num_lps;
	mod->lp_init_done = calloc(mod->nr_lps ? mod->nr_lps : 1, sizeof(bool));
	if (!mod->lp_init_done) {
		free(mod);
		return -ENOMEM;
	}
	pthread_mutex_init(&mod->sys_lock, NULL);
	pthread_mutex_init(&mod->running_lock, NULL);
	mod->running = calloc(mod->nr_lps ? mod->nr_lps : 1, sizeof(*mod->running));
	mod->kick_pending = calloc(mod->nr_lps ? mod->nr_lps : 1, sizeof(bool));
	if (!mod->running || !mod->kick_pending) {
		free(mod->running);
		free(mod->kick_pending);
		free(mod->lp_init_done);
		free(mod);
		return -ENOMEM;
	}
	pthread_mutex_init(&mod->td_list_lock, NULL);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(mod->page_locks); i++)
		pthread_mutex_init(&mod->page_locks[i], NULL);
	mod->sys_state = SYSINIT_PENDING;
	if (boot->previous) {
		/*
		 * A runtime update: P-SEAMLDR checked the handoff data, so the
		 * platform checks of SYS.INIT carry over; LP.INIT on every LP
		 * and then SYS.UPDATE bring this module up.
		 */
		const struct tdx_module *old = boot->previous;

		mod->private_hkid_min = old->private_hkid_min;
		mod->private_hkid_max = old->private_hkid_max;
		mod->hkid_bits = old->hkid_bits;
		mod->pa_bits = old->pa_bits;
		sys_state_transition(mod, SYSINIT_DONE);
	}
	shared_ept_register(mod);
	vp_enter_register(mod);
	*out = mod;
	return 0;
}

void tdx_module_destroy(struct tdx_module *mod)
{
	if (!mod)
		return;
	/*
	 * No unregistering from the platform: a module is destroyed only
	 * after the platform (LP threads first), and a retired one lives
	 * until then, its handlers replaced by its successor's.
	 */
	vcpu_module_exit(mod);
	while (mod->tds)
		td_free(mod, mod->tds);
	pthread_mutex_destroy(&mod->sys_lock);
	free(mod->running);
	free(mod->kick_pending);
	free(mod->lp_init_done);
	free(mod);
}

const struct tdx_module_image_header *tdx_module_image(const struct tdx_module *mod)
{
	return &mod->boot.image;
}

const struct seamextend *tdx_module_seamextend(const struct tdx_module *mod)
{
	return &mod->boot.seamextend;
}

bool module_shared_buffer_ok(const struct tdx_module *mod, uint64_t pa, uint64_t size,
			     uint64_t align)
{
	struct platform *plat = mod->plat;
	struct platform_range seamrr = platform_seamrr(plat);
	hkid_t keyid = pmem_pa_keyid(plat, pa);
	uint64_t addr = pmem_pa_strip_keyid(plat, pa);
	enum mktme_keyid_kind kind = mktme_keyid_kind(plat, keyid);

	if (pa >> platform_cfg(plat)->max_pa || !TDX_IS_ALIGNED(addr, align))
		return false;
	if (kind != MKTME_KEYID_TME && kind != MKTME_KEYID_SHARED)
		return false;
	if (addr > platform_dram_size(plat) || size > platform_dram_size(plat) - addr)
		return false;
	return addr + size <= seamrr.base || addr >= seamrr.base + seamrr.size;
}

uint64_t module_global_pa(const struct tdx_module *mod, uint64_t pa)
{
	return pmem_pa_with_keyid(mod->plat, pa, mod->global_hkid);
}

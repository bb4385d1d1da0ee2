/*
 * The module's global data: created when P-SEAMLDR completes an install,
 * destroyed when the loader retires it.
 */
#include <errno.h>
#include <stdlib.h>

#include "module.h"
#include "platform.h"

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
	mod->sys_state = SYSINIT_PENDING;
	*out = mod;
	return 0;
}

void tdx_module_destroy(struct tdx_module *mod)
{
	if (!mod)
		return;
	pthread_mutex_destroy(&mod->sys_lock);
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

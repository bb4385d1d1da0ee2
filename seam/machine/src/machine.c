/*
 * Machine assembly: which native code executes which module image, and
 * the firmware stages that run before any host software.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seam_machine.h"
#include "tdx_module.h"

static int tdx_module_impl_create(const struct seam_module_boot *boot, void **ctx)
{
	struct tdx_module_boot mb;
	struct tdx_module *mod;
	int ret;

	memset(&mb, 0, sizeof(mb));
	mb.plat = boot->plat;
	mb.image = *boot->image;
	mb.sigstruct = *boot->sigstruct;
	mb.sysinfo = *boot->sysinfo;
	mb.seamextend = *boot->seamextend;
	mb.sysinfo_pa = boot->layout->sysinfo_pa;
	mb.data_pa = boot->layout->data_pa;
	mb.data_size = boot->layout->data_size;
	mb.previous = boot->previous;
	ret = tdx_module_create(&mb, &mod);
	*ctx = mod;
	return ret;
}

static void tdx_module_impl_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args)
{
	tdx_module_seamcall(ctx, lp, args);
}

static void tdx_module_impl_destroy(void *ctx)
{
	tdx_module_destroy(ctx);
}

static const struct seam_module_impl machine_impls[] = {
	{
		.name = TDX_MODULE_IMPL_NAME,
		.create = tdx_module_impl_create,
		.entry = tdx_module_impl_entry,
		.destroy = tdx_module_impl_destroy,
	},
};

int seam_machine_create(const struct platform_config *cfg, struct seam_machine **out,
			struct emu_error *err)
{
	struct seam_machine *m = calloc(1, sizeof(*m));
	int ret;

	*out = NULL;
	if (!m)
		return emu_error_set(err, -ENOMEM, "machine: out of memory");
	ret = platform_create(cfg, &m->plat, err);
	if (ret) {
		free(m);
		return ret;
	}
	ret = seam_loader_create(m->plat, machine_impls, TDX_ARRAY_SIZE(machine_impls), &m->ldr);
	if (ret) {
		platform_destroy(m->plat);
		free(m);
		return emu_error_set(err, ret, "machine: cannot create the SEAM loader state");
	}
	*out = m;
	return 0;
}

void seam_machine_destroy(struct seam_machine *m)
{
	if (!m)
		return;
	/* LP threads stop first: nothing can be inside SEAM code after this. */
	platform_destroy(m->plat);
	seam_loader_destroy(m->ldr);
	free(m);
}

int seam_machine_firmware(struct seam_machine *m, const struct bios_options *bios,
			  struct mcheck_result *res, struct emu_error *err)
{
	int ret = bios_run(m->plat, bios, err);

	if (ret)
		return ret;
	ret = mcheck_run(m->plat, res);
	if (ret)
		return emu_error_set(err, ret, "%s", res->msg);
	return 0;
}

/*
 * A whole emulated machine: the platform, its SEAM loaders and the module
 * code its CPU can execute, wired together the way the hardware is.  Host
 * software (kvm-tdx, tools) runs on it; it never reaches inside.
 */
#ifndef TDX_SEAM_MACHINE_H
#define TDX_SEAM_MACHINE_H

#include "bios.h"
#include "emu_error.h"
#include "platform.h"
#include "seam_loader.h"

struct seam_machine {
	struct platform *plat;
	struct seam_loader *ldr;
};

/** seam_machine_create() - power on a machine built from @cfg. */
int seam_machine_create(const struct platform_config *cfg, struct seam_machine **out,
			struct emu_error *err);
void seam_machine_destroy(struct seam_machine *m);

/**
 * seam_machine_firmware() - run the BIOS stage (@bios may be NULL for an
 * honest one) and then MCHECK.  Returns 0, the BIOS's error, or -EINVAL
 * with @res naming the failed MCHECK check (SEAM then stays disabled).
 */
int seam_machine_firmware(struct seam_machine *m, const struct bios_options *bios,
			  struct mcheck_result *res, struct emu_error *err);

#endif /* TDX_SEAM_MACHINE_H */

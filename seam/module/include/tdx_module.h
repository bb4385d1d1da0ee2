/*
 * The TDX module: the only way in is its SEAMCALL entry, which the
 * emulated CPU calls through the SEAM transfer VMCS that P-SEAMLDR set
 * up.  Nothing above seam/ includes this header except the machine
 * assembly that tells the CPU which native code runs a module image.
 */
#ifndef TDX_TDX_MODULE_H
#define TDX_TDX_MODULE_H

#include <tdx/tdx_emu_images.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_seamldr.h>

struct platform;
struct plat_lp;
struct tdx_module;

/* The IMPL name in the image header of modules this code executes. */
#define TDX_MODULE_IMPL_NAME "tdx-emu-module"

/* What the module is given when P-SEAMLDR has installed its image. */
struct tdx_module_boot {
	struct platform *plat;
	struct tdx_module_image_header image;
	struct seam_sigstruct sigstruct;
	struct seam_sysinfo_table sysinfo;
	struct seamextend seamextend;	/* MRSEAM and SVN as measured */
	uint64_t sysinfo_pa;
	uint64_t data_pa;
	uint64_t data_size;
	struct tdx_module *previous;	/* the module being replaced, or NULL */
};

/** tdx_module_create() - the module's global data after install; 0 or -errno. */
int tdx_module_create(const struct tdx_module_boot *boot, struct tdx_module **out);
void tdx_module_destroy(struct tdx_module *mod);

/**
 * tdx_module_seamcall() - the SEAMCALL entry: decode RAX, gate on the
 * system state, run the leaf, leave the completion status in RAX.
 */
void tdx_module_seamcall(struct tdx_module *mod, struct plat_lp *lp,
			 struct tdx_module_args *args);

/* For tools and tests: the module's identity as it was loaded. */
const struct tdx_module_image_header *tdx_module_image(const struct tdx_module *mod);
const struct seamextend *tdx_module_seamextend(const struct tdx_module *mod);

#endif /* TDX_TDX_MODULE_H */

/*
 * The loader object: which module implementations the emulated CPU can
 * execute, and the P-SEAMLDR that NP-SEAMLDR brings up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

int seam_loader_create(struct platform *plat, const struct seam_module_impl *impls,
		       unsigned int nr_impls, struct seam_loader **out)
{
	struct seam_loader *ldr = calloc(1, sizeof(*ldr));

	*out = NULL;
	if (!ldr)
		return -ENOMEM;
	ldr->plat = plat;
	if (nr_impls) {
		ldr->impls = calloc(nr_impls, sizeof(*impls));
		if (!ldr->impls) {
			free(ldr);
			return -ENOMEM;
		}
		memcpy(ldr->impls, impls, nr_impls * sizeof(*impls));
		ldr->nr_impls = nr_impls;
	}
	*out = ldr;
	return 0;
}

void seam_loader_destroy(struct seam_loader *ldr)
{
	if (!ldr)
		return;
	if (ldr->pseamldr)
		p_seamldr_destroy(ldr->pseamldr);
	free(ldr->impls);
	free(ldr);
}

/* The CFV's default contents (cfv.h), placed at the image start by tdvf.ld. */
#include "cfv.h"
#include "tdvf_layout.h"

__attribute__((section(".cfv"), used))
const struct tdvf_cfv tdvf_cfv_default = {
	.signature = TDVF_CFV_SIGNATURE,
	.version = TDVF_CFV_VERSION,
	.size = sizeof(struct tdvf_cfv),
	.accept_limit = TDVF_ACCEPT_LIMIT_DEFAULT,
	.flags = 0,
	.reserved = 0,
};

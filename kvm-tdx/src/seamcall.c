/*
 * SEAMCALL from the host: run the instruction on the LP's own thread and
 * turn "did not enter" outcomes into Linux's software status codes.
 */
#include <tdx/tdx_status.h>

#include "host_internal.h"

struct seamcall_on_lp {
	struct tdx_module_args *args;
	enum seamcall_result result;
};

static void do_seamcall(struct plat_lp *lp, void *arg)
{
	struct seamcall_on_lp *c = arg;

	c->result = lp_seamcall(lp, c->args);
}

uint64_t tdx_host_seamcall(struct tdx_host *host, unsigned int cpu,
			   struct tdx_module_args *args)
{
	struct seamcall_on_lp c = { .args = args };

	if (platform_lp_call(host->plat, cpu, do_seamcall, &c))
		return TDX_SW_ERROR;	/* no such CPU, or it is offline */
	switch (c.result) {
	case SEAMCALL_VMSUCCEED:
		return args->rax;
	case SEAMCALL_VMFAILINVALID:
		return TDX_SEAMCALL_VMFAILINVALID;
	case SEAMCALL_GP:
		return TDX_SEAMCALL_GP;
	case SEAMCALL_UD:
	default:
		return TDX_SEAMCALL_UD;
	}
}

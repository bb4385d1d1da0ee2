/*
 * Private to the TDX module: its global data (struct tdx_module) and the
 * shapes its interface functions share.
 */
#ifndef TDX_MODULE_MODULE_H
#define TDX_MODULE_MODULE_H

#include <pthread.h>
#include <stdbool.h>

#include <tdx/tdx_status.h>

#include "sys_state.h"
#include "tdx_module.h"

struct tdx_module {
	struct platform *plat;
	struct tdx_module_boot boot;
	unsigned int nr_lps;

	pthread_mutex_t sys_lock;	/* the global SYS lock (operand SYS) */
	enum sys_state sys_state;
	bool *lp_init_done;		/* per LP: SYS.LP.INIT ran */
};

/* Every SEAMCALL handler: the GPR frame in, the completion status out. */
typedef tdx_status_t (*seamcall_handler_fn)(struct tdx_module *mod, struct plat_lp *lp,
					    struct tdx_module_args *args);

#endif /* TDX_MODULE_MODULE_H */

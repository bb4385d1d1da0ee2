/*
 * The module's system state (reference tdx-abi.md 4.9):
 *
 *   SYSINIT_PENDING --SYS.INIT--> SYSINIT_DONE --SYS.CONFIG--> SYSCONFIG_DONE
 *   SYSCONFIG_DONE --SYS.KEY.CONFIG on the last package--> SYS_READY
 *   any --SYS.SHUTDOWN or a fatal error--> SYS_SHUTDOWN
 *
 * Until SYS_READY only the SYS leaves of the pre-ready allow-list run;
 * in SYS_SHUTDOWN only SYS.LP.SHUTDOWN does.  sys_state_transition() is
 * the only writer; callers hold mod->sys_lock.
 */
#ifndef TDX_MODULE_SYS_STATE_H
#define TDX_MODULE_SYS_STATE_H

#include <stdbool.h>

enum sys_state {
	SYSINIT_PENDING,
	SYSINIT_DONE,
	SYSCONFIG_DONE,
	SYS_READY,
	SYS_SHUTDOWN,
	SYS_NR_STATES,
};

struct tdx_module;

/** sys_state_transition() - false (and no change) when @to is not allowed. */
bool sys_state_transition(struct tdx_module *mod, enum sys_state to);
const char *sys_state_name(enum sys_state s);

#endif /* TDX_MODULE_SYS_STATE_H */

/*
 * The one writer of the module's system state.
 */
#include "module.h"

static const bool sys_allowed[SYS_NR_STATES][SYS_NR_STATES] = {
	[SYSINIT_PENDING] = { [SYSINIT_DONE] = true, [SYS_SHUTDOWN] = true },
	[SYSINIT_DONE] = { [SYSCONFIG_DONE] = true, [SYS_READY] = true, [SYS_SHUTDOWN] = true },
	[SYSCONFIG_DONE] = { [SYS_READY] = true, [SYS_SHUTDOWN] = true },
	[SYS_READY] = { [SYS_SHUTDOWN] = true },
	[SYS_SHUTDOWN] = { 0 },
};

bool sys_state_transition(struct tdx_module *mod, enum sys_state to)
{
	if ((unsigned int)to >= SYS_NR_STATES || !sys_allowed[mod->sys_state][to])
		return false;
	mod->sys_state = to;
	return true;
}

const char *sys_state_name(enum sys_state s)
{
	static const char *const names[SYS_NR_STATES] = {
		[SYSINIT_PENDING] = "SYSINIT_PENDING",
		[SYSINIT_DONE] = "SYSINIT_DONE",
		[SYSCONFIG_DONE] = "SYSCONFIG_DONE",
		[SYS_READY] = "SYS_READY",
		[SYS_SHUTDOWN] = "SYS_SHUTDOWN",
	};

	return (unsigned int)s < SYS_NR_STATES ? names[s] : "?";
}

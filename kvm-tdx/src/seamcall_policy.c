/*
 * The one place raw module statuses turn into errno: retries on
 * TDX_RND_NO_ENTROPY (as Linux's sc_retry), -EBUSY for busy statuses,
 * and a message with the leaf, status and operand for anything else.
 */
#include <errno.h>

#include <tdx/tdx_status.h>

#include "host_internal.h"

#define SC_RETRIES 16

uint64_t tdx_sc_retry(struct tdx_host *host, unsigned int cpu, struct tdx_module_args *args)
{
	struct tdx_module_args in = *args;
	uint64_t status;

	for (int i = 0;; i++) {
		*args = in;
		status = tdx_host_seamcall(host, cpu, args);
		if (!tdx_status_code_eq(status, TDX_RND_NO_ENTROPY) || i == SC_RETRIES)
			return status;
	}
}

int tdx_status_to_errno(uint64_t status)
{
	if (!tdx_status_is_error(status))
		return 0;
	if (tdx_status_is_busy(status))
		return -EBUSY;
	if (status == TDX_SEAMCALL_VMFAILINVALID || status == TDX_SEAMCALL_GP ||
	    status == TDX_SEAMCALL_UD)
		return -ENODEV;
	return -EIO;
}

int tdx_seamcall_err(struct tdx_host *host, const char *leaf, uint64_t status,
		     const struct tdx_module_args *args, struct emu_error *err)
{
	if (args)
		host_log(host, "SEAMCALL %s failed: 0x%016llx, RCX 0x%llx RDX 0x%llx R8 0x%llx",
			 leaf, (unsigned long long)status, (unsigned long long)args->rcx,
			 (unsigned long long)args->rdx, (unsigned long long)args->r8);
	else
		host_log(host, "SEAMCALL %s failed: 0x%016llx", leaf, (unsigned long long)status);
	return emu_error_set(err, tdx_status_to_errno(status),
			     "SEAMCALL %s failed: status 0x%016llx (class 0x%02x, operand %u)",
			     leaf, (unsigned long long)status, tdx_status_class(status),
			     (unsigned int)(status & 0xFFFFFFFF));
}

/*
 * Guest MSR virtualization (reference tdx-abi.md 6.3): for each MSR and
 * direction, whether the TD accesses it directly, gets #VE (and must ask
 * the host with TDG.VP.VMCALL<Instruction.RDMSR/WRMSR>), or gets #GP(0),
 * as decided by the module's table and the TD's configuration.
 */
#ifndef TDX_MODULE_TD_MSR_H
#define TDX_MODULE_TD_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "td.h"

enum td_msr_action {
	TD_MSR_NATIVE,		/* not intercepted: the vCPU reads/writes it */
	TD_MSR_VE,		/* #VE, exit reason 31 (read) / 32 (write) */
	TD_MSR_GP,		/* #GP(0) */
};

/** td_msr_action() - what an access to @msr (@write or read) does in @td. */
enum td_msr_action td_msr_action(const struct td *td, uint32_t msr, bool write);

/*
 * The MSR-bitmap ranges of VMX: only MSRs in them can be passed through;
 * everything outside is intercepted.
 */
#define TD_MSR_LOW_BASE		0x00000000U
#define TD_MSR_HIGH_BASE	0xC0000000U
#define TD_MSR_RANGE_SIZE	0x2000U

#endif /* TDX_MODULE_TD_MSR_H */

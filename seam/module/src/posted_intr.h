/*
 * Posted-interrupt processing: what the CPU does with a TD vCPU's
 * posted-interrupt descriptor, so that the host posts interrupts without
 * ever writing guest state.
 */
#ifndef TDX_MODULE_POSTED_INTR_H
#define TDX_MODULE_POSTED_INTR_H

#include "module.h"
#include "vcpu.h"

/* The descriptor (Intel SDM 29.6): PIR bits 255:0, then ON (bit 256). */
#define PID_SIZE		64
#define PID_ALIGNMENT		64
#define PID_PIR_WORDS		4
#define PID_CONTROL_OFFSET	32
#define PID_CONTROL_ON		TDX_BIT(0)

/**
 * posted_intr_process() - move @v's posted interrupts into its virtual
 * APIC: clear ON, take every PIR bit (atomically, as the host may be
 * posting at the same time) and deliver each vector.  Nothing happens
 * unless the host enabled posted-interrupt processing with a descriptor
 * (TDH.VP.WR of the pin-based control, notification vector and descriptor
 * address).  Called with @v in VP.ENTER (running_lock held), at entry and
 * when the notification vector reaches its LP.
 */
void posted_intr_process(struct tdx_module *mod, struct vcpu *v);

#endif /* TDX_MODULE_POSTED_INTR_H */

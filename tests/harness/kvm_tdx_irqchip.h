/*
 * What QEMU does before creating a TD's vCPUs, and kvm-tdx requires as
 * upstream KVM does: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP).
 */
#ifndef TDX_TEST_KVM_TDX_IRQCHIP_H
#define TDX_TEST_KVM_TDX_IRQCHIP_H

#include <linux/kvm.h>

#include "kvm_tdx.h"

#define TEST_IRQ_ROUTES	24	/* what QEMU asks for: the IOAPIC's pins */

static inline long enable_split_irqchip(struct kvm_tdx_vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = TEST_IRQ_ROUTES };

	return kvm_tdx_vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
}

#endif /* TDX_TEST_KVM_TDX_IRQCHIP_H */

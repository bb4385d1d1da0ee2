/* payload-demo's MP wakeup check (ap_wakeup.c). */
#ifndef TDVF_PAYLOAD_AP_WAKEUP_H
#define TDVF_PAYLOAD_AP_WAKEUP_H

#include <stdint.h>

#include <tdx/tdvf.h>

/* Wakes APIC ID apic_id through the MADT's mailbox and waits until it runs; pfail()s otherwise. */
void ap_wakeup_check(const struct tdvf_boot_info *bi, uint32_t apic_id);

#endif /* TDVF_PAYLOAD_AP_WAKEUP_H */

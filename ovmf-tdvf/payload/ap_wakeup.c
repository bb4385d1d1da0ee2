/*
 * Waking an AP through the ACPI MP wakeup mailbox the firmware published
 * (ACPI 6.4 5.2.12.19, reference host-stack.md 4.5), as Linux's
 * acpi_wakeup_cpu() does: the MADT must hold the wakeup structure whose
 * mailbox is the boot info's; write ApicId and WakeupVector, then
 * Command = Wakeup; the AP clears Command and runs ap_wakeup_entry,
 * which writes its APIC ID | 0x100 into ap_wakeup_flag.
 */
#include <string.h>

#include "ap_wakeup.h"
#include "plib.h"

extern char ap_wakeup_entry[];
extern volatile uint32_t ap_wakeup_flag;

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[26];
} __attribute__((packed));

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	return s;
}

/* The MP wakeup structure's mailbox address from RSDP -> XSDT -> MADT, checksums checked. */
static uint64_t madt_mailbox(const struct tdvf_boot_info *bi)
{
	const uint8_t *rsdp = (const uint8_t *)(uintptr_t)bi->acpi_rsdp;
	const struct acpi_header *xsdt;
	uint64_t xsdt_gpa;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || sum(rsdp, 20) || sum(rsdp, 36))
		pfail("ACPI: bad RSDP at 0x%lx", bi->acpi_rsdp);
	memcpy(&xsdt_gpa, rsdp + 24, 8);
	xsdt = (const struct acpi_header *)(uintptr_t)xsdt_gpa;
	if (memcmp(xsdt->signature, "XSDT", 4) || xsdt->length < 36 || sum(xsdt, xsdt->length))
		pfail("ACPI: bad XSDT at 0x%lx", xsdt_gpa);
	for (uint32_t off = 36; off + 8 <= xsdt->length; off += 8) {
		uint64_t t;
		const struct acpi_header *h;
		const uint8_t *e, *end;

		memcpy(&t, (const uint8_t *)xsdt + off, 8);
		h = (const struct acpi_header *)(uintptr_t)t;
		if (memcmp(h->signature, "APIC", 4))
			continue;
		if (h->length < 44 || sum(h, h->length))
			pfail("ACPI: bad MADT at 0x%lx", t);
		e = (const uint8_t *)h + 44;
		end = (const uint8_t *)h + h->length;
		while (e + 2 <= end && e[1] >= 2 && e + e[1] <= end) {
			if (e[0] == 0x10 && e[1] >= 16) {
				uint64_t mb;

				memcpy(&mb, e + 8, 8);
				return mb;
			}
			e += e[1];
		}
		pfail("ACPI: the MADT has no multiprocessor wakeup structure");
	}
	pfail("ACPI: no MADT in the XSDT");
}

void ap_wakeup_check(const struct tdvf_boot_info *bi, uint32_t apic_id)
{
	uint64_t mb = madt_mailbox(bi);
	volatile uint8_t *m = (volatile uint8_t *)(uintptr_t)mb;
	uint64_t vector = (uint64_t)(uintptr_t)ap_wakeup_entry;

	if (mb != bi->mp_wakeup_mailbox || !mb || (mb & 0xFFF))
		pfail("MADT mailbox 0x%lx, boot info says 0x%lx", mb, bi->mp_wakeup_mailbox);
	if (*(volatile uint16_t *)m != 0)
		pfail("MP wakeup mailbox command is %u before any wakeup", *(volatile uint16_t *)m);
	ap_wakeup_flag = 0;
	*(volatile uint32_t *)(m + 4) = apic_id;
	*(volatile uint64_t *)(m + 8) = vector;
	__atomic_store_n((volatile uint16_t *)m, 1, __ATOMIC_RELEASE);
	for (unsigned long spins = 0; *(volatile uint16_t *)m != 0; spins++) {
		if (spins > 1000000000ul)
			pfail("MP wakeup: APIC ID %u never took the Wakeup command", apic_id);
		__asm__ volatile("pause");
	}
	for (unsigned long spins = 0; ap_wakeup_flag != (apic_id | 0x100); spins++) {
		if (spins > 1000000000ul)
			pfail("MP wakeup: APIC ID %u took the command but never ran the vector",
			      apic_id);
		__asm__ volatile("pause");
	}
	pprintf("payload: woke APIC ID %u through the MP wakeup mailbox at 0x%lx\n", apic_id, mb);
}

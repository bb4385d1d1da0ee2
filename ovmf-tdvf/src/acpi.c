/* The ACPI tables (acpi.h). */
#include <string.h>

#include "acpi.h"
#include "fw.h"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct madt_local_x2apic {
	uint8_t type;		/* 9 */
	uint8_t length;		/* 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;		/* bit 0: enabled */
	uint32_t acpi_uid;
} __attribute__((packed));

/* ACPI 6.4 5.2.12.19, the 16-byte version-0 layout. */
struct madt_mp_wakeup {
	uint8_t type;		/* 0x10 */
	uint8_t length;		/* 16 */
	uint16_t mailbox_version;
	uint32_t reserved;
	uint64_t mailbox_address;
} __attribute__((packed));

struct acpi_ccel {
	struct acpi_header h;
	uint8_t cc_type;	/* 2 = TDX */
	uint8_t cc_subtype;
	uint16_t reserved;
	uint64_t laml;
	uint64_t lasa;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_ccel) == 56, "CCEL");

static uint8_t checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	return (uint8_t)(0 - s);
}

static void header(struct acpi_header *h, const char *sig, uint32_t length, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = rev;
	memcpy(h->oem_id, "TDXEMU", 6);
	memcpy(h->oem_table_id, "OVMFTDVF", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "TDXE", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(h, length);
}

uint64_t acpi_build(void *base, uint64_t size, const struct acpi_params *p)
{
	uint8_t *b = base;
	struct acpi_rsdp *rsdp = (struct acpi_rsdp *)b;
	struct acpi_header *xsdt = (struct acpi_header *)(b + 0x40);
	uint64_t *xsdt_entries = (uint64_t *)(xsdt + 1);
	uint8_t *madt = b + 0x100;
	uint32_t madt_len = 36 + 8;
	unsigned int n_tables = 0;

	if (size < 0x100 + 44 + (uint64_t)p->num_vcpus * 16 + 16 + 64 + 56 ||
	    p->num_vcpus == 0 || p->num_vcpus > 256)
		tdvf_fatal("ACPI: no room for %u vCPUs in %lu bytes", p->num_vcpus, size);
	memset(b, 0, size);

	/* MADT: header, local APIC address, flags, then the entries. */
	*(uint32_t *)(madt + 36) = 0xFEE00000;
	*(uint32_t *)(madt + 40) = 0;
	for (uint32_t i = 0; i < p->num_vcpus; i++) {
		struct madt_local_x2apic e = {
			.type = 9, .length = 16, .x2apic_id = i, .flags = 1, .acpi_uid = i,
		};

		memcpy(madt + madt_len, &e, sizeof(e));
		madt_len += sizeof(e);
	}
	if (p->mailbox) {
		struct madt_mp_wakeup w = {
			.type = 0x10, .length = 16, .mailbox_version = 0,
			.mailbox_address = p->mailbox,
		};

		memcpy(madt + madt_len, &w, sizeof(w));
		madt_len += sizeof(w);
	}
	header((struct acpi_header *)madt, "APIC", madt_len, 5);
	xsdt_entries[n_tables++] = (uint64_t)(uintptr_t)madt;

	if (p->log_base) {
		struct acpi_ccel *ccel = (struct acpi_ccel *)(madt + ((madt_len + 63) & ~63u));

		ccel->cc_type = 2;
		ccel->cc_subtype = 0;
		ccel->laml = p->log_length;
		ccel->lasa = p->log_base;
		header(&ccel->h, "CCEL", sizeof(*ccel), 1);
		xsdt_entries[n_tables++] = (uint64_t)(uintptr_t)ccel;
	}
	header(xsdt, "XSDT", 36 + 8 * n_tables, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "TDXEMU", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = (uint64_t)(uintptr_t)xsdt;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));
	return (uint64_t)(uintptr_t)rsdp;
}

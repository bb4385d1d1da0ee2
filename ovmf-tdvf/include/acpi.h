/*
 * The ACPI tables the firmware hands on (reference host-stack.md 4.4,
 * 4.5): RSDP -> XSDT -> MADT (a local x2APIC per vCPU and, in a TD, the
 * multiprocessor wakeup structure) and, in a TD, CCEL.
 */
#ifndef TDVF_ACPI_H
#define TDVF_ACPI_H

#include <stdint.h>

struct acpi_params {
	uint32_t num_vcpus;
	uint64_t mailbox;	/* 0: no MP wakeup structure */
	uint64_t log_base;	/* 0: no CCEL */
	uint64_t log_length;
};

/* Builds the tables in [base, base + size); returns the RSDP's GPA. */
uint64_t acpi_build(void *base, uint64_t size, const struct acpi_params *p);

#endif /* TDVF_ACPI_H */

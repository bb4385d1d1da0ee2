/*
 * Port I/O.  In a TD each of these raises #VE and the firmware's #VE
 * handler turns it into TDG.VP.VMCALL<Instruction.IO>; in a plain VM
 * they exit to the VMM directly.
 */
#ifndef TDVF_IO_H
#define TDVF_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* q35 ICH9 PM1a_CNT: SLP_TYP S5 | SLP_EN. */
#define ACPI_PM1A_CNT_PORT	0x604
#define ACPI_PM1A_CNT_S5	0x2000

#define SERIAL_COM1		0x3F8

#endif /* TDVF_IO_H */

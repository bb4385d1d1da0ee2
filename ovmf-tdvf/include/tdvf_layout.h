/*
 * ovmf-tdvf's image and memory layout: one place for the numbers the
 * reset vector (assembler), the metadata descriptor, the linker scripts
 * and the C code share.  docs/firmware.md draws the same map.
 *
 * The image is TDVF_IMAGE_SIZE bytes and ends at 4 GiB:
 *
 *	file 0x00000  CFV   (4 KiB config volume, measured into RTMR0 at run time)
 *	file 0x01000  BFV   (code, rodata, metadata, GUIDed footer, reset vector;
 *	                     MR.EXTEND into MRTD)
 *
 * RAM the metadata asks the VMM to add (all zeroed, PAGE.ADD, no MR.EXTEND):
 *
 *	0x800000  TEMP_MEM  64 KiB: page tables, work area, IDT, MP wakeup
 *	                    mailbox, ACPI tables, boot info
 *	0x810000  TD_HOB    8 KiB: the VMM's TD HOB
 *	0x820000  TEMP_MEM  ~0.9 MiB: .bss (event log, stacks, fw_cfg bounce
 *	                    buffer, command line)
 *
 * Memory the firmware takes from accepted RAM:
 *
 *	0x0900000 .. 0x1800000  where payload segments may be loaded
 *	0x1800000 .. 0x2000000  the payload file as fw_cfg delivers it (staging)
 */
#ifndef TDVF_LAYOUT_H
#define TDVF_LAYOUT_H

#define TDVF_IMAGE_SIZE		0x20000
#define TDVF_IMAGE_BASE		(0x100000000 - TDVF_IMAGE_SIZE)	/* 0xFFFE0000 */

#define TDVF_CFV_OFFSET		0x0
#define TDVF_CFV_SIZE		0x1000
#define TDVF_BFV_OFFSET		0x1000
#define TDVF_BFV_SIZE		(TDVF_IMAGE_SIZE - TDVF_BFV_OFFSET)

/* TEMP_MEM 1: fixed pages. */
#define TDVF_TEMP1_BASE		0x800000
#define TDVF_TEMP1_SIZE		0x10000
#define TDVF_PML4		0x800000
#define TDVF_PDPT		0x801000
#define TDVF_PD_IDENTITY	0x802000	/* 4 PDs: VA 0..4 GiB -> private GPA */
#define TDVF_PD_SHARED		0x806000	/* 4 PDs: VA 4..8 GiB -> shared GPA 0..4 GiB */
#define TDVF_PAGE_TABLES_END	0x80A000
#define TDVF_WORK_AREA		0x80A000
#define TDVF_IDT		0x80B000
#define TDVF_MAILBOX		0x80C000	/* ACPI MP wakeup mailbox, 4 KiB */
#define TDVF_ACPI		0x80D000	/* RSDP, XSDT, MADT, CCEL: 8 KiB */
#define TDVF_ACPI_SIZE		0x2000
#define TDVF_BOOT_INFO		0x80F000

/* Work area (u32 fields at these offsets from TDVF_WORK_AREA). */
#define TDVF_WA_PAGE_TABLE_READY	0x0	/* 1 once the BSP built the tables */
#define TDVF_WA_GUEST_TYPE		0x4	/* 2 = TDX, 0 = plain VM */
#define TDVF_WA_GPAW			0x8
#define TDVF_WA_APS_PARKED		0xC	/* count of APs in the mailbox loop */
#define TDVF_WA_IDT_READY		0x10	/* 1 once the BSP loaded the IDT */

#define TDVF_TD_HOB_BASE	0x810000
#define TDVF_TD_HOB_SIZE	0x2000

#define TDVF_TEMP2_BASE		0x820000
#define TDVF_TEMP2_SIZE		0xE0000
#define TDVF_FIRMWARE_RAM_END	(TDVF_TEMP2_BASE + TDVF_TEMP2_SIZE)	/* 0x900000 */

#define TDVF_PAYLOAD_LOAD_MIN	0x0900000
#define TDVF_PAYLOAD_STAGING	0x1800000
#define TDVF_PAYLOAD_MAX_SIZE	0x0800000
#define TDVF_PAYLOAD_LOAD_MAX	TDVF_PAYLOAD_STAGING
/* RAM the firmware needs accepted: up to the end of the staging buffer. */
#define TDVF_MIN_RAM		(TDVF_PAYLOAD_STAGING + TDVF_PAYLOAD_MAX_SIZE)

/*
 * Default accept limit: RAM below it is accepted at boot, the rest is
 * handed over unaccepted (the CFV may raise it, up to 4 GiB).  Just what
 * the firmware needs, because accepting is dear in tdx-emu: about 0.5 ms
 * per 4 KiB page through the lazy AUG path (docs/firmware.md).
 */
#define TDVF_ACCEPT_LIMIT_DEFAULT	TDVF_MIN_RAM	/* 32 MiB */

/* Page-table bits. */
#define TDVF_PTE_P		0x001
#define TDVF_PTE_RW		0x002
#define TDVF_PTE_PS		0x080

/* GDT selectors (reset.S). */
#define TDVF_SEL_CODE32		0x08
#define TDVF_SEL_DATA		0x10
#define TDVF_SEL_CODE64		0x18

#define TDVF_GUEST_TYPE_TDX	2

/* Stacks in .bss: the BSP's, and 2 KiB per AP for the first TDVF_MAX_APS. */
#define TDVF_BSP_STACK_SIZE	0x10000
#define TDVF_AP_STACK_SIZE	0x800
#define TDVF_MAX_APS		128

/* ACPI MP wakeup mailbox (ACPI 6.4 5.2.12.19). */
#define TDVF_MAILBOX_COMMAND		0
#define TDVF_MAILBOX_APIC_ID		4
#define TDVF_MAILBOX_WAKEUP_VECTOR	8
#define TDVF_MAILBOX_CMD_NOOP		0
#define TDVF_MAILBOX_CMD_WAKEUP		1

#endif /* TDVF_LAYOUT_H */

/*
 * The TD virtual firmware image and what crosses between it, the VMM and
 * the payload (reference host-stack.md 3.3, 3.4, 4.1, 4.6):
 *
 *  - the OVMF GUIDed footer table at the end of the image and the TDX
 *    metadata offset entry in it;
 *  - the TDVF metadata descriptor and its 32-byte section entries;
 *  - the TD HOB the VMM builds at the TD_HOB section (PI spec HOB types);
 *  - tdx-emu's boot-info block, the firmware's hand-off to its payload.
 *
 * Shared by qemu-tdx (parses the image, builds the HOB) and ovmf-tdvf
 * (emits the image, validates the HOB), so it must compile with
 * -ffreestanding: no libc beyond <stdint.h>/<stddef.h>.  Multi-byte
 * fields are little endian; GUIDs are in their binary (mixed-endian EFI)
 * form.
 */
#ifndef TDX_TDVF_H
#define TDX_TDVF_H

#include <tdx/tdx_types.h>

/* ---- the OVMF footer GUID table (QEMU pc_sysfw_ovmf.c) ---- */

struct tdvf_guid {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdvf_guid, 16);

#define TDVF_GUID_INIT(d1, d2, d3, b0, b1, b2, b3, b4, b5, b6, b7) \
	{ (d1), (d2), (d3), { (b0), (b1), (b2), (b3), (b4), (b5), (b6), (b7) } }

/* 96b582de-1fb2-45f7-baea-a366c55a082d: the table's own GUID. */
#define OVMF_TABLE_FOOTER_GUID \
	TDVF_GUID_INIT(0x96b582de, 0x1fb2, 0x45f7, \
		       0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d)
/* e47a6535-984a-4798-865e-4685a7bf8ec2: data = u32 offset from image end. */
#define TDX_METADATA_OFFSET_GUID \
	TDVF_GUID_INIT(0xe47a6535, 0x984a, 0x4798, \
		       0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2)
/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae: precedes the descriptor in edk2. */
#define TDX_METADATA_GUID \
	TDVF_GUID_INIT(0xe9eaf9f3, 0x168e, 0x44d5, \
		       0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae)

/*
 * The footer GUID sits this many bytes before the end of the image
 * (GPA 0xFFFFFFD0 when the image ends at 4 GiB); the 32 bytes after it
 * hold the reset vector.  The u16 total table length is just before it.
 * Entries are walked backwards: data, u16 length (data + 2 + 16), GUID.
 */
#define OVMF_TABLE_FOOTER_OFFSET	0x30
#define OVMF_RESET_VECTOR_GPA		0xFFFFFFF0ull

/* ---- the TDVF metadata descriptor ---- */

#define TDVF_SIGNATURE		0x46564454u	/* "TDVF" */
#define TDVF_VERSION		1
#define TDVF_MIN_SECTIONS	2		/* QEMU refuses fewer */

struct tdvf_metadata {
	uint32_t signature;
	uint32_t length;	/* 16 + 32 * number_of_section_entries */
	uint32_t version;
	uint32_t number_of_section_entries;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdvf_metadata, 16);

enum tdvf_section_type {
	TDVF_SECTION_TYPE_BFV		= 0,
	TDVF_SECTION_TYPE_CFV		= 1,
	TDVF_SECTION_TYPE_TD_HOB	= 2,
	TDVF_SECTION_TYPE_TEMP_MEM	= 3,
	TDVF_SECTION_TYPE_PERM_MEM	= 4,
	TDVF_SECTION_TYPE_PAYLOAD	= 5,
	TDVF_SECTION_TYPE_PAYLOAD_PARAM	= 6,
};

#define TDVF_SECTION_ATTRIBUTES_MR_EXTEND	(1u << 0)
#define TDVF_SECTION_ATTRIBUTES_PAGE_AUG	(1u << 1)

struct tdvf_section_entry {
	uint32_t data_offset;		/* in the image file */
	uint32_t raw_data_size;		/* 0 for memory-only sections */
	uint64_t memory_address;	/* GPA, 4 KiB aligned */
	uint64_t memory_data_size;	/* 4 KiB multiple, >= raw_data_size */
	uint32_t type;			/* enum tdvf_section_type */
	uint32_t attributes;		/* TDVF_SECTION_ATTRIBUTES_* */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdvf_section_entry, 32);

/* ---- TD HOB (UEFI PI spec volume 3; reference host-stack.md 3.4, 4.6) ---- */

#define EFI_HOB_TYPE_HANDOFF			0x0001
#define EFI_HOB_TYPE_MEMORY_ALLOCATION		0x0002
#define EFI_HOB_TYPE_RESOURCE_DESCRIPTOR	0x0003
#define EFI_HOB_TYPE_GUID_EXTENSION		0x0004
#define EFI_HOB_TYPE_FV				0x0005
#define EFI_HOB_TYPE_CPU			0x0006
#define EFI_HOB_TYPE_FV2			0x0009
#define EFI_HOB_TYPE_FV3			0x000C
#define EFI_HOB_TYPE_END_OF_HOB_LIST		0xFFFF

#define EFI_HOB_HANDOFF_TABLE_VERSION		0x0009

/* Boot modes TDVF accepts in the PHIT. */
#define BOOT_WITH_FULL_CONFIGURATION		0x00
#define BOOT_ON_S3_RESUME			0x11
#define BOOT_IN_RECOVERY_MODE			0x20

#define EFI_RESOURCE_SYSTEM_MEMORY		0x00
#define EFI_RESOURCE_MEMORY_MAPPED_IO		0x01
#define EFI_RESOURCE_IO				0x02
#define EFI_RESOURCE_FIRMWARE_DEVICE		0x03
#define EFI_RESOURCE_MEMORY_MAPPED_IO_PORT	0x04
#define EFI_RESOURCE_MEMORY_RESERVED		0x05
#define EFI_RESOURCE_IO_RESERVED		0x06
#define EFI_RESOURCE_MEMORY_UNACCEPTED		0x07

#define EFI_RESOURCE_ATTRIBUTE_PRESENT		0x00000001u
#define EFI_RESOURCE_ATTRIBUTE_INITIALIZED	0x00000002u
#define EFI_RESOURCE_ATTRIBUTE_TESTED		0x00000004u
#define EFI_RESOURCE_ATTRIBUTE_UNCACHEABLE	0x00000400u
/* Every standard resource attribute bit (PI spec 1.8, bits 0..27). */
#define EFI_RESOURCE_ATTRIBUTE_ALL_STANDARD	0x0FFFFFFFu

#define TDVF_HOB_ALIGNMENT			8

struct efi_hob_generic_header {
	uint16_t hob_type;
	uint16_t hob_length;	/* bytes, including this header */
	uint32_t reserved;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct efi_hob_generic_header, 8);

struct efi_hob_handoff_info_table {
	struct efi_hob_generic_header header;
	uint32_t version;
	uint32_t boot_mode;
	uint64_t efi_memory_top;
	uint64_t efi_memory_bottom;
	uint64_t efi_free_memory_top;
	uint64_t efi_free_memory_bottom;
	uint64_t efi_end_of_hob_list;	/* GPA of the END HOB */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct efi_hob_handoff_info_table, 56);

struct efi_hob_resource_descriptor {
	struct efi_hob_generic_header header;
	struct tdvf_guid owner;
	uint32_t resource_type;
	uint32_t resource_attribute;
	uint64_t physical_start;
	uint64_t resource_length;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct efi_hob_resource_descriptor, 48);

struct efi_hob_guid_type {
	struct efi_hob_generic_header header;
	struct tdvf_guid name;
	/* data follows */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct efi_hob_guid_type, 24);

struct efi_hob_cpu {
	struct efi_hob_generic_header header;
	uint8_t size_of_memory_space;
	uint8_t size_of_io_space;
	uint8_t reserved[6];	/* must be 0 */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct efi_hob_cpu, 16);

/* ---- tdx-emu's firmware -> payload hand-off ---- */

/*
 * ovmf-tdvf loads an ELF64 payload (from fw_cfg's kernel item, see
 * fw_cfg.h) and jumps to its entry in 64-bit mode, paging identity-mapped,
 * with RDI = GPA of a struct tdvf_boot_info and RSI = TDVF_BOOT_INFO_MAGIC.
 * All GPAs are private (shared bit clear) unless a field says otherwise.
 */
/*
 * ovmf-tdvf's page tables also map VA TDVF_SHARED_ALIAS_VA + x to GPA
 * x | shared bit for x below 4 GiB (2 MiB pages), so the payload can
 * reach memory it converted to shared, and shared MMIO, without its own
 * page tables.  In a plain VM the alias maps the same memory as VA x.
 */
#define TDVF_SHARED_ALIAS_VA		0x100000000ull

#define TDVF_BOOT_INFO_MAGIC		0x6F666E49746F6F42ull	/* "BootInfo" */
#define TDVF_BOOT_INFO_VERSION		1
#define TDVF_BOOT_INFO_MAX_MEMMAP	64

enum tdvf_memmap_type {
	TDVF_MEM_ACCEPTED	= 1,	/* private RAM, accepted, free for the payload */
	TDVF_MEM_UNACCEPTED	= 2,	/* private RAM the payload must accept */
	TDVF_MEM_FIRMWARE	= 3,	/* accepted, in use by the firmware (tables, log, mailbox) */
	TDVF_MEM_PAYLOAD	= 4,	/* accepted, holds the loaded payload */
	TDVF_MEM_MMIO		= 5,
};

struct tdvf_memmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;		/* enum tdvf_memmap_type */
	uint32_t reserved;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdvf_memmap_entry, 24);

struct tdvf_boot_info {
	uint64_t magic;			/* TDVF_BOOT_INFO_MAGIC */
	uint32_t version;		/* TDVF_BOOT_INFO_VERSION */
	uint32_t size;			/* sizeof(struct tdvf_boot_info) */
	uint32_t gpaw;			/* from TDG.VP.INFO */
	uint32_t num_vcpus;
	uint64_t shared_mask;		/* 1 << (gpaw - 1) */
	uint64_t acpi_rsdp;		/* GPA of the RSDP (MADT wakeup, CCEL) */
	uint64_t mp_wakeup_mailbox;	/* GPA of the ACPI MP wakeup mailbox */
	uint64_t event_log;		/* GPA of the CC event log (LASA) */
	uint64_t event_log_length;	/* LAML */
	uint64_t event_log_used;	/* bytes written so far */
	uint64_t cmdline;		/* GPA of the NUL-terminated command line, or 0 */
	uint32_t cmdline_size;		/* including the NUL */
	uint32_t num_memmap;
	struct tdvf_memmap_entry memmap[TDVF_BOOT_INFO_MAX_MEMMAP];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdvf_boot_info, 88 + 24 * TDVF_BOOT_INFO_MAX_MEMMAP);

#endif /* TDX_TDVF_H */

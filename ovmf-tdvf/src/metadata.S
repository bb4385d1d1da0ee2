/*
 * What the VMM reads from the image (reference host-stack.md 3.3):
 *
 *  - the TDVF metadata descriptor, preceded by the TDX metadata GUID as
 *    in edk2, listing the sections (tdvf_layout.h);
 *  - the OVMF GUIDed footer table, whose footer GUID ends 0x20 bytes
 *    before the end of the image (file offset size - 0x30), with the
 *    TDX metadata offset entry (u32 = end of image - descriptor).
 */
#include "tdvf_layout.h"

	.section .note.GNU-stack, "", @progbits

/* A GUID in its binary (mixed-endian) form. */
.macro GUID d1, d2, d3, b0, b1, b2, b3, b4, b5, b6, b7
	.long	\d1
	.short	\d2, \d3
	.byte	\b0, \b1, \b2, \b3, \b4, \b5, \b6, \b7
.endm

.macro SECTION data_offset, raw_size, gpa, mem_size, type, attributes
	.long	\data_offset
	.long	\raw_size
	.quad	\gpa
	.quad	\mem_size
	.long	\type
	.long	\attributes
.endm

#define T_BFV		0
#define T_CFV		1
#define T_TD_HOB	2
#define T_TEMP_MEM	3
#define MR_EXTEND	1

	.section .tdvf_metadata, "a"
	.balign	16
	/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae */
	GUID	0xe9eaf9f3, 0x168e, 0x44d5, 0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae
	.globl	tdvf_descriptor
tdvf_descriptor:
	.ascii	"TDVF"
	.long	tdvf_descriptor_end - tdvf_descriptor
	.long	1
	.long	(tdvf_descriptor_end - tdvf_sections) / 32
tdvf_sections:
	SECTION	TDVF_BFV_OFFSET, TDVF_BFV_SIZE, TDVF_IMAGE_BASE + TDVF_BFV_OFFSET, TDVF_BFV_SIZE, T_BFV, MR_EXTEND
	SECTION	TDVF_CFV_OFFSET, TDVF_CFV_SIZE, TDVF_IMAGE_BASE + TDVF_CFV_OFFSET, TDVF_CFV_SIZE, T_CFV, 0
	SECTION	0, 0, TDVF_TEMP1_BASE, TDVF_TEMP1_SIZE, T_TEMP_MEM, 0
	SECTION	0, 0, TDVF_TD_HOB_BASE, TDVF_TD_HOB_SIZE, T_TD_HOB, 0
	SECTION	0, 0, TDVF_TEMP2_BASE, TDVF_TEMP2_SIZE, T_TEMP_MEM, 0
tdvf_descriptor_end:

/*
 * The footer table, ending where the 0x20-byte reset vector area begins.
 * Entries are read backwards from the footer GUID: each is data, u16
 * length (data + 18), GUID.
 */
	.section .tdvf_footer, "a"
footer_start:
	/* TDX metadata offset entry: e47a6535-984a-4798-865e-4685a7bf8ec2 */
	.long	tdvf_metadata_offset		/* from tdvf.ld: 4 GiB - tdvf_descriptor */
	.short	4 + 2 + 16
	GUID	0xe47a6535, 0x984a, 0x4798, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2
	/* The table: total length (entries + this u16 + the footer GUID). */
	.short	footer_end - footer_start
	/* OVMF_TABLE_FOOTER_GUID 96b582de-1fb2-45f7-baea-a366c55a082d */
	GUID	0x96b582de, 0x1fb2, 0x45f7, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d
footer_end:

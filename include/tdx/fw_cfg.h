/*
 * QEMU's firmware configuration device (QEMU docs/specs/fw_cfg.rst) as
 * qemu-tdx offers it and ovmf-tdvf reads it: how the firmware learns the
 * payload (-kernel), its command line (-append) and the vCPU count.
 *
 * In a TD the I/O ports are reached through TDVMCALL<IO> (#VE), and the
 * DMA interface's FWCfgDmaAccess and its buffer live in *shared* memory:
 * the firmware converts a bounce buffer with MapGPA, writes the DMA
 * descriptor's GPA (shared bit set) big-endian to the DMA port, and copies
 * the data into private memory itself.
 *
 * Freestanding-safe (firmware includes it).
 */
#ifndef TDX_FW_CFG_H
#define TDX_FW_CFG_H

#include <tdx/tdx_types.h>

#define FW_CFG_PORT_SEL		0x510	/* 16-bit write: select an item */
#define FW_CFG_PORT_DATA	0x511	/* 8-bit read: next byte of the item */
#define FW_CFG_PORT_DMA_HI	0x514	/* 32-bit write: DMA address bits 63:32 (BE) */
#define FW_CFG_PORT_DMA_LO	0x518	/* 32-bit write: bits 31:0 (BE), starts DMA */

/* Selector keys. */
#define FW_CFG_SIGNATURE	0x00	/* "QEMU" */
#define FW_CFG_ID		0x01	/* FW_CFG_VERSION* bits */
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_KERNEL_SIZE	0x08	/* u32 LE */
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_CMDLINE_SIZE	0x14	/* u32 LE, including the NUL */
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_FILE_DIR		0x19
#define FW_CFG_FILE_FIRST	0x20
#define FW_CFG_INVALID		0xffff

#define FW_CFG_VERSION		0x01
#define FW_CFG_VERSION_DMA	0x02

#define FW_CFG_SIGNATURE_STR	"QEMU"
/* Reading the 64-bit DMA port returns this signature. */
#define FW_CFG_DMA_SIGNATURE	0x51454d5520434647ull	/* "QEMU CFG" */

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR	0x01
#define FW_CFG_DMA_CTL_READ	0x02
#define FW_CFG_DMA_CTL_SKIP	0x04
#define FW_CFG_DMA_CTL_SELECT	0x08	/* selector in bits 31:16 */
#define FW_CFG_DMA_CTL_WRITE	0x10

/* All fields big endian. */
struct fw_cfg_dma_access {
	uint32_t control;
	uint32_t length;
	uint64_t address;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct fw_cfg_dma_access, 16);

/* FW_CFG_FILE_DIR: be32 count, then entries (size and select big endian). */
struct fw_cfg_file {
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[56];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct fw_cfg_file, 64);

#endif /* TDX_FW_CFG_H */

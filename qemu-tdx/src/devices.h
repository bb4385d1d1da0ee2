/*
 * The platform devices qemu-tdx emulates behind iotrap: the 16550 UART at
 * 0x3F8, the ICH9 PM1a control register at 0x604, QEMU's fw_cfg at 0x510.
 * Each serializes its own state; all are called from vCPU threads.
 */
#ifndef QEMU_TDX_DEVICES_H
#define QEMU_TDX_DEVICES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/fw_cfg.h>

#include "iotrap.h"

/* ---- dev_serial.c: 8250/16550 UART, output only ---- */

#define SERIAL_COM1_BASE	0x3F8
#define SERIAL_NR_PORTS		8

struct dev_serial {
	pthread_mutex_t lock;
	int out_fd;		/* -1: output dropped (-serial none) */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

int dev_serial_init(struct dev_serial *s, struct iotrap *t, int out_fd);

/* ---- dev_pm.c: ICH9 ACPI PM1a_CNT ---- */

#define ICH9_PM_BASE		0x600
#define ICH9_PM1A_CNT		0x604
#define ICH9_PM1_CNT_SLP_EN	(1u << 13)
#define ICH9_PM1_CNT_SLP_TYP	(7u << 10)

struct dev_pm {
	pthread_mutex_t lock;
	uint16_t pm1_cnt;
	void (*shutdown)(void *opaque);	/* SLP_EN written */
	void *opaque;
};

int dev_pm_init(struct dev_pm *pm, struct iotrap *t, void (*shutdown)(void *), void *opaque);

/* ---- fw_cfg.c: QEMU firmware configuration (docs/specs/fw_cfg.rst) ---- */

#define FW_CFG_MAX_ITEMS	32

struct fw_cfg_item {
	uint16_t key;
	const uint8_t *data;
	uint32_t size;
};

/*
 * Guest memory for DMA: a host pointer to [@addr, +@len) as the device may
 * touch it (in a TD: shared pages, @addr with the shared bit), or NULL with
 * the reason in @why.
 */
typedef void *(*fw_cfg_mem_fn)(void *opaque, uint64_t addr, uint64_t len, char *why, size_t whylen);

struct fw_cfg {
	pthread_mutex_t lock;
	unsigned int nr_items;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	uint16_t cur_key;		/* FW_CFG_INVALID when nothing is selected */
	uint32_t cur_offset;
	uint32_t dma_hi;		/* DMA address bits 63:32 */
	fw_cfg_mem_fn mem;
	void *mem_opaque;
	char last_error[160];		/* why the last DMA failed, for tests and logs */
	/* Owned copies of the generated items. */
	uint8_t sig[4], id[4], nb_cpus[2], max_cpus[2], ram_size[8];
	uint8_t kernel_size[4], cmdline_size[4], file_dir[4];
	uint8_t *cmdline;
};

struct fw_cfg_config {
	unsigned int nr_cpus;
	uint64_t ram_size;
	const uint8_t *kernel;		/* may be NULL */
	uint32_t kernel_size;
	const char *cmdline;		/* NULL: no -append */
};

/** fw_cfg_init() - the items of @cfg, ports 0x510/0x511 and DMA 0x514..0x51B. */
int fw_cfg_init(struct fw_cfg *f, struct iotrap *t, const struct fw_cfg_config *cfg,
		fw_cfg_mem_fn mem, void *mem_opaque);
void fw_cfg_destroy(struct fw_cfg *f);

/**
 * fw_cfg_dma() - run the FWCfgDmaAccess at guest address @addr (what a
 * write of the low half to 0x518 starts).  Returns 0, or -1 with the
 * reason in last_error; the descriptor's control gets ERROR when it could
 * be written at all.
 */
int fw_cfg_dma(struct fw_cfg *f, uint64_t addr);

#endif /* QEMU_TDX_DEVICES_H */

/*
 * QEMU's fw_cfg on the x86 ports (QEMU docs/specs/fw_cfg.rst): a 16-bit
 * selector at 0x510, the byte-wide data port at 0x511, the DMA address
 * register at 0x514 (high half) / 0x518 (low half, starts the transfer),
 * both halves big endian.  The FWCfgDmaAccess descriptor and its buffer
 * are guest memory the machine hands out through fw_cfg_mem_fn; in a TD
 * that is shared memory only.  Every item is read-only.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"

#define FW_CFG_KEY_MASK		0x3FFF
#define FW_CFG_DMA_CTL_KNOWN	(FW_CFG_DMA_CTL_ERROR | FW_CFG_DMA_CTL_READ | \
				 FW_CFG_DMA_CTL_SKIP | FW_CFG_DMA_CTL_SELECT | \
				 FW_CFG_DMA_CTL_WRITE)
#define FW_CFG_DMA_SIG_STR	"QEMU CFG"

static int add_item(struct fw_cfg *f, uint16_t key, const void *data, uint32_t size)
{
	if (f->nr_items == FW_CFG_MAX_ITEMS)
		return -ENOSPC;
	f->items[f->nr_items++] = (struct fw_cfg_item){ key, data, size };
	return 0;
}

static const struct fw_cfg_item *find_item(const struct fw_cfg *f, uint16_t key)
{
	if (key == FW_CFG_INVALID)
		return NULL;
	for (unsigned int i = 0; i < f->nr_items; i++)
		if (f->items[i].key == (key & FW_CFG_KEY_MASK))
			return &f->items[i];
	return NULL;
}

static void select_key(struct fw_cfg *f, uint16_t key)
{
	f->cur_key = find_item(f, key) ? (key & FW_CFG_KEY_MASK) : FW_CFG_INVALID;
	f->cur_offset = 0;
}

static uint8_t read_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = find_item(f, f->cur_key);

	if (!it || f->cur_offset >= it->size)
		return 0;
	return it->data[f->cur_offset++];
}

static int dma_fail(struct fw_cfg *f, struct fw_cfg_dma_access *desc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int dma_fail(struct fw_cfg *f, struct fw_cfg_dma_access *desc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->last_error, sizeof(f->last_error), fmt, ap);
	va_end(ap);
	if (desc)
		desc->control = htobe32(FW_CFG_DMA_CTL_ERROR);
	return -1;
}

int fw_cfg_dma(struct fw_cfg *f, uint64_t addr)
{
	char why[128];
	struct fw_cfg_dma_access *desc;
	uint32_t control, length;
	uint64_t buf_addr;
	const struct fw_cfg_item *it;
	uint8_t *buf = NULL;
	uint16_t key;

	desc = f->mem(f->mem_opaque, addr, sizeof(*desc), why, sizeof(why));
	if (!desc)
		return dma_fail(f, NULL, "DMA descriptor at 0x%llx: %s", (unsigned long long)addr, why);
	/* One read of each field: the guest may change the descriptor meanwhile. */
	control = be32toh(__atomic_load_n(&desc->control, __ATOMIC_RELAXED));
	length = be32toh(__atomic_load_n(&desc->length, __ATOMIC_RELAXED));
	buf_addr = be64toh(__atomic_load_n(&desc->address, __ATOMIC_RELAXED));

	/* Check phase: nothing changes until the request is known good. */
	if ((control & 0xFFFF) & ~FW_CFG_DMA_CTL_KNOWN)
		return dma_fail(f, desc, "DMA control 0x%08x has unknown bits", control);
	if (control & FW_CFG_DMA_CTL_WRITE)
		return dma_fail(f, desc, "DMA write: no fw_cfg item is writable");
	if ((control & FW_CFG_DMA_CTL_READ) && length) {
		buf = f->mem(f->mem_opaque, buf_addr, length, why, sizeof(why));
		if (!buf)
			return dma_fail(f, desc, "DMA buffer 0x%llx+0x%x: %s",
					(unsigned long long)buf_addr, length, why);
	}

	/* Commit. */
	if (control & FW_CFG_DMA_CTL_SELECT)
		select_key(f, (uint16_t)(control >> 16));
	key = f->cur_key;
	it = find_item(f, key);
	if (control & FW_CFG_DMA_CTL_READ) {
		uint32_t avail = it && f->cur_offset < it->size ? it->size - f->cur_offset : 0;
		uint32_t n = length < avail ? length : avail;

		if (n)
			memcpy(buf, it->data + f->cur_offset, n);
		/* Past the item's end a read gives zeros, as QEMU's. */
		if (length > n)
			memset(buf + n, 0, length - n);
		f->cur_offset += n;
	} else if (control & FW_CFG_DMA_CTL_SKIP) {
		uint32_t avail = it && f->cur_offset < it->size ? it->size - f->cur_offset : 0;

		f->cur_offset += length < avail ? length : avail;
	}
	__atomic_store_n(&desc->control, 0, __ATOMIC_RELEASE);
	return 0;
}

static void sel_data_io(void *opaque, uint64_t offset, uint8_t *data, unsigned int len, bool is_write)
{
	struct fw_cfg *f = opaque;

	pthread_mutex_lock(&f->lock);
	if (offset == 0 && is_write && len == 2) {
		uint16_t key;

		memcpy(&key, data, 2);
		select_key(f, key);
	} else if (offset == 1 && !is_write) {
		/* The data port is 0x511 alone: only 1-byte reads reach here. */
		for (unsigned int i = 0; i < len; i++)
			data[i] = read_byte(f);
	} else if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&f->lock);
}

static void dma_io(void *opaque, uint64_t offset, uint8_t *data, unsigned int len, bool is_write)
{
	struct fw_cfg *f = opaque;

	pthread_mutex_lock(&f->lock);
	if (!is_write) {
		for (unsigned int i = 0; i < len; i++)
			data[i] = offset + i < 8 ? (uint8_t)FW_CFG_DMA_SIG_STR[offset + i] : 0;
	} else if (len == 4 && offset == 0) {
		uint32_t v;

		memcpy(&v, data, 4);
		f->dma_hi = be32toh(v);
	} else if (len == 4 && offset == 4) {
		uint32_t v;

		memcpy(&v, data, 4);
		fw_cfg_dma(f, ((uint64_t)f->dma_hi << 32) | be32toh(v));
		f->dma_hi = 0;
	} else if (len == 8 && offset == 0) {
		uint64_t v;

		memcpy(&v, data, 8);
		fw_cfg_dma(f, be64toh(v));
		f->dma_hi = 0;
	}
	pthread_mutex_unlock(&f->lock);
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int fw_cfg_init(struct fw_cfg *f, struct iotrap *t, const struct fw_cfg_config *cfg,
		fw_cfg_mem_fn mem, void *mem_opaque)
{
	uint32_t cmdline_len = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->cur_key = FW_CFG_INVALID;
	f->mem = mem;
	f->mem_opaque = mem_opaque;
	memcpy(f->sig, FW_CFG_SIGNATURE_STR, 4);
	put_le(f->id, FW_CFG_VERSION | FW_CFG_VERSION_DMA, 4);
	put_le(f->nb_cpus, cfg->nr_cpus, 2);
	put_le(f->max_cpus, cfg->nr_cpus, 2);
	put_le(f->ram_size, cfg->ram_size, 8);
	put_le(f->kernel_size, cfg->kernel ? cfg->kernel_size : 0, 4);
	if (cfg->cmdline) {
		size_t n = strlen(cfg->cmdline) + 1;

		if (n > UINT32_MAX)
			return -EINVAL;
		f->cmdline = malloc(n);
		if (!f->cmdline)
			return -ENOMEM;
		memcpy(f->cmdline, cfg->cmdline, n);
		cmdline_len = (uint32_t)n;
	}
	put_le(f->cmdline_size, cmdline_len, 4);
	memset(f->file_dir, 0, 4);	/* be32 count: no named files */

	if ((ret = add_item(f, FW_CFG_SIGNATURE, f->sig, 4)) ||
	    (ret = add_item(f, FW_CFG_ID, f->id, 4)) ||
	    (ret = add_item(f, FW_CFG_NB_CPUS, f->nb_cpus, 2)) ||
	    (ret = add_item(f, FW_CFG_MAX_CPUS, f->max_cpus, 2)) ||
	    (ret = add_item(f, FW_CFG_RAM_SIZE, f->ram_size, 8)) ||
	    (ret = add_item(f, FW_CFG_KERNEL_SIZE, f->kernel_size, 4)) ||
	    (ret = add_item(f, FW_CFG_KERNEL_DATA, cfg->kernel, cfg->kernel ? cfg->kernel_size : 0)) ||
	    (ret = add_item(f, FW_CFG_CMDLINE_SIZE, f->cmdline_size, 4)) ||
	    (ret = add_item(f, FW_CFG_CMDLINE_DATA, f->cmdline, cmdline_len)) ||
	    (ret = add_item(f, FW_CFG_FILE_DIR, f->file_dir, 4)))
		goto err;
	if ((ret = iotrap_register(t, IOTRAP_PIO, FW_CFG_PORT_SEL, 2, sel_data_io, f, "fw_cfg")) ||
	    (ret = iotrap_register(t, IOTRAP_PIO, FW_CFG_PORT_DMA_HI, 8, dma_io, f, "fw_cfg-dma")))
		goto err;
	return 0;
err:
	fw_cfg_destroy(f);
	return ret;
}

void fw_cfg_destroy(struct fw_cfg *f)
{
	free(f->cmdline);
	f->cmdline = NULL;
}

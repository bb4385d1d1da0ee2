/*
 * fw_cfg (QEMU docs/specs/fw_cfg.rst) through the DMA interface: the
 * FWCfgDmaAccess descriptor and the data land in a bounce buffer that is
 * shared memory in a TD (converted with MapGPA, reached through the shared
 * alias, its GPA written with the shared bit); the firmware copies the data
 * into private memory itself.  Without DMA support, the byte-wide data
 * port is used.
 */
#include <string.h>

#include <tdx/fw_cfg.h>

#include "fw.h"
#include "fw_cfg_io.h"
#include "io.h"

#define BOUNCE_SIZE	0x10000
#define DESC_SIZE	0x1000		/* first page: the descriptor */

static uint8_t bounce[BOUNCE_SIZE] __attribute__((aligned(4096)));
static int have_dma;
static int announced;

static uint32_t bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

void fw_cfg_init(void)
{
	char sig[4];
	uint32_t id;

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (unsigned int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	if (memcmp(sig, FW_CFG_SIGNATURE_STR, 4))
		tdvf_fatal("fw_cfg: no \"QEMU\" signature at port 0x%x", FW_CFG_PORT_SEL);
	id = fw_cfg_read_u32(FW_CFG_ID);
	have_dma = (id & FW_CFG_VERSION_DMA) != 0;
	if (have_dma)
		tdvf_convert((uint64_t)(uintptr_t)bounce, BOUNCE_SIZE, 1);
	if (!announced)
		printf_fw("ovmf-tdvf: fw_cfg found, %s\n",
			  !have_dma ? "byte-wide data port" :
			  tdvf.is_td ? "DMA through a shared bounce buffer" : "DMA");
	announced = 1;
}

void fw_cfg_fini(void)
{
	if (have_dma)
		tdvf_convert((uint64_t)(uintptr_t)bounce, BOUNCE_SIZE, 0);
	have_dma = 0;
}

static void dma_read(uint32_t control, uint8_t *dst, size_t len)
{
	uint64_t gpa = (uint64_t)(uintptr_t)bounce;
	volatile struct fw_cfg_dma_access *d = shared_va(gpa);
	uint8_t *data = (uint8_t *)shared_va(gpa + DESC_SIZE);
	uint64_t desc_gpa = gpa | tdvf.shared_mask;
	uint64_t data_gpa = (gpa + DESC_SIZE) | tdvf.shared_mask;
	uint32_t c;

	d->control = bswap32(control);
	d->length = bswap32((uint32_t)len);
	d->address = __builtin_bswap64(data_gpa);
	__asm__ volatile("" : : : "memory");
	outl(FW_CFG_PORT_DMA_HI, bswap32((uint32_t)(desc_gpa >> 32)));
	outl(FW_CFG_PORT_DMA_LO, bswap32((uint32_t)desc_gpa));
	for (unsigned long spins = 0;; spins++) {
		c = bswap32(d->control);
		if (c & FW_CFG_DMA_CTL_ERROR)
			tdvf_fatal("fw_cfg: DMA transfer reported an error");
		if (!c)
			break;
		if (spins > 100000000ul)
			tdvf_fatal("fw_cfg: DMA transfer never completed (control 0x%x)", c);
		__asm__ volatile("pause");
	}
	memcpy(dst, data, len);
}

void fw_cfg_read(uint16_t key, void *dst, size_t len)
{
	uint8_t *p = dst;

	if (!have_dma) {
		outw(FW_CFG_PORT_SEL, key);
		for (size_t i = 0; i < len; i++)
			p[i] = inb(FW_CFG_PORT_DATA);
		return;
	}
	if (!len) {
		outw(FW_CFG_PORT_SEL, key);
		return;
	}
	for (size_t done = 0; done < len;) {
		size_t n = len - done;
		uint32_t control = FW_CFG_DMA_CTL_READ;

		if (n > BOUNCE_SIZE - DESC_SIZE)
			n = BOUNCE_SIZE - DESC_SIZE;
		if (!done)
			control |= FW_CFG_DMA_CTL_SELECT | ((uint32_t)key << 16);
		dma_read(control, p + done, n);
		done += n;
	}
}

uint32_t fw_cfg_read_u32(uint16_t key)
{
	uint32_t v;

	fw_cfg_read(key, &v, sizeof(v));
	return v;
}

uint64_t fw_cfg_read_u64(uint16_t key)
{
	uint64_t v;

	fw_cfg_read(key, &v, sizeof(v));
	return v;
}

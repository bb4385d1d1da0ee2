/*
 * ICH9's ACPI PM1a control register (PMBASE 0x600 + 4, as QEMU's q35):
 * a 16-bit write with SLP_EN (bit 13) is the guest's orderly power-off.
 * Every SLP_TYP is taken as S5: q35's DSDT gives S5 type 0 and qemu-tdx
 * offers no sleep states.
 */
#include <string.h>

#include "devices.h"

static void pm_io(void *opaque, uint64_t offset, uint8_t *data, unsigned int len, bool is_write)
{
	struct dev_pm *pm = opaque;
	bool off = false;
	uint16_t v = 0;

	pthread_mutex_lock(&pm->lock);
	if (is_write) {
		memcpy(&v, data, len < 2 ? len : 2);
		if (offset == 1 && len == 1)
			v = (uint16_t)((v << 8) | (pm->pm1_cnt & 0xFF));
		else if (offset == 0 && len == 1)
			v = (uint16_t)((pm->pm1_cnt & 0xFF00) | v);
		off = v & ICH9_PM1_CNT_SLP_EN;
		/* SLP_EN is write-only: it always reads 0. */
		pm->pm1_cnt = v & (uint16_t)~ICH9_PM1_CNT_SLP_EN;
	} else {
		uint16_t cur = pm->pm1_cnt;

		memset(data, 0, len);
		if (offset == 0)
			memcpy(data, &cur, len < 2 ? len : 2);
		else if (offset == 1)
			data[0] = (uint8_t)(cur >> 8);
	}
	pthread_mutex_unlock(&pm->lock);
	if (off && pm->shutdown)
		pm->shutdown(pm->opaque);
}

int dev_pm_init(struct dev_pm *pm, struct iotrap *t, void (*shutdown)(void *), void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	pm->shutdown = shutdown;
	pm->opaque = opaque;
	return iotrap_register(t, IOTRAP_PIO, ICH9_PM1A_CNT, 2, pm_io, pm, "ich9-pm1a-cnt");
}

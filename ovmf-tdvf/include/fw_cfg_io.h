/* Reading QEMU's fw_cfg (include/tdx/fw_cfg.h) from the firmware (fw_cfg.c). */
#ifndef TDVF_FW_CFG_IO_H
#define TDVF_FW_CFG_IO_H

#include <stddef.h>
#include <stdint.h>

/* Checks the "QEMU" signature and DMA support; in a TD converts the bounce buffer to shared. */
void fw_cfg_init(void);
/* Converts the bounce buffer back to private (and re-accepts it). */
void fw_cfg_fini(void);
void fw_cfg_read(uint16_t key, void *dst, size_t len);
uint32_t fw_cfg_read_u32(uint16_t key);
uint64_t fw_cfg_read_u64(uint16_t key);

#endif /* TDVF_FW_CFG_IO_H */

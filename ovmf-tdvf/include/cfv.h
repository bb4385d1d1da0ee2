/*
 * The CFV, ovmf-tdvf's configuration volume: the first 4 KiB of the
 * image, added to the TD without MR.EXTEND and measured into RTMR0 by the
 * firmware (measure-convention step 2).  A VMM or image tool may edit it
 * without changing MRTD.  Little endian; unused bytes are 0xFF.
 */
#ifndef TDVF_CFV_H
#define TDVF_CFV_H

#include <stdint.h>

#define TDVF_CFV_SIGNATURE	0x3130564643584454ull	/* "TDXCFV01" */
#define TDVF_CFV_VERSION	1

struct tdvf_cfv {
	uint64_t signature;
	uint32_t version;
	uint32_t size;			/* sizeof(struct tdvf_cfv) */
	uint64_t accept_limit;		/* accept RAM below this GPA at boot; 4 KiB multiple, <= 4 GiB */
	uint32_t flags;			/* TDVF_CFV_FLAG_*; other bits must be 0 */
	uint32_t reserved;		/* 0 */
};

/* Print each measurement as it is made. */
#define TDVF_CFV_FLAG_VERBOSE	0x1u

#endif /* TDVF_CFV_H */

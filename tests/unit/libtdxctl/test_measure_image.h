/*
 * A small synthetic TDVF image for the measure tests, laid out like
 * edk2's IntelTdx build but 64 KiB: CFV data at file offset 0, BFV (with
 * the metadata descriptor and the OVMF footer table) after it, and the
 * memory-only TD_HOB/TEMP_MEM sections at edk2's GPAs.  Written byte by
 * byte from the reference text (host-stack.md 3.3), not with libtdxctl.
 */
#ifndef TDX_TESTS_TEST_MEASURE_IMAGE_H
#define TDX_TESTS_TEST_MEASURE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define TIMG_SIZE		0x10000u
#define TIMG_MD_OFFSET		0x8000u		/* file offset of the descriptor */
#define TIMG_MAX_SECTIONS	64
/* File offsets of the footer pieces. */
#define TIMG_FOOTER_GUID	(TIMG_SIZE - 0x30)
#define TIMG_TABLE_LEN		(TIMG_FOOTER_GUID - 2)
#define TIMG_OTHER_ENTRY_LEN	(TIMG_TABLE_LEN - 16 - 2)	/* u16 of the last entry */
#define TIMG_OFFSET_ENTRY_DATA	(TIMG_TABLE_LEN - 26 - 22)	/* u32 of the TDX entry */
#define TIMG_OFFSET_ENTRY_GUID	(TIMG_OFFSET_ENTRY_DATA + 6)

enum { TS_BFV, TS_CFV, TS_TD_HOB, TS_TEMP_MEM };

struct timg_section {
	uint32_t data_offset;
	uint32_t raw;
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t attr;
};

struct timg {
	uint8_t buf[TIMG_SIZE];
	size_t len;
	uint32_t nr;		/* NumberOfSectionEntries written */
	struct timg_section s[TIMG_MAX_SECTIONS];
};

/*
 * The default image: BFV (MR.EXTEND) 0xFFFF2000+0xE000 from file 0x2000,
 * CFV 0xFFFF0000+0x2000 from file 0, TEMP_MEM 0x800000+0x6000, TD_HOB
 * 0x809000+0x2000, TEMP_MEM 0x80B000+0x1000, TEMP_MEM 0x810000+0x10000.
 */
void timg_default(struct timg *t);
/* Write the descriptor and sections of @t into @t->buf again. */
void timg_write_metadata(struct timg *t);

void timg_put16(uint8_t *p, uint16_t v);
void timg_put32(uint8_t *p, uint32_t v);
void timg_put64(uint8_t *p, uint64_t v);

/* MRTD computed here from tdx-abi.md 7 for @t's sections (TD_HOB never measured). */
void timg_mrtd(const struct timg *t, uint8_t out[48]);

#endif /* TDX_TESTS_TEST_MEASURE_IMAGE_H */

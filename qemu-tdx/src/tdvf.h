/*
 * TDVF image parsing (reference host-stack.md 3.3): the OVMF footer GUID
 * table, the TDX metadata offset entry, the TDVF descriptor and its
 * sections, every field validated before anything is used.
 */
#ifndef QEMU_TDX_TDVF_H
#define QEMU_TDX_TDVF_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdvf.h>

#define TDVF_MAX_SECTIONS	32
#define TDVF_MAX_IMAGE_SIZE	(16ULL << 20)	/* 0xFF000000..4 GiB */
#define TDVF_IMAGE_ALIGN	4096ULL

struct tdvf_desc {
	uint64_t image_size;
	uint64_t image_gpa;		/* 4 GiB - image_size */
	unsigned int nr_sections;
	struct tdvf_section_entry sections[TDVF_MAX_SECTIONS];
	int td_hob;			/* index of the TD_HOB section */
};

enum tdvf_parse_result {
	TDVF_OK = 0,
	TDVF_NO_METADATA = 1,	/* a valid footer table without the TDX entry, or no table */
	TDVF_INVALID = -1,
};

/**
 * tdvf_parse() - find and validate the TDVF metadata of the image @img
 * (@size bytes).  Returns TDVF_OK with @d filled, TDVF_NO_METADATA (a
 * plain firmware; @err says why), or TDVF_INVALID with the reason in @err.
 * Nothing in @d is meaningful unless TDVF_OK.
 */
int tdvf_parse(const uint8_t *img, uint64_t size, struct tdvf_desc *d, char *err, size_t errlen);

/** tdvf_section_type_name() - "BFV", "TD_HOB", ... for messages. */
const char *tdvf_section_type_name(uint32_t type);

#endif /* QEMU_TDX_TDVF_H */

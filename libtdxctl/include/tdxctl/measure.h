/*
 * libtdxctl measurement prediction: what a TD built by qemu-tdx from a
 * TDVF image will report as MRTD and RTMR0..3, computed offline from the
 * files (docs/measurement.md is the rule book both sides follow).
 *
 *   TDVF image     parsed and validated the way QEMU does (footer GUID
 *                  table, TDX metadata offset entry, descriptor, sections).
 *   TD HOB         rebuilt with qemu-tdx's rules from the image and -m.
 *   MRTD           the TDH.MEM.PAGE.ADD / TDH.MR.EXTEND hash stream for
 *                  the sections in metadata order.
 *   RTMRs          the events ovmf-tdvf extends (docs/measurement.md 4),
 *                  replayed.
 *
 * Functions return 0 or a negative errno and fill @err with a message
 * that names the field and, for image data, its file offset.
 */
#ifndef TDX_TDXCTL_MEASURE_H
#define TDX_TDXCTL_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdvf.h>

#include "emu_error.h"
#include "tdxctl/eventlog.h"

/* ---- the TDVF image ---- */

/* qemu-tdx's limits: the image is whole pages, at most 16 MiB, mapped at
 * 4 GiB - size; at most 32 sections. */
#define TDXCTL_TDVF_MAX_SIZE		(16ull << 20)
#define TDXCTL_TDVF_SIZE_ALIGN		TDX_PAGE_SIZE
#define TDXCTL_TDVF_MAX_SECTIONS	32
#define TDXCTL_4GIB			0x100000000ull

struct tdxctl_tdvf {
	const uint8_t *image;		/* not owned */
	size_t image_len;
	uint32_t metadata_offset;	/* file offset of struct tdvf_metadata */
	unsigned int nr_sections;
	struct tdvf_section_entry *sections;	/* malloc()ed, metadata order */
};

/**
 * tdxctl_tdvf_parse() - find and validate the TDVF metadata of @image:
 * the OVMF footer table 0x30 bytes before the end, the TDX metadata
 * offset entry in it, the descriptor (signature, version, length, at
 * least two sections) and every section (known type, page-aligned
 * address and size below 4 GiB, RawDataSize <= MemoryDataSize, BFV/CFV
 * with data inside the file and memory in the firmware mapping at
 * 4 GiB - size, TD_HOB/TEMP_MEM without data and below that mapping,
 * PAGE.AUG only on TEMP_MEM without MR.EXTEND, no overlap, at least one
 * BFV and exactly one TD_HOB).
 * @image must stay valid while @out is used; tdxctl_tdvf_free() it.
 */
int tdxctl_tdvf_parse(const uint8_t *image, size_t len, struct tdxctl_tdvf *out,
		      struct emu_error *err);
void tdxctl_tdvf_free(struct tdxctl_tdvf *tdvf);

/** tdxctl_tdvf_section_name() - "BFV", "CFV", "TD_HOB", ... or "UNKNOWN". */
const char *tdxctl_tdvf_section_name(uint32_t type);

/* ---- guest RAM and the TD HOB (docs/measurement.md "TD HOB") ---- */

/* qemu-tdx: RAM up to 2 GiB from GPA 0, the rest from 4 GiB. */
#define TDXCTL_LOWMEM_MAX		0x80000000ull

/* RAM entries after splitting: two ranges, each section adds at most two. */
#define TDXCTL_TD_HOB_MAX_RAM		(2 + 2 * TDXCTL_TDVF_MAX_SECTIONS)

struct tdxctl_ram_entry {
	uint64_t address;
	uint64_t length;
	uint32_t resource_type;		/* SYSTEM_MEMORY (added) or MEMORY_UNACCEPTED */
};

struct tdxctl_td_hob {
	uint8_t *bytes;		/* MemoryDataSize of the TD_HOB section, zero after END */
	size_t size;		/* = MemoryDataSize */
	size_t used;		/* bytes up to and including the END_OF_HOB_LIST HOB */
	uint64_t gpa;		/* the TD_HOB section's MemoryAddress */
	unsigned int nr_ram;
	struct tdxctl_ram_entry ram[TDXCTL_TD_HOB_MAX_RAM];	/* sorted by address */
};

/**
 * tdxctl_td_hob_build() - the TD HOB qemu-tdx writes at @tdvf's TD_HOB
 * section for a TD with @ram_size bytes of RAM: PHIT (version 9, boot
 * mode 0, memory fields 0, EfiEndOfHobList = GPA of the END HOB), one
 * resource descriptor per RAM entry in address order, END.  TD_HOB and
 * TEMP_MEM sections are SYSTEM_MEMORY ("added"), except PAGE.AUG ones,
 * which stay in the surrounding MEMORY_UNACCEPTED range.  Refuses a
 * RAM size that is zero or not a page multiple, a TD_HOB/TEMP_MEM section
 * not inside one RAM range or overlapping another, an image without
 * exactly one TD_HOB, and a HOB that does not fit its section.
 * Free with tdxctl_td_hob_free().
 */
int tdxctl_td_hob_build(const struct tdxctl_tdvf *tdvf, uint64_t ram_size,
			struct tdxctl_td_hob *hob, struct emu_error *err);
void tdxctl_td_hob_free(struct tdxctl_td_hob *hob);

/* ---- MRTD ---- */

/**
 * tdxctl_mrtd() - MRTD after qemu-tdx adds @tdvf's sections in metadata
 * order (PAGE.AUG sections are not added and count for nothing): for
 * each 4 KiB page of MemoryDataSize a MEM.PAGE.ADD block, and
 * for MR.EXTEND sections, right after it, the MR.EXTEND block and the 256
 * bytes of each chunk of the page.  Page contents: BFV/CFV the image's
 * RawDataSize bytes at DataOffset then zeros; TEMP_MEM zeros; TD_HOB the
 * bytes of @hob, which is needed only if the TD_HOB section has MR.EXTEND
 * (-EINVAL naming the section otherwise).
 */
int tdxctl_mrtd(const struct tdxctl_tdvf *tdvf, const struct tdxctl_td_hob *hob,
		uint8_t out[TDXCTL_SHA384_SIZE], struct emu_error *err);

/* ---- RTMRs ---- */

/* The event data ovmf-tdvf logs (docs/measurement.md 4). */
#define TDXCTL_EVENT_DATA_TD_HOB	"TD HOB"
#define TDXCTL_EVENT_DATA_CFV		"CFV"
#define TDXCTL_EVENT_DATA_PAYLOAD	"PAYLOAD"
#define TDXCTL_PREDICT_MAX_EVENTS	6

struct tdxctl_rtmr_input {
	const struct tdxctl_tdvf *tdvf;
	const struct tdxctl_td_hob *hob;	/* from tdxctl_td_hob_build() */
	const uint8_t *payload;			/* the -kernel file */
	size_t payload_len;
	const char *cmdline;			/* -append, or NULL for none */
};

struct tdxctl_rtmr_prediction {
	unsigned int nr_events;
	struct tdxctl_cc_event events[TDXCTL_PREDICT_MAX_EVENTS];
	uint8_t rtmr[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE];
};

/**
 * tdxctl_rtmr_predict() - the events ovmf-tdvf logs for @in, in order
 * (TD HOB, CFV if any, separator into RTMR0; payload into RTMR1; the
 * command line plus its NUL into RTMR2 if @in->cmdline; separator into
 * RTMR1), and the RTMRs they replay to.  The events' data point into @in
 * and static strings.  Refuses an image with more than one CFV section.
 */
int tdxctl_rtmr_predict(const struct tdxctl_rtmr_input *in, struct tdxctl_rtmr_prediction *out,
			struct emu_error *err);

#endif /* TDX_TDXCTL_MEASURE_H */

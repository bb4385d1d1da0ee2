/*
 * The TD HOB check (reference host-stack.md 4.6): what TDVF accepts from
 * the VMM at the TD_HOB section, and the RAM ranges it describes.
 * Pure code over a byte buffer, so the unit tests run it on the host.
 */
#ifndef TDVF_HOB_H
#define TDVF_HOB_H

#include <stddef.h>
#include <stdint.h>

#define HOB_MAX_RAM_RANGES	32

struct hob_ram_range {
	uint64_t base;
	uint64_t length;
	uint32_t resource_type;	/* EFI_RESOURCE_SYSTEM_MEMORY or _MEMORY_UNACCEPTED */
};

struct hob_result {
	uint64_t hob_length;	/* bytes from the PHIT through the END HOB */
	unsigned int num_ram;
	struct hob_ram_range ram[HOB_MAX_RAM_RANGES];	/* sorted by base */
	/* on failure: */
	const char *error;
	uint32_t error_offset;	/* offset of the offending HOB in the section */
};

/*
 * Validates the HOB list at hob (section_size bytes, at GPA hob_gpa).
 * Memory ranges must lie below max_gpa (the shared bit in a TD).
 * Returns 0 and fills res, or -1 with res->error naming the rule broken.
 */
int hob_validate(const void *hob, size_t section_size, uint64_t hob_gpa,
		 uint64_t max_gpa, struct hob_result *res);

#endif /* TDVF_HOB_H */

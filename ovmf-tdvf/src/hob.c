/*
 * TD HOB validation, the rules TDVF's SecTdxHelper.c applies (reference
 * host-stack.md 4.6): PHIT first and well formed, only known HOB types,
 * each HOB's length matching its structure, known resource types with
 * standard attribute bits, no overlapping memory ranges, and the list
 * ending with END_OF_HOB_LIST inside the section.
 */
#include "hob.h"

#include <string.h>

#include <tdx/tdvf.h>

/* Lengths of the PI spec structures TDVF allows. */
#define HOB_LEN_FV	24	/* header, base, length */
#define HOB_LEN_FV2	56	/* + FvName, FileName */
#define HOB_LEN_FV3	64	/* + AuthenticationStatus, ExtractedFv, padding */
#define HOB_LEN_END	8

static int fail(struct hob_result *res, const char *msg, size_t off)
{
	res->error = msg;
	res->error_offset = (uint32_t)off;
	return -1;
}

static int resource_type_known(uint32_t t)
{
	return t <= EFI_RESOURCE_MEMORY_UNACCEPTED;
}

/* Port-space resources are not GPAs and take no part in the overlap check. */
static int resource_is_io_space(uint32_t t)
{
	return t == EFI_RESOURCE_IO || t == EFI_RESOURCE_IO_RESERVED;
}

static int check_phit(const uint8_t *p, size_t avail, uint64_t *end_of_list,
		      struct hob_result *res)
{
	struct efi_hob_handoff_info_table phit;

	if (avail < sizeof(phit))
		return fail(res, "HOB section too small for the PHIT", 0);
	memcpy(&phit, p, sizeof(phit));
	if (phit.header.hob_type != EFI_HOB_TYPE_HANDOFF)
		return fail(res, "first HOB is not the PHIT (handoff info table)", 0);
	if (phit.header.hob_length != sizeof(phit))
		return fail(res, "PHIT length is not 56", 0);
	if (phit.version != EFI_HOB_HANDOFF_TABLE_VERSION)
		return fail(res, "PHIT version is not 9", 0);
	if (phit.boot_mode != BOOT_WITH_FULL_CONFIGURATION &&
	    phit.boot_mode != BOOT_ON_S3_RESUME && phit.boot_mode != BOOT_IN_RECOVERY_MODE)
		return fail(res, "PHIT boot mode unknown", 0);
	if (phit.efi_free_memory_top & 0xFFF)
		return fail(res, "PHIT EfiFreeMemoryTop not 4 KiB aligned", 0);
	*end_of_list = phit.efi_end_of_hob_list;
	return 0;
}

static int check_resource(const uint8_t *p, size_t off, uint64_t max_gpa,
			  struct hob_result *res, struct hob_ram_range *ranges,
			  unsigned int *n_ranges)
{
	struct efi_hob_resource_descriptor rd;
	uint64_t end;

	memcpy(&rd, p, sizeof(rd));
	if (!resource_type_known(rd.resource_type))
		return fail(res, "resource descriptor with an unknown resource type", off);
	if (rd.resource_attribute & ~EFI_RESOURCE_ATTRIBUTE_ALL_STANDARD)
		return fail(res, "resource descriptor with non-standard attribute bits", off);
	if (rd.resource_length == 0)
		return fail(res, "resource descriptor of length 0", off);
	end = rd.physical_start + rd.resource_length;
	if (end < rd.physical_start)
		return fail(res, "resource descriptor wraps around the address space", off);
	if (resource_is_io_space(rd.resource_type))
		return 0;
	if (end > max_gpa)
		return fail(res, "resource descriptor beyond the private GPA space", off);
	if (rd.resource_type == EFI_RESOURCE_SYSTEM_MEMORY ||
	    rd.resource_type == EFI_RESOURCE_MEMORY_UNACCEPTED) {
		if ((rd.physical_start | rd.resource_length) & 0xFFF)
			return fail(res, "memory resource not 4 KiB aligned", off);
	}
	for (unsigned int i = 0; i < *n_ranges; i++) {
		const struct hob_ram_range *o = &ranges[i];

		if (rd.physical_start < o->base + o->length && o->base < end)
			return fail(res, "resource descriptors overlap", off);
	}
	if (*n_ranges >= 2 * HOB_MAX_RAM_RANGES)
		return fail(res, "too many resource descriptors", off);
	ranges[*n_ranges].base = rd.physical_start;
	ranges[*n_ranges].length = rd.resource_length;
	ranges[*n_ranges].resource_type = rd.resource_type;
	(*n_ranges)++;
	return 0;
}

static void sort_ram(struct hob_result *res)
{
	for (unsigned int i = 1; i < res->num_ram; i++) {
		struct hob_ram_range t = res->ram[i];
		unsigned int j = i;

		while (j > 0 && res->ram[j - 1].base > t.base) {
			res->ram[j] = res->ram[j - 1];
			j--;
		}
		res->ram[j] = t;
	}
}

int hob_validate(const void *hob, size_t section_size, uint64_t hob_gpa,
		 uint64_t max_gpa, struct hob_result *res)
{
	const uint8_t *base = hob;
	/* Every memory descriptor, for the overlap check (MMIO included). */
	struct hob_ram_range ranges[2 * HOB_MAX_RAM_RANGES];
	unsigned int n_ranges = 0;
	uint64_t end_of_list = 0;
	size_t off;

	memset(res, 0, sizeof(*res));
	if (check_phit(base, section_size, &end_of_list, res))
		return -1;

	for (off = sizeof(struct efi_hob_handoff_info_table);;) {
		struct efi_hob_generic_header h;
		size_t avail = section_size - off;

		if (avail < sizeof(h))
			return fail(res, "HOB list runs past its section without an END HOB", off);
		memcpy(&h, base + off, sizeof(h));
		if (h.hob_length < sizeof(h) || h.hob_length % TDVF_HOB_ALIGNMENT)
			return fail(res, "HOB length below 8 or not a multiple of 8", off);
		if (h.hob_length > avail)
			return fail(res, "HOB runs past the end of its section", off);

		switch (h.hob_type) {
		case EFI_HOB_TYPE_END_OF_HOB_LIST:
			if (h.hob_length != HOB_LEN_END)
				return fail(res, "END HOB length is not 8", off);
			if (end_of_list != hob_gpa + off)
				return fail(res, "PHIT EfiEndOfHobList does not point at the END HOB", 0);
			res->hob_length = off + HOB_LEN_END;
			goto done;
		case EFI_HOB_TYPE_HANDOFF:
			return fail(res, "a second PHIT", off);
		case EFI_HOB_TYPE_RESOURCE_DESCRIPTOR:
			if (h.hob_length != sizeof(struct efi_hob_resource_descriptor))
				return fail(res, "resource descriptor length is not 48", off);
			if (check_resource(base + off, off, max_gpa, res, ranges, &n_ranges))
				return -1;
			break;
		case EFI_HOB_TYPE_GUID_EXTENSION:
			if (h.hob_length < sizeof(struct efi_hob_guid_type))
				return fail(res, "GUID extension HOB shorter than 24", off);
			break;
		case EFI_HOB_TYPE_FV:
			if (h.hob_length != HOB_LEN_FV)
				return fail(res, "FV HOB length is not 24", off);
			break;
		case EFI_HOB_TYPE_FV2:
			if (h.hob_length != HOB_LEN_FV2)
				return fail(res, "FV2 HOB length is not 56", off);
			break;
		case EFI_HOB_TYPE_FV3:
			if (h.hob_length != HOB_LEN_FV3)
				return fail(res, "FV3 HOB length is not 64", off);
			break;
		case EFI_HOB_TYPE_CPU: {
			struct efi_hob_cpu cpu;
			static const uint8_t zero[6];

			if (h.hob_length != sizeof(cpu))
				return fail(res, "CPU HOB length is not 16", off);
			memcpy(&cpu, base + off, sizeof(cpu));
			if (memcmp(cpu.reserved, zero, sizeof(zero)))
				return fail(res, "CPU HOB reserved bytes are not 0", off);
			break;
		}
		default:
			return fail(res, "HOB of a type TDVF does not accept", off);
		}
		off += h.hob_length;
	}
done:
	for (unsigned int i = 0; i < n_ranges; i++) {
		if (ranges[i].resource_type != EFI_RESOURCE_SYSTEM_MEMORY &&
		    ranges[i].resource_type != EFI_RESOURCE_MEMORY_UNACCEPTED)
			continue;
		if (res->num_ram >= HOB_MAX_RAM_RANGES)
			return fail(res, "too many RAM resource descriptors", 0);
		res->ram[res->num_ram++] = ranges[i];
	}
	if (!res->num_ram)
		return fail(res, "no RAM resource descriptor", 0);
	sort_ram(res);
	return 0;
}

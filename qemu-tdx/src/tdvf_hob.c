/* TD HOB construction (tdvf_hob.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdvf_hob.h"

#define HOB_RESOURCE_ATTRS \
	(EFI_RESOURCE_ATTRIBUTE_PRESENT | EFI_RESOURCE_ATTRIBUTE_INITIALIZED | \
	 EFI_RESOURCE_ATTRIBUTE_TESTED)

static int cmp_range(const void *a, const void *b)
{
	const struct tdvf_ram_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Split [base, +len) out of the list as accepted; it must be inside one unaccepted range. */
static int mark_added(struct tdvf_ram_range *r, unsigned int *n, unsigned int cap, uint64_t base,
		      uint64_t len)
{
	for (unsigned int i = 0; i < *n; i++) {
		struct tdvf_ram_range cur = r[i];
		uint64_t end = base + len, cend = cur.base + cur.length;

		if (base < cur.base || end > cend)
			continue;
		if (cur.accepted)
			return -1;	/* two sections overlap: tdvf_parse() refuses that */
		if (*n + 2 > cap)
			return -1;
		/* cur -> [cur.base, base) unaccepted, [base, end) accepted, [end, cend) unaccepted */
		r[i] = (struct tdvf_ram_range){ base, len, true };
		if (base > cur.base)
			r[(*n)++] = (struct tdvf_ram_range){ cur.base, base - cur.base, false };
		if (end < cend)
			r[(*n)++] = (struct tdvf_ram_range){ end, cend - end, false };
		return 0;
	}
	return -1;
}

int tdvf_ram_ranges(const struct tdvf_ram_range *ram, unsigned int nr_ram,
		    const struct tdvf_desc *d, bool all_accepted,
		    struct tdvf_ram_range *out, unsigned int cap, char *err, size_t errlen)
{
	unsigned int n = 0;

	if (nr_ram > cap) {
		snprintf(err, errlen, "too many RAM ranges (%u)", nr_ram);
		return -1;
	}
	for (unsigned int i = 0; i < nr_ram; i++) {
		out[n] = ram[i];
		out[n++].accepted = all_accepted;
	}
	for (unsigned int i = 0; i < d->nr_sections; i++) {
		const struct tdvf_section_entry *s = &d->sections[i];

		if (s->type != TDVF_SECTION_TYPE_TD_HOB && s->type != TDVF_SECTION_TYPE_TEMP_MEM)
			continue;
		/* PAGE.AUG TEMP_MEM is left to the firmware to accept. */
		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			continue;
		if (all_accepted) {
			bool inside = false;

			for (unsigned int j = 0; j < nr_ram; j++)
				inside |= s->memory_address >= ram[j].base &&
					  s->memory_address + s->memory_data_size <= ram[j].base + ram[j].length;
			if (inside)
				continue;
		} else if (!mark_added(out, &n, cap, s->memory_address, s->memory_data_size)) {
			continue;
		}
		snprintf(err, errlen, "TDVF section %u (%s) at 0x%llx+0x%llx is not inside guest RAM",
			 i, tdvf_section_type_name(s->type), (unsigned long long)s->memory_address,
			 (unsigned long long)s->memory_data_size);
		return -1;
	}
	qsort(out, n, sizeof(out[0]), cmp_range);
	return (int)n;
}

long tdvf_hob_build(void *buf, size_t cap, uint64_t hob_gpa, const struct tdvf_ram_range *r,
		    unsigned int n, char *err, size_t errlen)
{
	size_t need = sizeof(struct efi_hob_handoff_info_table) +
		      n * sizeof(struct efi_hob_resource_descriptor) +
		      sizeof(struct efi_hob_generic_header);
	struct efi_hob_handoff_info_table phit = {
		.header = { EFI_HOB_TYPE_HANDOFF, sizeof(phit), 0 },
		.version = EFI_HOB_HANDOFF_TABLE_VERSION,
		.boot_mode = BOOT_WITH_FULL_CONFIGURATION,
	};
	struct efi_hob_generic_header end = { EFI_HOB_TYPE_END_OF_HOB_LIST, sizeof(end), 0 };
	uint8_t *p = buf;

	if (need > cap) {
		snprintf(err, errlen, "the TD HOB needs %zu bytes, the TD_HOB section has %zu", need, cap);
		return -1;
	}
	memset(buf, 0, cap);
	phit.efi_end_of_hob_list = hob_gpa + need - sizeof(end);
	memcpy(p, &phit, sizeof(phit));
	p += sizeof(phit);
	for (unsigned int i = 0; i < n; i++) {
		struct efi_hob_resource_descriptor rd = {
			.header = { EFI_HOB_TYPE_RESOURCE_DESCRIPTOR, sizeof(rd), 0 },
			.resource_type = r[i].accepted ? EFI_RESOURCE_SYSTEM_MEMORY :
							 EFI_RESOURCE_MEMORY_UNACCEPTED,
			.resource_attribute = HOB_RESOURCE_ATTRS,
			.physical_start = r[i].base,
			.resource_length = r[i].length,
		};

		memcpy(p, &rd, sizeof(rd));
		p += sizeof(rd);
	}
	memcpy(p, &end, sizeof(end));
	return (long)need;
}

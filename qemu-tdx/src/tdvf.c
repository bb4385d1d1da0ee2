/*
 * The TDVF metadata parser.  QEMU's order (pc_sysfw_ovmf.c, tdvf.c): the
 * footer GUID 0x30 bytes before the image end, the u16 table length in
 * front of it, entries walked backwards (data, u16 length, GUID), the TDX
 * metadata offset entry, then the descriptor and its sections.  One
 * validator per level; each refusal names the field.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tdvf.h"

#define PAGE		4096ULL
#define FOUR_GIB	(1ULL << 32)

static const struct tdvf_guid footer_guid = OVMF_TABLE_FOOTER_GUID;
static const struct tdvf_guid metadata_offset_guid = TDX_METADATA_OFFSET_GUID;

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return TDVF_INVALID;
}

const char *tdvf_section_type_name(uint32_t type)
{
	static const char *const names[] = {
		[TDVF_SECTION_TYPE_BFV] = "BFV",
		[TDVF_SECTION_TYPE_CFV] = "CFV",
		[TDVF_SECTION_TYPE_TD_HOB] = "TD_HOB",
		[TDVF_SECTION_TYPE_TEMP_MEM] = "TEMP_MEM",
		[TDVF_SECTION_TYPE_PERM_MEM] = "PERM_MEM",
		[TDVF_SECTION_TYPE_PAYLOAD] = "PAYLOAD",
		[TDVF_SECTION_TYPE_PAYLOAD_PARAM] = "PAYLOAD_PARAM",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The footer table: returns the offset of the TDX metadata offset entry's
 * data (at least 4 bytes), TDVF_NO_METADATA or TDVF_INVALID.
 */
static int find_metadata_entry(const uint8_t *img, uint64_t size, uint64_t *data_off,
			       char *err, size_t errlen)
{
	uint64_t guid_off = size - OVMF_TABLE_FOOTER_OFFSET, table, end;
	uint16_t total;

	if (memcmp(img + guid_off, &footer_guid, sizeof(footer_guid))) {
		snprintf(err, errlen, "no OVMF footer table GUID at offset 0x%llx",
			 (unsigned long long)guid_off);
		return TDVF_NO_METADATA;
	}
	total = rd16(img + guid_off - 2);
	if (total < 2 + sizeof(struct tdvf_guid) || total - 2 - sizeof(struct tdvf_guid) > guid_off - 2)
		return bad(err, errlen, "OVMF footer table length %u is out of range", total);
	end = guid_off - 2;
	table = end - (total - 2 - sizeof(struct tdvf_guid));
	while (end > table) {
		uint16_t len;

		if (end - table < 2 + sizeof(struct tdvf_guid))
			return bad(err, errlen, "OVMF footer table: %llu stray bytes before offset 0x%llx",
				   (unsigned long long)(end - table), (unsigned long long)end);
		len = rd16(img + end - sizeof(struct tdvf_guid) - 2);
		if (len < 2 + sizeof(struct tdvf_guid) || len > end - table)
			return bad(err, errlen, "OVMF footer table: entry ending at 0x%llx has length %u",
				   (unsigned long long)end, len);
		if (!memcmp(img + end - sizeof(struct tdvf_guid), &metadata_offset_guid,
			    sizeof(struct tdvf_guid))) {
			if (len != 2 + sizeof(struct tdvf_guid) + 4)
				return bad(err, errlen, "TDX metadata offset entry has length %u, expected %zu",
					   len, 2 + sizeof(struct tdvf_guid) + 4);
			*data_off = end - len;
			return TDVF_OK;
		}
		end -= len;
	}
	snprintf(err, errlen, "the OVMF footer table has no TDX metadata offset entry");
	return TDVF_NO_METADATA;
}

static int check_section(const struct tdvf_section_entry *s, unsigned int i, uint64_t size,
			 char *err, size_t errlen)
{
	const char *name = tdvf_section_type_name(s->type);
	uint64_t end = s->memory_address + s->memory_data_size;

	if (s->type > TDVF_SECTION_TYPE_TEMP_MEM)
		return bad(err, errlen, "TDVF section %u: type %u (%s) is not supported", i, s->type, name);
	if (s->attributes & ~(TDVF_SECTION_ATTRIBUTES_MR_EXTEND | TDVF_SECTION_ATTRIBUTES_PAGE_AUG))
		return bad(err, errlen, "TDVF section %u (%s): unknown Attributes bits 0x%x", i, name,
			   s->attributes);
	if (s->memory_address % PAGE)
		return bad(err, errlen, "TDVF section %u (%s): MemoryAddress 0x%llx is not 4 KiB aligned",
			   i, name, (unsigned long long)s->memory_address);
	if (!s->memory_data_size || s->memory_data_size % PAGE)
		return bad(err, errlen, "TDVF section %u (%s): MemoryDataSize 0x%llx is not a positive multiple of 4 KiB",
			   i, name, (unsigned long long)s->memory_data_size);
	if (end < s->memory_address || end > FOUR_GIB)
		return bad(err, errlen, "TDVF section %u (%s): memory 0x%llx+0x%llx is beyond 4 GiB",
			   i, name, (unsigned long long)s->memory_address,
			   (unsigned long long)s->memory_data_size);
	if (s->raw_data_size > s->memory_data_size)
		return bad(err, errlen, "TDVF section %u (%s): RawDataSize 0x%x > MemoryDataSize 0x%llx",
			   i, name, s->raw_data_size, (unsigned long long)s->memory_data_size);
	switch (s->type) {
	case TDVF_SECTION_TYPE_BFV:
	case TDVF_SECTION_TYPE_CFV:
		if (!s->raw_data_size)
			return bad(err, errlen, "TDVF section %u (%s): RawDataSize is 0", i, name);
		if ((uint64_t)s->data_offset + s->raw_data_size > size)
			return bad(err, errlen, "TDVF section %u (%s): data 0x%x+0x%x is beyond the image (0x%llx bytes)",
				   i, name, s->data_offset, s->raw_data_size, (unsigned long long)size);
		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			return bad(err, errlen, "TDVF section %u (%s): PAGE.AUG on a section with data",
				   i, name);
		break;
	case TDVF_SECTION_TYPE_TD_HOB:
	case TDVF_SECTION_TYPE_TEMP_MEM:
		if (s->raw_data_size)
			return bad(err, errlen, "TDVF section %u (%s): RawDataSize 0x%x, must be 0", i, name,
				   s->raw_data_size);
		if (s->type == TDVF_SECTION_TYPE_TD_HOB &&
		    (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG))
			return bad(err, errlen, "TDVF section %u (TD_HOB): PAGE.AUG is not allowed", i);
		if ((s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG) &&
		    (s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND))
			return bad(err, errlen, "TDVF section %u (%s): MR.EXTEND with PAGE.AUG", i, name);
		break;
	}
	return 0;
}

int tdvf_parse(const uint8_t *img, uint64_t size, struct tdvf_desc *d, char *err, size_t errlen)
{
	struct tdvf_metadata md;
	uint64_t entry = 0, md_off;
	uint32_t back;
	unsigned int nr_bfv = 0;
	int ret;

	memset(d, 0, sizeof(*d));
	d->td_hob = -1;
	if (size < 0x1000 || size % TDVF_IMAGE_ALIGN)
		return bad(err, errlen, "firmware image size 0x%llx is not a positive multiple of 4 KiB",
			   (unsigned long long)size);
	if (size > TDVF_MAX_IMAGE_SIZE)
		return bad(err, errlen, "firmware image size 0x%llx exceeds 16 MiB",
			   (unsigned long long)size);
	ret = find_metadata_entry(img, size, &entry, err, errlen);
	if (ret)
		return ret;
	back = rd32(img + entry);
	if (back < sizeof(md) || back > size)
		return bad(err, errlen, "TDX metadata offset 0x%x is outside the image", back);
	md_off = size - back;
	memcpy(&md, img + md_off, sizeof(md));
	if (md.signature != TDVF_SIGNATURE)
		return bad(err, errlen, "TDVF metadata at 0x%llx: Signature 0x%08x, expected 'TDVF'",
			   (unsigned long long)md_off, md.signature);
	if (md.version != TDVF_VERSION)
		return bad(err, errlen, "TDVF metadata: Version %u, expected %u", md.version, TDVF_VERSION);
	if (md.number_of_section_entries < TDVF_MIN_SECTIONS ||
	    md.number_of_section_entries > TDVF_MAX_SECTIONS)
		return bad(err, errlen, "TDVF metadata: NumberOfSectionEntries %u, expected %u..%u",
			   md.number_of_section_entries, TDVF_MIN_SECTIONS, TDVF_MAX_SECTIONS);
	if (md.length != sizeof(md) + md.number_of_section_entries * sizeof(struct tdvf_section_entry))
		return bad(err, errlen, "TDVF metadata: Length %u does not match %u sections", md.length,
			   md.number_of_section_entries);
	if (md.length > back)
		return bad(err, errlen, "TDVF metadata: %u bytes at 0x%llx run past the image end",
			   md.length, (unsigned long long)md_off);
	memcpy(d->sections, img + md_off + sizeof(md),
	       md.number_of_section_entries * sizeof(struct tdvf_section_entry));
	for (unsigned int i = 0; i < md.number_of_section_entries; i++) {
		const struct tdvf_section_entry *s = &d->sections[i];

		ret = check_section(s, i, size, err, errlen);
		if (ret)
			return ret;
		for (unsigned int j = 0; j < i; j++) {
			const struct tdvf_section_entry *t = &d->sections[j];

			if (s->memory_address < t->memory_address + t->memory_data_size &&
			    t->memory_address < s->memory_address + s->memory_data_size)
				return bad(err, errlen, "TDVF sections %u (%s) and %u (%s) overlap in guest memory",
					   j, tdvf_section_type_name(t->type), i,
					   tdvf_section_type_name(s->type));
		}
		if (s->type == TDVF_SECTION_TYPE_BFV)
			nr_bfv++;
		if (s->type == TDVF_SECTION_TYPE_TD_HOB) {
			if (d->td_hob >= 0)
				return bad(err, errlen, "TDVF sections %d and %u are both TD_HOB", d->td_hob, i);
			d->td_hob = (int)i;
		}
	}
	if (!nr_bfv)
		return bad(err, errlen, "TDVF metadata has no BFV section");
	if (d->td_hob < 0)
		return bad(err, errlen, "TDVF metadata has no TD_HOB section");
	d->nr_sections = md.number_of_section_entries;
	d->image_size = size;
	d->image_gpa = FOUR_GIB - size;
	return TDVF_OK;
}

/*
 * TDVF image parsing and validation: the OVMF footer GUID table, the TDX
 * metadata offset entry, the metadata descriptor and its sections
 * (reference host-stack.md 3.3; QEMU pc_sysfw_ovmf.c and tdvf.c are the
 * model, with every refusal made explicit and naming the file offset).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tdxctl/measure.h"

/* Before the footer GUID: the u16 table length; an entry ends with u16 + GUID. */
#define TABLE_ENTRY_TRAILER	(sizeof(uint16_t) + sizeof(struct tdvf_guid))

static const struct tdvf_guid footer_guid = OVMF_TABLE_FOOTER_GUID;
static const struct tdvf_guid offset_guid = TDX_METADATA_OFFSET_GUID;

const char *tdxctl_tdvf_section_name(uint32_t type)
{
	switch (type) {
	case TDVF_SECTION_TYPE_BFV:
		return "BFV";
	case TDVF_SECTION_TYPE_CFV:
		return "CFV";
	case TDVF_SECTION_TYPE_TD_HOB:
		return "TD_HOB";
	case TDVF_SECTION_TYPE_TEMP_MEM:
		return "TEMP_MEM";
	case TDVF_SECTION_TYPE_PERM_MEM:
		return "PERM_MEM";
	case TDVF_SECTION_TYPE_PAYLOAD:
		return "PAYLOAD";
	case TDVF_SECTION_TYPE_PAYLOAD_PARAM:
		return "PAYLOAD_PARAM";
	default:
		return "UNKNOWN";
	}
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * The data of the TDX metadata offset entry: walk the footer table
 * backwards from the footer GUID's u16 length.  Returns the file offset
 * of the entry's data and its length.
 */
static int find_offset_entry(const uint8_t *img, size_t len, size_t *data_at,
			     size_t *data_len, struct emu_error *err)
{
	size_t footer = len - OVMF_TABLE_FOOTER_OFFSET;
	size_t table_end = footer - sizeof(uint16_t);	/* entries end here */
	size_t table_len, start, pos;

	if (memcmp(img + footer, &footer_guid, sizeof(footer_guid)))
		return emu_error_set(err, -EINVAL,
				     "TDVF image: no OVMF table footer GUID 96b582de-1fb2-45f7-"
				     "baea-a366c55a082d at offset 0x%zx (image size - 0x30)",
				     footer);
	table_len = get_u16(img + table_end);
	if (table_len < TABLE_ENTRY_TRAILER || table_len - TABLE_ENTRY_TRAILER > table_end)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: OVMF table length %zu at offset 0x%zx is not in "
				     "[%zu, %zu]", table_len, table_end, TABLE_ENTRY_TRAILER,
				     table_end + TABLE_ENTRY_TRAILER);
	start = table_end - (table_len - TABLE_ENTRY_TRAILER);
	pos = table_end;
	while (pos - start >= TABLE_ENTRY_TRAILER) {
		size_t guid_at = pos - sizeof(struct tdvf_guid);
		size_t len_at = guid_at - sizeof(uint16_t);
		size_t entry_len = get_u16(img + len_at);

		if (entry_len < TABLE_ENTRY_TRAILER || entry_len > pos - start)
			return emu_error_set(err, -EINVAL,
					     "TDVF image: OVMF table entry length %zu at offset "
					     "0x%zx is not in [%zu, %zu]", entry_len, len_at,
					     TABLE_ENTRY_TRAILER, pos - start);
		if (!memcmp(img + guid_at, &offset_guid, sizeof(offset_guid))) {
			*data_at = pos - entry_len;
			*data_len = entry_len - TABLE_ENTRY_TRAILER;
			return 0;
		}
		pos -= entry_len;
	}
	if (pos != start)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: %zu stray bytes at the start of the OVMF table "
				     "(offset 0x%zx)", pos - start, start);
	return emu_error_set(err, -EINVAL,
			     "TDVF image: the OVMF table has no TDX metadata offset entry "
			     "(GUID e47a6535-984a-4798-865e-4685a7bf8ec2)");
}

static int check_section(const struct tdxctl_tdvf *t, unsigned int i, struct emu_error *err)
{
	const struct tdvf_section_entry *s = &t->sections[i];
	size_t at = t->metadata_offset + sizeof(struct tdvf_metadata) + i * sizeof(*s);
	const char *name = tdxctl_tdvf_section_name(s->type);
	uint64_t fw_gpa = TDXCTL_4GIB - t->image_len;

	if (s->attributes & ~(TDVF_SECTION_ATTRIBUTES_MR_EXTEND | TDVF_SECTION_ATTRIBUTES_PAGE_AUG))
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (%s, entry at offset 0x%zx): unknown "
				     "attribute bits 0x%x (defined: MR.EXTEND 0x1, PAGE.AUG 0x2)",
				     i, name, at, s->attributes);
	if (!TDX_IS_ALIGNED(s->memory_address, TDX_PAGE_SIZE))
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (%s, entry at offset 0x%zx): "
				     "MemoryAddress 0x%llx is not 4 KiB aligned", i, name, at,
				     (unsigned long long)s->memory_address);
	if (s->memory_data_size == 0 || !TDX_IS_ALIGNED(s->memory_data_size, TDX_PAGE_SIZE))
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (%s, entry at offset 0x%zx): "
				     "MemoryDataSize 0x%llx is not a non-zero multiple of 4 KiB",
				     i, name, at, (unsigned long long)s->memory_data_size);
	if (s->memory_address >= TDXCTL_4GIB ||
	    s->memory_data_size > TDXCTL_4GIB - s->memory_address)
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (%s, entry at offset 0x%zx): memory "
				     "0x%llx + 0x%llx is beyond 4 GiB", i, name, at,
				     (unsigned long long)s->memory_address,
				     (unsigned long long)s->memory_data_size);
	if (s->raw_data_size > s->memory_data_size)
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (%s, entry at offset 0x%zx): RawDataSize "
				     "0x%x is larger than MemoryDataSize 0x%llx", i, name, at,
				     s->raw_data_size, (unsigned long long)s->memory_data_size);
	switch (s->type) {
	case TDVF_SECTION_TYPE_BFV:
	case TDVF_SECTION_TYPE_CFV:
		if (s->raw_data_size == 0)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "RawDataSize is 0; a %s is copied from the image", i,
					     name, at, name);
		if ((uint64_t)s->data_offset + s->raw_data_size > t->image_len)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "DataOffset 0x%x + RawDataSize 0x%x is past the end "
					     "of the 0x%zx-byte image", i, name, at,
					     s->data_offset, s->raw_data_size, t->image_len);
		if (s->memory_address < fw_gpa)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "MemoryAddress 0x%llx is below the firmware mapping at "
					     "0x%llx (4 GiB - image size)", i, name, at,
					     (unsigned long long)s->memory_address,
					     (unsigned long long)fw_gpa);
		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "PAGE.AUG on a section with data", i, name, at);
		break;
	case TDVF_SECTION_TYPE_TD_HOB:
	case TDVF_SECTION_TYPE_TEMP_MEM:
		if (s->raw_data_size != 0)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "RawDataSize 0x%x, must be 0 for a memory-only "
					     "section", i, name, at, s->raw_data_size);
		if (s->memory_address + s->memory_data_size > fw_gpa)
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "[0x%llx, 0x%llx) reaches into the firmware mapping at "
					     "0x%llx; it must be in RAM", i, name, at,
					     (unsigned long long)s->memory_address,
					     (unsigned long long)(s->memory_address +
								  s->memory_data_size),
					     (unsigned long long)fw_gpa);
		if ((s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG) &&
		    (s->type == TDVF_SECTION_TYPE_TD_HOB ||
		     (s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND)))
			return emu_error_set(err, -EINVAL,
					     "TDVF section %u (%s, entry at offset 0x%zx): "
					     "PAGE.AUG is allowed only on TEMP_MEM without "
					     "MR.EXTEND", i, name, at);
		break;
	default:
		return emu_error_set(err, -EINVAL,
				     "TDVF section %u (entry at offset 0x%zx): type %u (%s) is "
				     "not supported; qemu-tdx, like QEMU, takes BFV, CFV, TD_HOB "
				     "and TEMP_MEM", i, at, s->type, name);
	}
	return 0;
}

static int check_layout(const struct tdxctl_tdvf *t, struct emu_error *err)
{
	unsigned int i, j, hobs = 0, bfvs = 0;

	for (i = 0; i < t->nr_sections; i++) {
		const struct tdvf_section_entry *a = &t->sections[i];

		hobs += a->type == TDVF_SECTION_TYPE_TD_HOB;
		bfvs += a->type == TDVF_SECTION_TYPE_BFV;
		for (j = 0; j < i; j++) {
			const struct tdvf_section_entry *b = &t->sections[j];

			if (a->memory_address < b->memory_address + b->memory_data_size &&
			    b->memory_address < a->memory_address + a->memory_data_size)
				return emu_error_set(err, -EINVAL,
						     "TDVF sections %u (%s) and %u (%s) overlap in "
						     "guest memory: [0x%llx, 0x%llx) and [0x%llx, "
						     "0x%llx)", j,
						     tdxctl_tdvf_section_name(b->type), i,
						     tdxctl_tdvf_section_name(a->type),
						     (unsigned long long)b->memory_address,
						     (unsigned long long)(b->memory_address +
									  b->memory_data_size),
						     (unsigned long long)a->memory_address,
						     (unsigned long long)(a->memory_address +
									  a->memory_data_size));
		}
	}
	if (!bfvs)
		return emu_error_set(err, -EINVAL, "TDVF image: no BFV section");
	if (hobs != 1)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: %u TD_HOB sections; qemu-tdx needs exactly one "
				     "to build the TD HOB in", hobs);
	return 0;
}

int tdxctl_tdvf_parse(const uint8_t *image, size_t len, struct tdxctl_tdvf *out,
		      struct emu_error *err)
{
	struct tdxctl_tdvf t = { .image = image, .image_len = len };
	size_t data_at = 0, data_len = 0, md_at;
	struct tdvf_metadata md;
	uint32_t back;
	unsigned int i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < TDX_PAGE_SIZE || len > TDXCTL_TDVF_MAX_SIZE || len % TDXCTL_TDVF_SIZE_ALIGN)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: size 0x%zx is not a multiple of 4 KiB in "
				     "[4 KiB, %llu MiB]", len, TDXCTL_TDVF_MAX_SIZE >> 20);
	ret = find_offset_entry(image, len, &data_at, &data_len, err);
	if (ret)
		return ret;
	if (data_len != sizeof(uint32_t))
		return emu_error_set(err, -EINVAL,
				     "TDVF image: TDX metadata offset entry at offset 0x%zx has "
				     "%zu data bytes, not one u32", data_at, data_len);
	back = get_u32(image + data_at);
	if (back > len || len - back > len - sizeof(md))
		return emu_error_set(err, -EINVAL,
				     "TDVF image: TDX metadata offset 0x%x (from the end, at "
				     "offset 0x%zx) does not leave a 16-byte descriptor inside "
				     "the 0x%zx-byte image", back, data_at, len);
	md_at = len - back;
	memcpy(&md, image + md_at, sizeof(md));
	if (md.signature != TDVF_SIGNATURE)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: descriptor at offset 0x%zx has signature 0x%08x, "
				     "not 'TDVF' (0x%08x)", md_at, md.signature, TDVF_SIGNATURE);
	if (md.version != TDVF_VERSION)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: descriptor at offset 0x%zx has version %u; only "
				     "version %u is defined", md_at, md.version, TDVF_VERSION);
	if (md.number_of_section_entries < TDVF_MIN_SECTIONS ||
	    md.number_of_section_entries > TDXCTL_TDVF_MAX_SECTIONS)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: descriptor at offset 0x%zx has %u sections, not "
				     "in [%u, %u]", md_at, md.number_of_section_entries,
				     TDVF_MIN_SECTIONS, TDXCTL_TDVF_MAX_SECTIONS);
	if (md.length != sizeof(md) + md.number_of_section_entries *
					      sizeof(struct tdvf_section_entry))
		return emu_error_set(err, -EINVAL,
				     "TDVF image: descriptor at offset 0x%zx has Length %u, but %u "
				     "sections need %zu", md_at, md.length,
				     md.number_of_section_entries,
				     sizeof(md) + md.number_of_section_entries *
							  sizeof(struct tdvf_section_entry));
	if (md.length > len - md_at)
		return emu_error_set(err, -EINVAL,
				     "TDVF image: descriptor at offset 0x%zx with Length %u runs "
				     "past the end of the 0x%zx-byte image", md_at, md.length, len);

	t.metadata_offset = (uint32_t)md_at;
	t.nr_sections = md.number_of_section_entries;
	t.sections = calloc(t.nr_sections, sizeof(*t.sections));
	if (!t.sections)
		return emu_error_set(err, -ENOMEM, "TDVF image: out of memory");
	memcpy(t.sections, image + md_at + sizeof(md), t.nr_sections * sizeof(*t.sections));
	for (i = 0; i < t.nr_sections; i++) {
		ret = check_section(&t, i, err);
		if (ret)
			goto fail;
	}
	ret = check_layout(&t, err);
	if (ret)
		goto fail;
	*out = t;
	return 0;
fail:
	free(t.sections);
	return ret;
}

void tdxctl_tdvf_free(struct tdxctl_tdvf *tdvf)
{
	free(tdvf->sections);
	tdvf->sections = NULL;
	tdvf->nr_sections = 0;
}

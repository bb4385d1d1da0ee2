/*
 * The TDVF metadata parser (tdvf.c): images assembled here byte by byte
 * from the layout in the reference (host-stack.md 3.3), one refusal per
 * field, and the HOB builder (tdvf_hob.c) on its RAM lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdvf.h"
#include "tdvf_hob.h"

#define IMG_SIZE	0x10000u
#define MD_BACK		0x200u		/* descriptor 0x200 bytes before the end */

struct sec {
	uint32_t off, raw;
	uint64_t addr, size;
	uint32_t type, attr;
};

static uint8_t img[IMG_SIZE];

static void put16(uint32_t at, uint16_t v) { memcpy(img + at, &v, 2); }
static void put32(uint32_t at, uint32_t v) { memcpy(img + at, &v, 4); }

/* The binary GUIDs, spelled out from their string form. */
static const uint8_t footer_guid[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t offset_guid[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
					 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };

/* A valid image with @n sections; the footer table has one extra unrelated entry first. */
static void build(const struct sec *s, unsigned int n)
{
	uint32_t end = IMG_SIZE, md = IMG_SIZE - MD_BACK, p;
	uint8_t other[16] = { 1, 2, 3 };

	memset(img, 0, sizeof(img));
	/* footer GUID at end - 0x30, total length before it */
	memcpy(img + end - 0x30, footer_guid, 16);
	/* entries backwards: TDX offset entry (4 + 2 + 16), then an unrelated one (8 + 2 + 16) */
	p = end - 0x30 - 2;
	memcpy(img + p - 16, offset_guid, 16);
	put16(p - 18, 22);
	put32(p - 22, MD_BACK);
	p -= 22;
	memcpy(img + p - 16, other, 16);
	put16(p - 18, 26);
	p -= 26;
	put16(end - 0x30 - 2, (uint16_t)(22 + 26 + 18));
	(void)p;
	put32(md, TDVF_SIGNATURE);
	put32(md + 4, 16 + 32 * n);
	put32(md + 8, 1);
	put32(md + 12, n);
	for (unsigned int i = 0; i < n; i++) {
		struct tdvf_section_entry e = { s[i].off, s[i].raw, s[i].addr, s[i].size, s[i].type,
						s[i].attr };

		memcpy(img + md + 16 + 32 * i, &e, 32);
	}
}

static const struct sec good[] = {
	{ 0, 0x8000, 0xFFFF0000, 0x10000, TDVF_SECTION_TYPE_BFV, TDVF_SECTION_ATTRIBUTES_MR_EXTEND },
	{ 0x8000, 0x1000, 0xFFFFF000 - 0x7000, 0x1000, TDVF_SECTION_TYPE_CFV, 0 },
	{ 0, 0, 0x800000, 0x10000, TDVF_SECTION_TYPE_TEMP_MEM, 0 },
	{ 0, 0, 0x810000, 0x2000, TDVF_SECTION_TYPE_TD_HOB, 0 },
};

static int parse(char *err)
{
	struct tdvf_desc d;

	return tdvf_parse(img, IMG_SIZE, &d, err, 256);
}

static void test_valid_image(void **state)
{
	struct tdvf_desc d;
	char err[256];

	(void)state;
	/* BFV 0xFFFF0000+0x10000 overlaps CFV: move CFV out of the way for this one. */
	struct sec s[4];

	memcpy(s, good, sizeof(s));
	s[0].size = 0x8000;
	s[1].addr = 0xFFFF8000;
	build(s, 4);
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_OK);
	assert_int_equal(d.nr_sections, 4);
	assert_int_equal(d.td_hob, 3);
	assert_int_equal(d.image_gpa, 0xFFFF0000ULL);
	assert_int_equal(d.sections[2].memory_address, 0x800000);
	assert_int_equal(d.sections[0].attributes, TDVF_SECTION_ATTRIBUTES_MR_EXTEND);
}

static void test_no_metadata(void **state)
{
	char err[256];
	struct tdvf_desc d;

	(void)state;
	memset(img, 0x90, sizeof(img));
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_NO_METADATA);
	assert_string_equal(err, "no OVMF footer table GUID at offset 0xffd0");
	/* A footer table without the TDX entry: a plain OVMF. */
	build(good, 4);
	memset(img + IMG_SIZE - 0x30 - 2 - 16, 0xAA, 16);
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_NO_METADATA);
	assert_string_equal(err, "the OVMF footer table has no TDX metadata offset entry");
}

/* Each case: start from a good image, change one thing, expect its message. */
static void test_every_refusal(void **state)
{
	struct sec s[5];
	char err[256];
	struct tdvf_desc d;

	(void)state;
#define START()	do { memcpy(s, good, sizeof(good)); s[0].size = 0x8000; s[1].addr = 0xFFFF8000; } while (0)
#define EXPECT(msg) do { assert_int_equal(parse(err), TDVF_INVALID); assert_string_equal(err, msg); } while (0)

	/* image size */
	assert_int_equal(tdvf_parse(img, 0x800, &d, err, sizeof(err)), TDVF_INVALID);
	assert_string_equal(err, "firmware image size 0x800 is not a positive multiple of 4 KiB");
	assert_int_equal(tdvf_parse(img, 0x10010, &d, err, sizeof(err)), TDVF_INVALID);
	assert_int_equal(tdvf_parse(img, 0x2000000, &d, err, sizeof(err)), TDVF_INVALID);
	assert_string_equal(err, "firmware image size 0x2000000 exceeds 16 MiB");

	/* footer table */
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32, 17);
	EXPECT("OVMF footer table length 17 is out of range");
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32, 0xFFFF);
	EXPECT("OVMF footer table length 65535 is out of range");
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32, 22 + 26 + 18 + 5);
	/* with the TDX entry found first the extra bytes are never reached ... */
	assert_int_equal(parse(err), TDVF_OK);
	/* ... without it, the walk ends 5 bytes short of an entry */
	img[IMG_SIZE - 0x32 - 16] ^= 0xFF;
	EXPECT("OVMF footer table: 5 stray bytes before offset 0xff9e");
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32 - 16 - 2, 4);		/* the TDX entry's own length */
	EXPECT("OVMF footer table: entry ending at 0xffce has length 4");
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32 - 16 - 2, 200);
	EXPECT("OVMF footer table: entry ending at 0xffce has length 200");
	/* the TDX entry must hold exactly a u32: make it 26 bytes (8 of data) */
	START(); build(s, 4);
	put16(IMG_SIZE - 0x32 - 16 - 2, 26);
	EXPECT("TDX metadata offset entry has length 26, expected 22");

	/* offset and descriptor */
	START(); build(s, 4);
	put32(IMG_SIZE - 0x32 - 22, 8);
	EXPECT("TDX metadata offset 0x8 is outside the image");
	START(); build(s, 4);
	put32(IMG_SIZE - 0x32 - 22, IMG_SIZE + 0x1000);
	EXPECT("TDX metadata offset 0x11000 is outside the image");
	START(); build(s, 4);
	put32(IMG_SIZE - MD_BACK, 0x12345678);
	EXPECT("TDVF metadata at 0xfe00: Signature 0x12345678, expected 'TDVF'");
	START(); build(s, 4);
	put32(IMG_SIZE - MD_BACK + 8, 2);
	EXPECT("TDVF metadata: Version 2, expected 1");
	START(); build(s, 1);
	EXPECT("TDVF metadata: NumberOfSectionEntries 1, expected 2..32");
	START(); build(s, 4);
	put32(IMG_SIZE - MD_BACK + 12, 33);
	EXPECT("TDVF metadata: NumberOfSectionEntries 33, expected 2..32");
	START(); build(s, 4);
	put32(IMG_SIZE - MD_BACK + 4, 16 + 32 * 4 + 1);
	EXPECT("TDVF metadata: Length 145 does not match 4 sections");
	/* 20 sections do not fit in the 0x200 bytes before the end */
	START(); build(s, 4);
	put32(IMG_SIZE - MD_BACK + 12, 20);
	put32(IMG_SIZE - MD_BACK + 4, 16 + 32 * 20);
	EXPECT("TDVF metadata: 656 bytes at 0xfe00 run past the image end");

	/* sections */
	START(); s[2].type = TDVF_SECTION_TYPE_PERM_MEM; build(s, 4);
	EXPECT("TDVF section 2: type 4 (PERM_MEM) is not supported");
	START(); s[2].type = 9; build(s, 4);
	EXPECT("TDVF section 2: type 9 (unknown) is not supported");
	START(); s[1].attr = 4; build(s, 4);
	EXPECT("TDVF section 1 (CFV): unknown Attributes bits 0x4");
	START(); s[2].addr = 0x800800; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): MemoryAddress 0x800800 is not 4 KiB aligned");
	START(); s[2].size = 0x10010; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): MemoryDataSize 0x10010 is not a positive multiple of 4 KiB");
	START(); s[3].size = 0; build(s, 4);
	EXPECT("TDVF section 3 (TD_HOB): MemoryDataSize 0x0 is not a positive multiple of 4 KiB");
	START(); s[2].addr = 0xFFFFF000; s[2].size = 0x2000; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): memory 0xfffff000+0x2000 is beyond 4 GiB");
	START(); s[2].addr = 0xFFFFFFFFFFFFF000ULL; s[2].size = 0x2000; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): memory 0xfffffffffffff000+0x2000 is beyond 4 GiB");
	START(); s[0].raw = 0x9000; build(s, 4);
	EXPECT("TDVF section 0 (BFV): RawDataSize 0x9000 > MemoryDataSize 0x8000");
	START(); s[1].raw = 0; build(s, 4);
	EXPECT("TDVF section 1 (CFV): RawDataSize is 0");
	START(); s[1].off = 0xF800; build(s, 4);
	EXPECT("TDVF section 1 (CFV): data 0xf800+0x1000 is beyond the image (0x10000 bytes)");
	START(); s[1].off = 0xFFFFF000; build(s, 4);
	EXPECT("TDVF section 1 (CFV): data 0xfffff000+0x1000 is beyond the image (0x10000 bytes)");
	START(); s[0].attr = TDVF_SECTION_ATTRIBUTES_PAGE_AUG; build(s, 4);
	EXPECT("TDVF section 0 (BFV): PAGE.AUG on a section with data");
	START(); s[3].raw = 0x100; build(s, 4);
	EXPECT("TDVF section 3 (TD_HOB): RawDataSize 0x100, must be 0");
	START(); s[2].raw = 0x100; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): RawDataSize 0x100, must be 0");
	START(); s[3].attr = TDVF_SECTION_ATTRIBUTES_PAGE_AUG; build(s, 4);
	EXPECT("TDVF section 3 (TD_HOB): PAGE.AUG is not allowed");
	START(); s[2].attr = TDVF_SECTION_ATTRIBUTES_PAGE_AUG | TDVF_SECTION_ATTRIBUTES_MR_EXTEND; build(s, 4);
	EXPECT("TDVF section 2 (TEMP_MEM): MR.EXTEND with PAGE.AUG");
	START(); s[3].addr = 0x80F000; build(s, 4);
	EXPECT("TDVF sections 2 (TEMP_MEM) and 3 (TD_HOB) overlap in guest memory");
	START(); s[1].addr = 0xFFFF7000; s[1].size = 0x2000; build(s, 4);
	EXPECT("TDVF sections 0 (BFV) and 1 (CFV) overlap in guest memory");
	START(); s[4] = s[3]; s[4].addr = 0x900000; build(s, 5);
	EXPECT("TDVF sections 3 and 4 are both TD_HOB");
	START(); s[0].type = TDVF_SECTION_TYPE_CFV; build(s, 4);
	EXPECT("TDVF metadata has no BFV section");
	START(); s[3].type = TDVF_SECTION_TYPE_TEMP_MEM; build(s, 4);
	EXPECT("TDVF metadata has no TD_HOB section");
#undef START
#undef EXPECT
}

/* ---- the HOB ---- */

static void test_ram_ranges(void **state)
{
	const struct tdvf_ram_range ram[2] = { { 0, 2ULL << 30, false }, { 4ULL << 30, 1ULL << 30, false } };
	struct tdvf_ram_range out[TDVF_HOB_MAX_RANGES];
	struct sec s[4];
	struct tdvf_desc d;
	char err[256];
	int n;

	(void)state;
	memcpy(s, good, sizeof(good));
	s[0].size = 0x8000;
	s[1].addr = 0xFFFF8000;
	build(s, 4);
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_OK);
	n = tdvf_ram_ranges(ram, 2, &d, false, out, TDVF_HOB_MAX_RANGES, err, sizeof(err));
	/* [0, 8M) U, [8M, +64K) A, [8M+64K, +8K) A, [8M+72K, 2G) U, [4G, 5G) U */
	assert_int_equal(n, 5);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].length, 0x800000);
	assert_false(out[0].accepted);
	assert_int_equal(out[1].base, 0x800000);
	assert_int_equal(out[1].length, 0x10000);
	assert_true(out[1].accepted);
	assert_int_equal(out[2].base, 0x810000);
	assert_int_equal(out[2].length, 0x2000);
	assert_true(out[2].accepted);
	assert_int_equal(out[3].base, 0x812000);
	assert_int_equal(out[3].length, (2ULL << 30) - 0x812000);
	assert_false(out[3].accepted);
	assert_int_equal(out[4].base, 4ULL << 30);
	assert_false(out[4].accepted);

	/* A plain VM: the same ranges, all accepted, nothing split. */
	n = tdvf_ram_ranges(ram, 2, &d, true, out, TDVF_HOB_MAX_RANGES, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_true(out[0].accepted && out[1].accepted);

	/* TEMP_MEM outside RAM (RAM is only 4 MiB here). */
	{
		const struct tdvf_ram_range small = { 0, 4ULL << 20, false };

		assert_int_equal(tdvf_ram_ranges(&small, 1, &d, false, out, TDVF_HOB_MAX_RANGES, err,
						 sizeof(err)), -1);
		assert_string_equal(err, "TDVF section 2 (TEMP_MEM) at 0x800000+0x10000 is not inside guest RAM");
		assert_int_equal(tdvf_ram_ranges(&small, 1, &d, true, out, TDVF_HOB_MAX_RANGES, err,
						 sizeof(err)), -1);
	}
	/* A section straddling the 2 GiB end of low RAM. */
	s[2].addr = (2ULL << 30) - 0x1000;
	build(s, 4);
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_OK);
	assert_int_equal(tdvf_ram_ranges(ram, 2, &d, false, out, TDVF_HOB_MAX_RANGES, err, sizeof(err)), -1);
	/* PAGE.AUG TEMP_MEM stays unaccepted. */
	s[2].addr = 0x800000;
	s[2].attr = TDVF_SECTION_ATTRIBUTES_PAGE_AUG;
	build(s, 4);
	assert_int_equal(tdvf_parse(img, IMG_SIZE, &d, err, sizeof(err)), TDVF_OK);
	n = tdvf_ram_ranges(ram, 2, &d, false, out, TDVF_HOB_MAX_RANGES, err, sizeof(err));
	assert_int_equal(n, 4);
	assert_int_equal(out[1].base, 0x810000);
	assert_true(out[1].accepted);
	/* Too little room for the split. */
	assert_int_equal(tdvf_ram_ranges(ram, 2, &d, false, out, 2, err, sizeof(err)), -1);
}

static void test_hob_build(void **state)
{
	const struct tdvf_ram_range r[3] = { { 0, 0x800000, false }, { 0x800000, 0x12000, true },
					     { 0x812000, 0x7F7EE000, false } };
	uint8_t buf[0x2000];
	struct efi_hob_handoff_info_table phit;
	struct efi_hob_resource_descriptor rd;
	struct efi_hob_generic_header end;
	char err[256];
	long n;

	(void)state;
	memset(buf, 0xEE, sizeof(buf));
	n = tdvf_hob_build(buf, sizeof(buf), 0x810000, r, 3, err, sizeof(err));
	assert_int_equal(n, 56 + 3 * 48 + 8);
	memcpy(&phit, buf, sizeof(phit));
	assert_int_equal(phit.header.hob_type, EFI_HOB_TYPE_HANDOFF);
	assert_int_equal(phit.header.hob_length, 56);
	assert_int_equal(phit.version, 9);
	assert_int_equal(phit.boot_mode, 0);
	assert_int_equal(phit.efi_free_memory_top % 4096, 0);
	assert_int_equal(phit.efi_end_of_hob_list, 0x810000 + 56 + 3 * 48);
	for (int i = 0; i < 3; i++) {
		memcpy(&rd, buf + 56 + 48 * i, sizeof(rd));
		assert_int_equal(rd.header.hob_type, EFI_HOB_TYPE_RESOURCE_DESCRIPTOR);
		assert_int_equal(rd.header.hob_length, 48);
		assert_int_equal(rd.resource_type, i == 1 ? EFI_RESOURCE_SYSTEM_MEMORY :
							    EFI_RESOURCE_MEMORY_UNACCEPTED);
		assert_int_equal(rd.resource_attribute, 0x7);	/* PRESENT | INITIALIZED | TESTED */
		assert_int_equal(rd.physical_start, r[i].base);
		assert_int_equal(rd.resource_length, r[i].length);
	}
	memcpy(&end, buf + 56 + 3 * 48, sizeof(end));
	assert_int_equal(end.hob_type, EFI_HOB_TYPE_END_OF_HOB_LIST);
	assert_int_equal(end.hob_length, 8);
	/* The rest of the section is cleared. */
	assert_int_equal(buf[n], 0);
	assert_int_equal(buf[sizeof(buf) - 1], 0);

	/* Overflow: refused, and nothing written. */
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(tdvf_hob_build(buf, 56 + 3 * 48 + 7, 0x810000, r, 3, err, sizeof(err)), -1);
	assert_string_equal(err, "the TD HOB needs 208 bytes, the TD_HOB section has 207");
	assert_int_equal(buf[0], 0xEE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_no_metadata),
		cmocka_unit_test(test_every_refusal),
		cmocka_unit_test(test_ram_ranges),
		cmocka_unit_test(test_hob_build),
	};

	return cmocka_run_group_tests_name("qemu-tdx tdvf", tests, NULL, NULL);
}

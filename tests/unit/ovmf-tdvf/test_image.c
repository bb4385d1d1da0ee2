/*
 * The built firmware image, read as a VMM reads it (reference
 * host-stack.md 3.3), with a parser written here from the reference and
 * not shared with the firmware: the OVMF footer GUID at size - 0x30, the
 * table length before it, the TDX metadata offset entry, the TDX metadata
 * GUID and the "TDVF" descriptor, and its sections: types, attributes,
 * alignment, file ranges, GPA ranges (below 4 GiB, no overlap), BFV and
 * CFV together covering the whole file and ending at 4 GiB.  Also the
 * reset vector bytes, the CFV header, and that both payload ELFs pass the
 * firmware's loader checks for its load window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_load.h"

static const uint8_t footer_guid[16] = {	/* 96b582de-1fb2-45f7-baea-a366c55a082d */
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t offset_guid[16] = {	/* e47a6535-984a-4798-865e-4685a7bf8ec2 */
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
static const uint8_t metadata_guid[16] = {	/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae */
	0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static uint16_t u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t u32(const uint8_t *p) { return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16; }
static uint64_t u64(const uint8_t *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

struct section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, mem_size;
	uint32_t type, attributes;
};

/* Walks the footer table backwards and returns the metadata offset entry's u32. */
static uint32_t find_metadata_offset(const uint8_t *img, size_t size)
{
	const uint8_t *guid = img + size - 0x30;
	size_t table_len, pos;

	assert_memory_equal(guid, footer_guid, 16);
	table_len = u16(guid - 2);
	assert_true(table_len >= 18 && table_len <= size - 0x30 + 16);
	/* Entries occupy [guid - table_len + 18, guid - 2). */
	pos = (size_t)(guid - img) - 2;
	while (pos > (size_t)(guid - img) + 18 - table_len) {
		const uint8_t *eguid = img + pos - 16;
		uint16_t len = u16(eguid - 2);

		assert_true(len >= 18 && len <= pos);
		if (!memcmp(eguid, offset_guid, 16)) {
			assert_int_equal(len, 4 + 2 + 16);
			return u32(img + pos - len);
		}
		pos -= len;
	}
	fail_msg("no TDX metadata offset entry in the footer table");
	return 0;
}

static void test_layout(void **state)
{
	size_t size;
	uint8_t *img = read_file(TDVF_IMAGE_PATH, &size);
	uint64_t image_base = 0x100000000ull - size;
	uint32_t off;
	const uint8_t *d;
	uint32_t n;
	struct section s[16];
	uint64_t file_covered = 0;
	int have_bfv = 0, have_cfv = 0, have_hob = 0, have_temp = 0;

	(void)state;
	assert_int_equal(size % 4096, 0);
	off = find_metadata_offset(img, size);
	assert_true(off >= 16 + 16 && off <= size);
	d = img + size - off;
	assert_memory_equal(d - 16, metadata_guid, 16);
	assert_memory_equal(d, "TDVF", 4);
	n = u32(d + 12);
	assert_true(n >= 2 && n <= 16);
	assert_int_equal(u32(d + 4), 16 + 32 * n);
	assert_int_equal(u32(d + 8), 1);
	assert_true(off >= 16 + 32 * n);

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = d + 16 + 32 * i;

		s[i] = (struct section){ u32(e), u32(e + 4), u64(e + 8), u64(e + 16),
					 u32(e + 24), u32(e + 28) };
		assert_int_equal(s[i].gpa % 4096, 0);
		assert_int_equal(s[i].mem_size % 4096, 0);
		assert_true(s[i].mem_size >= s[i].raw_size && s[i].mem_size > 0);
		assert_true(s[i].gpa + s[i].mem_size <= 0x100000000ull);
		assert_true((uint64_t)s[i].data_offset + s[i].raw_size <= size);
		assert_int_equal(s[i].attributes & ~3u, 0);
		for (uint32_t j = 0; j < i; j++)
			assert_false(s[i].gpa < s[j].gpa + s[j].mem_size &&
				     s[j].gpa < s[i].gpa + s[i].mem_size);
		switch (s[i].type) {
		case 0:	/* BFV: code, measured into MRTD, at its place under 4 GiB */
			have_bfv++;
			assert_int_equal(s[i].attributes, 1);
			assert_true(s[i].raw_size > 0);
			assert_int_equal(s[i].gpa, image_base + s[i].data_offset);
			assert_int_equal(s[i].gpa + s[i].mem_size, 0x100000000ull);
			file_covered += s[i].raw_size;
			break;
		case 1:	/* CFV: data, not MR.EXTEND */
			have_cfv++;
			assert_int_equal(s[i].attributes, 0);
			assert_true(s[i].raw_size > 0);
			assert_int_equal(s[i].gpa, image_base + s[i].data_offset);
			assert_memory_equal(img + s[i].data_offset, "TDXCFV01", 8);
			file_covered += s[i].raw_size;
			break;
		case 2:
			have_hob++;
			assert_int_equal(s[i].raw_size, 0);
			assert_int_equal(s[i].attributes, 0);
			break;
		case 3:
			have_temp++;
			assert_int_equal(s[i].raw_size, 0);
			assert_int_equal(s[i].attributes, 0);
			break;
		default:
			fail_msg("section %u has type %u, which QEMU refuses", i, s[i].type);
		}
	}
	assert_int_equal(have_bfv, 1);
	assert_int_equal(have_cfv, 1);
	assert_int_equal(have_hob, 1);
	assert_true(have_temp >= 1);
	assert_int_equal(file_covered, size);

	/* Reset vector: MOV EAX, CR0 first (the TD/real-mode fork), a HLT pad last. */
	assert_int_equal(img[size - 16], 0x0F);
	assert_int_equal(img[size - 15], 0x20);
	assert_int_equal(img[size - 14], 0xC0);
	free(img);
}

static void check_payload(const char *path)
{
	size_t size;
	uint8_t *f = read_file(path, &size);
	struct elf_image e;

	if (elf_check(f, size, 0x900000, 0x1800000, &e))
		fail_msg("%s: %s", path, e.error);
	assert_int_equal(e.lowest, 0x1000000);
	free(f);
}

static void test_payloads_load(void **state)
{
	(void)state;
	check_payload(TDVF_PAYLOAD_DEMO_PATH);
	check_payload(TDVF_PAYLOAD_FATAL_PATH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_payloads_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for libtdxctl tdvf_image.c, td_hob.c and measure.c: a
 * synthetic TDVF image built here, MRTD and the TD HOB checked against
 * values computed here from the reference text, each malformed image
 * refused with a message naming the fault, and the RTMR prediction
 * checked against a replay of an event log this test writes itself per
 * docs/measurement.md section 4.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tdxctl/measure.h"
#include "tdxctl_test_util.h"
#include "test_measure_image.h"

#define MiB	(1ull << 20)
#define GiB	(1ull << 30)

static struct timg img;

static int setup(void **state)
{
	(void)state;
	timg_default(&img);
	return 0;
}

static void parse_ok(const struct timg *t, struct tdxctl_tdvf *tdvf)
{
	struct emu_error err = { 0 };
	int ret = tdxctl_tdvf_parse(t->buf, t->len, tdvf, &err);

	if (ret)
		fail_msg("parse: %s", err.msg);
}

/* ---- parsing ---- */

static void test_parse_default(void **state)
{
	struct tdxctl_tdvf tdvf;

	(void)state;
	parse_ok(&img, &tdvf);
	assert_int_equal(tdvf.nr_sections, 6);
	assert_int_equal(tdvf.metadata_offset, TIMG_MD_OFFSET);
	assert_int_equal(tdvf.sections[0].type, TDVF_SECTION_TYPE_BFV);
	assert_int_equal(tdvf.sections[0].data_offset, 0x2000);
	assert_int_equal(tdvf.sections[0].memory_address, 0xFFFF2000);
	assert_int_equal(tdvf.sections[3].type, TDVF_SECTION_TYPE_TD_HOB);
	assert_int_equal(tdvf.sections[3].memory_data_size, 0x2000);
	tdxctl_tdvf_free(&tdvf);
}

/* Expect tdxctl_tdvf_parse() to refuse @t with a message containing @what. */
static void refuse(const struct timg *t, const char *what)
{
	struct emu_error err = { 0 };
	struct tdxctl_tdvf tdvf;
	int ret = tdxctl_tdvf_parse(t->buf, t->len, &tdvf, &err);

	if (ret == 0) {
		tdxctl_tdvf_free(&tdvf);
		fail_msg("accepted an image that should fail with '%s'", what);
	}
	assert_int_equal(ret, -EINVAL);
	if (!test_contains(err.msg, what))
		fail_msg("error '%s' does not mention '%s'", err.msg, what);
	assert_null(tdvf.sections);
}

static struct timg *copy(void)
{
	struct timg *t = malloc(sizeof(*t));

	assert_non_null(t);
	memcpy(t, &img, sizeof(*t));
	return t;
}

static void test_refuse_size(void **state)
{
	struct timg *t = copy();

	(void)state;
	t->len = TIMG_SIZE - 16;
	refuse(t, "not a multiple of 4 KiB");
	t->len = 0;
	refuse(t, "size 0x0");
	free(t);
}

static void test_refuse_footer(void **state)
{
	struct timg *t = copy();

	(void)state;
	t->buf[TIMG_FOOTER_GUID + 3] ^= 1;
	refuse(t, "no OVMF table footer GUID");
	free(t);

	t = copy();
	timg_put16(t->buf + TIMG_TABLE_LEN, 17);
	refuse(t, "OVMF table length 17");
	timg_put16(t->buf + TIMG_TABLE_LEN, 0xFFFF);
	refuse(t, "OVMF table length 65535");
	free(t);

	/* An entry length that runs past the table start. */
	t = copy();
	timg_put16(t->buf + TIMG_OTHER_ENTRY_LEN, 200);
	refuse(t, "entry length 200");
	timg_put16(t->buf + TIMG_OTHER_ENTRY_LEN, 5);
	refuse(t, "entry length 5");
	free(t);

	/* No TDX entry: its GUID changed. */
	t = copy();
	t->buf[TIMG_OFFSET_ENTRY_GUID] ^= 0xFF;
	refuse(t, "no TDX metadata offset entry");
	free(t);
}

static void test_refuse_offset(void **state)
{
	struct timg *t = copy();

	(void)state;
	timg_put32(t->buf + TIMG_OFFSET_ENTRY_DATA, 0);
	refuse(t, "metadata offset 0x0 ");
	timg_put32(t->buf + TIMG_OFFSET_ENTRY_DATA, TIMG_SIZE + 0x1000);
	refuse(t, "metadata offset 0x11000");
	timg_put32(t->buf + TIMG_OFFSET_ENTRY_DATA, 8);
	refuse(t, "16-byte descriptor");
	/* Pointing at bytes that are not a descriptor. */
	timg_put32(t->buf + TIMG_OFFSET_ENTRY_DATA, TIMG_SIZE - 0x100);
	refuse(t, "not 'TDVF'");
	free(t);
}

static void test_refuse_descriptor(void **state)
{
	struct timg *t = copy();

	(void)state;
	timg_put32(t->buf + TIMG_MD_OFFSET + 8, 2);
	refuse(t, "version 2");
	free(t);

	t = copy();
	t->nr = 1;
	timg_write_metadata(t);
	refuse(t, "has 1 sections");
	free(t);

	t = copy();
	timg_put32(t->buf + TIMG_MD_OFFSET + 4, 16 + 32 * 6 + 4);
	refuse(t, "Length 212, but 6 sections need 208");
	free(t);

	t = copy();
	timg_put32(t->buf + TIMG_MD_OFFSET + 12, 1000);
	refuse(t, "has 1000 sections");
	free(t);
}

/* Change section @i with @fn and expect a refusal naming @what. */
static void refuse_section(unsigned int i, void (*fn)(struct timg_section *), const char *what)
{
	struct timg *t = copy();

	fn(&t->s[i]);
	timg_write_metadata(t);
	refuse(t, what);
	free(t);
}

static void s_type_perm(struct timg_section *s) { s->type = 4; }
static void s_type_big(struct timg_section *s) { s->type = 99; }
static void s_raw_zero(struct timg_section *s) { s->raw = 0; }
static void s_raw_past(struct timg_section *s) { s->data_offset = 0x3000; }
static void s_raw_set(struct timg_section *s) { s->raw = 0x10; s->data_offset = 0; }
static void s_addr_unaligned(struct timg_section *s) { s->addr += 0x800; }
static void s_size_unaligned(struct timg_section *s) { s->size += 0x10; }
static void s_size_zero(struct timg_section *s) { s->size = 0; }
static void s_raw_big(struct timg_section *s) { s->size = 0x1000; }
static void s_attr_aug(struct timg_section *s) { s->attr |= 2; }
static void s_attr_unknown(struct timg_section *s) { s->attr |= 4; }
static void s_aug_extend(struct timg_section *s) { s->attr = 3; }
static void s_gpa_far(struct timg_section *s) { s->addr = 0xFFFFC000; }
static void s_below_fw(struct timg_section *s) { s->addr = 0xFFFE0000; }
static void s_in_fw(struct timg_section *s) { s->addr = 0xFFFF8000; s->size = 0x1000; }
static void s_not_bfv(struct timg_section *s) { s->type = TS_CFV; }
static void s_overlap(struct timg_section *s) { s->addr = 0x805000; }
static void s_not_hob(struct timg_section *s) { s->type = TS_TEMP_MEM; }
static void s_hob(struct timg_section *s) { s->type = TS_TD_HOB; }

static void test_refuse_sections(void **state)
{
	(void)state;
	refuse_section(2, s_type_perm, "type 4 (PERM_MEM) is not supported");
	refuse_section(2, s_type_big, "type 99 (UNKNOWN)");
	refuse_section(0, s_raw_zero, "section 0 (BFV, entry at offset 0x8010): RawDataSize is 0");
	refuse_section(1, s_raw_zero, "section 1 (CFV");
	refuse_section(0, s_raw_past, "past the end of the 0x10000-byte image");
	refuse_section(3, s_raw_set, "RawDataSize 0x10, must be 0");
	refuse_section(2, s_raw_set, "section 2 (TEMP_MEM");
	refuse_section(2, s_addr_unaligned, "MemoryAddress 0x800800 is not 4 KiB aligned");
	refuse_section(4, s_size_unaligned, "MemoryDataSize 0x1010");
	refuse_section(4, s_size_zero, "MemoryDataSize 0x0");
	refuse_section(0, s_raw_big, "RawDataSize 0xe000 is larger than MemoryDataSize 0x1000");
	refuse_section(1, s_attr_aug, "section 1 (CFV, entry at offset 0x8030): PAGE.AUG on a "
				      "section with data");
	refuse_section(0, s_attr_aug, "section 0 (BFV");
	refuse_section(3, s_attr_aug, "section 3 (TD_HOB, entry at offset 0x8070): PAGE.AUG is "
				      "allowed only on TEMP_MEM without MR.EXTEND");
	refuse_section(2, s_aug_extend, "section 2 (TEMP_MEM");
	refuse_section(2, s_attr_unknown, "unknown attribute bits 0x4");
	refuse_section(2, s_gpa_far, "memory 0xffffc000 + 0x6000 is beyond 4 GiB");
	refuse_section(0, s_below_fw, "MemoryAddress 0xfffe0000 is below the firmware mapping at "
				      "0xffff0000");
	refuse_section(4, s_in_fw, "[0xffff8000, 0xffff9000) reaches into the firmware mapping");
	refuse_section(0, s_not_bfv, "no BFV section");
	refuse_section(4, s_overlap, "sections 2 (TEMP_MEM) and 4 (TEMP_MEM) overlap");
	refuse_section(3, s_not_hob, "0 TD_HOB sections");
	refuse_section(2, s_hob, "2 TD_HOB sections");
}

/*
 * Every byte of the footer table and the descriptor changed: the parse
 * succeeds with sections that pass the checks, or fails with a message;
 * nothing reads outside the image (run under ASan to see it).
 */
static void test_mutations(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x80, 0xFF };
	const size_t ranges[][2] = {
		{ TIMG_MD_OFFSET, TIMG_MD_OFFSET + 16 + 32 * 6 },
		{ TIMG_OFFSET_ENTRY_DATA, TIMG_SIZE },
	};
	struct timg *t = copy();
	size_t r, i, v;

	(void)state;
	for (r = 0; r < 2; r++) {
		for (i = ranges[r][0]; i < ranges[r][1]; i++) {
			for (v = 0; v < sizeof(values); v++) {
				struct emu_error err = { 0 };
				struct tdxctl_tdvf tdvf;
				uint8_t keep = t->buf[i];

				t->buf[i] = values[v];
				if (tdxctl_tdvf_parse(t->buf, t->len, &tdvf, &err) == 0) {
					uint8_t m[48];
					int ret = tdxctl_mrtd(&tdvf, NULL, m, &err);

					/* A TD_HOB turned MR.EXTEND needs the HOB. */
					assert_true(ret == 0 ||
						    (ret == -EINVAL &&
						     test_contains(err.msg, "(TD_HOB) has MR.EXTEND")));
					tdxctl_tdvf_free(&tdvf);
				} else {
					assert_true(err.msg[0] != '\0');
				}
				t->buf[i] = keep;
			}
		}
	}
	free(t);
}

/* ---- MRTD ---- */

static void mrtd_of(const struct timg *t, uint8_t out[48])
{
	struct emu_error err = { 0 };
	struct tdxctl_tdvf tdvf;

	parse_ok(t, &tdvf);
	if (tdxctl_mrtd(&tdvf, NULL, out, &err))
		fail_msg("mrtd: %s", err.msg);
	tdxctl_tdvf_free(&tdvf);
}

static void test_mrtd_default(void **state)
{
	uint8_t want[48], got[48];

	(void)state;
	timg_mrtd(&img, want);
	mrtd_of(&img, got);
	assert_memory_equal(got, want, 48);
}

static void test_mrtd_sensitivity(void **state)
{
	uint8_t base[48], got[48], want[48];
	struct timg *t = copy();

	(void)state;
	mrtd_of(&img, base);

	/* A byte of the measured BFV changes MRTD. */
	t->buf[0x2000 + 0x1234] ^= 1;
	mrtd_of(t, got);
	assert_memory_not_equal(got, base, 48);
	timg_mrtd(t, want);
	assert_memory_equal(got, want, 48);
	t->buf[0x2000 + 0x1234] ^= 1;

	/* A byte of the unmeasured CFV does not. */
	t->buf[0x100] ^= 1;
	mrtd_of(t, got);
	assert_memory_equal(got, base, 48);
	t->buf[0x100] ^= 1;

	/* Section order is part of MRTD. */
	{
		struct timg_section s = t->s[0];

		t->s[0] = t->s[1];
		t->s[1] = s;
		timg_write_metadata(t);
		mrtd_of(t, got);
		assert_memory_not_equal(got, base, 48);
		timg_mrtd(t, want);
		assert_memory_equal(got, want, 48);
	}
	free(t);
}

/* RawDataSize short of MemoryDataSize: the rest of the last page is zeros. */
static void test_mrtd_zero_fill(void **state)
{
	uint8_t got[48], want[48];
	struct timg *t = copy();

	(void)state;
	t->s[0].raw = 0xD800;
	timg_write_metadata(t);
	mrtd_of(t, got);
	timg_mrtd(t, want);
	assert_memory_equal(got, want, 48);
	free(t);
}

/* A measured TEMP_MEM extends zero pages; a measured TD_HOB needs the HOB. */
static void test_mrtd_measured_memory(void **state)
{
	struct emu_error err = { 0 };
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	uint8_t got[48], want[48];
	struct timg *t = copy();

	(void)state;
	t->s[2].attr = 1;
	timg_write_metadata(t);
	mrtd_of(t, got);
	timg_mrtd(t, want);
	assert_memory_equal(got, want, 48);

	t->s[3].attr = 1;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_mrtd(&tdvf, NULL, got, &err), -EINVAL);
	assert_true(test_contains(err.msg, "section 3 (TD_HOB) has MR.EXTEND"));
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &hob, &err), 0);
	assert_int_equal(tdxctl_mrtd(&tdvf, &hob, got, &err), 0);
	assert_memory_not_equal(got, want, 48);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
	free(t);
}

/* ---- the TD HOB ---- */

struct want_ram {
	uint64_t start, len;
	uint32_t type;
};

/* The HOB bytes for @ram at @gpa, written field by field (PI spec, host-stack 3.4). */
static size_t want_hob(uint8_t *out, uint64_t gpa, const struct want_ram *ram, unsigned int nr)
{
	size_t pos = 56, end = 56 + 48 * nr;
	unsigned int i;

	memset(out, 0, end + 8);
	timg_put16(out, 0x0001);		/* EFI_HOB_TYPE_HANDOFF */
	timg_put16(out + 2, 56);
	timg_put32(out + 8, 9);			/* version */
	timg_put32(out + 12, 0);		/* boot mode */
	timg_put64(out + 48, gpa + end);	/* EfiEndOfHobList: the END HOB */
	for (i = 0; i < nr; i++, pos += 48) {
		timg_put16(out + pos, 0x0003);
		timg_put16(out + pos + 2, 48);
		timg_put32(out + pos + 24, ram[i].type);
		timg_put32(out + pos + 28, 0x7);	/* PRESENT|INITIALIZED|TESTED */
		timg_put64(out + pos + 32, ram[i].start);
		timg_put64(out + pos + 40, ram[i].len);
	}
	timg_put16(out + end, 0xFFFF);
	timg_put16(out + end + 2, 8);
	return end + 8;
}

static void check_hob(uint64_t mem, const struct want_ram *ram, unsigned int nr)
{
	struct emu_error err = { 0 };
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	uint8_t want[4096];
	size_t len;

	parse_ok(&img, &tdvf);
	if (tdxctl_td_hob_build(&tdvf, mem, &hob, &err))
		fail_msg("hob: %s", err.msg);
	len = want_hob(want, 0x809000, ram, nr);
	assert_int_equal(hob.used, len);
	assert_int_equal(hob.size, 0x2000);
	assert_int_equal(hob.gpa, 0x809000);
	assert_memory_equal(hob.bytes, want, len);
	/* The rest of the section stays zero. */
	for (; len < hob.size; len++)
		assert_int_equal(hob.bytes[len], 0);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
}

#define U 7	/* EFI_RESOURCE_MEMORY_UNACCEPTED */
#define A 0	/* EFI_RESOURCE_SYSTEM_MEMORY */

static void test_hob_512m(void **state)
{
	static const struct want_ram ram[] = {
		{ 0, 0x800000, U },
		{ 0x800000, 0x6000, A },
		{ 0x806000, 0x3000, U },
		{ 0x809000, 0x2000, A },
		{ 0x80B000, 0x1000, A },
		{ 0x80C000, 0x4000, U },
		{ 0x810000, 0x10000, A },
		{ 0x820000, 512 * MiB - 0x820000, U },
	};

	(void)state;
	check_hob(512 * MiB, ram, 8);
}

/* Up to 2 GiB all RAM is low; above, 2 GiB low and the rest at 4 GiB. */
static void test_hob_high_memory(void **state)
{
	static struct want_ram ram[] = {
		{ 0, 0x800000, U },
		{ 0x800000, 0x6000, A },
		{ 0x806000, 0x3000, U },
		{ 0x809000, 0x2000, A },
		{ 0x80B000, 0x1000, A },
		{ 0x80C000, 0x4000, U },
		{ 0x810000, 0x10000, A },
		{ 0x820000, 0, U },
		{ 4 * GiB, 0, U },
	};

	(void)state;
	ram[7].len = 2 * GiB - 0x820000;
	check_hob(2 * GiB, ram, 8);
	ram[8].len = 0x1000;
	check_hob(2 * GiB + 0x1000, ram, 9);
	ram[8].len = 1 * GiB;
	check_hob(3 * GiB, ram, 9);
}

static void test_hob_refusals(void **state)
{
	struct emu_error err = { 0 };
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	struct timg *t;

	(void)state;
	parse_ok(&img, &tdvf);
	/* TEMP_MEM at 0x810000..0x820000 does not fit 8 MiB + 64 KiB. */
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 8 * MiB + 0x10000, &hob, &err), -EINVAL);
	assert_true(test_contains(err.msg, "section 5 (TEMP_MEM) at [0x810000, 0x820000)"));
	assert_null(hob.bytes);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 0, &hob, &err), -EINVAL);
	assert_true(test_contains(err.msg, "RAM size 0x0"));
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB + 1, &hob, &err), -EINVAL);
	tdxctl_tdvf_free(&tdvf);

	/* Straddling the end of RAM. */
	t = copy();
	t->s[5].addr = 512 * MiB - 0x8000;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &hob, &err), -EINVAL);
	assert_true(test_contains(err.msg, "not inside one RAM range"));
	tdxctl_tdvf_free(&tdvf);
	free(t);

	/* A PAGE.AUG section must lie in RAM too. */
	t = copy();
	t->s[5].attr = 2;
	t->s[5].addr = 0x1F000000;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 256 * MiB, &hob, &err), -EINVAL);
	assert_true(test_contains(err.msg, "section 5 (TEMP_MEM, PAGE.AUG) at [0x1f000000"));
	tdxctl_tdvf_free(&tdvf);
	free(t);
}

/* A PAGE.AUG TEMP_MEM stays unaccepted in the HOB and is not in MRTD. */
static void test_page_aug(void **state)
{
	static const struct want_ram ram[] = {
		{ 0, 0x800000, U },
		{ 0x800000, 0x6000, A },
		{ 0x806000, 0x3000, U },
		{ 0x809000, 0x2000, A },
		{ 0x80B000, 0x1000, A },
		{ 0x80C000, 512 * MiB - 0x80C000, U },
	};
	struct emu_error err = { 0 };
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	uint8_t want[4096], got[48];
	struct timg *t = copy();
	size_t len;

	(void)state;
	t->s[5].attr = 2;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &hob, &err), 0);
	len = want_hob(want, 0x809000, ram, 6);
	assert_int_equal(hob.used, len);
	assert_memory_equal(hob.bytes, want, len);
	assert_int_equal(tdxctl_mrtd(&tdvf, NULL, got, &err), 0);
	/* MRTD as if the section were not there. */
	t->s[5] = t->s[4];
	t->s[4].addr = 0x80B000;
	t->nr = 5;
	timg_mrtd(t, want);
	assert_memory_equal(got, want, 48);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
	free(t);
}

/* ---- RTMRs ---- */

static void sha384(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 48;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	EVP_DigestUpdate(ctx, a, alen);
	if (b)
		EVP_DigestUpdate(ctx, b, blen);
	EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
}

/* An event log as docs/measurement.md 4 describes it, written here. */
struct log {
	uint8_t buf[4096];
	size_t len;
};

static void log_header(struct log *l)
{
	uint8_t *p = l->buf;

	memset(l->buf, 0xFF, sizeof(l->buf));
	timg_put32(p, 0);
	timg_put32(p + 4, 3);			/* EV_NO_ACTION */
	memset(p + 8, 0, 20);
	timg_put32(p + 28, 33);
	memcpy(p + 32, "Spec ID Event03", 16);
	timg_put32(p + 48, 0);
	p[52] = 0;
	p[53] = 2;
	p[54] = 0;
	p[55] = 2;
	timg_put32(p + 56, 1);
	timg_put16(p + 60, 0x000C);
	timg_put16(p + 62, 48);
	p[64] = 0;
	l->len = 65;
}

static void log_event(struct log *l, uint32_t mr, uint32_t type, const uint8_t digest[48],
		      const void *data, uint32_t len)
{
	uint8_t *p = l->buf + l->len;

	timg_put32(p, mr);
	timg_put32(p + 4, type);
	timg_put32(p + 8, 1);
	timg_put16(p + 12, 0x000C);
	memcpy(p + 14, digest, 48);
	timg_put32(p + 62, len);
	memcpy(p + 66, data, len);
	l->len += 66 + len;
}

/* Replay @l here: walk it by the sizes this test wrote. */
static void log_replay(const struct log *l, uint8_t rtmr[4][48])
{
	size_t pos = 65;

	memset(rtmr, 0, 4 * 48);
	while (pos < l->len) {
		const uint8_t *p = l->buf + pos;
		uint32_t mr = p[0], len = p[62] | p[63] << 8;

		sha384(rtmr[mr - 1], 48, p + 14, 48, rtmr[mr - 1]);
		pos += 66 + len;
	}
}

static void test_rtmr_predict(void **state)
{
	static const char cmdline[] = "console=ttyS0 quiet";
	static const uint8_t zero4[4];
	static const struct want_ram ram[] = {
		{ 0, 0x800000, U }, { 0x800000, 0x6000, A }, { 0x806000, 0x3000, U },
		{ 0x809000, 0x2000, A }, { 0x80B000, 0x1000, A }, { 0x80C000, 0x4000, U },
		{ 0x810000, 0x10000, A }, { 0x820000, 256 * MiB - 0x820000, U },
	};
	uint8_t payload[5000], hob[4096], d[48], want[4][48], replayed[4][48];
	struct tdxctl_rtmr_prediction pred;
	struct tdxctl_eventlog parsed;
	struct emu_error err = { 0 };
	struct tdxctl_rtmr_input in;
	struct tdxctl_td_hob thob;
	struct tdxctl_tdvf tdvf;
	struct log l;
	size_t hob_len, i;

	(void)state;
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	hob_len = want_hob(hob, 0x809000, ram, 8);

	log_header(&l);
	sha384(hob, hob_len, NULL, 0, d);
	log_event(&l, 1, 0x0000000A, d, "TD HOB", 6);
	sha384(img.buf + 0, 0x2000, NULL, 0, d);	/* the CFV's raw bytes */
	log_event(&l, 1, 0x8000000A, d, "CFV", 3);
	sha384(zero4, 4, NULL, 0, d);
	log_event(&l, 1, 0x00000004, d, zero4, 4);
	sha384(payload, sizeof(payload), NULL, 0, d);
	log_event(&l, 2, 0x80000003, d, "PAYLOAD", 7);
	sha384(cmdline, sizeof(cmdline), NULL, 0, d);	/* with its NUL */
	log_event(&l, 3, 0x0000000D, d, cmdline, sizeof(cmdline));
	sha384(zero4, 4, NULL, 0, d);
	log_event(&l, 2, 0x00000004, d, zero4, 4);
	log_replay(&l, want);

	parse_ok(&img, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 256 * MiB, &thob, &err), 0);
	in = (struct tdxctl_rtmr_input){ &tdvf, &thob, payload, sizeof(payload), cmdline };
	if (tdxctl_rtmr_predict(&in, &pred, &err))
		fail_msg("predict: %s", err.msg);
	assert_memory_equal(pred.rtmr, want, sizeof(want));
	assert_int_equal(pred.nr_events, 6);

	/* The library's parse + replay of the log written here agrees too. */
	assert_int_equal(tdxctl_eventlog_parse(l.buf, sizeof(l.buf), &parsed, &err), 0);
	assert_int_equal(parsed.nr_events, 6);
	assert_int_equal(parsed.used, l.len);
	assert_int_equal(tdxctl_eventlog_replay(parsed.events, parsed.nr_events, replayed, &err),
			 0);
	assert_memory_equal(replayed, want, sizeof(want));
	tdxctl_eventlog_free(&parsed);

	/* The predicted log, written by the library, is byte-equal to this one. */
	{
		uint8_t *out;
		size_t out_len;

		assert_int_equal(tdxctl_eventlog_write(pred.events, pred.nr_events, &out,
						       &out_len, &err), 0);
		assert_int_equal(out_len, l.len);
		assert_memory_equal(out, l.buf, l.len);
		free(out);
	}

	/* No command line: no RTMR2 event, RTMR2 stays zero. */
	in.cmdline = NULL;
	assert_int_equal(tdxctl_rtmr_predict(&in, &pred, &err), 0);
	assert_int_equal(pred.nr_events, 5);
	memset(d, 0, sizeof(d));
	assert_memory_equal(pred.rtmr[2], d, 48);
	assert_memory_equal(pred.rtmr[0], want[0], 48);
	assert_memory_equal(pred.rtmr[1], want[1], 48);
	assert_memory_equal(pred.rtmr[3], d, 48);

	/* A different payload byte changes RTMR1 only. */
	in.cmdline = cmdline;
	payload[100] ^= 1;
	assert_int_equal(tdxctl_rtmr_predict(&in, &pred, &err), 0);
	assert_memory_equal(pred.rtmr[0], want[0], 48);
	assert_memory_not_equal(pred.rtmr[1], want[1], 48);
	assert_memory_equal(pred.rtmr[2], want[2], 48);
	tdxctl_td_hob_free(&thob);

	/* A different -m changes the HOB and so RTMR0 only. */
	payload[100] ^= 1;
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &thob, &err), 0);
	assert_int_equal(tdxctl_rtmr_predict(&in, &pred, &err), 0);
	assert_memory_not_equal(pred.rtmr[0], want[0], 48);
	assert_memory_equal(pred.rtmr[1], want[1], 48);
	tdxctl_td_hob_free(&thob);
	tdxctl_tdvf_free(&tdvf);
}

/* Without a CFV there is no CFV event; with two the prediction is refused. */
static void test_rtmr_cfv_count(void **state)
{
	struct tdxctl_rtmr_prediction pred;
	struct emu_error err = { 0 };
	struct tdxctl_rtmr_input in;
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;
	struct timg *t = copy();
	uint8_t payload[16] = { 1 };

	(void)state;
	t->s[1].type = TS_BFV;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &hob, &err), 0);
	in = (struct tdxctl_rtmr_input){ &tdvf, &hob, payload, sizeof(payload), NULL };
	assert_int_equal(tdxctl_rtmr_predict(&in, &pred, &err), 0);
	assert_int_equal(pred.nr_events, 4);
	assert_int_equal(pred.events[1].event_type, EV_SEPARATOR);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);

	/* The CFV split in two. */
	t->s[1] = (struct timg_section){ 0, 0x1000, 0xFFFF0000, 0x1000, TS_CFV, 0 };
	t->s[6] = (struct timg_section){ 0x1000, 0x1000, 0xFFFF1000, 0x1000, TS_CFV, 0 };
	t->nr = 7;
	timg_write_metadata(t);
	parse_ok(t, &tdvf);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, 512 * MiB, &hob, &err), 0);
	assert_int_equal(tdxctl_rtmr_predict(&in, &pred, &err), -EINVAL);
	assert_true(test_contains(err.msg, "more than one CFV"));
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_default, setup),
		cmocka_unit_test_setup(test_refuse_size, setup),
		cmocka_unit_test_setup(test_refuse_footer, setup),
		cmocka_unit_test_setup(test_refuse_offset, setup),
		cmocka_unit_test_setup(test_refuse_descriptor, setup),
		cmocka_unit_test_setup(test_refuse_sections, setup),
		cmocka_unit_test_setup(test_mutations, setup),
		cmocka_unit_test_setup(test_mrtd_default, setup),
		cmocka_unit_test_setup(test_mrtd_sensitivity, setup),
		cmocka_unit_test_setup(test_mrtd_zero_fill, setup),
		cmocka_unit_test_setup(test_mrtd_measured_memory, setup),
		cmocka_unit_test_setup(test_hob_512m, setup),
		cmocka_unit_test_setup(test_hob_high_memory, setup),
		cmocka_unit_test_setup(test_hob_refusals, setup),
		cmocka_unit_test_setup(test_page_aug, setup),
		cmocka_unit_test_setup(test_rtmr_predict, setup),
		cmocka_unit_test_setup(test_rtmr_cfv_count, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

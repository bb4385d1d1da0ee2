/*
 * The synthetic TDVF image and an independent MRTD: see test_measure_image.h.
 */
#include <string.h>

#include <openssl/evp.h>

#include "test_measure_image.h"

/* GUIDs in their EFI binary form (first three fields little endian). */
static const uint8_t footer_guid[16] = {
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
};
static const uint8_t offset_guid[16] = {
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2,
};
static const uint8_t metadata_guid[16] = {
	0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
	0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae,
};
/* Some other footer entry (SEV's hash table GUID shape; content irrelevant). */
static const uint8_t other_guid[16] = {
	0x1f, 0x37, 0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b,
	0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54,
};

void timg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void timg_put32(uint8_t *p, uint32_t v)
{
	timg_put16(p, (uint16_t)v);
	timg_put16(p + 2, (uint16_t)(v >> 16));
}

void timg_put64(uint8_t *p, uint64_t v)
{
	timg_put32(p, (uint32_t)v);
	timg_put32(p + 4, (uint32_t)(v >> 32));
}

void timg_write_metadata(struct timg *t)
{
	uint8_t *md = t->buf + TIMG_MD_OFFSET;
	uint32_t i;

	memcpy(md - 16, metadata_guid, 16);
	timg_put32(md, 0x46564454);		/* "TDVF" */
	timg_put32(md + 4, 16 + 32 * t->nr);
	timg_put32(md + 8, 1);
	timg_put32(md + 12, t->nr);
	for (i = 0; i < t->nr; i++) {
		uint8_t *e = md + 16 + 32 * i;

		timg_put32(e, t->s[i].data_offset);
		timg_put32(e + 4, t->s[i].raw);
		timg_put64(e + 8, t->s[i].addr);
		timg_put64(e + 16, t->s[i].size);
		timg_put32(e + 24, t->s[i].type);
		timg_put32(e + 28, t->s[i].attr);
	}
}

void timg_default(struct timg *t)
{
	static const struct timg_section def[] = {
		{ 0x2000, 0xE000, 0xFFFF2000, 0xE000, TS_BFV, 1 },
		{ 0x0000, 0x2000, 0xFFFF0000, 0x2000, TS_CFV, 0 },
		{ 0, 0, 0x800000, 0x6000, TS_TEMP_MEM, 0 },
		{ 0, 0, 0x809000, 0x2000, TS_TD_HOB, 0 },
		{ 0, 0, 0x80B000, 0x1000, TS_TEMP_MEM, 0 },
		{ 0, 0, 0x810000, 0x10000, TS_TEMP_MEM, 0 },
	};
	uint32_t x = 0x12345678, i;
	uint8_t *p;

	memset(t, 0, sizeof(*t));
	t->len = TIMG_SIZE;
	/* Deterministic non-zero content, so MR.EXTEND sees real data. */
	for (i = 0; i < TIMG_SIZE; i++) {
		x = x * 1103515245u + 12345u;
		t->buf[i] = (uint8_t)(x >> 16);
	}
	t->nr = sizeof(def) / sizeof(def[0]);
	memcpy(t->s, def, sizeof(def));
	timg_write_metadata(t);

	/* Footer table: [TDX offset entry][other entry][u16 total][footer GUID][32]. */
	p = t->buf + TIMG_OFFSET_ENTRY_DATA;
	timg_put32(p, TIMG_SIZE - TIMG_MD_OFFSET);	/* counted from the end */
	timg_put16(p + 4, 4 + 2 + 16);
	memcpy(p + 6, offset_guid, 16);
	p += 22;
	memset(p, 0xAB, 8);
	timg_put16(p + 8, 8 + 2 + 16);
	memcpy(p + 10, other_guid, 16);
	p += 26;
	timg_put16(p, 22 + 26 + 18);
	memcpy(p + 2, footer_guid, 16);
	memset(p + 18, 0x90, 32);	/* the reset vector area */
}

static void block(EVP_MD_CTX *ctx, const char *op, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, op, strlen(op));
	timg_put64(b + 16, gpa);
	EVP_DigestUpdate(ctx, b, sizeof(b));
}

void timg_mrtd(const struct timg *t, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 48;
	uint32_t i;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (i = 0; i < t->nr; i++) {
		const struct timg_section *s = &t->s[i];
		uint64_t off;

		for (off = 0; off < s->size; off += 4096) {
			uint8_t page[4096] = { 0 };
			unsigned int c;

			block(ctx, "MEM.PAGE.ADD", s->addr + off);
			if (!(s->attr & 1))
				continue;
			if (off < s->raw)
				memcpy(page, t->buf + s->data_offset + off,
				       s->raw - off < 4096 ? s->raw - off : 4096);
			for (c = 0; c < 4096; c += 256) {
				block(ctx, "MR.EXTEND", s->addr + off + c);
				EVP_DigestUpdate(ctx, page + c, 256);
			}
		}
	}
	EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
}

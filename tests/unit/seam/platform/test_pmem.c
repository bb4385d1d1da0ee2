/*
 * Unit tests for seam/platform/src/pmem.c: the host, SEAM and attacker
 * views of physical memory, line metadata (TD-owner bit, poison, KeyID,
 * key generation) and their interplay with MKTME keys and SEAMRR.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "platform_unit.h"

#define LINE		64ULL
#define PAGE		4096ULL
#define MiB		(1ULL << 20)

/* Addresses well inside CMR 0 of the default machine. */
#define PA_A		0x100000ULL
#define PA_B		0x180000ULL

struct fx {
	struct platform *plat;
	uint8_t key[MKTME_KEY_BYTES];	/* UNIT_PRIV_A's key */
};

/* ---- helpers ---- */

enum mem_kind {
	MEM_READ,
	MEM_WRITE,
	MEM_INIT,
};

struct mem_op {
	enum mem_kind kind;
	hpa_t pa;
	void *buf;
	size_t len;
};

static int mem_op_fn(struct plat_lp *lp, void *arg)
{
	struct mem_op *op = arg;

	switch (op->kind) {
	case MEM_READ:
		return pmem_seam_read(lp, op->pa, op->buf, op->len);
	case MEM_WRITE:
		return pmem_seam_write(lp, op->pa, op->buf, op->len);
	case MEM_INIT:
		return pmem_seam_init(lp, op->pa, op->len);
	}
	return -1;
}

static int seam_read(struct platform *plat, unsigned int lp, hpa_t pa, void *buf, size_t len)
{
	struct mem_op op = { MEM_READ, pa, buf, len };

	return fake_in_seam(plat, lp, mem_op_fn, &op);
}

static int seam_write(struct platform *plat, unsigned int lp, hpa_t pa, const void *buf,
		      size_t len)
{
	struct mem_op op = { MEM_WRITE, pa, (void *)buf, len };

	return fake_in_seam(plat, lp, mem_op_fn, &op);
}

static int seam_init(struct platform *plat, unsigned int lp, hpa_t pa, size_t len)
{
	struct mem_op op = { MEM_INIT, pa, NULL, len };

	return fake_in_seam(plat, lp, mem_op_fn, &op);
}

static hpa_t kpa(struct platform *plat, uint64_t pa, hkid_t keyid)
{
	return pmem_pa_with_keyid(plat, pa, keyid);
}

static void fill(void *buf, size_t len, unsigned int seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 29 + (i >> 7)) ^ (seed >> 3));
}

static bool all_bytes(const void *buf, size_t len, uint8_t v)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static struct pmem_line_info info(struct platform *plat, uint64_t pa)
{
	struct pmem_line_info li;

	memset(&li, 0xEE, sizeof(li));
	assert_int_equal(pmem_line_info(plat, pa, &li), 0);
	return li;
}

static void assert_info_equal(struct pmem_line_info a, struct pmem_line_info b)
{
	assert_int_equal(a.keyid, b.keyid);
	assert_int_equal(a.key_gen, b.key_gen);
	assert_int_equal(a.td_owner, b.td_owner);
	assert_int_equal(a.poison, b.poison);
}

/* Independent AES-XTS-128 of one line: tweak = little-endian line PA. */
static void xts_encrypt_line(const uint8_t key[MKTME_KEY_BYTES], uint64_t line_pa,
			     const uint8_t in[LINE], uint8_t out[LINE])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t tweak[16] = { 0 };
	int len = 0, fin = 0;

	for (int i = 0; i < 8; i++)
		tweak[i] = (uint8_t)(line_pa >> (8 * i));
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_xts(), NULL, key, tweak), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &len, in, (int)LINE), 1);
	assert_int_equal(len, (int)LINE);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + len, &fin), 1);
	assert_int_equal(fin, 0);
	EVP_CIPHER_CTX_free(ctx);
}

/*
 * Fill the stack below the caller with @v.  Not ASan-instrumented, so the
 * array has no redzones and covers the next callee's frame.
 */
static void __attribute__((noinline, no_sanitize_address)) scrub_stack(uint8_t v)
{
	volatile uint8_t junk[16384];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = v;
}

/*
 * pmem_host_write() for a write that must poison a TD-owned line.  pmem.c
 * leaves pmem_access.direct_store uninitialised outside MOVDIR64B, so the
 * outcome depends on stack contents; start from a zeroed stack so the tests
 * built on poisoning stay deterministic.  The bug itself is pinned by
 * test_pmem_host_write_to_td_line_poisons_it_whatever_the_stack_holds.
 */
static int __attribute__((noinline)) host_write_td(struct platform *plat, hpa_t pa,
						   const void *buf, size_t len)
{
	scrub_stack(0);
	return pmem_host_write(plat, pa, buf, len);
}

/* Make the line at @pa TD-owned under UNIT_PRIV_A, then poison it from the host. */
static void poison_line(struct platform *plat, uint64_t pa)
{
	uint8_t junk[LINE];

	assert_int_equal(seam_init(plat, 0, kpa(plat, pa, UNIT_PRIV_A), LINE), 0);
	memset(junk, 0x99, sizeof(junk));
	assert_int_equal(host_write_td(plat, pa, junk, sizeof(junk)), 0);
	assert_true(info(plat, pa).poison);
}

static unsigned int test_seed(void)
{
	const char *env = getenv("PLATFORM_TEST_SEED");

	if (env && *env)
		return (unsigned int)strtoul(env, NULL, 0);
	return (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16);
}

/* ---- fixture: default machine, UNIT_PRIV_A programmed on package 0 ---- */

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->plat = fake_platform_create(NULL);
	if (!f->plat) {
		free(f);
		return -1;
	}
	unit_fill_key(f->key, 0x21);
	if (unit_seam_program_key(f->plat, 0, UNIT_PRIV_A, MKTME_KEYID_SET_KEY_DIRECT, f->key)) {
		platform_destroy(f->plat);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	platform_destroy(f->plat);
	free(f);
	return 0;
}

/* ---- KeyID arithmetic and line info ---- */

static void test_pmem_pa_keyid_arithmetic_roundtrips(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	hpa_t hpa = pmem_pa_with_keyid(plat, 0x123456780ULL, 33);

	/* 46-bit PA, 6 KeyID bits: the KeyID sits in bits 45:40. */
	assert_int_equal(hpa, 0x123456780ULL | (33ULL << 40));
	assert_int_equal(pmem_pa_keyid(plat, hpa), 33);
	assert_int_equal(pmem_pa_strip_keyid(plat, hpa), 0x123456780ULL);
	assert_int_equal(pmem_pa_keyid(plat, 0x123456780ULL), 0);
	assert_int_equal(pmem_pa_keyid(plat, pmem_pa_with_keyid(plat, 0, 63)), 63);
}

static void test_pmem_line_info_ignores_keyid_bits(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE];
	struct pmem_line_info a, b;

	fill(buf, sizeof(buf), 1);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_B), buf, LINE), 0);
	a = info(plat, PA_A + 17);
	b = info(plat, kpa(plat, PA_A + 63, UNIT_PRIV_A));
	assert_int_equal(a.keyid, UNIT_SHARED_B);
	assert_false(a.td_owner);
	assert_false(a.poison);
	assert_info_equal(a, b);
}

static void test_pmem_line_info_beyond_dram_is_efault(void **state)
{
	struct fx *f = *state;
	struct pmem_line_info li;

	assert_int_equal(pmem_line_info(f->plat, platform_dram_size(f->plat), &li), -EFAULT);
	assert_int_equal(pmem_line_info(f->plat, 1ULL << 39, &li), -EFAULT);
	assert_int_equal(pmem_line_info(f->plat, platform_dram_size(f->plat) - 1, &li), 0);
}

/* ---- host view ---- */

static void test_pmem_host_roundtrip_under_keyid_0(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t out[2 * PAGE], in[2 * PAGE];
	struct pmem_line_info li;

	fill(out, sizeof(out), 2);
	assert_int_equal(pmem_host_write(plat, PA_A, out, sizeof(out)), 0);
	assert_int_equal(pmem_host_read(plat, PA_A, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	/* Unaligned, odd-sized. */
	fill(out, 101, 3);
	assert_int_equal(pmem_host_write(plat, PA_A + 13, out, 101), 0);
	memset(in, 0, sizeof(in));
	assert_int_equal(pmem_host_read(plat, PA_A + 13, in, 101), 0);
	assert_memory_equal(in, out, 101);
	li = info(plat, PA_A);
	assert_int_equal(li.keyid, 0);
	assert_false(li.td_owner);
	assert_false(li.poison);
}

static void test_pmem_host_roundtrip_under_shared_keyid(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t out[PAGE], in[PAGE];

	fill(out, sizeof(out), 4);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_A), out, PAGE), 0);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), in, PAGE), 0);
	assert_memory_equal(in, out, PAGE);
	assert_int_equal(info(plat, PA_A).keyid, UNIT_SHARED_A);
	/* A partial write under the same key keeps the rest of the line. */
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A + 5, UNIT_SHARED_A), "xyz", 3), 0);
	memcpy(out + 5, "xyz", 3);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), in, LINE), 0);
	assert_memory_equal(in, out, LINE);
}

static void test_pmem_host_private_keyid_is_eperm(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t old[LINE], buf[LINE], back[LINE];
	struct pmem_line_info before;

	fill(old, sizeof(old), 5);
	assert_int_equal(pmem_host_write(plat, PA_A, old, LINE), 0);
	before = info(plat, PA_A);

	memset(buf, 0x5A, sizeof(buf));
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -EPERM);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -EPERM);
	assert_true(all_bytes(buf, LINE, 0x5A));
	/* Programmed or not, a private KeyID is not the host's. */
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_PRIV_B), buf, LINE), -EPERM);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_PRIV_B), buf, LINE), -EPERM);

	assert_info_equal(info(plat, PA_A), before);
	assert_int_equal(pmem_host_read(plat, PA_A, back, LINE), 0);
	assert_memory_equal(back, old, LINE);
}

static void test_pmem_invalid_keyid_is_einval(void **state)
{
	static const char *const ov[] = { "tdx-keyids=16", NULL };
	struct platform *plat = unit_platform(ov, false);
	uint8_t buf[LINE] = { 0 };

	(void)state;
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, 50), buf, LINE), -EINVAL);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, 50), buf, LINE), -EINVAL);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, 50), buf, LINE), -EINVAL);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, 50), buf, LINE), -EINVAL);
	assert_int_equal(info(plat, PA_A).keyid, 0);
	platform_destroy(plat);
}

static void test_pmem_access_beyond_dram_is_efault(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint64_t end = platform_dram_size(plat);
	uint8_t buf[2 * LINE] = { 0 };

	assert_int_equal(pmem_host_read(plat, end, buf, 1), -EFAULT);
	assert_int_equal(pmem_host_write(plat, end, buf, 1), -EFAULT);
	assert_int_equal(pmem_host_read(plat, end - 32, buf, LINE), -EFAULT);
	assert_int_equal(pmem_host_write(plat, end - 32, buf, LINE), -EFAULT);
	assert_int_equal(pmem_host_read(plat, kpa(plat, end - 32, UNIT_SHARED_A), buf, LINE),
			 -EFAULT);
	/* Between the top of DRAM and the KeyID bits. */
	assert_int_equal(pmem_host_read(plat, 1ULL << 39, buf, LINE), -EFAULT);
	assert_int_equal(pmem_host_write(plat, (1ULL << 40) - LINE, buf, LINE), -EFAULT);
	assert_int_equal(seam_read(plat, 0, end, buf, LINE), -EFAULT);
	assert_int_equal(seam_write(plat, 0, kpa(plat, end - 32, UNIT_PRIV_A), buf, LINE),
			 -EFAULT);
	assert_int_equal(seam_init(plat, 0, kpa(plat, end, UNIT_PRIV_A), LINE), -EFAULT);
	assert_int_equal(pmem_attacker_read(plat, end - 32, buf, LINE), -EFAULT);
}

static void test_pmem_access_length_overflow_is_efault(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint64_t end = platform_dram_size(plat);
	uint8_t buf[LINE] = { 0 };

	assert_int_equal(pmem_host_read(plat, LINE, buf, SIZE_MAX), -EFAULT);
	assert_int_equal(pmem_host_write(plat, LINE, buf, SIZE_MAX), -EFAULT);
	/* pa + len wraps past 2^64 back into DRAM. */
	assert_int_equal(pmem_host_read(plat, end - LINE, buf, (size_t)(0 - (end - 2 * LINE))),
			 -EFAULT);
	assert_int_equal(pmem_host_write(plat, end - LINE, buf, (size_t)(0 - (end - 2 * LINE))),
			 -EFAULT);
	assert_int_equal(pmem_host_read(plat, 0, buf, (size_t)end + 1), -EFAULT);
	assert_int_equal(seam_read(plat, 0, LINE, buf, SIZE_MAX), -EFAULT);
	assert_int_equal(seam_init(plat, 0, kpa(plat, LINE, UNIT_PRIV_A), SIZE_MAX - 63), -EFAULT);
	assert_int_equal(pmem_attacker_read(plat, LINE, buf, SIZE_MAX), -EFAULT);
	assert_int_equal(info(plat, 0).keyid, 0);
}

static void test_pmem_address_bits_above_max_pa_are_efault(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	unsigned int max_pa = platform_cfg(plat)->max_pa;
	uint8_t buf[LINE] = { 0 };

	assert_int_equal(pmem_host_read(plat, (1ULL << max_pa) | PA_A, buf, LINE), -EFAULT);
	assert_int_equal(pmem_host_write(plat, (1ULL << max_pa) | PA_A, buf, LINE), -EFAULT);
	assert_int_equal(pmem_host_read(plat, (1ULL << 63) | PA_A, buf, LINE), -EFAULT);
	assert_int_equal(seam_read(plat, 0, (1ULL << max_pa) | PA_A, buf, LINE), -EFAULT);
	assert_int_equal(seam_write(plat, 0, (1ULL << 51) | kpa(plat, PA_A, UNIT_PRIV_A), buf,
				    LINE), -EFAULT);
	assert_int_equal(info(plat, PA_A).keyid, 0);
}

static void test_pmem_host_access_under_cleared_shared_keyid_is_enokey(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE] = { 0 };

	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_SHARED_B,
					   MKTME_KEYID_CLEAR_KEY, NULL), 0);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_B), buf, LINE),
			 -ENOKEY);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_B), buf, LINE),
			 -ENOKEY);
	assert_int_equal(info(plat, PA_A).keyid, 0);
}

/* ---- SEAMRR ---- */

static void test_pmem_host_seamrr_access_after_seam_enable_is_eacces(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct platform_range r = platform_cfg(plat)->seamrr;
	uint8_t secret[LINE], buf[LINE], back[LINE];

	/* Before MCHECK's verdict SEAMRR is ordinary memory. */
	fill(secret, sizeof(secret), 6);
	assert_int_equal(pmem_host_write(plat, r.base, secret, LINE), 0);
	assert_int_equal(pmem_host_read(plat, r.base, buf, LINE), 0);
	assert_memory_equal(buf, secret, LINE);

	unit_seam_enable(plat);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(pmem_host_read(plat, r.base, buf, LINE), -EACCES);
	assert_true(all_bytes(buf, LINE, 0xFF));
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(pmem_host_read(plat, kpa(plat, r.base + r.size - LINE, UNIT_SHARED_A),
					buf, LINE), -EACCES);
	assert_true(all_bytes(buf, LINE, 0xFF));

	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(pmem_host_write(plat, r.base, buf, LINE), -EACCES);
	assert_int_equal(pmem_host_write(plat, r.base + 8, buf, 8), -EACCES);
	assert_int_equal(pmem_host_write(plat, kpa(plat, r.base, UNIT_SHARED_A), buf, LINE),
			 -EACCES);

	/* SEAM still sees what was there. */
	assert_int_equal(seam_read(plat, 0, r.base, back, LINE), 0);
	assert_memory_equal(back, secret, LINE);
	assert_int_equal(info(plat, r.base).keyid, 0);
}

static void test_pmem_host_access_straddling_seamrr_is_eacces(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct platform_range r = platform_cfg(plat)->seamrr;
	uint8_t below[LINE], buf[2 * LINE], back[LINE];

	fill(below, sizeof(below), 7);
	assert_int_equal(pmem_host_write(plat, r.base - LINE, below, LINE), 0);
	unit_seam_enable(plat);

	memset(buf, 0x33, sizeof(buf));
	assert_int_equal(pmem_host_read(plat, r.base - 32, buf, LINE), -EACCES);
	assert_true(all_bytes(buf, LINE, 0xFF));
	assert_int_equal(pmem_host_write(plat, r.base - LINE, buf, 2 * LINE), -EACCES);
	assert_int_equal(pmem_host_write(plat, r.base - 1, buf, 2), -EACCES);
	/* The part below SEAMRR was not written either. */
	assert_int_equal(pmem_host_read(plat, r.base - LINE, back, LINE), 0);
	assert_memory_equal(back, below, LINE);
	/* The last line below SEAMRR stays accessible. */
	assert_int_equal(pmem_host_write(plat, r.base - LINE, buf, LINE), 0);
}

static void test_pmem_seam_view_reaches_seamrr(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct platform_range r = platform_cfg(plat)->seamrr;
	uint8_t data[PAGE], back[PAGE];

	unit_seam_enable(plat);
	fill(data, sizeof(data), 8);
	assert_int_equal(seam_write(plat, 0, r.base + 3 * PAGE, data, PAGE), 0);
	assert_int_equal(seam_read(plat, 0, r.base + 3 * PAGE, back, PAGE), 0);
	assert_memory_equal(back, data, PAGE);
	assert_int_equal(seam_init(plat, 0, kpa(plat, r.base, UNIT_PRIV_A), PAGE), 0);
	assert_true(info(plat, r.base).td_owner);
}

/* ---- SEAM view ---- */

static void test_pmem_seam_view_needs_seam_or_acm_mode(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct plat_lp *lp = platform_lp(plat, 0);
	uint8_t buf[LINE];

	memset(buf, 0x44, sizeof(buf));
	assert_int_equal(lp_mode(lp), LP_MODE_NORMAL);
	assert_int_equal(pmem_seam_read(lp, PA_A, buf, LINE), -EPERM);
	assert_int_equal(pmem_seam_write(lp, PA_A, buf, LINE), -EPERM);
	assert_int_equal(pmem_seam_init(lp, kpa(plat, PA_A, UNIT_PRIV_A), LINE), -EPERM);
	assert_true(all_bytes(buf, LINE, 0x44));
	assert_int_equal(info(plat, PA_A).keyid, 0);
	assert_false(info(plat, PA_A).td_owner);

	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(pmem_seam_write(lp, PA_A, buf, LINE), 0);
	assert_int_equal(pmem_seam_read(lp, PA_A, buf, LINE), 0);
	assert_int_equal(pmem_seam_init(lp, kpa(plat, PA_A, UNIT_PRIV_A), LINE), 0);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	assert_true(info(plat, PA_A).td_owner);
}

static void test_pmem_seam_private_roundtrip_sets_td_owner(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t out[PAGE], in[PAGE];
	struct pmem_line_info li;

	fill(out, sizeof(out), 9);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), out, PAGE), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), in, PAGE), 0);
	assert_memory_equal(in, out, PAGE);
	for (uint64_t off = 0; off < PAGE; off += LINE) {
		li = info(plat, PA_A + off);
		assert_int_equal(li.keyid, UNIT_PRIV_A);
		assert_true(li.td_owner);
		assert_false(li.poison);
	}
	assert_false(info(plat, PA_A + PAGE).td_owner);
}

static void test_pmem_seam_private_partial_write_keeps_rest_of_line(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	hpa_t pa = kpa(plat, PA_A, UNIT_PRIV_A);
	uint8_t line[LINE], want[LINE];

	assert_int_equal(seam_init(plat, 0, pa, LINE), 0);
	assert_int_equal(seam_write(plat, 0, pa + 20, "TDXTDXTD", 8), 0);
	memset(want, 0, sizeof(want));
	memcpy(want + 20, "TDXTDXTD", 8);
	assert_int_equal(seam_read(plat, 0, pa, line, LINE), 0);
	assert_memory_equal(line, want, LINE);
	assert_true(info(plat, PA_A).td_owner);
}

static void test_pmem_seam_unprogrammed_keyid_is_enokey(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE];
	struct pmem_line_info before = info(plat, PA_A);

	memset(buf, 0x55, sizeof(buf));
	assert_false(mktme_keyid_programmed(plat, 0, UNIT_PRIV_B));
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_B), buf, LINE), -ENOKEY);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_B), buf, LINE), -ENOKEY);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_B), LINE), -ENOKEY);
	assert_true(all_bytes(buf, LINE, 0x55));
	assert_info_equal(info(plat, PA_A), before);
}

static void test_pmem_seam_keyid_programmed_on_other_package_is_enokey(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct platform *plat = unit_platform(ov, false);
	uint8_t buf[LINE];

	(void)state;
	fill(buf, sizeof(buf), 10);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), 0);
	/* LP 2 sits on package 1, which holds no key for UNIT_PRIV_A. */
	assert_int_equal(seam_read(plat, 2, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -ENOKEY);
	assert_int_equal(seam_write(plat, 2, kpa(plat, PA_B, UNIT_PRIV_A), buf, LINE), -ENOKEY);
	assert_false(info(plat, PA_B).td_owner);
	platform_destroy(plat);
}

static void test_pmem_private_line_readable_from_package_with_same_key(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct platform *plat = unit_platform(ov, false);
	uint8_t key[MKTME_KEY_BYTES], out[LINE], in[LINE];

	(void)state;
	unit_fill_key(key, 0x33);
	fill(out, sizeof(out), 11);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), out, LINE), 0);
	assert_int_equal(unit_seam_program_key(plat, 2, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_int_equal(seam_read(plat, 2, kpa(plat, PA_A, UNIT_PRIV_A), in, LINE), 0);
	assert_memory_equal(in, out, LINE);
	platform_destroy(plat);
}

/* ---- TD-owned lines seen and touched from outside ---- */

static void test_pmem_host_read_of_td_line_returns_zeros(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t secret[2 * LINE], buf[2 * LINE], back[2 * LINE];
	struct pmem_line_info before;

	fill(secret, sizeof(secret), 12);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), secret,
				    sizeof(secret)), 0);
	before = info(plat, PA_A);

	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(pmem_host_read(plat, PA_A, buf, sizeof(buf)), 0);
	assert_true(all_bytes(buf, sizeof(buf), 0));
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A + 7, UNIT_SHARED_A), buf, 70), 0);
	assert_true(all_bytes(buf, 70, 0));
	/* SEAM reading through a non-private KeyID sees zeros too. */
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(seam_read(plat, 0, PA_A, buf, LINE), 0);
	assert_true(all_bytes(buf, LINE, 0));

	/* Reading changed nothing: the TD still reads its data. */
	assert_info_equal(info(plat, PA_A), before);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), back, sizeof(back)), 0);
	assert_memory_equal(back, secret, sizeof(secret));
}

static void test_pmem_host_write_to_td_line_poisons_it(void **state)
{
	static const hkid_t host_keyids[] = { 0, UNIT_SHARED_A };
	struct fx *f = *state;
	struct platform *plat = f->plat;

	for (size_t k = 0; k < TDX_ARRAY_SIZE(host_keyids); k++) {
		uint64_t pa = PA_A + k * PAGE;
		uint8_t secret[2 * LINE], junk[LINE], buf[LINE];
		struct pmem_line_info li;

		fill(secret, sizeof(secret), 13);
		assert_int_equal(seam_write(plat, 0, kpa(plat, pa, UNIT_PRIV_A), secret,
					    sizeof(secret)), 0);
		memset(junk, 0xA5, sizeof(junk));
		assert_int_equal(host_write_td(plat, kpa(plat, pa, host_keyids[k]), junk, LINE), 0);
		li = info(plat, pa);
		assert_false(li.td_owner);
		assert_true(li.poison);
		/* The TD's next read is a machine check. */
		assert_int_equal(seam_read(plat, 0, kpa(plat, pa, UNIT_PRIV_A), buf, LINE), -EIO);
		assert_int_equal(seam_read(plat, 0, kpa(plat, pa + 8, UNIT_PRIV_A), buf, 8), -EIO);
		/* The neighbouring line is untouched. */
		assert_true(info(plat, pa + LINE).td_owner);
		assert_int_equal(seam_read(plat, 0, kpa(plat, pa + LINE, UNIT_PRIV_A), buf, LINE),
				 0);
		assert_memory_equal(buf, secret + LINE, LINE);
	}
}

static void test_pmem_host_partial_write_to_td_line_poisons_it(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE];
	struct pmem_line_info li;

	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), 2 * LINE), 0);
	assert_int_equal(host_write_td(plat, PA_A + 16, "oops", 4), 0);
	li = info(plat, PA_A);
	assert_false(li.td_owner);
	assert_true(li.poison);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -EIO);
	assert_true(info(plat, PA_A + LINE).td_owner);
	assert_false(info(plat, PA_A + LINE).poison);
}

static void test_pmem_host_write_spanning_td_lines_poisons_each(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t junk[3 * LINE];

	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), 4 * LINE), 0);
	memset(junk, 0x3C, sizeof(junk));
	/* Partial first line, full second, partial third. */
	assert_int_equal(host_write_td(plat, PA_A + 32, junk, 2 * LINE), 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_true(info(plat, PA_A + i * LINE).poison);
		assert_false(info(plat, PA_A + i * LINE).td_owner);
	}
	assert_true(info(plat, PA_A + 3 * LINE).td_owner);
	assert_false(info(plat, PA_A + 3 * LINE).poison);
}

static void test_pmem_seam_private_read_of_unwritten_line_is_eio(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE], two[2 * LINE];

	/* Never written at all. */
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), buf, LINE), -EIO);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_B + 8, UNIT_PRIV_A), buf, 8), -EIO);
	/* Written by the host under KeyID 0. */
	memset(buf, 0x12, sizeof(buf));
	assert_int_equal(pmem_host_write(plat, PA_A, buf, LINE), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -EIO);
	/* A multi-line read fails if any line fails. */
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), LINE), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), two, LINE + 1), -EIO);
}

static void test_pmem_seam_private_read_under_other_private_keyid_is_eio(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t buf[LINE];

	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_B,
					       MKTME_KEYID_SET_KEY_RANDOM, NULL), 0);
	fill(buf, sizeof(buf), 14);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_B), buf, LINE), -EIO);
	/* A partial write under the wrong KeyID faults as its read would. */
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A + 4, UNIT_PRIV_B), buf, 4), -EIO);
	assert_int_equal(info(plat, PA_A).keyid, UNIT_PRIV_A);
}

/* ---- keys ---- */

static void test_pmem_line_read_under_other_shared_keyid_is_garbage(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t out[2 * LINE], in[2 * LINE], again[2 * LINE];

	fill(out, sizeof(out), 15);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_A), out, sizeof(out)),
			 0);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_B), in, sizeof(in)), 0);
	assert_memory_not_equal(in, out, LINE);
	assert_memory_not_equal(in + LINE, out + LINE, LINE);
	/* Deterministic: the same ciphertext decrypted under the same wrong key. */
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_B), again,
					sizeof(again)), 0);
	assert_memory_equal(again, in, sizeof(in));
	assert_int_equal(pmem_host_read(plat, PA_A, in, sizeof(in)), 0);
	assert_memory_not_equal(in, out, LINE);
	/* Under the writer's key it is the plaintext again. */
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
}

static void test_pmem_partial_write_under_other_keyid_garbles_rest_of_line(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t out[LINE], in[LINE];

	fill(out, sizeof(out), 16);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_A), out, LINE), 0);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_B), "ab", 2), 0);
	assert_int_equal(info(plat, PA_A).keyid, UNIT_SHARED_B);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_B), in, LINE), 0);
	assert_memory_equal(in, "ab", 2);
	assert_memory_not_equal(in + 2, out + 2, LINE - 2);
}

static void test_pmem_reprogrammed_private_key_fails_old_lines_integrity(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t key2[MKTME_KEY_BYTES], out[LINE], in[LINE];

	fill(out, sizeof(out), 17);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), out, LINE), 0);
	unit_fill_key(key2, 0x77);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, key2), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), in, LINE), -EIO);
	/* Lines written under the new key are fine. */
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), out, LINE), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), in, LINE), 0);
	assert_memory_equal(in, out, LINE);
	/* Clearing and setting the old key back does not revive old lines. */
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A, MKTME_KEYID_CLEAR_KEY, NULL),
			 0);
	assert_int_equal(unit_seam_program_key(plat, 0, UNIT_PRIV_A,
					       MKTME_KEYID_SET_KEY_DIRECT, f->key), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), in, LINE), -EIO);
}

static void test_pmem_reprogrammed_shared_key_turns_old_lines_to_garbage(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t key[MKTME_KEY_BYTES], out[LINE], in[LINE];

	fill(out, sizeof(out), 18);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_A), out, LINE), 0);
	unit_fill_key(key, 0x55);
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_SHARED_A,
					   MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), in, LINE), 0);
	assert_memory_not_equal(in, out, LINE);
}

/*
 * Each key change bumps a 15-bit generation.  After 2^15 changes the
 * generation of a stale line matches again; it must still fail integrity
 * instead of handing the old plaintext to the new key's owner.
 */
struct rekey {
	hkid_t keyid;
	unsigned int times;
};

static int rekey_fn(struct plat_lp *lp, void *arg)
{
	struct rekey *r = arg;

	for (unsigned int i = 0; i < r->times; i++) {
		int ret = mktme_program_key(lp, r->keyid, MKTME_KEYID_SET_KEY_RANDOM, NULL);

		if (ret)
			return ret;
	}
	return 0;
}

static void test_pmem_stale_private_line_fails_integrity_after_key_generation_wraps(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct rekey r = { UNIT_PRIV_A, 1U << 15 };
	uint8_t out[LINE], in[LINE];
	int ret;

	fill(out, sizeof(out), 19);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), out, LINE), 0);
	assert_int_equal(fake_in_seam(plat, 0, rekey_fn, &r), 0);
	memset(in, 0, sizeof(in));
	ret = seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), in, LINE);
	if (ret == 0 && !memcmp(in, out, LINE))
		print_error("the previous key's plaintext is readable under the new key\n");
	assert_int_equal(ret, -EIO);
}

/* ---- attacker view ---- */

static void test_pmem_attacker_view_of_private_line_is_xts_under_its_key(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t pt[2 * LINE], ct_a[2 * LINE], ct_b[2 * LINE], want[LINE], slice[100];

	fill(pt, sizeof(pt), 20);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), pt, sizeof(pt)), 0);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), pt, sizeof(pt)), 0);
	assert_int_equal(pmem_attacker_read(plat, PA_A, ct_a, sizeof(ct_a)), 0);
	assert_int_equal(pmem_attacker_read(plat, PA_B, ct_b, sizeof(ct_b)), 0);

	assert_memory_not_equal(ct_a, pt, LINE);
	assert_memory_not_equal(ct_a + LINE, pt + LINE, LINE);
	/* Same plaintext, same key, another address: another ciphertext. */
	assert_memory_not_equal(ct_a, ct_b, LINE);
	assert_memory_not_equal(ct_a + LINE, ct_b + LINE, LINE);

	for (unsigned int i = 0; i < 2; i++) {
		xts_encrypt_line(f->key, PA_A + i * LINE, pt + i * LINE, want);
		assert_memory_equal(ct_a + i * LINE, want, LINE);
		xts_encrypt_line(f->key, PA_B + i * LINE, pt + i * LINE, want);
		assert_memory_equal(ct_b + i * LINE, want, LINE);
	}
	/* An unaligned read is the matching slice. */
	assert_int_equal(pmem_attacker_read(plat, PA_A + 10, slice, sizeof(slice)), 0);
	assert_memory_equal(slice, ct_a + 10, sizeof(slice));
}

static void test_pmem_attacker_view_of_shared_line_is_xts_under_its_key(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t key[MKTME_KEY_BYTES], pt[LINE], ct[LINE], want[LINE];

	unit_fill_key(key, 0x4D);
	assert_int_equal(mktme_program_key(platform_lp(plat, 0), UNIT_SHARED_A,
					   MKTME_KEYID_SET_KEY_DIRECT, key), 0);
	fill(pt, sizeof(pt), 21);
	assert_int_equal(pmem_host_write(plat, kpa(plat, PA_A, UNIT_SHARED_A), pt, LINE), 0);
	assert_int_equal(pmem_attacker_read(plat, PA_A, ct, LINE), 0);
	xts_encrypt_line(key, PA_A, pt, want);
	assert_memory_equal(ct, want, LINE);
}

static void test_pmem_attacker_view_of_keyid_0_is_plaintext_before_tme(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t pt[LINE], ct[LINE];

	fill(pt, sizeof(pt), 22);
	assert_int_equal(pmem_host_write(plat, PA_A, pt, LINE), 0);
	assert_int_equal(pmem_attacker_read(plat, PA_A, ct, LINE), 0);
	assert_memory_equal(ct, pt, LINE);
}

static void test_pmem_attacker_view_of_keyid_0_is_ciphertext_after_tme(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	uint8_t pt[LINE], ct[LINE], back[LINE];

	(void)state;
	fill(pt, sizeof(pt), 22);
	assert_int_equal(pmem_host_write(plat, PA_A, pt, LINE), 0);
	assert_int_equal(pmem_attacker_read(plat, PA_A, ct, LINE), 0);
	assert_memory_not_equal(ct, pt, LINE);
	assert_int_equal(pmem_host_read(plat, PA_A, back, LINE), 0);
	assert_memory_equal(back, pt, LINE);
	platform_destroy(plat);
}

/* ---- pmem_seam_init ---- */

static void test_pmem_seam_init_zeroes_and_makes_lines_td_owned(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	size_t len = 2 * PAGE + 3 * LINE;
	uint8_t junk[2 * PAGE + 3 * LINE], back[2 * PAGE + 3 * LINE];

	fill(junk, sizeof(junk), 23);
	/* Start from host data, a poisoned line and a stale private line. */
	assert_int_equal(pmem_host_write(plat, PA_A, junk, len), 0);
	poison_line(plat, PA_A + PAGE);
	assert_int_equal(pmem_host_write(plat, PA_A + PAGE + LINE, junk, LINE), 0);

	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), len), 0);
	memset(back, 0x66, sizeof(back));
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), back, len), 0);
	assert_true(all_bytes(back, len, 0));
	for (uint64_t off = 0; off < len; off += LINE) {
		struct pmem_line_info li = info(plat, PA_A + off);

		assert_int_equal(li.keyid, UNIT_PRIV_A);
		assert_true(li.td_owner);
		assert_false(li.poison);
	}
	assert_false(info(plat, PA_A + len).td_owner);
	memset(back, 0x66, sizeof(back));
	assert_int_equal(pmem_host_read(plat, PA_A, back, len), 0);
	assert_true(all_bytes(back, len, 0));
}

static void test_pmem_seam_init_under_shared_keyid_is_not_td_owned(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t junk[PAGE], back[PAGE];

	fill(junk, sizeof(junk), 24);
	assert_int_equal(pmem_host_write(plat, PA_A, junk, PAGE), 0);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_SHARED_A), PAGE), 0);
	assert_int_equal(info(plat, PA_A).keyid, UNIT_SHARED_A);
	assert_false(info(plat, PA_A).td_owner);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), back, PAGE), 0);
	assert_true(all_bytes(back, PAGE, 0));
}

static void test_pmem_seam_init_misaligned_is_einval(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t junk[2 * LINE], back[2 * LINE];
	struct pmem_line_info before;

	fill(junk, sizeof(junk), 25);
	assert_int_equal(pmem_host_write(plat, PA_A, junk, sizeof(junk)), 0);
	before = info(plat, PA_A);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A + 8, UNIT_PRIV_A), LINE), -EINVAL);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A + 32, UNIT_PRIV_A), LINE), -EINVAL);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), LINE + 1), -EINVAL);
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), 32), -EINVAL);
	assert_info_equal(info(plat, PA_A), before);
	assert_info_equal(info(plat, PA_A + LINE), before);
	assert_int_equal(pmem_host_read(plat, PA_A, back, sizeof(back)), 0);
	assert_memory_equal(back, junk, sizeof(junk));
}

/* ---- failed writes change nothing ---- */

struct snapshot {
	struct pmem_line_info li[3];
	uint8_t ct[3 * LINE];
};

static void take_snapshot(struct platform *plat, uint64_t pa, struct snapshot *s)
{
	for (unsigned int i = 0; i < 3; i++)
		s->li[i] = info(plat, pa + i * LINE);
	assert_int_equal(pmem_attacker_read(plat, pa, s->ct, sizeof(s->ct)), 0);
}

static void assert_snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	for (unsigned int i = 0; i < 3; i++)
		assert_info_equal(a->li[i], b->li[i]);
	assert_memory_equal(a->ct, b->ct, sizeof(a->ct));
}

static void test_pmem_failed_partial_write_to_poisoned_line_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	hpa_t base = kpa(plat, PA_A, UNIT_PRIV_A);
	uint8_t td[3 * LINE], junk[3 * LINE], back[3 * LINE];
	struct snapshot before, after;

	/* PA_A, PA_A + 128: the TD's lines; PA_A + 64: poisoned by the host. */
	fill(td, sizeof(td), 26);
	memset(junk, 0xEE, sizeof(junk));
	assert_int_equal(seam_write(plat, 0, base, td, sizeof(td)), 0);
	assert_int_equal(host_write_td(plat, PA_A + LINE, junk, LINE), 0);
	assert_true(info(plat, PA_A + LINE).poison);
	take_snapshot(plat, PA_A, &before);

	/* Ends partway into the poisoned line. */
	assert_int_equal(seam_write(plat, 0, base + 16, junk, LINE + 16), -EIO);
	/* Starts partway into it. */
	assert_int_equal(seam_write(plat, 0, base + LINE + 48, junk, LINE), -EIO);
	/* Entirely inside it. */
	assert_int_equal(seam_write(plat, 0, base + LINE + 8, junk, 8), -EIO);

	take_snapshot(plat, PA_A, &after);
	assert_snapshot_equal(&before, &after);
	assert_int_equal(seam_read(plat, 0, base, back, LINE), 0);
	assert_memory_equal(back, td, LINE);
	assert_int_equal(seam_read(plat, 0, base + 2 * LINE, back, LINE), 0);
	assert_memory_equal(back, td + 2 * LINE, LINE);
}

static void test_pmem_failed_private_partial_write_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t td[LINE], junk[2 * LINE], back[LINE];
	struct snapshot before, after;

	/* PA_A: TD-owned under UNIT_PRIV_A; PA_A + 64, + 128: host data. */
	fill(td, sizeof(td), 27);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), td, LINE), 0);
	assert_int_equal(pmem_host_write(plat, PA_A + LINE, td, LINE), 0);
	assert_int_equal(pmem_host_write(plat, PA_A + 2 * LINE, td, LINE), 0);
	take_snapshot(plat, PA_A, &before);

	memset(junk, 0xDD, sizeof(junk));
	/* Full first line, partial second line that is not TD-owned. */
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), junk, LINE + 8),
			 -EIO);
	/* Partial line that is not TD-owned. */
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A + 2 * LINE + 4, UNIT_PRIV_A),
				    junk, 4), -EIO);

	take_snapshot(plat, PA_A, &after);
	assert_snapshot_equal(&before, &after);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), back, LINE), 0);
	assert_memory_equal(back, td, LINE);
}

static void test_pmem_host_write_to_poisoned_line_keeps_poison(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t data[LINE], buf[LINE];

	poison_line(plat, PA_A);
	fill(data, sizeof(data), 28);
	assert_int_equal(host_write_td(plat, PA_A, data, LINE), 0);
	assert_true(info(plat, PA_A).poison);
	assert_int_equal(host_write_td(plat, kpa(plat, PA_A + 4, UNIT_SHARED_A), data, 8), 0);
	assert_true(info(plat, PA_A).poison);
	assert_false(info(plat, PA_A).td_owner);
	/* Still a machine check for the TD. */
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), buf, LINE), -EIO);
}

/* ---- MOVDIR64B from the host ---- */

static void test_pmem_host_movdir64b_resets_td_and_poisoned_lines(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t secret[2 * PAGE], back[2 * PAGE];

	fill(secret, sizeof(secret), 30);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), secret,
				    sizeof(secret)), 0);
	poison_line(plat, PA_A + PAGE + LINE);

	assert_int_equal(pmem_host_movdir64b(plat, PA_A, sizeof(secret)), 0);
	for (uint64_t off = 0; off < sizeof(secret); off += LINE) {
		struct pmem_line_info li = info(plat, PA_A + off);

		assert_int_equal(li.keyid, 0);
		assert_false(li.td_owner);
		assert_false(li.poison);
	}
	memset(back, 0x66, sizeof(back));
	assert_int_equal(pmem_host_read(plat, PA_A, back, sizeof(back)), 0);
	assert_true(all_bytes(back, sizeof(back), 0));
	/* The TD lost the lines: its next read fails integrity. */
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), back, LINE), -EIO);
	/* The attacker sees the (TME-off) plaintext zeros, not the secret. */
	assert_int_equal(pmem_attacker_read(plat, PA_A, back, sizeof(back)), 0);
	assert_true(all_bytes(back, sizeof(back), 0));
}

static void test_pmem_host_movdir64b_under_shared_keyid_records_it(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t back[PAGE];

	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), PAGE), 0);
	assert_int_equal(pmem_host_movdir64b(plat, kpa(plat, PA_A, UNIT_SHARED_A), PAGE), 0);
	assert_int_equal(info(plat, PA_A).keyid, UNIT_SHARED_A);
	assert_false(info(plat, PA_A).td_owner);
	assert_false(info(plat, PA_A).poison);
	assert_int_equal(pmem_host_read(plat, kpa(plat, PA_A, UNIT_SHARED_A), back, PAGE), 0);
	assert_true(all_bytes(back, PAGE, 0));
}

static void test_pmem_host_movdir64b_misaligned_is_einval(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t data[2 * LINE], back[2 * LINE];
	struct snapshot before, after;

	fill(data, sizeof(data), 31);
	assert_int_equal(pmem_host_write(plat, PA_A, data, sizeof(data)), 0);
	take_snapshot(plat, PA_A, &before);
	assert_int_equal(pmem_host_movdir64b(plat, PA_A + 8, LINE), -EINVAL);
	assert_int_equal(pmem_host_movdir64b(plat, PA_A, LINE + 1), -EINVAL);
	assert_int_equal(pmem_host_movdir64b(plat, PA_A, 32), -EINVAL);
	take_snapshot(plat, PA_A, &after);
	assert_snapshot_equal(&before, &after);
	assert_int_equal(pmem_host_read(plat, PA_A, back, sizeof(back)), 0);
	assert_memory_equal(back, data, sizeof(data));
}

static void test_pmem_host_movdir64b_keeps_host_view_rules(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	struct platform_range r = platform_cfg(plat)->seamrr;
	uint64_t end = platform_dram_size(plat);

	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), LINE), 0);
	assert_int_equal(pmem_host_movdir64b(plat, kpa(plat, PA_A, UNIT_PRIV_A), LINE), -EPERM);
	assert_true(info(plat, PA_A).td_owner);
	assert_int_equal(pmem_host_movdir64b(plat, end, LINE), -EFAULT);
	assert_int_equal(pmem_host_movdir64b(plat, end - LINE, 2 * LINE), -EFAULT);
	assert_int_equal(pmem_host_movdir64b(plat, (1ULL << 46) | PA_A, LINE), -EFAULT);
	assert_int_equal(pmem_host_movdir64b(plat, kpa(plat, PA_A, UNIT_PRIV_B), LINE), -EPERM);

	assert_int_equal(seam_write(plat, 0, r.base, "seam", 4), 0);
	unit_seam_enable(plat);
	assert_int_equal(pmem_host_movdir64b(plat, r.base, LINE), -EACCES);
	assert_int_equal(info(plat, r.base).keyid, 0);
	{
		uint8_t back[4];

		assert_int_equal(seam_read(plat, 0, r.base, back, 4), 0);
		assert_memory_equal(back, "seam", 4);
	}
}

/*
 * Leave 0xFF bytes where pmem_host_write()'s frame will go and check that
 * the write still poisons (see host_write_td()).  In a child, so that a
 * UBSan abort on the invalid bool load fails this test only.
 */
static void test_pmem_host_write_to_td_line_poisons_it_whatever_the_stack_holds(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint8_t junk[LINE];
	int status = 0;
	pid_t pid;

	memset(junk, 0x5C, sizeof(junk));
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_A, UNIT_PRIV_A), 2 * LINE), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pmem_line_info full, part;
		int r1, r2;

		scrub_stack(0xFF);
		r1 = pmem_host_write(plat, PA_A, junk, LINE);
		scrub_stack(0xFF);
		r2 = pmem_host_write(plat, PA_A + LINE + 8, junk, 8);
		pmem_line_info(plat, PA_A, &full);
		pmem_line_info(plat, PA_A + LINE, &part);
		_exit((r1 ? 1 : 0) | (r2 ? 2 : 0) | (full.poison ? 0 : 4) | (part.poison ? 0 : 8) |
		      (full.td_owner ? 16 : 0) | (part.td_owner ? 32 : 0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		print_error("child killed by signal %d\n", WTERMSIG(status));
	else if (WEXITSTATUS(status))
		print_error("child status 0x%x (4: full-line write did not poison, "
			    "8: partial write did not poison)\n", WEXITSTATUS(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- page boundaries ---- */

static void test_pmem_access_across_page_boundary(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	uint64_t boundary = PA_A + PAGE;
	uint8_t out[300], in[300], page2[2 * PAGE];

	/* Host, unaligned on both ends. */
	fill(out, sizeof(out), 29);
	assert_int_equal(pmem_host_write(plat, boundary - 150, out, sizeof(out)), 0);
	assert_int_equal(pmem_host_read(plat, boundary - 150, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(pmem_host_read(plat, kpa(plat, boundary - 1, 0), in, 2), 0);
	assert_memory_equal(in, out + 149, 2);

	/* SEAM, private, read-modify-write of partial lines on both pages. */
	assert_int_equal(seam_init(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), 2 * PAGE), 0);
	assert_int_equal(seam_write(plat, 0, kpa(plat, PA_B + PAGE - 100, UNIT_PRIV_A), out,
				    200), 0);
	assert_int_equal(seam_read(plat, 0, kpa(plat, PA_B, UNIT_PRIV_A), page2, sizeof(page2)),
			 0);
	assert_true(all_bytes(page2, PAGE - 100, 0));
	assert_memory_equal(page2 + PAGE - 100, out, 200);
	assert_true(all_bytes(page2 + PAGE + 100, PAGE - 100, 0));

	/* Attacker view across the boundary: the concatenated line ciphertexts. */
	{
		uint8_t ct[2 * LINE], line[LINE], want[LINE];

		assert_int_equal(pmem_attacker_read(plat, PA_B + PAGE - LINE, ct, sizeof(ct)), 0);
		memcpy(line, page2 + PAGE - LINE, LINE);
		xts_encrypt_line(f->key, PA_B + PAGE - LINE, line, want);
		assert_memory_equal(ct, want, LINE);
		memcpy(line, page2 + PAGE, LINE);
		xts_encrypt_line(f->key, PA_B + PAGE, line, want);
		assert_memory_equal(ct + LINE, want, LINE);
	}
}

/* ---- concurrency ---- */

#define HAMMER_PA	0x400000ULL
#define HAMMER_LINES	(PAGE / LINE)
#define HAMMER_ITERS	20000U
#define HAMMER_MAX_RUN	4
#define HAMMER_TIMEOUT	60

/* Two writers start together and stop together, so their writes overlap. */
struct race {
	struct platform *plat;
	pthread_barrier_t start;
	atomic_int stop;
};

struct hammer {
	struct race *race;
	unsigned int seed;
	uint8_t pattern;
	hkid_t keyid;
	unsigned int lp;
	atomic_uint iters;
	atomic_int errors;
	atomic_int torn;
};

/* Runs of 1..4 full lines at random places in the page, until told to stop. */
static void hammer_writes(struct hammer *h, struct plat_lp *seam_lp)
{
	struct platform *plat = h->race->plat;
	uint8_t buf[HAMMER_MAX_RUN * LINE];
	unsigned int rs = h->seed;

	memset(buf, h->pattern, sizeof(buf));
	pthread_barrier_wait(&h->race->start);
	while (!atomic_load(&h->race->stop)) {
		unsigned int line = (unsigned int)rand_r(&rs) % HAMMER_LINES;
		unsigned int n = 1 + (unsigned int)rand_r(&rs) % HAMMER_MAX_RUN;
		hpa_t pa;
		int ret;

		if (line + n > HAMMER_LINES)
			n = HAMMER_LINES - line;
		pa = kpa(plat, HAMMER_PA + line * LINE, h->keyid);
		if (seam_lp)
			ret = pmem_seam_write(seam_lp, pa, buf, n * LINE);
		else
			ret = pmem_host_write(plat, pa, buf, n * LINE);
		if (ret)
			atomic_fetch_add(&h->errors, 1);
		atomic_fetch_add(&h->iters, 1);
	}
}

/* Let both writers do at least HAMMER_ITERS writes, then stop them. */
static bool race_run(struct race *race, struct hammer w[2])
{
	time_t deadline = time(NULL) + HAMMER_TIMEOUT;
	bool in_time = true;

	while (atomic_load(&w[0].iters) < HAMMER_ITERS || atomic_load(&w[1].iters) < HAMMER_ITERS) {
		if (time(NULL) > deadline) {
			in_time = false;
			break;
		}
		usleep(1000);
	}
	atomic_store(&race->stop, 1);
	return in_time;
}

static void *host_writer(void *arg)
{
	hammer_writes(arg, NULL);
	return NULL;
}

static void *host_reader(void *arg)
{
	struct hammer *h = arg;
	unsigned int rs = h->seed;
	uint8_t buf[LINE];

	while (!atomic_load(&h->race->stop)) {
		unsigned int line = (unsigned int)rand_r(&rs) % HAMMER_LINES;

		if (pmem_host_read(h->race->plat, HAMMER_PA + line * LINE, buf, LINE))
			atomic_fetch_add(&h->errors, 1);
		else if (!all_bytes(buf, LINE, 0x5A) && !all_bytes(buf, LINE, 0xC3))
			atomic_fetch_add(&h->torn, 1);
		atomic_fetch_add(&h->iters, 1);
	}
	return NULL;
}

static void test_pmem_concurrent_full_line_writes_do_not_tear(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	unsigned int seed = test_seed();
	struct race race = { .plat = plat };
	struct hammer w[2] = {
		{ .race = &race, .seed = seed, .pattern = 0x5A },
		{ .race = &race, .seed = seed * 2654435761U + 1, .pattern = 0xC3 },
	};
	struct hammer r = { .race = &race, .seed = seed + 7 };
	unsigned int by[2] = { 0, 0 };
	uint8_t page[PAGE];
	pthread_t tw[2], tr;
	bool in_time;

	print_message("test_pmem_concurrent_full_line_writes_do_not_tear: seed %u "
		      "(set PLATFORM_TEST_SEED to repeat)\n", seed);
	memset(page, 0x5A, sizeof(page));
	assert_int_equal(pmem_host_write(plat, HAMMER_PA, page, PAGE), 0);
	pthread_barrier_init(&race.start, NULL, 2);

	assert_int_equal(pthread_create(&tr, NULL, host_reader, &r), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&tw[i], NULL, host_writer, &w[i]), 0);
	in_time = race_run(&race, w);
	for (int i = 0; i < 2; i++)
		pthread_join(tw[i], NULL);
	pthread_join(tr, NULL);
	pthread_barrier_destroy(&race.start);

	print_message("writes %u + %u, reads %u, torn reads %d\n", atomic_load(&w[0].iters),
		      atomic_load(&w[1].iters), atomic_load(&r.iters), atomic_load(&r.torn));
	assert_true(in_time);
	assert_int_equal(atomic_load(&w[0].errors) + atomic_load(&w[1].errors), 0);
	assert_int_equal(atomic_load(&r.errors), 0);
	assert_int_equal(atomic_load(&r.torn), 0);
	assert_int_equal(pmem_host_read(plat, HAMMER_PA, page, PAGE), 0);
	for (unsigned int i = 0; i < HAMMER_LINES; i++) {
		bool a = all_bytes(page + i * LINE, LINE, 0x5A);
		bool b = all_bytes(page + i * LINE, LINE, 0xC3);

		assert_true(a || b);
		by[b]++;
	}
	print_message("lines last written: %u with 0x5A, %u with 0xC3\n", by[0], by[1]);
}

static int seam_writer(struct plat_lp *lp, void *arg)
{
	hammer_writes(arg, lp);
	return 0;
}

static void *lp_writer(void *arg)
{
	struct hammer *h = arg;

	if (fake_in_seam(h->race->plat, h->lp, seam_writer, h))
		atomic_fetch_add(&h->errors, 1);
	return NULL;
}

static void test_pmem_concurrent_writes_under_two_keyids_keep_data_and_key_together(void **state)
{
	struct fx *f = *state;
	struct platform *plat = f->plat;
	unsigned int seed = test_seed();
	struct race race = { .plat = plat };
	struct hammer w[2] = {
		{ .race = &race, .seed = seed, .pattern = 0x5A, .keyid = UNIT_SHARED_A, .lp = 0 },
		{ .race = &race, .seed = seed ^ 0x9E3779B9U, .pattern = 0xC3,
		  .keyid = UNIT_SHARED_B, .lp = 1 },
	};
	uint8_t page[PAGE], line[LINE];
	unsigned int by[2] = { 0, 0 };
	pthread_t t[2];
	bool in_time;

	print_message("test_pmem_concurrent_writes_under_two_keyids_keep_data_and_key_together: "
		      "seed %u (set PLATFORM_TEST_SEED to repeat)\n", seed);
	memset(page, 0x5A, sizeof(page));
	assert_int_equal(pmem_host_write(plat, kpa(plat, HAMMER_PA, UNIT_SHARED_A), page, PAGE), 0);
	platform_start_aps(plat);
	pthread_barrier_init(&race.start, NULL, 2);

	/* Each writer runs on its own LP's thread, in SEAM mode. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, lp_writer, &w[i]), 0);
	in_time = race_run(&race, w);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&race.start);
	assert_true(in_time);
	assert_int_equal(atomic_load(&w[0].errors) + atomic_load(&w[1].errors), 0);

	/* Each line's KeyID says who wrote it last; under it, that writer's bytes. */
	for (unsigned int i = 0; i < HAMMER_LINES; i++) {
		uint64_t pa = HAMMER_PA + i * LINE;
		struct pmem_line_info li = info(plat, pa);
		int who = li.keyid == UNIT_SHARED_A ? 0 : li.keyid == UNIT_SHARED_B ? 1 : -1;

		assert_true(who >= 0);
		assert_false(li.poison);
		assert_false(li.td_owner);
		assert_int_equal(pmem_host_read(plat, kpa(plat, pa, li.keyid), line, LINE), 0);
		assert_true(all_bytes(line, LINE, w[who].pattern));
		by[who]++;
	}
	print_message("writes %u + %u; lines last written: %u by LP 0, %u by LP 1\n",
		      atomic_load(&w[0].iters), atomic_load(&w[1].iters), by[0], by[1]);
}

/*
 * A private partial write is a read-modify-write: if the line was poisoned
 * by a host write, it must fail (-EIO) and never turn the host's bytes
 * into a valid TD line.  Here a host thread keeps writing the line while
 * SEAM, on LP 0, re-initialises it, writes 8 bytes and reads it back.  A
 * successful read may only ever show those 8 bytes and zeros.
 */
#define LAUNDER_ROUNDS		20000U
#define LAUNDER_DISTURBED	50U

struct launder {
	struct platform *plat;
	atomic_int stop;
	atomic_uint host_writes;
	unsigned int rounds;
	unsigned int completed;
	unsigned int laundered;
	struct pmem_line_info bad;
};

static void *launder_host(void *arg)
{
	struct launder *l = arg;
	uint8_t junk[LINE];

	memset(junk, 0x99, sizeof(junk));
	while (!atomic_load(&l->stop)) {
		pmem_host_write(l->plat, PA_A, junk, LINE);
		atomic_fetch_add(&l->host_writes, 1);
	}
	return NULL;
}

static int launder_seam(struct plat_lp *lp, void *arg)
{
	struct launder *l = arg;
	hpa_t pa = kpa(l->plat, PA_A, UNIT_PRIV_A);
	time_t deadline = time(NULL) + HAMMER_TIMEOUT / 4;
	uint8_t line[LINE];

	while (!atomic_load(&l->host_writes) && time(NULL) <= deadline)
		usleep(100);
	/* Until enough rounds were disturbed by the host (or a deadline). */
	while (!l->laundered && time(NULL) <= deadline &&
	       (l->rounds < LAUNDER_ROUNDS || l->rounds - l->completed < LAUNDER_DISTURBED)) {
		l->rounds++;
		if (pmem_seam_init(lp, pa, LINE) || pmem_seam_write(lp, pa, "AAAAAAAA", 8) ||
		    pmem_seam_read(lp, pa, line, LINE))
			continue;
		l->completed++;
		if (!all_bytes(line + 8, LINE - 8, 0)) {
			l->laundered++;
			pmem_line_info(l->plat, PA_A, &l->bad);
		}
	}
	return 0;
}

static void test_pmem_private_partial_write_racing_host_write_never_launders_it(void **state)
{
	struct fx *f = *state;
	struct launder l = { .plat = f->plat };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, launder_host, &l), 0);
	assert_int_equal(fake_in_seam(f->plat, 0, launder_seam, &l), 0);
	atomic_store(&l.stop, 1);
	pthread_join(t, NULL);
	print_message("%u rounds, %u disturbed by %u host writes, %u laundered\n", l.rounds,
		      l.rounds - l.completed, atomic_load(&l.host_writes), l.laundered);
	if (l.laundered)
		print_error("host bytes accepted into a TD line: keyid %u td_owner %d poison %d\n",
			    l.bad.keyid, l.bad.td_owner, l.bad.poison);
	assert_int_equal(l.laundered, 0);
	/* Otherwise the race was never run. */
	assert_true(l.rounds > l.completed);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX(test_pmem_pa_keyid_arithmetic_roundtrips),
		FX(test_pmem_line_info_ignores_keyid_bits),
		FX(test_pmem_line_info_beyond_dram_is_efault),
		FX(test_pmem_host_roundtrip_under_keyid_0),
		FX(test_pmem_host_roundtrip_under_shared_keyid),
		FX(test_pmem_host_private_keyid_is_eperm),
		cmocka_unit_test(test_pmem_invalid_keyid_is_einval),
		FX(test_pmem_access_beyond_dram_is_efault),
		FX(test_pmem_access_length_overflow_is_efault),
		FX(test_pmem_address_bits_above_max_pa_are_efault),
		FX(test_pmem_host_access_under_cleared_shared_keyid_is_enokey),
		FX(test_pmem_host_seamrr_access_after_seam_enable_is_eacces),
		FX(test_pmem_host_access_straddling_seamrr_is_eacces),
		FX(test_pmem_seam_view_reaches_seamrr),
		FX(test_pmem_seam_view_needs_seam_or_acm_mode),
		FX(test_pmem_seam_private_roundtrip_sets_td_owner),
		FX(test_pmem_seam_private_partial_write_keeps_rest_of_line),
		FX(test_pmem_seam_unprogrammed_keyid_is_enokey),
		cmocka_unit_test(test_pmem_seam_keyid_programmed_on_other_package_is_enokey),
		cmocka_unit_test(test_pmem_private_line_readable_from_package_with_same_key),
		FX(test_pmem_host_read_of_td_line_returns_zeros),
		FX(test_pmem_host_write_to_td_line_poisons_it),
		FX(test_pmem_host_partial_write_to_td_line_poisons_it),
		FX(test_pmem_host_write_spanning_td_lines_poisons_each),
		FX(test_pmem_seam_private_read_of_unwritten_line_is_eio),
		FX(test_pmem_seam_private_read_under_other_private_keyid_is_eio),
		FX(test_pmem_line_read_under_other_shared_keyid_is_garbage),
		FX(test_pmem_partial_write_under_other_keyid_garbles_rest_of_line),
		FX(test_pmem_reprogrammed_private_key_fails_old_lines_integrity),
		FX(test_pmem_reprogrammed_shared_key_turns_old_lines_to_garbage),
		FX(test_pmem_stale_private_line_fails_integrity_after_key_generation_wraps),
		FX(test_pmem_attacker_view_of_private_line_is_xts_under_its_key),
		FX(test_pmem_attacker_view_of_shared_line_is_xts_under_its_key),
		FX(test_pmem_attacker_view_of_keyid_0_is_plaintext_before_tme),
		cmocka_unit_test(test_pmem_attacker_view_of_keyid_0_is_ciphertext_after_tme),
		FX(test_pmem_seam_init_zeroes_and_makes_lines_td_owned),
		FX(test_pmem_seam_init_under_shared_keyid_is_not_td_owned),
		FX(test_pmem_seam_init_misaligned_is_einval),
		FX(test_pmem_failed_partial_write_to_poisoned_line_changes_nothing),
		FX(test_pmem_failed_private_partial_write_changes_nothing),
		FX(test_pmem_host_write_to_poisoned_line_keeps_poison),
		FX(test_pmem_host_movdir64b_resets_td_and_poisoned_lines),
		FX(test_pmem_host_movdir64b_under_shared_keyid_records_it),
		FX(test_pmem_host_movdir64b_misaligned_is_einval),
		FX(test_pmem_host_movdir64b_keeps_host_view_rules),
		FX(test_pmem_host_write_to_td_line_poisons_it_whatever_the_stack_holds),
		FX(test_pmem_access_across_page_boundary),
		FX(test_pmem_concurrent_full_line_writes_do_not_tear),
		FX(test_pmem_concurrent_writes_under_two_keyids_keep_data_and_key_together),
		FX(test_pmem_private_partial_write_racing_host_write_never_launders_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

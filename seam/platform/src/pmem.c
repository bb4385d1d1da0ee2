/*
 * Physical memory through the memory controller: the host, SEAM and
 * attacker views of pmem.h, line by line over DRAM and its metadata.
 */
#include <errno.h>
#include <string.h>

#include "pmem.h"
#include "platform_internal.h"

enum pmem_view {
	VIEW_HOST,
	VIEW_SEAM,
};

struct pmem_access {
	struct platform *plat;
	enum pmem_view view;
	unsigned int package;
	hkid_t keyid;
	uint32_t gen;
	bool private_key;
	uint64_t pa;		/* KeyID stripped */
	size_t len;
	bool direct_store;	/* MOVDIR64B: full lines, resets TD bit without poison */
	bool poisoned_td;	/* out: a host write poisoned a TD-owned line */
};

hpa_t pmem_pa_with_keyid(const struct platform *plat, uint64_t pa, hkid_t keyid)
{
	return pa | ((uint64_t)keyid << platform_pa_bits(plat));
}

hkid_t pmem_pa_keyid(const struct platform *plat, hpa_t pa)
{
	return (hkid_t)((pa >> platform_pa_bits(plat)) &
			((1ULL << plat->cfg.keyid_bits) - 1));
}

uint64_t pmem_pa_strip_keyid(const struct platform *plat, hpa_t pa)
{
	return pa & ((1ULL << platform_pa_bits(plat)) - 1);
}

static pthread_mutex_t *line_lock(struct platform *plat, uint64_t pa)
{
	return &plat->line_locks[(pa >> TDX_PAGE_SHIFT) % PMEM_NR_LOCKS];
}

static bool in_dram(const struct platform *plat, uint64_t pa, size_t len)
{
	return len <= plat->cfg.dram_size && pa <= plat->cfg.dram_size - len;
}

static bool overlaps_seamrr(const struct platform *plat, uint64_t pa, size_t len)
{
	const struct platform_range *r = &plat->seamrr;

	return plat->seam_enabled && pa < r->base + r->size && r->base < pa + len;
}

/* Decode and check everything that does not depend on line contents. */
static int access_setup(struct platform *plat, const struct plat_lp *lp,
			hpa_t hpa, size_t len, struct pmem_access *a)
{
	enum mktme_keyid_kind kind;

	memset(a, 0, sizeof(*a));
	if (hpa >> plat->cfg.max_pa)
		return -EFAULT;
	a->plat = plat;
	a->view = lp ? VIEW_SEAM : VIEW_HOST;
	a->package = lp ? lp->package : 0;
	a->keyid = pmem_pa_keyid(plat, hpa);
	a->pa = pmem_pa_strip_keyid(plat, hpa);
	a->len = len;
	if (!in_dram(plat, a->pa, len))
		return -EFAULT;
	kind = mktme_keyid_kind(plat, a->keyid);
	if (kind == MKTME_KEYID_INVALID)
		return -EINVAL;
	a->private_key = kind == MKTME_KEYID_PRIVATE;
	if (a->view == VIEW_HOST && a->private_key)
		return -EPERM;
	if (a->view == VIEW_HOST && overlaps_seamrr(plat, a->pa, len))
		return -EACCES;
	if (!mktme_keyid_programmed(plat, a->package, a->keyid))
		return -ENOKEY;
	a->gen = mktme_key_gen(plat, a->keyid);
	return 0;
}

static uint64_t meta_make(hkid_t keyid, uint32_t gen, bool td, bool poison)
{
	return (uint64_t)keyid | (td ? LINE_TD_OWNER : 0) | (poison ? LINE_POISON : 0) |
	       ((uint64_t)gen << LINE_GEN_SHIFT);
}

static hkid_t meta_keyid(uint64_t m)
{
	return (hkid_t)(m & LINE_KEYID_MASK);
}

static uint32_t meta_gen(uint64_t m)
{
	return (uint32_t)(m >> LINE_GEN_SHIFT);
}

static bool meta_same_key(uint64_t m, const struct pmem_access *a)
{
	return meta_keyid(m) == a->keyid && meta_gen(m) == a->gen;
}

/*
 * Would reading this line under @a machine-check?  Only a private-KeyID
 * read checks integrity: it fails on a poisoned line and on a line it did
 * not write.  Non-TD readers see what the line decrypts to under their key.
 */
static bool line_read_faults(uint64_t m, const struct pmem_access *a)
{
	if (!a->private_key)
		return false;
	return (m & LINE_POISON) || !(m & LINE_TD_OWNER) || !meta_same_key(m, a);
}

/* What a reader under @a sees of one whole line (no fault case). */
static void line_view(const struct pmem_access *a, uint64_t line_pa, uint64_t m,
		      uint8_t out[64])
{
	if ((m & LINE_TD_OWNER) && !a->private_key) {
		memset(out, 0, 64);	/* TD-owner bit mismatch reads zeros */
		return;
	}
	memcpy(out, a->plat->dram + line_pa, 64);
	if (!meta_same_key(m, a))
		mktme_cross_key_line(a->plat, line_pa, meta_keyid(m), meta_gen(m),
				     a->keyid, out);
}

static int access_read(struct pmem_access *a, void *buf)
{
	uint8_t *dst = buf;
	uint64_t pa = a->pa;
	size_t left = a->len;

	while (left) {
		uint64_t line = pa & ~(TDX_CACHELINE_SIZE - 1);
		size_t off = pa - line;
		size_t n = TDX_CACHELINE_SIZE - off < left ? TDX_CACHELINE_SIZE - off : left;
		pthread_mutex_t *lk = line_lock(a->plat, line);
		uint8_t tmp[64];
		uint64_t m;

		pthread_mutex_lock(lk);
		m = a->plat->meta[line / TDX_CACHELINE_SIZE];
		if (line_read_faults(m, a)) {
			pthread_mutex_unlock(lk);
			return -EIO;
		}
		line_view(a, line, m, tmp);
		pthread_mutex_unlock(lk);
		memcpy(dst, tmp + off, n);
		dst += n;
		pa += n;
		left -= n;
	}
	return 0;
}

/*
 * A partial-line write is a read-modify-write: it faults where a read
 * would, except that a host write to a TD-owned line does not read it
 * (the line gets poisoned instead).
 */
static bool partial_write_faults(struct pmem_access *a, uint64_t line)
{
	uint64_t m = a->plat->meta[line / TDX_CACHELINE_SIZE];

	if (!a->private_key && (m & LINE_TD_OWNER))
		return false;
	return line_read_faults(m, a);
}

static int access_write(struct pmem_access *a, const void *buf)
{
	const uint8_t *src = buf;
	uint64_t pa = a->pa;
	size_t left = a->len;
	uint64_t first = a->pa & ~(TDX_CACHELINE_SIZE - 1);
	uint64_t last = (a->pa + a->len - 1) & ~(TDX_CACHELINE_SIZE - 1);

	/* Check phase: only the first and last line can be partial. */
	if ((a->pa != first || a->len < TDX_CACHELINE_SIZE) &&
	    partial_write_faults(a, first))
		return -EIO;
	if ((a->pa + a->len) % TDX_CACHELINE_SIZE && partial_write_faults(a, last))
		return -EIO;

	while (left) {
		uint64_t line = pa & ~(TDX_CACHELINE_SIZE - 1);
		size_t off = pa - line;
		size_t n = TDX_CACHELINE_SIZE - off < left ? TDX_CACHELINE_SIZE - off : left;
		pthread_mutex_t *lk = line_lock(a->plat, line);
		uint64_t *mp = &a->plat->meta[line / TDX_CACHELINE_SIZE];
		uint8_t *dram = a->plat->dram + line;
		bool poison = false;
		bool td = a->private_key;

		pthread_mutex_lock(lk);
		/*
		 * Re-check a partial line under its lock: a write that raced in
		 * since the check phase must not be laundered into the line.
		 */
		if (n < TDX_CACHELINE_SIZE && partial_write_faults(a, line)) {
			pthread_mutex_unlock(lk);
			return -EIO;
		}
		if (!a->private_key && (*mp & LINE_TD_OWNER)) {
			/* A non-TD write to a TD-owned line: TD bit off, poisoned. */
			poison = !a->direct_store;
			a->poisoned_td |= poison;
		} else if (!a->private_key && !a->direct_store && (*mp & LINE_POISON)) {
			/* Poison stays until a direct store or a SEAM private write. */
			poison = true;
		} else if (n < TDX_CACHELINE_SIZE && !meta_same_key(*mp, a)) {
			/* The untouched bytes now decrypt under the new key. */
			mktme_cross_key_line(a->plat, line, meta_keyid(*mp), meta_gen(*mp),
					     a->keyid, dram);
		}
		if (poison && n < TDX_CACHELINE_SIZE)
			mktme_cross_key_line(a->plat, line, meta_keyid(*mp), meta_gen(*mp),
					     a->keyid, dram);
		memcpy(dram + off, src, n);
		*mp = meta_make(a->keyid, a->gen, td, poison);
		pthread_mutex_unlock(lk);
		src += n;
		pa += n;
		left -= n;
	}
	return 0;
}

int pmem_host_read(struct platform *plat, hpa_t pa, void *buf, size_t len)
{
	struct pmem_access a;
	int ret = access_setup(plat, NULL, pa, len, &a);

	if (ret == -EACCES)
		memset(buf, 0xFF, len);	/* abort-page semantics */
	if (ret || !len)
		return ret;
	return access_read(&a, buf);
}

int pmem_host_update64(struct platform *plat, hpa_t pa, uint64_t and_mask, uint64_t or_mask,
		       uint64_t *old)
{
	struct pmem_access a;
	uint64_t line, *mp, val;
	pthread_mutex_t *lk;
	uint8_t tmp[64];
	int ret;

	if (!TDX_IS_ALIGNED(pa, 8))
		return -EINVAL;
	ret = access_setup(plat, NULL, pa, 8, &a);
	if (ret)
		return ret;
	line = a.pa & ~(TDX_CACHELINE_SIZE - 1);
	lk = line_lock(plat, line);
	mp = &plat->meta[line / TDX_CACHELINE_SIZE];
	pthread_mutex_lock(lk);
	if (*mp & (LINE_TD_OWNER | LINE_POISON)) {
		pthread_mutex_unlock(lk);
		return -EIO;
	}
	/* The whole line as this key reads it, then written back under it. */
	line_view(&a, line, *mp, tmp);
	memcpy(&val, tmp + (a.pa - line), 8);
	if (old)
		*old = val;
	val = (val & and_mask) | or_mask;
	memcpy(tmp + (a.pa - line), &val, 8);
	memcpy(plat->dram + line, tmp, 64);
	*mp = meta_make(a.keyid, a.gen, false, false);
	pthread_mutex_unlock(lk);
	return 0;
}

int pmem_host_movdir64b(struct platform *plat, hpa_t pa, size_t len)
{
	static const uint8_t zero[TDX_PAGE_SIZE];
	struct pmem_access a;
	int ret;

	if (!TDX_IS_ALIGNED(pa, TDX_CACHELINE_SIZE) || len % TDX_CACHELINE_SIZE)
		return -EINVAL;
	ret = access_setup(plat, NULL, pa, len, &a);
	if (ret)
		return ret;
	a.direct_store = true;
	while (a.len) {
		struct pmem_access chunk = a;

		chunk.len = a.len < sizeof(zero) ? a.len : sizeof(zero);
		ret = access_write(&chunk, zero);
		if (ret)
			return ret;
		a.pa += chunk.len;
		a.len -= chunk.len;
	}
	return 0;
}

int pmem_host_write(struct platform *plat, hpa_t pa, const void *buf, size_t len)
{
	struct pmem_access a;
	int ret = access_setup(plat, NULL, pa, len, &a);

	if (ret || !len)
		return ret;
	ret = access_write(&a, buf);
	/* The poisoned lines' TD must fault on its next touch: tell SEAM. */
	if (a.poisoned_td)
		platform_poison_notify(plat, a.pa, a.len);
	return ret;
}

static int seam_setup(struct plat_lp *lp, hpa_t pa, size_t len, struct pmem_access *a)
{
	if (lp->mode != LP_MODE_SEAM && lp->mode != LP_MODE_ACM)
		return -EPERM;
	return access_setup(lp->plat, lp, pa, len, a);
}

int pmem_seam_read(struct plat_lp *lp, hpa_t pa, void *buf, size_t len)
{
	struct pmem_access a;
	int ret = seam_setup(lp, pa, len, &a);

	if (ret || !len)
		return ret;
	return access_read(&a, buf);
}

int pmem_seam_write(struct plat_lp *lp, hpa_t pa, const void *buf, size_t len)
{
	struct pmem_access a;
	int ret = seam_setup(lp, pa, len, &a);

	if (ret || !len)
		return ret;
	return access_write(&a, buf);
}

int pmem_seam_init(struct plat_lp *lp, hpa_t pa, size_t len)
{
	static const uint8_t zero[TDX_PAGE_SIZE];
	struct pmem_access a;
	int ret;

	if (!TDX_IS_ALIGNED(pa, TDX_CACHELINE_SIZE) || len % TDX_CACHELINE_SIZE)
		return -EINVAL;
	ret = seam_setup(lp, pa, len, &a);
	if (ret)
		return ret;
	while (a.len) {
		size_t n = a.len < sizeof(zero) ? a.len : sizeof(zero);
		struct pmem_access chunk = a;

		chunk.len = n;
		ret = access_write(&chunk, zero);
		if (ret)
			return ret;
		a.pa += n;
		a.len -= n;
	}
	return 0;
}

int pmem_attacker_read(struct platform *plat, uint64_t pa, void *buf, size_t len)
{
	uint8_t *dst = buf;

	if (!in_dram(plat, pa, len))
		return -EFAULT;
	while (len) {
		uint64_t line = pa & ~(TDX_CACHELINE_SIZE - 1);
		size_t off = pa - line;
		size_t n = TDX_CACHELINE_SIZE - off < len ? TDX_CACHELINE_SIZE - off : len;
		pthread_mutex_t *lk = line_lock(plat, line);
		uint8_t ct[64];
		uint64_t m;

		pthread_mutex_lock(lk);
		m = plat->meta[line / TDX_CACHELINE_SIZE];
		mktme_encrypt_line(plat, line, meta_keyid(m), meta_gen(m),
				   plat->dram + line, ct);
		pthread_mutex_unlock(lk);
		memcpy(dst, ct + off, n);
		dst += n;
		pa += n;
		len -= n;
	}
	return 0;
}

int pmem_line_info(struct platform *plat, uint64_t pa, struct pmem_line_info *out)
{
	uint64_t m;

	pa = pmem_pa_strip_keyid(plat, pa);
	if (!in_dram(plat, pa, 1))
		return -EFAULT;
	m = plat->meta[pa / TDX_CACHELINE_SIZE];
	out->keyid = meta_keyid(m);
	out->key_gen = meta_gen(m);
	out->td_owner = (m & LINE_TD_OWNER) != 0;
	out->poison = (m & LINE_POISON) != 0;
	return 0;
}

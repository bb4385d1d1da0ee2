/*
 * Malicious host: operand fuzz.  2000 SEAMCALLs (4 rounds of 500, each on
 * a freshly booted machine with TDs in a known state) of a random host
 * leaf with operands drawn from interesting values: pages of each TD,
 * free pages, PAMT and SEAMRR pages, KeyID-tagged, misaligned and huge
 * PAs, shared and reserved-bit GPAs, HKIDs and field ids.  After every
 * call: the module is alive (no #UD/#GP/VMfailInvalid), registers that
 * are no leaf's output are preserved, and a call that did not succeed
 * changed nothing the host can observe (RDMD of the pages, SEPT.RD of the
 * GPAs, MNG.RD of the TD fields, host/attacker views and line metadata).
 *
 * The seed is printed; MALICIOUS_SEED=<n> replays a run and
 * MALICIOUS_ITERATIONS=<n> changes the total.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <tdx/tdx_metadata.h>

#include "mh.h"

#define ROUNDS		4
#define NR_POOL		16

struct fz {
	struct mh *mh;
	uint64_t rng;
	struct mh_td a, b, c;
	uint64_t pool[NR_POOL];
	uint64_t pool2m;
	uint64_t pamt;
	hkid_t spare[2];
	uint64_t pas[96];
	unsigned int nr_pas;
	struct mh_snap prev, now;
	unsigned long calls, ok, refused;
	unsigned long per_leaf_ok[256], per_leaf_refused[256];
};

static uint64_t rnd(struct fz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct fz *f, unsigned int n)
{
	return (unsigned int)(rnd(f) % n);
}

static bool chance(struct fz *f, unsigned int percent)
{
	return below(f, 100) < percent;
}

static void add_pa(struct fz *f, uint64_t pa)
{
	if (f->nr_pas < TDX_ARRAY_SIZE(f->pas))
		f->pas[f->nr_pas++] = pa;
}

static void world(struct fz *f)
{
	struct mh *mh = f->mh;

	mh_td_build(mh, &f->a, 1, 0, 4);
	mh_td_build(mh, &f->b, 2, TDX_TD_ATTR_DEBUG, 2);
	/* C: keys configured, half its TDCS, not initialized; valid TD_PARAMS staged. */
	mh_td_alloc(mh, &f->c, 3);
	mh_td_create(mh, &f->c);
	mh_td_addcx(mh, &f->c, 3);
	mh_td_write_params(mh, f->c.params, 0);
	f->pool2m = mh_pages_aligned(mh, 512, TDX_SZ_2M);
	for (unsigned int i = 0; i < NR_POOL; i++)
		f->pool[i] = f->pool2m + (uint64_t)i * MH_PAGE;
	f->pamt = mh_pamt_4k_base(mh);
	f->spare[0] = mh_hkid(mh);
	f->spare[1] = mh_hkid(mh);

	f->nr_pas = 0;
	add_pa(f, f->a.tdr);
	add_pa(f, f->b.tdr);
	add_pa(f, f->c.tdr);
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++) {
		add_pa(f, f->a.tdcx[i]);
		add_pa(f, f->c.tdcx[i]);
	}
	add_pa(f, f->b.tdcx[0]);
	add_pa(f, f->b.tdcx[MH_TDCX_PAGES - 1]);
	for (unsigned int i = 0; i < f->a.nr_sept; i++) {
		add_pa(f, f->a.sept[i]);
		add_pa(f, f->b.sept[i]);
	}
	for (unsigned int i = 0; i < f->a.nr_pages; i++)
		add_pa(f, f->a.page[i]);
	for (unsigned int i = 0; i < f->b.nr_pages; i++)
		add_pa(f, f->b.page[i]);
	for (unsigned int i = 0; i < NR_POOL; i++)
		add_pa(f, f->pool[i]);
	add_pa(f, f->a.src);
	add_pa(f, f->b.src);
	add_pa(f, f->c.params);
	add_pa(f, f->pamt);
	add_pa(f, f->pamt + 0x10000);
	add_pa(f, mh->seamrr.base);
	add_pa(f, mh->seamrr.base + mh->seamrr.size - MH_PAGE);
	add_pa(f, 3ULL << 30);		/* MMIO hole */
	add_pa(f, 16ULL << 30);		/* no RAM */
	add_pa(f, 0);
	add_pa(f, 0x1000);

	/* What the host watches. */
	mh_snap_init(&f->prev);
	mh_snap_td(&f->prev, &f->a);
	mh_snap_td(&f->prev, &f->b);
	mh_snap_tdr(&f->prev, f->c.tdr);
	for (unsigned int i = 0; i < MH_TDCX_PAGES; i++)
		mh_snap_page(&f->prev, f->c.tdcx[i], false);
	mh_snap_page(&f->prev, f->c.tdr, false);
	for (unsigned int i = 0; i < NR_POOL; i++)
		mh_snap_page(&f->prev, f->pool[i], false);
	mh_snap_page(&f->prev, f->pamt, false);
	mh_snap_page(&f->prev, mh->seamrr.base, true);
	mh_snap_gpa(&f->prev, f->a.tdr, TDX_SZ_2M | 1);
	mh_snap_gpa(&f->prev, f->a.tdr, TDX_SZ_1G | 2);
	mh_snap_gpa(&f->prev, f->b.tdr, 0x10000);
	mh_snap_take(f->mh, &f->prev);
}

static hkid_t any_keyid(struct fz *f)
{
	switch (below(f, 6)) {
	case 0: return f->a.hkid;
	case 1: return f->b.hkid;
	case 2: return f->mh->global_hkid;
	case 3: return 1;
	case 4: return f->spare[0];
	default: return (hkid_t)below(f, 64);
	}
}

/* A physical address: interesting as is, or damaged. */
static uint64_t pick_pa(struct fz *f)
{
	uint64_t pa = f->pas[below(f, f->nr_pas)];

	switch (below(f, 20)) {
	case 0: return pa + 0x800;
	case 1: return pa + 8;
	case 2: return pa | 1;
	case 3: return mh_pa_keyid(f->mh, pa, any_keyid(f));
	case 4: return pa | (1ULL << 46);
	case 5: return rnd(f);
	case 6: return ~0ULL;
	case 7: return (rnd(f) % (8ULL << 30)) & ~0xFFFULL;
	default: return pa;
	}
}

static uint64_t pick_tdr(struct fz *f)
{
	switch (below(f, 10)) {
	case 0: case 1: case 2: case 3: return f->a.tdr;
	case 4: case 5: return f->b.tdr;
	case 6: return f->c.tdr;
	default: return pick_pa(f);
	}
}

static uint64_t pick_gpa(struct fz *f)
{
	static const uint64_t bases[] = {
		0, 0x1000, 0x2000, 0x3000, 0x4000, 0x10000, 0x11000, TDX_SZ_2M, TDX_SZ_1G,
		512 * TDX_SZ_1G, MH_SHARED_BIT, MH_SHARED_BIT | 0x1000, 1ULL << 51,
	};
	uint64_t g = chance(f, 90) ? bases[below(f, TDX_ARRAY_SIZE(bases))]
				   : (rnd(f) & TDX_GENMASK(46, 12));
	unsigned int r = below(f, 100);
	uint64_t level = r < 40 ? 0 : r < 60 ? 1 : r < 75 ? 2 : r < 85 ? 3 : below(f, 8);

	if (chance(f, 5))
		g |= rnd(f) & 0xFF8;
	return g | level;
}

static uint64_t pick_field(struct fz *f)
{
	static const uint64_t ids[] = {
		MH_TD_FATAL, MH_TD_NUM_TDCX, MH_TD_CHLDCNT, MH_TD_LIFECYCLE_STATE, MH_TD_HKID,
		MH_TD_PKG_CONFIG_BITMAP, MH_TD_OP_STATE, MH_TD_EPOCH, 0x1110000300000000ULL,
		0x1310000300000000ULL, 0x9110000300000011ULL, MD_SYS_NUM_CMRS, MD_SYS_CMR_BASE,
		MD_SYS_TDCS_BASE_SIZE, MD_SYS_MAX_TDMRS,
	};
	uint64_t id = ids[below(f, TDX_ARRAY_SIZE(ids))];

	if (chance(f, 15))
		return rnd(f);
	if (chance(f, 10))
		id |= 1ULL << (24 + below(f, 40));
	return id;
}

static uint64_t pick_hkid(struct fz *f)
{
	if (chance(f, 10))
		return rnd(f);
	if (chance(f, 15))
		return f->spare[below(f, 2)];
	return any_keyid(f);
}

/* The host leaves this module implements, bar VP.ENTER and SYS.SHUTDOWN. */
static const unsigned int leaves[] = {
	TDH_MNG_ADDCX, TDH_MEM_PAGE_ADD, TDH_MEM_SEPT_ADD, TDH_VP_ADDCX, TDH_MEM_PAGE_AUG,
	TDH_MEM_RANGE_BLOCK, TDH_MNG_KEY_CONFIG, TDH_MNG_CREATE, TDH_VP_CREATE, TDH_MNG_RD,
	TDH_MEM_RD, TDH_MEM_WR, TDH_MR_EXTEND, TDH_MR_FINALIZE, TDH_VP_FLUSH,
	TDH_MNG_VPFLUSHDONE, TDH_MNG_KEY_FREEID, TDH_MNG_INIT, TDH_VP_INIT,
	TDH_PHYMEM_PAGE_RDMD, TDH_MEM_SEPT_RD, TDH_VP_RD, TDH_MNG_KEY_RECLAIMID,
	TDH_PHYMEM_PAGE_RECLAIM, TDH_MEM_PAGE_REMOVE, TDH_MEM_SEPT_REMOVE, TDH_SYS_KEY_CONFIG,
	TDH_SYS_INFO, TDH_SYS_INIT, TDH_SYS_RD, TDH_SYS_LP_INIT, TDH_SYS_TDMR_INIT,
	TDH_SYS_RDALL, TDH_MEM_TRACK, TDH_MEM_RANGE_UNBLOCK, TDH_PHYMEM_CACHE_WB,
	TDH_PHYMEM_PAGE_WBINVD, TDH_VP_WR, TDH_SYS_LP_SHUTDOWN, TDH_SYS_CONFIG, TDH_SYS_UPDATE,
};

static void make_call(struct fz *f, struct tdx_module_args *a)
{
	uint64_t leaf = leaves[below(f, TDX_ARRAY_SIZE(leaves))];

	/* Every GPR random first, so clobbered ones show. */
	a->rcx = rnd(f);
	a->rdx = rnd(f);
	a->r8 = rnd(f);
	a->r9 = rnd(f);
	a->r10 = rnd(f);
	a->r11 = rnd(f);
	a->r12 = rnd(f);
	a->r13 = rnd(f);
	a->r14 = rnd(f);
	a->r15 = rnd(f);
	a->rbx = rnd(f);
	a->rdi = rnd(f);
	a->rsi = rnd(f);
	if (chance(f, 3)) {
		/* Any leaf number, any version, or reserved RAX bits. */
		leaf = rnd(f) & (chance(f, 50) ? 0xFF : TDX_GENMASK(62, 0));
		if ((leaf & 0xFFFF) == TDH_VP_ENTER || (leaf & 0xFFFF) == TDH_SYS_SHUTDOWN)
			leaf |= TDX_BIT(40);
		a->rax = leaf;
		return;
	}
	a->rax = leaf;
	if (chance(f, 3))
		a->rax |= TDX_LEAF_VERSION(below(f, 3));
	switch (leaf) {
	case TDH_MNG_ADDCX:
	case TDH_VP_CREATE:
		a->rcx = pick_pa(f);
		a->rdx = pick_tdr(f);
		break;
	case TDH_MEM_PAGE_ADD:
		a->rcx = pick_gpa(f);
		a->rdx = pick_tdr(f);
		a->r8 = chance(f, 40) ? f->pool[below(f, NR_POOL)] : pick_pa(f);
		a->r9 = chance(f, 50) ? f->a.src : pick_pa(f);
		break;
	case TDH_MEM_SEPT_ADD:
	case TDH_MEM_PAGE_AUG:
		a->rcx = pick_gpa(f);
		a->rdx = pick_tdr(f);
		a->r8 = chance(f, 10) ? f->pool2m :
			chance(f, 40) ? f->pool[below(f, NR_POOL)] : pick_pa(f);
		break;
	case TDH_MEM_RANGE_BLOCK:
	case TDH_MEM_RANGE_UNBLOCK:
	case TDH_MEM_PAGE_REMOVE:
	case TDH_MEM_SEPT_REMOVE:
	case TDH_MEM_SEPT_RD:
		a->rcx = pick_gpa(f);
		a->rdx = pick_tdr(f);
		break;
	case TDH_MEM_RD:
	case TDH_MEM_WR:
		a->rcx = (pick_gpa(f) & ~7ULL) + (chance(f, 80) ? 8 * below(f, 512) : below(f, 4096));
		a->rdx = pick_tdr(f);
		break;
	case TDH_MR_EXTEND:
		a->rcx = (pick_gpa(f) & ~0xFFFULL) + (chance(f, 80) ? 256 * below(f, 16) : below(f, 4096));
		a->rdx = pick_tdr(f);
		break;
	case TDH_MNG_VPFLUSHDONE:
	case TDH_MNG_KEY_FREEID:
		/* Mostly not a live TD: a torn-down world refuses everything else. */
		a->rcx = chance(f, 75) ? pick_pa(f) : pick_tdr(f);
		break;
	case TDH_MNG_KEY_CONFIG:
	case TDH_MNG_KEY_RECLAIMID:
	case TDH_MEM_TRACK:
	case TDH_MR_FINALIZE:
		a->rcx = pick_tdr(f);
		break;
	case TDH_MNG_CREATE:
		a->rcx = pick_pa(f);
		a->rdx = pick_hkid(f);
		break;
	case TDH_MNG_RD:
		a->rcx = pick_tdr(f);
		a->rdx = pick_field(f);
		break;
	case TDH_MNG_INIT:
		a->rcx = pick_tdr(f);
		a->rdx = chance(f, 50) ? f->c.params : pick_pa(f);
		break;
	case TDH_VP_ADDCX:
	case TDH_VP_INIT:
	case TDH_VP_RD:
	case TDH_VP_WR:
	case TDH_VP_FLUSH:
		a->rcx = pick_pa(f);
		a->rdx = chance(f, 50) ? pick_pa(f) : pick_field(f);
		break;
	case TDH_PHYMEM_PAGE_RDMD:
	case TDH_PHYMEM_PAGE_RECLAIM:
		a->rcx = pick_pa(f);
		break;
	case TDH_PHYMEM_PAGE_WBINVD:
		a->rcx = mh_pa_keyid(f->mh, pick_pa(f), any_keyid(f));
		break;
	case TDH_PHYMEM_CACHE_WB:
		a->rcx = chance(f, 80) ? below(f, 3) : rnd(f);
		break;
	case TDH_SYS_INFO:
		a->rcx = pick_pa(f);
		a->rdx = chance(f, 70) ? 1024 : rnd(f) % 8192;
		a->r8 = pick_pa(f);
		a->r9 = chance(f, 70) ? 32 : rnd(f) % 64;
		break;
	case TDH_SYS_INIT:
		a->rcx = chance(f, 70) ? 0 : rnd(f);
		break;
	case TDH_SYS_RD:
		a->rdx = pick_field(f);
		break;
	case TDH_SYS_RDALL:
		a->rdx = pick_pa(f);
		a->r8 = pick_field(f);
		break;
	case TDH_SYS_TDMR_INIT:
		a->rcx = chance(f, 70) ? (uint64_t)below(f, 8) << 30 : pick_pa(f);
		break;
	case TDH_SYS_CONFIG:
		a->rcx = pick_pa(f);
		a->rdx = below(f, 70);
		a->r8 = pick_hkid(f);
		break;
	default:
		break;
	}
}

static bool is_dead(uint64_t st)
{
	return st == TDX_SEAMCALL_UD || st == TDX_SEAMCALL_GP || st == TDX_SEAMCALL_VMFAILINVALID ||
	       st == TDX_SW_ERROR;
}

#define ULL(x) ((unsigned long long)(x))

static void report(struct fz *f, unsigned long long seed, unsigned int round, unsigned int it,
		   const struct tdx_module_args *in, uint64_t st, unsigned int cpu, const char *why)
{
	fail_msg("%s\n  seed %llu (MALICIOUS_SEED=%llu), round %u, iteration %u, CPU %u\n"
		 "  in:  RAX 0x%llx RCX 0x%llx RDX 0x%llx R8 0x%llx R9 0x%llx\n"
		 "  status 0x%016llx\n"
		 "  world: A TDR 0x%llx (HKID %u), B TDR 0x%llx (HKID %u), C TDR 0x%llx, pool 0x%llx",
		 why, seed, seed, round, it, cpu, ULL(in->rax), ULL(in->rcx), ULL(in->rdx),
		 ULL(in->r8), ULL(in->r9), ULL(st), ULL(f->a.tdr), f->a.hkid, ULL(f->b.tdr),
		 f->b.hkid, ULL(f->c.tdr), ULL(f->pool2m));
}

static void check_call(struct fz *f, unsigned long long seed, unsigned int round,
		       unsigned int it, unsigned int cpu, const struct tdx_module_args *in,
		       const struct tdx_module_args *out, uint64_t st)
{
	char msg[600];
	char why[700];
	unsigned int leaf = (unsigned int)(in->rax & 0xFF);
	/* FZ_TRACE=1 prints every call, to find the one that went wrong. */
	if (getenv("FZ_TRACE"))
		fprintf(stderr, "it %u: RAX 0x%llx RCX 0x%llx RDX 0x%llx R8 0x%llx R9 0x%llx -> 0x%llx\n",
			it, ULL(in->rax), ULL(in->rcx), ULL(in->rdx), ULL(in->r8), ULL(in->r9),
			ULL(st));

	if (is_dead(st))
		report(f, seed, round, it, in, st, cpu, "SEAMCALL did not reach the module");
	/* No leaf outputs R12..R15, RBX, RDI, RSI; R10/R11 only on success. */
	if (out->r12 != in->r12 || out->r13 != in->r13 || out->r14 != in->r14 ||
	    out->r15 != in->r15 || out->rbx != in->rbx || out->rdi != in->rdi ||
	    out->rsi != in->rsi ||
	    (st != TDX_SUCCESS && (out->r10 != in->r10 || out->r11 != in->r11)))
		report(f, seed, round, it, in, st, cpu, "a register that is no output changed");
	mh_snap_take(f->mh, &f->now);
	if (st != TDX_SUCCESS) {
		f->refused++;
		f->per_leaf_refused[leaf]++;
		if (mh_snap_diff(&f->prev, &f->now, (st & TDX_STATUS_NON_RECOVERABLE) != 0, msg,
				 sizeof(msg))) {
			snprintf(why, sizeof(why), "a refused call changed state: %s", msg);
			report(f, seed, round, it, in, st, cpu, why);
		}
	} else {
		f->ok++;
		f->per_leaf_ok[leaf]++;
	}
	f->prev = f->now;
}

/*
 * The snapshot must see what a call could change: a host write to a pool
 * page, and a PAGE.ADD (PAMT, SEPT, CHLDCNT).  Then a fresh baseline.
 */
static void oracle_self_check(struct fz *f)
{
	char msg[600];
	const uint8_t b = 0x5C;

	f->now = f->prev;	/* the same lists */
	mh_write(f->mh, f->pool[NR_POOL - 1] + 100, &b, 1);
	mh_snap_take(f->mh, &f->now);
	assert_true(mh_snap_diff(&f->prev, &f->now, false, msg, sizeof(msg)));
	f->prev = f->now;
	assert_status(mh_call(f->mh, TDH_MEM_PAGE_ADD, (uint64_t)f->a.nr_pages * MH_PAGE, f->a.tdr,
			      f->pool[NR_POOL - 2], f->a.src), TDX_SUCCESS);
	mh_snap_take(f->mh, &f->now);
	assert_true(mh_snap_diff(&f->prev, &f->now, false, msg, sizeof(msg)));
	f->prev = f->now;
}

static unsigned long long fuzz_seed(void)
{
	const char *env = getenv("MALICIOUS_SEED");

	if (env && *env)
		return strtoull(env, NULL, 0);
	return (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
}

static void test_operand_fuzz(void **state)
{
	const char *env = getenv("MALICIOUS_ITERATIONS");
	unsigned long total = env && *env ? strtoul(env, NULL, 0) : 2000;
	unsigned long long seed = fuzz_seed();
	struct fz *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = NULL;
	print_message("operand fuzz: seed %llu (replay with MALICIOUS_SEED=%llu), %lu calls\n",
		      seed, seed, total);
	for (unsigned int round = 0; round < ROUNDS; round++) {
		unsigned long n = total / ROUNDS + (round < total % ROUNDS);

		f->rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + round;
		f->mh = mh_boot();
		*state = f->mh;
		world(f);
		if (round == 0)
			oracle_self_check(f);
		f->now = f->prev;
		for (unsigned int it = 0; it < n; it++) {
			struct tdx_module_args in, out;
			unsigned int cpu = below(f, f->mh->nr_lps);
			uint64_t st;

			make_call(f, &in);
			out = in;
			st = mh_sc(f->mh, cpu, &out);
			f->calls++;
			check_call(f, seed, round, it, cpu, &in, &out, st);
		}
		/* Still a working module at the end of the round. */
		assert_status(mh_call_out(f->mh, TDH_SYS_RD, 0, MD_SYS_NUM_CMRS, 0, 0, NULL),
			      TDX_SUCCESS);
		mh_destroy(f->mh);
		*state = NULL;
	}
	print_message("operand fuzz: %lu calls, %lu succeeded, %lu refused with nothing changed\n",
		      f->calls, f->ok, f->refused);
	for (unsigned int l = 0; l < 256; l++) {
		if (!f->per_leaf_ok[l] && !f->per_leaf_refused[l])
			continue;
		if (l > TDH_SYS_UPDATE) {
			f->per_leaf_refused[255] += l == 255 ? 0 : f->per_leaf_refused[l];
			continue;
		}
		print_message("  leaf %3u: %4lu ok %5lu refused\n", l, f->per_leaf_ok[l],
			      f->per_leaf_refused[l]);
	}
	print_message("  other leaves: %lu refused\n", f->per_leaf_refused[255]);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_operand_fuzz),
	};

	return cmocka_run_group_tests_name("malicious host: operand fuzz", tests, NULL, NULL);
}

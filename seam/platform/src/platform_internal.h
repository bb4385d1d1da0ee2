/*
 * Private state of the emulated platform.  Only seam/platform/src sees it.
 */
#ifndef TDX_PLATFORM_INTERNAL_H
#define TDX_PLATFORM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "mktme.h"
#include "platform.h"

struct lp_msrs {
	uint64_t mtrrcap;
	uint64_t seamrr_base;
	uint64_t seamrr_mask;
	uint64_t smrr_base;
	uint64_t smrr_mask;
	uint64_t tme_capability;
	uint64_t tme_activate;
	uint64_t keyid_partitioning;
	uint64_t sgx_debug_mode;
	uint64_t bios_done;
	uint64_t core_thread_count;
};

struct plat_lp {
	struct platform *plat;
	unsigned int index;
	unsigned int package;
	uint32_t x2apic_id;

	/* The LP's thread and its one-slot work queue. */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*work_fn)(struct plat_lp *lp, void *arg);
	void *work_arg;
	bool work_pending;
	bool quit;

	_Atomic int run_state;		/* enum lp_run_state */
	enum lp_mode mode;
	bool smxe;
	bool vmxon;
	uint64_t current_vmcs;
	struct lp_msrs msr;

	/* The SEAM transfer VMCS: where SEAMCALL to the module lands. */
	seam_entry_fn module_entry;
	void *module_ctx;
};

struct mktme_key {
	uint8_t key[MKTME_KEY_BYTES];
	uint32_t gen;			/* bumps when the key value changes */
	bool set;
	uint64_t programmed_pkgs;	/* bitmap of packages holding this key */
	bool no_encrypt;
};

/* Line metadata word: KeyID, TD-owner, poison, and the key generation. */
#define LINE_KEYID_MASK		0x7FFFULL
#define LINE_TD_OWNER		(1ULL << 15)
#define LINE_POISON		(1ULL << 16)
#define LINE_GEN_SHIFT		32
#define PMEM_NR_LOCKS		256

struct platform {
	struct platform_config cfg;
	unsigned int nr_lps;
	struct plat_lp *lps;

	uint8_t *dram;
	int dram_fd;			/* the memory file behind dram */
	uint64_t *meta;
	uint64_t nr_lines;
	pthread_mutex_t line_locks[PMEM_NR_LOCKS];

	unsigned int nr_keyids;		/* 1 << keyid_bits */
	struct mktme_key *keys;
	pthread_mutex_t key_lock;

	unsigned int nr_cmrs;
	struct platform_range cmr[PLATFORM_MAX_CMRS];

	bool seam_enabled;
	struct platform_range seamrr;
	struct mcheck_sysinfo sysinfo;

	pthread_mutex_t seam_lock;	/* entries and SEAMEXTEND */
	seam_entry_fn pseamldr_entry;
	void *pseamldr_ctx;
	atomic_flag pseamldr_busy;	/* one LP inside P-SEAMLDR at a time */
	struct seamextend seamextend;

	uint8_t root_secret[32];

	pthread_rwlock_t shared_ept_lock;
	shared_ept_fn shared_ept;
	void *shared_ept_ctx;
	poison_fn poison;		/* under shared_ept_lock too */
	void *poison_ctx;
	lp_interrupt_fn lp_intr;	/* and this */
	void *lp_intr_ctx;
};

int lp_threads_start(struct platform *plat);
void lp_threads_stop(struct platform *plat);
void lp_msrs_reset(struct plat_lp *lp);
int mktme_init(struct platform *plat);
void mktme_fini(struct platform *plat);
bool mktme_tme_enabled(const struct platform *plat);

/*
 * Transform one line from the ciphertext of (from_keyid, from_gen) to what
 * a reader under to_keyid sees: decrypt(to, encrypt(from, line)).
 */
void mktme_cross_key_line(struct platform *plat, uint64_t line_pa,
			  hkid_t from_keyid, uint32_t from_gen, hkid_t to_keyid,
			  uint8_t line[64]);
/* Ciphertext of one line as a physical attacker sees it. */
void mktme_encrypt_line(struct platform *plat, uint64_t line_pa, hkid_t keyid,
			uint32_t gen, const uint8_t in[64], uint8_t out[64]);
uint32_t mktme_key_gen(struct platform *plat, hkid_t keyid);

#endif /* TDX_PLATFORM_INTERNAL_H */

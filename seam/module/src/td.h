/*
 * Trust domains as the module keeps them: the TDR (root, in a page under
 * the global private KeyID) and the TDCS (control structure, in TDCX pages
 * under the TD's own KeyID).  The module's native copy is authoritative;
 * the pages are initialized and owned so the host can neither read nor
 * silently change them (a host write poisons them and the module's next
 * integrity check of the TDR turns into TDX_NON_RECOVERABLE_TD_CORRUPTED_MD).
 *
 * TD lifecycle (TDR.LIFECYCLE_STATE), written only by td_lifecycle_transition():
 *   HKID_ASSIGNED --MNG.KEY.CONFIG on every package--> KEYS_CONFIGURED
 *   HKID_ASSIGNED, KEYS_CONFIGURED --MNG.VPFLUSHDONE--> BLOCKED
 *   BLOCKED --MNG.KEY.FREEID--> TEARDOWN
 * OP_STATE (TDCS), written only by op_state_transition():
 *   UNINITIALIZED --MNG.INIT--> INITIALIZED --MR.FINALIZE--> RUNNABLE
 *
 * Key Ownership Table per HKID: FREE --MNG.CREATE--> ASSIGNED
 *   --VPFLUSHDONE--> FLUSHED --KEY.FREEID--> FREE; the global KeyID is
 *   RESERVED from SYS.CONFIG on.
 *
 * Locking: the module's td_list_lock guards the list; each TD has a lock
 * taken with trylock by every leaf that names its TDR, so contention is
 * TDX_OPERAND_BUSY on the TDR, never a wait.  Pages named as operands are
 * locked the same way in a hashed table (module.h page locks).
 */
#ifndef TDX_MODULE_TD_H
#define TDX_MODULE_TD_H

#include <pthread.h>
#include <stdbool.h>

#include <openssl/evp.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>

struct tdx_module;
struct plat_lp;
struct td_vm;

enum td_lifecycle {
	TD_HKID_ASSIGNED = 0,
	TD_KEYS_CONFIGURED = 1,
	TD_BLOCKED = 2,
	TD_TEARDOWN = 3,
	TD_LIFECYCLE_NR,
};

enum op_state {
	OP_STATE_UNINITIALIZED = 0,
	OP_STATE_INITIALIZED = 1,
	OP_STATE_RUNNABLE = 2,
	OP_STATE_NR,
};

enum kot_state {
	KOT_FREE = 0,
	KOT_ASSIGNED = 1,
	KOT_FLUSHED = 2,
	KOT_RESERVED = 3,
};

#define TD_MAX_TDCX	(MODULE_TDCS_PAGES)
#define TD_MAX_SHARED	256	/* = TD_VM_MAX_SHARED */
#define MODULE_TDCS_PAGES	6

struct td {
	struct td *next;
	pthread_mutex_t lock;
	uint64_t tdr_pa;
	hkid_t hkid;
	uint8_t key[32];
	enum td_lifecycle lifecycle;
	uint64_t pkg_config_bitmap;
	bool fatal;
	unsigned int num_tdcx;
	uint64_t tdcx_pa[TD_MAX_TDCX];
	uint64_t chldcnt;

	/* TDCS */
	enum op_state op_state;
	uint64_t attributes;
	uint64_t xfam;
	uint16_t max_vcpus;
	uint64_t eptp;
	uint64_t config_flags;
	uint16_t tsc_frequency;
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint8_t mrtd[48];
	uint8_t rtmr[4][48];
	EVP_MD_CTX *mrtd_ctx;
	uint32_t cpuid_values[12][4];	/* EAX..EDX per configurable leaf */
	uint64_t hp_lock_timeout;
	uint64_t vm_ctls[4];
	uint64_t notify_enables;
	unsigned int num_vcpus;
	unsigned int num_assoc_vcpus;
	uint64_t td_epoch;
	/*
	 * vCPUs inside the TD that entered in an even / odd epoch (TDCS
	 * REFCOUNT): VP.ENTER counts itself in at entry and out at its TD
	 * exit.  TLB tracking of a page blocked in epoch B is done once the
	 * epoch moved past B and nobody who entered in B is still inside.
	 */
	unsigned int epoch_refcount[2];

	/* Execution (tdh_vp_enter.c): the TD's KVM VM, made at the first VP.ENTER. */
	struct td_vm *engine;
	/* The shared EPT the host set up (shared_ept.c); entry i is engine slot i. */
	struct td_shared_range {
		uint64_t gpa;
		uint64_t size;		/* 0: unused */
		uint8_t *hva;
	} shared[TD_MAX_SHARED];

	/*
	 * TDCS.TD_CTLS (reference 4.2): bit 0 PENDING_VE_DISABLE, set at
	 * MNG.INIT from ATTRIBUTES.SEPT_VE_DISABLE, then the guest's to
	 * change (TDG.VM.WR).  The #VE path still reads the attribute.
	 */
	uint64_t td_ctls;
};

/* The TD's guest physical width (CONFIG_FLAGS.GPAW) and its shared bit (6.2). */
static inline unsigned int td_gpaw(const struct td *td)
{
	return (td->config_flags & TDX_BIT(0)) ? 52 : 48;
}

static inline uint64_t td_shared_bit(const struct td *td)
{
	return 1ULL << (td_gpaw(td) - 1);
}

/* td.c */
struct td *td_alloc(struct tdx_module *mod, uint64_t tdr_pa);
void td_free(struct tdx_module *mod, struct td *td);
bool td_lifecycle_transition(struct td *td, enum td_lifecycle to);
bool op_state_transition(struct td *td, enum op_state to);

/*
 * td_check_state() - the gate every leaf that uses the TDCS passes, in the
 * module's order: keys configured (not after VPFLUSHDONE), TDCX pages all
 * added, not fatal (unless @fatal_ok), OP_STATE one of @op_states (a mask
 * of OPS() bits).
 */
#define OPS(s)	(1u << (s))
#define OPS_BUILT	(OPS(OP_STATE_INITIALIZED) | OPS(OP_STATE_RUNNABLE))
tdx_status_t td_check_state(const struct td *td, unsigned int op_states, bool fatal_ok);

/*
 * td_get_locked() - the TD whose TDR is at @tdr_pa, locked: checks the PA
 * operand (alignment, KeyID bits, TDMR), the PAMT page type, and the TDR
 * page's integrity.  Returns TDX_SUCCESS with *@out locked, or the status
 * blaming @operand.
 */
tdx_status_t td_get_locked(struct tdx_module *mod, struct plat_lp *lp, uint64_t tdr_pa,
			   uint32_t operand, struct td **out);
void td_unlock(struct td *td);
/*
 * td_lookup_trylock() - the TD whose TDR is @tdr_pa, locked, for calls that
 * are not SEAMCALLs (the shared EPT).  NULL if there is none,
 * TD_LOOKUP_BUSY if its lock is taken.
 */
#define TD_LOOKUP_BUSY	((struct td *)1)
struct td *td_lookup_trylock(struct tdx_module *mod, uint64_t tdr_pa);
/* td_release() - unlock @td at a leaf's end and return @st. */
tdx_status_t td_release(struct td *td, tdx_status_t st);

/*
 * A page operand the host gives to become a TD page: 4 KiB aligned, no
 * KeyID bits, in an initialized TDMR part, PT_NDA, not locked by another
 * LP.  On success the page is locked (page_unlock() when done).
 */
struct pamt_ref;
tdx_status_t td_check_ndapage(struct tdx_module *mod, struct plat_lp *lp, uint64_t pa,
			      uint32_t operand, struct pamt_ref *ref);

/*
 * td_private_read() - read @len bytes of the TD's private memory at @pa
 * under its key.  A failed integrity check makes the TD fatal and returns
 * TDX_NON_RECOVERABLE_TD_CORRUPTED_MD.
 */
tdx_status_t td_private_read(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t pa, void *buf, size_t len);

/* Hashed per-page locks: trylock, never wait. */
bool page_trylock(struct tdx_module *mod, uint64_t pa);
void page_unlock(struct tdx_module *mod, uint64_t pa);

/* KOT */
enum kot_state kot_get(const struct tdx_module *mod, hkid_t hkid);
void kot_set(struct tdx_module *mod, hkid_t hkid, enum kot_state s);

#endif /* TDX_MODULE_TD_H */

/*
 * Test fixture for the SEAM loader path: a machine brought up to the
 * point where the host would call SEAMLDR.INSTALL (firmware and MCHECK
 * passed, NP-SEAMLDR launched, every CPU in VMX operation), plus helpers
 * to build signed modules, stage them in host memory and make raw
 * P-SEAMLDR and module SEAMCALLs.
 *
 * Every helper fails the running cmocka test when the setup itself goes
 * wrong; the SEAMCALL helpers return RAX untouched so tests can tell a
 * P-SEAMLDR status from TDX_SEAMCALL_VMFAILINVALID / _UD / _GP.
 */
#ifndef TDX_TEST_LOADER_FIXTURE_H
#define TDX_TEST_LOADER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <tdxctl/tdxctl.h>

#include "seam_machine.h"
#include "tdx_host.h"

#define LOADER_FX_MAX_LPS	64

struct loader_fixture_opts {
	unsigned int lps;			/* "lps=N" after the overrides; 0 = default (2) */
	const char *const *overrides;		/* NULL-terminated "key=value", applied last */
	bool no_start_cpus;			/* stop after NP-SEAMLDR (no VMXON) */
	const struct tdxctl_acm_opts *acm;	/* build an ACM with these; NULL = firmware file */
};

struct loader_fixture {
	struct seam_machine *m;
	struct platform *plat;
	struct tdx_host *host;
	EVP_PKEY *key;				/* the fused test vendor key */
	unsigned int nr_lps;
	struct mcheck_result mcheck;
	uint64_t np_status;
	uint8_t *acm;				/* the ACM that was launched */
	size_t acm_len;
};

/*
 * loader_fixture_create() - power on, firmware, MCHECK, host, NP-SEAMLDR
 * and (unless @o->no_start_cpus) APs + VMXON.  @o may be NULL.
 */
struct loader_fixture *loader_fixture_create(const struct loader_fixture_opts *o);
/* loader_fixture_lps() - the common case: @lps LPs, optional overrides. */
struct loader_fixture *loader_fixture_lps(unsigned int lps, const char *const *overrides);
void loader_fixture_destroy(struct loader_fixture *fx);

/* ---- modules ---- */

struct loader_module_opts {
	struct tdxctl_module_image_opts img;
	struct tdxctl_sign_opts sign;
	EVP_PKEY *key;				/* NULL = the fixture's vendor key */
	const char *impl;			/* overrides the image's IMPL name */
};

struct loader_module {
	uint8_t *image;
	size_t len;				/* whole pages */
	uint64_t nr_pages;
	struct seam_sigstruct sig;
};

/* The defaults of tdxctl, with a 4-page image. */
void loader_module_opts_init(struct loader_module_opts *o);
/* Build and sign a module; fails the test on error. */
void loader_module_build(struct loader_fixture *fx, const struct loader_module_opts *o,
			 struct loader_module *out);
/* A module from a TDX-BLOB file (copied). */
void loader_module_from_blob(const char *path, struct loader_module *out);
/* Re-sign @mod->sig with @key (NULL = the vendor key) after editing it. */
void loader_module_resign(struct loader_fixture *fx, struct loader_module *mod, EVP_PKEY *key);
void loader_module_free(struct loader_module *mod);

/* ---- staging in host memory ---- */

struct loader_staged {
	uint64_t params_pa;
	uint64_t sig_pa;
	uint64_t pages_pa;			/* nr_pages contiguous pages */
	uint64_t nr_pages;
	struct seamldr_params params;		/* what is at params_pa */
};

/*
 * loader_stage() - copy @mod's sigstruct and pages into host pages and
 * write a SEAMLDR_PARAMS for @scenario; returns the params PA.
 */
uint64_t loader_stage(struct loader_fixture *fx, const struct loader_module *mod,
		      uint32_t scenario, struct loader_staged *st);
/* Rewrite the params page from @st->params after a test edited it. */
void loader_stage_write_params(struct loader_fixture *fx, const struct loader_staged *st);
/* Rewrite the sigstruct page. */
void loader_stage_write_sig(struct loader_fixture *fx, const struct loader_staged *st,
			    const struct seam_sigstruct *sig);
void loader_unstage(struct loader_fixture *fx, struct loader_staged *st);

/* ---- raw SEAMCALLs ---- */

/* SEAMLDR.INSTALL on @cpu; returns RAX, RDX in @rdx (may be NULL). */
uint64_t loader_install_on(struct loader_fixture *fx, unsigned int cpu, uint64_t params_pa,
			   uint64_t *rdx);
/*
 * loader_install_all() - INSTALL on CPUs 0..N-1 in order; every call
 * but the last must answer SUCCESS.  Returns the last LP's RAX.
 */
uint64_t loader_install_all(struct loader_fixture *fx, uint64_t params_pa, uint64_t *rdx);
/* Stage, install on every LP, unstage: returns the last LP's RAX. */
uint64_t loader_install_module(struct loader_fixture *fx, const struct loader_module *mod,
			       uint32_t scenario);

/* SEAMLDR.INFO into a buffer at @pa (raw: no checks). */
uint64_t loader_info_at(struct loader_fixture *fx, unsigned int cpu, uint64_t pa);
/* SEAMLDR.INFO on @cpu into @info (through a fresh host page). */
uint64_t loader_info(struct loader_fixture *fx, unsigned int cpu, struct seamldr_info *info);
/* SEAMLDR.SEAMINFO on @cpu into @info. */
uint64_t loader_seaminfo(struct loader_fixture *fx, unsigned int cpu, struct mcheck_sysinfo *info);
uint64_t loader_shutdown(struct loader_fixture *fx, unsigned int cpu);
uint64_t loader_cleanup(struct loader_fixture *fx, unsigned int cpu);
/* Any P-SEAMLDR or module SEAMCALL with @rax / @rcx. */
uint64_t loader_seamcall(struct loader_fixture *fx, unsigned int cpu, uint64_t rax, uint64_t rcx);
/*
 * loader_module_seamcall() - TDH.SYS.RD to the module on @cpu: a TDX
 * status when a module answers, TDX_SEAMCALL_VMFAILINVALID when none.
 */
uint64_t loader_module_seamcall(struct loader_fixture *fx, unsigned int cpu);

/* ---- SEAM-side views ---- */

/* Read / write SEAMRR (or any PA) through the SEAM view on LP 0; 0 or -errno. */
int loader_seam_read(struct loader_fixture *fx, uint64_t pa, void *buf, size_t len);
int loader_seam_write(struct loader_fixture *fx, uint64_t pa, const void *buf, size_t len);

/*
 * The resident module's handoff header (reference tdx-abi.md 5.6: the
 * first 8 bytes of its data region, which follows the SYSINFO_TABLE and
 * one SEAM VMCS per x2APIC id).  TDH.SYS.SHUTDOWN writes it; P-SEAMLDR
 * checks it on UPDATE.
 */
struct loader_handoff {
	uint8_t valid;
	uint8_t reserved;
	uint16_t hv;
	uint32_t size;
};
uint64_t loader_handoff_pa(struct loader_fixture *fx);
/*
 * loader_write_handoff() - stand in for the resident module's
 * TDH.SYS.SHUTDOWN so loader tests need no module bring-up.
 */
void loader_write_handoff(struct loader_fixture *fx, uint8_t valid, uint16_t hv, uint32_t size);
/* A valid handoff for @mod, then INSTALL (UPDATE) on every LP. */
uint64_t loader_update_module(struct loader_fixture *fx, const struct loader_module *mod);

/*
 * What a refused install must not change: SEAMEXTEND as INFO reports it,
 * NUM_REMAINING_UPDATES, each LP's module SEAMCALL answer, and digests of
 * the SEAMRR bytes a module install writes (SYSINFO/VMCS/data/tables,
 * stacks/code) and of P-SEAMLDR's record.
 */
struct loader_snapshot {
	struct seamextend ext;
	uint32_t num_remaining_updates;
	uint64_t module_rax[LOADER_FX_MAX_LPS];
	uint8_t low_digest[48];
	uint8_t high_digest[48];
	uint8_t record_digest[48];
};

void loader_snapshot(struct loader_fixture *fx, struct loader_snapshot *s);
/* Fails the test when the resident state differs from @s. */
void loader_assert_unchanged(struct loader_fixture *fx, const struct loader_snapshot *s);

/* SHA-384 through EVP directly (independent of the code under test). */
void loader_sha384(const void *data, size_t len, uint8_t out[48]);

#endif /* TDX_TEST_LOADER_FIXTURE_H */

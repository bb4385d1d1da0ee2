/*
 * The emulated TD quoting enclave: checks a TDREPORT the way
 * EVERIFYREPORT2 does and signs a DCAP quote v4 for it
 * (include/tdx/tdx_quote.h, attestation.md 1 and 2.3).
 *
 * The QE runs "on" the platform whose state directory it is opened with:
 * it reads that platform's root secret (platform_state.h) to derive the
 * report key, and its PKI (pki.h) for the attestation and PCK keys.
 */
#ifndef TDX_QGS_QE_H
#define TDX_QGS_QE_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_quote.h>

#include "emu_error.h"
#include "pki.h"

/* The QE auth data the quote carries: 32 bytes 00 01 .. 1f, as Intel's QE. */
#define QE_AUTH_DATA_SIZE	32

struct qe;

/**
 * qe_open() - the QE of the platform in @state_dir (created if missing).
 * The platform's CPUSVN is the emulated CPU's fused value
 * (platform_config_defaults()).
 */
int qe_open(const char *state_dir, struct qe **out, struct emu_error *err);
void qe_close(struct qe *qe);
const struct qgs_pki *qe_pki(const struct qe *qe);

/**
 * qe_verify_report() - EVERIFYREPORT2 on @report (@len bytes): REPORTTYPE
 * TDX, CPUSVN the platform's, TEE_TCB_INFO_HASH and TEE_INFO_HASH
 * recomputed, MAC checked with the report key.  0, or -EINVAL with @err
 * naming the field that did not match (-EIO when crypto fails).
 */
int qe_verify_report(const struct qe *qe, const void *report, size_t len,
		     struct emu_error *err);

/**
 * qe_quote() - verify @report, then produce its quote (malloc()ed, *@out,
 * *@out_len bytes).
 */
int qe_quote(const struct qe *qe, const void *report, size_t len, uint8_t **out,
	     size_t *out_len, struct emu_error *err);

#endif /* TDX_QGS_QE_H */

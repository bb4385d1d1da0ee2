/*
 * libtdxctl attestation: decode TDREPORTs and DCAP v4 TDX quotes, verify
 * a quote against a root CA and collateral, export the platform PKI.
 *
 * The verifier is written from reference/attestation.md, apart from the
 * signer in tools/tdx-qgs: it parses the quote with its own bounds checks
 * and checks it the way DCAP verifiers do (QVL, go-tdx-guest).  Every
 * failure fills @err with "<what>: <why>".
 */
#ifndef TDX_TDXCTL_ATTEST_H
#define TDX_TDXCTL_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <tdx/tdx_quote.h>

#include "emu_error.h"

/* ---- decoding ---- */

/** tdxctl_report_print() - @buf (@len bytes) as a TDREPORT, text or JSON. */
int tdxctl_report_print(FILE *out, const uint8_t *buf, size_t len, bool json,
			struct emu_error *err);

/* A parsed v4 quote: pointers into the caller's buffer, every size checked. */
struct tdxctl_quote {
	const struct tdx_quote_header *header;
	const struct tdx_quote_body *body;
	const struct tdx_quote_sig_data *sig;
	const uint8_t *qe_auth_data;
	size_t qe_auth_data_size;
	uint16_t inner_cert_type;
	const char *pck_chain;		/* PEM text, not NUL-terminated */
	size_t pck_chain_size;
	size_t declared_size;		/* 636 + signature_data_len */
};

/**
 * tdxctl_quote_parse() - check the structure of a v4 TDX quote: version,
 * attestation key type, TEE type, sizes of every nested part.  Trailing
 * bytes after the declared end are allowed (real quotes carry them).
 */
int tdxctl_quote_parse(const uint8_t *buf, size_t len, struct tdxctl_quote *q,
		       struct emu_error *err);

/** tdxctl_quote_print() - @buf as a quote, text or JSON. */
int tdxctl_quote_print(FILE *out, const uint8_t *buf, size_t len, bool json,
		       struct emu_error *err);

/* ---- verification ---- */

struct tdxctl_verify_policy {
	bool allow_debug;		/* TDATTRIBUTES.DEBUG set */
	bool allow_sept_ve_enabled;	/* TDATTRIBUTES.SEPT_VE_DISABLE clear */
	bool allow_out_of_date;		/* any TCB status but UpToDate/Revoked */
	const uint8_t *mrtd;		/* 48 bytes when set */
	const uint8_t *rtmr[4];
	const uint8_t *report_data;	/* 64 bytes when set */
	time_t now;			/* 0: the current time */
};

/* What a successful verification found. */
struct tdxctl_verify_result {
	char tcb_status[32];		/* the platform/TDX module TCB status */
	char qe_status[32];		/* the QE identity TCB status */
	char fmspc[13];
};

/**
 * tdxctl_quote_verify() - verify @buf against the trusted root CA in
 * @root_ca_pem and the collateral in @collateral_dir (files written by
 * `tdxctl pki export`: tcb-info.json, qe-identity.json,
 * tcb-signing-chain.pem, root-ca-crl.der, pck-crl.der).  Checks, in
 * order: quote structure and header values, the quote signature by the
 * attestation key, the PCK chain to the root with both CRLs, the QE
 * report signature by the PCK key, the key binding in the QE report
 * data, TCB info (signature, chain, FMSPC, PCE-ID, TDX module, TCB
 * level), the QE identity, then @policy.
 */
int tdxctl_quote_verify(const uint8_t *buf, size_t len, const char *root_ca_pem,
			const char *collateral_dir, const struct tdxctl_verify_policy *policy,
			struct tdxctl_verify_result *res, struct emu_error *err);

/* ---- the platform PKI ---- */

/* The files `tdxctl pki export` writes. */
#define TDXCTL_PKI_ROOT_CA		"root-ca.pem"
#define TDXCTL_PKI_ROOT_CRL		"root-ca-crl.der"
#define TDXCTL_PKI_PCK_CRL		"pck-crl.der"
#define TDXCTL_PKI_TCB_INFO		"tcb-info.json"
#define TDXCTL_PKI_QE_IDENTITY		"qe-identity.json"
#define TDXCTL_PKI_TCB_CHAIN		"tcb-signing-chain.pem"
#define TDXCTL_PKI_PCK_CRL_CHAIN	"pck-crl-issuer-chain.pem"

/**
 * tdxctl_pki_export() - the PKI of the platform in @state_dir (generated
 * there if missing), its root CA and collateral written to @out_dir.
 */
int tdxctl_pki_export(const char *state_dir, const char *out_dir, struct emu_error *err);

#endif /* TDX_TDXCTL_ATTEST_H */

/*
 * The emulated platform's attestation PKI and collateral, generated once
 * per platform state directory (platform_state.h) and kept in
 * DIR/pki/, in the shapes Intel's PCS serves (attestation.md 1.7, 1.8):
 *
 *   root-ca.pem / .key             "Intel SGX Root CA"-named, self-signed, P-256
 *   pck-platform-ca.pem / .key     "Intel SGX PCK Platform CA", signed by the root
 *   pck.pem / .key                 "Intel SGX PCK Certificate" with the SGX extension
 *   tcb-signing.pem / .key         "Intel SGX TCB Signing", signed by the root
 *   attestation-key.pem            the QE's ECDSA P-256 attestation key
 *   root-ca-crl.der                root CA CRL (CRL Number, AKI), empty
 *   pck-crl.der                    PCK platform CA CRL (CRL Number, AKI), empty
 *   tcb-info.json                  TDX TCB info v3, signed with the TCB signing key
 *   qe-identity.json               TD_QE identity v2, signed with the TCB signing key
 *   tcb-signing-chain.pem          TCB signing cert || root (TCB-Info-Issuer-Chain)
 *   pck-crl-issuer-chain.pem       PCK platform CA || root (SGX-PCK-CRL-Issuer-Chain)
 *
 * Every subject carries O = "tdx-emu" (not Intel Corporation), so these
 * certificates can never pass for Intel's even though the CNs match what
 * verifiers look for.
 */
#ifndef TDX_QGS_PKI_H
#define TDX_QGS_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include "emu_error.h"

#define PKI_DIR			"pki"
#define PKI_ORG			"tdx-emu"

/* What the platform's PCK certificate and the collateral say about it. */
struct pki_identity {
	uint8_t ppid[16];
	uint8_t cpusvn[16];		/* the platform's CPUSVN */
	uint8_t sgx_tcb_comp_svn[16];	/* = CPUSVN bytes, as on hardware */
	uint16_t pcesvn;
	uint8_t pce_id[2];
	uint8_t fmspc[6];
	uint8_t sgx_type;		/* 1: Scalable */
};

/* The emulated TD quoting enclave's identity (its SGX REPORT fields). */
#define PKI_QE_ISVPRODID	2
#define PKI_QE_ISVSVN		4
#define PKI_PCESVN		11
/* The PCE-ID, FMSPC tdx-emu reports: PCE-ID 0, FMSPC of an emulated SPR-like part. */
#define PKI_PCE_ID		{ 0x00, 0x00 }
#define PKI_FMSPC		{ 0x00, 0x80, 0x6F, 0x05, 0x00, 0x00 }

struct qgs_pki {
	EVP_PKEY *root_key, *ca_key, *pck_key, *tcb_key, *att_key;
	X509 *root, *ca, *pck, *tcb;
	X509_CRL *root_crl, *pck_crl;
	char *tcb_info;			/* the signed JSON documents */
	char *qe_identity;
	char *pck_chain_pem;		/* PCK leaf || platform CA || root */
	size_t pck_chain_len;
	struct pki_identity id;
	char dir[4096];			/* DIR/pki */
};

/**
 * pki_load_or_create() - the PKI of the platform in @state_dir: loaded
 * from @state_dir/pki, or generated there first (into a temporary
 * directory renamed into place, so concurrent creators agree).
 * @cpusvn: the platform's CPUSVN, written into the PCK certificate.
 */
int pki_load_or_create(const char *state_dir, const uint8_t cpusvn[16],
		       struct qgs_pki **out, struct emu_error *err);
void pki_free(struct qgs_pki *pki);

/* The QE's measurement and signer as the QE identity document states them. */
void pki_qe_mrenclave(uint8_t out[32]);
void pki_qe_mrsigner(uint8_t out[32]);

/**
 * collateral_tcb_info() / collateral_qe_identity() - the signed JSON
 * documents (malloc()ed, NUL-terminated) for @id, issued at @now, signed
 * with @signing_key: {"tcbInfo":{...},"signature":"<r||s hex>"}, the
 * signature over the exact bytes of the inner object.
 */
int collateral_tcb_info(const struct pki_identity *id, EVP_PKEY *signing_key, time_t now,
			char **out, struct emu_error *err);
int collateral_qe_identity(EVP_PKEY *signing_key, time_t now, char **out,
			   struct emu_error *err);

/**
 * pki_ecdsa_sign() - ECDSA-P256-SHA256 of @data with @key, as the raw
 * 64-byte r || s (big-endian) quotes and collateral carry.
 */
int pki_ecdsa_sign(EVP_PKEY *key, const void *data, size_t len, uint8_t sig[64]);
/** pki_ecdsa_pub() - @key's public point as raw X || Y, 64 bytes. */
int pki_ecdsa_pub(EVP_PKEY *key, uint8_t pub[64]);

#endif /* TDX_QGS_PKI_H */

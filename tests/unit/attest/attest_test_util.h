/*
 * Helpers for the attestation tests: a scratch platform state directory,
 * TDREPORTs made the way the TDX module makes them (hashes and MAC
 * computed here with OpenSSL directly), and the collateral exported for
 * a verifier.
 */
#ifndef TDX_TESTS_ATTEST_TEST_UTIL_H
#define TDX_TESTS_ATTEST_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_report.h>

/* A fresh directory under $TMPDIR, removed at exit. */
const char *at_tmpdir(void);
/* @name inside at_tmpdir(). */
void at_path(char *buf, size_t len, const char *name);

/*
 * A TDREPORT as the module on the platform of @state_dir would make it:
 * TD fields from @seed, SEPT_VE_DISABLE set, MAC'd with the report key of
 * that platform's root secret and the default CPUSVN.
 */
void at_make_report(const char *state_dir, unsigned int seed, struct tdreport_struct *rep);
/* Recompute the hashes and the MAC of @rep for @state_dir's platform. */
void at_seal_report(const char *state_dir, struct tdreport_struct *rep);

/* Read a whole file (fails the test on error); *len its size. */
uint8_t *at_read(const char *path, size_t *len);
void at_write(const char *path, const void *buf, size_t len);

#endif /* TDX_TESTS_ATTEST_TEST_UTIL_H */

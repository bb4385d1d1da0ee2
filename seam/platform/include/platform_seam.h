/*
 * CPU services only SEAM software may use: keys derived from the
 * platform's root secret, which never leaves the emulated CPU package.
 * Include this only from code that runs in SEAM (the TDX module and its
 * loaders) and from the emulated quoting enclave's report verification
 * (tools/tdx-qgs).  Callers outside SEAM get -EPERM at run time; the
 * header says who is meant to try.
 */
#ifndef TDX_PLATFORM_SEAM_H
#define TDX_PLATFORM_SEAM_H

#include <stdint.h>

struct plat_lp;

#define PLATFORM_REPORT_KEY_SIZE	32

/*
 * The info string of the report-key derivation.  A new version of the
 * derivation (or of the MAC it keys) changes the string, so reports from
 * an older emulator never verify by accident.
 */
#define PLATFORM_REPORT_KEY_LABEL	"tdx-emu TDREPORT MAC key v1"

/**
 * platform_report_key() - the key that MACs TDREPORTs on this platform.
 * @lp:  the calling LP; it must be in SEAM mode.
 * @out: PLATFORM_REPORT_KEY_SIZE bytes.
 *
 * key = HKDF-SHA-256(IKM  = the platform's 32-byte root secret,
 *                    salt = none (HKDF's all-zero salt),
 *                    info = PLATFORM_REPORT_KEY_LABEL || CPUSVN[16],
 *                    L    = 32)
 *
 * It is what the CPU's SEAMREPORT uses on hardware: private to the
 * package, the same on every LP and for every module loaded since power
 * on, and different after a CPUSVN change, so reports made before a
 * microcode (CPUSVN) update no longer verify.  TDG.MR.REPORT keys
 * HMAC-SHA-256 over REPORTMACSTRUCT bytes [0, 224) with it
 * (include/tdx/tdx_report.h).
 *
 * Return: 0; -EPERM when @lp is not in SEAM mode (@out untouched); -EIO
 * when the KDF fails.
 */
int platform_report_key(struct plat_lp *lp, uint8_t out[PLATFORM_REPORT_KEY_SIZE]);

/**
 * platform_report_key_derive() - the same derivation from a root secret
 * held outside an LP: the emulated quoting enclave, whose EVERIFYREPORT2
 * reads the secret from the platform state directory (platform_state.h).
 * platform_report_key() calls this; there is one implementation.
 * Return: 0, or -EIO when the KDF fails.
 */
int platform_report_key_derive(const uint8_t secret[32], const uint8_t cpusvn[16],
			       uint8_t out[PLATFORM_REPORT_KEY_SIZE]);

#endif /* TDX_PLATFORM_SEAM_H */

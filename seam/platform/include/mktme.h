/*
 * KeyIDs and their keys (the PCONFIG analogue).
 *
 * KeyID 0 is the TME key, KeyIDs 1..nr_mktme are shared MKTME KeyIDs the
 * host may program, nr_mktme+1..nr_mktme+nr_tdx are private TDX KeyIDs
 * that only SEAM may program.  Keys are per package: an access under a
 * KeyID needs that KeyID programmed on the accessing LP's package.  At
 * power-on KeyID 0 and the MKTME KeyIDs hold random keys on every package;
 * TDX KeyIDs hold none.
 */
#ifndef TDX_MKTME_H
#define TDX_MKTME_H

#include <stdbool.h>
#include <stdint.h>

#include <tdx/tdx_types.h>

struct platform;
struct plat_lp;

#define MKTME_KEY_BYTES 32	/* AES-XTS-128: data key then tweak key */

enum mktme_key_cmd {
	MKTME_KEYID_SET_KEY_DIRECT,
	MKTME_KEYID_SET_KEY_RANDOM,
	MKTME_KEYID_CLEAR_KEY,
};

enum mktme_keyid_kind {
	MKTME_KEYID_TME,
	MKTME_KEYID_SHARED,
	MKTME_KEYID_PRIVATE,
	MKTME_KEYID_INVALID,
};

/**
 * mktme_program_key() - PCONFIG on @lp's package.  Returns 0; -EINVAL for
 * a KeyID out of range or KeyID 0; -EPERM for a private KeyID outside SEAM.
 */
int mktme_program_key(struct plat_lp *lp, hkid_t keyid, enum mktme_key_cmd cmd,
		      const uint8_t key[MKTME_KEY_BYTES]);

enum mktme_keyid_kind mktme_keyid_kind(const struct platform *plat, hkid_t keyid);
bool mktme_keyid_programmed(const struct platform *plat, unsigned int package,
			    hkid_t keyid);

#endif /* TDX_MKTME_H */

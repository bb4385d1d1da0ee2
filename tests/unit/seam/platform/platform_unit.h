/*
 * Helpers shared by the seam/platform unit tests: build a platform or fail
 * the test, program a key from SEAM, turn SEAMRR protection on.
 */
#ifndef TDX_TESTS_UNIT_SEAM_PLATFORM_PLATFORM_UNIT_H
#define TDX_TESTS_UNIT_SEAM_PLATFORM_PLATFORM_UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fake_platform.h"
#include "mktme.h"
#include "platform_test.h"

/* Default KeyID split (31 MKTME, 32 TDX over 6 KeyID bits). */
#define UNIT_SHARED_A	((hkid_t)1)
#define UNIT_SHARED_B	((hkid_t)2)
#define UNIT_PRIV_A	((hkid_t)32)
#define UNIT_PRIV_B	((hkid_t)33)

/* A platform built from @overrides (NULL-terminated), or the test fails. */
static inline struct platform *unit_platform(const char *const *overrides, bool bios)
{
	struct platform *plat = bios ? fake_platform_create_bios(overrides) :
				       fake_platform_create(overrides);

	assert_non_null(plat);
	return plat;
}

struct unit_key_call {
	hkid_t keyid;
	enum mktme_key_cmd cmd;
	const uint8_t *key;
};

static inline int unit_key_fn(struct plat_lp *lp, void *arg)
{
	struct unit_key_call *c = arg;

	return mktme_program_key(lp, c->keyid, c->cmd, c->key);
}

/* PCONFIG from SEAM on LP @lp's thread; returns mktme_program_key()'s result. */
static inline int unit_seam_program_key(struct platform *plat, unsigned int lp,
					hkid_t keyid, enum mktme_key_cmd cmd,
					const uint8_t *key)
{
	struct unit_key_call c = { keyid, cmd, key };

	return fake_in_seam(plat, lp, unit_key_fn, &c);
}

/* A fixed AES-XTS-128 key whose halves differ, varied by @salt. */
static inline void unit_fill_key(uint8_t key[MKTME_KEY_BYTES], uint8_t salt)
{
	for (unsigned int i = 0; i < MKTME_KEY_BYTES; i++)
		key[i] = (uint8_t)(salt + 7 * i + 1);
}

/* MCHECK's verdict with the configured SEAMRR and an empty sysinfo table. */
static inline void unit_seam_enable(struct platform *plat)
{
	static const struct mcheck_sysinfo info;

	platform_seam_enable(plat, platform_cfg(plat)->seamrr, &info);
}

#endif /* TDX_TESTS_UNIT_SEAM_PLATFORM_PLATFORM_UNIT_H */

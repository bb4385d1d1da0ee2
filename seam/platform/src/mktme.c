/*
 * The memory controller's key table and its AES-XTS engine.
 *
 * DRAM keeps plaintext; encryption is computed where it can be observed:
 * a reader using another key than the writer, and the physical-attacker
 * view.  A key that has since been replaced is stood in for by a key
 * derived from the current one and the old generation, so stale lines
 * read back as garbage, never as the old plaintext.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <tdx/tdx_msr.h>

#include "pmem.h"
#include "platform_internal.h"

static int random_xts_key(uint8_t key[MKTME_KEY_BYTES])
{
	do {
		if (RAND_bytes(key, MKTME_KEY_BYTES) != 1)
			return -EIO;
		/* OpenSSL refuses XTS keys whose two halves are equal. */
	} while (!memcmp(key, key + 16, 16));
	return 0;
}

int mktme_init(struct platform *plat)
{
	uint64_t all_pkgs = (plat->cfg.nr_packages >= 64) ? ~0ULL :
			    ((1ULL << plat->cfg.nr_packages) - 1);

	plat->nr_keyids = 1U << plat->cfg.keyid_bits;
	plat->keys = calloc(plat->nr_keyids, sizeof(*plat->keys));
	if (!plat->keys)
		return -ENOMEM;
	pthread_mutex_init(&plat->key_lock, NULL);
	for (unsigned int k = 0; k < plat->nr_keyids; k++) {
		if (mktme_keyid_kind(plat, (hkid_t)k) == MKTME_KEYID_PRIVATE ||
		    mktme_keyid_kind(plat, (hkid_t)k) == MKTME_KEYID_INVALID)
			continue;
		if (random_xts_key(plat->keys[k].key))
			return -EIO;
		plat->keys[k].set = true;
		plat->keys[k].programmed_pkgs = all_pkgs;
	}
	return 0;
}

void mktme_fini(struct platform *plat)
{
	if (!plat->keys)
		return;
	OPENSSL_cleanse(plat->keys, plat->nr_keyids * sizeof(*plat->keys));
	free(plat->keys);
	plat->keys = NULL;
}

enum mktme_keyid_kind mktme_keyid_kind(const struct platform *plat, hkid_t keyid)
{
	unsigned int nr_mktme = plat->cfg.nr_mktme_keyids;
	unsigned int nr_tdx = plat->cfg.nr_tdx_keyids;

	if (keyid == 0)
		return MKTME_KEYID_TME;
	if (keyid <= nr_mktme && keyid < (1U << plat->cfg.keyid_bits))
		return MKTME_KEYID_SHARED;
	if (keyid <= nr_mktme + nr_tdx && keyid < (1U << plat->cfg.keyid_bits))
		return MKTME_KEYID_PRIVATE;
	return MKTME_KEYID_INVALID;
}

bool mktme_keyid_programmed(const struct platform *plat, unsigned int package,
			    hkid_t keyid)
{
	bool ret;

	if (keyid >= plat->nr_keyids || package >= 64)
		return false;
	pthread_mutex_lock((pthread_mutex_t *)&plat->key_lock);
	ret = plat->keys[keyid].set && (plat->keys[keyid].programmed_pkgs & (1ULL << package));
	pthread_mutex_unlock((pthread_mutex_t *)&plat->key_lock);
	return ret;
}

bool mktme_tme_enabled(const struct platform *plat)
{
	return (plat->lps[0].msr.tme_activate & TME_ACTIVATE_ENABLE) != 0;
}

uint32_t mktme_key_gen(struct platform *plat, hkid_t keyid)
{
	uint32_t gen;

	pthread_mutex_lock(&plat->key_lock);
	gen = plat->keys[keyid].gen;
	pthread_mutex_unlock(&plat->key_lock);
	return gen;
}

int mktme_program_key(struct plat_lp *lp, hkid_t keyid, enum mktme_key_cmd cmd,
		      const uint8_t key[MKTME_KEY_BYTES])
{
	struct platform *plat = lp_platform(lp);
	enum mktme_keyid_kind kind = mktme_keyid_kind(plat, keyid);
	struct mktme_key *k;
	uint8_t newkey[MKTME_KEY_BYTES];
	uint64_t pkg_bit = 1ULL << lp_package(lp);

	if (kind == MKTME_KEYID_INVALID || kind == MKTME_KEYID_TME)
		return -EINVAL;
	if (kind == MKTME_KEYID_PRIVATE && lp_mode(lp) != LP_MODE_SEAM)
		return -EPERM;
	if (cmd == MKTME_KEYID_SET_KEY_DIRECT && (!key || !memcmp(key, key + 16, 16)))
		return -EINVAL;
	if (cmd == MKTME_KEYID_SET_KEY_RANDOM && random_xts_key(newkey))
		return -EIO;
	if (cmd == MKTME_KEYID_SET_KEY_DIRECT)
		memcpy(newkey, key, sizeof(newkey));

	pthread_mutex_lock(&plat->key_lock);
	k = &plat->keys[keyid];
	if (cmd == MKTME_KEYID_CLEAR_KEY) {
		k->programmed_pkgs &= ~pkg_bit;
		if (!k->programmed_pkgs) {
			k->set = false;
			k->gen++;
		}
	} else if (cmd == MKTME_KEYID_SET_KEY_RANDOM && k->set && !(k->programmed_pkgs & pkg_bit)) {
		/*
		 * The emulated memory controller keeps one key per KeyID: a
		 * random key programmed on a further package adopts the key the
		 * other packages hold, so memory stays readable from all of them.
		 */
		k->programmed_pkgs |= pkg_bit;
	} else if (k->set && !memcmp(k->key, newkey, sizeof(newkey))) {
		/* The same key on another package: the line contents stay valid. */
		k->programmed_pkgs |= pkg_bit;
	} else {
		memcpy(k->key, newkey, sizeof(newkey));
		k->gen++;
		k->set = true;
		k->programmed_pkgs = pkg_bit;
	}
	pthread_mutex_unlock(&plat->key_lock);
	OPENSSL_cleanse(newkey, sizeof(newkey));
	return 0;
}

/* The key a line was written under, or a stand-in for a replaced one. */
static bool line_key(struct platform *plat, hkid_t keyid, uint32_t gen,
		     uint8_t out[MKTME_KEY_BYTES])
{
	struct mktme_key *k = &plat->keys[keyid];
	uint8_t buf[MKTME_KEY_BYTES + 4];
	uint8_t digest[SHA256_DIGEST_LENGTH];

	if (keyid == 0 && !mktme_tme_enabled(plat))
		return false;	/* TME off: KeyID 0 is plaintext */
	pthread_mutex_lock(&plat->key_lock);
	memcpy(buf, k->key, MKTME_KEY_BYTES);
	if (k->set && k->gen == gen) {
		memcpy(out, k->key, MKTME_KEY_BYTES);
		pthread_mutex_unlock(&plat->key_lock);
		return true;
	}
	pthread_mutex_unlock(&plat->key_lock);
	for (int i = 0; i < 4; i++)
		buf[MKTME_KEY_BYTES + i] = (uint8_t)(gen >> (8 * i));
	SHA256(buf, sizeof(buf), digest);
	memcpy(out, digest, MKTME_KEY_BYTES);
	if (!memcmp(out, out + 16, 16))
		out[0] ^= 1;
	return true;
}

static void xts_line(const uint8_t key[MKTME_KEY_BYTES], uint64_t line_pa, bool enc,
		     const uint8_t in[64], uint8_t out[64])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t tweak[16] = { 0 };
	int len = 0;

	for (int i = 0; i < 8; i++)
		tweak[i] = (uint8_t)(line_pa >> (8 * i));
	if (!ctx || !EVP_CipherInit_ex(ctx, EVP_aes_128_xts(), NULL, key, tweak, enc) ||
	    !EVP_CipherUpdate(ctx, out, &len, in, 64)) {
		/* An engine failure must never expose plaintext. */
		memset(out, 0xA5, 64);
	}
	EVP_CIPHER_CTX_free(ctx);
}

void mktme_encrypt_line(struct platform *plat, uint64_t line_pa, hkid_t keyid,
			uint32_t gen, const uint8_t in[64], uint8_t out[64])
{
	uint8_t key[MKTME_KEY_BYTES];

	if (!line_key(plat, keyid, gen, key)) {
		memcpy(out, in, 64);
		return;
	}
	xts_line(key, line_pa, true, in, out);
	OPENSSL_cleanse(key, sizeof(key));
}

void mktme_cross_key_line(struct platform *plat, uint64_t line_pa,
			  hkid_t from_keyid, uint32_t from_gen, hkid_t to_keyid,
			  uint8_t line[64])
{
	uint8_t ct[64];
	uint8_t key[MKTME_KEY_BYTES];

	mktme_encrypt_line(plat, line_pa, from_keyid, from_gen, line, ct);
	if (!line_key(plat, to_keyid, mktme_key_gen(plat, to_keyid), key)) {
		memcpy(line, ct, 64);
		return;
	}
	xts_line(key, line_pa, false, ct, line);
	OPENSSL_cleanse(key, sizeof(key));
}

/*
 * SHA-384 through OpenSSL without SSE.
 *
 * libcrypto's SHA384_Init and SHA512_Final move 16-byte values with SSE
 * instructions, and the hypervisor tdx-emu runs on (KVM PVM) cannot run
 * SSE in a guest: the instruction ends the VM with an emulation failure.
 * So the state is set up from OpenSSL's own initial values, dumped at
 * build time by sha384_iv_gen.c running the host's SHA384_Init; the data
 * and then the FIPS 180-4 5.1.2 padding (0x80, zeros, the 128-bit bit
 * length, big endian) go through SHA384_Update, which runs only integer
 * code (sha512_block_data_order's generic path, OPENSSL_ia32cap_P = 0);
 * the digest is the first six state words, big endian.  The unit test
 * compares this with EVP's SHA-384 on the host.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <string.h>

#include "sha384.h"
#include "sha384_iv.h"

_Static_assert(sizeof(((SHA512_CTX *)0)->h) == sizeof(tdvf_sha384_iv), "SHA-512 state words");

void sha384(const void *data, size_t len, uint8_t out[TDVF_SHA384_SIZE])
{
	SHA512_CTX c;
	uint8_t pad[128 + 16];
	size_t rem = len % 128;
	size_t zeros = rem < 112 ? 112 - rem : 240 - rem;	/* 0x80 included */
	uint64_t bits_lo = (uint64_t)len << 3, bits_hi = (uint64_t)len >> 61;

	memset(&c, 0, sizeof(c));
	memcpy(c.h, tdvf_sha384_iv, sizeof(c.h));
	c.md_len = SHA384_DIGEST_LENGTH;
	SHA384_Update(&c, data, len);

	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (unsigned int i = 0; i < 8; i++) {
		pad[zeros + i] = (uint8_t)(bits_hi >> (56 - 8 * i));
		pad[zeros + 8 + i] = (uint8_t)(bits_lo >> (56 - 8 * i));
	}
	SHA384_Update(&c, pad, zeros + 16);

	for (unsigned int i = 0; i < TDVF_SHA384_SIZE; i++)
		out[i] = (uint8_t)(c.h[i / 8] >> (56 - 8 * (i % 8)));
	memset(&c, 0, sizeof(c));
}


/*
 * SHA-384 for the firmware and payloads, computed by OpenSSL's SHA-512
 * core (SHA384_Update and sha512_block_data_order from libcrypto.a) with
 * no SSE instruction executed (sha384.c says why).
 */
#ifndef TDVF_SHA384_H
#define TDVF_SHA384_H

#include <stddef.h>
#include <stdint.h>

#define TDVF_SHA384_SIZE	48

void sha384(const void *data, size_t len, uint8_t out[TDVF_SHA384_SIZE]);

#endif /* TDVF_SHA384_H */

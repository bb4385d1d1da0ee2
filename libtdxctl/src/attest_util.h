/*
 * Small helpers shared by the attestation sources of libtdxctl: hex in
 * JSON and text, hex parsing.
 */
#ifndef TDX_TDXCTL_ATTEST_UTIL_H
#define TDX_TDXCTL_ATTEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/** attest_hex() - @n bytes as lower-case hex into @out (2n + 1 bytes). */
void attest_hex(const uint8_t *p, size_t n, char *out);
/** attest_json_hex() - a JSON string of @n bytes as hex. */
json_object *attest_json_hex(const uint8_t *p, size_t n);
/** attest_unhex() - exactly @n bytes from 2n hex digits (either case); 0 or -EINVAL. */
int attest_unhex(const char *s, uint8_t *out, size_t n);

#endif /* TDX_TDXCTL_ATTEST_UTIL_H */

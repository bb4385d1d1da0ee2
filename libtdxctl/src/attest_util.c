/*
 * Hex helpers for the attestation sources (attest_util.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest_util.h"

void attest_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

json_object *attest_json_hex(const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_object *o;

	if (!hex)
		return NULL;
	attest_hex(p, n, hex);
	o = json_object_new_string(hex);
	free(hex);
	return o;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int attest_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * The MRTD hash stream.
 */
#include <string.h>

#include "measure.h"
#include "module.h"
#include "td.h"

void measure_mrtd_header(struct td *td, const char *op, uint64_t gpa)
{
	uint8_t block[128];

	memset(block, 0, sizeof(block));
	memcpy(block, op, strnlen(op, 16));
	for (int i = 0; i < 8; i++)
		block[16 + i] = (uint8_t)(gpa >> (8 * i));
	EVP_DigestUpdate(td->mrtd_ctx, block, sizeof(block));
}

void measure_mrtd_data(struct td *td, const void *data, unsigned int len)
{
	EVP_DigestUpdate(td->mrtd_ctx, data, len);
}

void measure_mrtd_finalize(struct td *td)
{
	unsigned int len = sizeof(td->mrtd);

	EVP_DigestFinal_ex(td->mrtd_ctx, td->mrtd, &len);
}

int measure_rtmr_extend(struct td *td, unsigned int idx, const uint8_t data[48])
{
	uint8_t buf[96], out[48];
	unsigned int len = 0;

	memcpy(buf, td->rtmr[idx], 48);
	memcpy(buf + 48, data, 48);
	if (!EVP_Digest(buf, sizeof(buf), out, &len, EVP_sha384(), NULL) || len != 48)
		return -1;
	memcpy(td->rtmr[idx], out, 48);
	return 0;
}

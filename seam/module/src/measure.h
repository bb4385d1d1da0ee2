/*
 * MRTD (reference tdx-abi.md 7): one SHA-384 stream per TD, fed 128-byte
 * header blocks ("MEM.PAGE.ADD" / "MR.EXTEND" + GPA) and extended chunks,
 * finalized by TDH.MR.FINALIZE.  OpenSSL only here.
 */
#ifndef TDX_MODULE_MEASURE_H
#define TDX_MODULE_MEASURE_H

#include <stdint.h>

struct td;

void measure_mrtd_header(struct td *td, const char *op, uint64_t gpa);
void measure_mrtd_data(struct td *td, const void *data, unsigned int len);
void measure_mrtd_finalize(struct td *td);
/* RTMR[@idx] = SHA-384(RTMR[@idx] || @data[48]); -1 if OpenSSL fails (nothing changed). */
int measure_rtmr_extend(struct td *td, unsigned int idx, const uint8_t data[48]);

#endif /* TDX_MODULE_MEASURE_H */

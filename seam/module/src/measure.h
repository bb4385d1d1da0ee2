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

#endif /* TDX_MODULE_MEASURE_H */

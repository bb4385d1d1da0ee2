/*
 * What the two libcrypto.a objects the freestanding programs link
 * (SHA-384/512) need besides memcpy: OPENSSL_ia32cap_P, from which
 * sha512-x86_64.o picks its code path.  All zero selects the generic
 * x86-64 integer code (no AVX, no SHA extensions, no SSE).
 */
const unsigned int OPENSSL_ia32cap_P[4] = { 0, 0, 0, 0 };

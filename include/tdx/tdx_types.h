/*
 * Basic types and bit helpers shared by every layer, including the
 * freestanding firmware.  ABI facts only: no state, no I/O.
 */
#ifndef TDX_TDX_TYPES_H
#define TDX_TDX_TYPES_H

#include <stdint.h>

/* Host-physical and guest-physical addresses are kept apart by name. */
typedef uint64_t hpa_t;
typedef uint64_t gpa_t;
typedef uint16_t hkid_t;

#define TDX_BIT(n)		(1ULL << (n))
/* Bits hi..lo inclusive, as the spec writes ranges. */
#define TDX_GENMASK(hi, lo)	((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define TDX_FIELD_GET(mask, v)	(((v) & (mask)) >> __builtin_ctzll(mask))
#define TDX_FIELD_PREP(mask, v)	(((uint64_t)(v) << __builtin_ctzll(mask)) & (mask))

#define TDX_PAGE_SIZE		4096ULL
#define TDX_PAGE_SHIFT		12
#define TDX_CACHELINE_SIZE	64ULL
#define TDX_SZ_1M		0x100000ULL
#define TDX_SZ_2M		0x200000ULL
#define TDX_SZ_32M		0x2000000ULL
#define TDX_SZ_1G		0x40000000ULL

#define TDX_IS_ALIGNED(x, a)	(((x) & ((a) - 1)) == 0)
#define TDX_ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define TDX_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define TDX_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define TDX_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

#define TDX_PACKED __attribute__((packed))

#endif /* TDX_TDX_TYPES_H */

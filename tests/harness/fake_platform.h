/*
 * Test harness: build a small platform in one call, run code on an LP's
 * thread, and run a function in SEAM mode the way SEAM code would.
 */
#ifndef TDX_TEST_FAKE_PLATFORM_H
#define TDX_TEST_FAKE_PLATFORM_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bios.h"
#include "platform.h"
#include "pmem.h"

/* A 2 LP, 8 GiB platform (defaults) with extra "key=value" overrides. */
struct platform *fake_platform_create(const char *const *overrides);
/* The same, then an honest BIOS run (MSRs, CMRs programmed and locked). */
struct platform *fake_platform_create_bios(const char *const *overrides);

/*
 * Run @fn on LP @lp's thread with the LP switched into SEAM mode, as if
 * SEAM code were running there; returns what @fn returned.
 */
int fake_in_seam(struct platform *plat, unsigned int lp,
		 int (*fn)(struct plat_lp *lp, void *arg), void *arg);

#endif /* TDX_TEST_FAKE_PLATFORM_H */

/*
 * Hooks for unit tests only: nothing outside tests/ may include this.
 * They put an LP into a mode without going through the instruction flow
 * that would normally get it there, so one layer can be tested alone.
 */
#ifndef TDX_PLATFORM_TEST_H
#define TDX_PLATFORM_TEST_H

#include "platform.h"

void platform_test_set_lp_mode(struct plat_lp *lp, enum lp_mode mode);

#endif /* TDX_PLATFORM_TEST_H */

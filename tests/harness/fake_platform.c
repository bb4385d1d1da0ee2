/*
 * Test harness: small platforms and SEAM-mode execution for unit tests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fake_platform.h"
#include "platform_test.h"

static struct platform *create(const char *const *overrides, bool bios)
{
	struct platform_config cfg;
	struct platform *plat = NULL;
	struct emu_error err = { 0 };

	platform_config_defaults(&cfg);
	for (; overrides && *overrides; overrides++) {
		if (platform_config_set(&cfg, *overrides, &err)) {
			fprintf(stderr, "fake_platform: %s\n", err.msg);
			return NULL;
		}
	}
	if (platform_create(&cfg, &plat, &err)) {
		fprintf(stderr, "fake_platform: %s\n", err.msg);
		return NULL;
	}
	if (bios && bios_run(plat, NULL, &err)) {
		fprintf(stderr, "fake_platform: %s\n", err.msg);
		platform_destroy(plat);
		return NULL;
	}
	return plat;
}

struct platform *fake_platform_create(const char *const *overrides)
{
	return create(overrides, false);
}

struct platform *fake_platform_create_bios(const char *const *overrides)
{
	return create(overrides, true);
}

struct seam_call {
	int (*fn)(struct plat_lp *lp, void *arg);
	void *arg;
	int ret;
};

static void run_in_seam(struct plat_lp *lp, void *arg)
{
	struct seam_call *c = arg;
	enum lp_mode old = lp_mode(lp);

	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	c->ret = c->fn(lp, c->arg);
	platform_test_set_lp_mode(lp, old);
}

int fake_in_seam(struct platform *plat, unsigned int lp,
		 int (*fn)(struct plat_lp *lp, void *arg), void *arg)
{
	struct seam_call c = { fn, arg, 0 };

	platform_start_aps(plat);
	if (platform_lp_call(plat, lp, run_in_seam, &c))
		return -1000;
	return c.ret;
}

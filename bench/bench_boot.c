/*
 * Time to power on an emulated host and install the TDX module through
 * the loader path, for 2, 8 and 64 logical processors, and then the
 * module's initialization (SYS.INIT ... TDMR.INIT).  Prints the median
 * and minimum of several runs per size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

#define RUNS 15

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench_lps(unsigned int lps)
{
	double total[RUNS], install[RUNS], init[RUNS];
	struct emu_error err = { 0 };
	char kv[32];

	for (int r = 0; r < RUNS; r++) {
		struct host_boot_opts opts;
		struct host_boot b;

		host_boot_defaults(&opts);
		snprintf(kv, sizeof(kv), "lps=%u", lps);
		if (platform_config_set(&opts.cfg, kv, &err) ||
		    host_boot_vendor_key(&opts, NULL, &err) ||
		    host_boot_run(&opts, &b, &err)) {
			fprintf(stderr, "bench_boot: %u LPs: %s\n", lps, err.msg);
			host_boot_teardown(&b);
			return 1;
		}
		/* Power-on to installed excludes TDX module initialization (TDMR.INIT). */
		total[r] = b.t_total_ms - b.t_module_init_ms;
		install[r] = b.t_install_ms;
		init[r] = b.t_module_init_ms;
		host_boot_teardown(&b);
	}
	qsort(total, RUNS, sizeof(double), cmp_double);
	qsort(install, RUNS, sizeof(double), cmp_double);
	qsort(init, RUNS, sizeof(double), cmp_double);
	printf("%3u LPs: power-on to module installed %7.3f ms median (min %7.3f); "
	       "SEAMLDR.INSTALL on all LPs %7.3f ms median (min %7.3f); "
	       "then module init (8 GiB) %7.3f ms median  [%d runs]\n",
	       lps, total[RUNS / 2], total[0], install[RUNS / 2], install[0], init[RUNS / 2],
	       RUNS);
	return 0;
}

int main(void)
{
	static const unsigned int sizes[] = { 2, 8, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench_lps(sizes[i]))
			return 1;
	return 0;
}

/*
 * BCD dates (yyyymmdd, one decimal digit per nibble), as ACM headers,
 * SEAM_SIGSTRUCTs and our image headers store them.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "tdxctl/tdxctl.h"

static uint32_t bcd_digits(unsigned int value, unsigned int nr_digits)
{
	uint32_t out = 0;
	unsigned int i;

	for (i = 0; i < nr_digits; i++) {
		out |= (uint32_t)(value % 10) << (4 * i);
		value /= 10;
	}
	return out;
}

uint32_t tdxctl_bcd_date(time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return bcd_digits((unsigned int)tm.tm_year + 1900, 4) << 16 |
	       bcd_digits((unsigned int)tm.tm_mon + 1, 2) << 8 |
	       bcd_digits((unsigned int)tm.tm_mday, 2);
}

uint32_t tdxctl_bcd_date_today(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	/* reproducible-builds.org: a malformed value is ignored. */
	if (epoch && *epoch) {
		errno = 0;
		v = strtoll(epoch, &end, 10);
		if (!errno && !*end && v >= 0)
			return tdxctl_bcd_date((time_t)v);
	}
	return tdxctl_bcd_date(time(NULL));
}

/*
 * struct emu_error: the one way host-side code reports what went wrong.
 */
#include <stdarg.h>
#include <stdio.h>

#include "emu_error.h"

int emu_error_set(struct emu_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void emu_error_clear(struct emu_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

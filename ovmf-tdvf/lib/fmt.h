/*
 * A small vsnprintf for freestanding code: %s %c %d %i %u %x %X %p with
 * the l/ll/z length modifiers, a field width and '0' padding.  Output is
 * always NUL-terminated; the return value is the length written.
 */
#ifndef TDVF_FMT_H
#define TDVF_FMT_H

#include <stdarg.h>
#include <stddef.h>

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* TDVF_FMT_H */

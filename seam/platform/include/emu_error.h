/*
 * A typed error for host-side code and tools: a negative errno plus a
 * message that names the operand or field and what was wrong with it.
 * Library code fills one in and returns; only main() decides to exit.
 */
#ifndef TDX_EMU_ERROR_H
#define TDX_EMU_ERROR_H

#include <stddef.h>

#define EMU_ERROR_MSG_LEN 320

struct emu_error {
	int code;			/* negative errno, 0 when clear */
	char msg[EMU_ERROR_MSG_LEN];
};

/**
 * emu_error_set() - record an error (if @err is not NULL) and return @code.
 * @code is a negative errno; the message is printf-formatted.
 */
int emu_error_set(struct emu_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** emu_error_clear() - reset @err to "no error". */
void emu_error_clear(struct emu_error *err);

#endif /* TDX_EMU_ERROR_H */

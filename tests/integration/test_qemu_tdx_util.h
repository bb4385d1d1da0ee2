/* Running qemu-tdx as a subprocess for the test_qemu_tdx* tests. */
#ifndef TEST_QEMU_TDX_UTIL_H
#define TEST_QEMU_TDX_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QT_OUT_CAP	(64 * 1024)

struct qt_result {
	int status;		/* exit status, or -1 when killed */
	char out[QT_OUT_CAP];
	char err[QT_OUT_CAP];
};

/** qt_template() - "@prefix" and the six trailing 'X' mkstemp()/mkdtemp() want. */
static inline char *qt_template(char *buf, size_t n, const char *prefix)
{
	snprintf(buf, n, "%s%s", prefix, "......");
	memset(buf + strlen(buf) - 6, 'X', 6);
	return buf;
}

/** qt_require_kvm() - skip the test, saying why, when TDs cannot run. */
void qt_require_kvm(void);
/** qt_run() - qemu-tdx with the NULL-terminated @args; @env (or NULL) added to its environment. */
void qt_run(struct qt_result *r, const char *const *args, const char *env);
/** qt_expect_line() - @line is a whole line of stdout. */
void qt_expect_line(const struct qt_result *r, const char *line);
/** qt_expect_err() - @text is somewhere in stderr. */
void qt_expect_err(const struct qt_result *r, const char *text);

#endif

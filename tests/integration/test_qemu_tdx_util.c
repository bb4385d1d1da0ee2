/* Running qemu-tdx as a subprocess (test_qemu_tdx_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "qemu_tdx_paths.h"
#include "td_vcpu.h"
#include "test_qemu_tdx_util.h"

#define TIMEOUT_MS	120000

void qt_require_kvm(void)
{
	char why[160];

	if (td_vcpu_probe(why, sizeof(why))) {
		print_message("SKIPPED: qemu-tdx needs /dev/kvm: %s\n", why);
		skip();
	}
}

static void drain(int fd, char *buf, size_t *len, bool *open_)
{
	ssize_t n = read(fd, buf + *len, QT_OUT_CAP - 1 - *len);

	if (n <= 0) {
		*open_ = false;
		return;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	if (*len >= QT_OUT_CAP - 1)
		*open_ = false;
}

void qt_run(struct qt_result *r, const char *const *args, const char *env)
{
	const char *argv[64] = { QEMU_TDX_BINARY };
	int po[2], pe[2], st;
	size_t lo = 0, le = 0, n = 1;
	bool oo = true, eo = true;
	pid_t pid;
	struct timespec t0, t1;

	while (args[n - 1] && n < 63) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (env)
			putenv((char *)env);
		execv(argv[0], (char *const *)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (oo || eo) {
		struct pollfd p[2] = { { oo ? po[0] : -1, POLLIN, 0 }, { eo ? pe[0] : -1, POLLIN, 0 } };

		poll(p, 2, 1000);
		if (p[0].revents)
			drain(po[0], r->out, &lo, &oo);
		if (p[1].revents)
			drain(pe[0], r->err, &le, &eo);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 > TIMEOUT_MS) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(po[0]);
	close(pe[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (r->status == -1 || r->status == 127)
		print_error("qemu-tdx %s %d; stdout:\n%s\nstderr:\n%s\n",
			    WIFSIGNALED(st) ? "killed by signal" : "exit status",
			    WIFSIGNALED(st) ? WTERMSIG(st) : r->status, r->out, r->err);
}

void qt_expect_line(const struct qt_result *r, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "%s\n", line);
	if (!strstr(r->out, want))
		fail_msg("missing line '%s' in stdout:\n%s\nstderr:\n%s", line, r->out, r->err);
}

void qt_expect_err(const struct qt_result *r, const char *text)
{
	if (!strstr(r->err, text))
		fail_msg("missing '%s' in stderr:\n%s\nstdout:\n%s", text, r->err, r->out);
}

/*
 * bench_boot_td: how long qemu-tdx takes from process start to the
 * payload's first line, for a 512 MiB guest, as a TD and as a plain KVM
 * VM, in the same run.  Each boot runs qemu-tdx as a subprocess; the time
 * is taken when the marker line appears on its stdout (the whole boot,
 * emulated host bring-up and TD build included); then the guest is
 * killed, since what the payload does afterwards is not part of the boot.
 *
 *   bench_boot_td [-n RUNS] [-bios IMAGE -kernel PAYLOAD -marker TEXT]
 *
 * Default: build/ovmf-tdvf/tdvf.fd with payload-demo.elf, marker
 * "payload: started".  "-mini" uses qemu-tdx's test image mini-tdvf
 * instead (marker "mini-tdvf: start", no payload).  Skips (exit 77) when
 * /dev/kvm is unusable.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu_tdx_paths.h"
#include "td_vcpu.h"

#define MAX_RUNS	50
#define TIMEOUT_S	120

struct sample {
	double marker_ms;	/* process start -> marker line */
	int status;		/* exit status when it ended before the marker */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One boot; false when it did not reach the marker or failed. */
static bool boot(bool td, const char *bios, const char *kernel, const char *marker,
		 struct sample *s)
{
	const char *argv[24];
	char buf[65536];
	size_t len = 0;
	int n = 0, p[2], st;
	double t0;
	pid_t pid;

	argv[n++] = QEMU_TDX_BINARY;
	argv[n++] = "-machine";
	argv[n++] = td ? "q35,confidential-guest-support=tdx0,kernel-irqchip=split" : "q35";
	if (td) {
		argv[n++] = "-object";
		argv[n++] = "tdx-guest,id=tdx0";
	}
	argv[n++] = "-bios";
	argv[n++] = bios;
	if (kernel) {
		argv[n++] = "-kernel";
		argv[n++] = kernel;
	}
	argv[n++] = "-m";
	argv[n++] = "512M";
	argv[n++] = "-smp";
	argv[n++] = "1";
	argv[n++] = "-nographic";
	argv[n] = NULL;

	s->marker_ms = -1;
	if (pipe2(p, O_CLOEXEC))
		return false;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		ssize_t r;

		if (poll(&pf, 1, 1000) < 0 && errno != EINTR)
			break;
		if (now_ms() - t0 > TIMEOUT_S * 1e3) {
			kill(pid, SIGKILL);
			break;
		}
		if (!pf.revents)
			continue;
		r = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (s->marker_ms < 0 && strstr(buf, marker)) {
			s->marker_ms = now_ms() - t0;
			kill(pid, SIGKILL);
			break;
		}
		if (len == sizeof(buf) - 1)
			len = 0;	/* the marker is early; old output can go */
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	s->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return s->marker_ms >= 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *mode, struct sample *s, int runs)
{
	double m[MAX_RUNS];

	for (int i = 0; i < runs; i++)
		m[i] = s[i].marker_ms;
	qsort(m, (size_t)runs, sizeof(m[0]), cmp);
	printf("%-6s 512 MiB  process start -> payload entry: min %8.1f ms  median %8.1f ms  "
	       "max %8.1f ms  (%d runs)\n", mode, m[0], m[runs / 2], m[runs - 1], runs);
}

int main(int argc, char **argv)
{
	static char bios_default[512], kernel_default[512];
	const char *bios = bios_default, *kernel = kernel_default, *marker = "payload: started";
	struct sample td[MAX_RUNS], plain[MAX_RUNS];
	char why[160];
	int runs = 5;

	snprintf(bios_default, sizeof(bios_default), "%s/ovmf-tdvf/tdvf.fd", QEMU_TDX_BUILD_DIR);
	snprintf(kernel_default, sizeof(kernel_default), "%s/ovmf-tdvf/payload-demo.elf",
		 QEMU_TDX_BUILD_DIR);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-bios") && i + 1 < argc) {
			bios = argv[++i];
		} else if (!strcmp(argv[i], "-kernel") && i + 1 < argc) {
			kernel = argv[++i];
		} else if (!strcmp(argv[i], "-marker") && i + 1 < argc) {
			marker = argv[++i];
		} else if (!strcmp(argv[i], "-mini")) {
			bios = QEMU_TDX_MINI_TDVF;
			kernel = NULL;
			marker = "mini-tdvf: start";
		} else {
			fprintf(stderr, "usage: %s [-n RUNS] [-mini] [-bios IMAGE] [-kernel PAYLOAD] [-marker TEXT]\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench_boot_td: -n must be 1..%d\n", MAX_RUNS);
		return 2;
	}
	if (td_vcpu_probe(why, sizeof(why))) {
		printf("bench_boot_td: SKIPPED: /dev/kvm unusable: %s\n", why);
		return 77;
	}
	printf("bench_boot_td: %s%s%s, marker \"%s\"\n", bios, kernel ? " + " : "",
	       kernel ? kernel : "", marker);
	/* Interleaved, so both modes see the same machine load. */
	for (int i = 0; i < runs; i++) {
		if (!boot(true, bios, kernel, marker, &td[i])) {
			printf("TD boot %d failed (exit %d, marker %s)\n", i, td[i].status,
			       td[i].marker_ms < 0 ? "not seen" : "seen");
			return 1;
		}
		if (!boot(false, bios, kernel, marker, &plain[i])) {
			printf("plain-VM boot %d failed (exit %d, marker %s)\n", i, plain[i].status,
			       plain[i].marker_ms < 0 ? "not seen" : "seen");
			return 1;
		}
	}
	report("TD", td, runs);
	report("plain", plain, runs);
	return 0;
}

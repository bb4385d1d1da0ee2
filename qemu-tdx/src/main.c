/*
 * qemu-tdx: parse the command line, build the machine (a TD through
 * kvm-tdx, or a plain KVM VM), run the vCPUs, exit with the guest's
 * verdict: 0 after an orderly shutdown, 1 after a fatal error.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "machine.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static sigset_t term_signals;

/*
 * SIGINT, SIGTERM and SIGHUP stop the guest in order, as QEMU's
 * "terminating on signal N" (QMP SHUTDOWN reason host-signal, exit 0).
 */
static void *signal_thread(void *arg)
{
	struct machine *m = arg;
	int sig;

	if (sigwait(&term_signals, &sig))
		return NULL;
	fprintf(stderr, "qemu-tdx: terminating on signal %d\n", sig);
	machine_shutdown(m, 0, false, "host-signal");
	return NULL;
}

int main(int argc, char **argv)
{
	double t0 = now_ms(), t_init, t_built;
	static struct vmm_opts opts;
	static struct machine m;
	char err[512];
	int code;

	pthread_t sig_thread;

	/* Every thread inherits this: only signal_thread takes the terminating signals. */
	sigemptyset(&term_signals);
	sigaddset(&term_signals, SIGINT);
	sigaddset(&term_signals, SIGTERM);
	sigaddset(&term_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &term_signals, NULL);
	/* A closed stdout or socket is an error return, not a killed VMM. */
	signal(SIGPIPE, SIG_IGN);
	vmm_opts_init(&opts);
	if (vmm_opts_parse(argc, argv, &opts, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (machine_init(&m, &opts, err, sizeof(err)))
		goto fail;
	t_init = now_ms();
	if (machine_build(&m, err, sizeof(err)) || machine_start_qmp(&m, err, sizeof(err)))
		goto fail;
	t_built = now_ms();
	if (opts.verbose)
		fprintf(stderr, "qemu-tdx: files and devices %.1f ms, %s %.1f ms (emulated host %.1f ms)\n",
			t_init - t0, m.td ? "TD built" : "VM built", t_built - t_init,
			m.td ? m.boot.t_total_ms : 0.0);
	if (pthread_create(&sig_thread, NULL, signal_thread, &m) == 0)
		pthread_detach(sig_thread);
	code = machine_run(&m);
	machine_destroy(&m);
	return code;
fail:
	fprintf(stderr, "%s\n", err);
	machine_destroy(&m);
	return 1;
}

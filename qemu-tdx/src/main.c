/*
 * qemu-tdx: parse the command line, build the machine (a TD through
 * kvm-tdx, or a plain KVM VM), run the vCPUs, exit with the guest's
 * verdict: 0 after an orderly shutdown, 1 after a fatal error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "machine.h"

int main(int argc, char **argv)
{
	static struct vmm_opts opts;
	static struct machine m;
	char err[512];
	int code;

	vmm_opts_init(&opts);
	if (vmm_opts_parse(argc, argv, &opts, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (machine_init(&m, &opts, err, sizeof(err)) || machine_build(&m, err, sizeof(err)) ||
	    machine_start_qmp(&m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		machine_destroy(&m);
		return 1;
	}
	code = machine_run(&m);
	machine_destroy(&m);
	return code;
}

/*
 * Shared pieces of the tdxctl command line: the subcommand table, exit
 * codes and option parsing helpers that name the option they reject.
 * Only main() exits; every command returns one of the CLI_EXIT_* codes.
 */
#ifndef TDX_TDXCTL_CLI_H
#define TDX_TDXCTL_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emu_error.h"

#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

/* One row of a command table; argv[0] of @run is the command's own name. */
struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/**
 * cli_dispatch() - run the row of @cmds named by argv[1], with argv
 * shifted so that the row sees its own name as argv[0].  @prog is the
 * command line so far ("tdxctl", "tdxctl module") for messages; -h,
 * --help and "help" list the table.
 */
int cli_dispatch(const char *prog, const struct cli_cmd *cmds, size_t nr_cmds, int argc,
		 char **argv);

/** cli_usage_error() - print "@prog: message" and a --help hint; CLI_EXIT_USAGE. */
int cli_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** cli_fail() - print "@prog: @err->msg"; CLI_EXIT_FAIL. */
int cli_fail(const char *prog, const struct emu_error *err);

/**
 * cli_bad_option() - report what getopt_long() (optstring starting with
 * ':') rejected: @c is '?' for an unknown option, ':' for a missing
 * argument.  Returns CLI_EXIT_USAGE.
 */
int cli_bad_option(const char *prog, int c, char **argv);

/**
 * cli_parse_u64() - @s as a decimal or 0x-prefixed number in [@min, @max];
 * otherwise a usage error naming @opt.  Returns 0 or CLI_EXIT_USAGE.
 */
int cli_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out);

/**
 * cli_parse_dotted() - @s as exactly @nr decimal fields "a.b..." each in
 * [0, @max]; otherwise a usage error naming @opt.
 */
int cli_parse_dotted(const char *prog, const char *opt, const char *s, unsigned int nr,
		     uint64_t max, uint64_t *out);

/** cli_hex() - @len bytes of @p as lower-case hex into @out (2*len+1). */
void cli_hex(const uint8_t *p, size_t len, char *out);

/** cmd_key() - "tdxctl key generate|hash"; argv[0] is "key". */
int cmd_key(int argc, char **argv);
/** cmd_measure() - "tdxctl measure mrtd|rtmr"; argv[0] is "measure". */
int cmd_measure(int argc, char **argv);
/** cmd_eventlog() - "tdxctl eventlog dump|replay"; argv[0] is "eventlog". */
int cmd_eventlog(int argc, char **argv);
/** cmd_module() - "tdxctl module build|sign|info"; argv[0] is "module". */
int cmd_module(int argc, char **argv);
/** cmd_seamldr() - "tdxctl seamldr build|info"; argv[0] is "seamldr". */
int cmd_seamldr(int argc, char **argv);
int cmd_sys(int argc, char **argv);
/** cmd_quote() - "tdxctl quote decode|verify"; argv[0] is "quote". */
int cmd_quote(int argc, char **argv);
/** cmd_report() - "tdxctl report decode"; argv[0] is "report". */
int cmd_report(int argc, char **argv);
/** cmd_pki() - "tdxctl pki export"; argv[0] is "pki". */
int cmd_pki(int argc, char **argv);

#endif /* TDX_TDXCTL_CLI_H */

/*
 * Command tables and option parsing for tdxctl.  Messages always name
 * the command and the option, so a script's log says what to fix.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void cli_list(FILE *out, const char *prog, const struct cli_cmd *cmds, size_t nr)
{
	size_t i;

	fprintf(out, "Usage: %s COMMAND [ARGS...]\n\nCommands:\n", prog);
	for (i = 0; i < nr; i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\nRun '%s COMMAND --help' for the options of a command.\n", prog);
}

int cli_dispatch(const char *prog, const struct cli_cmd *cmds, size_t nr_cmds, int argc,
		 char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!name) {
		cli_list(stderr, prog, cmds, nr_cmds);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		cli_list(stdout, prog, cmds, nr_cmds);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < nr_cmds; i++) {
		if (!strcmp(name, cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	}
	if (name[0] == '-')
		return cli_usage_error(prog, "unknown option '%s'", name);
	return cli_usage_error(prog, "unknown command '%s'", name);
}

int cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return CLI_EXIT_USAGE;
}

int cli_fail(const char *prog, const struct emu_error *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : strerror(-err->code));
	return CLI_EXIT_FAIL;
}

int cli_bad_option(const char *prog, int c, char **argv)
{
	/* getopt_long() has already stepped past the option it rejects. */
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cli_usage_error(prog, "option '%s' needs an argument", arg);
	if (optopt)
		return cli_usage_error(prog, "unknown option '-%c'", optopt);
	return cli_usage_error(prog, "unknown option '%s'", arg);
}

int cli_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return cli_usage_error(prog, "%s: '%s' is not a number in [%llu, %llu]", opt,
			       s ? s : "", (unsigned long long)min, (unsigned long long)max);
}

int cli_parse_dotted(const char *prog, const char *opt, const char *s, unsigned int nr,
		     uint64_t max, uint64_t *out)
{
	char *end = (char *)s;
	const char *p = s;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		out[i] = strtoull(p, &end, 10);
		if (errno || out[i] > max)
			goto bad;
		if (i + 1 < nr && *end != '.')
			goto bad;
		p = end + (i + 1 < nr);
	}
	if (*end)
		goto bad;
	return 0;
bad:
	return cli_usage_error(prog, "%s: '%s' is not %u dot-separated numbers of at most %llu",
			       opt, s, nr, (unsigned long long)max);
}

void cli_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xF];
	}
	out[2 * len] = '\0';
}

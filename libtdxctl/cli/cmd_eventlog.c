/*
 * tdxctl eventlog dump|replay: read a CC event log (the CCEL log area),
 * show its events, and replay it into RTMRs to compare with what a TD
 * reports.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <tdx/tdx_report.h>

#include "cli.h"
#include "tdxctl/eventlog.h"
#include "tdxctl/tdxctl.h"

#define EVENTLOG_DUMP	"tdxctl eventlog dump"
#define EVENTLOG_REPLAY	"tdxctl eventlog replay"

#define JSON_FLAGS \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* How much event data the text dump shows. */
#define DUMP_TEXT_MAX	64
#define DUMP_HEX_MAX	32

static int load_log(const char *prog, const char *path, uint8_t **buf,
		    struct tdxctl_eventlog *log)
{
	struct emu_error err = { 0 };
	size_t len;

	if (tdxctl_file_read(path, buf, &len, &err))
		return cli_fail(prog, &err);
	if (tdxctl_eventlog_parse(*buf, len, log, &err)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, err.msg);
		free(*buf);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static const char *mr_name(uint32_t mr_index)
{
	static const char *const names[] = { "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3" };

	return mr_index < TDX_ARRAY_SIZE(names) ? names[mr_index] : "?";
}

static bool printable(const uint8_t *p, size_t len)
{
	size_t i;

	/* A trailing NUL (a C string) still counts as text. */
	if (len && p[len - 1] == '\0')
		len--;
	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!isprint(p[i]))
			return false;
	return true;
}

static void print_type(uint32_t type)
{
	const char *name = tdxctl_event_type_name(type);

	if (name)
		printf("%s", name);
	else
		printf("UNKNOWN(0x%08x)", type);
}

static void print_data(const struct tdxctl_cc_event *ev)
{
	size_t i, n;

	if (printable(ev->data, ev->data_len)) {
		n = ev->data_len;
		if (ev->data[n - 1] == '\0')
			n--;
		printf("\"%.*s%s\"", (int)(n > DUMP_TEXT_MAX ? DUMP_TEXT_MAX : n),
		       (const char *)ev->data, n > DUMP_TEXT_MAX ? "..." : "");
	} else {
		n = ev->data_len > DUMP_HEX_MAX ? DUMP_HEX_MAX : ev->data_len;
		for (i = 0; i < n; i++)
			printf("%02x", ev->data[i]);
		if (n < ev->data_len)
			printf("...");
	}
	printf(" (%u bytes)", ev->data_len);
}

static void dump_text(const struct tdxctl_eventlog *log)
{
	char hex[2 * TDXCTL_SHA384_SIZE + 1];
	unsigned int i;
	size_t e;

	printf("Spec ID Event03: spec %u.%u errata %u, uintn size %u, platform class %u,\n"
	       "  %zu-byte header, algorithms:", log->spec_version_major,
	       log->spec_version_minor, log->spec_errata, log->uintn_size, log->platform_class,
	       log->header_size);
	for (i = 0; i < log->nr_algs; i++)
		printf(" 0x%04x/%u", log->algs[i].alg, log->algs[i].size);
	printf("\n%zu events, %zu bytes used\n", log->nr_events, log->used);
	for (e = 0; e < log->nr_events; e++) {
		const struct tdxctl_cc_event *ev = &log->events[e];

		cli_hex(ev->digest, TDXCTL_SHA384_SIZE, hex);
		printf("#%zu offset 0x%zx MrIndex %u (%s) ", e, ev->offset, ev->mr_index,
		       mr_name(ev->mr_index));
		print_type(ev->event_type);
		printf(" (0x%08x)\n  sha384 %s\n  data ", ev->event_type, hex);
		print_data(ev);
		printf("\n");
	}
}

static json_object *hex_json(const uint8_t *p, size_t len)
{
	char *hex = malloc(2 * len + 1);
	json_object *o;

	if (!hex)
		return NULL;
	cli_hex(p, len, hex);
	o = json_object_new_string(hex);
	free(hex);
	return o;
}

static void dump_json(const struct tdxctl_eventlog *log)
{
	json_object *root = json_object_new_object(), *algs = json_object_new_array();
	json_object *events = json_object_new_array();
	unsigned int i;
	size_t e;

	for (i = 0; i < log->nr_algs; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "algorithm_id", json_object_new_int(log->algs[i].alg));
		json_object_object_add(a, "digest_size", json_object_new_int(log->algs[i].size));
		json_object_array_add(algs, a);
	}
	json_object_object_add(root, "spec_version_major",
			       json_object_new_int(log->spec_version_major));
	json_object_object_add(root, "spec_version_minor",
			       json_object_new_int(log->spec_version_minor));
	json_object_object_add(root, "spec_errata", json_object_new_int(log->spec_errata));
	json_object_object_add(root, "uintn_size", json_object_new_int(log->uintn_size));
	json_object_object_add(root, "platform_class",
			       json_object_new_int64(log->platform_class));
	json_object_object_add(root, "algorithms", algs);
	json_object_object_add(root, "used", json_object_new_int64((int64_t)log->used));
	for (e = 0; e < log->nr_events; e++) {
		const struct tdxctl_cc_event *ev = &log->events[e];
		const char *name = tdxctl_event_type_name(ev->event_type);
		json_object *o = json_object_new_object();

		json_object_object_add(o, "offset", json_object_new_int64((int64_t)ev->offset));
		json_object_object_add(o, "mr_index", json_object_new_int((int32_t)ev->mr_index));
		json_object_object_add(o, "register",
				       json_object_new_string(mr_name(ev->mr_index)));
		json_object_object_add(o, "event_type", json_object_new_int64(ev->event_type));
		json_object_object_add(o, "event_type_name",
				       name ? json_object_new_string(name) : NULL);
		json_object_object_add(o, "sha384", hex_json(ev->digest, TDXCTL_SHA384_SIZE));
		json_object_object_add(o, "data", hex_json(ev->data, ev->data_len));
		json_object_array_add(events, o);
	}
	json_object_object_add(root, "events", events);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_FLAGS));
	json_object_put(root);
}

static int eventlog_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct tdxctl_eventlog log;
	bool json = false;
	uint8_t *buf;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s [--json] FILE\n\n"
			       "Parse a CC event log (TCG crypto-agile, SHA-384) and print each\n"
			       "event: CC MR index, type, digest and data.  A malformed log is\n"
			       "refused with the offset of the fault.\n"
			       "  -j, --json   print a JSON object\n", EVENTLOG_DUMP);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(EVENTLOG_DUMP, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(EVENTLOG_DUMP, "expected one argument, FILE");
	ret = load_log(EVENTLOG_DUMP, argv[optind], &buf, &log);
	if (ret)
		return ret;
	if (json)
		dump_json(&log);
	else
		dump_text(&log);
	tdxctl_eventlog_free(&log);
	free(buf);
	return CLI_EXIT_OK;
}

/* ---- replay ---- */

static int parse_digest(const char *opt, const char *s, uint8_t out[TDXCTL_SHA384_SIZE])
{
	unsigned int i;

	if (strlen(s) != 2 * TDXCTL_SHA384_SIZE)
		goto bad;
	for (i = 0; i < TDXCTL_SHA384_SIZE; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], 0 };

		if (!isxdigit((unsigned char)byte[0]) || !isxdigit((unsigned char)byte[1]))
			goto bad;
		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return 0;
bad:
	return cli_usage_error(EVENTLOG_REPLAY, "%s: '%s' is not 96 hex digits", opt, s);
}

static int read_report_rtmrs(const char *path, uint8_t rtmr[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE])
{
	struct emu_error err = { 0 };
	const struct tdreport_struct *r;
	uint8_t *buf;
	size_t len;

	if (tdxctl_file_read(path, &buf, &len, &err))
		return cli_fail(EVENTLOG_REPLAY, &err);
	if (len != sizeof(*r)) {
		free(buf);
		fprintf(stderr, "%s: %s: %zu bytes, a TDREPORT_STRUCT is %zu\n", EVENTLOG_REPLAY,
			path, len, sizeof(*r));
		return CLI_EXIT_FAIL;
	}
	r = (const struct tdreport_struct *)buf;
	memcpy(rtmr, r->tdinfo.rtmr, TDXCTL_NR_RTMR * TDXCTL_SHA384_SIZE);
	free(buf);
	return CLI_EXIT_OK;
}

static int eventlog_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rtmr0", required_argument, NULL, '0' },
		{ "rtmr1", required_argument, NULL, '1' },
		{ "rtmr2", required_argument, NULL, '2' },
		{ "rtmr3", required_argument, NULL, '3' },
		{ "report", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint8_t expect[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE];
	uint8_t got[TDXCTL_NR_RTMR][TDXCTL_SHA384_SIZE];
	char hex[2 * TDXCTL_SHA384_SIZE + 1], hex2[2 * TDXCTL_SHA384_SIZE + 1];
	bool given[TDXCTL_NR_RTMR] = { false }, json = false, any = false;
	struct emu_error err = { 0 };
	struct tdxctl_eventlog log;
	const char *report = NULL;
	int c, ret, bad = -1;
	unsigned int i;
	uint8_t *buf;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:jh", longopts, NULL)) != -1) {
		switch (c) {
		case '0': case '1': case '2': case '3':
			i = (unsigned int)(c - '0');
			snprintf(hex, sizeof(hex), "--rtmr%u", i);
			if (parse_digest(hex, optarg, expect[i]))
				return CLI_EXIT_USAGE;
			given[i] = any = true;
			break;
		case 'r':
			report = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s [--rtmr0..3 HEX | --report TDREPORT] [--json] FILE\n\n"
			       "Replay a CC event log: RTMR[i] = SHA-384(RTMR[i] || digest) from\n"
			       "zero for each event of CC MR index i + 1.  Print the RTMRs; with\n"
			       "expected values (96 hex digits each, or the RTMRs of a 1024-byte\n"
			       "TDREPORT_STRUCT) compare them and fail naming the first mismatch.\n"
			       "  --rtmr0 .. --rtmr3 HEX  expected RTMR values\n"
			       "  -r, --report FILE       take all four from a TDREPORT\n"
			       "  -j, --json              print a JSON object\n", EVENTLOG_REPLAY);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(EVENTLOG_REPLAY, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(EVENTLOG_REPLAY, "expected one argument, FILE");
	if (report && any)
		return cli_usage_error(EVENTLOG_REPLAY,
				       "--report and --rtmrN are exclusive: give one or the other");
	if (report) {
		ret = read_report_rtmrs(report, expect);
		if (ret)
			return ret;
		for (i = 0; i < TDXCTL_NR_RTMR; i++)
			given[i] = true;
	}
	ret = load_log(EVENTLOG_REPLAY, argv[optind], &buf, &log);
	if (ret)
		return ret;
	if (tdxctl_eventlog_replay(log.events, log.nr_events, got, &err)) {
		ret = cli_fail(EVENTLOG_REPLAY, &err);
		goto out;
	}
	for (i = 0; i < TDXCTL_NR_RTMR && bad < 0; i++)
		if (given[i] && memcmp(got[i], expect[i], TDXCTL_SHA384_SIZE))
			bad = (int)i;
	if (json) {
		json_object *o = json_object_new_object();

		for (i = 0; i < TDXCTL_NR_RTMR; i++) {
			char name[8];

			snprintf(name, sizeof(name), "rtmr%u", i);
			cli_hex(got[i], TDXCTL_SHA384_SIZE, hex);
			json_object_object_add(o, name, json_object_new_string(hex));
		}
		if (any || report) {
			json_object_object_add(o, "match", json_object_new_boolean(bad < 0));
			if (bad >= 0) {
				snprintf(hex, sizeof(hex), "rtmr%d", bad);
				json_object_object_add(o, "first_mismatch",
						       json_object_new_string(hex));
			}
		}
		printf("%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
	} else {
		for (i = 0; i < TDXCTL_NR_RTMR; i++) {
			cli_hex(got[i], TDXCTL_SHA384_SIZE, hex);
			printf("rtmr%u %s\n", i, hex);
		}
	}
	if (bad >= 0) {
		cli_hex(got[bad], TDXCTL_SHA384_SIZE, hex);
		cli_hex(expect[bad], TDXCTL_SHA384_SIZE, hex2);
		fprintf(stderr, "%s: RTMR%d does not match: the log replays to %s, expected %s\n",
			EVENTLOG_REPLAY, bad, hex, hex2);
		ret = CLI_EXIT_FAIL;
	} else {
		if (any || report)
			fprintf(stderr, "%s: the log matches the expected RTMRs\n",
				EVENTLOG_REPLAY);
		ret = CLI_EXIT_OK;
	}
out:
	tdxctl_eventlog_free(&log);
	free(buf);
	return ret;
}

static const struct cli_cmd eventlog_cmds[] = {
	{ "dump", eventlog_dump, "print the events of a CC event log" },
	{ "replay", eventlog_replay, "replay a CC event log into RTMRs and compare" },
};

/* The "eventlog" group: see cli.h. */
int cmd_eventlog(int argc, char **argv)
{
	return cli_dispatch("tdxctl eventlog", eventlog_cmds,
			    sizeof(eventlog_cmds) / sizeof(eventlog_cmds[0]), argc, argv);
}

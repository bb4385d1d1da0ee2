/*
 * tdxctl measure mrtd|rtmr: the MRTD and RTMRs a TD built by qemu-tdx
 * from these files will report (docs/measurement.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "tdxctl/measure.h"
#include "tdxctl/tdxctl.h"

#define MEASURE_MRTD	"tdxctl measure mrtd"
#define MEASURE_RTMR	"tdxctl measure rtmr"

#define JSON_FLAGS \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

#define MEASURE_MAX_SMP	512

/*
 * @s as QEMU's -m takes it: a whole number with an optional suffix
 * B, K, M, G or T (either case); no suffix means MiB.
 */
static int parse_mem(const char *prog, const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 20;
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		switch (*end) {
		case 'b': case 'B': shift = 0; break;
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: goto bad;
		}
		if (end[1])
			goto bad;
	}
	if (v == 0 || v > (UINT64_MAX >> shift))
		goto bad;
	*out = (uint64_t)v << shift;
	if (*out % TDX_PAGE_SIZE)
		return cli_usage_error(prog, "--mem: '%s' is not a multiple of 4 KiB", s);
	return 0;
bad:
	return cli_usage_error(prog, "--mem: '%s' is not a size like 512M or 2G", s);
}

/* The image file read and parsed; on failure the error is already printed. */
static int load_tdvf(const char *prog, const char *path, uint8_t **buf, struct tdxctl_tdvf *tdvf)
{
	struct emu_error err = { 0 };
	size_t len;

	if (tdxctl_file_read(path, buf, &len, &err))
		return cli_fail(prog, &err);
	if (tdxctl_tdvf_parse(*buf, len, tdvf, &err)) {
		free(*buf);
		*buf = NULL;
		fprintf(stderr, "%s: %s: %s\n", prog, path, err.msg);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static json_object *hex_json(const uint8_t *p, size_t len)
{
	char hex[2 * TDXCTL_SHA384_SIZE + 1];

	cli_hex(p, len, hex);
	return json_object_new_string(hex);
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
	json_object_put(o);
}

static json_object *sections_json(const struct tdxctl_tdvf *tdvf)
{
	json_object *arr = json_object_new_array();
	unsigned int i;

	for (i = 0; i < tdvf->nr_sections; i++) {
		const struct tdvf_section_entry *s = &tdvf->sections[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string(
						  tdxctl_tdvf_section_name(s->type)));
		json_object_object_add(o, "data_offset", json_object_new_int64(s->data_offset));
		json_object_object_add(o, "raw_data_size",
				       json_object_new_int64(s->raw_data_size));
		json_object_object_add(o, "memory_address",
				       json_object_new_uint64(s->memory_address));
		json_object_object_add(o, "memory_data_size",
				       json_object_new_uint64(s->memory_data_size));
		json_object_object_add(o, "mr_extend", json_object_new_boolean(
				       s->attributes & TDVF_SECTION_ATTRIBUTES_MR_EXTEND));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* ---- measure mrtd ---- */

static int measure_mrtd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bios", required_argument, NULL, 'b' },
		{ "mem", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char hex[2 * TDXCTL_SHA384_SIZE + 1];
	uint8_t mrtd[TDXCTL_SHA384_SIZE];
	struct tdxctl_td_hob hob = { 0 };
	struct tdxctl_tdvf tdvf;
	struct emu_error err = { 0 };
	const char *bios = NULL;
	uint64_t mem = 0;
	bool json = false;
	uint8_t *img;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":b:m:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bios = optarg;
			break;
		case 'm':
			if (parse_mem(MEASURE_MRTD, optarg, &mem))
				return CLI_EXIT_USAGE;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s --bios TDVF.fd [--mem SIZE] [--json]\n\n"
			       "Print the MRTD a TD built by qemu-tdx from TDVF.fd starts with: the\n"
			       "sections in metadata order, TDH.MEM.PAGE.ADD for every page and\n"
			       "TDH.MR.EXTEND for every 256 bytes of MR.EXTEND sections.\n"
			       "  -b, --bios FILE   the TDVF image (required)\n"
			       "  -m, --mem SIZE    guest RAM as for qemu-tdx -m; needed only when the\n"
			       "                    TD_HOB section is MR.EXTEND (its content counts)\n"
			       "  -j, --json        print a JSON object with the sections\n",
			       MEASURE_MRTD);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(MEASURE_MRTD, c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(MEASURE_MRTD, "unexpected argument '%s'", argv[optind]);
	if (!bios)
		return cli_usage_error(MEASURE_MRTD, "--bios is required");
	ret = load_tdvf(MEASURE_MRTD, bios, &img, &tdvf);
	if (ret)
		return ret;
	if (mem && tdxctl_td_hob_build(&tdvf, mem, &hob, &err))
		goto fail;
	if (tdxctl_mrtd(&tdvf, mem ? &hob : NULL, mrtd, &err))
		goto fail;
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "mrtd", hex_json(mrtd, sizeof(mrtd)));
		json_object_object_add(o, "sections", sections_json(&tdvf));
		print_json(o);
	} else {
		cli_hex(mrtd, sizeof(mrtd), hex);
		printf("%s\n", hex);
	}
	ret = CLI_EXIT_OK;
	goto out;
fail:
	ret = cli_fail(MEASURE_MRTD, &err);
out:
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
	free(img);
	return ret;
}

/* ---- measure rtmr ---- */

static void measure_rtmr_help(void)
{
	printf("Usage: %s --bios TDVF.fd --kernel PAYLOAD --mem SIZE\n"
	       "       [--append CMDLINE] [--smp N] [--eventlog-out FILE] [--json]\n\n"
	       "Print RTMR0..3 of a TD that qemu-tdx starts with these options, as\n"
	       "ovmf-tdvf measures them: TD HOB, CFV and a separator into RTMR0, the\n"
	       "payload and a separator into RTMR1, the command line into RTMR2.\n"
	       "  -b, --bios FILE          the TDVF image (qemu-tdx -bios)\n"
	       "  -k, --kernel FILE        the payload (qemu-tdx -kernel)\n"
	       "  -a, --append STR         the command line (qemu-tdx -append); without it\n"
	       "                           nothing is measured into RTMR2\n"
	       "  -m, --mem SIZE           guest RAM as for qemu-tdx -m (512M, 2G, ...)\n"
	       "  -s, --smp N              vCPUs, 1..%u (does not change the TD HOB)\n"
	       "  -e, --eventlog-out FILE  also write the predicted CC event log\n"
	       "  -j, --json               print a JSON object\n",
	       MEASURE_RTMR, MEASURE_MAX_SMP);
}

static int measure_rtmr(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bios", required_argument, NULL, 'b' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem", required_argument, NULL, 'm' },
		{ "smp", required_argument, NULL, 's' },
		{ "eventlog-out", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *bios = NULL, *kernel = NULL, *append = NULL, *log_out = NULL;
	char hex[2 * TDXCTL_SHA384_SIZE + 1];
	struct tdxctl_rtmr_prediction pred;
	struct tdxctl_td_hob hob = { 0 };
	struct emu_error err = { 0 };
	struct tdxctl_rtmr_input in;
	struct tdxctl_tdvf tdvf;
	uint8_t *img, *payload = NULL, *log = NULL;
	size_t payload_len, log_len;
	uint64_t mem = 0, smp = 1;
	bool json = false;
	unsigned int i;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":b:k:a:m:s:e:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bios = optarg;
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'a':
			append = optarg;
			break;
		case 'm':
			if (parse_mem(MEASURE_RTMR, optarg, &mem))
				return CLI_EXIT_USAGE;
			break;
		case 's':
			if (cli_parse_u64(MEASURE_RTMR, "--smp", optarg, 1, MEASURE_MAX_SMP, &smp))
				return CLI_EXIT_USAGE;
			break;
		case 'e':
			log_out = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			measure_rtmr_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(MEASURE_RTMR, c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(MEASURE_RTMR, "unexpected argument '%s'", argv[optind]);
	if (!bios || !kernel || !mem)
		return cli_usage_error(MEASURE_RTMR, "--bios, --kernel and --mem are required");
	(void)smp;
	if (tdxctl_file_read(kernel, &payload, &payload_len, &err))
		return cli_fail(MEASURE_RTMR, &err);
	ret = load_tdvf(MEASURE_RTMR, bios, &img, &tdvf);
	if (ret) {
		free(payload);
		return ret;
	}
	if (tdxctl_td_hob_build(&tdvf, mem, &hob, &err))
		goto fail;
	in = (struct tdxctl_rtmr_input){ &tdvf, &hob, payload, payload_len, append };
	if (tdxctl_rtmr_predict(&in, &pred, &err))
		goto fail;
	if (log_out) {
		if (tdxctl_eventlog_write(pred.events, pred.nr_events, &log, &log_len, &err) ||
		    tdxctl_file_write(log_out, log, log_len, 0644, &err))
			goto fail;
	}
	if (json) {
		json_object *o = json_object_new_object();

		for (i = 0; i < TDXCTL_NR_RTMR; i++) {
			char name[8];

			snprintf(name, sizeof(name), "rtmr%u", i);
			json_object_object_add(o, name, hex_json(pred.rtmr[i], TDXCTL_SHA384_SIZE));
		}
		json_object_object_add(o, "td_hob_size", json_object_new_int64((int64_t)hob.used));
		json_object_object_add(o, "events", json_object_new_int(
						    (int32_t)pred.nr_events));
		print_json(o);
	} else {
		for (i = 0; i < TDXCTL_NR_RTMR; i++) {
			cli_hex(pred.rtmr[i], TDXCTL_SHA384_SIZE, hex);
			printf("rtmr%u %s\n", i, hex);
		}
	}
	ret = CLI_EXIT_OK;
	goto out;
fail:
	ret = cli_fail(MEASURE_RTMR, &err);
out:
	free(log);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
	free(img);
	free(payload);
	return ret;
}

static const struct cli_cmd measure_cmds[] = {
	{ "mrtd", measure_mrtd, "MRTD of a TDVF image as qemu-tdx adds it" },
	{ "rtmr", measure_rtmr, "RTMR0..3 for a firmware, payload and command line" },
};

/* The "measure" group: see cli.h. */
int cmd_measure(int argc, char **argv)
{
	return cli_dispatch("tdxctl measure", measure_cmds,
			    sizeof(measure_cmds) / sizeof(measure_cmds[0]), argc, argv);
}

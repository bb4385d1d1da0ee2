/*
 * tdx-kbs: a small key broker for the secret-provisioning demo
 * (scripts/kbs-demo.sh).  It releases one secret, and only to a TD that
 * proves with a quote that
 *   - the quote verifies (signature, QE report, PCK chain to the given
 *     root CA, CRLs, TCB info, QE identity: tdxctl_quote_verify()),
 *   - its MRTD and RTMR0..2 equal what tdxctl's calculators predict for the
 *     reference firmware, payload and command line the broker was given,
 *   - its REPORTDATA is a nonce this broker issued (first 32 bytes; the
 *     rest zero), not used before.
 *
 * The nonce travels to the TD on its command line ("<prefix> nonce=<hex>"),
 * so it is also measured into RTMR2: the broker predicts RTMR2 for that
 * exact command line.
 *
 * Protocol: one JSON object per line over a Unix socket, one request per
 * connection:
 *	{"op":"nonce"}                 -> {"nonce":"<64 hex>","cmdline":"..."}
 *	{"op":"release","quote":"<hex>"} -> {"secret":"<hex>"} or {"error":"..."}
 * Anything else gets {"error":"..."}; a client that sends too much or too
 * slowly is cut off.  The broker goes on serving after every refusal.
 *
 * A real deployment would also bind a TD-generated key in REPORTDATA and
 * wrap the secret to it, so that the host relaying the reply cannot read
 * it; the demo payload has no public-key code, so here the nonce only
 * proves freshness.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <tdx/tdx_quote.h>

#include "emu_error.h"
#include "tdxctl/attest.h"
#include "tdxctl/measure.h"
#include "tdxctl/tdxctl.h"

#define NONCE_SIZE		32
#define NONCE_HEX		(2 * NONCE_SIZE)
#define MAX_NONCES		64
#define NONCE_LIFETIME_S	300
#define MAX_LINE		(128 * 1024)	/* a hex quote is ~10 KiB */
#define CLIENT_TIMEOUT_MS	5000
#define MAX_SECRET		4096
#define MAX_CMDLINE		1024

struct nonce {
	uint8_t value[NONCE_SIZE];
	time_t issued;
	bool live;
};

struct broker {
	const char *root_ca;
	const char *collateral;
	const char *prefix;		/* the command line before " nonce=..." */
	bool allow_debug;
	uint8_t *bios, *kernel;
	size_t bios_len, kernel_len;
	struct tdxctl_tdvf tdvf;
	struct tdxctl_td_hob hob;
	uint8_t mrtd[TDXCTL_SHA384_SIZE];
	uint8_t secret[MAX_SECRET];
	size_t secret_len;
	struct nonce nonces[MAX_NONCES];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tdx-kbs serve --socket PATH --root-ca PEM --collateral DIR --secret FILE\n"
		"                     --bios TDVF --kernel PAYLOAD --mem SIZE [--append PREFIX]\n"
		"                     [--allow-debug]\n"
		"       tdx-kbs nonce --socket PATH\n"
		"       tdx-kbs request --socket PATH (--quote FILE | --quote-hex FILE)\n");
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Exactly @n bytes from 2n hex digits; -EINVAL otherwise. */
static int unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = s[i], v = c >= '0' && c <= '9' ? c - '0' :
				  c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				  c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned int shift = 20;	/* QEMU's default unit for -m is MiB */

	if (end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end)
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	if (!v || v > (1ULL << (64 - shift - 1)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* ---- the reference measurements ---- */

static int broker_load(struct broker *b, const char *bios, const char *kernel, uint64_t mem,
		       const char *secret_path, struct emu_error *err)
{
	uint8_t *secret;
	size_t len;

	if (tdxctl_file_read(bios, &b->bios, &b->bios_len, err) ||
	    tdxctl_file_read(kernel, &b->kernel, &b->kernel_len, err) ||
	    tdxctl_tdvf_parse(b->bios, b->bios_len, &b->tdvf, err) ||
	    tdxctl_td_hob_build(&b->tdvf, mem, &b->hob, err) ||
	    tdxctl_mrtd(&b->tdvf, &b->hob, b->mrtd, err))
		return -1;
	if (tdxctl_file_read(secret_path, &secret, &len, err))
		return -1;
	if (len > MAX_SECRET) {
		free(secret);
		return emu_error_set(err, -EFBIG, "%s: a secret of at most %d bytes", secret_path,
				     MAX_SECRET);
	}
	memcpy(b->secret, secret, len);
	b->secret_len = len;
	OPENSSL_cleanse(secret, len);
	free(secret);
	return 0;
}

static int cmdline_for(const struct broker *b, const uint8_t nonce[NONCE_SIZE],
		       char out[MAX_CMDLINE])
{
	char h[NONCE_HEX + 1];

	hex(nonce, NONCE_SIZE, h);
	if ((size_t)snprintf(out, MAX_CMDLINE, "%s%snonce=%s", b->prefix,
			     *b->prefix ? " " : "", h) >= MAX_CMDLINE)
		return -E2BIG;
	return 0;
}

/* ---- requests ---- */

static json_object *reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_object *reply_error(const char *fmt, ...)
{
	json_object *r = json_object_new_object();
	char msg[EMU_ERROR_MSG_LEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(r, "error", json_object_new_string(msg));
	return r;
}

static json_object *op_nonce(struct broker *b)
{
	struct nonce *slot = &b->nonces[0];
	char h[NONCE_HEX + 1], cmdline[MAX_CMDLINE];
	json_object *r;

	/* A free slot, else the oldest one makes room. */
	for (unsigned int i = 0; i < MAX_NONCES; i++) {
		if (!b->nonces[i].live) {
			slot = &b->nonces[i];
			break;
		}
		if (b->nonces[i].issued < slot->issued)
			slot = &b->nonces[i];
	}
	if (RAND_bytes(slot->value, NONCE_SIZE) != 1)
		return reply_error("no randomness for a nonce");
	if (cmdline_for(b, slot->value, cmdline))
		return reply_error("command line prefix too long");
	slot->issued = time(NULL);
	slot->live = true;
	hex(slot->value, NONCE_SIZE, h);
	r = json_object_new_object();
	json_object_object_add(r, "nonce", json_object_new_string(h));
	json_object_object_add(r, "cmdline", json_object_new_string(cmdline));
	return r;
}

static struct nonce *find_nonce(struct broker *b, const uint8_t rd[TDX_REPORTDATA_SIZE])
{
	static const uint8_t zero[TDX_REPORTDATA_SIZE - NONCE_SIZE];
	time_t now = time(NULL);

	if (memcmp(rd + NONCE_SIZE, zero, sizeof(zero)))
		return NULL;
	for (unsigned int i = 0; i < MAX_NONCES; i++) {
		struct nonce *n = &b->nonces[i];

		if (n->live && now - n->issued > NONCE_LIFETIME_S)
			n->live = false;
		if (n->live && !memcmp(n->value, rd, NONCE_SIZE))
			return n;
	}
	return NULL;
}

static json_object *op_release(struct broker *b, json_object *req)
{
	json_object *jq, *r;
	const char *qhex;
	size_t qlen;
	uint8_t *quote;
	struct tdxctl_quote q;
	struct tdxctl_rtmr_input in;
	struct tdxctl_rtmr_prediction pred;
	struct tdxctl_verify_policy policy = { .allow_debug = b->allow_debug };
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };
	char cmdline[MAX_CMDLINE], *secret_hex;
	struct nonce *n;

	if (!json_object_object_get_ex(req, "quote", &jq) || !json_object_is_type(jq, json_type_string))
		return reply_error("release: no \"quote\" string");
	qhex = json_object_get_string(jq);
	qlen = (size_t)json_object_get_string_len(jq);
	if (!qlen || qlen % 2)
		return reply_error("release: the quote is not hex");
	quote = malloc(qlen / 2);
	if (!quote)
		return reply_error("out of memory");
	if (unhex(qhex, qlen, quote, qlen / 2)) {
		free(quote);
		return reply_error("release: the quote is not hex");
	}
	if (tdxctl_quote_parse(quote, qlen / 2, &q, &err)) {
		free(quote);
		return reply_error("refused: %s", err.msg);
	}
	n = find_nonce(b, q.body->reportdata);
	if (!n) {
		free(quote);
		return reply_error("refused: REPORTDATA does not carry a live nonce of this broker");
	}
	/* What this TD must have measured, given the command line that carried the nonce. */
	if (cmdline_for(b, n->value, cmdline)) {
		free(quote);
		return reply_error("command line prefix too long");
	}
	in = (struct tdxctl_rtmr_input){ .tdvf = &b->tdvf, .hob = &b->hob, .payload = b->kernel,
					 .payload_len = b->kernel_len, .cmdline = cmdline };
	if (tdxctl_rtmr_predict(&in, &pred, &err)) {
		free(quote);
		return reply_error("broker: %s", err.msg);
	}
	policy.mrtd = b->mrtd;
	for (unsigned int i = 0; i < 3; i++)
		policy.rtmr[i] = pred.rtmr[i];
	policy.report_data = q.body->reportdata;
	if (tdxctl_quote_verify(quote, qlen / 2, b->root_ca, b->collateral, &policy, &res, &err)) {
		free(quote);
		return reply_error("refused: %s", err.msg);
	}
	free(quote);
	n->live = false;	/* one release per nonce */
	secret_hex = malloc(2 * b->secret_len + 1);
	if (!secret_hex)
		return reply_error("out of memory");
	hex(b->secret, b->secret_len, secret_hex);
	r = json_object_new_object();
	json_object_object_add(r, "secret", json_object_new_string(secret_hex));
	json_object_object_add(r, "tcb_status", json_object_new_string(res.tcb_status));
	OPENSSL_cleanse(secret_hex, 2 * b->secret_len);
	free(secret_hex);
	return r;
}

static json_object *handle(struct broker *b, const char *line)
{
	json_object *req = json_tokener_parse(line), *jop, *r;
	const char *op;

	if (!req || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		return reply_error("malformed request: not a JSON object");
	}
	if (!json_object_object_get_ex(req, "op", &jop) || !json_object_is_type(jop, json_type_string))
		r = reply_error("malformed request: no \"op\"");
	else if (!strcmp((op = json_object_get_string(jop)), "nonce"))
		r = op_nonce(b);
	else if (!strcmp(op, "release"))
		r = op_release(b, req);
	else
		r = reply_error("unknown op \"%s\"", op);
	json_object_put(req);
	return r;
}

/* ---- the socket ---- */

static int unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

/* One line, at most @cap - 1 bytes, within the client timeout; -1 otherwise. */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CLIENT_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	buf[len] = '\0';
	if (!memchr(buf, '\n', len))
		return -1;	/* too long, or never ended */
	*strchr(buf, '\n') = '\0';
	return (ssize_t)len;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int serve(struct broker *b, const char *path)
{
	struct sockaddr_un a;
	char *line = malloc(MAX_LINE);
	int lfd;

	if (!line || unix_addr(path, &a)) {
		fprintf(stderr, "tdx-kbs: %s: bad socket path\n", path);
		free(line);
		return 1;
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8)) {
		fprintf(stderr, "tdx-kbs: %s: %s\n", path, strerror(errno));
		free(line);
		return 1;
	}
	fprintf(stderr, "tdx-kbs: serving on %s\n", path);
	while (!stopping) {
		int cfd = accept(lfd, NULL, NULL);
		json_object *r, *e;
		const char *out;

		if (cfd < 0)
			continue;
		if (read_line(cfd, line, MAX_LINE) < 0)
			r = reply_error("malformed request: no complete line within %d bytes and %d ms",
					MAX_LINE, CLIENT_TIMEOUT_MS);
		else
			r = handle(b, line);
		out = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
		if (!write_all(cfd, out, strlen(out)))
			write_all(cfd, "\n", 1);
		if (json_object_object_get_ex(r, "error", &e))
			fprintf(stderr, "tdx-kbs: %s\n", json_object_get_string(e));
		else if (json_object_object_get_ex(r, "secret", &e))
			fprintf(stderr, "tdx-kbs: secret released\n");
		json_object_put(r);
		close(cfd);
	}
	close(lfd);
	unlink(path);
	free(line);
	return 0;
}

/* Client side: send one request, print the reply's field or its error. */
static int call(const char *path, json_object *req, const char *field)
{
	struct sockaddr_un a;
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *line = malloc(MAX_LINE);
	json_object *r = NULL, *v;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 1;

	if (!line || fd < 0 || unix_addr(path, &a) || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "tdx-kbs: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (write_all(fd, s, strlen(s)) || write_all(fd, "\n", 1) ||
	    read_line(fd, line, MAX_LINE) < 0 || !(r = json_tokener_parse(line))) {
		fprintf(stderr, "tdx-kbs: no reply from %s\n", path);
		goto out;
	}
	if (json_object_object_get_ex(r, field, &v)) {
		printf("%s\n", json_object_get_string(v));
		ret = 0;
	} else if (json_object_object_get_ex(r, "error", &v)) {
		fprintf(stderr, "tdx-kbs: %s\n", json_object_get_string(v));
	}
out:
	json_object_put(r);
	if (fd >= 0)
		close(fd);
	free(line);
	return ret;
}

int main(int argc, char **argv)
{
	enum { O_SOCKET = 1, O_ROOT, O_COLL, O_SECRET, O_BIOS, O_KERNEL, O_MEM, O_APPEND,
	       O_DEBUG, O_QUOTE, O_QUOTE_HEX };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "root-ca", required_argument, NULL, O_ROOT },
		{ "collateral", required_argument, NULL, O_COLL },
		{ "secret", required_argument, NULL, O_SECRET },
		{ "bios", required_argument, NULL, O_BIOS },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "mem", required_argument, NULL, O_MEM },
		{ "append", required_argument, NULL, O_APPEND },
		{ "allow-debug", no_argument, NULL, O_DEBUG },
		{ "quote", required_argument, NULL, O_QUOTE },
		{ "quote-hex", required_argument, NULL, O_QUOTE_HEX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *secret = NULL, *bios = NULL, *kernel = NULL, *mem = NULL;
	const char *quote_path = NULL, *cmd;
	bool quote_is_hex = false;
	static struct broker b = { .prefix = "" };
	struct emu_error err = { 0 };
	uint64_t mem_size;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET: sock = optarg; break;
		case O_ROOT: b.root_ca = optarg; break;
		case O_COLL: b.collateral = optarg; break;
		case O_SECRET: secret = optarg; break;
		case O_BIOS: bios = optarg; break;
		case O_KERNEL: kernel = optarg; break;
		case O_MEM: mem = optarg; break;
		case O_APPEND: b.prefix = optarg; break;
		case O_DEBUG: b.allow_debug = true; break;
		case O_QUOTE: quote_path = optarg; quote_is_hex = false; break;
		case O_QUOTE_HEX: quote_path = optarg; quote_is_hex = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !sock) {
		fprintf(stderr, "tdx-kbs: %s\n", optind != argc ? "unexpected argument" :
			"--socket is required");
		return 2;
	}
	if (!strcmp(cmd, "nonce")) {
		json_object *req = json_object_new_object();
		int ret;

		json_object_object_add(req, "op", json_object_new_string("nonce"));
		ret = call(sock, req, "nonce");
		json_object_put(req);
		return ret;
	}
	if (!strcmp(cmd, "request")) {
		json_object *req;
		uint8_t *q;
		size_t qlen;
		char *qhex;
		int ret;

		if (!quote_path) {
			fprintf(stderr, "tdx-kbs: request: --quote or --quote-hex is required\n");
			return 2;
		}
		if (tdxctl_file_read(quote_path, &q, &qlen, &err)) {
			fprintf(stderr, "tdx-kbs: %s\n", err.msg);
			return 1;
		}
		qhex = malloc(2 * qlen + 1);
		if (!qhex) {
			free(q);
			return 1;
		}
		if (quote_is_hex) {
			/* Hex digits as the TD printed them; whitespace between lines is dropped. */
			size_t n = 0;

			for (size_t i = 0; i < qlen; i++)
				if (!strchr(" \t\r\n", q[i]))
					qhex[n++] = (char)q[i];
			qhex[n] = '\0';
		} else {
			hex(q, qlen, qhex);
		}
		free(q);
		req = json_object_new_object();
		json_object_object_add(req, "op", json_object_new_string("release"));
		json_object_object_add(req, "quote", json_object_new_string(qhex));
		free(qhex);
		ret = call(sock, req, "secret");
		json_object_put(req);
		return ret;
	}
	if (strcmp(cmd, "serve")) {
		fprintf(stderr, "tdx-kbs: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (!b.root_ca || !b.collateral || !secret || !bios || !kernel || !mem) {
		fprintf(stderr, "tdx-kbs: serve needs --root-ca, --collateral, --secret, --bios, "
				"--kernel and --mem\n");
		return 2;
	}
	if (parse_size(mem, &mem_size)) {
		fprintf(stderr, "tdx-kbs: --mem %s: not a size\n", mem);
		return 2;
	}
	if (broker_load(&b, bios, kernel, mem_size, secret, &err)) {
		fprintf(stderr, "tdx-kbs: %s\n", err.msg);
		return 1;
	}
	/* No SA_RESTART: a signal ends the accept() so the loop sees it. */
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return serve(&b, sock);
}

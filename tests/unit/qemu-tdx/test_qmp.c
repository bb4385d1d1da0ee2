/*
 * Unit tests for qmp.c and qmp_commands.c over a real Unix socket in a
 * temporary directory: the -qmp argument, greeting, capabilities
 * negotiation, each command, QEMU's error classes, and clients that send
 * malformed JSON, oversized messages, floods, or vanish mid-message.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "qmp.h"

struct fake_vmm {
	struct qmp_server *server;
	bool is_td;
	int query_status_rc;
	int quits;
};

struct fixture {
	char dir[64];
	char path[100];
	char spec[192];
	struct fake_vmm vmm;
	struct qmp_ops ops;
	struct qmp_server *s;
};

static int fake_query_status(void *opaque, bool *running, const char **status)
{
	struct fake_vmm *v = opaque;

	*running = true;
	*status = "running";
	return v->query_status_rc;
}

static int fake_query_tdx(void *opaque, struct qmp_tdx_info *out)
{
	struct fake_vmm *v = opaque;

	if (!v->is_td)
		return -ENODEV;
	out->attributes = 0x10000000ull;	/* SEPT_VE_DISABLE */
	out->xfam = 0x61bull;
	for (int i = 0; i < QMP_MRTD_SIZE; i++)
		out->mrtd[i] = (uint8_t)(0xa0 + i);
	snprintf(out->state, sizeof(out->state), "runnable");
	return 0;
}

/* As the VMM does: stop, and announce it. */
static void fake_quit(void *opaque)
{
	struct fake_vmm *v = opaque;

	__atomic_add_fetch(&v->quits, 1, __ATOMIC_SEQ_CST);
	assert_int_equal(qmp_server_event_shutdown(v->server, false, "host-qmp-quit"), 0);
}

static int setup_common(void **state, bool start)
{
	static struct fixture f;
	char err[256];

	memset(&f, 0, sizeof(f));
	/* mkdtemp() template: the trailing six characters become 'X'. */
	snprintf(f.dir, sizeof(f.dir), "/tmp/qmp-test-%s", "......");
	memset(f.dir + strlen(f.dir) - 6, 'X', 6);
	assert_non_null(mkdtemp(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/qmp.sock", f.dir);
	snprintf(f.spec, sizeof(f.spec), "unix:%s,server=on,wait=off", f.path);
	f.vmm.is_td = true;
	f.ops = (struct qmp_ops){
		.opaque = &f.vmm,
		.query_status = fake_query_status,
		.query_tdx = fake_query_tdx,
		.quit = fake_quit,
	};
	if (start && qmp_server_start(f.spec, &f.ops, &f.s, err, sizeof(err)))
		fail_msg("qmp_server_start: %s", err);
	f.vmm.server = f.s;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, true);
}

static int setup_stopped(void **state)
{
	return setup_common(state, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	qmp_server_stop(f->s);
	unlink(f->path);
	assert_int_equal(rmdir(f->dir), 0);
	return 0;
}

/* Client side. */
static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (int i = 0; i < 200; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(10000);
	}
	fail_msg("connect %s: %s", path, strerror(errno));
	return -1;
}

static void client_send(int fd, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* One reply line within @ms, or NULL on timeout or EOF (@eof says which). */
static struct json_object *client_recv_ms(int fd, int ms, bool *eof)
{
	char line[8192];
	size_t n = 0;

	*eof = false;
	while (n < sizeof(line) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, ms) <= 0)
			return NULL;
		r = recv(fd, line + n, 1, 0);
		if (r <= 0) {
			*eof = true;
			return NULL;
		}
		if (line[n] == '\n') {
			line[n + 1] = '\0';
			assert_true(n > 0 && line[n - 1] == '\r');
			return json_tokener_parse(line);
		}
		n++;
	}
	fail_msg("reply line too long");
	return NULL;
}

static struct json_object *client_recv(int fd)
{
	bool eof;
	struct json_object *o = client_recv_ms(fd, 3000, &eof);

	if (!o)
		fail_msg("no reply (%s)", eof ? "EOF" : "timeout");
	return o;
}

static struct json_object *path_get(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x = NULL, *y = NULL;

	if (!json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

/* Send @req, expect {"error": {"class": @cls, "desc": contains @desc}}. */
static void expect_error(int fd, const char *req, const char *cls, const char *desc)
{
	struct json_object *r;
	const char *got;

	client_send(fd, req);
	r = client_recv(fd);
	if (!path_get(r, "error", "class"))
		fail_msg("expected an error for %s, got %s", req, json_object_to_json_string(r));
	assert_string_equal(json_object_get_string(path_get(r, "error", "class")), cls);
	got = json_object_get_string(path_get(r, "error", "desc"));
	if (!strstr(got, desc))
		fail_msg("desc \"%s\" lacks \"%s\"", got, desc);
	json_object_put(r);
}

/* Send @req, expect {"return": ...}; returns the value (caller puts the reply). */
static struct json_object *expect_return(int fd, const char *req, struct json_object **reply)
{
	struct json_object *r;

	client_send(fd, req);
	r = client_recv(fd);
	if (!path_get(r, "return", NULL))
		fail_msg("expected a return for %s, got %s", req, json_object_to_json_string(r));
	*reply = r;
	return path_get(r, "return", NULL);
}

static int open_session(struct fixture *f)
{
	int fd = client_connect(f->path);
	struct json_object *g = client_recv(fd), *r;

	json_object_put(g);
	expect_return(fd, "{\"execute\": \"qmp_capabilities\"}\n", &r);
	json_object_put(r);
	return fd;
}

/* -qmp argument parsing. */
static void expect_spec_error(const char *spec, const char *needle)
{
	struct qmp_spec s;
	char err[256] = "";

	assert_int_equal(qmp_parse_spec(spec, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("for '%s': \"%s\" lacks \"%s\"", spec, err, needle);
}

static void test_parse_spec(void **state)
{
	struct qmp_spec s;
	char err[256], long_path[200];

	(void)state;
	assert_int_equal(qmp_parse_spec("unix:/run/q.sock,server=on,wait=off", &s, err,
					sizeof(err)), 0);
	assert_string_equal(s.path, "/run/q.sock");
	assert_false(s.wait);
	/* QEMU's default is wait=on. */
	assert_int_equal(qmp_parse_spec("unix:rel.sock,server=on", &s, err, sizeof(err)), 0);
	assert_string_equal(s.path, "rel.sock");
	assert_true(s.wait);

	/* ",," is a literal comma, as in QEMU's option syntax. */
	assert_int_equal(qmp_parse_spec("unix:/tmp/a,,b.sock,wait=off,server=on", &s, err,
					sizeof(err)), 0);
	assert_string_equal(s.path, "/tmp/a,b.sock");
	assert_false(s.wait);

	expect_spec_error("tcp:127.0.0.1:4444,server=on,wait=off", "'tcp' sockets are not supported");
	expect_spec_error("unix:/a,server=on,", "Invalid parameter ''");
	expect_spec_error("unix:/a,server=on,wait=off,,x", "Parameter 'wait' expects 'on' or 'off'");
	expect_spec_error("stdio", "'stdio' is not a chardev qemu-tdx supports");
	expect_spec_error("unixx:/a,server=on", "'unixx' sockets are not supported");
	expect_spec_error("unix:/a", "add server=on");
	expect_spec_error("unix:/a,server=off", "add server=on");
	expect_spec_error("unix:/a,server=maybe", "Parameter 'server' expects 'on' or 'off'");
	expect_spec_error("unix:/a,server", "Parameter 'server' expects 'on' or 'off'");
	expect_spec_error("unix:/a,server=on,nowait", "Invalid parameter 'nowait'");
	expect_spec_error("unix:/a,server=on,telnet=on", "Invalid parameter 'telnet'");
	expect_spec_error("unix:,server=on", "needs a socket path");
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	snprintf(err, sizeof(err), "unix:/%s,server=on", long_path);
	expect_spec_error(err, "is too long");
	assert_int_equal(qmp_parse_spec(NULL, &s, err, sizeof(err)), -EINVAL);
}

static void test_start_refusals(void **state)
{
	struct fixture *f = *state;
	struct qmp_server *s = NULL;
	char err[512], spec[256];
	struct stat st;
	FILE *fp;

	assert_int_equal(qmp_server_start("tcp:localhost:4444,server=on,wait=off", &f->ops, &s,
					  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "-qmp tcp:localhost:4444,server=on,wait=off: 'tcp' sockets are "
			    "not supported by qemu-tdx; use unix:PATH,server=on,wait=off");
	assert_null(s);
	/* A regular file at the path is never replaced. */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("keep me", fp);
	fclose(fp);
	assert_int_equal(qmp_server_start(f->spec, &f->ops, &s, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 7);
	unlink(f->path);
	/* A directory that does not exist. */
	snprintf(spec, sizeof(spec), "unix:%s/missing/q.sock,server=on,wait=off", f->dir);
	assert_int_equal(qmp_server_start(spec, &f->ops, &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "Failed to bind socket"));
	assert_null(s);
}

static void test_greeting(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f->path);
	struct json_object *g = client_recv(fd), *caps, *ver;

	ver = path_get(path_get(g, "QMP", "version"), "qemu", NULL);
	assert_non_null(ver);
	assert_int_equal(json_object_get_int(path_get(ver, "major", NULL)), 10);
	assert_int_equal(json_object_get_int(path_get(ver, "minor", NULL)), 1);
	assert_non_null(path_get(path_get(g, "QMP", "version"), "package", NULL));
	caps = path_get(g, "QMP", "capabilities");
	assert_true(json_object_is_type(caps, json_type_array));
	assert_int_equal(json_object_array_length(caps), 0);
	json_object_put(g);
	close(fd);
}

static void test_capabilities_negotiation(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f->path);
	struct json_object *r, *v;

	json_object_put(client_recv(fd));
	expect_error(fd, "{\"execute\": \"query-status\"}\n", "CommandNotFound",
		     "Expecting capabilities negotiation with 'qmp_capabilities'");
	expect_error(fd, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}\n",
		     "GenericError", "Capability 'oob' not available");
	expect_error(fd, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": 1}}\n",
		     "GenericError", "expected: array");
	expect_error(fd, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"x\": 1}}\n",
		     "GenericError", "Parameter 'x' is unexpected");
	/* Still not negotiated after those. */
	expect_error(fd, "{\"execute\": \"quit\"}\n", "CommandNotFound", "Expecting capabilities");
	assert_int_equal(f->vmm.quits, 0);
	v = expect_return(fd, "{\"execute\": \"qmp_capabilities\", \"id\": 7}\n", &r);
	assert_int_equal(json_object_object_length(v), 0);
	assert_int_equal(json_object_get_int(path_get(r, "id", NULL)), 7);
	json_object_put(r);
	expect_error(fd, "{\"execute\": \"qmp_capabilities\"}\n", "CommandNotFound",
		     "Capabilities negotiation is already complete");
	/* Negotiation is per connection. */
	{
		int fd2 = client_connect(f->path);

		json_object_put(client_recv(fd2));
		expect_error(fd2, "{\"execute\": \"query-status\"}\n", "CommandNotFound",
			     "Expecting capabilities");
		close(fd2);
	}
	close(fd);
}

static void test_query_status(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	struct json_object *r, *v;

	v = expect_return(fd, "{\"execute\": \"query-status\", \"id\": \"abc\"}\n", &r);
	assert_true(json_object_get_boolean(path_get(v, "running", NULL)));
	assert_string_equal(json_object_get_string(path_get(v, "status", NULL)), "running");
	assert_string_equal(json_object_get_string(path_get(r, "id", NULL)), "abc");
	json_object_put(r);
	expect_error(fd, "{\"execute\": \"query-status\", \"arguments\": {\"verbose\": true}}\n",
		     "GenericError", "Parameter 'verbose' is unexpected");
	f->vmm.query_status_rc = -EIO;
	expect_error(fd, "{\"execute\": \"query-status\"}\n", "GenericError",
		     "query-status failed");
	close(fd);
}

static void test_query_tdx(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	struct json_object *r, *v;
	char want[2 * QMP_MRTD_SIZE + 1];

	v = expect_return(fd, "{\"execute\": \"query-tdx\"}\n", &r);
	assert_string_equal(json_object_get_string(path_get(v, "attributes", NULL)),
			    "0x0000000010000000");
	assert_string_equal(json_object_get_string(path_get(v, "xfam", NULL)),
			    "0x000000000000061b");
	for (int i = 0; i < QMP_MRTD_SIZE; i++)
		snprintf(&want[2 * i], 3, "%02x", 0xa0 + i);
	assert_string_equal(json_object_get_string(path_get(v, "mrtd", NULL)), want);
	assert_string_equal(json_object_get_string(path_get(v, "state", NULL)), "runnable");
	json_object_put(r);
	f->vmm.is_td = false;
	expect_error(fd, "{\"execute\": \"query-tdx\"}\n", "GenericError",
		     "TDX is not enabled for this VM");
	close(fd);
}

static void test_unknown_command(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);

	expect_error(fd, "{\"execute\": \"query-sev\"}\n", "CommandNotFound",
		     "The command query-sev has not been found");
	expect_error(fd, "{\"execute\": \"\"}\n", "CommandNotFound", "The command  has not");
	close(fd);
}

static void test_malformed_requests(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	struct json_object *r;

	expect_error(fd, "{\"execute\": }\n", "GenericError", "JSON parse error");
	expect_error(fd, "{\"execute\" \"quit\"} trailing garbage\n", "GenericError",
		     "JSON parse error");
	expect_error(fd, "[1, 2]\n", "GenericError", "QMP input must be a JSON object");
	expect_error(fd, "\"quit\"\n", "GenericError", "QMP input must be a JSON object");
	expect_error(fd, "{}\n", "GenericError", "QMP input lacks member 'execute'");
	expect_error(fd, "{\"execute\": 1}\n", "GenericError",
		     "QMP input member 'execute' must be a string");
	expect_error(fd, "{\"execute\": \"quit\", \"arguments\": []}\n", "GenericError",
		     "QMP input member 'arguments' must be an object");
	expect_error(fd, "{\"execute\": \"quit\", \"bogus\": 1}\n", "GenericError",
		     "QMP input member 'bogus' is unexpected");
	/* Bytes that are not UTF-8, and NULs. */
	expect_error(fd, "{\"execute\": \"qu\xff\xfeit\"}\n", "GenericError", "JSON parse error");
	client_send(fd, "{\"execute\": \"quit\"");
	assert_int_equal(send(fd, "\0}\n", 3, MSG_NOSIGNAL), 3);
	r = client_recv(fd);
	assert_non_null(strstr(json_object_get_string(path_get(r, "error", "desc")),
			       "JSON parse error"));
	json_object_put(r);
	/* Nesting deeper than the tokener allows. */
	{
		char deep[200];

		memset(deep, '[', 100);
		memcpy(deep + 100, "\n", 2);
		expect_error(fd, deep, "GenericError", "JSON parse error");
	}
	assert_int_equal(f->vmm.quits, 0);
	/* The same connection still works. */
	expect_return(fd, "{\"execute\": \"query-status\"}\n", &r);
	json_object_put(r);
	close(fd);
}

static void test_framing(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	const char *req = "{\"execute\": \"query-status\", \"id\": 1}";
	struct json_object *r;

	/* Two requests in one write, no newline between them. */
	client_send(fd, "{\"execute\": \"query-status\", \"id\": 1}{\"execute\": \"query-tdx\", \"id\": 2}");
	for (int id = 1; id <= 2; id++) {
		r = client_recv(fd);
		assert_int_equal(json_object_get_int(path_get(r, "id", NULL)), id);
		assert_non_null(path_get(r, "return", NULL));
		json_object_put(r);
	}
	/* One request a byte at a time. */
	for (const char *p = req; *p; p++) {
		char c[2] = { *p, 0 };

		client_send(fd, c);
		usleep(200);
	}
	r = client_recv(fd);
	assert_int_equal(json_object_get_int(path_get(r, "id", NULL)), 1);
	json_object_put(r);
	close(fd);
}

static void assert_server_alive(struct fixture *f)
{
	int fd = open_session(f);
	struct json_object *r;

	expect_return(fd, "{\"execute\": \"query-status\"}\n", &r);
	json_object_put(r);
	close(fd);
}

static void test_oversized_message(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	size_t len = QMP_MAX_MESSAGE + 4096;
	char *big = malloc(len + 1);
	struct json_object *r;
	bool eof = false;

	assert_non_null(big);
	memset(big, 'a', len);
	memcpy(big, "{\"execute\": \"", 13);
	big[len] = '\0';
	/* The server may close while we are still sending: ignore EPIPE. */
	(void)send(fd, big, len, MSG_NOSIGNAL);
	free(big);
	r = client_recv(fd);
	assert_string_equal(json_object_get_string(path_get(r, "error", "class")), "GenericError");
	assert_non_null(strstr(json_object_get_string(path_get(r, "error", "desc")),
			       "exceeds 65536 bytes"));
	json_object_put(r);
	assert_null(client_recv_ms(fd, 3000, &eof));
	assert_true(eof);
	close(fd);
	assert_server_alive(f);
}

static void test_abrupt_disconnects(void **state)
{
	struct fixture *f = *state;
	int fd;

	/* Mid-message. */
	fd = open_session(f);
	client_send(fd, "{\"execute\": \"qmp_capa");
	close(fd);
	/* Before reading the greeting. */
	fd = client_connect(f->path);
	close(fd);
	/* Half-closed after a complete request: the reply is still sent. */
	fd = open_session(f);
	client_send(fd, "{\"execute\": \"query-status\"}");
	shutdown(fd, SHUT_WR);
	close(fd);
	assert_int_equal(f->vmm.quits, 0);
	assert_server_alive(f);
}

static void test_client_that_never_reads(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	const char *req = "{\"execute\": \"query-tdx\"}";
	size_t len = strlen(req);
	time_t t0 = time(NULL);
	bool dropped = false;

	/* Replies (~250 bytes each) pile up until the server gives up on us. */
	while (!dropped && time(NULL) - t0 < 20) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, 100) <= 0)
			continue;
		if (send(fd, req, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK)
			dropped = true;
	}
	assert_true(dropped);
	close(fd);
	assert_server_alive(f);
}

static void test_quit(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	int other = open_session(f);
	struct json_object *r, *v;

	v = expect_return(fd, "{\"execute\": \"quit\", \"id\": 3}\n", &r);
	assert_int_equal(json_object_object_length(v), 0);
	json_object_put(r);
	/* The reply came before the VMM's SHUTDOWN, which every session gets once. */
	for (int i = 0; i < 2; i++) {
		int c = i ? other : fd;
		bool eof;

		r = client_recv(c);
		assert_string_equal(json_object_get_string(path_get(r, "event", NULL)), "SHUTDOWN");
		assert_false(json_object_get_boolean(path_get(r, "data", "guest")));
		assert_string_equal(json_object_get_string(path_get(r, "data", "reason")),
				    "host-qmp-quit");
		assert_non_null(path_get(r, "timestamp", "seconds"));
		json_object_put(r);
		assert_null(client_recv_ms(c, 100, &eof));
		assert_false(eof);
	}
	assert_int_equal(f->vmm.quits, 1);
	expect_error(fd, "{\"execute\": \"quit\", \"arguments\": {\"now\": 1}}\n", "GenericError",
		     "Parameter 'now' is unexpected");
	assert_int_equal(f->vmm.quits, 1);
	close(fd);
	close(other);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	int fresh = client_connect(f->path);
	struct qmp_tdx_panic panic = { .error_code = 0x1234, .has_gpa = true, .gpa = 0x8000ull << 32 };
	struct json_object *r, *info;
	bool eof;

	json_object_put(client_recv(fresh));
	assert_int_equal(qmp_server_event_shutdown(f->s, true, "guest-shutdown"), 0);
	r = client_recv(fd);
	assert_string_equal(json_object_get_string(path_get(r, "event", NULL)), "SHUTDOWN");
	assert_true(json_object_get_boolean(path_get(r, "data", "guest")));
	assert_string_equal(json_object_get_string(path_get(r, "data", "reason")), "guest-shutdown");
	json_object_put(r);

	/* The TD's message may hold anything; it goes out as printable ASCII. */
	snprintf(panic.message, sizeof(panic.message), "bad\xff\x01\"ring\"\n");
	assert_int_equal(qmp_server_event_guest_panicked(f->s, "pause", &panic), 0);
	r = client_recv(fd);
	assert_string_equal(json_object_get_string(path_get(r, "event", NULL)), "GUEST_PANICKED");
	assert_string_equal(json_object_get_string(path_get(r, "data", "action")), "pause");
	info = path_get(r, "data", "info");
	assert_string_equal(json_object_get_string(path_get(info, "type", NULL)), "tdx");
	assert_int_equal(json_object_get_int64(path_get(info, "error-code", NULL)), 0x1234);
	assert_string_equal(json_object_get_string(path_get(info, "message", NULL)),
			    "bad??\"ring\"?");
	assert_int_equal(json_object_get_uint64(path_get(info, "gpa", NULL)), 0x8000ull << 32);
	json_object_put(r);
	panic.has_gpa = false;
	assert_int_equal(qmp_server_event_guest_panicked(f->s, "poweroff", &panic), 0);
	r = client_recv(fd);
	assert_null(path_get(path_get(r, "data", "info"), "gpa", NULL));
	json_object_put(r);
	assert_int_equal(qmp_server_event_guest_panicked(f->s, "reboot", &panic), -EINVAL);
	assert_int_equal(qmp_server_event_shutdown(NULL, true, "guest-shutdown"), -EINVAL);

	/* A client still negotiating gets no events. */
	assert_null(client_recv_ms(fresh, 200, &eof));
	assert_false(eof);

	/* An event posted just before stop is delivered before the close. */
	assert_int_equal(qmp_server_event_shutdown(f->s, true, "guest-shutdown"), 0);
	qmp_server_stop(f->s);
	f->s = NULL;
	r = client_recv(fd);
	assert_string_equal(json_object_get_string(path_get(r, "event", NULL)), "SHUTDOWN");
	json_object_put(r);
	assert_null(client_recv_ms(fd, 1000, &eof));
	assert_true(eof);
	close(fd);
	close(fresh);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Out of file descriptors: the server neither spins nor gives up. */
static void test_accept_out_of_fds(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, low;
	struct json_object *g;
	double cpu0, spent;
	int next, fd;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	next = dup(0);
	assert_true(next >= 0);
	close(next);
	/* Room for the client's socket, none for the server's accept(). */
	low = old;
	low.rlim_cur = (rlim_t)next + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	fd = client_connect(f->path);
	cpu0 = cpu_seconds();
	usleep(300000);
	spent = cpu_seconds() - cpu0;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (spent >= 0.15)
		fail_msg("server spun for %.3f s of CPU in 0.3 s", spent);
	g = client_recv(fd);
	assert_non_null(path_get(g, "QMP", NULL));
	json_object_put(g);
	close(fd);
}

static void test_client_limit(void **state)
{
	struct fixture *f = *state;
	int fds[QMP_MAX_CLIENTS], extra;
	struct json_object *g;
	bool eof;

	for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
		fds[i] = client_connect(f->path);
		json_object_put(client_recv(fds[i]));
	}
	/* One more waits in the backlog, greeted once a slot frees up. */
	extra = client_connect(f->path);
	assert_null(client_recv_ms(extra, 200, &eof));
	assert_false(eof);
	close(fds[0]);
	g = client_recv(extra);
	assert_non_null(path_get(g, "QMP", NULL));
	json_object_put(g);
	for (int i = 1; i < QMP_MAX_CLIENTS; i++)
		close(fds[i]);
	close(extra);
}

static void test_stop_removes_socket(void **state)
{
	struct fixture *f = *state;
	int fd = open_session(f);
	struct stat st;
	bool eof;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	qmp_server_stop(f->s);
	f->s = NULL;
	assert_int_equal(stat(f->path, &st), -1);
	assert_null(client_recv_ms(fd, 1000, &eof));
	assert_true(eof);
	close(fd);
}

static void test_restart_replaces_stale_socket(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[256];
	int stale = socket(AF_UNIX, SOCK_STREAM, 0);

	/* A socket file left by a previous run that died. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(stale);
	if (qmp_server_start(f->spec, &f->ops, &f->s, err, sizeof(err)))
		fail_msg("qmp_server_start: %s", err);
	assert_server_alive(f);
}

static void *late_client(void *arg)
{
	struct fixture *f = arg;
	int fd;

	usleep(100000);
	fd = client_connect(f->path);
	return (void *)(intptr_t)fd;
}

static void test_wait_on_blocks_for_first_client(void **state)
{
	struct fixture *f = *state;
	char err[256];
	pthread_t t;
	void *ret;
	int fd;
	struct json_object *g;

	snprintf(f->spec, sizeof(f->spec), "unix:%s,server=on,wait=on", f->path);
	assert_int_equal(pthread_create(&t, NULL, late_client, f), 0);
	if (qmp_server_start(f->spec, &f->ops, &f->s, err, sizeof(err)))
		fail_msg("qmp_server_start: %s", err);
	pthread_join(t, &ret);
	fd = (int)(intptr_t)ret;
	g = client_recv(fd);
	assert_non_null(path_get(g, "QMP", NULL));
	json_object_put(g);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test_setup_teardown(test_start_refusals, setup_stopped, teardown),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_greeting),
		T(test_capabilities_negotiation),
		T(test_query_status),
		T(test_query_tdx),
		T(test_unknown_command),
		T(test_malformed_requests),
		T(test_framing),
		T(test_oversized_message),
		T(test_abrupt_disconnects),
		T(test_client_that_never_reads),
		T(test_quit),
		T(test_events),
		T(test_accept_out_of_fds),
		T(test_client_limit),
		T(test_stop_removes_socket),
#undef T
		cmocka_unit_test_setup_teardown(test_restart_replaces_stale_socket, setup_stopped,
						teardown),
		cmocka_unit_test_setup_teardown(test_wait_on_blocks_for_first_client, setup_stopped,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tdx-qgs as a subprocess: malformed, truncated, oversized, wrong-version,
 * wrong-type and slow clients get error replies or are closed, and the
 * service keeps answering; qemu-tdx's qgs_client gets a quote that is the
 * report's, and refuses malformed responses from a fake service.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/tdx_quote.h>

#include "attest_test_util.h"
#include "qgs_client.h"

static pid_t qgs_pid;
static char sock_path[600], state[600];

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int setup(void **s)
{
	(void)s;
	at_path(sock_path, sizeof(sock_path), "qgs.sock");
	at_path(state, sizeof(state), "state");
	signal(SIGPIPE, SIG_IGN);
	qgs_pid = fork();
	if (qgs_pid == 0) {
		execl(TDX_QGS_BIN, "tdx-qgs", "--socket", sock_path, "--state-dir", state,
		      "--timeout", "2", "--max-clients", "8", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int fd = connect_to(sock_path);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(50000);
	}
	print_error("tdx-qgs did not start listening on %s\n", sock_path);
	return -1;
}

static int teardown(void **s)
{
	int status = 0;

	(void)s;
	kill(qgs_pid, SIGTERM);
	waitpid(qgs_pid, &status, 0);
	return 0;
}

static void service_alive(void)
{
	int status;

	assert_int_equal(waitpid(qgs_pid, &status, WNOHANG), 0);
}

/* Read up to @n bytes within @ms; returns bytes read (0: closed, -1: timeout). */
static ssize_t read_within(int fd, void *buf, size_t n, int ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, ms) <= 0)
			return got ? (ssize_t)got : -1;
		r = read(fd, (uint8_t *)buf + got, n - got);
		if (r <= 0)
			return (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Send @len bytes framed with @frame_len (as given, so it can lie) and
 * return the error_code of the response; -1 if the service closed
 * without one.
 */
static long exchange(uint32_t frame_len, const void *msg, size_t len, uint8_t **resp_out)
{
	uint8_t be[4] = { (uint8_t)(frame_len >> 24), (uint8_t)(frame_len >> 16),
			  (uint8_t)(frame_len >> 8), (uint8_t)frame_len };
	struct qgs_msg_header h;
	uint8_t rbe[4];
	uint32_t rlen;
	uint8_t *resp;
	int fd = connect_to(sock_path);

	assert_true(fd >= 0);
	/* The service may answer and close before all is sent: a failed write is no failure. */
	if (write(fd, be, 4) == 4 && len && write(fd, msg, len) < 0)
		len = 0;
	if (read_within(fd, rbe, 4, 5000) != 4) {
		if (getenv("ATTEST_QGS_DEBUG"))
			fprintf(stderr, "exchange(frame %u, %zu bytes): no reply: %s\n", frame_len, len,
				strerror(errno));
		close(fd);
		return -1;
	}
	rlen = (uint32_t)rbe[0] << 24 | (uint32_t)rbe[1] << 16 | (uint32_t)rbe[2] << 8 | rbe[3];
	assert_true(rlen >= sizeof(h) && rlen <= QGS_MSG_MAX_SIZE);
	resp = malloc(rlen);
	assert_non_null(resp);
	assert_int_equal(read_within(fd, resp, rlen, 5000), (ssize_t)rlen);
	close(fd);
	memcpy(&h, resp, sizeof(h));
	assert_int_equal(h.major_version, 1);
	assert_int_equal(h.type, QGS_MSG_GET_QUOTE_RESP);
	assert_int_equal(h.size, rlen);
	if (resp_out)
		*resp_out = resp;
	else
		free(resp);
	return h.error_code;
}

static uint8_t *good_request(size_t *len, unsigned int seed)
{
	struct qgs_get_quote_req *req;
	struct tdreport_struct rep;

	*len = sizeof(*req) + sizeof(rep);
	req = calloc(1, *len);
	assert_non_null(req);
	req->header.major_version = 1;
	req->header.minor_version = 1;
	req->header.type = QGS_MSG_GET_QUOTE_REQ;
	req->header.size = (uint32_t)*len;
	req->report_size = sizeof(rep);
	at_make_report(state, seed, &rep);
	memcpy(req + 1, &rep, sizeof(rep));
	return (uint8_t *)req;
}

static void test_good_request(void **s)
{
	size_t len;
	uint8_t *req = good_request(&len, 1), *resp = NULL;
	const struct qgs_get_quote_resp *r;
	const struct tdreport_struct *rep = (const void *)(req + sizeof(struct qgs_get_quote_req));

	(void)s;
	assert_int_equal(exchange((uint32_t)len, req, len, &resp), 0);
	r = (const void *)resp;
	assert_int_equal(r->selected_id_size, 0);
	assert_true(r->quote_size > 1020);
	assert_int_equal(r->header.size, sizeof(*r) + r->quote_size);
	/* The quote's MRTD and REPORTDATA are the report's. */
	assert_memory_equal((const uint8_t *)(r + 1) + 184, rep->tdinfo.mrtd, 48);
	assert_memory_equal((const uint8_t *)(r + 1) + 568, rep->reportmacstruct.reportdata, 64);
	free(resp);
	free(req);
}

static void test_malformed_suite(void **s)
{
	size_t len;
	uint8_t *req = good_request(&len, 2), *bad = malloc(len + 64);
	struct qgs_get_quote_req *h = (void *)bad;

	(void)s;
	assert_non_null(bad);
	/* Frames shorter than a header or over the cap: an error, then closed. */
	assert_int_equal(exchange(0, NULL, 0, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	assert_int_equal(exchange(3, "abc", 3, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	assert_int_equal(exchange(0xFFFFFFFFu, NULL, 0, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	assert_int_equal(exchange(QGS_MSG_MAX_SIZE + 1, req, len, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	/* Header only, claiming a quote request. */
	assert_int_equal(exchange(16, req, 16, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	/* Wrong major version. */
	memcpy(bad, req, len);
	h->header.major_version = 2;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_VERSION);
	/* Other message types. */
	for (uint32_t t = 1; t <= 6; t++) {
		memcpy(bad, req, len);
		h->header.type = t;
		assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_TYPE);
	}
	/* Header size disagreeing with the frame. */
	memcpy(bad, req, len);
	h->header.size += 1;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	/* A request carrying an error code. */
	memcpy(bad, req, len);
	h->header.error_code = 5;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_CODE);
	/* report_size not 1024; id_list_size beyond the message. */
	memcpy(bad, req, len);
	h->report_size = 1000;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	memcpy(bad, req, len);
	h->id_list_size = 0xFFFFFFF0u;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	/* Trailing bytes not declared as an id list. */
	memcpy(bad, req, len);
	h->header.size = (uint32_t)len + 8;
	assert_int_equal(exchange((uint32_t)len + 8, bad, len + 8, NULL), QGS_MSG_ERROR_INVALID_SIZE);
	/* A report the QE refuses (MAC broken). */
	memcpy(bad, req, len);
	bad[sizeof(*h) + 300] ^= 1;
	assert_int_equal(exchange((uint32_t)len, bad, len, NULL), QGS_MSG_ERROR_QUOTE);
	/* Truncated: the frame promises more than is sent, then the client waits. */
	assert_int_equal(exchange((uint32_t)len, req, len / 2, NULL), -1);
	service_alive();
	assert_int_equal(exchange((uint32_t)len, req, len, NULL), 0);
	free(bad);
	free(req);
}

static void test_slow_and_many_clients(void **s)
{
	int fds[16];
	size_t len;
	uint8_t *req = good_request(&len, 3);
	struct timespec t0, t1;
	char c;

	(void)s;
	/*
	 * A client that connects and sends nothing is closed after --timeout 2
	 * (2 s, not 1: on a loaded machine a test process can stall for a
	 * second between connect and write, and would be "slow" itself).
	 */
	fds[0] = connect_to(sock_path);
	assert_true(fds[0] >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(read_within(fds[0], &c, 1, 5000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec >= 1 && t1.tv_sec - t0.tv_sec <= 4);
	close(fds[0]);
	/* More idle clients than --max-clients 8: the extra ones are closed at once. */
	for (int i = 0; i < 16; i++)
		fds[i] = connect_to(sock_path);
	usleep(200000);
	for (int i = 0; i < 16; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	usleep(2500000);	/* the idle ones time out */
	service_alive();
	assert_int_equal(exchange((uint32_t)len, req, len, NULL), 0);
	free(req);
}

struct client_arg {
	unsigned int seed;
	int ret;
};

static void *client_thread(void *p)
{
	struct client_arg *a = p;
	struct tdreport_struct rep;
	uint8_t *quote = malloc(QGS_MSG_MAX_SIZE);
	size_t qlen = 0;
	char err[256];

	at_make_report(state, a->seed, &rep);
	a->ret = qgs_get_quote(sock_path, &rep, sizeof(rep), quote, QGS_MSG_MAX_SIZE, &qlen, err,
			       sizeof(err));
	if (!a->ret && memcmp(quote + 184, rep.tdinfo.mrtd, 48))
		a->ret = -EBADMSG;
	free(quote);
	return NULL;
}

static void test_client_concurrent(void **s)
{
	pthread_t t[6];
	struct client_arg a[6];

	(void)s;
	for (int i = 0; i < 6; i++) {
		a[i] = (struct client_arg){ .seed = 10 + (unsigned int)i, .ret = -1 };
		assert_int_equal(pthread_create(&t[i], NULL, client_thread, &a[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].ret, 0);
	}
}

static void test_client_errors(void **s)
{
	struct tdreport_struct rep;
	uint8_t quote[8192];
	size_t qlen = 0;
	char err[256], missing[700];

	(void)s;
	at_make_report(state, 20, &rep);
	assert_int_equal(qgs_get_quote(sock_path, &rep, sizeof(rep), quote, 100, &qlen, err,
				       sizeof(err)), -ENOBUFS);
	assert_non_null(strstr(err, "exceeds"));
	rep.tdinfo.mrtd[0] ^= 1;	/* the QE refuses it */
	assert_int_equal(qgs_get_quote(sock_path, &rep, sizeof(rep), quote, sizeof(quote), &qlen,
				       err, sizeof(err)), -EREMOTEIO);
	assert_non_null(strstr(err, "error_code"));
	at_path(missing, sizeof(missing), "no-such.sock");
	assert_int_equal(qgs_get_quote(missing, &rep, sizeof(rep), quote, sizeof(quote), &qlen,
				       err, sizeof(err)), -ENOENT);
	assert_int_equal(qgs_get_quote(NULL, &rep, sizeof(rep), quote, sizeof(quote), &qlen, err,
				       sizeof(err)), -EINVAL);
}

/* A fake service that answers every request with @reply (framed as given). */
struct fake {
	int lfd;
	const uint8_t *reply;
	size_t len;
	int delay_ms;
};

static void *fake_service(void *p)
{
	struct fake *f = p;
	int fd = accept(f->lfd, NULL, NULL);
	uint8_t buf[2048];

	if (fd < 0)
		return NULL;
	read_within(fd, buf, 4 + 24 + 1024, 2000);
	usleep((useconds_t)f->delay_ms * 1000);
	if (f->len && write(fd, f->reply, f->len) < 0)
		f->len = 0;
	close(fd);
	return NULL;
}

static int fake_reply(const uint8_t *reply, size_t len, int delay_ms, int timeout_ms, char *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake f = { .reply = reply, .len = len, .delay_ms = delay_ms };
	struct tdreport_struct rep = { 0 };
	uint8_t quote[4096];
	size_t qlen = 0;
	pthread_t t;
	int ret;

	at_path(sa.sun_path, sizeof(sa.sun_path), "fake.sock");
	unlink(sa.sun_path);
	f.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.lfd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, fake_service, &f), 0);
	ret = qgs_get_quote_timeout(sa.sun_path, &rep, sizeof(rep), quote, sizeof(quote), &qlen,
				    timeout_ms, err, 256);
	pthread_join(t, NULL);
	close(f.lfd);
	return ret;
}

static void test_client_validates_response(void **s)
{
	uint8_t r[4 + 24 + 8];
	struct qgs_get_quote_resp *h = (void *)(r + 4);
	char err[256];

	(void)s;
	memset(r, 0, sizeof(r));
	r[3] = 32;
	h->header.major_version = 1;
	h->header.minor_version = 1;
	h->header.type = QGS_MSG_GET_QUOTE_RESP;
	h->header.size = 32;
	h->quote_size = 8;
	memset(h + 1, 0xAB, 8);
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), 0);
	h->header.major_version = 2;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	assert_non_null(strstr(err, "version"));
	h->header.major_version = 1;
	h->header.type = QGS_MSG_GET_QUOTE_REQ;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	assert_non_null(strstr(err, "type"));
	h->header.type = QGS_MSG_GET_QUOTE_RESP;
	h->header.size = 31;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	h->header.size = 32;
	h->quote_size = 9;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	assert_non_null(strstr(err, "quote_size"));
	h->quote_size = 8;
	h->selected_id_size = 1;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	h->selected_id_size = 0;
	h->header.error_code = 7;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EREMOTEIO);
	h->header.error_code = 0;
	/* Truncated, closed without a reply, too slow, frame length out of range. */
	assert_int_equal(fake_reply(r, sizeof(r) - 3, 0, 2000, err), -EPROTO);
	assert_int_equal(fake_reply(r, 0, 0, 2000, err), -EPROTO);
	assert_int_equal(fake_reply(r, sizeof(r), 600, 200, err), -ETIMEDOUT);
	r[0] = 0x7f;
	assert_int_equal(fake_reply(r, sizeof(r), 0, 2000, err), -EPROTO);
	assert_non_null(strstr(err, "out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_request),
		cmocka_unit_test(test_malformed_suite),
		cmocka_unit_test(test_slow_and_many_clients),
		cmocka_unit_test(test_client_concurrent),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_client_validates_response),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

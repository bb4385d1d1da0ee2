/*
 * tdx-qgs: the quote generation service.  Listens on a Unix socket and
 * speaks QEMU's quote-generation-socket protocol (qgs_msg.h): each
 * connection may send framed GET_QUOTE_REQ messages and gets one framed
 * response per message.
 *
 *   tdx-qgs [--socket PATH] [--state-dir DIR] [--timeout SEC] [--max-clients N]
 *
 * One thread per connection, at most --max-clients at once (more are
 * closed at accept).  A frame longer than QGS_MSG_MAX_SIZE or shorter
 * than a header gets an error response and the connection is closed; a
 * client that takes longer than --timeout seconds to send a whole frame
 * is closed.  Nothing a client sends stops the service.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "platform_state.h"
#include "qgs_msg.h"

#define QGS_DEFAULT_SOCKET	"/var/run/tdx-qgs/qgs.socket"
#define QGS_DEFAULT_TIMEOUT	5
#define QGS_DEFAULT_CLIENTS	64

struct qgs {
	struct qe *qe;
	int timeout_ms;
	unsigned int max_clients;
	atomic_uint clients;
};

struct conn {
	struct qgs *qgs;
	int fd;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly @n bytes before @deadline: 0, 1 on EOF before any byte, -1 otherwise. */
static int read_full(int fd, void *buf, size_t n, long long deadline)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		r = read(fd, (uint8_t *)buf + got, n - got);
		if (r == 0)
			return got ? -1 : 1;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n, long long deadline)
{
	size_t done = 0;

	while (done < n) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long long left = deadline - now_ms();
		ssize_t w;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		w = send(fd, (const uint8_t *)buf + done, n - done, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

static int send_frame(int fd, const uint8_t *msg, size_t len, long long deadline)
{
	uint8_t be[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			  (uint8_t)len };

	return write_full(fd, be, 4, deadline) || write_full(fd, msg, len, deadline) ? -1 : 0;
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	struct qgs *qgs = c->qgs;
	uint8_t *msg = malloc(QGS_MSG_MAX_SIZE);

	while (msg && !stopping) {
		long long deadline = now_ms() + qgs->timeout_ms;
		uint8_t be[4], *resp = NULL;
		size_t resp_len = 0;
		uint32_t len, code;
		char why[EMU_ERROR_MSG_LEN + 64];
		int r = read_full(c->fd, be, 4, deadline);

		if (r == 1)
			break;		/* the client is done */
		if (r) {
			fprintf(stderr, "tdx-qgs: client too slow or gone mid-frame; closed\n");
			break;
		}
		len = (uint32_t)be[0] << 24 | (uint32_t)be[1] << 16 | (uint32_t)be[2] << 8 | be[3];
		if (len < sizeof(struct qgs_msg_header) || len > QGS_MSG_MAX_SIZE) {
			fprintf(stderr, "tdx-qgs: frame of %u bytes refused (%zu..%u)\n", len,
				sizeof(struct qgs_msg_header), QGS_MSG_MAX_SIZE);
			if (!qgs_error_resp(QGS_MSG_ERROR_INVALID_SIZE, &resp, &resp_len))
				send_frame(c->fd, resp, resp_len, deadline);
			free(resp);
			break;		/* the stream cannot be resynchronised */
		}
		if (read_full(c->fd, msg, len, deadline)) {
			fprintf(stderr, "tdx-qgs: frame truncated or too slow; closed\n");
			break;
		}
		code = qgs_handle_msg(qgs->qe, msg, len, &resp, &resp_len, why, sizeof(why));
		fprintf(stderr, "tdx-qgs: %s: %s\n", code ? "refused" : "ok", why);
		r = resp ? send_frame(c->fd, resp, resp_len, now_ms() + qgs->timeout_ms) : -1;
		free(resp);
		if (r)
			break;
	}
	free(msg);
	close(c->fd);
	atomic_fetch_sub(&qgs->clients, 1);
	free(c);
	return NULL;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tdx-qgs: --socket %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);		/* a stale socket from an earlier run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		fprintf(stderr, "tdx-qgs: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tdx-qgs [--socket PATH] [--state-dir DIR] [--timeout SEC]"
		   " [--max-clients N]\n\n"
		   "Quote generation service for tdx-emu TDs (QEMU quote-generation-socket).\n"
		   "  --socket PATH      Unix socket (default %s)\n"
		   "  --state-dir DIR    platform state directory (default $%s,\n"
		   "                     %s, or ~/.local/state/tdx-emu)\n"
		   "  --timeout SEC      per-message deadline for clients (default %d)\n"
		   "  --max-clients N    concurrent connections (default %d)\n",
		QGS_DEFAULT_SOCKET, PLATFORM_STATE_ENV, PLATFORM_STATE_SYSTEM_DIR,
		QGS_DEFAULT_TIMEOUT, QGS_DEFAULT_CLIENTS);
}

static int parse_pos(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > max) {
		fprintf(stderr, "tdx-qgs: %s %s: expected 1..%ld\n", opt, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *sock = QGS_DEFAULT_SOCKET, *state = NULL;
	struct qgs qgs = { .timeout_ms = QGS_DEFAULT_TIMEOUT * 1000,
			   .max_clients = QGS_DEFAULT_CLIENTS };
	struct emu_error err = { 0 };
	char state_buf[PATH_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	long v;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "s:d:t:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'd':
			state = optarg;
			break;
		case 't':
			if (parse_pos("--timeout", optarg, 3600, &v))
				return 2;
			qgs.timeout_ms = (int)v * 1000;
			break;
		case 'm':
			if (parse_pos("--max-clients", optarg, 4096, &v))
				return 2;
			qgs.max_clients = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tdx-qgs: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!state) {
		if (platform_state_dir_default(state_buf, sizeof(state_buf), &err)) {
			fprintf(stderr, "tdx-qgs: %s\n", err.msg);
			return 1;
		}
		state = state_buf;
	}
	if (qe_open(state, &qgs.qe, &err)) {
		fprintf(stderr, "tdx-qgs: %s\n", err.msg);
		return 1;
	}
	lfd = listen_on(sock);
	if (lfd < 0) {
		qe_close(qgs.qe);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "tdx-qgs: platform state %s; listening on %s\n", state, sock);

	while (!stopping) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *conn;
		pthread_t t;

		if (fd < 0)
			continue;	/* EINTR on a stop signal, or a client gone */
		if (atomic_fetch_add(&qgs.clients, 1) >= qgs.max_clients) {
			atomic_fetch_sub(&qgs.clients, 1);
			fprintf(stderr, "tdx-qgs: %u clients already; connection closed\n",
				qgs.max_clients);
			close(fd);
			continue;
		}
		conn = malloc(sizeof(*conn));
		if (conn) {
			conn->qgs = &qgs;
			conn->fd = fd;
		}
		if (!conn || pthread_create(&t, NULL, serve, conn)) {
			free(conn);
			close(fd);
			atomic_fetch_sub(&qgs.clients, 1);
			continue;
		}
		pthread_detach(t);
	}
	close(lfd);
	unlink(sock);
	/* Let the connection threads finish before the QE goes away. */
	for (int i = 0; i < 100 && atomic_load(&qgs.clients); i++)
		usleep(qgs.timeout_ms * 10);
	if (!atomic_load(&qgs.clients))
		qe_close(qgs.qe);
	return 0;
}

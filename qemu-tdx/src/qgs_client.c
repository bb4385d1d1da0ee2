/*
 * Quote generation service client (qgs_client.h).  Everything the
 * service sends is checked before it is used.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <tdx/tdx_quote.h>

#include "qgs_client.h"

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0, -ETIMEDOUT, -EPIPE (peer closed early) or -errno. */
static int xfer(int fd, void *buf, size_t n, int out, long long deadline)
{
	size_t done = 0;

	while (done < n) {
		struct pollfd p = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		long long left = deadline - now_ms();
		ssize_t r;
		int pr;

		if (left <= 0)
			return -ETIMEDOUT;
		pr = poll(&p, 1, (int)left);
		if (pr == 0)
			return -ETIMEDOUT;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = out ? send(fd, (uint8_t *)buf + done, n - done, MSG_NOSIGNAL)
			: recv(fd, (uint8_t *)buf + done, n - done, 0);
		if (r == 0)
			return -EPIPE;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		done += (size_t)r;
	}
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int check_resp(const uint8_t *msg, size_t len, void *quote, size_t quote_cap,
		      size_t *quote_len, char *err, size_t errlen)
{
	struct qgs_get_quote_resp r;

	if (len < sizeof(struct qgs_msg_header))
		return fail(err, errlen, -EPROTO, "qgs: response of %zu bytes has no header", len);
	memset(&r, 0, sizeof(r));
	memcpy(&r, msg, len < sizeof(r) ? sizeof(r.header) : sizeof(r));
	if (r.header.major_version != QGS_MSG_LIB_MAJOR_VER)
		return fail(err, errlen, -EPROTO, "qgs: response major version %u, expected %u",
			    r.header.major_version, QGS_MSG_LIB_MAJOR_VER);
	if (r.header.type != QGS_MSG_GET_QUOTE_RESP)
		return fail(err, errlen, -EPROTO, "qgs: response type %u, expected GET_QUOTE_RESP",
			    r.header.type);
	if (r.header.size != len)
		return fail(err, errlen, -EPROTO, "qgs: response size %u, frame %zu",
			    r.header.size, len);
	if (r.header.error_code)
		return fail(err, errlen, -EREMOTEIO, "qgs: service error_code 0x%x",
			    r.header.error_code);
	if (len < sizeof(r))
		return fail(err, errlen, -EPROTO, "qgs: response of %zu bytes is truncated", len);
	if (r.selected_id_size)
		return fail(err, errlen, -EPROTO, "qgs: selected_id_size %u, expected 0",
			    r.selected_id_size);
	if (r.quote_size == 0 || sizeof(r) + (uint64_t)r.quote_size != len)
		return fail(err, errlen, -EPROTO, "qgs: quote_size %u disagrees with size %zu",
			    r.quote_size, len);
	if (r.quote_size > quote_cap)
		return fail(err, errlen, -ENOBUFS, "qgs: quote of %u bytes exceeds %zu",
			    r.quote_size, quote_cap);
	memcpy(quote, msg + sizeof(r), r.quote_size);
	*quote_len = r.quote_size;
	return 0;
}

int qgs_get_quote_timeout(const char *socket_path, const void *report, size_t report_len,
			  void *quote, size_t quote_cap, size_t *quote_len, int timeout_ms,
			  char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + timeout_ms;
	struct qgs_get_quote_req req;
	uint8_t frame[4], *msg = NULL;
	uint32_t len;
	int fd, ret;

	if (!socket_path || strlen(socket_path) >= sizeof(sa.sun_path))
		return fail(err, errlen, -EINVAL, "qgs: socket path missing or too long");
	if (!report || report_len == 0 ||
	    report_len > QGS_MSG_MAX_SIZE - sizeof(req) || !quote || !quote_len || timeout_ms <= 0)
		return fail(err, errlen, -EINVAL, "qgs: bad report, quote buffer or timeout");
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "qgs: socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return fail(err, errlen, ret, "qgs: %s: %s", socket_path, strerror(-ret));
	}

	memset(&req, 0, sizeof(req));
	req.header.major_version = QGS_MSG_LIB_MAJOR_VER;
	req.header.minor_version = QGS_MSG_LIB_MINOR_VER;
	req.header.type = QGS_MSG_GET_QUOTE_REQ;
	req.header.size = (uint32_t)(sizeof(req) + report_len);
	req.report_size = (uint32_t)report_len;
	put_be32(frame, req.header.size);
	ret = xfer(fd, frame, 4, 1, deadline);
	if (!ret)
		ret = xfer(fd, &req, sizeof(req), 1, deadline);
	if (!ret)
		ret = xfer(fd, (void *)report, report_len, 1, deadline);
	if (ret) {
		close(fd);
		return fail(err, errlen, ret, "qgs: sending the request: %s", strerror(-ret));
	}

	ret = xfer(fd, frame, 4, 0, deadline);
	if (ret) {
		close(fd);
		return fail(err, errlen, ret == -EPIPE ? -EPROTO : ret,
			    "qgs: reading the response length: %s",
			    ret == -EPIPE ? "service closed the connection" : strerror(-ret));
	}
	len = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 |
	      frame[3];
	if (len < sizeof(struct qgs_msg_header) || len > QGS_MSG_MAX_SIZE) {
		close(fd);
		return fail(err, errlen, -EPROTO, "qgs: response frame of %u bytes out of range",
			    len);
	}
	msg = malloc(len);
	if (!msg) {
		close(fd);
		return fail(err, errlen, -ENOMEM, "qgs: out of memory");
	}
	ret = xfer(fd, msg, len, 0, deadline);
	close(fd);
	if (ret) {
		free(msg);
		return fail(err, errlen, ret == -EPIPE ? -EPROTO : ret,
			    "qgs: reading the response: %s",
			    ret == -EPIPE ? "truncated" : strerror(-ret));
	}
	ret = check_resp(msg, len, quote, quote_cap, quote_len, err, errlen);
	free(msg);
	return ret;
}

int qgs_get_quote(const char *socket_path, const void *report, size_t report_len,
		  void *quote, size_t quote_cap, size_t *quote_len, char *err, size_t errlen)
{
	return qgs_get_quote_timeout(socket_path, report, report_len, quote, quote_cap,
				     quote_len, QGS_CLIENT_TIMEOUT_MS, err, errlen);
}

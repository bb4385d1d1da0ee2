/*
 * The -qmp Unix socket: argument parsing, the listening socket, and a
 * poll() loop on its own thread that frames JSON messages per client and
 * hands them to qmp_commands.c.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"
#include "qmp_commands.h"

struct qmp_client {
	int fd;				/* -1: slot free */
	struct json_tokener *tok;
	struct qmp_session sess;
	bool in_message;		/* the tokener holds part of a message */
	size_t message_bytes;
	bool skip_line;			/* resynchronising after a parse error */
	bool closing;			/* close once the output is sent */
	char *out;
	size_t out_len;
};

/* An event posted by another thread, waiting for the server thread. */
struct qmp_event {
	struct qmp_event *next;
	struct json_object *obj;
};

struct qmp_server {
	int listen_fd;
	int wake_fd;			/* events posted, or stop */
	pthread_mutex_t event_lock;	/* guards events and stopping */
	struct qmp_event *events, **events_tail;
	bool stopping;
	bool accept_backoff;		/* accept() failed for lack of resources */
	struct qmp_spec spec;
	dev_t sock_dev;
	ino_t sock_ino;
	struct qmp_ops ops;
	pthread_t thread;
	struct qmp_client clients[QMP_MAX_CLIENTS];
};

static int fail(char *err, size_t n, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && n) {
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int parse_bool(const char *key, const char *val, bool *out, char *err, size_t n)
{
	if (val && !strcmp(val, "on")) {
		*out = true;
		return 0;
	}
	if (val && !strcmp(val, "off")) {
		*out = false;
		return 0;
	}
	return fail(err, n, -EINVAL, "Parameter '%s' expects 'on' or 'off'", key);
}

static int parse_option(char *opt, bool *server, bool *wait, char *err, size_t n)
{
	char *val = strchr(opt, '=');

	if (val)
		*val++ = '\0';
	if (!strcmp(opt, "server"))
		return parse_bool(opt, val, server, err, n);
	if (!strcmp(opt, "wait"))
		return parse_bool(opt, val, wait, err, n);
	return fail(err, n, -EINVAL, "Invalid parameter '%s'", opt);
}

/*
 * Split off the next comma-separated field in place; as in QEMU's option
 * syntax, ",," stands for a literal comma.
 */
static char *next_field(char **cur)
{
	char *start = *cur, *r = start, *w = start;

	if (!start)
		return NULL;
	while (*r) {
		if (*r == ',' && r[1] == ',') {
			*w++ = ',';
			r += 2;
		} else if (*r == ',') {
			*w = '\0';
			*cur = r + 1;
			return start;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	*cur = NULL;
	return start;
}

int qmp_parse_spec(const char *spec, struct qmp_spec *out, char *err, size_t n)
{
	bool server = false, wait = true;
	char buf[512], *cur, *path, *opt;
	const char *colon;
	size_t plen;
	int rc;

	if (!spec || !out)
		return fail(err, n, -EINVAL, "no -qmp argument");
	colon = strchr(spec, ':');
	if (!colon || colon == spec)
		return fail(err, n, -EINVAL,
			    "'%s' is not a chardev qemu-tdx supports; use unix:PATH,server=on,wait=off",
			    spec);
	if ((size_t)(colon - spec) != 4 || strncmp(spec, "unix", 4))
		return fail(err, n, -EINVAL,
			    "'%.*s' sockets are not supported by qemu-tdx; use unix:PATH,server=on,wait=off",
			    (int)(colon - spec), spec);
	if (strlen(colon + 1) >= sizeof(buf))
		return fail(err, n, -EINVAL, "-qmp argument is too long");
	memcpy(buf, colon + 1, strlen(colon + 1) + 1);
	cur = buf;
	path = next_field(&cur);
	plen = strlen(path);
	if (plen == 0)
		return fail(err, n, -EINVAL, "unix: needs a socket path");
	if (plen >= sizeof(out->path))
		return fail(err, n, -EINVAL, "UNIX socket path '%s' is too long", path);
	while ((opt = next_field(&cur))) {
		rc = parse_option(opt, &server, &wait, err, n);
		if (rc)
			return rc;
	}
	/* Without server=on QEMU would connect to @path as a client. */
	if (!server)
		return fail(err, n, -EINVAL,
			    "qemu-tdx only listens: add server=on (client sockets are not supported)");
	memcpy(out->path, path, plen + 1);
	out->wait = wait;
	return 0;
}

static int listen_unix(struct qmp_server *s, char *err, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	memcpy(sa.sun_path, s->spec.path, strlen(s->spec.path) + 1);
	/* Replace a stale socket as QEMU does, but never another kind of file. */
	if (lstat(s->spec.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail(err, n, -EEXIST, "'%s' exists and is not a socket",
				    s->spec.path);
		unlink(s->spec.path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, n, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, QMP_MAX_CLIENTS) ||
	    lstat(s->spec.path, &st)) {
		int e = errno;

		close(fd);
		return fail(err, n, -e, "Failed to bind socket to %s: %s", s->spec.path,
			    strerror(e));
	}
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->listen_fd = fd;
	return 0;
}

static void client_close(struct qmp_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	json_tokener_free(c->tok);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Send what the socket takes now; the rest waits for POLLOUT. */
static void client_flush(struct qmp_client *c)
{
	while (c->out_len) {
		ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c);
			return;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
}

/* Queue @obj (consumed) as one line; a client that stops reading is dropped. */
static void client_send(struct qmp_client *c, struct json_object *obj)
{
	const char *text;
	size_t len;
	char *p;

	if (c->fd < 0 || !obj) {
		json_object_put(obj);
		return;
	}
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	if (c->out_len + len + 2 > QMP_MAX_PENDING_OUTPUT ||
	    !(p = realloc(c->out, c->out_len + len + 2))) {
		json_object_put(obj);
		client_close(c);
		return;
	}
	c->out = p;
	memcpy(c->out + c->out_len, text, len);
	memcpy(c->out + c->out_len + len, "\r\n", 2);
	c->out_len += len + 2;
	json_object_put(obj);
	client_flush(c);
}

static void client_open(struct qmp_client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->tok = json_tokener_new();
	if (!c->tok) {
		close(fd);
		c->fd = -1;
		return;
	}
	/* JSON text is UTF-8 (RFC 8259); never echo other bytes back. */
	json_tokener_set_flags(c->tok, JSON_TOKENER_VALIDATE_UTF8);
	client_send(c, qmp_greeting());
}

static void handle_message(struct qmp_server *s, struct qmp_client *c, struct json_object *req)
{
	bool quit = false;

	client_send(c, qmp_dispatch(&s->ops, &c->sess, req, &quit));
	/*
	 * Reply first, as QEMU does.  The SHUTDOWN event is the VMM's to post
	 * from quit(), as for every other way the VM stops, so it comes once.
	 */
	if (quit)
		s->ops.quit(s->ops.opaque);
}

static size_t skip_space(const char *buf, size_t i, size_t len)
{
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

/* Feed received bytes through the client's tokener, one message at a time. */
static void client_feed(struct qmp_server *s, struct qmp_client *c, const char *buf,
			size_t len)
{
	size_t i = 0;

	while (i < len && c->fd >= 0 && !c->closing) {
		struct json_object *obj;
		enum json_tokener_error jerr;
		size_t used;

		if (c->skip_line) {
			const char *nl = memchr(buf + i, '\n', len - i);

			if (!nl)
				return;
			i = (size_t)(nl - buf) + 1;
			c->skip_line = false;
			continue;
		}
		if (!c->in_message) {
			i = skip_space(buf, i, len);
			if (i == len)
				return;
			c->in_message = true;
			c->message_bytes = 0;
		}
		obj = json_tokener_parse_ex(c->tok, buf + i, (int)(len - i));
		jerr = json_tokener_get_error(c->tok);
		used = json_tokener_get_parse_end(c->tok);
		if (!obj && jerr != json_tokener_continue) {
			/* Report, then drop the rest of the line and start afresh. */
			client_send(c, qmp_error("GenericError", "JSON parse error, %s",
						 json_tokener_error_desc(jerr)));
			json_tokener_reset(c->tok);
			c->in_message = false;
			i += used;
			if (i < len && buf[i] == '\n')
				i++;
			else
				c->skip_line = true;
			continue;
		}
		c->message_bytes += used;
		if (c->message_bytes > QMP_MAX_MESSAGE) {
			json_object_put(obj);
			client_send(c, qmp_error("GenericError",
						 "JSON message exceeds %u bytes; closing the connection",
						 QMP_MAX_MESSAGE));
			c->closing = true;
			return;
		}
		if (!obj)
			return;
		json_tokener_reset(c->tok);
		c->in_message = false;
		i += used;
		handle_message(s, c, obj);
		json_object_put(obj);
	}
}

static void client_read(struct qmp_server *s, struct qmp_client *c)
{
	char buf[4096];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r <= 0) {
		/* Gone, possibly mid-message: forget it, keep serving. */
		client_close(c);
		return;
	}
	client_feed(s, c, buf, (size_t)r);
}

static struct qmp_client *free_slot(struct qmp_server *s)
{
	for (int i = 0; i < QMP_MAX_CLIENTS; i++)
		if (s->clients[i].fd < 0)
			return &s->clients[i];
	return NULL;
}

static void accept_client(struct qmp_server *s)
{
	struct qmp_client *c = free_slot(s);
	int fd;

	if (!c)
		return;
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		client_open(c, fd);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		 errno != ECONNABORTED)
		/* Out of fds or memory: the listener stays readable, so pause it. */
		s->accept_backoff = true;
}

/* Send posted events to every negotiated client; true once asked to stop. */
static bool drain_events(struct qmp_server *s)
{
	struct qmp_event *list, *next;
	uint64_t count;
	bool stopping;

	if (read(s->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return true;
	pthread_mutex_lock(&s->event_lock);
	list = s->events;
	s->events = NULL;
	s->events_tail = &s->events;
	stopping = s->stopping;
	pthread_mutex_unlock(&s->event_lock);
	for (; list; list = next) {
		next = list->next;
		for (int i = 0; i < QMP_MAX_CLIENTS; i++)
			if (s->clients[i].fd >= 0 && s->clients[i].sess.negotiated)
				client_send(&s->clients[i], json_object_get(list->obj));
		json_object_put(list->obj);
		free(list);
	}
	return stopping;
}

static void *server_thread(void *arg)
{
	struct qmp_server *s = arg;
	struct pollfd pfd[2 + QMP_MAX_CLIENTS];

	for (;;) {
		int nfds = 2, timeout = -1;

		pfd[0] = (struct pollfd){ .fd = s->wake_fd, .events = POLLIN };
		/* A full house leaves new connections in the backlog. */
		pfd[1] = (struct pollfd){ .fd = free_slot(s) && !s->accept_backoff ? s->listen_fd : -1,
					  .events = POLLIN };
		if (s->accept_backoff)
			timeout = 100;
		s->accept_backoff = false;
		for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = &s->clients[i];
			short ev = 0;

			if (c->fd >= 0) {
				ev = c->closing ? 0 : POLLIN;
				if (c->out_len)
					ev |= POLLOUT;
			}
			pfd[nfds++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		if (poll(pfd, (nfds_t)nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents && drain_events(s))
			break;
		if (pfd[1].revents & POLLIN)
			accept_client(s);
		for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = &s->clients[i];
			short rev = pfd[2 + i].revents;

			if (c->fd < 0 || c->fd != pfd[2 + i].fd || !rev)
				continue;
			if (rev & POLLOUT)
				client_flush(c);
			if (c->fd >= 0 && (rev & (POLLIN | POLLHUP | POLLERR)) && !c->closing)
				client_read(s, c);
			else if (c->fd >= 0 && (rev & (POLLHUP | POLLERR)))
				client_close(c);
			if (c->fd >= 0 && c->closing && !c->out_len)
				client_close(c);
		}
	}
	return NULL;
}

/* wait=on: QEMU holds start-up until the first client connects. */
static int wait_first_client(struct qmp_server *s, char *err, size_t n)
{
	int fd;

	do {
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(err, n, -errno, "accept on %s: %s", s->spec.path, strerror(errno));
	client_open(&s->clients[0], fd);
	return 0;
}

static void server_free(struct qmp_server *s)
{
	struct stat st;

	for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
		client_flush(&s->clients[i]);
		client_close(&s->clients[i]);
	}
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		/* Remove the socket file only if it is still the one we bound. */
		if (lstat(s->spec.path, &st) == 0 && st.st_dev == s->sock_dev &&
		    st.st_ino == s->sock_ino)
			unlink(s->spec.path);
	}
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	while (s->events) {
		struct qmp_event *e = s->events;

		s->events = e->next;
		json_object_put(e->obj);
		free(e);
	}
	pthread_mutex_destroy(&s->event_lock);
	free(s);
}

int qmp_server_start(const char *spec, const struct qmp_ops *ops, struct qmp_server **out,
		     char *err, size_t n)
{
	char why[300];
	struct qmp_server *s;
	int rc;

	if (!ops || !out)
		return fail(err, n, -EINVAL, "-qmp: no callbacks");
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(err, n, -ENOMEM, "-qmp: out of memory");
	s->listen_fd = -1;
	s->wake_fd = -1;
	pthread_mutex_init(&s->event_lock, NULL);
	s->events_tail = &s->events;
	s->ops = *ops;
	for (int i = 0; i < QMP_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	rc = qmp_parse_spec(spec, &s->spec, why, sizeof(why));
	if (!rc)
		rc = listen_unix(s, why, sizeof(why));
	if (!rc) {
		s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->wake_fd < 0)
			rc = fail(why, sizeof(why), -errno, "eventfd: %s", strerror(errno));
	}
	if (!rc && s->spec.wait)
		rc = wait_first_client(s, why, sizeof(why));
	if (!rc) {
		rc = -pthread_create(&s->thread, NULL, server_thread, s);
		if (rc)
			fail(why, sizeof(why), rc, "cannot start the QMP thread: %s", strerror(-rc));
	}
	if (rc) {
		fail(err, n, rc, "-qmp %s: %s", spec ? spec : "", why);
		server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static void wake(struct qmp_server *s)
{
	uint64_t one = 1;

	/* Only fails when the counter is saturated, which already wakes the thread. */
	if (write(s->wake_fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		fprintf(stderr, "qmp: cannot wake the server thread: %s\n", strerror(errno));
}

static int post_event(struct qmp_server *s, struct json_object *obj)
{
	struct qmp_event *e = calloc(1, sizeof(*e));

	if (!e || !obj) {
		free(e);
		json_object_put(obj);
		return -ENOMEM;
	}
	e->obj = obj;
	pthread_mutex_lock(&s->event_lock);
	*s->events_tail = e;
	s->events_tail = &e->next;
	pthread_mutex_unlock(&s->event_lock);
	wake(s);
	return 0;
}

int qmp_server_event_shutdown(struct qmp_server *s, bool guest, const char *reason)
{
	if (!s || !reason)
		return -EINVAL;
	return post_event(s, qmp_shutdown_event(guest, reason));
}

int qmp_server_event_guest_panicked(struct qmp_server *s, const char *action,
				    const struct qmp_tdx_panic *panic)
{
	if (!s || !panic || !action ||
	    (strcmp(action, "pause") && strcmp(action, "poweroff") && strcmp(action, "run")))
		return -EINVAL;
	return post_event(s, qmp_guest_panicked_event(action, panic));
}

void qmp_server_stop(struct qmp_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->event_lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->event_lock);
	wake(s);
	pthread_join(s->thread, NULL);
	server_free(s);
}

/*
 * QMP server for qemu-tdx's -qmp option: a Unix socket, QEMU's greeting
 * and capabilities negotiation, and the commands qmp_capabilities,
 * query-status, query-tdx and quit, with QEMU's error classes.
 *
 * The server runs in its own thread.  It serves up to QMP_MAX_CLIENTS
 * connections at once, each with its own negotiation state; a client that
 * sends malformed JSON gets an error, one that sends more than
 * QMP_MAX_MESSAGE bytes in one message or stops reading its replies is
 * disconnected, and neither stops the server.
 *
 * The qmp_ops callbacks run on the server thread.  quit() must only ask
 * the VMM to stop (qmp_server_stop() from inside it would wait for itself),
 * and qmp_server_stop() must not be called while holding a lock that a
 * callback takes.
 */
#ifndef TDX_QEMU_TDX_QMP_H
#define TDX_QEMU_TDX_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QMP_MAX_CLIENTS		4
#define QMP_MAX_MESSAGE		65536u	/* bytes of one JSON message */
#define QMP_MAX_PENDING_OUTPUT	(1u << 20)
#define QMP_MRTD_SIZE		48

/** What query-tdx reports. */
struct qmp_tdx_info {
	uint64_t attributes;		/* TD ATTRIBUTES */
	uint64_t xfam;
	uint8_t mrtd[QMP_MRTD_SIZE];
	char state[32];			/* e.g. "runnable", NUL-terminated */
};

/** Callbacks into the VMM; each may be NULL (the command then fails). */
struct qmp_ops {
	void *opaque;
	/* 0, with @status a static string ("running", "paused", "shutdown"...). */
	int (*query_status)(void *opaque, bool *running, const char **status);
	/* 0, or -ENODEV when the VM is not a TD. */
	int (*query_tdx)(void *opaque, struct qmp_tdx_info *out);
	/*
	 * Called after the reply to "quit" is sent.  The VMM stops the VM and
	 * posts SHUTDOWN (qmp_server_event_shutdown(s, false, "host-qmp-quit")).
	 */
	void (*quit)(void *opaque);
};

/** GUEST_PANICKED's "info" for a TD's ReportFatalError (GuestPanicInformation type tdx). */
struct qmp_tdx_panic {
	uint32_t error_code;
	char message[65];		/* up to 64 bytes from the TD, NUL-terminated */
	bool has_gpa;			/* error code bit 63: R13 holds a GPA */
	uint64_t gpa;
};

/** A parsed -qmp argument. */
struct qmp_spec {
	char path[108];			/* sizeof(sockaddr_un.sun_path) */
	bool wait;
};

struct qmp_server;

/**
 * qmp_parse_spec() - parse "unix:PATH,server=on[,wait=off]".  Only Unix
 * server sockets are supported.
 * @return 0, or -EINVAL with a message in @err naming what is wrong.
 */
int qmp_parse_spec(const char *spec, struct qmp_spec *out, char *err, size_t n);

/**
 * qmp_server_start() - parse @spec, listen on its path (replacing a stale
 * socket, never another kind of file) and start the server thread.  With
 * wait=on, first wait for one client to connect, as QEMU does.
 * @return 0, or -errno with "-qmp SPEC: reason" in @err.
 */
int qmp_server_start(const char *spec, const struct qmp_ops *ops, struct qmp_server **out,
		     char *err, size_t n);

/**
 * qmp_server_event_shutdown() - send SHUTDOWN {"guest": @guest, "reason":
 * @reason} (QEMU's ShutdownCause names, e.g. "guest-shutdown") to every
 * negotiated client.  Callable from any thread; events posted before
 * qmp_server_stop() are sent before the clients are closed.
 * @return 0 or -ENOMEM.
 */
int qmp_server_event_shutdown(struct qmp_server *s, bool guest, const char *reason);

/**
 * qmp_server_event_guest_panicked() - send GUEST_PANICKED {"action":
 * @action ("pause", "poweroff" or "run"), "info": {"type": "tdx", ...}}.
 * Bytes of the TD's message outside printable ASCII are sent as '?'.
 * @return 0, -EINVAL for another action, -ENOMEM.
 */
int qmp_server_event_guest_panicked(struct qmp_server *s, const char *action,
				    const struct qmp_tdx_panic *panic);

/**
 * qmp_server_stop() - send pending events, stop the thread, close every
 * client and remove the socket file (NULL is fine).
 */
void qmp_server_stop(struct qmp_server *s);

#endif /* TDX_QEMU_TDX_QMP_H */

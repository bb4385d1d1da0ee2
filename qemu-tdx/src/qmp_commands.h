/*
 * QMP message handling, apart from the socket: the greeting, request
 * checks, command dispatch and QEMU-shaped replies (json-c objects).
 */
#ifndef TDX_QEMU_TDX_QMP_COMMANDS_H
#define TDX_QEMU_TDX_QMP_COMMANDS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "qmp.h"

/* The QEMU release whose command line qemu-tdx follows. */
#define QMP_QEMU_MAJOR	10
#define QMP_QEMU_MINOR	1
#define QMP_QEMU_MICRO	0
#define QMP_PACKAGE	"qemu-tdx (tdx-emu)"

/** Per-connection state. */
struct qmp_session {
	bool negotiated;	/* qmp_capabilities accepted */
};

/** qmp_greeting() - {"QMP": {"version": ..., "capabilities": []}}. */
struct json_object *qmp_greeting(void);

/** qmp_error() - {"error": {"class": @cls, "desc": ...}}. */
struct json_object *qmp_error(const char *cls, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * qmp_dispatch() - check one request and run it.  Sets @quit when the
 * request was a successful quit (the caller replies first, then calls
 * ops->quit).
 * @return the reply to send (never NULL unless out of memory).
 */
struct json_object *qmp_dispatch(const struct qmp_ops *ops, struct qmp_session *sess,
				 struct json_object *req, bool *quit);

/** qmp_shutdown_event() - a SHUTDOWN event, as QEMU sends when the VM stops. */
struct json_object *qmp_shutdown_event(bool guest, const char *reason);

/** qmp_guest_panicked_event() - GUEST_PANICKED with GuestPanicInformation type tdx. */
struct json_object *qmp_guest_panicked_event(const char *action,
					     const struct qmp_tdx_panic *panic);

#endif /* TDX_QEMU_TDX_QMP_COMMANDS_H */

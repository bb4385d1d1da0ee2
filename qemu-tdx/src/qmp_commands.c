/*
 * QMP commands and their checks.  Error classes and texts follow QEMU's
 * monitor (qmp-dispatch and the QAPI input visitor), so clients written
 * for QEMU read them the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "qmp_commands.h"

#define CLASS_GENERIC		"GenericError"
#define CLASS_NOT_FOUND		"CommandNotFound"

struct qmp_command {
	const char *name;
	struct json_object *(*run)(const struct qmp_ops *ops, bool *quit);
};

struct json_object *qmp_greeting(void)
{
	struct json_object *qemu = json_object_new_object();
	struct json_object *version = json_object_new_object();
	struct json_object *qmp = json_object_new_object();
	struct json_object *g = json_object_new_object();

	json_object_object_add(qemu, "micro", json_object_new_int(QMP_QEMU_MICRO));
	json_object_object_add(qemu, "minor", json_object_new_int(QMP_QEMU_MINOR));
	json_object_object_add(qemu, "major", json_object_new_int(QMP_QEMU_MAJOR));
	json_object_object_add(version, "qemu", qemu);
	json_object_object_add(version, "package", json_object_new_string(QMP_PACKAGE));
	json_object_object_add(qmp, "version", version);
	json_object_object_add(qmp, "capabilities", json_object_new_array());
	json_object_object_add(g, "QMP", qmp);
	return g;
}

struct json_object *qmp_error(const char *cls, const char *fmt, ...)
{
	struct json_object *err = json_object_new_object();
	struct json_object *r = json_object_new_object();
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	json_object_object_add(err, "class", json_object_new_string(cls));
	json_object_object_add(err, "desc", json_object_new_string(desc));
	json_object_object_add(r, "error", err);
	return r;
}

static struct json_object *qmp_return(struct json_object *value)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "return", value);
	return r;
}

static struct json_object *cmd_query_status(const struct qmp_ops *ops, bool *quit)
{
	const char *status = NULL;
	struct json_object *v;
	bool running = false;
	int rc;

	(void)quit;
	if (!ops->query_status)
		return qmp_error(CLASS_GENERIC, "query-status is not available");
	rc = ops->query_status(ops->opaque, &running, &status);
	if (rc)
		return qmp_error(CLASS_GENERIC, "query-status failed: %s", strerror(-rc));
	if (!status)
		return qmp_error(CLASS_GENERIC, "query-status failed: no run state");
	v = json_object_new_object();
	json_object_object_add(v, "running", json_object_new_boolean(running));
	json_object_object_add(v, "status", json_object_new_string(status));
	return qmp_return(v);
}

static struct json_object *hex_u64(uint64_t x)
{
	char s[19];

	snprintf(s, sizeof(s), "0x%016" PRIx64, x);
	return json_object_new_string(s);
}

static struct json_object *cmd_query_tdx(const struct qmp_ops *ops, bool *quit)
{
	struct qmp_tdx_info info;
	char mrtd[2 * QMP_MRTD_SIZE + 1];
	struct json_object *v;
	int rc;

	(void)quit;
	if (!ops->query_tdx)
		return qmp_error(CLASS_GENERIC, "TDX is not enabled for this VM");
	memset(&info, 0, sizeof(info));
	rc = ops->query_tdx(ops->opaque, &info);
	if (rc == -ENODEV)
		return qmp_error(CLASS_GENERIC, "TDX is not enabled for this VM");
	if (rc)
		return qmp_error(CLASS_GENERIC, "query-tdx failed: %s", strerror(-rc));
	info.state[sizeof(info.state) - 1] = '\0';
	for (unsigned i = 0; i < QMP_MRTD_SIZE; i++)
		snprintf(&mrtd[2 * i], 3, "%02x", info.mrtd[i]);
	v = json_object_new_object();
	json_object_object_add(v, "attributes", hex_u64(info.attributes));
	json_object_object_add(v, "xfam", hex_u64(info.xfam));
	json_object_object_add(v, "mrtd", json_object_new_string(mrtd));
	json_object_object_add(v, "state", json_object_new_string(info.state));
	return qmp_return(v);
}

static struct json_object *cmd_quit(const struct qmp_ops *ops, bool *quit)
{
	if (!ops->quit)
		return qmp_error(CLASS_GENERIC, "quit is not available");
	*quit = true;
	return qmp_return(json_object_new_object());
}

static const struct qmp_command commands[] = {
	{ .name = "query-status", .run = cmd_query_status },
	{ .name = "query-tdx", .run = cmd_query_tdx },
	{ .name = "quit", .run = cmd_quit },
};

/* qmp_capabilities takes an optional "enable" list; we offer no capability. */
static struct json_object *cmd_capabilities(struct qmp_session *sess, struct json_object *args)
{
	json_object_object_foreach(args, key, val) {
		if (strcmp(key, "enable"))
			return qmp_error(CLASS_GENERIC, "Parameter '%s' is unexpected", key);
		if (!json_object_is_type(val, json_type_array))
			return qmp_error(CLASS_GENERIC,
					 "Invalid parameter type for 'enable', expected: array");
		for (size_t i = 0; i < json_object_array_length(val); i++) {
			struct json_object *cap = json_object_array_get_idx(val, i);

			if (!json_object_is_type(cap, json_type_string))
				return qmp_error(CLASS_GENERIC,
						 "Invalid parameter type for 'enable[%zu]', expected: string",
						 i);
			return qmp_error(CLASS_GENERIC, "Capability '%s' not available",
					 json_object_get_string(cap));
		}
	}
	sess->negotiated = true;
	return qmp_return(json_object_new_object());
}

/* Checks on the request object itself, as QEMU's qmp_dispatch_check_obj(). */
static struct json_object *check_request(struct json_object *req, const char **cmd,
					 struct json_object **args)
{
	struct json_object *exec = NULL;

	*args = NULL;
	if (!json_object_is_type(req, json_type_object))
		return qmp_error(CLASS_GENERIC, "QMP input must be a JSON object");
	json_object_object_foreach(req, key, val) {
		if (!strcmp(key, "execute")) {
			if (!json_object_is_type(val, json_type_string))
				return qmp_error(CLASS_GENERIC,
						 "QMP input member 'execute' must be a string");
			exec = val;
		} else if (!strcmp(key, "arguments")) {
			if (!json_object_is_type(val, json_type_object))
				return qmp_error(CLASS_GENERIC,
						 "QMP input member 'arguments' must be an object");
			*args = val;
		} else if (strcmp(key, "id")) {
			return qmp_error(CLASS_GENERIC, "QMP input member '%s' is unexpected", key);
		}
	}
	if (!exec)
		return qmp_error(CLASS_GENERIC, "QMP input lacks member 'execute'");
	*cmd = json_object_get_string(exec);
	return NULL;
}

static struct json_object *run_command(const struct qmp_ops *ops, struct qmp_session *sess,
				       const char *cmd, struct json_object *args, bool *quit)
{
	if (!sess->negotiated) {
		if (strcmp(cmd, "qmp_capabilities"))
			return qmp_error(CLASS_NOT_FOUND,
					 "Expecting capabilities negotiation with 'qmp_capabilities'");
		return cmd_capabilities(sess, args);
	}
	if (!strcmp(cmd, "qmp_capabilities"))
		return qmp_error(CLASS_NOT_FOUND,
				 "Capabilities negotiation is already complete, command ignored");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		/* None of these commands takes arguments. */
		json_object_object_foreach(args, key, val) {
			(void)val;
			return qmp_error(CLASS_GENERIC, "Parameter '%s' is unexpected", key);
		}
		return commands[i].run(ops, quit);
	}
	return qmp_error(CLASS_NOT_FOUND, "The command %s has not been found", cmd);
}

struct json_object *qmp_dispatch(const struct qmp_ops *ops, struct qmp_session *sess,
				 struct json_object *req, bool *quit)
{
	struct json_object *args, *reply, *id = NULL, *empty = NULL;
	const char *cmd = NULL;

	*quit = false;
	reply = check_request(req, &cmd, &args);
	if (!reply) {
		if (!args)
			args = empty = json_object_new_object();
		reply = run_command(ops, sess, cmd, args, quit);
		json_object_put(empty);
	}
	/* QEMU echoes "id" in the reply whenever the request was an object with one. */
	if (json_object_is_type(req, json_type_object) &&
	    json_object_object_get_ex(req, "id", &id))
		json_object_object_add(reply, "id", json_object_get(id));
	return reply;
}

static struct json_object *qmp_event(const char *name, struct json_object *data)
{
	struct json_object *ev = json_object_new_object();
	struct json_object *ts = json_object_new_object();
	struct timeval tv;

	gettimeofday(&tv, NULL);
	json_object_object_add(ts, "seconds", json_object_new_int64(tv.tv_sec));
	json_object_object_add(ts, "microseconds", json_object_new_int64(tv.tv_usec));
	json_object_object_add(ev, "timestamp", ts);
	json_object_object_add(ev, "event", json_object_new_string(name));
	json_object_object_add(ev, "data", data);
	return ev;
}

struct json_object *qmp_shutdown_event(bool guest, const char *reason)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "guest", json_object_new_boolean(guest));
	json_object_object_add(data, "reason", json_object_new_string(reason));
	return qmp_event("SHUTDOWN", data);
}

struct json_object *qmp_guest_panicked_event(const char *action,
					     const struct qmp_tdx_panic *panic)
{
	struct json_object *data = json_object_new_object();
	struct json_object *info = json_object_new_object();
	char msg[sizeof(panic->message)];
	size_t i;

	/* The message comes from the TD: keep printable ASCII only. */
	for (i = 0; i < sizeof(msg) - 1 && panic->message[i]; i++) {
		unsigned char c = (unsigned char)panic->message[i];

		msg[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	msg[i] = '\0';
	json_object_object_add(info, "type", json_object_new_string("tdx"));
	json_object_object_add(info, "error-code", json_object_new_int64(panic->error_code));
	json_object_object_add(info, "message", json_object_new_string(msg));
	if (panic->has_gpa)
		json_object_object_add(info, "gpa", json_object_new_uint64(panic->gpa));
	json_object_object_add(data, "action", json_object_new_string(action));
	json_object_object_add(data, "info", info);
	return qmp_event("GUEST_PANICKED", data);
}

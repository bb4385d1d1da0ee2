/*
 * tdx-qgs message handling (qgs_msg.h).  The message is untrusted: every
 * size is checked against the bytes received before anything is read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qgs_msg.h"

int qgs_error_resp(uint32_t code, uint8_t **resp, size_t *resp_len)
{
	struct qgs_get_quote_resp *r = calloc(1, sizeof(*r));

	*resp = (uint8_t *)r;
	if (!r)
		return -ENOMEM;
	r->header.major_version = QGS_MSG_LIB_MAJOR_VER;
	r->header.minor_version = QGS_MSG_LIB_MINOR_VER;
	r->header.type = QGS_MSG_GET_QUOTE_RESP;
	r->header.size = sizeof(*r);
	r->header.error_code = code;
	*resp_len = sizeof(*r);
	return 0;
}

static uint32_t fail(uint32_t code, uint8_t **resp, size_t *resp_len, char *why,
		     size_t why_len, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static uint32_t fail(uint32_t code, uint8_t **resp, size_t *resp_len, char *why,
		     size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	if (qgs_error_resp(code, resp, resp_len))
		return QGS_MSG_ERROR_OUT_OF_MEMORY;
	return code;
}

uint32_t qgs_handle_msg(const struct qe *qe, const uint8_t *msg, size_t len, uint8_t **resp,
			size_t *resp_len, char *why, size_t why_len)
{
	struct qgs_get_quote_req req;
	struct qgs_get_quote_resp *r;
	struct emu_error err = { 0 };
	uint8_t *quote;
	size_t quote_len;

	*resp = NULL;
	if (why && why_len)
		why[0] = '\0';
	if (len < sizeof(struct qgs_msg_header))
		return fail(QGS_MSG_ERROR_INVALID_SIZE, resp, resp_len, why, why_len,
			    "message of %zu bytes is shorter than its header", len);
	memcpy(&req, msg, len < sizeof(req) ? sizeof(struct qgs_msg_header) : sizeof(req));
	if (req.header.major_version != QGS_MSG_LIB_MAJOR_VER)
		return fail(QGS_MSG_ERROR_INVALID_VERSION, resp, resp_len, why, why_len,
			    "major version %u unsupported", req.header.major_version);
	if (req.header.size != len)
		return fail(QGS_MSG_ERROR_INVALID_SIZE, resp, resp_len, why, why_len,
			    "header size %u differs from the frame of %zu", req.header.size, len);
	if (req.header.type != QGS_MSG_GET_QUOTE_REQ)
		return fail(QGS_MSG_ERROR_INVALID_TYPE, resp, resp_len, why, why_len,
			    "message type %u unsupported (only GET_QUOTE_REQ)", req.header.type);
	if (req.header.error_code)
		return fail(QGS_MSG_ERROR_INVALID_CODE, resp, resp_len, why, why_len,
			    "request carries error_code %u", req.header.error_code);
	if (len < sizeof(req))
		return fail(QGS_MSG_ERROR_INVALID_SIZE, resp, resp_len, why, why_len,
			    "GET_QUOTE_REQ of %zu bytes is truncated", len);
	if (req.report_size != sizeof(struct tdreport_struct))
		return fail(QGS_MSG_ERROR_INVALID_SIZE, resp, resp_len, why, why_len,
			    "report_size %u is not a TDREPORT's 1024", req.report_size);
	if ((uint64_t)sizeof(req) + req.report_size + req.id_list_size != len)
		return fail(QGS_MSG_ERROR_INVALID_SIZE, resp, resp_len, why, why_len,
			    "report_size + id_list_size disagree with size %zu", len);
	if (qe_quote(qe, msg + sizeof(req), req.report_size, &quote, &quote_len, &err))
		return fail(err.code == -ENOMEM ? QGS_MSG_ERROR_OUT_OF_MEMORY : QGS_MSG_ERROR_QUOTE,
			    resp, resp_len, why, why_len, "QE refused: %s", err.msg);
	r = calloc(1, sizeof(*r) + quote_len);
	if (!r) {
		free(quote);
		return fail(QGS_MSG_ERROR_OUT_OF_MEMORY, resp, resp_len, why, why_len,
			    "out of memory for a %zu-byte quote", quote_len);
	}
	r->header.major_version = QGS_MSG_LIB_MAJOR_VER;
	r->header.minor_version = QGS_MSG_LIB_MINOR_VER;
	r->header.type = QGS_MSG_GET_QUOTE_RESP;
	r->header.size = (uint32_t)(sizeof(*r) + quote_len);
	r->quote_size = (uint32_t)quote_len;
	memcpy(r + 1, quote, quote_len);
	free(quote);
	*resp = (uint8_t *)r;
	*resp_len = sizeof(*r) + quote_len;
	if (why)
		snprintf(why, why_len, "quote of %zu bytes", quote_len);
	return QGS_MSG_SUCCESS;
}

/*
 * tdx-qgs message handling, apart from the socket: one framed request in,
 * one response out (include/tdx/tdx_quote.h, host-stack.md 3.5).
 */
#ifndef TDX_QGS_MSG_H
#define TDX_QGS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "qe.h"

/**
 * qgs_handle_msg() - answer the message @msg (@len bytes, the frame's
 * payload).  Always produces a response (malloc()ed, *@resp, *@resp_len):
 * GET_QUOTE_RESP with the quote, or with a non-zero error_code naming
 * the cause (version, type, size, error code, QE refusal).  @why, when
 * not NULL, receives a line for the service log.  Returns the error_code.
 */
uint32_t qgs_handle_msg(const struct qe *qe, const uint8_t *msg, size_t len, uint8_t **resp,
			size_t *resp_len, char *why, size_t why_len);

/** qgs_error_resp() - a GET_QUOTE_RESP carrying only @code. */
int qgs_error_resp(uint32_t code, uint8_t **resp, size_t *resp_len);

#endif /* TDX_QGS_MSG_H */

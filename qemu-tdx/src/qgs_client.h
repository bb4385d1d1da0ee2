/*
 * Client for a quote generation service (tdx-qgs, or Intel's qgsd) over
 * a Unix socket, in QEMU's quote-generation-socket message format
 * (include/tdx/tdx_quote.h, host-stack.md 3.5).  Standalone: libc only.
 */
#ifndef TDX_QEMU_QGS_CLIENT_H
#define TDX_QEMU_QGS_CLIENT_H

#include <stddef.h>

/* QEMU's GetQuote timeout. */
#define QGS_CLIENT_TIMEOUT_MS	30000

/**
 * qgs_get_quote() - send @report (@report_len bytes, a TDREPORT) to the
 * service at @socket_path and receive its quote into @quote (@quote_cap
 * bytes), its length in *@quote_len.  The whole exchange must finish
 * within QGS_CLIENT_TIMEOUT_MS.  The response is checked in full: frame
 * length, header version, type GET_QUOTE_RESP, size equal to the frame,
 * error_code 0, selected_id_size 0, quote_size consistent with the size
 * and no larger than @quote_cap.
 *
 * Return: 0; -ECONNREFUSED/-ENOENT (no service), -ETIMEDOUT,
 * -EPROTO (a malformed response), -EREMOTEIO (the service reported an
 * error_code), -ENOBUFS (quote larger than @quote_cap), -EINVAL (bad
 * arguments).  @err (@errlen bytes) receives a message naming the check
 * that failed.
 */
int qgs_get_quote(const char *socket_path, const void *report, size_t report_len,
		  void *quote, size_t quote_cap, size_t *quote_len, char *err, size_t errlen);

/** qgs_get_quote_timeout() - the same with a timeout of @timeout_ms. */
int qgs_get_quote_timeout(const char *socket_path, const void *report, size_t report_len,
			  void *quote, size_t quote_cap, size_t *quote_len, int timeout_ms,
			  char *err, size_t errlen);

#endif /* TDX_QEMU_QGS_CLIENT_H */

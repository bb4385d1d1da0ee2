/*
 * attest_make_quote STATE REPORT QUOTE: write a TDREPORT made for the
 * platform in STATE and the quote its QE makes of it, for the tdxctl
 * command-line test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "attest_test_util.h"
#include "qe.h"

int main(int argc, char **argv)
{
	struct tdreport_struct rep;
	struct emu_error err = { 0 };
	struct qe *qe;
	uint8_t *quote;
	size_t len;

	if (argc != 4) {
		fprintf(stderr, "usage: %s STATE REPORT QUOTE\n", argv[0]);
		return 2;
	}
	if (qe_open(argv[1], &qe, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	at_make_report(argv[1], 5, &rep);
	if (qe_quote(qe, &rep, sizeof(rep), &quote, &len, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	at_write(argv[2], &rep, sizeof(rep));
	at_write(argv[3], quote, len);
	free(quote);
	qe_close(qe);
	return 0;
}

/* Measurement into RTMRs and the CC event log (measure.c). */
#ifndef TDVF_MEASURE_H
#define TDVF_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "eventlog.h"

void measure_init(void *area, size_t size);
/* SHA-384 of data into RTMR rtmr, logged with the given event data. */
void measure_event(unsigned int rtmr, uint32_t event_type, const void *data, size_t len,
		   const void *event_data, uint32_t event_size);
/* EV_SEPARATOR: digest of 4 zero bytes, event data 4 zero bytes. */
void measure_separator(unsigned int rtmr);
size_t measure_log_used(void);

#endif /* TDVF_MEASURE_H */

/*
 * The COM1 16550 UART, enough for a console: THR writes go to the output
 * fd (-serial stdio), LSR always reads "transmitter empty", the divisor
 * latch and scratch registers keep what was written.  No receive path
 * and no interrupts.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"

enum {
	UART_RBR_THR = 0,	/* DLAB=1: DLL */
	UART_IER = 1,		/* DLAB=1: DLM */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define UART_LCR_DLAB		0x80
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40
#define UART_IIR_NO_INT		0x01
#define UART_MSR_DCD_DSR_CTS	0xB0

static void emit(struct dev_serial *s, uint8_t ch)
{
	ssize_t n;

	if (s->out_fd < 0)
		return;
	do {
		n = write(s->out_fd, &ch, 1);
	} while (n < 0 && errno == EINTR);
}

static uint8_t serial_read(struct dev_serial *s, uint64_t reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR: return dlab ? s->dll : 0;
	case UART_IER: return dlab ? s->dlm : s->ier;
	case UART_IIR_FCR: return UART_IIR_NO_INT;
	case UART_LCR: return s->lcr;
	case UART_MCR: return s->mcr;
	case UART_LSR: return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR: return UART_MSR_DCD_DSR_CTS;
	default: return s->scr;
	}
}

static void serial_write(struct dev_serial *s, uint64_t reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			s->dll = v;
		else
			emit(s, v);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0F;
		break;
	case UART_LCR: s->lcr = v; break;
	case UART_MCR: s->mcr = v & 0x1F; break;
	case UART_SCR: s->scr = v; break;
	default: break;		/* FCR, LSR, MSR: nothing to keep */
	}
}

/* Wider accesses touch consecutive registers, as on QEMU's byte-wide bus. */
static void serial_io(void *opaque, uint64_t offset, uint8_t *data, unsigned int len, bool is_write)
{
	struct dev_serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < len && offset + i < SERIAL_NR_PORTS; i++) {
		if (is_write)
			serial_write(s, offset + i, data[i]);
		else
			data[i] = serial_read(s, offset + i);
	}
	pthread_mutex_unlock(&s->lock);
}

int dev_serial_init(struct dev_serial *s, struct iotrap *t, int out_fd)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->lcr = 0x03;		/* 8N1 */
	s->dll = 0x01;		/* 115200 baud */
	return iotrap_register(t, IOTRAP_PIO, SERIAL_COM1_BASE, SERIAL_NR_PORTS, serial_io, s,
			       "serial");
}

/*
 * The console: COM1 (16550 at 0x3F8) written with OUT instructions, which
 * in a TD become #VE and TDG.VP.VMCALL<Instruction.IO> (exceptions.c).
 * Inside an exception handler the console makes that TDVMCALL itself, so
 * that printing there never nests a #VE.  Also: fatal errors, shutdown.
 */
#include <stdarg.h>

#include "fmt.h"
#include "fw.h"
#include "io.h"
#include "tdx_guest.h"

#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_DLL	0
#define UART_DLM	1

static void serial_out(uint16_t reg, uint8_t v)
{
	uint64_t data = v;

	if (tdvf.is_td && tdvf.in_exception)
		(void)tdvmcall_io(1, 1, (uint16_t)(SERIAL_COM1 + reg), &data);
	else
		outb((uint16_t)(SERIAL_COM1 + reg), v);
}

void console_init(void)
{
	serial_out(UART_IER, 0x00);
	serial_out(UART_LCR, 0x80);	/* DLAB */
	serial_out(UART_DLL, 0x01);	/* 115200 baud */
	serial_out(UART_DLM, 0x00);
	serial_out(UART_LCR, 0x03);	/* 8N1 */
	serial_out(UART_FCR, 0x07);
	serial_out(UART_MCR, 0x03);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		serial_out(UART_THR, (uint8_t)s[i]);
	}
}

void printf_fw(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n);
}

void tdvf_shutdown(void)
{
	for (;;) {
		if (tdvf.is_td && tdvf.in_exception) {
			uint64_t v = ACPI_PM1A_CNT_S5;

			(void)tdvmcall_io(2, 1, ACPI_PM1A_CNT_PORT, &v);
		} else {
			outw(ACPI_PM1A_CNT_PORT, ACPI_PM1A_CNT_S5);
		}
		__asm__ volatile("cli; hlt");
	}
}

void tdvf_fatal(const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf_fw("ovmf-tdvf: FATAL: %s\n", msg);
	if (tdvf.is_td) {
		tdvmcall_report_fatal_error(TDVF_FATAL_FIRMWARE, msg);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	/*
	 * A plain VM has no fatal-error call: a triple fault (an empty IDT,
	 * then an exception) gives the VMM KVM_EXIT_SHUTDOWN, which is not
	 * the clean S5 exit a successful boot ends with.
	 */
	static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } no_idt = { 0, 0 };
	/* A read of an unmapped VA faults with no IDT: #PF -> #DF -> shutdown. */
	__asm__ volatile("cli; lidt %0; movq 0x7FFFFFFFF000, %%rax" : : "m"(no_idt) : "rax");
	for (;;)
		__asm__ volatile("hlt");
}

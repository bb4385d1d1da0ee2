/* The payloads' shared helpers (plib.h). */
#include <stdarg.h>
#include <string.h>

#include "accept.h"
#include "fmt.h"
#include "io.h"
#include "plib.h"
#include "tdx_guest.h"

int plib_is_td;
uint64_t plib_shared_mask;

void plib_init(const struct tdvf_boot_info *bi)
{
	plib_is_td = bi->gpaw != 0;
	plib_shared_mask = bi->shared_mask;
}

static void write_str(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		outb(SERIAL_COM1, (uint8_t)s[i]);
	}
}

void pputs(const char *s)
{
	write_str(s, strlen(s));
}

void pprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	write_str(buf, n);
}

void phex(const char *label, const uint8_t *p, size_t n)
{
	char line[2 * 64 + 1];
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; i < n && k + 2 < sizeof(line); i++) {
		line[k++] = hex[p[i] >> 4];
		line[k++] = hex[p[i] & 15];
	}
	line[k] = '\0';
	pprintf("  %s %s\n", label, line);
}

void pshutdown(void)
{
	for (;;) {
		outw(ACPI_PM1A_CNT_PORT, ACPI_PM1A_CNT_S5);
		__asm__ volatile("cli; hlt");
	}
}

void pfail(const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pprintf("tdx-emu payload: FAILED: %s\n", msg);
	if (plib_is_td) {
		tdvmcall_report_fatal_error(PAYLOAD_FATAL_CODE, msg);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } no_idt = { 0, 0 };
	/* A read of an unmapped VA faults with no IDT: #PF -> #DF -> shutdown. */
	__asm__ volatile("cli; lidt %0; movq 0x7FFFFFFFF000, %%rax" : : "m"(no_idt) : "rax");
	for (;;)
		__asm__ volatile("hlt");
}

void *pshared(uint64_t gpa)
{
	return (void *)(uintptr_t)(TDVF_SHARED_ALIAS_VA + gpa);
}

uint32_t mmio_read32(volatile void *va)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(va) : "memory");
	return v;
}

void mmio_write32(volatile void *va, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(va) : "memory");
}

static uint64_t accept_one(uint64_t gpa, unsigned int level, void *ctx)
{
	(void)ctx;
	return tdg_mem_page_accept(gpa, level);
}

void paccept(uint64_t gpa, uint64_t size)
{
	struct accept_stats st = { 0 };

	if (!plib_is_td)
		return;
	if (accept_range(gpa, size, accept_one, NULL, &st))
		pfail("TDG.MEM.PAGE.ACCEPT of 0x%lx failed: 0x%lx", st.failed_gpa,
		      st.failed_status);
}

void pconvert_shared(uint64_t gpa, uint64_t size)
{
	uint64_t st;

	if (!plib_is_td)
		return;
	st = tdvmcall_map_gpa(gpa | plib_shared_mask, size);
	if (st)
		pfail("MapGPA 0x%lx+0x%lx to shared failed: 0x%lx", gpa, size, st);
}

void pconvert_private(uint64_t gpa, uint64_t size)
{
	uint64_t st;

	if (!plib_is_td)
		return;
	st = tdvmcall_map_gpa(gpa, size);
	if (st)
		pfail("MapGPA 0x%lx+0x%lx to private failed: 0x%lx", gpa, size, st);
	paccept(gpa, size);
}

int pcmdline_has(const struct tdvf_boot_info *bi, const char *word)
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;
	size_t wl = strlen(word);

	if (!bi->cmdline || !bi->cmdline_size)
		return 0;
	for (size_t i = 0; s[i]; i++) {
		if ((i == 0 || s[i - 1] == ' ') && !memcmp(s + i, word, wl) &&
		    (s[i + wl] == ' ' || s[i + wl] == '\0'))
			return 1;
	}
	return 0;
}

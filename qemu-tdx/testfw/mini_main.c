/*
 * mini-tdvf's 64-bit part (mini_tdvf.S calls mini_main on vCPU 0): talk
 * to qemu-tdx's devices the way TDVF does and print what it saw, so the
 * tests compare it with what they passed in:
 *
 *   mini-tdvf: start td|plain
 *   mini-tdvf: attributes=0x...            (TDG.VP.INFO RDX; TD only)
 *   mini-tdvf: cpus=N ram=0x...            (fw_cfg NB_CPUS, RAM_SIZE)
 *   mini-tdvf: hob ram=0x... accepted=0x... (TD HOB resource descriptors)
 *   mini-tdvf: kernel size=0x... sum=0x...  (KERNEL_DATA by DMA, byte sum)
 *   mini-tdvf: cmdline=<...>                (CMDLINE_DATA by port I/O)
 *   mini-tdvf: done
 *
 * then powers off through PM1a_CNT.  Command-line words change the end:
 * "fatal" reports a fatal error (TD) instead, "wait" halts forever after
 * "mini-tdvf: waiting" (for QMP tests), "quote" first gets a TDREPORT
 * (REPORTDATA 0x00..0x3f) and a quote for it through GetQuote and prints
 * "mini-tdvf: quote status=0x.. len=0x.." and the quote in hex on
 * "mini-tdvf: quote " lines, "tdvmcall-bad" makes TDVMCALLs qemu-tdx
 * must refuse or answer and prints their statuses on one line, "dma-bad"
 * first sends DMA
 * requests qemu-tdx must refuse (private descriptor, private buffer) and
 * prints "mini-tdvf: dma-bad refused" when both were.
 * In a TD every port access is TDG.VP.VMCALL<Instruction.IO>.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/fw_cfg.h>
#include <tdx/tdvf.h>

#define SHARED_BIT	(1ULL << 47)
#define DESC_GPA	0x807000ULL
#define BUF_GPA		0x808000ULL
#define ALIAS_VA	0x40000000ULL	/* maps GPA 0x800000 (shared in a TD) */
#define HOB_GPA		0x820000ULL
#define REPORT_GPA	0x809000ULL	/* private, 1 KiB aligned; REPORTDATA at +0x400 */
#define QUOTE_GPA	0x80A000ULL	/* 16 KiB converted to shared */
#define QUOTE_SIZE	0x4000ULL
#define COM1		0x3F8
#define PM1A_CNT	0x604

struct fw {
	bool td;
};

static inline uint64_t tdvmcall(uint64_t r11, uint64_t r12, uint64_t r13, uint64_t r14,
				uint64_t r15, uint64_t *out11)
{
	register uint64_t rr10 __asm__("r10") = 0;
	register uint64_t rr11 __asm__("r11") = r11;
	register uint64_t rr12 __asm__("r12") = r12;
	register uint64_t rr13 __asm__("r13") = r13;
	register uint64_t rr14 __asm__("r14") = r14;
	register uint64_t rr15 __asm__("r15") = r15;
	uint64_t rax = 0, rcx = 0xFC00;

	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
			 : "+a"(rax), "+c"(rcx), "+r"(rr10), "+r"(rr11), "+r"(rr12), "+r"(rr13),
			   "+r"(rr14), "+r"(rr15)
			 :
			 : "memory", "rdx", "rbx", "rsi", "rdi", "r8", "r9");
	if (out11)
		*out11 = rr11;
	return rr10;
}

static void out(const struct fw *f, uint16_t port, uint32_t v, unsigned int size)
{
	if (f->td) {
		tdvmcall(30, size, 1, port, v, 0);
		return;
	}
	if (size == 1)
		__asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

static uint8_t inb(const struct fw *f, uint16_t port)
{
	uint64_t v = 0;
	uint8_t b;

	if (f->td) {
		tdvmcall(30, 1, 0, port, 0, &v);
		return (uint8_t)v;
	}
	__asm__ volatile("inb %w1, %b0" : "=a"(b) : "Nd"(port));
	return b;
}

static void putc_(const struct fw *f, char c)
{
	out(f, COM1, (uint8_t)c, 1);
}

static void puts_(const struct fw *f, const char *s)
{
	while (*s)
		putc_(f, *s++);
}

static void puthex(const struct fw *f, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19];
	int i = 18;

	buf[i] = '\0';
	do {
		buf[--i] = digits[v & 0xF];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	puts_(f, &buf[i]);
}

static void fw_select(const struct fw *f, uint16_t key)
{
	out(f, FW_CFG_PORT_SEL, key, 2);
}

static uint64_t fw_read_le(const struct fw *f, uint16_t key, unsigned int n)
{
	uint64_t v = 0;

	fw_select(f, key);
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)inb(f, FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

static void halt_forever(const struct fw *f)
{
	for (;;) {
		if (f->td)
			tdvmcall(12, 0, 0, 0, 0, 0);
		else
			__asm__ volatile("hlt");
	}
}

/* ReportFatalError with "payload failed" in R14/R15 (a TD); a plain VM just stops. */
static void fatal(const struct fw *f, const char *why)
{
	puts_(f, "mini-tdvf: fatal: ");
	puts_(f, why);
	putc_(f, '\n');
	if (f->td)
		tdvmcall(0x10003, 0, 0, 0x726f727265207766ULL /* "fw error" */, 0, 0);
	halt_forever(f);
}

static void report_payload_failed(const struct fw *f)
{
	/* R14 = "payload ", R15 = "failed\0\0" (little endian). */
	if (f->td)
		tdvmcall(0x10003, 0, 0, 0x2064616f6c796170ULL, 0x000064656c696166ULL, 0);
	halt_forever(f);
}

/* MapGPA: the DMA pages to shared (RETRY continues at R11). */
static bool share_dma_pages(void)
{
	uint64_t gpa = DESC_GPA | SHARED_BIT, end = (BUF_GPA + 0x1000) | SHARED_BIT, next;

	while (gpa < end) {
		uint64_t st = tdvmcall(0x10001, gpa, end - gpa, 0, 0, &next);

		if (st == 1 && next > gpa && next <= end)
			gpa = next;
		else if (st == 0)
			gpa = end;
		else
			return false;
	}
	return true;
}

static volatile struct fw_cfg_dma_access *desc_va(void)
{
	return (volatile struct fw_cfg_dma_access *)(ALIAS_VA + (DESC_GPA - 0x800000));
}

static volatile uint8_t *buf_va(void)
{
	return (volatile uint8_t *)(ALIAS_VA + (BUF_GPA - 0x800000));
}

/* One DMA at descriptor GPA @desc_gpa; returns the control word read back. */
static uint32_t dma(const struct fw *f, uint64_t desc_gpa, uint32_t control, uint32_t len,
		    uint64_t buf_gpa)
{
	volatile struct fw_cfg_dma_access *d = desc_va();

	d->control = __builtin_bswap32(control);
	d->length = __builtin_bswap32(len);
	d->address = __builtin_bswap64(buf_gpa);
	__asm__ volatile("" ::: "memory");
	out(f, FW_CFG_PORT_DMA_HI, __builtin_bswap32((uint32_t)(desc_gpa >> 32)), 4);
	out(f, FW_CFG_PORT_DMA_LO, __builtin_bswap32((uint32_t)desc_gpa), 4);
	__asm__ volatile("" ::: "memory");
	return __builtin_bswap32(d->control);
}

/* TDG.VP.INFO: RDX = the TD's ATTRIBUTES. */
static uint64_t td_attributes(void)
{
	register uint64_t r8 __asm__("r8") = 0;
	register uint64_t r9 __asm__("r9") = 0;
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r11 __asm__("r11") = 0;
	uint64_t rax = 1 /* TDG.VP.INFO */, rcx = 0, rdx = 0;

	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
			 : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11)
			 : : "memory");
	return rdx;
}

static uint64_t tdcall_report(uint64_t report, uint64_t data)
{
	register uint64_t r8 __asm__("r8") = 0;
	uint64_t rax = 4 /* TDG.MR.REPORT */, rcx = report, rdx = data;

	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
			 : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8) : : "memory");
	return rax;
}

/* TDREPORT, GetQuote, poll, print the quote in hex. */
static void get_quote(const struct fw *f)
{
	volatile uint8_t *rd = (volatile uint8_t *)(REPORT_GPA + 0x400);
	volatile uint8_t *q = (volatile uint8_t *)(ALIAS_VA + (QUOTE_GPA - 0x800000));
	volatile uint64_t *status = (volatile uint64_t *)(q + 8);
	uint64_t gpa = QUOTE_GPA | SHARED_BIT, end = (QUOTE_GPA + QUOTE_SIZE) | SHARED_BIT, next, st;
	uint32_t len;

	for (unsigned int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	st = tdcall_report(REPORT_GPA, REPORT_GPA + 0x400);
	if (st)
		fatal(f, "TDG.MR.REPORT");
	while (gpa < end) {
		st = tdvmcall(0x10001, gpa, end - gpa, 0, 0, &next);
		if (st == 1 && next > gpa && next <= end)
			gpa = next;
		else if (st == 0)
			gpa = end;
		else
			fatal(f, "MapGPA of the quote buffer");
	}
	for (unsigned int i = 0; i < QUOTE_SIZE; i++)
		q[i] = 0;
	*(volatile uint64_t *)q = 1;
	*status = 0;
	*(volatile uint32_t *)(q + 16) = 1024;
	for (unsigned int i = 0; i < 1024; i++)
		q[24 + i] = ((volatile uint8_t *)REPORT_GPA)[i];
	st = tdvmcall(0x10002, QUOTE_GPA | SHARED_BIT, QUOTE_SIZE, 0, 0, 0);
	if (st)
		fatal(f, "TDVMCALL<GetQuote> refused");
	for (unsigned long spins = 0; *status == 0xFFFFFFFFFFFFFFFFULL; spins++) {
		if (spins > 2000000000ul)
			fatal(f, "GetQuote still in flight");
		__asm__ volatile("pause");
	}
	len = *(volatile uint32_t *)(q + 20);
	puts_(f, "mini-tdvf: quote status=");
	puthex(f, *status);
	puts_(f, " len=");
	puthex(f, len);
	putc_(f, '\n');
	if (*status || len > QUOTE_SIZE - 24)
		return;
	for (uint32_t i = 0; i < len; i += 32) {
		static const char digits[] = "0123456789abcdef";

		puts_(f, "mini-tdvf: quote ");
		for (uint32_t k = i; k < len && k < i + 32; k++) {
			putc_(f, digits[q[24 + k] >> 4]);
			putc_(f, digits[q[24 + k] & 0xF]);
		}
		putc_(f, '\n');
	}
}

/*
 * TDVMCALLs that reach qemu-tdx with bad operands, and two it answers:
 * prints "mini-tdvf: tdvmcalls A B C D E F G" with the R10 statuses of
 * MapGPA beyond RAM, GetQuote of 132 KiB, GetQuote of a page still
 * private, GetQuote with header version 2, SetupEventNotifyInterrupt(0x40),
 * and R10, R11 of GetTdVmCallInfo(1).
 */
static void bad_tdvmcalls(const struct fw *f)
{
	volatile uint8_t *q = (volatile uint8_t *)(ALIAS_VA + (DESC_GPA - 0x800000));
	uint64_t st[7], r11 = 0;

	st[0] = tdvmcall(0x10001, 0x7F000000000ULL | SHARED_BIT, 0x1000, 0, 0, 0);
	st[1] = tdvmcall(0x10002, DESC_GPA | SHARED_BIT, 0x21000, 0, 0, 0);
	st[2] = tdvmcall(0x10002, 0x809000ULL | SHARED_BIT, 0x1000, 0, 0, 0);
	/* DESC_GPA is shared (share_dma_pages): a header with version 2. */
	*(volatile uint64_t *)q = 2;
	*(volatile uint64_t *)(q + 8) = 0;
	*(volatile uint32_t *)(q + 16) = 1024;
	st[3] = tdvmcall(0x10002, DESC_GPA | SHARED_BIT, 0x1000, 0, 0, 0);
	st[4] = tdvmcall(0x10004, 0x40, 0, 0, 0, 0);
	st[5] = tdvmcall(0x10000, 1, 0, 0, 0, &r11);
	st[6] = r11;
	puts_(f, "mini-tdvf: tdvmcalls");
	for (int i = 0; i < 7; i++) {
		putc_(f, ' ');
		puthex(f, st[i]);
	}
	putc_(f, '\n');
}

static bool contains(const char *s, const char *w)
{
	for (; *s; s++) {
		const char *a = s, *b = w;

		while (*a && *b && *a == *b) {
			a++;
			b++;
		}
		if (!*b)
			return true;
	}
	return false;
}

static void check_hob(const struct fw *f)
{
	const uint8_t *p = (const uint8_t *)HOB_GPA;
	const struct efi_hob_handoff_info_table *phit = (const void *)p;
	uint64_t ram = 0, accepted = 0;

	if (phit->header.hob_type != EFI_HOB_TYPE_HANDOFF || phit->version != EFI_HOB_HANDOFF_TABLE_VERSION)
		fatal(f, "no PHIT at the TD_HOB section");
	p += phit->header.hob_length;
	for (;;) {
		const struct efi_hob_generic_header *h = (const void *)p;

		if (h->hob_type == EFI_HOB_TYPE_END_OF_HOB_LIST)
			break;
		if (h->hob_type != EFI_HOB_TYPE_RESOURCE_DESCRIPTOR || h->hob_length != 48 ||
		    (uint64_t)(p - (const uint8_t *)HOB_GPA) > 0x2000 - 56)
			fatal(f, "unexpected HOB");
		{
			const struct efi_hob_resource_descriptor *r = (const void *)p;

			ram += r->resource_length;
			if (r->resource_type == EFI_RESOURCE_SYSTEM_MEMORY)
				accepted += r->resource_length;
			else if (r->resource_type != EFI_RESOURCE_MEMORY_UNACCEPTED)
				fatal(f, "unexpected resource type");
		}
		p += h->hob_length;
	}
	if ((uint64_t)(uintptr_t)p != phit->efi_end_of_hob_list)
		fatal(f, "EfiEndOfHobList does not point at the END HOB");
	puts_(f, "mini-tdvf: hob ram=");
	puthex(f, ram);
	puts_(f, " accepted=");
	puthex(f, accepted);
	putc_(f, '\n');
}

void mini_main(uint64_t is_td);

void mini_main(uint64_t is_td)
{
	struct fw fw = { .td = is_td != 0 };
	const struct fw *f = &fw;
	uint64_t shared = f->td ? SHARED_BIT : 0;
	uint32_t ksize, csize, sum = 0;
	char cmdline[128];

	puts_(f, f->td ? "mini-tdvf: start td\n" : "mini-tdvf: start plain\n");
	if (f->td) {
		puts_(f, "mini-tdvf: attributes=");
		puthex(f, td_attributes());
		putc_(f, '\n');
	}
	if (fw_read_le(f, FW_CFG_SIGNATURE, 4) != 0x554D4551 /* "QEMU" */)
		fatal(f, "fw_cfg signature");
	puts_(f, "mini-tdvf: cpus=");
	puthex(f, fw_read_le(f, FW_CFG_NB_CPUS, 2));
	puts_(f, " ram=");
	puthex(f, fw_read_le(f, FW_CFG_RAM_SIZE, 8));
	putc_(f, '\n');
	check_hob(f);

	if (f->td && !share_dma_pages())
		fatal(f, "MapGPA to shared");
	if (!(fw_read_le(f, FW_CFG_ID, 4) & FW_CFG_VERSION_DMA))
		fatal(f, "no fw_cfg DMA");
	ksize = (uint32_t)fw_read_le(f, FW_CFG_KERNEL_SIZE, 4);
	for (uint32_t done = 0; done < ksize;) {
		uint32_t n = ksize - done < 0x1000 ? ksize - done : 0x1000;
		uint32_t ctl = FW_CFG_DMA_CTL_READ |
			       (done ? 0 : FW_CFG_DMA_CTL_SELECT | ((uint32_t)FW_CFG_KERNEL_DATA << 16));

		if (dma(f, DESC_GPA | shared, ctl, n, BUF_GPA | shared))
			fatal(f, "kernel DMA");
		for (uint32_t i = 0; i < n; i++)
			sum += buf_va()[i];
		done += n;
	}
	puts_(f, "mini-tdvf: kernel size=");
	puthex(f, ksize);
	puts_(f, " sum=");
	puthex(f, sum);
	putc_(f, '\n');

	csize = (uint32_t)fw_read_le(f, FW_CFG_CMDLINE_SIZE, 4);
	fw_select(f, FW_CFG_CMDLINE_DATA);
	for (uint32_t i = 0; i < csize && i < sizeof(cmdline) - 1; i++)
		cmdline[i] = (char)inb(f, FW_CFG_PORT_DATA);
	cmdline[csize < sizeof(cmdline) - 1 ? csize : sizeof(cmdline) - 1] = '\0';
	puts_(f, "mini-tdvf: cmdline=");
	puts_(f, cmdline);
	putc_(f, '\n');

	if (contains(cmdline, "dma-bad") && f->td) {
		/* A private descriptor: qemu-tdx cannot even answer, the control word stays. */
		uint32_t c1 = dma(f, DESC_GPA, FW_CFG_DMA_CTL_READ, 4, BUF_GPA | shared);
		/* A private buffer: refused with ERROR in the (shared) descriptor. */
		uint32_t c2 = dma(f, DESC_GPA | shared, FW_CFG_DMA_CTL_READ, 4, BUF_GPA);
		/* A buffer beyond RAM. */
		uint32_t c3 = dma(f, DESC_GPA | shared, FW_CFG_DMA_CTL_READ, 4, 0x7F000000000ULL | shared);

		if (c1 == FW_CFG_DMA_CTL_READ && c2 == FW_CFG_DMA_CTL_ERROR && c3 == FW_CFG_DMA_CTL_ERROR)
			puts_(f, "mini-tdvf: dma-bad refused\n");
		else
			fatal(f, "a bad DMA request was not refused");
	}
	if (contains(cmdline, "fatal")) {
		puts_(f, "mini-tdvf: reporting a fatal error\n");
		report_payload_failed(f);
	}
	/* "touch-hole": read private GPA 0x7F000000, where a 64 MiB guest has no RAM. */
	if (contains(cmdline, "touch-hole")) {
		puts_(f, "mini-tdvf: touching 0x7f000000\n");
		(void)*(volatile uint64_t *)0x7F000000ULL;
		puts_(f, "mini-tdvf: touched\n");
	}
	if (contains(cmdline, "tdvmcall-bad") && f->td)
		bad_tdvmcalls(f);
	if (contains(cmdline, "quote") && f->td)
		get_quote(f);
	if (contains(cmdline, "wait")) {
		puts_(f, "mini-tdvf: waiting\n");
		halt_forever(f);
	}
	puts_(f, "mini-tdvf: done\n");
	out(f, PM1A_CNT, 1u << 13, 2);
	halt_forever(f);
}

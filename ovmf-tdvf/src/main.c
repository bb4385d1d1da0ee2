/*
 * The BSP's boot flow (docs/firmware.md "Boot flow"):
 *
 *   IDT, console -> TDG.VP.INFO (GPAW, shared bit) -> shared alias ->
 *   CFV check -> TD HOB check -> RTMR0: TD HOB, CFV, separator ->
 *   accept RAM below the accept limit -> fw_cfg: payload and command line
 *   -> RTMR1: payload, RTMR2: command line, RTMR1: separator -> ELF load
 *   -> ACPI tables -> boot info -> wait for the APs to park -> payload.
 *
 * In a plain VM (no "IntelTDX    " in CPUID 0x21) the TD-only steps are
 * skipped: no TDCALL, no HOB, no accept, no RTMRs; RAM comes from fw_cfg.
 */
#include <string.h>

#include <tdx/fw_cfg.h>
#include <tdx/tdvf.h>

#include "accept.h"
#include "acpi.h"
#include "cfv.h"
#include "elf_load.h"
#include "fw.h"
#include "fw_cfg_io.h"
#include "hob.h"
#include "measure.h"
#include "memmap.h"
#include "tdvf_layout.h"
#include "tdx_guest.h"

#define EVENT_LOG_SIZE		0x10000
#define CMDLINE_MAX		0x1000
#define SZ_4G			0x100000000ull

struct tdvf_state tdvf;

/* .bss (TEMP_MEM): stacks for reset.S, the event log, the command line. */
uint8_t tdvf_bsp_stack[TDVF_BSP_STACK_SIZE] __attribute__((aligned(4096)));
uint8_t tdvf_ap_stacks[TDVF_MAX_APS * TDVF_AP_STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t event_log[EVENT_LOG_SIZE] __attribute__((aligned(4096)));
static char cmdline[CMDLINE_MAX];

void tdvf_main(int is_td, uint32_t reset_gpaw);

static const struct tdvf_cfv *check_cfv(void)
{
	const struct tdvf_cfv *c = (const struct tdvf_cfv *)(uintptr_t)
		(TDVF_IMAGE_BASE + TDVF_CFV_OFFSET);

	if (c->signature != TDVF_CFV_SIGNATURE)
		tdvf_fatal("CFV: bad signature 0x%lx", c->signature);
	if (c->version != TDVF_CFV_VERSION || c->size != sizeof(*c))
		tdvf_fatal("CFV: version %u size %u not supported", c->version, c->size);
	if ((c->accept_limit & 0xFFF) || c->accept_limit > SZ_4G ||
	    c->accept_limit < TDVF_MIN_RAM)
		tdvf_fatal("CFV: accept limit 0x%lx not a 4 KiB multiple in [0x%x, 4 GiB]",
			   c->accept_limit, TDVF_MIN_RAM);
	if (c->flags & ~TDVF_CFV_FLAG_VERBOSE || c->reserved)
		tdvf_fatal("CFV: unknown flags 0x%x or reserved 0x%x", c->flags, c->reserved);
	return c;
}

static uint64_t accept_one(uint64_t gpa, unsigned int level, void *ctx)
{
	(void)ctx;
	return tdg_mem_page_accept(gpa, level);
}

/* TD: RAM from the HOB, UNACCEPTED below the limit accepted now. */
static void td_memory(const struct hob_result *hob, uint64_t limit, struct memmap *mm)
{
	struct accept_stats st = { 0 };

	for (unsigned int i = 0; i < hob->num_ram; i++) {
		const struct hob_ram_range *r = &hob->ram[i];
		uint64_t end = r->base + r->length;

		if (r->resource_type == EFI_RESOURCE_SYSTEM_MEMORY) {
			if (memmap_add(mm, r->base, r->length, TDVF_MEM_ACCEPTED))
				tdvf_fatal("memory map full");
			continue;
		}
		if (r->base < limit) {
			uint64_t stop = end < limit ? end : limit;

			if (accept_range(r->base, stop - r->base, accept_one, NULL, &st))
				tdvf_fatal("TDG.MEM.PAGE.ACCEPT of GPA 0x%lx failed: 0x%lx",
					   st.failed_gpa, st.failed_status);
			if (memmap_add(mm, r->base, stop - r->base, TDVF_MEM_ACCEPTED))
				tdvf_fatal("memory map full");
		}
		if (end > limit) {
			uint64_t start = r->base > limit ? r->base : limit;

			if (memmap_add(mm, start, end - start, TDVF_MEM_UNACCEPTED))
				tdvf_fatal("memory map full");
		}
	}
	printf_fw("ovmf-tdvf: accepted %lu x 2M + %lu x 4K pages (%lu already, %lu fallbacks)\n",
		  st.pages_2m, st.pages_4k, st.already_accepted, st.fallbacks);
}

/*
 * Plain VM: fw_cfg's RAM size, split as q35 does (below 4 GiB up to
 * 2 GiB when RAM is 2.75 GiB or more, else all of it).
 */
static void plain_memory(struct memmap *mm)
{
	uint64_t ram = fw_cfg_read_u64(FW_CFG_RAM_SIZE);
	uint64_t low = ram >= 0xB0000000ull ? 0x80000000ull : ram;

	if (ram & 0xFFF || !ram)
		tdvf_fatal("fw_cfg: RAM size 0x%lx", ram);
	if (memmap_add(mm, 0, low, TDVF_MEM_ACCEPTED))
		tdvf_fatal("memory map full");
	if (ram > low && memmap_add(mm, SZ_4G, ram - low, TDVF_MEM_ACCEPTED))
		tdvf_fatal("memory map full");
}

static void *load_dest(uint64_t paddr, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)paddr;
}

static void wait_for_aps(uint32_t num_vcpus)
{
	volatile uint32_t *parked = (volatile uint32_t *)(TDVF_WORK_AREA + TDVF_WA_APS_PARKED);
	uint32_t want = num_vcpus - 1;

	if (want > TDVF_MAX_APS)
		want = TDVF_MAX_APS;
	for (unsigned long spins = 0; *parked < want; spins++) {
		if (spins == 2000000000ul)
			tdvf_fatal("only %u of %u APs reached the mailbox loop", *parked, want);
		__asm__ volatile("pause");
	}
}

__attribute__((noreturn))
static void enter_payload(uint64_t entry, struct tdvf_boot_info *bi)
{
	uint64_t stack = (uint64_t)(uintptr_t)(tdvf_bsp_stack + sizeof(tdvf_bsp_stack));

	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 : : "r"(stack), "r"(entry), "D"(bi), "S"(TDVF_BOOT_INFO_MAGIC)
			 : "memory");
	__builtin_unreachable();
}

void tdvf_main(int is_td, uint32_t reset_gpaw)
{
	static struct hob_result hob;
	static struct memmap mm;
	static struct elf_image elf;
	struct tdvf_boot_info *bi = (struct tdvf_boot_info *)TDVF_BOOT_INFO;
	const struct tdvf_cfv *cfv;
	uint64_t limit, rsdp;
	uint32_t kernel_size, cmdline_size;
	const uint8_t *payload = (const uint8_t *)TDVF_PAYLOAD_STAGING;

	tdvf.is_td = is_td;
	exceptions_init();
	console_init();
	printf_fw("ovmf-tdvf: starting in %s mode\n", is_td ? "TD" : "plain-VM");

	if (is_td) {
		struct tdg_vp_info info;
		uint64_t st = tdg_vp_info(&info);

		if (st)
			tdvf_fatal("TDG.VP.INFO failed: 0x%lx", st);
		if (info.gpaw != 48 && info.gpaw != 52)
			tdvf_fatal("TDG.VP.INFO: GPAW %u is neither 48 nor 52", info.gpaw);
		if (info.gpaw != reset_gpaw)
			tdvf_fatal("GPAW %u from TDG.VP.INFO differs from %u at reset",
				   info.gpaw, reset_gpaw);
		if (info.num_vcpus == 0 || info.num_vcpus > info.max_vcpus)
			tdvf_fatal("TDG.VP.INFO: %u vCPUs of max %u", info.num_vcpus,
				   info.max_vcpus);
		tdvf.gpaw = info.gpaw;
		tdvf.shared_mask = 1ull << (info.gpaw - 1);
		tdvf.attributes = info.attributes;
		tdvf.num_vcpus = info.num_vcpus;
		printf_fw("ovmf-tdvf: GPAW %u, shared bit 0x%lx, attributes 0x%lx, %u vCPUs\n",
			  tdvf.gpaw, tdvf.shared_mask, tdvf.attributes, tdvf.num_vcpus);
	}
	paging_map_shared_alias();
	cfv = check_cfv();
	limit = cfv->accept_limit;

	if (is_td) {
		if (hob_validate((const void *)TDVF_TD_HOB_BASE, TDVF_TD_HOB_SIZE,
				 TDVF_TD_HOB_BASE, tdvf.shared_mask, &hob))
			tdvf_fatal("TD HOB at 0x%x: %s (HOB at offset 0x%x)", TDVF_TD_HOB_BASE,
				   hob.error, hob.error_offset);
		printf_fw("ovmf-tdvf: TD HOB: %lu bytes, %u RAM ranges\n", hob.hob_length,
			  hob.num_ram);
		measure_init(event_log, sizeof(event_log));
		measure_event(0, EV_PLATFORM_CONFIG_FLAGS, (const void *)TDVF_TD_HOB_BASE,
			      hob.hob_length, "TD HOB", 6);
		measure_event(0, EV_EFI_PLATFORM_FIRMWARE_BLOB2,
			      (const void *)(TDVF_IMAGE_BASE + TDVF_CFV_OFFSET), TDVF_CFV_SIZE,
			      "CFV", 3);
		measure_separator(0);
		printf_fw("ovmf-tdvf: RTMR0: TD HOB, CFV, separator\n");
		td_memory(&hob, limit, &mm);
	} else {
		fw_cfg_init();
		plain_memory(&mm);
		fw_cfg_fini();
	}
	if (!memmap_covered(&mm, TDVF_PAYLOAD_LOAD_MIN, TDVF_MIN_RAM - TDVF_PAYLOAD_LOAD_MIN,
			    TDVF_MEM_ACCEPTED))
		tdvf_fatal("RAM 0x%x..0x%x (payload window and staging) is not all accepted RAM",
			   TDVF_PAYLOAD_LOAD_MIN, TDVF_MIN_RAM);
	if (memmap_set(&mm, TDVF_TEMP1_BASE, TDVF_FIRMWARE_RAM_END - TDVF_TEMP1_BASE,
		       TDVF_MEM_FIRMWARE))
		tdvf_fatal("memory map full");

	fw_cfg_init();
	if (!is_td) {
		uint16_t n = 0;

		fw_cfg_read(FW_CFG_NB_CPUS, &n, sizeof(n));
		tdvf.num_vcpus = n ? n : 1;
	}
	kernel_size = fw_cfg_read_u32(FW_CFG_KERNEL_SIZE);
	if (kernel_size == 0)
		tdvf_fatal("no payload: fw_cfg kernel size is 0 (use -kernel)");
	if (kernel_size > TDVF_PAYLOAD_MAX_SIZE)
		tdvf_fatal("payload of %u bytes exceeds the %u-byte limit", kernel_size,
			   TDVF_PAYLOAD_MAX_SIZE);
	fw_cfg_read(FW_CFG_KERNEL_DATA, (void *)payload, kernel_size);
	cmdline_size = fw_cfg_read_u32(FW_CFG_CMDLINE_SIZE);
	if (cmdline_size > CMDLINE_MAX)
		tdvf_fatal("command line of %u bytes exceeds %u", cmdline_size, CMDLINE_MAX);
	if (cmdline_size) {
		fw_cfg_read(FW_CFG_CMDLINE_DATA, cmdline, cmdline_size);
		if (cmdline[cmdline_size - 1] != '\0' || strlen(cmdline) != cmdline_size - 1)
			tdvf_fatal("command line of %u bytes is not one NUL-terminated string",
				   cmdline_size);
	}
	fw_cfg_fini();
	printf_fw("ovmf-tdvf: payload %u bytes, command line %u bytes\n", kernel_size,
		  cmdline_size);

	if (is_td) {
		measure_event(1, EV_EFI_BOOT_SERVICES_APPLICATION, payload, kernel_size,
			      "PAYLOAD", 7);
		if (cmdline_size)
			measure_event(2, EV_IPL, cmdline, cmdline_size, cmdline, cmdline_size);
		measure_separator(1);
	}

	if (elf_check(payload, kernel_size, TDVF_PAYLOAD_LOAD_MIN, TDVF_PAYLOAD_LOAD_MAX, &elf))
		tdvf_fatal("payload refused: %s", elf.error);
	elf_load(payload, &elf, load_dest, NULL);
	for (unsigned int i = 0; i < elf.num_segments; i++) {
		uint64_t b = elf.seg[i].paddr & ~0xFFFull;
		uint64_t e = (elf.seg[i].paddr + elf.seg[i].memsz + 0xFFF) & ~0xFFFull;

		if (memmap_set(&mm, b, e - b, TDVF_MEM_PAYLOAD))
			tdvf_fatal("memory map full");
	}

	{
		struct acpi_params ap = { .num_vcpus = tdvf.num_vcpus };

		if (is_td) {
			memset((void *)TDVF_MAILBOX, 0, 4096);
			ap.mailbox = TDVF_MAILBOX;
			ap.log_base = (uint64_t)(uintptr_t)event_log;
			ap.log_length = sizeof(event_log);
		}
		rsdp = acpi_build((void *)TDVF_ACPI, TDVF_ACPI_SIZE, &ap);
	}

	memset(bi, 0, sizeof(*bi));
	bi->magic = TDVF_BOOT_INFO_MAGIC;
	bi->version = TDVF_BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->gpaw = tdvf.gpaw;
	bi->num_vcpus = tdvf.num_vcpus;
	bi->shared_mask = tdvf.shared_mask;
	bi->acpi_rsdp = rsdp;
	if (is_td) {
		bi->mp_wakeup_mailbox = TDVF_MAILBOX;
		bi->event_log = (uint64_t)(uintptr_t)event_log;
		bi->event_log_length = sizeof(event_log);
		bi->event_log_used = measure_log_used();
	}
	bi->cmdline = cmdline_size ? (uint64_t)(uintptr_t)cmdline : 0;
	bi->cmdline_size = cmdline_size;
	bi->num_memmap = mm.n;
	memcpy(bi->memmap, mm.e, mm.n * sizeof(mm.e[0]));

	printf_fw("ovmf-tdvf: memory: %lu MiB accepted, %lu MiB unaccepted, %lu KiB firmware\n",
		  (memmap_total(&mm, TDVF_MEM_ACCEPTED) + memmap_total(&mm, TDVF_MEM_PAYLOAD)) >> 20,
		  memmap_total(&mm, TDVF_MEM_UNACCEPTED) >> 20,
		  memmap_total(&mm, TDVF_MEM_FIRMWARE) >> 10);
	if (is_td)
		wait_for_aps(tdvf.num_vcpus);
	printf_fw("ovmf-tdvf: entering payload at 0x%lx\n", elf.entry);
	enter_payload(elf.entry, bi);
}

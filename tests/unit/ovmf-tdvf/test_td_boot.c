/*
 * ovmf-tdvf as a TD under qemu-tdx, end to end:
 *
 *  - payload-demo on 2 vCPUs: exit 0 with the SUCCESS line, the
 *    virtio-console round trip and the AP woken through the mailbox; the
 *    MRTD it prints from
 *    its TDREPORT equals MRTD computed here from tdvf.fd's metadata
 *    (PAGE.ADD of every section page in metadata order, MR.EXTEND of the
 *    BFV in 256-byte chunks; reference tdx-abi.md 7); RTMR1 and RTMR2
 *    equal the measure convention's values computed here from the payload
 *    file and the command line;
 *  - 4 vCPUs and 2 GiB: the RAM above the accept limit handed over
 *    unaccepted, the last AP woken;
 *  - the plain-VM mode of the same image: SUCCESS without the TD steps;
 *  - payload-fatal: a non-zero exit and the payload's message on stderr;
 *  - a payload that is not ELF: the firmware's refusal, non-zero exit.
 *
 * The firmware accepts 32 MiB at boot (about 5 s here); accept=4 keeps the
 * payload's part short.  The demo's virtio-console round trip runs
 * against qemu-tdx's device at 0xFEB00000.
 * Skipped (77) when TDs cannot run on this host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "test_qemu_tdx_util.h"

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A 128-byte MRTD block: the ASCII tag zero-padded to 16, then the GPA. */
static void mrtd_block(EVP_MD_CTX *c, const char *tag, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, tag, strlen(tag));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(c, b, sizeof(b)), 1);
}

static void expected_mrtd(uint8_t out[48])
{
	size_t size;
	uint8_t *img = read_file(TDVF_IMAGE_PATH, &size);
	/* The footer table: the metadata offset entry is the last before the u16 + footer GUID. */
	uint32_t off = le32(img + size - 0x30 - 2 - 16 - 2 - 4);
	const uint8_t *d = img + size - off;
	uint32_t n = le32(d + 12);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = 0;

	assert_memory_equal(d, "TDVF", 4);
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha384(), NULL), 1);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = d + 16 + 32 * i;
		uint32_t data_off = le32(e), raw = le32(e + 4), attr = le32(e + 28);
		uint64_t gpa = le64(e + 8), mem = le64(e + 16);

		for (uint64_t p = 0; p < mem; p += 4096) {
			mrtd_block(c, "MEM.PAGE.ADD", gpa + p);
			if (!(attr & 1))
				continue;
			for (uint64_t k = p; k < p + 4096; k += 256) {
				uint8_t chunk[256] = { 0 };

				if (k < raw)
					memcpy(chunk, img + data_off + k, raw - k < 256 ? raw - k : 256);
				mrtd_block(c, "MR.EXTEND", gpa + k);
				assert_int_equal(EVP_DigestUpdate(c, chunk, sizeof(chunk)), 1);
			}
		}
	}
	assert_int_equal(EVP_DigestFinal_ex(c, out, &len), 1);
	EVP_MD_CTX_free(c);
	free(img);
}

static void sha384(const void *d, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(d, n, out, &len, EVP_sha384(), NULL), 1);
}

/* RTMR = SHA-384(RTMR || SHA-384(data)). */
static void extend(uint8_t rtmr[48], const void *data, size_t n)
{
	uint8_t buf[96];

	memcpy(buf, rtmr, 48);
	sha384(data, n, buf + 48);
	sha384(buf, sizeof(buf), rtmr);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void expect_measurement(const struct qt_result *r, const char *label, const uint8_t v[48])
{
	char want[160], h[97];

	hex(v, 48, h);
	snprintf(want, sizeof(want), "  %s %s\n", label, h);
	if (!strstr(r->out, want))
		fail_msg("expected '%s' in stdout:\n%s\nstderr:\n%s", want, r->out, r->err);
}

static void test_demo_td(void **state)
{
	static struct qt_result r;
	static const char cmdline[] = "accept=4";
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=split",
			       "-object", "tdx-guest,id=tdx0", "-bios", TDVF_IMAGE_PATH,
			       "-kernel", TDVF_PAYLOAD_DEMO_PATH, "-append", cmdline,
			       "-m", "64M", "-smp", "2", "-nographic", "-serial", "stdio", NULL };
	uint8_t mrtd[48], rtmr1[48] = { 0 }, rtmr2[48] = { 0 };
	static const uint8_t zero4[4];
	uint8_t *payload;
	size_t psize;

	(void)state;
	qt_require_kvm();
	qt_run(&r, args, NULL);
	qt_expect_line(&r, "tdx-emu payload: SUCCESS");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "payload: RTMR0..3 equal the event log replay\n"));
	assert_non_null(strstr(r.out, "payload: virtio-console round trip of 55 bytes through "
				      "shared memory OK\n"));
	/* The AP parked by the firmware wakes through the MADT's mailbox. */
	assert_non_null(strstr(r.out, "payload: woke APIC ID 1 through the MP wakeup mailbox "
				      "at 0x80c000\n"));
	assert_non_null(strstr(r.out, "ovmf-tdvf: starting in TD mode\n"));

	expected_mrtd(mrtd);
	expect_measurement(&r, "MRTD", mrtd);
	payload = read_file(TDVF_PAYLOAD_DEMO_PATH, &psize);
	extend(rtmr1, payload, psize);
	extend(rtmr1, zero4, 4);
	expect_measurement(&r, "RTMR1", rtmr1);
	extend(rtmr2, cmdline, sizeof(cmdline));	/* the NUL included */
	expect_measurement(&r, "RTMR2", rtmr2);
	free(payload);
}

/* 4 vCPUs, 2 GiB: all RAM above the 32 MiB accept limit is handed over unaccepted. */
static void test_demo_td_4cpu_2g(void **state)
{
	static struct qt_result r;
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=split",
			       "-object", "tdx-guest,id=tdx0", "-bios", TDVF_IMAGE_PATH,
			       "-kernel", TDVF_PAYLOAD_DEMO_PATH, "-append", "accept=0",
			       "-m", "2G", "-smp", "4", "-nographic", "-serial", "stdio", NULL };

	(void)state;
	qt_require_kvm();
	qt_run(&r, args, NULL);
	qt_expect_line(&r, "tdx-emu payload: SUCCESS");
	assert_int_equal(r.status, 0);
	qt_expect_line(&r, "ovmf-tdvf: GPAW 48, shared bit 0x800000000000, attributes 0x10000000, 4 vCPUs");
	qt_expect_line(&r, "  memory 0x0002000000-0x007fffffff unaccepted");
	qt_expect_line(&r, "payload: woke APIC ID 3 through the MP wakeup mailbox at 0x80c000");
	qt_expect_line(&r, "payload: accepted 0 MiB the firmware left unaccepted (2016 MiB left by accept=)");
}

/* The same image and payload as a plain KVM VM: no TD steps, virtio still round-trips. */
static void test_demo_plain_vm(void **state)
{
	static struct qt_result r;
	const char *args[] = { "-machine", "q35", "-bios", TDVF_IMAGE_PATH,
			       "-kernel", TDVF_PAYLOAD_DEMO_PATH,
			       "-m", "128M", "-smp", "2", "-nographic", "-serial", "stdio", NULL };

	(void)state;
	qt_require_kvm();
	qt_run(&r, args, NULL);
	qt_expect_line(&r, "tdx-emu payload: SUCCESS");
	assert_int_equal(r.status, 0);
	qt_expect_line(&r, "ovmf-tdvf: starting in plain-VM mode");
	qt_expect_line(&r, "payload: started in plain-VM mode, boot info at 0x80f000");
	qt_expect_line(&r, "payload: virtio-console round trip of 55 bytes through shared memory OK");
	assert_null(strstr(r.out, "TDREPORT"));
	qt_expect_line(&r, "ovmf-tdvf: memory: 127 MiB accepted, 0 MiB unaccepted, 1024 KiB firmware");
	assert_null(strstr(r.out, " unaccepted\n"));	/* no UNACCEPTED memory-map entry */
}

static void test_fatal_payload_td(void **state)
{
	static struct qt_result r;
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=split",
			       "-object", "tdx-guest,id=tdx0", "-bios", TDVF_IMAGE_PATH,
			       "-kernel", TDVF_PAYLOAD_FATAL_PATH,
			       "-m", "64M", "-smp", "1", "-nographic", "-serial", "stdio", NULL };

	(void)state;
	qt_require_kvm();
	qt_run(&r, args, NULL);
	assert_int_not_equal(r.status, 0);
	qt_expect_line(&r, "tdx-emu payload: FAILED: payload-fatal: deliberate failure");
	qt_expect_err(&r, "payload-fatal: deliberate failure");
	assert_null(strstr(r.out, "SUCCESS"));
}

static void test_bad_payload_td(void **state)
{
	static struct qt_result r;
	char path[64];
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=split",
			       "-object", "tdx-guest,id=tdx0", "-bios", TDVF_IMAGE_PATH,
			       "-kernel", path,
			       "-m", "64M", "-smp", "1", "-nographic", "-serial", "stdio", NULL };
	char junk[128];
	int fd;

	(void)state;
	qt_require_kvm();
	/* mkstemp()'s template: the last six characters become 'X'. */
	snprintf(path, sizeof(path), "/tmp/ovmf_tdvf_junk_%s", "......");
	memset(path + strlen(path) - 6, 'X', 6);
	memset(junk, '#', sizeof(junk));	/* longer than an ELF header, no magic */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	qt_run(&r, args, NULL);
	unlink(path);
	assert_int_not_equal(r.status, 0);
	qt_expect_line(&r, "ovmf-tdvf: FATAL: payload refused: not an ELF file (bad magic)");
	qt_expect_err(&r, "payload refused: not an ELF file (bad magic)");
	assert_null(strstr(r.out, "entering payload"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_td),
		cmocka_unit_test(test_demo_td_4cpu_2g),
		cmocka_unit_test(test_demo_plain_vm),
		cmocka_unit_test(test_fatal_payload_td),
		cmocka_unit_test(test_bad_payload_td),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* qemu-tdx's option parser (cli.c): what QEMU accepts, and every refusal with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

/* 48 bytes 0x00..0x2f in base64 (computed with Python's base64 module). */
#define DIGEST_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"

static int parse(struct vmm_opts *o, char *err, const char *const *args)
{
	char *argv[40] = { (char *)"qemu-tdx" };
	int argc = 1;

	while (args[argc - 1]) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	vmm_opts_init(o);
	err[0] = '\0';
	return vmm_opts_parse(argc, argv, o, err, 512);
}

static void test_full_td_command_line(void **state)
{
	const char *args[] = { "-accel", "kvm", "-cpu", "host", "-machine",
		"q35,confidential-guest-support=tdx0,kernel-irqchip=split", "-object",
		"tdx-guest,id=tdx0,sept-ve-disable=off,mrconfigid=" DIGEST_B64
		",mrowner=" DIGEST_B64 ",mrownerconfig=" DIGEST_B64
		",quote-generation-socket.type=unix,quote-generation-socket.path=/run/qgs.sock",
		"-bios", "tdvf.fd", "-kernel", "payload.elf", "-append", "a,b c", "-m", "512M",
		"-smp", "2", "-nographic", "-serial", "stdio", "-qmp",
		"unix:/tmp/q.sock,server=on,wait=off", "-name", "guest=td1,debug-threads=on", NULL };
	const char *fixed[] = { "-accel", "kvm", "-cpu", "host", "-machine",
		"q35,confidential-guest-support=tdx0,kernel-irqchip=split", "-object",
		"tdx-guest,id=tdx0,sept-ve-disable=off,mrconfigid=" DIGEST_B64
		",mrowner=" DIGEST_B64 ",mrownerconfig=" DIGEST_B64
		",quote-generation-socket.type=unix,quote-generation-socket.path=/run/qgs.sock",
		"-bios", "tdvf.fd", "-kernel", "payload.elf", "-append", "a,b c", "-m", "512M",
		"-smp", "2", "-nographic", "-serial", "stdio", "-qmp",
		"unix:/tmp/q.sock,server=on,wait=off", "--name", "guest=td1", NULL };
	struct vmm_opts o;
	char err[512];
	uint8_t digest[48];

	(void)state;
	for (int i = 0; i < 48; i++)
		digest[i] = (uint8_t)i;
	/* debug-threads is accepted (and changes nothing); both forms give the same options. */
	assert_int_equal(parse(&o, err, args), 0);
	assert_string_equal(o.name, "td1");
	assert_int_equal(parse(&o, err, fixed), 0);
	assert_true(vmm_opts_is_td(&o));
	assert_string_equal(o.cgs_id, "tdx0");
	assert_string_equal(o.tdx_id, "tdx0");
	assert_int_equal(o.attributes, 0);		/* SEPT_VE_DISABLE cleared */
	assert_memory_equal(o.mrconfigid, digest, 48);
	assert_memory_equal(o.mrowner, digest, 48);
	assert_memory_equal(o.mrownerconfig, digest, 48);
	assert_string_equal(o.qgs_socket, "/run/qgs.sock");
	assert_string_equal(o.bios, "tdvf.fd");
	assert_string_equal(o.kernel, "payload.elf");
	assert_string_equal(o.append, "a,b c");
	assert_int_equal(o.ram_size, 512ULL << 20);
	assert_int_equal(o.smp, 2);
	assert_int_equal(o.serial, VMM_SERIAL_STDIO);
	assert_string_equal(o.qmp_path, "/tmp/q.sock");
	assert_string_equal(o.name, "td1");
}

static void test_defaults(void **state)
{
	const char *args[] = { "-bios", "fw.fd", NULL };
	struct vmm_opts o;
	char err[512];

	(void)state;
	assert_int_equal(parse(&o, err, args), 0);
	assert_false(vmm_opts_is_td(&o));
	assert_int_equal(o.attributes, TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(o.ram_size, 128ULL << 20);
	assert_int_equal(o.smp, 1);
	assert_null(o.kernel);
	assert_null(o.append);
	assert_string_equal(o.qgs_socket, "");
}

static void test_values(void **state)
{
	struct vmm_opts o;
	char err[512];
	const char *a1[] = { "-bios", "f", "-m", "size=2G", "-smp", "cpus=4,maxcpus=4",
			     "-object", "tdx-guest,id=t,attributes=0x40000000,sept-ve-disable=on",
			     "-M", "pc-q35-10.1,confidential-guest-support=t", "-serial", "none",
			     "-qmp", "unix:/s,server,nowait", "-name", "plain", NULL };
	const char *a3[] = { "-bios", "f", "-smp", "sockets=2,cores=2,threads=1", "-cpu",
			     "host,migratable=on", "-no-user-config", NULL };
	const char *a4[] = { "-bios", "f", "-smp", "4,sockets=1,dies=1,clusters=1,cores=4,threads=1", NULL };
	const char *a2[] = { "-bios", "f", "-m", "1024", "-object",
			     "tdx-guest,id=t,quote-generation-socket=/q,sept-ve-disable=no", NULL };

	(void)state;
	assert_int_equal(parse(&o, err, a1), 0);
	assert_int_equal(o.ram_size, 2ULL << 30);
	assert_int_equal(o.smp, 4);
	/* attributes= first, then sept-ve-disable=on sets bit 28 on top. */
	assert_int_equal(o.attributes, 0x50000000ULL);
	assert_int_equal(o.serial, VMM_SERIAL_NONE);
	assert_string_equal(o.qmp_path, "/s");
	assert_string_equal(o.name, "plain");
	assert_int_equal(parse(&o, err, a2), 0);
	assert_int_equal(o.ram_size, 1024ULL << 20);	/* -m without a suffix is MiB */
	assert_int_equal(o.attributes, 0);
	assert_string_equal(o.qgs_socket, "/q");
	assert_false(vmm_opts_is_td(&o));		/* an object alone is not a TD */
	assert_int_equal(parse(&o, err, a3), 0);
	assert_int_equal(o.smp, 4);			/* from the topology */
	assert_int_equal(parse(&o, err, a4), 0);
	assert_int_equal(o.smp, 4);
}

/* libvirt's form (reference host-stack.md 5.4): a JSON -object and extra machine properties. */
static void test_libvirt_command_line(void **state)
{
	const char *args[] = { "-machine",
		"pc-q35-10.1,usb=off,vmport=off,dump-guest-core=off,confidential-guest-support=lsec0,kernel_irqchip=split,hpet=off",
		"-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"lsec0\",\"mrconfigid\":\"" DIGEST_B64
		"\",\"mrowner\":\"" DIGEST_B64 "\",\"mrownerconfig\":\"" DIGEST_B64
		"\",\"quote-generation-socket\":{\"type\":\"unix\",\"path\":\"/var/run/tdx-qgs/qgs.socket\"},"
		"\"attributes\":268435456}", "-bios", "f", NULL };
	const char *sept[] = { "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"sept-ve-disable\":false}",
			       "-bios", "f", NULL };
	struct vmm_opts o;
	char err[512];

	(void)state;
	if (parse(&o, err, args))
		fail_msg("%s", err);
	assert_true(vmm_opts_is_td(&o));
	assert_string_equal(o.tdx_id, "lsec0");
	assert_int_equal(o.attributes, 0x10000000);
	assert_string_equal(o.qgs_socket, "/var/run/tdx-qgs/qgs.socket");
	assert_int_equal(o.mrowner[47], 47);
	assert_int_equal(parse(&o, err, sept), 0);
	assert_int_equal(o.attributes, 0);
}

struct bad {
	const char *args[12];
	const char *msg;
};

static const struct bad bad_cases[] = {
	{ { "-bios", "f", "-foo", NULL }, "qemu-tdx: -foo: invalid option" },
	{ { "-bios", "f", "disk.img", NULL }, "qemu-tdx: disk.img: invalid option (a disk image is not supported)" },
	{ { "-bios", "f", "-m", NULL }, "qemu-tdx: -m: requires an argument" },
	{ { "-bios", "f", "-machine", "pc", NULL }, "qemu-tdx: -machine pc: unsupported machine type 'pc' (qemu-tdx has only q35)" },
	{ { "-bios", "f", "-machine", "q35,foo=1", NULL }, "qemu-tdx: -machine q35,foo=1: Property 'q35-machine.foo' not found" },
	{ { "-bios", "f", "-machine", "q35,kernel-irqchip=maybe", NULL }, "qemu-tdx: -machine q35,kernel-irqchip=maybe: Parameter 'kernel-irqchip' expects 'on', 'off' or 'split'" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support", NULL }, "qemu-tdx: -machine q35,confidential-guest-support: Parameter 'confidential-guest-support' expects a value" },
	{ { "-bios", "f", "-machine", "q35,,x", NULL }, "qemu-tdx: -machine q35,,x: unsupported machine type 'q35,x' (qemu-tdx has only q35)" },
	{ { "-bios", "f", "-machine", "q35,", NULL }, "qemu-tdx: -machine q35,: empty parameter after ','" },
	{ { "-bios", "f", "-machine", "q35,smm=on", NULL }, "qemu-tdx: -machine q35,smm=on: smm=on is not supported by qemu-tdx" },
	{ { "-bios", "f", "-machine", "q35,accel=tcg", NULL }, "qemu-tdx: -machine q35,accel=tcg: invalid accelerator tcg (qemu-tdx supports only kvm)" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support=tdx0", NULL }, "qemu-tdx: -machine: Property 'q35-machine.confidential-guest-support' can't find value 'tdx0'" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support=tdx0", "-object", "tdx-guest,id=tdx1", NULL }, "qemu-tdx: -machine: Property 'q35-machine.confidential-guest-support' can't find value 'tdx0'" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support=t,kernel_irqchip=on", "-object", "tdx-guest,id=t", NULL }, "qemu-tdx: -machine: TDX VM requires kernel_irqchip to be split" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support=t,kernel-irqchip=off", "-object", "tdx-guest,id=t", NULL }, "qemu-tdx: -machine: TDX VM requires kernel_irqchip to be split" },
	{ { "-bios", "f", "-machine", "q35,confidential-guest-support=t", "-object", "tdx-guest,id=t", "-cpu", "Skylake-Server", NULL }, "qemu-tdx: -cpu Skylake-Server: Named cpu model is not supported for TDX yet!" },
	{ { "-bios", "f", "-cpu", "qemu64", NULL }, "qemu-tdx: -cpu qemu64: qemu-tdx supports only -cpu host or max" },
	{ { "-bios", "f", "-object", "memory-backend-ram,id=m,size=1G", NULL }, "qemu-tdx: -object memory-backend-ram,id=m,size=1G: invalid object type: memory-backend-ram" },
	{ { "-bios", "f", "-object", "tdx-guest", NULL }, "qemu-tdx: -object tdx-guest: Parameter 'id' is missing" },
	{ { "-bios", "f", "-object", "tdx-guest,id=a", "-object", "tdx-guest,id=b", NULL }, "qemu-tdx: -object tdx-guest,id=b: only one tdx-guest object is supported" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,foo=bar", NULL }, "qemu-tdx: -object tdx-guest,id=t,foo=bar: Property 'tdx-guest.foo' not found" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,attributes=1", NULL }, "qemu-tdx: -object tdx-guest,id=t,attributes=1: Current QEMU doesn't support attributes.debug[bit 0] for TDX VM" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,attributes=-5", NULL }, "qemu-tdx: -object tdx-guest,id=t,attributes=-5: Parameter 'attributes' expects uint64" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,attributes=0x1z", NULL }, "qemu-tdx: -object tdx-guest,id=t,attributes=0x1z: Parameter 'attributes' expects uint64" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,sept-ve-disable=2", NULL }, "qemu-tdx: -object tdx-guest,id=t,sept-ve-disable=2: Parameter 'sept-ve-disable' expects 'on' or 'off'" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,mrowner=AAAA", NULL }, "qemu-tdx: -object tdx-guest,id=t,mrowner=AAAA: TDX 'mrowner': sha384 digest was 3 bytes, expected 48 bytes" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,mrconfigid=A$AA", NULL }, "qemu-tdx: -object tdx-guest,id=t,mrconfigid=A$AA: TDX 'mrconfigid': invalid base64 character at offset 1" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,mrownerconfig=AAA", NULL }, "qemu-tdx: -object tdx-guest,id=t,mrownerconfig=AAA: TDX 'mrownerconfig': invalid base64 (length 3)" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,mrowner=A=AA", NULL }, "qemu-tdx: -object tdx-guest,id=t,mrowner=A=AA: TDX 'mrowner': invalid base64 character at offset 1" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,quote-generation-socket.type=vsock", NULL }, "qemu-tdx: -object tdx-guest,id=t,quote-generation-socket.type=vsock: quote-generation-socket.type=vsock: qemu-tdx supports only unix sockets" },
	{ { "-bios", "f", "-object", "tdx-guest,id=t,quote-generation-socket.type=unix", NULL }, "qemu-tdx: -object tdx-guest,id=t,quote-generation-socket.type=unix: quote-generation-socket.path is missing" },
	{ { "-bios", "f", "-m", "12X", NULL }, "qemu-tdx: -m 12X: Parameter 'size' expects a size like 512M or 2G" },
	{ { "-bios", "f", "-m", "-1", NULL }, "qemu-tdx: -m -1: Parameter 'size' expects a size like 512M or 2G" },
	{ { "-bios", "f", "-m", "99999999999999999999G", NULL }, "qemu-tdx: -m 99999999999999999999G: Parameter 'size' expects a size like 512M or 2G" },
	{ { "-bios", "f", "-m", "16M", NULL }, "qemu-tdx: -m 16M: RAM size must be between 32 MiB and 64 GiB" },
	{ { "-bios", "f", "-m", "65G", NULL }, "qemu-tdx: -m 65G: RAM size must be between 32 MiB and 64 GiB" },
	{ { "-bios", "f", "-m", "33M", NULL }, "qemu-tdx: -m 33M: RAM size must be a multiple of 2 MiB" },
	{ { "-bios", "f", "-m", "maxmem=4G", NULL }, "qemu-tdx: -m maxmem=4G: Invalid parameter 'maxmem'" },
	{ { "-bios", "f", "-smp", "0", NULL }, "qemu-tdx: -smp 0: Invalid SMP CPUs 0: must be 1..64" },
	{ { "-bios", "f", "-smp", "65", NULL }, "qemu-tdx: -smp 65: Invalid SMP CPUs 65: must be 1..64" },
	{ { "-bios", "f", "-smp", "two", NULL }, "qemu-tdx: -smp two: Parameter 'cpus' expects a number" },
	{ { "-bios", "f", "-smp", "2,maxcpus=4", NULL }, "qemu-tdx: -smp 2,maxcpus=4: maxcpus (4) must equal cpus (2): qemu-tdx has no CPU hotplug" },
	{ { "-bios", "f", "-smp", "2,sockets=2,cores=2", NULL }, "qemu-tdx: -smp 2,sockets=2,cores=2: Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (2) * dies (1) * clusters (1) * cores (2) * threads (1) != maxcpus (2)" },
	{ { "-bios", "f", "-smp", "2,sockets=0", NULL }, "qemu-tdx: -smp 2,sockets=0: Parameter 'sockets' expects a number" },
	{ { "-bios", "f", "-smp", "2,books=2", NULL }, "qemu-tdx: -smp 2,books=2: Invalid parameter 'books'" },
	{ { "-bios", "f", "-cpu", "host,+avx512f", NULL }, "qemu-tdx: -cpu host,+avx512f: CPU property '+avx512f' is not supported by qemu-tdx" },
	{ { "-bios", "f", "-cpu", "host,migratable=maybe", NULL }, "qemu-tdx: -cpu host,migratable=maybe: CPU property 'migratable' is not supported by qemu-tdx" },
	{ { "-bios", "f", "-name", "td,debug-threads=2", NULL }, "qemu-tdx: -name td,debug-threads=2: Parameter 'debug-threads' expects 'on' or 'off'" },
	{ { "-bios", "f", "-qmp", "tcp:localhost:4444", NULL }, "qemu-tdx: -qmp tcp:localhost:4444: qemu-tdx supports only -qmp unix:PATH,server=on,wait=off" },
	{ { "-bios", "f", "-qmp", "unix:/s,server=on", NULL }, "qemu-tdx: -qmp unix:/s,server=on: qemu-tdx supports only a listening QMP socket (server=on,wait=off)" },
	{ { "-bios", "f", "-qmp", "unix:/s,wait=off", NULL }, "qemu-tdx: -qmp unix:/s,wait=off: qemu-tdx supports only a listening QMP socket (server=on,wait=off)" },
	{ { "-bios", "f", "-qmp", "unix:/s,server=on,wait=off,x=1", NULL }, "qemu-tdx: -qmp unix:/s,server=on,wait=off,x=1: Invalid parameter 'x'" },
	{ { "-bios", "f", "-serial", "pty", NULL }, "qemu-tdx: -serial pty: qemu-tdx supports only -serial stdio, none or null" },
	{ { "-bios", "f", "-display", "gtk", NULL }, "qemu-tdx: -display gtk: qemu-tdx has no display: only -display none" },
	{ { "-bios", "f", "-accel", "tcg", NULL }, "qemu-tdx: -accel tcg: invalid accelerator tcg (qemu-tdx supports only kvm)" },
	{ { "-bios", "f", "-append", "x", NULL }, "qemu-tdx: -append: -append only allowed with -kernel option" },
	{ { "-m", "64M", NULL }, "qemu-tdx: -bios: a firmware image is required (qemu-tdx has no built-in BIOS)" },
	{ { "-bios", "", NULL }, "qemu-tdx: -bios : empty file name" },
	{ { "-bios", "f", "-name", "guest=", NULL }, "qemu-tdx: -name guest=: invalid guest name" },
	{ { "-bios", "f", "-machine", "q35,usb=on", NULL }, "qemu-tdx: -machine q35,usb=on: usb=on is not supported by qemu-tdx" },
	{ { "-bios", "f", "-machine", "q35,hpet=maybe", NULL }, "qemu-tdx: -machine q35,hpet=maybe: Parameter 'hpet' expects 'on' or 'off'" },
	{ { "-bios", "f", "-object", "{\"qom-type\":", NULL }, "qemu-tdx: -object {\"qom-type\":: Invalid JSON syntax" },
	{ { "-bios", "f", "-object", "{\"id\":\"t\"}", NULL }, "qemu-tdx: -object {\"id\":\"t\"}: Parameter 'qom-type' is missing" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"sev-guest\",\"id\":\"t\"}", NULL }, "qemu-tdx: -object {\"qom-type\":\"sev-guest\",\"id\":\"t\"}: invalid object type: sev-guest" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\"}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\"}: Parameter 'id' is missing" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"attributes\":\"1\"}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"attributes\":\"1\"}: Parameter 'attributes' expects uint64" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"attributes\":1}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"attributes\":1}: Current QEMU doesn't support attributes.debug[bit 0] for TDX VM" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"x\":1}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"x\":1}: Property 'tdx-guest.x' not found" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"quote-generation-socket\":{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\"4050\"}}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"quote-generation-socket\":{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\"4050\"}}: quote-generation-socket.type=vsock: qemu-tdx supports only unix sockets" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"quote-generation-socket\":\"/x\"}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"quote-generation-socket\":\"/x\"}: quote-generation-socket: expects a SocketAddress object" },
	{ { "-bios", "f", "-object", "{\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"mrowner\":\"AAAA\"}", NULL }, "qemu-tdx: -object {\"qom-type\":\"tdx-guest\",\"id\":\"t\",\"mrowner\":\"AAAA\"}: TDX 'mrowner': sha384 digest was 3 bytes, expected 48 bytes" },
	{ { "-bios", "f", "-object", "[1,2]", NULL }, "qemu-tdx: -object [1,2]: invalid object type: [1" },
};

static void test_every_bad_option(void **state)
{
	struct vmm_opts o;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		if (parse(&o, err, bad_cases[i].args) != -1)
			fail_msg("case %zu (%s): accepted", i, bad_cases[i].msg);
		if (strcmp(err, bad_cases[i].msg))
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, err, bad_cases[i].msg);
	}
}

static void test_sizes_and_base64(void **state)
{
	uint64_t v;
	uint8_t d[48];
	char why[128];

	(void)state;
	assert_int_equal(vmm_parse_size("1K", false, &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(vmm_parse_size("3t", false, &v), 0);
	assert_int_equal(v, 3ULL << 40);
	assert_int_equal(vmm_parse_size("100", false, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(vmm_parse_size("100B", true, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(vmm_parse_size("", true, &v), -1);
	assert_int_equal(vmm_parse_size("1MB", true, &v), -1);
	assert_int_equal(vmm_parse_size(" 1M", true, &v), -1);
	assert_int_equal(vmm_parse_size("17179869184G", true, &v), -1);	/* 2^64 */
	assert_int_equal(vmm_base64_digest(DIGEST_B64, d, why, sizeof(why)), 0);
	assert_int_equal(d[47], 47);
	/* 47 bytes ("...Lg==") and 49 bytes are both the wrong size. */
	assert_int_equal(vmm_base64_digest("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4=",
					   d, why, sizeof(why)), -1);
	assert_string_equal(why, "sha384 digest was 47 bytes, expected 48 bytes");
	assert_int_equal(vmm_base64_digest("", d, why, sizeof(why)), -1);
	assert_string_equal(why, "sha384 digest was 0 bytes, expected 48 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_td_command_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_libvirt_command_line),
		cmocka_unit_test(test_every_bad_option),
		cmocka_unit_test(test_sizes_and_base64),
	};

	return cmocka_run_group_tests_name("qemu-tdx cli", tests, NULL, NULL);
}

/*
 * Unit tests for seam/loader/src/np_seamldr.c: GETSEC[ENTERACCS] with the
 * NP-SEAMLDR ACM (the instruction's faults, the ACM's authentication
 * against the fused vendor key hash) and NP-SEAMLDR itself (the status it
 * leaves in R9 and the P-SEAMLDR it brings up).
 *
 * After every failure P-SEAMLDR must not exist: SEAMEXTEND.P_SEAMLDR_READY
 * stays 0 and a P-SEAMLDR SEAMCALL answers VMfailInvalid.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <tdx/tdx_msr.h>
#include <tdx/tdx_seamcall.h>

#include "fake_platform.h"
#include "firmware_paths.h"
#include "loader_internal.h"
#include "platform_test.h"
#include "seam_machine.h"
#include "tdxctl/tdxctl.h"

#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)
#define ACM_PA		0x10000000ULL
#define INFO_PA		0x20000000ULL
#define R9_UNTOUCHED	0xBAD0BAD0BAD0BAD0ULL
#define HDR_SIZE	sizeof(struct acm_header)

static uint8_t *fw_acm;		/* TDX_FW_NP_SEAMLDR_ACM */
static size_t fw_acm_len;
static EVP_PKEY *vendor_key;
static char hash_kv[160];	/* "vendor-key-hash=..." */

static int group_setup(void **state)
{
	struct emu_error err = { 0 };
	uint8_t *hash = NULL;
	size_t len = 0;

	(void)state;
	if (tdxctl_file_read(TDX_FW_NP_SEAMLDR_ACM, &fw_acm, &fw_acm_len, &err) ||
	    tdxctl_key_load(TDX_FW_VENDOR_KEY, &vendor_key, &err) ||
	    tdxctl_file_read(TDX_FW_VENDOR_KEY_HASH, &hash, &len, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	if (len < 96) {
		free(hash);
		return -1;
	}
	snprintf(hash_kv, sizeof(hash_kv), "vendor-key-hash=%.96s", (const char *)hash);
	free(hash);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(fw_acm);
	EVP_PKEY_free(vendor_key);
	return 0;
}

/* ---- machines ---- */

/* Defaults, the fused test vendor key, then @overrides. */
static struct seam_machine *machine_new(const char *const *overrides)
{
	struct platform_config cfg;
	struct seam_machine *m = NULL;
	struct emu_error err = { 0 };

	platform_config_defaults(&cfg);
	if (platform_config_set(&cfg, hash_kv, &err))
		fail_msg("%s", err.msg);
	for (; overrides && *overrides; overrides++)
		if (platform_config_set(&cfg, *overrides, &err))
			fail_msg("%s: %s", *overrides, err.msg);
	if (seam_machine_create(&cfg, &m, &err))
		fail_msg("seam_machine_create: %s", err.msg);
	return m;
}

/* A machine past the BIOS and MCHECK, SEAM enabled, APs parked. */
static struct seam_machine *machine_seam(const char *const *overrides)
{
	struct seam_machine *m = machine_new(overrides);
	struct mcheck_result res;
	struct emu_error err = { 0 };

	if (seam_machine_firmware(m, NULL, &res, &err))
		fail_msg("firmware: %s", err.msg);
	assert_true(platform_seam_enabled(m->plat));
	return m;
}

static void place(struct seam_machine *m, uint64_t pa, const void *buf, size_t len)
{
	assert_int_equal(pmem_host_write(m->plat, pa, buf, len), 0);
}

/* ---- GETSEC on LP 0's thread ---- */

struct launch {
	struct seam_loader *ldr;
	uint64_t pa;
	uint32_t size;
	bool no_smxe;		/* leave CR4.SMXE clear */
	bool vmxon;		/* execute inside VMX operation */
	bool in_seam;		/* execute with the LP already in SEAM mode */
	int vmxon_ret;
	int ret;
	uint64_t r9;
	struct emu_error err;
	enum lp_mode mode_after;
};

/* No cmocka assertions on LP threads: record, assert on the test thread. */
static void launch_fn(struct plat_lp *lp, void *arg)
{
	struct launch *l = arg;

	lp_set_smxe(lp, !l->no_smxe);
	if (l->vmxon)
		l->vmxon_ret = lp_vmxon(lp);
	if (l->in_seam)
		platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	l->ret = getsec_enteraccs(l->ldr, lp, l->pa, l->size, &l->r9, &l->err);
	if (l->in_seam)
		platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	l->mode_after = lp_mode(lp);
	if (l->vmxon)
		lp_vmxoff(lp);
}

static void launch_init(struct launch *l, struct seam_machine *m, uint64_t pa, size_t size)
{
	memset(l, 0, sizeof(*l));
	l->ldr = m->ldr;
	l->pa = pa;
	l->size = (uint32_t)size;
	l->r9 = R9_UNTOUCHED;
}

static void launch_run(struct seam_machine *m, struct launch *l)
{
	assert_int_equal(platform_lp_call(m->plat, 0, launch_fn, l), 0);
	assert_int_equal(l->vmxon_ret, 0);
	assert_int_equal(l->mode_after, LP_MODE_NORMAL);
}

/* Copy @acm to @pa and GETSEC[ENTERACCS] it; returns what happened. */
static struct launch launch_acm(struct seam_machine *m, uint64_t pa, const uint8_t *acm,
				size_t len)
{
	struct launch l;

	place(m, pa, acm, len);
	launch_init(&l, m, pa, len);
	launch_run(m, &l);
	return l;
}

/* ---- SEAMCALL on LP 0's thread ---- */

struct seamcall_call {
	uint64_t rax;
	uint64_t rcx;
	int vmxon_ret;
	enum seamcall_result res;
	uint64_t rax_out;
};

static void seamcall_fn(struct plat_lp *lp, void *arg)
{
	struct seamcall_call *c = arg;
	struct tdx_module_args args = { .rax = c->rax, .rcx = c->rcx };

	c->vmxon_ret = lp_vmxon(lp);
	c->res = lp_seamcall(lp, &args);
	c->rax_out = args.rax;
	lp_vmxoff(lp);
}

static struct seamcall_call seamcall(struct seam_machine *m, uint64_t rax, uint64_t rcx)
{
	struct seamcall_call c = { .rax = rax, .rcx = rcx };

	assert_int_equal(platform_lp_call(m->plat, 0, seamcall_fn, &c), 0);
	assert_int_equal(c.vmxon_ret, 0);
	return c;
}

static bool p_seamldr_ready(struct seam_machine *m)
{
	struct seamextend ext;

	platform_seamextend_read(m->plat, &ext);
	return ext.p_seamldr_ready;
}

/* No P-SEAMLDR: the ready bit is clear and SEAMCALL cannot enter it. */
static void assert_not_launched(struct seam_machine *m)
{
	assert_false(p_seamldr_ready(m));
	assert_int_equal(seamcall(m, SEAMLDR_INFO, INFO_PA).res, SEAMCALL_VMFAILINVALID);
}

/* P-SEAMLDR answers SEAMLDR.INFO; returns what it reported. */
static struct seamldr_info assert_launched(struct seam_machine *m)
{
	struct seamldr_info info;
	struct seamcall_call c;

	assert_true(p_seamldr_ready(m));
	c = seamcall(m, SEAMLDR_INFO, INFO_PA);
	assert_int_equal(c.res, SEAMCALL_VMSUCCEED);
	assert_int_equal(c.rax_out, SEAMLDR_SUCCESS);
	assert_int_equal(pmem_host_read(m->plat, INFO_PA, &info, sizeof(info)), 0);
	return info;
}

static void assert_fault(const struct launch *l, int code, const char *needle)
{
	if (l->ret != code)
		print_error("getsec: %d '%s'\n", l->ret, l->err.msg);
	assert_int_equal(l->ret, code);
	assert_int_equal(l->err.code, code);
	if (needle && !strstr(l->err.msg, needle))
		fail_msg("message '%s' lacks '%s'", l->err.msg, needle);
	/* A fault or a refused ACM never reaches NP-SEAMLDR. */
	assert_int_equal(l->r9, R9_UNTOUCHED);
}

/* ---- building ACMs ---- */

static uint8_t *acm_copy(size_t extra)
{
	uint8_t *a = calloc(1, fw_acm_len + extra);

	assert_non_null(a);
	memcpy(a, fw_acm, fw_acm_len);
	return a;
}

/* Sign what GETSEC verifies: [0,120) then [sizeof(acm_header), end). */
static void acm_resign(uint8_t *acm, size_t len, EVP_PKEY *key)
{
	struct acm_header *h = (struct acm_header *)acm;
	struct seam_sig_part parts[] = {
		{ acm, ACM_HEADER_SIGNED_PREFIX },
		{ acm + HDR_SIZE, len - HDR_SIZE },
	};
	struct emu_error err = { 0 };

	if (tdxctl_rsa3072_sign_le(key, parts, 2, h->rsa_sig, &err))
		fail_msg("sign: %s", err.msg);
}

static struct np_seamldr_manifest *acm_manifest(uint8_t *acm)
{
	return (struct np_seamldr_manifest *)(acm + ((struct acm_header *)acm)->entry_point);
}

/* ---- success ---- */

struct range_read {
	uint64_t pa;
	void *buf;
	size_t len;
};

static int range_read_fn(struct plat_lp *lp, void *arg)
{
	struct range_read *r = arg;

	return pmem_seam_read(lp, r->pa, r->buf, r->len);
}

static void test_getsec_enteraccs_success(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	const struct acm_header *h = (const struct acm_header *)fw_acm;
	const struct np_seamldr_manifest *man =
		(const struct np_seamldr_manifest *)(fw_acm + h->entry_point);
	const struct p_seamldr_image_header *ph =
		(const struct p_seamldr_image_header *)(fw_acm + man->p_seamldr_offset);
	struct platform_range seamrr;
	struct seamldr_info info;
	struct seamextend ext;
	struct range_read r;
	struct launch l;
	uint8_t *image;

	(void)state;
	assert_not_launched(m);
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	if (l.ret)
		fail_msg("getsec: %s", l.err.msg);
	assert_int_equal(l.r9, SEAMLDR_SUCCESS);

	platform_seamextend_read(m->plat, &ext);
	assert_int_equal(ext.p_seamldr_ready, 1);
	assert_int_equal(ext.seam_ready, 0);
	assert_int_equal(ext.valid, 0);

	info = assert_launched(m);
	assert_int_equal(info.vendor_id, 0x8086);
	assert_int_equal(info.major, ph->major);
	assert_int_equal(info.minor, ph->minor);
	assert_int_equal(info.build_date, h->date);
	assert_int_equal(info.acm_x2apicid, 0);	/* LP 0 ran the ACM */
	assert_int_equal(info.num_remaining_updates, ph->num_remaining_updates);
	assert_int_equal(info.seamextend.p_seamldr_ready, 1);

	/* No module yet: a module SEAMCALL is VMfailInvalid. */
	assert_int_equal(seamcall(m, TDH_SYS_INFO, 0).res, SEAMCALL_VMFAILINVALID);

	/* The P-SEAMLDR image now sits in P_SEAMLDR_Range. */
	seamrr = platform_seamrr(m->plat);
	image = malloc(man->p_seamldr_size);
	assert_non_null(image);
	r = (struct range_read){ seamrr.base + seamrr.size - P_SEAMLDR_RANGE_SIZE +
				 P_SEAMLDR_IMAGE_OFF, image, man->p_seamldr_size };
	assert_int_equal(fake_in_seam(m->plat, 0, range_read_fn, &r), 0);
	assert_memory_equal(image, fw_acm + man->p_seamldr_offset, man->p_seamldr_size);
	free(image);
	seam_machine_destroy(m);
}

/*
 * The last legal base: an ACM padded to whole pages ending exactly at
 * 4 GiB.  (One page higher is test_getsec_enteraccs_above_4g_gp.)
 */
static void test_getsec_enteraccs_ends_at_4g(void **state)
{
	size_t len = TDX_ALIGN_UP(fw_acm_len, TDX_PAGE_SIZE);
	uint8_t *acm = acm_copy(len - fw_acm_len);
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	((struct acm_header *)acm)->size = (uint32_t)(len / 4);
	acm_resign(acm, len, vendor_key);
	l = launch_acm(m, 4 * GiB - len, acm, len);
	if (l.ret)
		fail_msg("getsec: %s", l.err.msg);
	assert_int_equal(l.r9, SEAMLDR_SUCCESS);
	assert_launched(m);
	free(acm);
	seam_machine_destroy(m);
}

/* ---- instruction faults: -EINVAL ---- */

static void test_getsec_smxe_clear_ud(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	launch_init(&l, m, ACM_PA, fw_acm_len);
	l.no_smxe = true;
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "#UD");
	assert_non_null(strstr(l.err.msg, "SMXE"));
	assert_not_launched(m);
	/* With CR4.SMXE set the same ACM launches. */
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_in_vmx_operation_gp(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	launch_init(&l, m, ACM_PA, fw_acm_len);
	l.vmxon = true;
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "VMX operation");
	assert_not_launched(m);
	/* After VMXOFF it launches. */
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_already_in_seam_mode_gp(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	launch_init(&l, m, ACM_PA, fw_acm_len);
	l.in_seam = true;
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "already in ACM or SEAM mode");
	assert_not_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_aps_running_gp(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	platform_start_aps(m->plat);
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_fault(&l, -EINVAL, "wait for SIPI");
	assert_not_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_misaligned_base_gp(void **state)
{
	static const uint64_t bases[] = { ACM_PA + 0x40, ACM_PA + 0x800, ACM_PA + 1 };
	struct seam_machine *m = machine_seam(NULL);
	char pa[32];

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bases); i++) {
		struct launch l = launch_acm(m, bases[i], fw_acm, fw_acm_len);

		snprintf(pa, sizeof(pa), "0x%llx", (unsigned long long)bases[i]);
		assert_fault(&l, -EINVAL, pa);
		assert_not_launched(m);
	}
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_size_not_multiple_of_64_gp(void **state)
{
	const size_t sizes[] = { fw_acm_len - 32, fw_acm_len - 1, fw_acm_len + 4 };
	struct seam_machine *m = machine_seam(NULL);
	char sz[32];

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(sizes); i++) {
		struct launch l;

		launch_init(&l, m, ACM_PA, sizes[i]);
		launch_run(m, &l);
		snprintf(sz, sizeof(sz), "size 0x%zx", sizes[i]);
		assert_fault(&l, -EINVAL, sz);
		assert_not_launched(m);
	}
	seam_machine_destroy(m);
}

/* Too small to hold even the ACM header (a multiple of 64 nonetheless). */
static void test_getsec_enteraccs_smaller_than_header_gp(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	launch_init(&l, m, ACM_PA, 64);
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "#GP");
	launch_init(&l, m, ACM_PA, 0);
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "#GP");
	assert_not_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_enteraccs_above_4g_gp(void **state)
{
	size_t len = TDX_ALIGN_UP(fw_acm_len, TDX_PAGE_SIZE);
	uint8_t *acm = acm_copy(len - fw_acm_len);
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;
	char pa[32];

	(void)state;
	/* Entirely above 4 GiB. */
	l = launch_acm(m, 4 * GiB, fw_acm, fw_acm_len);
	assert_fault(&l, -EINVAL, "0x100000000");
	assert_not_launched(m);
	/* One page past the last legal base: ends a page above 4 GiB. */
	((struct acm_header *)acm)->size = (uint32_t)(len / 4);
	acm_resign(acm, len, vendor_key);
	l = launch_acm(m, 4 * GiB - len + TDX_PAGE_SIZE, acm, len);
	snprintf(pa, sizeof(pa), "0x%llx", (unsigned long long)(4 * GiB - len + TDX_PAGE_SIZE));
	assert_fault(&l, -EINVAL, pa);
	assert_not_launched(m);
	free(acm);
	seam_machine_destroy(m);
}

/*
 * A base so high that base + size wraps past 2^64 must still fault.  (The
 * 4 GiB bound check wraps and lets it through; the ACM read then fails,
 * so the outcome is the same #GP, reported as "unreadable".)
 */
static void test_getsec_enteraccs_base_wraps_gp(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	launch_init(&l, m, 0xFFFFFFFFFFFFF000ULL, 0x2000);
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "0xfffffffffffff000");
	assert_not_launched(m);
	seam_machine_destroy(m);
}

/* GETSEC runs on the LP that executes it: another thread is refused. */
static void test_getsec_enteraccs_off_lp_thread(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct plat_lp *lp0 = platform_lp(m->plat, 0);
	struct emu_error err = { 0 };
	uint64_t r9 = R9_UNTOUCHED;

	(void)state;
	place(m, ACM_PA, fw_acm, fw_acm_len);
	lp_set_smxe(lp0, true);
	assert_int_equal(getsec_enteraccs(m->ldr, lp0, ACM_PA, (uint32_t)fw_acm_len, &r9, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "own thread"));
	assert_int_equal(r9, R9_UNTOUCHED);
	assert_int_equal(lp_mode(lp0), LP_MODE_NORMAL);
	assert_not_launched(m);
	seam_machine_destroy(m);
}

/* An ACM the host cannot read (inside SEAMRR, below 4 GiB here) faults. */
static void test_getsec_enteraccs_acm_in_seamrr_gp(void **state)
{
	static const char *const ov[] = {
		"seamrr-base=0xC0000000", "seamrr-size=128M",
		"cmr=0+0x7F800000,0x100000000+0x100000000", NULL,
	};
	struct seam_machine *m = machine_seam(ov);
	struct launch l;

	(void)state;
	assert_int_equal(platform_seamrr(m->plat).base, 0xC0000000ULL);
	/* The host cannot put it there; launch whatever SEAMRR holds. */
	launch_init(&l, m, 0xC0000000ULL, fw_acm_len);
	launch_run(m, &l);
	assert_fault(&l, -EINVAL, "unreadable");
	assert_not_launched(m);
	seam_machine_destroy(m);
}

/* ---- authentication failures: -EACCES ---- */

static void expect_refused(const uint8_t *acm, size_t len, const char *needle)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l = launch_acm(m, ACM_PA, acm, len);

	assert_fault(&l, -EACCES, needle);
	assert_not_launched(m);
	seam_machine_destroy(m);
}

static void test_getsec_acm_tampered_body_eacces(void **state)
{
	const struct np_seamldr_manifest *man =
		(const struct np_seamldr_manifest *)(fw_acm + HDR_SIZE);
	const size_t offs[] = {
		HDR_SIZE,				/* manifest magic */
		HDR_SIZE + offsetof(struct np_seamldr_manifest, p_seamldr_hash),
		man->p_seamldr_offset + 100,		/* P-SEAMLDR image */
		fw_acm_len - 1,				/* the last byte */
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++) {
		uint8_t *acm = acm_copy(0);

		acm[offs[i]] ^= 0x01;
		expect_refused(acm, fw_acm_len, "signature does not verify");
		free(acm);
	}
}

/* The signature covers the header up to KeySize, not only the body. */
static void test_getsec_acm_tampered_header_eacces(void **state)
{
	const size_t offs[] = {
		offsetof(struct acm_header, date),
		offsetof(struct acm_header, module_sub_type),
		offsetof(struct acm_header, chipset_id),
		offsetof(struct acm_header, txt_svn),
		offsetof(struct acm_header, entry_point),
		offsetof(struct acm_header, reserved),
		ACM_HEADER_SIGNED_PREFIX - 1,
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(offs); i++) {
		uint8_t *acm = acm_copy(0);

		acm[offs[i]] ^= 0x01;
		expect_refused(acm, fw_acm_len, "signature does not verify");
		free(acm);
	}
}

static void test_getsec_acm_tampered_signature_eacces(void **state)
{
	uint8_t *acm = acm_copy(0);

	(void)state;
	((struct acm_header *)acm)->rsa_sig[7] ^= 0x80;
	expect_refused(acm, fw_acm_len, "signature does not verify");
	free(acm);
}

/* Header fields with one legal value, refused even when re-signed. */
static void test_getsec_acm_header_fields_eacces(void **state)
{
	static const struct {
		size_t off;
		size_t width;
		const char *name;
	} fields[] = {
		{ offsetof(struct acm_header, module_type), 2, "ACM ModuleType" },
		{ offsetof(struct acm_header, header_version), 4, "ACM HeaderVersion" },
		{ offsetof(struct acm_header, header_len), 4, "ACM HeaderLen" },
		{ offsetof(struct acm_header, module_vendor), 4, "ACM ModuleVendor" },
		{ offsetof(struct acm_header, size), 4, "ACM Size" },
		{ offsetof(struct acm_header, key_size), 4, "ACM KeySize" },
		{ offsetof(struct acm_header, scratch_size), 4, "ScratchSize" },
	};

	(void)state;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(fields); i++) {
		for (int resigned = 0; resigned < 2; resigned++) {
			uint8_t *acm = acm_copy(0);
			uint32_t v = 0;

			memcpy(&v, acm + fields[i].off, fields[i].width);
			v += 1;
			memcpy(acm + fields[i].off, &v, fields[i].width);
			if (resigned)
				acm_resign(acm, fw_acm_len, vendor_key);
			expect_refused(acm, fw_acm_len, fields[i].name);
			free(acm);
		}
	}
}

static void test_getsec_acm_signed_with_other_key_eacces(void **state)
{
	struct tdxctl_acm_opts opts;
	struct emu_error err = { 0 };
	EVP_PKEY *other = NULL;
	uint8_t *acm = NULL;
	size_t len = 0;

	(void)state;
	if (tdxctl_key_new(&other, &err))
		fail_msg("key: %s", err.msg);
	tdxctl_acm_opts_init(&opts);
	if (tdxctl_acm_build(other, &opts, &acm, &len, &err))
		fail_msg("acm: %s", err.msg);
	/* Well formed and correctly signed, just not by the fused key. */
	assert_int_equal(tdxctl_acm_verify(acm, len, &err), 0);
	expect_refused(acm, len, "not the fused vendor key");
	/* The fused key's modulus with the other key's signature. */
	assert_int_equal(tdxctl_key_modulus_le(vendor_key, ((struct acm_header *)acm)->rsa_pub_key,
					       &err), 0);
	expect_refused(acm, len, "signature does not verify");
	free(acm);
	EVP_PKEY_free(other);
}

static void test_getsec_platform_fused_other_key_eacces(void **state)
{
	struct emu_error err = { 0 };
	EVP_PKEY *other = NULL;
	uint8_t hash[48];
	char kv[160] = "vendor-key-hash=";
	const char *ov[] = { kv, NULL };
	struct seam_machine *m;
	struct launch l;

	(void)state;
	if (tdxctl_key_new(&other, &err) || tdxctl_key_hash(other, hash, &err))
		fail_msg("key: %s", err.msg);
	for (int i = 0; i < 48; i++)
		snprintf(kv + strlen(kv), sizeof(kv) - strlen(kv), "%02x", hash[i]);
	m = machine_seam(ov);
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_fault(&l, -EACCES, "not the fused vendor key");
	assert_not_launched(m);
	seam_machine_destroy(m);
	EVP_PKEY_free(other);
}

/*
 * Positive controls for the signed ranges (tdx-emu's choice, np_seamldr.c):
 * a header field changed and re-signed over [0,120) + [1792,end) is
 * accepted, and the scratch area, which the signature excludes, may
 * change without breaking authentication.
 */
static void test_getsec_acm_resigned_header_change_accepted(void **state)
{
	uint8_t *acm = acm_copy(0);
	struct seam_machine *m = machine_seam(NULL);
	struct launch l;

	(void)state;
	((struct acm_header *)acm)->date = 0x20991231;
	((struct acm_header *)acm)->scratch[5] ^= 0xFF;
	acm_resign(acm, fw_acm_len, vendor_key);
	l = launch_acm(m, ACM_PA, acm, fw_acm_len);
	if (l.ret)
		fail_msg("getsec: %s", l.err.msg);
	assert_int_equal(l.r9, SEAMLDR_SUCCESS);
	assert_launched(m);
	free(acm);
	seam_machine_destroy(m);
}

/* ---- NP-SEAMLDR statuses in R9 ---- */

static void test_np_seamldr_seam_not_enabled_eunsupported(void **state)
{
	struct seam_machine *m = machine_new(NULL);
	struct emu_error err = { 0 };
	struct launch l;

	(void)state;
	/* No firmware at all. */
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_EUNSUPPORTED);
	assert_false(p_seamldr_ready(m));
	/* With SEAM disabled SEAMCALL cannot even start: #GP, not VMfailInvalid. */
	assert_int_equal(seamcall(m, SEAMLDR_INFO, INFO_PA).res, SEAMCALL_GP);

	/* The BIOS ran but MCHECK did not: still unsupported. */
	assert_int_equal(bios_run(m->plat, NULL, &err), 0);
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_EUNSUPPORTED);
	assert_false(p_seamldr_ready(m));
	assert_int_equal(seamcall(m, SEAMLDR_INFO, INFO_PA).res, SEAMCALL_GP);
	seam_machine_destroy(m);
}

/* MCHECK refused a lying BIOS: NP-SEAMLDR finds SEAM disabled. */
static void test_np_seamldr_after_failed_mcheck_eunsupported(void **state)
{
	static const struct bios_lie lie = { BIOS_ALL_LPS, MSR_IA32_SEAMRR_PHYS_MASK, 0 };
	struct bios_options opt = { .lies = &lie, .nr_lies = 1 };
	struct seam_machine *m = machine_new(NULL);
	struct mcheck_result res;
	struct emu_error err = { 0 };
	struct launch l;

	(void)state;
	assert_int_equal(seam_machine_firmware(m, &opt, &res, &err), -EINVAL);
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_EUNSUPPORTED);
	assert_false(p_seamldr_ready(m));
	seam_machine_destroy(m);
}

static void test_np_seamldr_second_launch_emodbusy(void **state)
{
	struct seam_machine *m = machine_seam(NULL);
	struct tdxctl_acm_opts opts;
	struct seamldr_info before, after;
	struct emu_error err = { 0 };
	uint8_t *acm = NULL;
	size_t len = 0;
	struct launch l;

	(void)state;
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_SUCCESS);
	before = assert_launched(m);

	/* The same ACM again. */
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_EMODBUSY);

	/* Another genuine ACM carrying a different P-SEAMLDR: not installed. */
	tdxctl_acm_opts_init(&opts);
	opts.minor = 7;
	opts.num_remaining_updates = 3;
	if (tdxctl_acm_build(vendor_key, &opts, &acm, &len, &err))
		fail_msg("acm: %s", err.msg);
	l = launch_acm(m, ACM_PA, acm, len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_EMODBUSY);

	/* The first P-SEAMLDR is still the one that answers. */
	after = assert_launched(m);
	assert_int_equal(after.minor, before.minor);
	assert_int_equal(after.num_remaining_updates, before.num_remaining_updates);
	assert_memory_equal(&after, &before, sizeof(after));
	free(acm);
	seam_machine_destroy(m);
}

static void expect_np_status(const uint8_t *acm, size_t len, uint64_t status)
{
	struct seam_machine *m = machine_seam(NULL);
	struct launch l = launch_acm(m, ACM_PA, acm, len);

	if (l.ret)
		fail_msg("getsec: %s", l.err.msg);
	assert_int_equal(l.r9, status);
	assert_not_launched(m);
	/* Nothing is left behind: the genuine ACM still launches. */
	l = launch_acm(m, ACM_PA, fw_acm, fw_acm_len);
	assert_int_equal(l.ret, 0);
	assert_int_equal(l.r9, SEAMLDR_SUCCESS);
	assert_launched(m);
	seam_machine_destroy(m);
}

static void test_np_seamldr_p_seamldr_hash_mismatch_ebadhash(void **state)
{
	uint8_t *acm = acm_copy(0);
	struct np_seamldr_manifest *man = acm_manifest(acm);

	(void)state;
	/* The manifest names another hash; the ACM is properly signed. */
	man->p_seamldr_hash[0] ^= 0x01;
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADHASH);
	/* Or the image changed under an unchanged manifest. */
	memcpy(acm, fw_acm, fw_acm_len);
	acm[man->p_seamldr_offset + man->p_seamldr_size - 1] ^= 0x01;
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADHASH);
	free(acm);
}

static void test_np_seamldr_bad_manifest_ebadparam(void **state)
{
	uint8_t *acm = acm_copy(0);
	struct acm_header *h = (struct acm_header *)acm;
	struct np_seamldr_manifest *man = acm_manifest(acm);
	struct p_seamldr_image_header *ph;

	(void)state;
	man->magic[0] ^= 0x20;
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADPARAM);

	memcpy(acm, fw_acm, fw_acm_len);
	man->p_seamldr_size = fw_acm_len;	/* runs past the end of the ACM */
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADPARAM);

	memcpy(acm, fw_acm, fw_acm_len);
	h->entry_point = (uint32_t)fw_acm_len;	/* no room for a manifest */
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADPARAM);

	/* A P-SEAMLDR image with a bad magic, hashed correctly. */
	memcpy(acm, fw_acm, fw_acm_len);
	man = acm_manifest(acm);
	ph = (struct p_seamldr_image_header *)(acm + man->p_seamldr_offset);
	ph->magic[0] ^= 0x20;
	SHA384(acm + man->p_seamldr_offset, man->p_seamldr_size, man->p_seamldr_hash);
	acm_resign(acm, fw_acm_len, vendor_key);
	expect_np_status(acm, fw_acm_len, SEAMLDR_EBADPARAM);
	free(acm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getsec_enteraccs_success),
		cmocka_unit_test(test_getsec_enteraccs_ends_at_4g),
		cmocka_unit_test(test_getsec_smxe_clear_ud),
		cmocka_unit_test(test_getsec_enteraccs_in_vmx_operation_gp),
		cmocka_unit_test(test_getsec_enteraccs_already_in_seam_mode_gp),
		cmocka_unit_test(test_getsec_enteraccs_aps_running_gp),
		cmocka_unit_test(test_getsec_enteraccs_misaligned_base_gp),
		cmocka_unit_test(test_getsec_enteraccs_size_not_multiple_of_64_gp),
		cmocka_unit_test(test_getsec_enteraccs_smaller_than_header_gp),
		cmocka_unit_test(test_getsec_enteraccs_above_4g_gp),
		cmocka_unit_test(test_getsec_enteraccs_base_wraps_gp),
		cmocka_unit_test(test_getsec_enteraccs_off_lp_thread),
		cmocka_unit_test(test_getsec_enteraccs_acm_in_seamrr_gp),
		cmocka_unit_test(test_getsec_acm_tampered_body_eacces),
		cmocka_unit_test(test_getsec_acm_tampered_header_eacces),
		cmocka_unit_test(test_getsec_acm_tampered_signature_eacces),
		cmocka_unit_test(test_getsec_acm_header_fields_eacces),
		cmocka_unit_test(test_getsec_acm_signed_with_other_key_eacces),
		cmocka_unit_test(test_getsec_platform_fused_other_key_eacces),
		cmocka_unit_test(test_getsec_acm_resigned_header_change_accepted),
		cmocka_unit_test(test_np_seamldr_seam_not_enabled_eunsupported),
		cmocka_unit_test(test_np_seamldr_after_failed_mcheck_eunsupported),
		cmocka_unit_test(test_np_seamldr_second_launch_emodbusy),
		cmocka_unit_test(test_np_seamldr_p_seamldr_hash_mismatch_ebadhash),
		cmocka_unit_test(test_np_seamldr_bad_manifest_ebadparam),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

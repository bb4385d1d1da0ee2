/*
 * The guest's TDCALL ABI beyond execution: TDG.MR.REPORT (the TDREPORT,
 * its hashes and its MAC), TDG.VM.RD/WR, TDG.VP.RD/WR, TDG.SYS.RD/RDALL,
 * TDG.VP.CPUIDVE.SET and TDG.VP.INFO's SYS.RD bit, run by guest programs
 * from tests/guest (report.S, vm_rd.S) in real TDs on /dev/kvm.  Every
 * value the guest reports is checked against something computed apart
 * from the module: OpenSSL here, the host's TDH.MNG.RD / TDH.SYS.RD /
 * TDH.SYS.RDALL / TDH.VP.RD, and P-SEAMLDR's SEAMLDR.INFO.  Without a
 * usable /dev/kvm every test is skipped, with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_report.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "fake_platform.h"
#include "guest_paths.h"
#include "kvm_tdx.h"
#include "platform_seam.h"
#include "pmem.h"
#include "td_fixture.h"
#include "tdx_host.h"

#define STEP_DONE	0xFF
#define TD_ATTR		TDF_TD_ATTR_SEPT_VE_DISABLE
#define TD_XFAM		3

/* report.S's layout. */
#define STEP_DUMP	0x100
#define RTMR_DATA_BYTE0	0x80
#define REPORTDATA_BYTE0 0xC0
#define FILL		0xEEEEEEEEEEEEEEEEULL

#define OPERAND(code, id)	tdx_status_operand(code, TDX_OPERAND_ID_##id)

static void sha384(const void *data, size_t len, uint8_t out[48])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha384(), NULL), 1);
	assert_int_equal(n, 48);
}

/* One element of a TD field, read by the host (TDH.MNG.RD). */
static uint64_t mng_rd(struct tdrun *t, uint64_t field)
{
	struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = t->tdr, .rdx = field };

	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	return a.r8;
}

/* A 48-byte measurement register as the host reads it: 6 elements. */
static void mng_rd_48(struct tdrun *t, uint64_t field, uint8_t out[48])
{
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t v = mng_rd(t, field + i);

		memcpy(out + 8 * i, &v, 8);
	}
}

static int report_key_fn(struct plat_lp *lp, void *arg)
{
	return platform_report_key(lp, arg);
}

/* The platform's report key, fetched the way SEAM code does (on an LP in SEAM mode). */
static void report_key(struct platform *plat, uint8_t key[PLATFORM_REPORT_KEY_SIZE])
{
	assert_int_equal(fake_in_seam(plat, 0, report_key_fn, key), 0);
}

/*
 * Test-only verifier: recompute HMAC-SHA-256 over REPORTMACSTRUCT bytes
 * [0, 224) under @key and compare it with the report's MAC.
 */
static bool report_mac_ok(const struct tdreport_struct *rep, const uint8_t *key)
{
	uint8_t mac[32];
	unsigned int n = 0;

	assert_non_null(HMAC(EVP_sha256(), key, PLATFORM_REPORT_KEY_SIZE,
			     (const uint8_t *)&rep->reportmacstruct, TDX_REPORTMAC_MACED_BYTES,
			     mac, &n));
	assert_int_equal(n, 32);
	return !memcmp(mac, rep->reportmacstruct.mac, sizeof(mac));
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* report.S steps 0x100..0x11F: the whole TDREPORT, 32 bytes per step. */
static void read_report(struct tdrun *t, struct tdreport_struct *rep)
{
	uint64_t q[TDX_REPORT_SIZE / 8], r[4];

	for (unsigned int i = 0; i < TDX_REPORT_SIZE / 32; i++) {
		expect_report(t, 0, STEP_DUMP + i, r);
		memcpy(&q[4 * i], r, sizeof(r));
	}
	memcpy(rep, q, sizeof(*rep));
}

static void check_reportmacstruct(struct tdrun *t, const struct tdreport_struct *rep)
{
	const struct reportmacstruct *m = &rep->reportmacstruct;
	uint8_t h[48];

	assert_int_equal(m->report_type, TDX_REPORTTYPE_TDX);
	assert_int_equal(m->report_subtype, 0);
	assert_int_equal(m->report_version, 0);		/* no service TD bound */
	assert_true(all_zero(&m->reserved0, 1) && all_zero(m->reserved1, sizeof(m->reserved1)));
	assert_memory_equal(m->cpusvn, platform_cpusvn(t->boot.m->plat), 16);
	sha384(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), h);
	assert_memory_equal(m->tee_tcb_info_hash, h, 48);
	sha384(&rep->tdinfo, sizeof(rep->tdinfo), h);
	assert_memory_equal(m->tee_info_hash, h, 48);
	for (unsigned int i = 0; i < TDX_REPORTDATA_SIZE; i++)
		assert_int_equal(m->reportdata[i], REPORTDATA_BYTE0 + i);
	assert_true(all_zero(m->reserved2, sizeof(m->reserved2)));
}

/* TEE_TCB_INFO: what P-SEAMLDR measured, as SEAMLDR.INFO told the host. */
static void check_tee_tcb_info(struct tdrun *t, const struct tdreport_struct *rep)
{
	const struct tee_tcb_info *tcb = &rep->tee_tcb_info;
	const struct seamextend *ext = &t->boot.info.seamextend;

	assert_int_equal(tcb->valid, TDX_TEE_TCB_INFO_VALID);
	assert_int_equal(tcb->tee_tcb_svn[0], ext->tee_tcb_svn[0]);
	assert_int_equal(tcb->tee_tcb_svn[1], ext->tee_tcb_svn[1]);
	assert_int_not_equal(tcb->tee_tcb_svn[1], 0);	/* a module's major SVN is >= 1 */
	assert_true(all_zero(tcb->tee_tcb_svn + 2, 14));
	assert_memory_equal(tcb->mrseam, ext->mrseam, 48);
	assert_false(all_zero(tcb->mrseam, 48));
	assert_memory_equal(tcb->mrsignerseam, ext->mrsigner, 48);
	assert_int_equal(tcb->attributes, 0);
	assert_true(all_zero(tcb->tee_tcb_svn2, sizeof(tcb->tee_tcb_svn2)));
	assert_true(all_zero(tcb->reserved, sizeof(tcb->reserved)));
	assert_true(all_zero(rep->reserved, sizeof(rep->reserved)));
}

/* TDINFO: the host's view of the TD, and RTMR2 computed here. */
static void check_tdinfo(struct tdrun *t, const struct tdreport_struct *rep)
{
	const struct tdinfo_struct *ti = &rep->tdinfo;
	uint8_t buf[96], want[48];

	assert_int_equal(ti->attributes, TD_ATTR);
	assert_int_equal(ti->attributes, mng_rd(t, MD_TD_ATTRIBUTES));
	assert_int_equal(ti->xfam, TD_XFAM);
	mng_rd_48(t, MD_TD_MRTD, want);
	assert_memory_equal(ti->mrtd, want, 48);
	assert_false(all_zero(ti->mrtd, 48));
	mng_rd_48(t, MD_TD_MRCONFIGID, want);
	assert_memory_equal(ti->mrconfigid, want, 48);
	mng_rd_48(t, MD_TD_MROWNER, want);
	assert_memory_equal(ti->mrowner, want, 48);
	mng_rd_48(t, MD_TD_MROWNERCONFIG, want);
	assert_memory_equal(ti->mrownerconfig, want, 48);
	/* RTMR2 = SHA-384(48 zero bytes || 0x80 .. 0xAF); the others were never extended. */
	memset(buf, 0, 48);
	for (unsigned int i = 0; i < 48; i++)
		buf[48 + i] = (uint8_t)(RTMR_DATA_BYTE0 + i);
	sha384(buf, sizeof(buf), want);
	assert_memory_equal(ti->rtmr[2], want, 48);
	assert_true(all_zero(ti->rtmr[0], 48) && all_zero(ti->rtmr[1], 48) &&
		    all_zero(ti->rtmr[3], 48));
	assert_true(all_zero(ti->servtd_hash, 48));
	assert_true(all_zero(ti->reserved, sizeof(ti->reserved)));
}

/* The MAC verifies under this platform's key, and under nothing else. */
static void check_mac(struct tdrun *t, const struct tdreport_struct *rep)
{
	static const char *const no_overrides[] = { NULL };
	uint8_t key[PLATFORM_REPORT_KEY_SIZE], other[PLATFORM_REPORT_KEY_SIZE], h[48];
	struct tdreport_struct bad;
	struct platform *plat2;
	/* A byte in each MACed part: type, CPUSVN, both hashes, REPORTDATA, reserved. */
	static const size_t flips[] = { 0, 16, 32, 80, 128, 191, 192, 223 };

	report_key(t->boot.m->plat, key);
	assert_true(report_mac_ok(rep, key));
	for (size_t i = 0; i < TDX_ARRAY_SIZE(flips); i++) {
		bad = *rep;
		((uint8_t *)&bad)[flips[i]] ^= 0x01;
		assert_false(report_mac_ok(&bad, key));
	}
	bad = *rep;
	bad.reportmacstruct.mac[31] ^= 0x80;
	assert_false(report_mac_ok(&bad, key));
	/* TEE_TCB_INFO and TDINFO are bound through their hashes. */
	bad = *rep;
	bad.tdinfo.rtmr[3][0] ^= 0x01;
	sha384(&bad.tdinfo, sizeof(bad.tdinfo), h);
	assert_memory_not_equal(h, rep->reportmacstruct.tee_info_hash, 48);
	/* Another platform (another root secret) has another key. */
	plat2 = fake_platform_create(no_overrides);
	assert_non_null(plat2);
	report_key(plat2, other);
	platform_destroy(plat2);
	assert_memory_not_equal(key, other, sizeof(key));
	assert_false(report_mac_ok(rep, other));
}

static void test_mr_report(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_REPORT, 1, TD_ATTR);
	struct tdreport_struct rep;
	uint64_t r[4];

	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);			/* RTMR.EXTEND(2) */
	assert_int_equal(r[1], TDX_SUCCESS);			/* MR.REPORT */
	read_report(t, &rep);
	check_reportmacstruct(t, &rep);
	check_tee_tcb_info(t, &rep);
	check_tdinfo(t, &rep);
	check_mac(t, &rep);
}

static void test_mr_report_operand_errors_write_nothing(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_REPORT, 1, TD_ATTR);
	struct tdreport_struct rep;
	uint64_t r[4];

	expect_report(t, 0, 1, NULL);
	read_report(t, &rep);
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], OPERAND(TDX_OPERAND_INVALID, RCX));	/* not 1 KiB aligned */
	assert_int_equal(r[1], OPERAND(TDX_OPERAND_INVALID, RDX));	/* not 64-byte aligned */
	assert_int_equal(r[2], OPERAND(TDX_OPERAND_INVALID, R8));	/* sub-type 1 */
	assert_int_equal(r[3], OPERAND(TDX_OPERAND_INVALID, RCX));	/* shared GPA */
	expect_report(t, 0, 3, r);
	assert_int_equal(r[0], OPERAND(TDX_OPERAND_INVALID, RDX));	/* shared REPORTDATA */
	assert_int_equal(r[1], FILL);
	assert_int_equal(r[2], FILL);
	assert_int_equal(r[3], FILL);
	/* The same TD state gives the same report, MAC included. */
	expect_report(t, 0, 4, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 0);
	expect_report(t, 0, STEP_DONE, NULL);
}

/* The host's TDH.SYS.RDALL from @first into a shared page (the first @n qwords). */
static uint64_t host_sys_rdall(struct tdrun *t, uint64_t first, uint64_t *q, size_t n)
{
	uint64_t pa = tdf_host_pages(t, 1, TDF_PAGE);
	struct tdx_module_args a = { .rax = TDH_SYS_RDALL, .rdx = pa, .r8 = first };

	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	assert_int_equal(pmem_host_read(t->boot.m->plat, pa, q, n * 8), 0);
	tdx_host_free_pages(t->host, pa, 1);
	return a.r8;
}

/* TDH.VP.RD of vCPU 0 on the LP it is associated with. */
static uint64_t host_vp_rd(struct tdrun *t, uint64_t field)
{
	int cpu = kvm_tdx_vcpu_cpu(t->vcpu[0]);
	struct tdx_module_args a = { .rax = TDH_VP_RD, .rcx = kvm_tdx_vcpu_tdvpr_pa(t->vcpu[0]),
				     .rdx = field };

	assert_int_equal(tdf_seamcall(t, cpu < 0 ? 0 : (unsigned int)cpu, &a), TDX_SUCCESS);
	return a.r8;
}

static void test_vm_vp_sys_rd_wr(void **state)
{
	struct tdrun *t = *state = td_start(GUEST_IMAGE_VM_RD, 1, TD_ATTR);
	struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = MD_SYS_MAJOR_VERSION };
	uint64_t r[4], q[3], next;

	/* TD fields, as the host reads them. */
	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], TD_ATTR);
	assert_int_equal(r[2], TD_XFAM);
	assert_int_equal(r[3], max_vcpus(t));
	expect_report(t, 0, 2, r);
	assert_int_equal(r[0], 1);				/* NUM_VCPUS */
	assert_int_equal(r[1], 0);				/* GPAW: 48 bits */
	assert_int_equal(r[2], mng_rd(t, MD_TD_TSC_FREQUENCY));
	assert_int_equal(r[3], mng_rd(t, MD_TD_CONFIG_FLAGS));
	expect_report(t, 0, 3, r);
	assert_int_equal(r[0], mng_rd(t, MD_TD_MRTD));
	assert_int_equal(r[1], mng_rd(t, MD_TD_MRTD + 5));
	assert_int_equal(r[2], 0);				/* RTMR2, never extended */
	assert_int_equal(r[3], TDX_TD_CTLS_PENDING_VE_DISABLE);	/* from SEPT_VE_DISABLE */
	/* Version 1: the next field, and the first one for a null id. */
	expect_report(t, 0, 4, r);
	assert_int_equal(r[0], MD_TD_XFAM);
	assert_int_equal(r[1], MD_TD_MRCONFIGID);
	assert_int_equal(r[2], TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(r[3], MD_TD_NUM_VCPUS);
	expect_report(t, 0, 5, r);
	assert_int_equal(r[0], OPERAND(TDX_OPERAND_INVALID, RCX));		/* VM 1 */
	assert_int_equal(r[1], OPERAND(TDX_METADATA_FIELD_NOT_READABLE, RDX));	/* EPTP */
	assert_int_equal(r[2], OPERAND(TDX_METADATA_FIELD_ID_INCORRECT, RDX));
	assert_int_equal(r[3], OPERAND(TDX_METADATA_FIELD_ID_INCORRECT, RDX));
	/* Writes: NOTIFY_ENABLES bit 0 and TD_CTLS bit 0 only. */
	expect_report(t, 0, 6, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 0);
	assert_int_equal(r[2], 1);
	assert_int_equal(r[3], OPERAND(TDX_METADATA_FIELD_NOT_WRITABLE, RDX));
	expect_report(t, 0, 7, r);
	assert_int_equal(r[0], OPERAND(TDX_METADATA_FIELD_VALUE_NOT_VALID, R8));
	assert_int_equal(r[1], TDX_SUCCESS);
	assert_int_equal(r[2], TDX_TD_CTLS_PENDING_VE_DISABLE);
	assert_int_equal(r[3], 0);
	/* vCPU fields. */
	expect_report(t, 0, 8, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 0);				/* VCPU_INDEX */
	assert_int_equal(r[2], OPERAND(TDX_METADATA_FIELD_NOT_WRITABLE, RDX));
	assert_int_equal(r[3], OPERAND(TDX_METADATA_FIELD_NOT_READABLE, RDX));
	/* Global fields: what the host's TDH.SYS.RD says. */
	assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
	expect_report(t, 0, 9, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], a.r8);
	assert_int_equal(r[2], a.rdx);
	assert_int_equal(r[3], OPERAND(TDX_METADATA_FIELD_ID_INCORRECT, RDX));
	expect_report(t, 0, 10, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 1);
	assert_int_equal(r[3], OPERAND(TDX_OPERAND_INVALID, RCX));
	expect_report(t, 0, 11, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 0);				/* CPUID_USER_VE */
	assert_int_equal(r[3], 1);				/* CPUID_SUPERVISOR_VE */
	/* The host sees what the guest set (VP.RD, production column). */
	assert_int_equal(host_vp_rd(t, MD_VP_CPUID_SUPERVISOR_VE), 1);
	assert_int_equal(host_vp_rd(t, MD_VP_CPUID_USER_VE), 0);
	/* SYS.RDALL: the list the host's TDH.SYS.RDALL writes. */
	next = host_sys_rdall(t, MD_SYS_NUM_PKGS, q, 3);
	expect_report(t, 0, 12, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], next);
	assert_int_equal(r[2], q[0]);
	assert_int_equal(r[3], q[1]);
	assert_int_equal(q[1] & ~MD_FIELD_ID_LAST_ELEMENT, MD_SYS_NUM_PKGS);
	expect_report(t, 0, 13, r);
	assert_int_equal(r[0], q[2]);
	assert_int_equal(r[1], OPERAND(TDX_OPERAND_INVALID, RDX));
	assert_int_equal(r[2], OPERAND(TDX_METADATA_FIELD_ID_INCORRECT, R8));
	assert_int_equal(r[3], 1);				/* VP.INFO R10: SYS.RD */
	/* Only TDG.VM.RD has a version 1. */
	expect_report(t, 0, 14, r);
	assert_int_equal(r[0], OPERAND(TDX_OPERAND_INVALID, RAX));
	assert_int_equal(r[1], OPERAND(TDX_OPERAND_INVALID, RAX));
	assert_int_equal(r[2], OPERAND(TDX_OPERAND_INVALID, RAX));
	assert_int_equal(r[3], OPERAND(TDX_METADATA_FIELD_ID_INCORRECT, RDX));
	expect_report(t, 0, STEP_DONE, NULL);
	/* The guest's TD_CTLS write stays the guest's: the production host cannot read it. */
	a = (struct tdx_module_args){ .rax = TDH_MNG_RD, .rcx = t->tdr, .rdx = MD_TD_TD_CTLS };
	assert_int_equal(tdf_seamcall(t, 0, &a),
			 OPERAND(TDX_METADATA_FIELD_NOT_READABLE, RDX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mr_report, td_stop),
		cmocka_unit_test_teardown(test_mr_report_operand_errors_write_nothing, td_stop),
		cmocka_unit_test_teardown(test_vm_vp_sys_rd_wr, td_stop),
	};

	return cmocka_run_group_tests_name("TD guest ABI", tests, NULL, NULL);
}

/*
 * The emulated host's boot sequence, printed as it goes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <tdxctl/tdxctl.h>

#include "boot.h"

#ifndef TDX_FW_DIR
#define TDX_FW_DIR "firmware"
#endif

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void hex(FILE *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

void host_boot_defaults(struct host_boot_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	platform_config_defaults(&opts->cfg);
	opts->acm_path = TDX_FW_DIR "/np-seamldr.acm";
	opts->module_path = TDX_FW_DIR "/tdx-module.blob";
}

int host_boot_vendor_key(struct host_boot_opts *opts, const char *key_path,
			 struct emu_error *err)
{
	char line[160];
	char kv[200];
	FILE *f;

	if (key_path) {
		EVP_PKEY *pkey = NULL;
		int ret = tdxctl_key_load(key_path, &pkey, err);

		if (!ret)
			ret = tdxctl_key_hash(pkey, opts->cfg.vendor_key_hash, err);
		EVP_PKEY_free(pkey);
		return ret;
	}
	f = fopen(TDX_FW_DIR "/vendor-key-hash.txt", "r");
	if (!f)
		return emu_error_set(err, -ENOENT, "cannot open %s/vendor-key-hash.txt (build the firmware target)",
				     TDX_FW_DIR);
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return emu_error_set(err, -EINVAL, "vendor-key-hash.txt is empty");
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	snprintf(kv, sizeof(kv), "vendor-key-hash=%s", line);
	return platform_config_set(&opts->cfg, kv, err);
}

struct progress {
	FILE *out;
	unsigned int n;
	unsigned int total;
};

static void install_progress(void *arg, unsigned int cpu, uint64_t status, uint64_t rdx)
{
	struct progress *p = arg;

	p->n++;
	if (!p->out)
		return;
	fprintf(p->out, "  CPU %-3u SEAMLDR.INSTALL -> %s", cpu, seamldr_status_name(status));
	if (status == SEAMLDR_SUCCESS)
		fprintf(p->out, " (%s)", p->n == p->total ? "last LP: module installed" :
			p->n == 1 ? "session opened" : "joined session");
	if (rdx)
		fprintf(p->out, " RDX=%llu", (unsigned long long)rdx);
	fputc('\n', p->out);
}

static void print_module(FILE *out, const struct tdxctl_blob_view *v,
			 const struct seamldr_info *info, struct platform *plat)
{
	unsigned int nr_lps = platform_nr_lps(plat);
	uint32_t max_x2apic = 0;
	const struct tdx_module_image_header *h = (const void *)v->module;
	const struct seam_sigstruct *s = v->sigstruct;
	struct seam_module_layout l;

	fprintf(out, "TDX module %u.%u.%02u.%02u build %u (%08x), impl %.32s\n",
		h->major_version, h->minor_version, h->update_version, h->internal_version,
		h->build_num, h->build_date, h->impl);
	fprintf(out, "  SEAM_READY=%u  SVN %u.%u (TEE_TCB_SVN %02x%02x)%s\n",
		info->seamextend.seam_ready, info->seamextend.tee_tcb_svn[1],
		info->seamextend.tee_tcb_svn[0], info->seamextend.tee_tcb_svn[1],
		info->seamextend.tee_tcb_svn[0],
		info->seamextend.system_under_debug ? "  DEBUG" : "");
	fprintf(out, "  MRSEAM ");
	hex(out, info->seamextend.mrseam, sizeof(info->seamextend.mrseam));
	fputc('\n', out);
	for (unsigned int i = 0; i < nr_lps; i++)
		if (lp_x2apic_id(platform_lp(plat, i)) > max_x2apic)
			max_x2apic = lp_x2apic_id(platform_lp(plat, i));
	if (!seamrr_layout_compute(s, v->nr_module_pages, nr_lps, max_x2apic,
				   platform_seamrr(plat).base, platform_seamrr(plat).size, 0, &l))
		fprintf(out, "  regions: code %llu KiB, data %llu KiB (TLS %llu KiB/LP), stacks %llu KiB, "
			"page tables %llu KiB, keyhole %llu KiB, keyhole-edit %llu KiB, "
			"VMCS %u x 4 KiB\n",
			(unsigned long long)l.code_size >> 10, (unsigned long long)l.data_size >> 10,
			(unsigned long long)l.tls_size >> 10, (unsigned long long)l.stack_size >> 10,
			(unsigned long long)l.pt_size >> 10, (unsigned long long)l.keyhole_size >> 10,
			(unsigned long long)l.keyhole_edit_size >> 10, l.nr_vmcs);
}

int host_boot_install(struct host_boot *b, const char *module_path, uint32_t scenario,
		      FILE *out, struct emu_error *err)
{
	struct platform *plat = b->m->plat;
	struct progress prog = { .out = out, .total = platform_nr_lps(plat) };
	struct tdxctl_blob_view v;
	uint8_t *blob = NULL;
	size_t len;
	uint64_t status;
	double t0;
	int ret;

	ret = tdxctl_file_read(module_path, &blob, &len, err);
	if (!ret)
		ret = tdxctl_blob_parse(blob, len, &v, err);
	if (ret)
		goto out;
	if (out)
		fprintf(out, "SEAMLDR.INSTALL (%s) of %s: %llu pages, SVN %u.%u, on %u LPs\n",
			scenario == SEAMLDR_SCENARIO_UPDATE ? "UPDATE" : "LOAD", module_path,
			(unsigned long long)v.nr_module_pages, SEAMSVN_MAJOR(v.sigstruct->seamsvn),
			SEAMSVN_MINOR(v.sigstruct->seamsvn), prog.total);
	t0 = now_ms();
	if (scenario == SEAMLDR_SCENARIO_UPDATE && tdx_host_module_info(b->host))
		ret = tdx_host_module_update(b->host, v.sigstruct, v.module, v.nr_module_pages,
					     install_progress, &prog, &status, err);
	else
		ret = tdx_host_seamldr_install(b->host, scenario, v.sigstruct, v.module,
					       v.nr_module_pages, install_progress, &prog,
					       &status, err);
	b->t_install_ms = now_ms() - t0;
	if (ret)
		goto out;
	ret = tdx_host_seamldr_info(b->host, 0, &b->info, &status, err);
	if (!ret && out)
		print_module(out, &v, &b->info, plat);
out:
	free(blob);
	return ret;
}

int host_boot_run(const struct host_boot_opts *o, struct host_boot *b, struct emu_error *err)
{
	FILE *out = o->out;
	const struct platform_config *c = &o->cfg;
	struct tdxctl_acm_view av;
	uint8_t *acm = NULL;
	size_t acm_len;
	uint64_t np_status;
	double t0 = now_ms(), t;
	int ret;

	memset(b, 0, sizeof(*b));
	ret = seam_machine_create(c, &b->m, err);
	if (ret)
		return ret;
	if (out)
		fprintf(out, "Platform: %u package(s) x %u LPs, DRAM %llu MiB, MAX_PA %u, "
			"KeyIDs %u MKTME + %u TDX (%u bits), CPUID(1).EAX %08x\n",
			c->nr_packages, c->lps_per_package, (unsigned long long)(c->dram_size >> 20),
			c->max_pa, c->nr_mktme_keyids, c->nr_tdx_keyids, c->keyid_bits, c->cpuid_fms);

	t = now_ms();
	ret = seam_machine_firmware(b->m, o->bios, &b->mcheck, err);
	b->t_firmware_ms = now_ms() - t;
	if (out)
		fprintf(out, "BIOS: SEAMRR [0x%llx, +%llu MiB), SMRR [0x%llx, +%llu MiB), %u CMRs\n%s\n",
			(unsigned long long)c->seamrr.base, (unsigned long long)(c->seamrr.size >> 20),
			(unsigned long long)c->smrr.base, (unsigned long long)(c->smrr.size >> 20),
			c->nr_cmrs, b->mcheck.msg);
	if (ret)
		return ret;

	ret = tdx_host_create(b->m->plat, b->m->ldr, out, &b->host, err);
	if (!ret)
		ret = tdxctl_file_read(o->acm_path, &acm, &acm_len, err);
	if (!ret)
		ret = tdxctl_acm_parse(acm, acm_len, &av, err);
	if (ret)
		goto out;
	if (out)
		fprintf(out, "GETSEC[ENTERACCS] NP-SEAMLDR %u.%u (%s, %zu bytes) carrying P-SEAMLDR %u.%u build %u\n",
			av.manifest->np_major, av.manifest->np_minor, o->acm_path, acm_len,
			av.p_seamldr->major, av.p_seamldr->minor, av.p_seamldr->build_num);
	t = now_ms();
	ret = tdx_host_launch_np_seamldr(b->host, acm, acm_len, &np_status, err);
	b->t_np_seamldr_ms = now_ms() - t;
	if (ret)
		goto out;
	ret = tdx_host_start_cpus(b->host, err);
	if (!ret)
		ret = tdx_host_seamldr_info(b->host, 0, &b->info, &np_status, err);
	if (ret)
		goto out;
	if (out)
		fprintf(out, "P-SEAMLDR %u.%u build %u (%08x), vendor %04x, %u updates left, "
			"launched on x2APIC %u\n", b->info.major, b->info.minor, b->info.build_num,
			b->info.build_date, b->info.vendor_id, b->info.num_remaining_updates,
			b->info.acm_x2apicid);
	ret = host_boot_install(b, o->module_path, SEAMLDR_SCENARIO_LOAD, out, err);
	if (ret)
		goto out;
	t = now_ms();
	ret = tdx_host_module_init(b->host, err);
	b->t_module_init_ms = now_ms() - t;
	if (!ret && out) {
		const struct tdx_host_module_info *mi = tdx_host_module_info(b->host);

		fprintf(out, "TDX module ready: %u TDMRs, %llu KB PAMT, global KeyID %u, "
			"TDCS %llu B, TDVPS %llu B\n", mi->nr_tdmrs, (unsigned long long)mi->pamt_kb,
			tdx_host_global_keyid(b->host), (unsigned long long)mi->tdcs_base_size,
			(unsigned long long)mi->tdvps_base_size);
	}
out:
	free(acm);
	b->t_total_ms = now_ms() - t0;
	return ret;
}

void host_boot_teardown(struct host_boot *b)
{
	if (b->m)
		seam_machine_destroy(b->m);
	tdx_host_destroy(b->host);
	memset(b, 0, sizeof(*b));
}

/*
 * TDREPORT printing (attest.h, include/tdx/tdx_report.h).  Decoding
 * only: the MAC can be checked only on the platform that made it.
 */
#include <errno.h>
#include <inttypes.h>

#include <json-c/json.h>

#include <tdx/tdx_report.h>

#include "attest_util.h"
#include "tdxctl/attest.h"

struct field {
	const char *name;
	size_t off, len;
};

/* Offsets within struct tdreport_struct. */
#define F(name, member) { name, __builtin_offsetof(struct tdreport_struct, member), \
			  sizeof(((struct tdreport_struct *)0)->member) }
static const struct field fields[] = {
	F("cpusvn", reportmacstruct.cpusvn),
	F("tee_tcb_info_hash", reportmacstruct.tee_tcb_info_hash),
	F("tee_info_hash", reportmacstruct.tee_info_hash),
	F("report_data", reportmacstruct.reportdata),
	F("mac", reportmacstruct.mac),
	F("tee_tcb_svn", tee_tcb_info.tee_tcb_svn),
	F("mrseam", tee_tcb_info.mrseam),
	F("mrsignerseam", tee_tcb_info.mrsignerseam),
	F("mrtd", tdinfo.mrtd),
	F("mrconfigid", tdinfo.mrconfigid),
	F("mrowner", tdinfo.mrowner),
	F("mrownerconfig", tdinfo.mrownerconfig),
	F("rtmr0", tdinfo.rtmr[0]),
	F("rtmr1", tdinfo.rtmr[1]),
	F("rtmr2", tdinfo.rtmr[2]),
	F("rtmr3", tdinfo.rtmr[3]),
	F("servtd_hash", tdinfo.servtd_hash),
};
#undef F

int tdxctl_report_print(FILE *out, const uint8_t *buf, size_t len, bool json,
			struct emu_error *err)
{
	const struct tdreport_struct *r = (const void *)buf;
	char hex[2 * 64 + 1];

	if (len != sizeof(*r))
		return emu_error_set(err, -EINVAL, "report: %zu bytes, a TDREPORT has %zu", len,
				     sizeof(*r));
	if (r->reportmacstruct.report_type != TDX_REPORTTYPE_TDX)
		return emu_error_set(err, -EINVAL, "report: REPORTTYPE.TYPE 0x%02x, expected 0x81",
				     r->reportmacstruct.report_type);
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "report_type",
				       json_object_new_int(r->reportmacstruct.report_type));
		json_object_object_add(o, "report_subtype",
				       json_object_new_int(r->reportmacstruct.report_subtype));
		json_object_object_add(o, "report_version",
				       json_object_new_int(r->reportmacstruct.report_version));
		json_object_object_add(o, "tee_tcb_info_valid",
				       json_object_new_int64((int64_t)r->tee_tcb_info.valid));
		json_object_object_add(o, "seam_attributes",
				       attest_json_hex((const uint8_t *)&r->tee_tcb_info.attributes, 8));
		json_object_object_add(o, "td_attributes",
				       attest_json_hex((const uint8_t *)&r->tdinfo.attributes, 8));
		json_object_object_add(o, "xfam",
				       attest_json_hex((const uint8_t *)&r->tdinfo.xfam, 8));
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_object_object_add(o, fields[i].name,
					       attest_json_hex(buf + fields[i].off, fields[i].len));
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return 0;
	}
	fprintf(out, "TDREPORT (type 0x%02x subtype %u version %u)\n",
		r->reportmacstruct.report_type, r->reportmacstruct.report_subtype,
		r->reportmacstruct.report_version);
	fprintf(out, "  %-18s 0x%" PRIx64 "\n", "tee_tcb_info_valid", r->tee_tcb_info.valid);
	fprintf(out, "  %-18s 0x%016" PRIx64 "\n", "seam_attributes", r->tee_tcb_info.attributes);
	fprintf(out, "  %-18s 0x%016" PRIx64 "%s%s\n", "td_attributes", r->tdinfo.attributes,
		r->tdinfo.attributes & 1 ? " DEBUG" : "",
		r->tdinfo.attributes & (1ULL << 28) ? " SEPT_VE_DISABLE" : "");
	fprintf(out, "  %-18s 0x%016" PRIx64 "\n", "xfam", r->tdinfo.xfam);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		attest_hex(buf + fields[i].off, fields[i].len, hex);
		fprintf(out, "  %-18s %s\n", fields[i].name, hex);
	}
	return 0;
}

/*
 * QEMU-compatible option parsing (reference host-stack.md 3.1).  Each
 * option is a row in one table; comma-separated values ("q35,key=value",
 * ",," for a literal comma) go through one key=value splitter.  Messages
 * follow QEMU's shape: "qemu-tdx: <option as given>: <what is wrong>".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "cli.h"

#define KV_MAX		32
#define KV_LEN		512

struct kv {
	char key[64];
	char val[KV_LEN];
	bool has_val;
};

struct parse_ctx {
	struct vmm_opts *o;
	const char *opt;	/* "-machine" as the user spelt it, without dashes normalized */
	const char *arg;
	char *err;
	size_t errlen;
	char kernel_irqchip[16];
	bool saw_machine;
	bool saw_cpu_named;
	char cpu_model[64];
};

static int fail(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse_ctx *c, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->arg)
		snprintf(c->err, c->errlen, "qemu-tdx: -%s %s: %s", c->opt, c->arg, msg);
	else
		snprintf(c->err, c->errlen, "qemu-tdx: -%s: %s", c->opt, msg);
	return -1;
}

void vmm_opts_init(struct vmm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->attributes = TD_ATTR_DEFAULT;
	o->ram_size = VMM_DEFAULT_RAM;
	o->smp = 1;
	o->serial = VMM_SERIAL_DEFAULT;
}

/*
 * Split "first,k=v,k2=v2" (",," is a literal comma).  An item without '='
 * is a key with no value; the first one is returned as kv[0] too.
 */
static int split_kv(struct parse_ctx *c, const char *s, struct kv *kv, unsigned int *nr)
{
	unsigned int n = 0;

	while (*s || n == 0) {
		char item[KV_LEN + 64];
		size_t len = 0;
		char *eq;

		if (n == KV_MAX)
			return fail(c, "too many parameters");
		while (*s) {
			if (*s == ',' && s[1] == ',') {
				s += 2;
			} else if (*s == ',') {
				break;
			} else {
				s++;
				if (len + 1 >= sizeof(item))
					return fail(c, "parameter too long");
				item[len++] = s[-1];
				continue;
			}
			if (len + 1 >= sizeof(item))
				return fail(c, "parameter too long");
			item[len++] = ',';
		}
		item[len] = '\0';
		if (*s == ',') {
			s++;
			if (!*s)
				return fail(c, "empty parameter after ','");
		}
		if (!len)
			return fail(c, "empty parameter");
		memset(&kv[n], 0, sizeof(kv[n]));
		eq = strchr(item, '=');
		if (eq) {
			*eq = '\0';
			if (!item[0])
				return fail(c, "parameter without a name");
			if (strlen(item) >= sizeof(kv[n].key) || strlen(eq + 1) >= sizeof(kv[n].val))
				return fail(c, "parameter '%s' too long", item);
			strcpy(kv[n].key, item);
			strcpy(kv[n].val, eq + 1);
			kv[n].has_val = true;
		} else {
			if (strlen(item) >= sizeof(kv[n].key))
				return fail(c, "parameter '%s' too long", item);
			strcpy(kv[n].key, item);
		}
		n++;
		if (!*s)
			break;
	}
	*nr = n;
	return 0;
}

/* QEMU's boolean spellings. */
static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int vmm_parse_size(const char *s, bool default_mib, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul;
	int shift;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': shift = default_mib ? 20 : 0; break;
	case 'B': case 'b': shift = 0; break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	mul = 1ULL << shift;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int vmm_base64_digest(const char *s, uint8_t out[TDX_DIGEST_SIZE], char *why, size_t whylen)
{
	size_t len = strlen(s), pad = 0;
	unsigned char buf[128];
	int n;

	/* 48 bytes are exactly 64 base64 characters, no padding. */
	if (len % 4 || len > 4 * ((sizeof(buf) - 2) / 3)) {
		snprintf(why, whylen, "invalid base64 (length %zu)", len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
			  (ch == '=' && i >= len - 2);
		if (!ok || (i > 0 && s[i - 1] == '=' && ch != '=')) {
			snprintf(why, whylen, "invalid base64 character at offset %zu", i);
			return -1;
		}
		pad += ch == '=';
	}
	n = len ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len) : 0;
	if (n < 0) {
		snprintf(why, whylen, "invalid base64");
		return -1;
	}
	n -= (int)pad;
	if (n != TDX_DIGEST_SIZE) {
		snprintf(why, whylen, "sha384 digest was %d bytes, expected %d bytes", n,
			 TDX_DIGEST_SIZE);
		return -1;
	}
	memcpy(out, buf, TDX_DIGEST_SIZE);
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap)
		return -1;
	strcpy(dst, src);
	return 0;
}

/* ---- one handler per option ---- */

static int opt_machine(struct parse_ctx *c)
{
	struct kv kv[KV_MAX];
	unsigned int n, i = 0;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	if (!kv[0].has_val || !strcmp(kv[0].key, "type")) {
		const char *type = kv[0].has_val ? kv[0].val : kv[0].key;

		if (strcmp(type, "q35") && strncmp(type, "pc-q35-", 7))
			return fail(c, "unsupported machine type '%s' (qemu-tdx has only q35)", type);
		i = 1;
	}
	for (; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].val;

		if (!kv[i].has_val)
			return fail(c, "Parameter '%s' expects a value", k);
		if (!strcmp(k, "type")) {
			return fail(c, "Parameter 'type' given twice");
		} else if (!strcmp(k, "confidential-guest-support")) {
			if (!*v || copy_str(c->o->cgs_id, sizeof(c->o->cgs_id), v))
				return fail(c, "invalid confidential-guest-support id '%s'", v);
		} else if (!strcmp(k, "kernel-irqchip") || !strcmp(k, "kernel_irqchip")) {
			if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "split"))
				return fail(c, "Parameter 'kernel-irqchip' expects 'on', 'off' or 'split'");
			strcpy(c->kernel_irqchip, v);
		} else if (!strcmp(k, "accel")) {
			if (strcmp(v, "kvm"))
				return fail(c, "invalid accelerator %s (qemu-tdx supports only kvm)", v);
		} else if (!strcmp(k, "usb") || !strcmp(k, "vmport") || !strcmp(k, "hpet") ||
			   !strcmp(k, "dump-guest-core") || !strcmp(k, "mem-merge")) {
			bool b;

			/* What libvirt adds; off is what qemu-tdx has anyway. */
			if (parse_bool(v, &b))
				return fail(c, "Parameter '%s' expects 'on' or 'off'", k);
			if (b)
				return fail(c, "%s=on is not supported by qemu-tdx", k);
		} else if (!strcmp(k, "smm") || !strcmp(k, "pic")) {
			bool b;

			if (parse_bool(v, &b) && strcmp(v, "auto"))
				return fail(c, "Parameter '%s' expects 'on', 'off' or 'auto'", k);
			if (b && strcmp(v, "auto"))
				return fail(c, "%s=on is not supported by qemu-tdx", k);
		} else {
			return fail(c, "Property 'q35-machine.%s' not found", k);
		}
	}
	c->saw_machine = true;
	return 0;
}

/* The tdx-guest properties, shared by the key=value and the JSON forms. */
static int tdx_guest_digest(struct parse_ctx *c, const char *k, const char *v)
{
	struct vmm_opts *o = c->o;
	uint8_t *dst = !strcmp(k, "mrconfigid") ? o->mrconfigid :
		       !strcmp(k, "mrowner") ? o->mrowner : o->mrownerconfig;
	char why[160];

	if (vmm_base64_digest(v, dst, why, sizeof(why)))
		return fail(c, "TDX '%s': %s", k, why);
	return 0;
}

static int tdx_guest_attributes(struct parse_ctx *c, uint64_t a)
{
	if (a & TD_ATTR_DEBUG)
		return fail(c, "Current QEMU doesn't support attributes.debug[bit 0] for TDX VM");
	c->o->attributes = a;
	return 0;
}

/*
 * The JSON form libvirt writes: {"qom-type":"tdx-guest","id":..,
 * "attributes":N,"sept-ve-disable":bool,"mrconfigid":..,
 * "quote-generation-socket":{"type":"unix","path":..}}.
 */
static int opt_object_json(struct parse_ctx *c)
{
	struct vmm_opts *o = c->o;
	struct json_object *obj = json_tokener_parse(c->arg), *v;
	const char *type = NULL;
	bool have_id = false;
	int ret = -1;

	if (!obj || !json_object_is_type(obj, json_type_object)) {
		ret = fail(c, "Invalid JSON syntax");
		goto out;
	}
	if (json_object_object_get_ex(obj, "qom-type", &v) && json_object_is_type(v, json_type_string))
		type = json_object_get_string(v);
	if (!type) {
		ret = fail(c, "Parameter 'qom-type' is missing");
		goto out;
	}
	if (strcmp(type, "tdx-guest")) {
		ret = fail(c, "invalid object type: %s", type);
		goto out;
	}
	if (o->have_tdx_guest) {
		ret = fail(c, "only one tdx-guest object is supported");
		goto out;
	}
	{
		struct json_object_iterator it = json_object_iter_begin(obj);
		struct json_object_iterator end = json_object_iter_end(obj);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			const char *k = json_object_iter_peek_name(&it);

			v = json_object_iter_peek_value(&it);
			if (!strcmp(k, "qom-type"))
				continue;
			if (!strcmp(k, "id")) {
				if (!json_object_is_type(v, json_type_string) ||
				    !*json_object_get_string(v) ||
				    copy_str(o->tdx_id, sizeof(o->tdx_id), json_object_get_string(v))) {
					ret = fail(c, "Parameter 'id' expects an identifier");
					goto out;
				}
				have_id = true;
			} else if (!strcmp(k, "attributes")) {
				if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
					ret = fail(c, "Parameter 'attributes' expects uint64");
					goto out;
				}
				if (tdx_guest_attributes(c, json_object_get_uint64(v)))
					goto out;
			} else if (!strcmp(k, "sept-ve-disable")) {
				if (!json_object_is_type(v, json_type_boolean)) {
					ret = fail(c, "Parameter 'sept-ve-disable' expects a boolean");
					goto out;
				}
				o->attributes = json_object_get_boolean(v) ?
						o->attributes | TD_ATTR_SEPT_VE_DISABLE :
						o->attributes & ~TD_ATTR_SEPT_VE_DISABLE;
			} else if (!strcmp(k, "mrconfigid") || !strcmp(k, "mrowner") ||
				   !strcmp(k, "mrownerconfig")) {
				if (!json_object_is_type(v, json_type_string)) {
					ret = fail(c, "Parameter '%s' expects a string", k);
					goto out;
				}
				if (tdx_guest_digest(c, k, json_object_get_string(v)))
					goto out;
			} else if (!strcmp(k, "quote-generation-socket")) {
				struct json_object *t, *p;

				if (!json_object_is_type(v, json_type_object) ||
				    !json_object_object_get_ex(v, "type", &t) ||
				    !json_object_is_type(t, json_type_string)) {
					ret = fail(c, "quote-generation-socket: expects a SocketAddress object");
					goto out;
				}
				if (strcmp(json_object_get_string(t), "unix")) {
					ret = fail(c, "quote-generation-socket.type=%s: qemu-tdx supports only unix sockets",
						   json_object_get_string(t));
					goto out;
				}
				if (!json_object_object_get_ex(v, "path", &p) ||
				    !json_object_is_type(p, json_type_string) ||
				    !*json_object_get_string(p) ||
				    copy_str(o->qgs_socket, sizeof(o->qgs_socket), json_object_get_string(p))) {
					ret = fail(c, "quote-generation-socket.path is missing or invalid");
					goto out;
				}
			} else {
				ret = fail(c, "Property 'tdx-guest.%s' not found", k);
				goto out;
			}
		}
	}
	if (!have_id) {
		ret = fail(c, "Parameter 'id' is missing");
		goto out;
	}
	o->have_tdx_guest = true;
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

static int opt_object(struct parse_ctx *c)
{
	struct vmm_opts *o = c->o;
	struct kv kv[KV_MAX];
	char qgs_type[16] = "", qgs_path[sizeof(o->qgs_socket)] = "";
	unsigned int n;
	const char *type;
	bool have_id = false;

	if (c->arg[0] == '{')
		return opt_object_json(c);
	if (split_kv(c, c->arg, kv, &n))
		return -1;
	if (kv[0].has_val && strcmp(kv[0].key, "qom-type"))
		return fail(c, "Parameter 'qom-type' is missing");
	type = kv[0].has_val ? kv[0].val : kv[0].key;
	if (strcmp(type, "tdx-guest"))
		return fail(c, "invalid object type: %s", type);
	if (o->have_tdx_guest)
		return fail(c, "only one tdx-guest object is supported");
	for (unsigned int i = 1; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].val;
		bool b;

		if (!kv[i].has_val)
			return fail(c, "Parameter '%s' expects a value", k);
		if (!strcmp(k, "id")) {
			if (!*v || copy_str(o->tdx_id, sizeof(o->tdx_id), v))
				return fail(c, "Parameter 'id' expects an identifier");
			have_id = true;
		} else if (!strcmp(k, "sept-ve-disable")) {
			if (parse_bool(v, &b))
				return fail(c, "Parameter 'sept-ve-disable' expects 'on' or 'off'");
			o->attributes = b ? o->attributes | TD_ATTR_SEPT_VE_DISABLE :
					    o->attributes & ~TD_ATTR_SEPT_VE_DISABLE;
		} else if (!strcmp(k, "attributes")) {
			uint64_t a;

			if (parse_u64(v, &a))
				return fail(c, "Parameter 'attributes' expects uint64");
			if (tdx_guest_attributes(c, a))
				return -1;
		} else if (!strcmp(k, "mrconfigid") || !strcmp(k, "mrowner") ||
			   !strcmp(k, "mrownerconfig")) {
			if (tdx_guest_digest(c, k, v))
				return -1;
		} else if (!strcmp(k, "quote-generation-socket") ||
			   !strcmp(k, "quote-generation-socket.path")) {
			if (!*v || copy_str(qgs_path, sizeof(qgs_path), v))
				return fail(c, "quote-generation-socket: invalid unix socket path");
		} else if (!strcmp(k, "quote-generation-socket.type")) {
			if (strcmp(v, "unix"))
				return fail(c, "quote-generation-socket.type=%s: qemu-tdx supports only unix sockets", v);
			strcpy(qgs_type, v);
		} else {
			return fail(c, "Property 'tdx-guest.%s' not found", k);
		}
	}
	if (!have_id)
		return fail(c, "Parameter 'id' is missing");
	if (qgs_type[0] && !qgs_path[0])
		return fail(c, "quote-generation-socket.path is missing");
	strcpy(o->qgs_socket, qgs_path);
	o->have_tdx_guest = true;
	return 0;
}

static int opt_m(struct parse_ctx *c)
{
	struct kv kv[KV_MAX];
	unsigned int n;
	const char *size = NULL;
	uint64_t v;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		if (i == 0 && !kv[i].has_val)
			size = kv[i].key;
		else if (!strcmp(kv[i].key, "size") && kv[i].has_val)
			size = kv[i].val;
		else
			return fail(c, "Invalid parameter '%s'", kv[i].key);
	}
	if (!size || vmm_parse_size(size, true, &v))
		return fail(c, "Parameter 'size' expects a size like 512M or 2G");
	if (v < VMM_MIN_RAM || v > VMM_MAX_RAM)
		return fail(c, "RAM size must be between %llu MiB and %llu GiB",
			    VMM_MIN_RAM >> 20, VMM_MAX_RAM >> 30);
	if (v % (2ULL << 20))
		return fail(c, "RAM size must be a multiple of 2 MiB");
	c->o->ram_size = v;
	return 0;
}

static int opt_smp(struct parse_ctx *c)
{
	static const char *const topo[] = { "sockets", "dies", "clusters", "cores", "threads" };
	uint64_t cpus = 0, maxcpus = 0, t[5] = { 1, 1, 1, 1, 1 }, product = 1;
	bool have_topo = false;
	struct kv kv[KV_MAX];
	unsigned int n;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t *dst = NULL;
		const char *v = kv[i].val, *name = kv[i].key;

		if (i == 0 && !kv[i].has_val) {
			dst = &cpus;
			v = kv[i].key;
			name = "cpus";
		} else if (kv[i].has_val && !strcmp(kv[i].key, "cpus")) {
			dst = &cpus;
		} else if (kv[i].has_val && !strcmp(kv[i].key, "maxcpus")) {
			dst = &maxcpus;
		} else {
			for (unsigned int j = 0; j < 5 && kv[i].has_val; j++)
				if (!strcmp(kv[i].key, topo[j]))
					dst = &t[j];
			if (!dst)
				return fail(c, "Invalid parameter '%s'", kv[i].key);
			have_topo = true;
		}
		if (parse_u64(v, dst) || (dst != &cpus && dst != &maxcpus && (*dst == 0 || *dst > 1024)))
			return fail(c, "Parameter '%s' expects a number", name);
	}
	for (unsigned int j = 0; j < 5; j++)
		product *= t[j];
	/* QEMU: cpus from the topology when only the topology is given. */
	if (!cpus && have_topo)
		cpus = maxcpus ? maxcpus : product;
	if (cpus == 0 || cpus > VMM_MAX_VCPUS)
		return fail(c, "Invalid SMP CPUs %llu: must be 1..%u", (unsigned long long)cpus,
			    VMM_MAX_VCPUS);
	if (maxcpus && maxcpus != cpus)
		return fail(c, "maxcpus (%llu) must equal cpus (%llu): qemu-tdx has no CPU hotplug",
			    (unsigned long long)maxcpus, (unsigned long long)cpus);
	if (have_topo && product != cpus)
		return fail(c, "Invalid CPU topology: product of the hierarchy must match maxcpus: "
			    "sockets (%llu) * dies (%llu) * clusters (%llu) * cores (%llu) * threads (%llu) != maxcpus (%llu)",
			    (unsigned long long)t[0], (unsigned long long)t[1], (unsigned long long)t[2],
			    (unsigned long long)t[3], (unsigned long long)t[4], (unsigned long long)cpus);
	c->o->smp = (unsigned int)cpus;
	return 0;
}

static int opt_qmp(struct parse_ctx *c)
{
	struct kv kv[KV_MAX];
	unsigned int n;
	bool server = false, wait = true, b;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	if (kv[0].has_val || strncmp(kv[0].key, "unix:", 5) || !kv[0].key[5])
		return fail(c, "qemu-tdx supports only -qmp unix:PATH,server=on,wait=off");
	if (copy_str(c->o->qmp_path, sizeof(c->o->qmp_path), kv[0].key + 5))
		return fail(c, "socket path too long");
	for (unsigned int i = 1; i < n; i++) {
		const char *k = kv[i].key;

		if (!strcmp(k, "server") || !strcmp(k, "wait")) {
			if (!kv[i].has_val)
				b = true;
			else if (parse_bool(kv[i].val, &b))
				return fail(c, "Parameter '%s' expects 'on' or 'off'", k);
			*(k[0] == 's' ? &server : &wait) = b;
		} else if (!strcmp(k, "nowait") && !kv[i].has_val) {
			wait = false;
		} else {
			return fail(c, "Invalid parameter '%s'", k);
		}
	}
	if (!server || wait)
		return fail(c, "qemu-tdx supports only a listening QMP socket (server=on,wait=off)");
	return 0;
}

static int opt_serial(struct parse_ctx *c)
{
	if (!strcmp(c->arg, "stdio") || !strcmp(c->arg, "mon:stdio"))
		c->o->serial = VMM_SERIAL_STDIO;
	else if (!strcmp(c->arg, "none") || !strcmp(c->arg, "null"))
		c->o->serial = VMM_SERIAL_NONE;
	else
		return fail(c, "qemu-tdx supports only -serial stdio, none or null");
	return 0;
}

static int opt_name(struct parse_ctx *c)
{
	struct kv kv[KV_MAX];
	unsigned int n;
	const char *name = NULL;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		if (i == 0 && !kv[i].has_val)
			name = kv[i].key;
		else if (!strcmp(kv[i].key, "guest") && kv[i].has_val)
			name = kv[i].val;
		else if (!strcmp(kv[i].key, "debug-threads") && kv[i].has_val) {
			bool b;

			/* Thread names are a debugging aid; qemu-tdx's need no switch. */
			if (parse_bool(kv[i].val, &b))
				return fail(c, "Parameter 'debug-threads' expects 'on' or 'off'");
		} else
			return fail(c, "Invalid parameter '%s'", kv[i].key);
	}
	if (!name || !*name || copy_str(c->o->name, sizeof(c->o->name), name))
		return fail(c, "invalid guest name");
	return 0;
}

static int opt_accel(struct parse_ctx *c)
{
	if (strcmp(c->arg, "kvm"))
		return fail(c, "invalid accelerator %s (qemu-tdx supports only kvm)", c->arg);
	return 0;
}

static int opt_cpu(struct parse_ctx *c)
{
	struct kv kv[KV_MAX];
	unsigned int n;

	if (split_kv(c, c->arg, kv, &n))
		return -1;
	for (unsigned int i = 1; i < n; i++) {
		bool b;

		/* Only what changes nothing for a TD: no CPU feature can be set here. */
		if (strcmp(kv[i].key, "migratable") || !kv[i].has_val || parse_bool(kv[i].val, &b))
			return fail(c, "CPU property '%s' is not supported by qemu-tdx", kv[i].key);
	}
	if (kv[0].has_val)
		return fail(c, "expects a CPU model first");
	if (strcmp(kv[0].key, "host") && strcmp(kv[0].key, "max")) {
		if (copy_str(c->cpu_model, sizeof(c->cpu_model), kv[0].key))
			return fail(c, "CPU model name too long");
		c->saw_cpu_named = true;
	}
	return 0;
}

static int opt_path(struct parse_ctx *c)
{
	if (!*c->arg)
		return fail(c, "empty file name");
	if (!strcmp(c->opt, "bios"))
		c->o->bios = c->arg;
	else if (!strcmp(c->opt, "kernel"))
		c->o->kernel = c->arg;
	else
		c->o->append = c->arg;
	return 0;
}

/* Options QEMU users pass that change nothing here (-nographic: serial on stdio is the default). */
static int opt_accepted(struct parse_ctx *c)
{
	(void)c;
	return 0;
}

static int opt_display(struct parse_ctx *c)
{
	if (strcmp(c->arg, "none"))
		return fail(c, "qemu-tdx has no display: only -display none");
	return 0;
}

static int opt_verbose(struct parse_ctx *c)
{
	c->o->verbose = true;
	return 0;
}

struct opt_row {
	const char *name;
	bool has_arg;
	int (*fn)(struct parse_ctx *c);
};

static const struct opt_row opt_table[] = {
	{ "machine", true, opt_machine },	{ "M", true, opt_machine },
	{ "object", true, opt_object },		{ "m", true, opt_m },
	{ "smp", true, opt_smp },		{ "bios", true, opt_path },
	{ "kernel", true, opt_path },		{ "append", true, opt_path },
	{ "qmp", true, opt_qmp },		{ "serial", true, opt_serial },
	{ "name", true, opt_name },		{ "accel", true, opt_accel },
	{ "cpu", true, opt_cpu },		{ "display", true, opt_display },
	{ "nographic", false, opt_accepted },	{ "nodefaults", false, opt_accepted },
	{ "enable-kvm", false, opt_accepted },	{ "no-reboot", false, opt_accepted },
	{ "verbose", false, opt_verbose },	{ "no-user-config", false, opt_accepted },
};

/* Cross-option rules, once everything is read. */
static int check_consistency(struct parse_ctx *c)
{
	struct vmm_opts *o = c->o;

	c->arg = NULL;
	if (o->cgs_id[0]) {
		c->opt = "machine";
		if (!o->have_tdx_guest || strcmp(o->cgs_id, o->tdx_id))
			return fail(c, "Property 'q35-machine.confidential-guest-support' can't find value '%s'",
				    o->cgs_id);
		if (c->kernel_irqchip[0] && strcmp(c->kernel_irqchip, "split"))
			return fail(c, "TDX VM requires kernel_irqchip to be split");
		if (c->saw_cpu_named) {
			c->opt = "cpu";
			c->arg = c->cpu_model;
			return fail(c, "Named cpu model is not supported for TDX yet!");
		}
	} else if (c->saw_cpu_named) {
		c->opt = "cpu";
		c->arg = c->cpu_model;
		return fail(c, "qemu-tdx supports only -cpu host or max");
	}
	if (o->append && !o->kernel) {
		c->opt = "append";
		return fail(c, "-append only allowed with -kernel option");
	}
	if (!o->bios) {
		c->opt = "bios";
		return fail(c, "a firmware image is required (qemu-tdx has no built-in BIOS)");
	}
	return 0;
}

int vmm_opts_parse(int argc, char *const argv[], struct vmm_opts *o, char *err, size_t errlen)
{
	struct parse_ctx c = { .o = o, .err = err, .errlen = errlen };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_row *row = NULL;

		c.arg = NULL;
		if (a[0] != '-' || !a[1]) {
			snprintf(err, errlen, "qemu-tdx: %s: invalid option (a disk image is not supported)", a);
			return -1;
		}
		c.opt = a + (a[1] == '-' ? 2 : 1);
		for (size_t r = 0; r < sizeof(opt_table) / sizeof(opt_table[0]); r++)
			if (!strcmp(c.opt, opt_table[r].name))
				row = &opt_table[r];
		if (!row)
			return fail(&c, "invalid option");
		if (row->has_arg) {
			if (i + 1 >= argc)
				return fail(&c, "requires an argument");
			c.arg = argv[++i];
		}
		if (row->fn(&c))
			return -1;
	}
	return check_consistency(&c);
}

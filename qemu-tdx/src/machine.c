/*
 * The machine: files in, RAM laid out, devices on the bus, vCPU threads
 * started and stopped (machine.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dev_virtio_console.h"
#include "machine.h"
#include "qmp.h"
#include "tdvf_hob.h"
#include "virtio_mmio.h"

#define KERNEL_MAX_SIZE		(256ULL << 20)

int vmm_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "qemu-tdx: ");
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Read @path whole into page-aligned memory (zero padded to a page). */
static int read_file(const char *path, uint64_t max, uint8_t **out, uint64_t *size,
		     char *why, size_t whylen)
{
	struct stat st;
	uint8_t *buf;
	uint64_t done = 0, cap;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(why, whylen, "%lld bytes, more than the %llu allowed", (long long)st.st_size,
			 (unsigned long long)max);
		close(fd);
		return -1;
	}
	cap = ((uint64_t)st.st_size + MACHINE_PAGE - 1) & ~(MACHINE_PAGE - 1);
	buf = aligned_alloc(MACHINE_PAGE, cap ? cap : MACHINE_PAGE);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		close(fd);
		return -1;
	}
	memset(buf, 0, cap ? cap : MACHINE_PAGE);
	while (done < (uint64_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)((uint64_t)st.st_size - done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "short read");
			free(buf);
			close(fd);
			return -1;
		}
		done += (uint64_t)n;
	}
	close(fd);
	*out = buf;
	*size = done;
	return 0;
}

static void pm_shutdown(void *opaque)
{
	machine_shutdown(opaque, 0, true, "guest-shutdown");
}

/* The devices' view of guest memory: shared RAM only (qt_guest_mem.h). */
static void *virtio_shared_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	char why[160];

	return machine_guest_mem(opaque, gpa, len, why, sizeof(why));
}

static void virtio_log(void *opaque, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "qemu-tdx: virtio-console: %s\n", msg);
}

static void virtio_console_io(void *opaque, uint64_t offset, uint8_t *data, unsigned int len,
			      bool is_write)
{
	struct machine *m = opaque;

	/* A refused access reads as zero and changes nothing; the device logs it. */
	virtio_mmio_access(virtio_console_transport(m->console), offset, data, len, is_write);
}

/*
 * The console runs in loopback: what the driver transmits comes back on
 * its receiveq, so a payload can check a round trip through shared
 * memory; qemu-tdx has no host side for it yet.
 */
static int create_console(struct machine *m)
{
	const struct virtio_mmio_host host = {
		.mem = { .opaque = m, .shared_ptr = virtio_shared_ptr },
		.opaque = m,
		.log = virtio_log,
	};
	const struct virtio_console_opts opts = { .loopback = true };
	int ret = virtio_console_create(&host, &opts, &m->console);

	if (ret)
		return ret;
	return iotrap_register(&m->io, IOTRAP_MMIO, MACHINE_VIRTIO_CONSOLE_BASE,
			       VIRTIO_MMIO_WINDOW_SIZE, virtio_console_io, m, "virtio-console");
}

static void *fw_cfg_mem(void *opaque, uint64_t addr, uint64_t len, char *why, size_t whylen)
{
	return machine_guest_mem(opaque, addr, len, why, whylen);
}

static int layout_ram(struct machine *m, char *err, size_t errlen)
{
	uint64_t size = m->opts->ram_size;
	uint64_t low = size < MACHINE_LOWMEM_MAX ? size : MACHINE_LOWMEM_MAX;

	m->ram[0] = (struct ram_slot){ .gpa = 0, .size = low };
	m->nr_ram = 1;
	if (size > low)
		m->ram[m->nr_ram++] = (struct ram_slot){ .gpa = MACHINE_HIGHMEM_BASE, .size = size - low };
	for (unsigned int i = 0; i < m->nr_ram; i++) {
		struct ram_slot *s = &m->ram[i];
		void *p = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			return vmm_fail(err, errlen, "cannot allocate %llu MiB of guest RAM: %s",
				    (unsigned long long)(s->size >> 20), strerror(errno));
		s->host = p;
		if (m->td) {
			s->shared = calloc((s->size / MACHINE_PAGE + 7) / 8, 1);
			if (!s->shared)
				return vmm_fail(err, errlen, "out of memory");
		}
	}
	return 0;
}

int machine_init(struct machine *m, const struct vmm_opts *o, char *err, size_t errlen)
{
	char why[256];
	struct fw_cfg_config fc;
	uint64_t size;
	int ret;

	memset(m, 0, sizeof(*m));
	m->opts = o;
	m->td = vmm_opts_is_td(o);
	m->shared_bit = m->td ? 1ULL << (MACHINE_GPAW - 1) : 0;
	m->nr_vcpus = o->smp;
	m->kvm_fd = m->vm_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	pthread_mutex_init(&m->mem_lock, NULL);

	if (read_file(o->bios, TDVF_MAX_IMAGE_SIZE, &m->bios, &m->bios_size, why, sizeof(why)))
		return vmm_fail(err, errlen, "-bios %s: %s", o->bios, why);
	ret = tdvf_parse(m->bios, m->bios_size, &m->tdvf, why, sizeof(why));
	if (ret == TDVF_INVALID || (ret == TDVF_NO_METADATA && m->td))
		return vmm_fail(err, errlen, "-bios %s: %s%s", o->bios, why,
			    ret == TDVF_NO_METADATA ? " (a TD needs a TDVF image)" : "");
	if (ret == TDVF_NO_METADATA &&
	    (m->bios_size % MACHINE_PAGE || m->bios_size == 0 || m->bios_size > TDVF_MAX_IMAGE_SIZE))
		return vmm_fail(err, errlen, "-bios %s: size %llu is not a multiple of 4 KiB", o->bios,
			    (unsigned long long)m->bios_size);
	m->has_tdvf = ret == TDVF_OK;
	m->bios_gpa = (1ULL << 32) - m->bios_size;
	if (o->kernel) {
		if (read_file(o->kernel, KERNEL_MAX_SIZE, &m->kernel, &size, why, sizeof(why)))
			return vmm_fail(err, errlen, "-kernel %s: %s", o->kernel, why);
		m->kernel_size = (uint32_t)size;
	}
	if (layout_ram(m, err, errlen))
		return -1;

	iotrap_init(&m->io);
	fc = (struct fw_cfg_config){ .nr_cpus = m->nr_vcpus, .ram_size = o->ram_size,
				     .kernel = m->kernel, .kernel_size = m->kernel_size,
				     .cmdline = o->append };
	if (dev_serial_init(&m->serial, &m->io,
			    o->serial == VMM_SERIAL_NONE ? -1 : STDOUT_FILENO) ||
	    dev_pm_init(&m->pm, &m->io, pm_shutdown, m) ||
	    fw_cfg_init(&m->fw_cfg, &m->io, &fc, fw_cfg_mem, m) || create_console(m))
		return vmm_fail(err, errlen, "cannot create the platform devices");
	return 0;
}

int machine_build(struct machine *m, char *err, size_t errlen)
{
	return m->td ? tdx_guest_build(m, err, errlen) : kvm_plain_build(m, err, errlen);
}

int machine_tdvf_hob(struct machine *m, bool all_accepted, uint8_t *buf, size_t cap, char *err,
		     size_t errlen)
{
	struct tdvf_ram_range ram[2], ranges[TDVF_HOB_MAX_RANGES];
	char why[200];
	int n;

	m->hob_gpa = m->tdvf.sections[m->tdvf.td_hob].memory_address;
	for (unsigned int i = 0; i < m->nr_ram; i++)
		ram[i] = (struct tdvf_ram_range){ m->ram[i].gpa, m->ram[i].size, false };
	n = tdvf_ram_ranges(ram, m->nr_ram, &m->tdvf, all_accepted, ranges, TDVF_HOB_MAX_RANGES, why,
			    sizeof(why));
	if (n < 0 || tdvf_hob_build(buf, cap, m->hob_gpa, ranges, (unsigned int)n, why, sizeof(why)) < 0)
		return vmm_fail(err, errlen, "-bios %s: %s", m->opts->bios, why);
	return 0;
}

static struct ram_slot *slot_of(struct machine *m, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < m->nr_ram; i++) {
		struct ram_slot *s = &m->ram[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size && len <= s->size - (gpa - s->gpa))
			return s;
	}
	return NULL;
}

static bool page_shared(const struct ram_slot *s, uint64_t gpa)
{
	uint64_t i = (gpa - s->gpa) / MACHINE_PAGE;

	return s->shared[i / 8] & (1U << (i % 8));
}

void *machine_guest_mem(struct machine *m, uint64_t addr, uint64_t len, char *why, size_t whylen)
{
	struct ram_slot *s;
	uint64_t gpa = addr;

	if (!len || addr + len < addr) {
		snprintf(why, whylen, "empty or wrapping range");
		return NULL;
	}
	if (m->td) {
		if (!(addr & m->shared_bit)) {
			snprintf(why, whylen, "private GPA: a TD shares memory through GPAs with bit %u set",
				 MACHINE_GPAW - 1);
			return NULL;
		}
		gpa = addr & ~m->shared_bit;
	}
	s = slot_of(m, gpa, len);
	if (!s) {
		snprintf(why, whylen, "not in guest RAM");
		return NULL;
	}
	if (m->td) {
		for (uint64_t p = gpa & ~(MACHINE_PAGE - 1); p < gpa + len; p += MACHINE_PAGE) {
			if (!page_shared(s, p)) {
				snprintf(why, whylen, "page 0x%llx is private (not converted with MapGPA)",
					 (unsigned long long)p);
				return NULL;
			}
		}
	}
	return s->host + (gpa - s->gpa);
}

int machine_convert(struct machine *m, uint64_t gpa, uint64_t size, bool to_private)
{
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0 };
	struct ram_slot *s;
	long ret;

	if (!m->td || !size || gpa % MACHINE_PAGE || size % MACHINE_PAGE)
		return -EINVAL;
	s = slot_of(m, gpa, size);
	if (!s)
		return -EINVAL;	/* MMIO or firmware: not convertible, as QEMU */
	/* Removing private pages needs the TD's other vCPUs outside it (machine.h). */
	if (m->nr_vcpus > 1)
		machine_pause_vcpus(m);
	pthread_mutex_lock(&m->mem_lock);
	ret = kvm_tdx_vm_ioctl(m->vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
	if (!ret) {
		for (uint64_t p = gpa; p < gpa + size; p += MACHINE_PAGE) {
			uint64_t i = (p - s->gpa) / MACHINE_PAGE;

			if (to_private)
				s->shared[i / 8] &= (uint8_t)~(1U << (i % 8));
			else
				s->shared[i / 8] |= (uint8_t)(1U << (i % 8));
		}
		/* The shared copy is gone for good once private: give it back to the host. */
		if (to_private)
			madvise(s->host + (gpa - s->gpa), size, MADV_DONTNEED);
	}
	pthread_mutex_unlock(&m->mem_lock);
	if (m->nr_vcpus > 1)
		machine_resume_vcpus(m);
	return (int)ret;
}

void machine_request_stop(struct machine *m, int code)
{
	pthread_mutex_lock(&m->lock);
	if (!m->stopping) {
		m->stopping = true;
		m->exit_code = code;
	}
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

void machine_shutdown(struct machine *m, int code, bool guest, const char *reason)
{
	bool first;

	pthread_mutex_lock(&m->lock);
	first = !m->stopping;
	pthread_mutex_unlock(&m->lock);
	if (first && m->qmp)
		qmp_server_event_shutdown(m->qmp, guest, reason);
	machine_request_stop(m, code);
}

static int qmp_query_status(void *opaque, bool *running, const char **status)
{
	struct machine *m = opaque;
	bool stopping = machine_stopping(m);

	*running = !stopping;
	*status = stopping ? "shutdown" : "running";
	return 0;
}

static int qmp_query_tdx(void *opaque, struct qmp_tdx_info *out)
{
	struct machine *m = opaque;

	if (!m->td)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->attributes = m->opts->attributes;
	out->xfam = MACHINE_TD_XFAM;
	memcpy(out->mrtd, m->mrtd, sizeof(out->mrtd));
	snprintf(out->state, sizeof(out->state), "%s", machine_stopping(m) ? "shutdown" : "runnable");
	return 0;
}

static void qmp_quit(void *opaque)
{
	machine_shutdown(opaque, 0, false, "host-qmp-quit");
}

int machine_start_qmp(struct machine *m, char *err, size_t errlen)
{
	static const char prefix[] = "qemu-tdx: ";
	struct qmp_ops ops = { .opaque = m, .query_status = qmp_query_status,
			       .query_tdx = qmp_query_tdx, .quit = qmp_quit };
	char spec[160];

	if (!m->opts->qmp_path[0])
		return 0;
	snprintf(spec, sizeof(spec), "unix:%s,server=on,wait=off", m->opts->qmp_path);
	snprintf(err, errlen, "%s", prefix);
	if (qmp_server_start(spec, &ops, &m->qmp, err + strlen(prefix), errlen - strlen(prefix)))
		return -1;
	err[0] = '\0';
	return 0;
}

bool machine_stopping(struct machine *m)
{
	bool s;

	pthread_mutex_lock(&m->lock);
	s = m->stopping;
	pthread_mutex_unlock(&m->lock);
	return s;
}

static void kick_all(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];

		if (!v->started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (m->td)
			kvm_tdx_vcpu_kick(v->td);
		else
			pthread_kill(v->thread, SIGUSR1);
	}
}

static void on_kick(int sig)
{
	(void)sig;
}

int machine_run(struct machine *m)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigset_t block;

	/* SIGUSR1 only kicks vCPU threads out of KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];

		if (pthread_create(&v->thread, NULL, vcpu_thread, v)) {
			fprintf(stderr, "qemu-tdx: cannot start the thread of vCPU %u\n", i);
			machine_request_stop(m, 1);
			break;
		}
		v->started = true;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->stopping)
		pthread_cond_wait(&m->cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
	/* GetQuote workers write guest memory: they finish before it goes away. */
	pthread_mutex_lock(&m->lock);
	while (m->quotes_in_flight)
		pthread_cond_wait(&m->cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
	/* Kick until every thread has left: a kick can land just before KVM_RUN. */
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpu[i];
		struct timespec ts;

		if (!v->started)
			continue;
		for (;;) {
			kick_all(m);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_timedjoin_np(v->thread, NULL, &ts) == 0)
				break;
		}
		v->started = false;
	}
	return m->exit_code;
}

void machine_destroy(struct machine *m)
{
	qmp_server_stop(m->qmp);
	m->qmp = NULL;
	virtio_console_destroy(m->console);
	m->console = NULL;
	if (m->td)
		tdx_guest_destroy(m);
	else
		kvm_plain_destroy(m);
	fw_cfg_destroy(&m->fw_cfg);
	for (unsigned int i = 0; i < m->nr_ram; i++) {
		if (m->ram[i].host)
			munmap(m->ram[i].host, m->ram[i].size);
		free(m->ram[i].shared);
	}
	free(m->bios);
	free(m->kernel);
}

/*
 * Split virtqueue processing on the device side (VIRTIO 1.1 §2.6): check
 * a queue's setup, pop descriptor chains, push used elements.  Every value
 * read from guest memory is copied once and checked on the copy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtqueue.h"

/* Ring sizes for a queue of @num entries, event-index fields included. */
static uint64_t desc_area_size(uint16_t num)
{
	return 16ull * num;
}

static uint64_t driver_area_size(uint16_t num)
{
	return 6ull + 2ull * num;
}

static uint64_t device_area_size(uint16_t num)
{
	return 6ull + 8ull * num;
}

static int vq_fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (err && n) {
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return -EIO;
}

static uint16_t load16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void virtqueue_reset(struct virtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
}

static int check_area(const struct qt_guest_mem *mem, const char *name, uint64_t gpa,
		      uint64_t size, uint64_t align, char *err, size_t n)
{
	if (gpa & (align - 1))
		return vq_fail(err, n, "%s at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned",
			       name, gpa, align);
	if (gpa + size < gpa || !qt_guest_mem_ptr(mem, gpa, size))
		return vq_fail(err, n, "%s [0x%" PRIx64 ", +0x%" PRIx64 ") is not in shared memory",
			       name, gpa, size);
	return 0;
}

int virtqueue_check_setup(const struct virtqueue *vq, uint16_t num_max,
			  const struct qt_guest_mem *mem, char *err, size_t n)
{
	int rc;

	/* §2.6: Queue Size is a power of 2 and at most the device's maximum. */
	if (vq->num == 0 || (vq->num & (vq->num - 1)))
		return vq_fail(err, n, "queue size %u is not a power of 2", vq->num);
	if (vq->num > num_max)
		return vq_fail(err, n, "queue size %u exceeds QueueNumMax %u", vq->num, num_max);
	/* §2.6 table: alignments 16, 2 and 4. */
	rc = check_area(mem, "descriptor table", vq->desc_gpa, desc_area_size(vq->num), 16,
			err, n);
	if (!rc)
		rc = check_area(mem, "driver ring", vq->avail_gpa, driver_area_size(vq->num), 2,
				err, n);
	if (!rc)
		rc = check_area(mem, "device ring", vq->used_gpa, device_area_size(vq->num), 4,
				err, n);
	return rc;
}

/* One chain walk: over the queue's table or over one indirect table. */
struct chain_walk {
	const struct virtq_desc *table;	/* host view of the table */
	uint32_t entries;
	bool indirect;
};

static int add_seg(struct virtq_elem *e, const struct qt_guest_mem *mem,
		   const struct virtq_desc *d, const char *where, uint32_t idx, char *err,
		   size_t n)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	struct virtq_seg *s;

	if (d->addr + d->len < d->addr)
		return vq_fail(err, n, "%s %u: address 0x%" PRIx64 " + length 0x%x wraps",
			       where, idx, d->addr, d->len);
	if (d->len && !qt_guest_mem_ptr(mem, d->addr, d->len))
		return vq_fail(err, n,
			       "%s %u: buffer [0x%" PRIx64 ", +0x%x) is not in shared memory",
			       where, idx, d->addr, d->len);
	/* §2.6.4.2: device-writable elements follow all device-readable ones. */
	if (!writable && e->n_in)
		return vq_fail(err, n, "%s %u: device-readable after device-writable", where,
			       idx);
	if (e->n_out + e->n_in >= e->seg_cap)
		return vq_fail(err, n, "descriptor chain longer than %u", e->seg_cap);
	s = &e->seg[e->n_out + e->n_in];
	s->gpa = d->addr;
	s->len = d->len;
	s->device_writable = writable;
	if (writable) {
		e->n_in++;
		e->in_bytes += d->len;
	} else {
		e->n_out++;
		e->out_bytes += d->len;
	}
	return 0;
}

static int walk_chain(const struct chain_walk *w, uint32_t first, struct virtq_elem *e,
		      const struct qt_guest_mem *mem, char *err, size_t n)
{
	const char *where = w->indirect ? "indirect descriptor" : "descriptor";
	uint32_t idx = first, count = 0;
	struct virtq_desc d;
	int rc;

	for (;;) {
		/* A chain visits each entry at most once, so a longer one loops. */
		if (++count > w->entries)
			return vq_fail(err, n, "%s chain from %u loops or exceeds %u entries",
				       where, first, w->entries);
		memcpy(&d, &w->table[idx], sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_fail(err, n, "%s %u: INDIRECT %s", where, idx,
				       w->indirect ? "inside an indirect table"
						   : "not at the head of the chain");
		rc = add_seg(e, mem, &d, where, idx, err, n);
		if (rc)
			return rc;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= w->entries)
			return vq_fail(err, n, "%s %u: next %u is out of range (%u entries)", where,
				       idx, d.next, w->entries);
		idx = d.next;
	}
}

/* §2.6.5.3: a head descriptor that points at a table of descriptors. */
static int walk_indirect(const struct virtq_desc *head, uint16_t num, bool negotiated,
			 struct virtq_elem *e, const struct qt_guest_mem *mem, char *err,
			 size_t n)
{
	struct chain_walk w = { .indirect = true };

	if (!negotiated)
		return vq_fail(err, n, "INDIRECT descriptor without VIRTIO_F_INDIRECT_DESC");
	if (head->flags & VIRTQ_DESC_F_NEXT)
		return vq_fail(err, n, "INDIRECT descriptor with NEXT set");
	if (head->len == 0 || head->len % sizeof(struct virtq_desc))
		return vq_fail(err, n, "indirect table length %u is not a non-zero multiple of 16",
			       head->len);
	w.entries = head->len / sizeof(struct virtq_desc);
	if (w.entries > num)
		return vq_fail(err, n, "indirect table of %u descriptors exceeds queue size %u",
			       w.entries, num);
	if (head->addr & 15)
		return vq_fail(err, n, "indirect table at 0x%" PRIx64 " is not 16-byte aligned",
			       head->addr);
	w.table = qt_guest_mem_ptr(mem, head->addr, head->len);
	if (!w.table)
		return vq_fail(err, n,
			       "indirect table [0x%" PRIx64 ", +0x%x) is not in shared memory",
			       head->addr, head->len);
	return walk_chain(&w, 0, e, mem, err, n);
}

int virtqueue_pop(struct virtqueue *vq, const struct qt_guest_mem *mem, bool indirect,
		  struct virtq_elem *e, char *err, size_t n)
{
	const uint8_t *avail;
	const struct virtq_desc *table;
	struct chain_walk w = { 0 };
	struct virtq_desc head_desc;
	uint16_t avail_idx, pending, head;
	int rc;

	avail = qt_guest_mem_ptr(mem, vq->avail_gpa, driver_area_size(vq->num));
	table = qt_guest_mem_ptr(mem, vq->desc_gpa, desc_area_size(vq->num));
	if (!avail || !table)
		return vq_fail(err, n, "%s is no longer in shared memory",
			       avail ? "descriptor table" : "driver ring");
	avail_idx = load16(avail + 2);
	pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (pending == 0)
		return 0;
	if (pending > vq->num)
		return vq_fail(err, n, "driver ring idx moved from %u to %u, more than queue size %u",
			       vq->last_avail_idx, avail_idx, vq->num);
	/* Read the ring entry only after the index that published it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(avail + 4 + 2u * (vq->last_avail_idx % vq->num));
	if (head >= vq->num)
		return vq_fail(err, n, "driver ring entry %u: head %u is out of range (size %u)",
			       vq->last_avail_idx % vq->num, head, vq->num);

	e->head = head;
	e->n_out = e->n_in = 0;
	e->out_bytes = e->in_bytes = 0;
	memcpy(&head_desc, &table[head], sizeof(head_desc));
	if (head_desc.flags & VIRTQ_DESC_F_INDIRECT) {
		rc = walk_indirect(&head_desc, vq->num, indirect, e, mem, err, n);
	} else {
		w.table = table;
		w.entries = vq->num;
		rc = walk_chain(&w, head, e, mem, err, n);
	}
	if (rc)
		return rc;
	vq->last_avail_idx++;
	return 1;
}

int virtqueue_push(struct virtqueue *vq, const struct qt_guest_mem *mem, uint16_t head,
		   uint32_t len, char *err, size_t n)
{
	struct virtq_used_elem elem = { .id = head, .len = len };
	uint8_t *used = qt_guest_mem_ptr(mem, vq->used_gpa, device_area_size(vq->num));
	uint16_t idx;

	if (!used)
		return vq_fail(err, n, "device ring is no longer in shared memory");
	memcpy(used + 4 + sizeof(elem) * (vq->used_idx % vq->num), &elem, sizeof(elem));
	/* §2.6.8.2: the element is visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	idx = ++vq->used_idx;
	memcpy(used + 2, &idx, sizeof(idx));
	return 0;
}

bool virtqueue_should_interrupt(const struct virtqueue *vq, const struct qt_guest_mem *mem)
{
	const uint8_t *avail = qt_guest_mem_ptr(mem, vq->avail_gpa, driver_area_size(vq->num));

	/* Make the used index visible before deciding on the interrupt. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return avail && !(load16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

long virtq_elem_read(const struct virtq_elem *e, const struct qt_guest_mem *mem,
		     uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < e->n_out && done < len; i++) {
		const struct virtq_seg *s = &e->seg[i];
		uint64_t chunk;
		const uint8_t *p;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		chunk = s->len - off;
		if (chunk > len - done)
			chunk = len - done;
		p = qt_guest_mem_ptr(mem, s->gpa + off, chunk);
		if (!p)
			return -EIO;
		memcpy((uint8_t *)buf + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return (long)done;
}

long virtq_elem_write(const struct virtq_elem *e, const struct qt_guest_mem *mem,
		      const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = e->n_out; i < e->n_out + e->n_in && done < len; i++) {
		const struct virtq_seg *s = &e->seg[i];
		uint64_t chunk = s->len;
		uint8_t *p;

		if (chunk > len - done)
			chunk = len - done;
		if (!chunk)
			continue;
		p = qt_guest_mem_ptr(mem, s->gpa, chunk);
		if (!p)
			return -EIO;
		memcpy(p, (const uint8_t *)buf + done, chunk);
		done += chunk;
	}
	return (long)done;
}

/*
 * A virtio-console round trip over virtio-mmio version 2 (VIRTIO 1.1
 * 4.2.2, 2.6 split virtqueues, 5.3 console): the device at
 * VIRTIO_CONSOLE_MMIO_BASE, queue 0 = receiveq, queue 1 = transmitq.
 * Rings and buffers live in one page-aligned block converted to shared
 * memory (MapGPA) and reached through the shared alias; descriptors carry
 * shared GPAs.  The VMM's console loops transmitted bytes back to the
 * receiveq.  Everything read back from the device is checked: the
 * transport registers, the used ring indices, ids and lengths, and the
 * bytes.  The block is converted back to private (and accepted) after.
 */
#include <string.h>

#include "plib.h"
#include "virtio_console.h"

#define MMIO_MAGIC		0x000
#define MMIO_VERSION		0x004
#define MMIO_DEVICE_ID		0x008
#define MMIO_DEVICE_FEATURES	0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES	0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL		0x030
#define MMIO_QUEUE_NUM_MAX	0x034
#define MMIO_QUEUE_NUM		0x038
#define MMIO_QUEUE_READY	0x044
#define MMIO_QUEUE_NOTIFY	0x050
#define MMIO_STATUS		0x070
#define MMIO_QUEUE_DESC_LOW	0x080
#define MMIO_QUEUE_DESC_HIGH	0x084
#define MMIO_QUEUE_DRIVER_LOW	0x090
#define MMIO_QUEUE_DRIVER_HIGH	0x094
#define MMIO_QUEUE_DEVICE_LOW	0x0a0
#define MMIO_QUEUE_DEVICE_HIGH	0x0a4

#define STATUS_ACKNOWLEDGE	1
#define STATUS_DRIVER		2
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8

#define F_VERSION_1		32
#define F_ACCESS_PLATFORM	33

#define VIRTQ_DESC_F_WRITE	2
#define QSIZE			8
#define BUF_SIZE		256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[QSIZE];
	uint16_t used_event;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[QSIZE];
	uint16_t avail_event;
};

/* One 4 KiB page per queue: descriptors, avail, used; then the buffers. */
struct queue_page {
	struct virtq_desc desc[QSIZE];			/* 128 bytes, 16-aligned */
	struct virtq_avail avail __attribute__((aligned(64)));
	struct virtq_used used __attribute__((aligned(64)));
} __attribute__((aligned(4096)));

struct vc_block {
	struct queue_page q[2];
	uint8_t rx[BUF_SIZE] __attribute__((aligned(64)));
	uint8_t tx[BUF_SIZE] __attribute__((aligned(64)));
} __attribute__((aligned(4096)));

#define BLOCK_SIZE	((sizeof(struct vc_block) + 4095) & ~4095ul)

static struct vc_block block_private;

static volatile uint8_t *regs;

static uint32_t rd(unsigned int off)
{
	return mmio_read32(regs + off);
}

static void wr(unsigned int off, uint32_t v)
{
	mmio_write32(regs + off, v);
}

static uint64_t gpa_of(const void *private_va)
{
	return (uint64_t)(uintptr_t)private_va | plib_shared_mask;
}

static void setup_queue(unsigned int q, struct queue_page *shared, struct queue_page *priv)
{
	uint32_t max;

	wr(MMIO_QUEUE_SEL, q);
	if (rd(MMIO_QUEUE_READY))
		pfail("virtio: queue %u ready before setup", q);
	max = rd(MMIO_QUEUE_NUM_MAX);
	if (max < QSIZE)
		pfail("virtio: queue %u: QueueNumMax %u below %u", q, max, QSIZE);
	memset(shared, 0, sizeof(*shared));
	wr(MMIO_QUEUE_NUM, QSIZE);
	wr(MMIO_QUEUE_DESC_LOW, (uint32_t)gpa_of(priv->desc));
	wr(MMIO_QUEUE_DESC_HIGH, (uint32_t)(gpa_of(priv->desc) >> 32));
	wr(MMIO_QUEUE_DRIVER_LOW, (uint32_t)gpa_of(&priv->avail));
	wr(MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(gpa_of(&priv->avail) >> 32));
	wr(MMIO_QUEUE_DEVICE_LOW, (uint32_t)gpa_of(&priv->used));
	wr(MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(gpa_of(&priv->used) >> 32));
	wr(MMIO_QUEUE_READY, 1);
	if (rd(MMIO_QUEUE_READY) != 1)
		pfail("virtio: queue %u did not become ready", q);
}

/* Waits for used.idx to reach want; returns the element, checked against the chain. */
static struct virtq_used_elem wait_used(volatile struct virtq_used *used, uint16_t want,
					const char *what)
{
	struct virtq_used_elem e;
	uint16_t idx = 0;

	for (unsigned long spins = 0;; spins++) {
		idx = __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE);
		if (idx == want)
			break;
		if ((uint16_t)(idx - (uint16_t)(want - 1)) > 1)
			pfail("virtio: %s used.idx jumped to %u (expected %u)", what, idx, want);
		if (spins > 200000000ul)
			pfail("virtio: %s: no used buffer (used.idx %u)", what, idx);
		__asm__ volatile("pause");
	}
	e.id = used->ring[(uint16_t)(want - 1) % QSIZE].id;
	e.len = used->ring[(uint16_t)(want - 1) % QSIZE].len;
	if (e.id != 0)
		pfail("virtio: %s used element id %u, only descriptor 0 was posted", what, e.id);
	return e;
}

void virtio_console_round_trip(const char *msg)
{
	size_t len = strlen(msg);
	uint64_t block_gpa = (uint64_t)(uintptr_t)&block_private;
	struct vc_block *b = pshared(block_gpa);
	uint32_t feat_lo, feat_hi, status;
	struct virtq_used_elem e;

	if (len == 0 || len > BUF_SIZE)
		pfail("virtio: message of %zu bytes", len);
	regs = plib_is_td ? pshared(VIRTIO_CONSOLE_MMIO_BASE)
			  : (volatile uint8_t *)(uintptr_t)VIRTIO_CONSOLE_MMIO_BASE;
	if (rd(MMIO_MAGIC) != 0x74726976)
		pfail("virtio: no virtio-mmio device at 0x%x (magic 0x%x)",
		      VIRTIO_CONSOLE_MMIO_BASE, rd(MMIO_MAGIC));
	if (rd(MMIO_VERSION) != 2)
		pfail("virtio: virtio-mmio version %u, expected 2", rd(MMIO_VERSION));
	if (rd(MMIO_DEVICE_ID) != 3)
		pfail("virtio: device id %u, expected 3 (console)", rd(MMIO_DEVICE_ID));

	pconvert_shared(block_gpa, BLOCK_SIZE);

	wr(MMIO_STATUS, 0);
	if (rd(MMIO_STATUS) != 0)
		pfail("virtio: device did not reset");
	wr(MMIO_STATUS, STATUS_ACKNOWLEDGE);
	wr(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	wr(MMIO_DEVICE_FEATURES_SEL, 0);
	feat_lo = rd(MMIO_DEVICE_FEATURES);
	wr(MMIO_DEVICE_FEATURES_SEL, 1);
	feat_hi = rd(MMIO_DEVICE_FEATURES);
	if (!(feat_hi & (1u << (F_VERSION_1 - 32))))
		pfail("virtio: device does not offer VIRTIO_F_VERSION_1 (0x%x%08x)",
		      feat_hi, feat_lo);
	wr(MMIO_DRIVER_FEATURES_SEL, 0);
	wr(MMIO_DRIVER_FEATURES, 0);
	wr(MMIO_DRIVER_FEATURES_SEL, 1);
	wr(MMIO_DRIVER_FEATURES, feat_hi & ((1u << (F_VERSION_1 - 32)) |
					    (1u << (F_ACCESS_PLATFORM - 32))));
	wr(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	status = rd(MMIO_STATUS);
	if (!(status & STATUS_FEATURES_OK))
		pfail("virtio: device refused FEATURES_OK (status 0x%x)", status);

	setup_queue(0, &b->q[0], &block_private.q[0]);
	setup_queue(1, &b->q[1], &block_private.q[1]);
	wr(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
			STATUS_DRIVER_OK);

	/* A receive buffer first, then the message on the transmitq. */
	memset(b->rx, 0, BUF_SIZE);
	b->q[0].desc[0] = (struct virtq_desc){ gpa_of(block_private.rx), BUF_SIZE,
					       VIRTQ_DESC_F_WRITE, 0 };
	b->q[0].avail.ring[0] = 0;
	__atomic_store_n(&b->q[0].avail.idx, 1, __ATOMIC_RELEASE);
	wr(MMIO_QUEUE_NOTIFY, 0);

	memcpy(b->tx, msg, len);
	b->q[1].desc[0] = (struct virtq_desc){ gpa_of(block_private.tx), (uint32_t)len, 0, 0 };
	b->q[1].avail.ring[0] = 0;
	__atomic_store_n(&b->q[1].avail.idx, 1, __ATOMIC_RELEASE);
	wr(MMIO_QUEUE_NOTIFY, 1);

	e = wait_used(&b->q[1].used, 1, "transmitq");
	if (e.len > len)
		pfail("virtio: transmitq used length %u above the %zu bytes sent", e.len, len);
	e = wait_used(&b->q[0].used, 1, "receiveq");
	if (e.len != len)
		pfail("virtio: receiveq returned %u bytes, sent %zu", e.len, len);
	if (memcmp(b->rx, msg, len))
		pfail("virtio: received bytes differ from those sent");
	if (rd(MMIO_STATUS) & 0x40)
		pfail("virtio: device set DEVICE_NEEDS_RESET");
	pprintf("payload: virtio-console round trip of %zu bytes through shared memory OK\n", len);

	wr(MMIO_STATUS, 0);
	pconvert_private(block_gpa, BLOCK_SIZE);
}

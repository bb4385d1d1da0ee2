/* The payload's virtio-console round trip (virtio_console.c). */
#ifndef TDVF_PAYLOAD_VIRTIO_CONSOLE_H
#define TDVF_PAYLOAD_VIRTIO_CONSOLE_H

/* Where qemu-tdx puts the virtio-mmio console (window 0x200 bytes). */
#define VIRTIO_CONSOLE_MMIO_BASE	0xFEB00000u

/* Sends msg on the transmitq and expects it back on the receiveq; pfail()s otherwise. */
void virtio_console_round_trip(const char *msg);

#endif /* TDVF_PAYLOAD_VIRTIO_CONSOLE_H */

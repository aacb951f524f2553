/*
 * The virtio console device (virtio 1.2 §5.3) as the guest sees it, without the VM: one
 * port, no feature bits (no MULTIPORT, SIZE or EMERG_WRITE), no config space, two queues:
 * receiveq (0), which the device fills, and transmitq (1), which it empties.  Pure logic
 * on the transport (virtio_mmio.h), so the host unit tests run it as is; where bytes come
 * from and go to is the caller's business (device/virtio/virtio_console.c pairs two ports
 * of different VMs).
 *
 * Receiving.  Bytes for the driver go through the pending ring: they are put there, then
 * moved into the receive buffers the driver made available, as many as fit.  What finds
 * no buffer (the driver has not made any yet, or is not live) waits in the ring and is
 * moved when the driver notifies the receiveq (it added buffers, or set DRIVER_OK, where
 * the transport notifies every ready queue).  When the ring is full the oldest bytes are
 * dropped (byte_ring.h) and counted in rx_dropped.  A reset of the device (the driver's,
 * or the hypervisor's when the VM stops) empties the ring, counting its bytes as dropped:
 * a (re)started guest never receives what was sent to its previous run.
 *
 * Transmitting.  The caller takes the transmitq's chains one at a time: the readable bytes
 * of a chain (as many as the caller's buffer holds; the rest is counted in tx_cut) are
 * copied out and the chain returned at once, so a driver that waits for its buffer (Linux's
 * hvc console spins until the device used it) never waits for the receiver.
 *
 * A malformed ring puts the device in NEEDS_RESET (virtio_dev_fail) and ends the call.
 * Not thread-safe: every call runs under the device's lock, like the transport's.
 */
#ifndef DEVICE_VIRTIO_CONSOLE_PORT_H
#define DEVICE_VIRTIO_CONSOLE_PORT_H

#include <device/virtio/byte_ring.h>
#include <device/virtio/virtio_mmio.h>
#include <kernel/types.h>

#define CONSOLE_RX_QUEUE   0
#define CONSOLE_TX_QUEUE   1
#define CONSOLE_NR_QUEUES  2
#define CONSOLE_QUEUE_SIZE 64 /* QueueNumMax of both queues */
/* Buffers per chain the device takes: a chain as long as the queue. */
#define CONSOLE_MAX_SEGS CONSOLE_QUEUE_SIZE
/* Chains the device serves per call (receive: console_port_rx_notify(); transmit: the
 * caller's console_port_transmit() loop) at most, so that a guest adding buffers from
 * another hart cannot keep the device busy; what is left waits for the next call. */
#define CONSOLE_BURST (2 * CONSOLE_QUEUE_SIZE)
/* The transmit buffer callers use: Linux's hvc console sends at most a page per chain. */
#define CONSOLE_TX_CHUNK 4096
/* console_port_transmit(): the transmitq holds no chain (or is not usable). */
#define CONSOLE_TX_NONE (-1)

struct console_port {
    struct virtio_queue queues[CONSOLE_NR_QUEUES];
    struct byte_ring pending; /* received bytes that found no receive buffer yet */
    struct vq_seg segs[CONSOLE_MAX_SEGS];
    u64 rx_bytes;   /* bytes written into receive buffers */
    u64 rx_dropped; /* bytes dropped: ring full, or pending at a reset */
    u64 tx_bytes;   /* bytes taken from transmit chains */
    u64 tx_cut;     /* bytes of transmit chains beyond the caller's buffer, dropped */
};

/*
 * Describes dev as a console with port's queues (device id, features, config space,
 * queues) and sets up the pending ring over pending[0..pending_size) (a power of two).
 * The caller then sets dev's name, ops, mem and raise_irq and calls virtio_dev_init().
 * Its ops call the functions below: notify of the receiveq -> console_port_rx_notify(),
 * notify of the transmitq -> console_port_transmit() (now or later), reset ->
 * console_port_reset().  False when pending_size is not usable.
 */
bool console_port_describe(struct console_port *port, struct virtio_dev *dev, u8 *pending,
                           u32 pending_size);

/* Bytes for the driver: queued and moved into receive buffers as described above. */
void console_port_receive(struct virtio_dev *dev, struct console_port *port, const u8 *buf,
                          u32 len);

/* The driver notified the receiveq: move pending bytes into the buffers it added. */
void console_port_rx_notify(struct virtio_dev *dev, struct console_port *port);

/* Takes the next transmit chain and returns it to the driver: copies its first cap readable
 * bytes into buf and returns their number (0 for a chain without readable bytes), or
 * CONSOLE_TX_NONE when there is no chain.  After CONSOLE_TX_NONE the driver notifies the
 * transmitq again for its next chain. */
int console_port_transmit(struct virtio_dev *dev, struct console_port *port, u8 *buf, u32 cap);

/* The device was reset: drop the pending bytes (counted in rx_dropped). */
void console_port_reset(struct console_port *port);

#endif

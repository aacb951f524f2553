/* The virtio console device without the VM (see console_port.h). */
#include <device/virtio/console_port.h>
#include <device/virtio/virtio_spec.h>

bool console_port_describe(struct console_port *port, struct virtio_dev *dev, u8 *pending,
                           u32 pending_size)
{
    for (u32 q = 0; q < CONSOLE_NR_QUEUES; q++)
        port->queues[q] = (struct virtio_queue){.num_max = CONSOLE_QUEUE_SIZE};
    port->rx_bytes = port->rx_dropped = port->tx_bytes = port->tx_cut = 0;
    dev->device_id = VIRTIO_ID_CONSOLE;
    dev->features = 0;
    dev->config_size = 0;
    dev->nr_queues = CONSOLE_NR_QUEUES;
    dev->queues = port->queues;
    return byte_ring_init(&port->pending, pending, pending_size);
}

static struct vq_chain empty_chain(struct console_port *port)
{
    return (struct vq_chain){.segs = port->segs, .max_segs = CONSOLE_MAX_SEGS};
}

/* Fills one receive chain from the pending ring; returns the bytes written. */
static u32 fill_chain(struct console_port *port, const struct vq_chain *chain)
{
    u64 written = 0;
    const u8 *data;
    u32 len;

    while (written < chain->writable_len && (len = byte_ring_peek(&port->pending, &data))) {
        u64 n = vq_chain_write(chain, written, data, MIN(len, chain->writable_len - written));
        byte_ring_consume(&port->pending, (u32)n);
        written += n;
    }
    return (u32)written;
}

void console_port_rx_notify(struct virtio_dev *dev, struct console_port *port)
{
    struct virtqueue *vq = virtio_dev_queue(dev, CONSOLE_RX_QUEUE);
    u32 pushed = 0;

    if (!vq)
        return;
    while (byte_ring_len(&port->pending) && pushed < CONSOLE_BURST) {
        struct vq_chain chain = empty_chain(port);
        int got = vq_pop(vq, &chain);
        if (got < 0) {
            virtio_dev_fail(dev, CONSOLE_RX_QUEUE, vq_strerror(got));
            break;
        }
        if (!got) {
            /* Out of buffers: ask for a notification when the driver adds one, unless it
             * did meanwhile. */
            if (!vq_enable_notify(vq))
                break;
            continue;
        }
        u32 written = fill_chain(port, &chain);
        port->rx_bytes += written;
        vq_push(vq, chain.head, written);
        pushed++;
    }
    if (pushed)
        virtio_dev_notify_used(dev, CONSOLE_RX_QUEUE);
}

void console_port_receive(struct virtio_dev *dev, struct console_port *port, const u8 *buf, u32 len)
{
    port->rx_dropped += byte_ring_put(&port->pending, buf, len);
    console_port_rx_notify(dev, port);
}

int console_port_transmit(struct virtio_dev *dev, struct console_port *port, u8 *buf, u32 cap)
{
    struct virtqueue *vq = virtio_dev_queue(dev, CONSOLE_TX_QUEUE);

    if (!vq)
        return CONSOLE_TX_NONE;
    for (;;) {
        struct vq_chain chain = empty_chain(port);
        int got = vq_pop(vq, &chain);
        if (got < 0) {
            virtio_dev_fail(dev, CONSOLE_TX_QUEUE, vq_strerror(got));
            return CONSOLE_TX_NONE;
        }
        if (!got) {
            if (!vq_enable_notify(vq))
                return CONSOLE_TX_NONE;
            continue;
        }
        u32 n = (u32)vq_chain_read(&chain, 0, buf, MIN(cap, chain.readable_len));
        port->tx_bytes += n;
        port->tx_cut += chain.readable_len - n;
        vq_push(vq, chain.head, 0);
        virtio_dev_notify_used(dev, CONSOLE_TX_QUEUE);
        return (int)n;
    }
}

void console_port_reset(struct console_port *port)
{
    port->rx_dropped += byte_ring_clear(&port->pending);
}

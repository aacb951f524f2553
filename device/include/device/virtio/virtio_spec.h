/*
 * Constants of the virtio 1.2 specification shared by the transport and the device types:
 * device ids (§5), device status bits (§2.1) and the reserved (transport) feature bits (§6).
 */
#ifndef DEVICE_VIRTIO_VIRTIO_SPEC_H
#define DEVICE_VIRTIO_VIRTIO_SPEC_H

#include <kernel/types.h>

/* Device ids. */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Reserved feature bits (bit numbers). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_F_RING_RESET    40

#define VIRTIO_FEATURE(bit) (1ULL << (bit))

/* Bits a device type may define: 0-23 and 50-63 (24-49 belong to the transport and rings). */
#define VIRTIO_TRANSPORT_FEATURE_FIRST 24
#define VIRTIO_TRANSPORT_FEATURE_END   50 /* the first device bit after them */
#define VIRTIO_DEVICE_FEATURE_MASK                                                                 \
    ((VIRTIO_FEATURE(VIRTIO_TRANSPORT_FEATURE_FIRST) - 1) |                                        \
     ~(VIRTIO_FEATURE(VIRTIO_TRANSPORT_FEATURE_END) - 1))

/* The highest queue size of a split virtqueue. */
#define VIRTIO_QUEUE_SIZE_MAX 32768

#endif

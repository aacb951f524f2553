/*
 * virtio-blk requests (virtio 1.2 §5.2): the constants of the spec and the parsing of one
 * request chain, shared by the block device types.  Pure code over a popped struct vq_chain,
 * so the host unit tests run it as is.
 *
 * A request is a 16-byte header the device reads (type, reserved, sector), the data (read
 * by the device for OUT, written for IN and GET_ID) and one status byte the device writes:
 * the last device-writable byte of the chain.  How the driver splits this into
 * descriptors does not matter.  Everything in it is the guest's and hostile: the header is
 * copied once, lengths and sectors are checked against the device's limits and capacity.
 */
#ifndef DEVICE_VIRTIO_VIRTIO_BLK_H
#define DEVICE_VIRTIO_VIRTIO_BLK_H

#include <device/virtio/virtqueue.h>
#include <kernel/types.h>

/* Feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Request types. */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

/* Status byte. */
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_HDR_SIZE    16
#define VIRTIO_BLK_ID_BYTES    20 /* GET_ID: the serial, NUL-padded, not terminated when full */

/* The configuration space, as far as the features above use it (little-endian). */
struct virtio_blk_config {
    u64 capacity; /* 512-byte sectors */
    u32 size_max; /* bytes of one segment */
    u32 seg_max;  /* data segments of one request */
    u16 cylinders;
    u8 heads;
    u8 sectors;
    u32 blk_size;
    u8 physical_block_exp;
    u8 alignment_offset;
    u16 min_io_size;
    u32 opt_io_size;
    u8 writeback;
    u8 unused0;
    u16 num_queues;
};
/* Bytes of it the device offers (the struct is padded to 8). */
#define VIRTIO_BLK_CONFIG_SIZE (offsetof(struct virtio_blk_config, num_queues) + sizeof(u16))
_Static_assert(VIRTIO_BLK_CONFIG_SIZE == 36, "virtio_blk_config layout (5.2.4)");

/* What the device allows; the driver is told through size_max and seg_max. */
struct blk_limits {
    u64 capacity; /* sectors */
    u64 max_data; /* bytes of data of one READ or WRITE */
};

/* How a chain parsed. */
enum blk_parse {
    BLK_PARSE_OK,        /* a request to serve: req is filled */
    BLK_PARSE_IOERR,     /* answer VIRTIO_BLK_S_IOERR now (req.status is set) */
    BLK_PARSE_UNSUPP,    /* answer VIRTIO_BLK_S_UNSUPP now (req.status is set) */
    BLK_PARSE_NO_STATUS, /* no writable byte for the status: return the chain with 0 bytes */
};

struct blk_req {
    u32 type;     /* VIRTIO_BLK_T_* */
    u64 sector;   /* IN, OUT */
    u64 data_len; /* IN, OUT: bytes of data; GET_ID: bytes the driver gave for the id */
    u8 *status;   /* the status byte in guest memory, NULL without one */
};

/*
 * Parses the popped chain.  IN and OUT must carry a non-zero multiple of 512 bytes, at
 * most lim->max_data, inside the capacity; IN's data is every writable byte but the
 * status, OUT's every readable byte after the header (and OUT/FLUSH take no writable data).
 * FLUSH and GET_ID are accepted with any sector; unknown types are UNSUPP.  A chain with
 * a header shorter than 16 bytes is IOERR.
 */
enum blk_parse blk_req_parse(const struct vq_chain *chain, const struct blk_limits *lim,
                             struct blk_req *req);

#endif

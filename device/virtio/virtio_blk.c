/* Parsing of virtio-blk request chains (see virtio_blk.h). */
#include <device/virtio/virtio_blk.h>

struct blk_header {
    u32 type;
    u32 reserved;
    u64 sector;
};
_Static_assert(sizeof(struct blk_header) == VIRTIO_BLK_HDR_SIZE, "virtio_blk_req header");

/* The last device-writable byte of the chain, or NULL when it has none. */
static u8 *status_byte(const struct vq_chain *chain)
{
    const struct vq_seg *last;

    if (!chain->nr_writable)
        return NULL;
    last = &chain->segs[chain->nr_readable + chain->nr_writable - 1];
    return last->base + last->len - 1; /* vq_pop() skips empty buffers */
}

static bool data_len_ok(u64 len, const struct blk_limits *lim)
{
    return len && len % VIRTIO_BLK_SECTOR_SIZE == 0 && len <= lim->max_data;
}

static bool inside_disk(u64 sector, u64 len, const struct blk_limits *lim)
{
    u64 count = len / VIRTIO_BLK_SECTOR_SIZE;

    return sector <= lim->capacity && count <= lim->capacity - sector;
}

/* IN and OUT: the data and where it goes. */
static enum blk_parse parse_rw(const struct vq_chain *chain, const struct blk_limits *lim,
                               struct blk_req *req)
{
    bool in = req->type == VIRTIO_BLK_T_IN;
    u64 extra = in ? chain->readable_len - VIRTIO_BLK_HDR_SIZE : chain->writable_len - 1;

    req->data_len = in ? chain->writable_len - 1 : chain->readable_len - VIRTIO_BLK_HDR_SIZE;
    if (extra || !data_len_ok(req->data_len, lim) || !inside_disk(req->sector, req->data_len, lim))
        return BLK_PARSE_IOERR;
    return BLK_PARSE_OK;
}

enum blk_parse blk_req_parse(const struct vq_chain *chain, const struct blk_limits *lim,
                             struct blk_req *req)
{
    struct blk_header hdr;

    *req = (struct blk_req){.status = status_byte(chain)};
    if (!req->status)
        return BLK_PARSE_NO_STATUS;
    if (vq_chain_read(chain, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
        return BLK_PARSE_IOERR;
    req->type = hdr.type;
    req->sector = hdr.sector;
    switch (hdr.type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        return parse_rw(chain, lim, req);
    case VIRTIO_BLK_T_FLUSH:
        return chain->readable_len == VIRTIO_BLK_HDR_SIZE && chain->writable_len == 1
                   ? BLK_PARSE_OK
                   : BLK_PARSE_IOERR;
    case VIRTIO_BLK_T_GET_ID:
        req->data_len = chain->writable_len - 1;
        return chain->readable_len == VIRTIO_BLK_HDR_SIZE ? BLK_PARSE_OK : BLK_PARSE_IOERR;
    default:
        return BLK_PARSE_UNSUPP;
    }
}

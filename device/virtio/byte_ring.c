/* A bounded byte FIFO that drops the oldest bytes (see byte_ring.h). */
#include <device/virtio/byte_ring.h>
#include <string.h>

bool byte_ring_init(struct byte_ring *r, u8 *buf, u32 size)
{
    bool valid = buf && size && size <= BYTE_RING_SIZE_MAX && !(size & (size - 1));

    *r = (struct byte_ring){.buf = valid ? buf : NULL, .size = valid ? size : 0};
    return valid;
}

/* Copies src into the storage starting at free-running index `at`, wrapping at the end. */
static void copy_in(struct byte_ring *r, u32 at, const u8 *src, u32 len)
{
    u32 off = at & (r->size - 1);
    u32 first = MIN(len, r->size - off);

    memcpy(r->buf + off, src, first);
    memcpy(r->buf, src + first, len - first);
}

u64 byte_ring_put(struct byte_ring *r, const u8 *src, u64 len)
{
    u64 dropped = 0;

    if (!r->size)
        return len;
    if (len > r->size) { /* only the last `size` bytes can be kept */
        dropped = len - r->size + byte_ring_len(r);
        src += len - r->size;
        len = r->size;
        r->tail = r->head;
    } else if (len > r->size - byte_ring_len(r)) {
        u32 excess = (u32)len - (r->size - byte_ring_len(r));
        r->tail += excess;
        dropped = excess;
    }
    copy_in(r, r->head, src, (u32)len);
    r->head += (u32)len;
    return dropped;
}

u32 byte_ring_peek(const struct byte_ring *r, const u8 **data)
{
    u32 len = byte_ring_len(r);

    if (!len) {
        *data = NULL;
        return 0;
    }
    u32 off = r->tail & (r->size - 1);
    *data = r->buf + off;
    return MIN(len, r->size - off);
}

void byte_ring_consume(struct byte_ring *r, u32 n)
{
    r->tail += MIN(n, byte_ring_len(r));
}

u32 byte_ring_clear(struct byte_ring *r)
{
    u32 dropped = byte_ring_len(r);

    r->tail = r->head;
    return dropped;
}

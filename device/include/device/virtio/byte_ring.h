/*
 * A bounded byte FIFO over storage the owner supplies, for bytes that wait for a reader
 * (a console's receive buffers).  When new bytes do not fit, the oldest ones are dropped:
 * the ring always keeps the most recent `size` bytes, which for a console is the end of
 * its output (the latest lines and the prompt).
 *
 * Not thread-safe: the owner's lock serialises every call.
 */
#ifndef DEVICE_VIRTIO_BYTE_RING_H
#define DEVICE_VIRTIO_BYTE_RING_H

#include <kernel/types.h>

/* The largest storage a ring takes (the free-running 32-bit indices need size <= 2^31). */
#define BYTE_RING_SIZE_MAX (1U << 31)

struct byte_ring {
    u8 *buf;
    u32 size; /* a power of two, at most BYTE_RING_SIZE_MAX */
    u32 head; /* free-running: bytes ever put */
    u32 tail; /* free-running: bytes ever taken or dropped */
};

/* An empty ring over buf[0..size); size must be a power of two in 1..BYTE_RING_SIZE_MAX
 * (false otherwise, and the ring is left unusable with size 0). */
bool byte_ring_init(struct byte_ring *r, u8 *buf, u32 size);

/* Bytes waiting in the ring. */
static inline u32 byte_ring_len(const struct byte_ring *r)
{
    return r->head - r->tail;
}

/* Appends src[0..len); makes room by dropping the oldest bytes (and, when len is larger
 * than the ring, the first bytes of src).  Returns the number of bytes dropped. */
u64 byte_ring_put(struct byte_ring *r, const u8 *src, u64 len);

/* The oldest waiting bytes that are contiguous in the storage: sets *data and returns
 * their count (0 when the ring is empty).  Take them with byte_ring_consume(). */
u32 byte_ring_peek(const struct byte_ring *r, const u8 **data);

/* Removes the n oldest bytes (n at most byte_ring_len()). */
void byte_ring_consume(struct byte_ring *r, u32 n);

/* Empties the ring; returns the number of bytes dropped. */
u32 byte_ring_clear(struct byte_ring *r);

#endif

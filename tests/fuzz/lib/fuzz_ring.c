/* Guest RAM and a hostile virtio driver for the fuzz targets (see fuzz_ring.h). */
#include "fuzz_ring.h"

#include <device/virtio/virtqueue.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define DESC_FLAGS  (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT)
#define DESC_SLOTS  256 /* descriptors the driver writes: 0..255 of a table */
#define NEAR_NEXT   16  /* most next fields and heads name one of the first entries */
#define RING_HEADER 4   /* flags, idx */
#define ODD_ONE_IN  8   /* one choice in eight is a wild one */

u8 *fuzz_ram;

void fuzz_ram_reset(void)
{
    if (!fuzz_ram)
        fuzz_ram = malloc(FUZZ_RAM_SIZE);
    memset(fuzz_ram, 0, FUZZ_RAM_SIZE);
}

void *fuzz_ram_map(void *ctx, u64 gpa, u64 len)
{
    (void)ctx;
    FUZZ_CHECK(len > 0 && gpa + (len - 1) >= gpa);
    return range_within(gpa, len, FUZZ_RAM_BASE, FUZZ_RAM_SIZE) ? fuzz_ram + (gpa - FUZZ_RAM_BASE)
                                                                : NULL;
}

bool fuzz_ram_holds(const void *p, u64 len)
{
    const u8 *b = p;

    return b >= fuzz_ram && len <= FUZZ_RAM_SIZE && (u64)(b - fuzz_ram) <= FUZZ_RAM_SIZE - len;
}

u64 fuzz_ring_addr(struct fuzz_input *in, u64 dflt_off)
{
    switch (fuzz_below(in, 4)) {
    case 0:
        return FUZZ_RAM_BASE + dflt_off;
    case 1:
        return FUZZ_RAM_BASE + fuzz_u16(in);
    case 2:
        return FUZZ_RAM_BASE + FUZZ_RAM_SIZE - fuzz_u8(in);
    default:
        return fuzz_u64(in);
    }
}

static u32 ring_len(struct fuzz_input *in)
{
    switch (fuzz_below(in, 3)) {
    case 0:
        return fuzz_u8(in);
    case 1:
        return fuzz_u16(in);
    default:
        return fuzz_u32(in);
    }
}

static u16 ring_index(struct fuzz_input *in)
{
    return fuzz_below(in, ODD_ONE_IN) ? (u16)fuzz_below(in, NEAR_NEXT) : fuzz_u16(in);
}

void fuzz_ring_write_desc(struct fuzz_input *in)
{
    bool indirect = fuzz_below(in, 4) == 0;
    u32 index = fuzz_below(in, DESC_SLOTS);
    u64 table = indirect ? FUZZ_INDIRECT_OFF : FUZZ_DESC_OFF;
    struct vring_desc d;

    /* Field by field: the input is read in this order. */
    d.addr = fuzz_ring_addr(in, FUZZ_BUF_OFF + FUZZ_BUF_STRIDE * (index % FUZZ_BUFS));
    d.len = ring_len(in);
    d.flags = fuzz_u8(in);
    d.flags &= fuzz_below(in, ODD_ONE_IN) ? DESC_FLAGS : 0xffff; /* mostly defined flags */
    d.next = ring_index(in);
    if (table + (u64)(index + 1) * sizeof(d) <= FUZZ_RAM_SIZE)
        memcpy(fuzz_ram + table + (u64)index * sizeof(d), &d, sizeof(d));
}

void fuzz_ring_offer(struct fuzz_input *in, u32 size, u16 *driver_idx)
{
    u16 head = ring_index(in);
    u64 slot = *driver_idx % (size ? size : 1);
    u64 at = FUZZ_AVAIL_OFF + RING_HEADER + sizeof(head) * slot;

    if (at + sizeof(head) <= FUZZ_RAM_SIZE)
        memcpy(fuzz_ram + at, &head, sizeof(head));
    *driver_idx += fuzz_below(in, ODD_ONE_IN) ? 1 : fuzz_u16(in);
    memcpy(fuzz_ram + FUZZ_AVAIL_OFF + sizeof(u16), driver_idx, sizeof(*driver_idx));
}

void fuzz_ring_scribble(struct fuzz_input *in)
{
    u64 off = fuzz_u16(in) % FUZZ_RAM_SIZE;
    u64 n = fuzz_u8(in);

    fuzz_bytes(in, fuzz_ram + off, MIN(n, FUZZ_RAM_SIZE - off));
}

/*
 * Guest RAM for the virtio targets, and what a hostile driver does to it.
 *
 * The RAM is FUZZ_RAM_SIZE bytes at guest-physical FUZZ_RAM_BASE, allocated to its exact
 * size so that the sanitizers catch an access past it.  The driver's rings sit at the
 * standard offsets below unless the input moves them; descriptors point into the buffer
 * area, near the end of RAM or anywhere, as the input says.
 */
#ifndef FUZZ_RING_H
#define FUZZ_RING_H

#include <kernel/types.h>

#include "fuzz_input.h"

#define FUZZ_RAM_BASE     0x80000000ULL
#define FUZZ_RAM_SIZE     0x10000ULL /* 64 KiB */
#define FUZZ_DESC_OFF     0x0000     /* room for 1024 descriptors */
#define FUZZ_AVAIL_OFF    0x4000
#define FUZZ_USED_OFF     0x5000
#define FUZZ_INDIRECT_OFF 0x8000 /* indirect tables */
#define FUZZ_BUF_OFF      0x9000 /* buffers: FUZZ_BUFS of FUZZ_BUF_STRIDE bytes */
#define FUZZ_BUF_STRIDE   0x100
#define FUZZ_BUFS         16

/* The RAM's first byte; fuzz_ram_reset() zeroes it (and allocates it the first time). */
extern u8 *fuzz_ram;
void fuzz_ram_reset(void);

/* struct guest_mem's map over the RAM.  A request for an empty or wrapping range is a
 * broken invariant (the walker must never make one). */
void *fuzz_ram_map(void *ctx, u64 gpa, u64 len);
/* [p, p + len) lies inside the RAM. */
bool fuzz_ram_holds(const void *p, u64 len);

/* A guest address: RAM_BASE + dflt_off, anywhere in RAM, near its end, or anything. */
u64 fuzz_ring_addr(struct fuzz_input *in, u64 dflt_off);
/* Writes one descriptor (address, length, flags, next) into the queue's table or into the
 * indirect table. */
void fuzz_ring_write_desc(struct fuzz_input *in);
/* Puts a head into the avail ring of a queue of `size` entries at the standard place and
 * moves avail.idx (*driver_idx) on, usually by one. */
void fuzz_ring_offer(struct fuzz_input *in, u32 size, u16 *driver_idx);
/* Overwrites a few bytes of RAM anywhere. */
void fuzz_ring_scribble(struct fuzz_input *in);

#endif

/*
 * Page-frame allocator: one bitmap over a contiguous range of host-physical memory.
 * Serves the hypervisor's own tables and the VMs' RAM.  Allocations are runs of
 * contiguous pages with a requested alignment (2 MiB or 1 GiB for VM RAM, so that
 * stage 2 can use large mappings).  Pure logic: the unit tests run it on the host.
 */
#ifndef KERNEL_PAGE_ALLOC_H
#define KERNEL_PAGE_ALLOC_H

#include <kernel/spinlock.h>
#include <kernel/types.h>

struct page_pool {
    paddr_t base; /* address of page 0 */
    u64 nr_pages; /* pages covered by the bitmap */
    u64 *bitmap;  /* bit set = page in use */
    u64 nr_free;  /* pages currently free */
    u64 hint;     /* search start for single pages: every page below it is used */
    spinlock_t lock;
};

/* Bytes of bitmap storage needed for nr_pages pages. */
#define PAGE_POOL_BITMAP_BYTES(nr_pages) (ALIGN_UP((nr_pages), 64) / 8)

/* Initialises the pool with every page free. */
void page_pool_init(struct page_pool *pool, paddr_t base, u64 nr_pages, u64 *bitmap);
/* Marks [pa, pa + size) used (firmware, hypervisor image, ...); clipped to the pool. */
void page_pool_reserve(struct page_pool *pool, paddr_t pa, u64 size);
/* Allocates nr contiguous pages aligned to align bytes (a power of two >= PAGE_SIZE).
 * Returns 0 when no such run is free. */
paddr_t page_pool_alloc(struct page_pool *pool, u64 nr, u64 align);
/* Allocates exactly [pa, pa + nr pages); false if any page is used or outside the pool. */
bool page_pool_alloc_at(struct page_pool *pool, paddr_t pa, u64 nr);
/* Returns nr pages at pa; freeing a page that is not allocated is a fatal bug. */
void page_pool_free(struct page_pool *pool, paddr_t pa, u64 nr);
u64 page_pool_free_pages(struct page_pool *pool);

/* The system pool (all RAM the hypervisor does not occupy), set up at boot. */
extern struct page_pool system_pool;
/* One zeroed page or run of pages from the system pool (cleared with arch_mem_zero()); 0 on
 * exhaustion. */
paddr_t page_alloc_zeroed(u64 nr, u64 align);
void page_free(paddr_t pa, u64 nr);

#endif

/* Bitmap page-frame allocator (see page_alloc.h). */
#include <arch/hooks.h>
#include <kernel/page_alloc.h>
#include <kernel/panic.h>
#include <string.h>

struct page_pool system_pool;

#define BITS_PER_WORD 64

/* Index of the lowest set bit of x (not 0); the hypervisor is built without libgcc. */
static u64 lowest_bit(u64 x)
{
    u64 n = 0;

    for (; !(x & 1); x >>= 1)
        n++;
    return n;
}

/* The bits of word w that fall in [first, end): all of them in the words between the range's
 * first and last (a 512 MiB VM's range has 2,048 words). */
static u64 word_mask(u64 w, u64 first, u64 end)
{
    if (w * BITS_PER_WORD > first && (w + 1) * BITS_PER_WORD <= end)
        return ~0UL;
    u64 lo = MAX(first, w * BITS_PER_WORD) - w * BITS_PER_WORD;
    u64 hi = MIN(end, (w + 1) * BITS_PER_WORD) - w * BITS_PER_WORD;

    return (hi == BITS_PER_WORD ? ~0UL : (1UL << hi) - 1) & ~((1UL << lo) - 1);
}

/* Sets or clears the bits of [first, first + nr) a word at a time. */
static void mark_range(struct page_pool *pool, u64 first, u64 nr, bool used)
{
    u64 end = first + nr;

    for (u64 w = first / BITS_PER_WORD; w * BITS_PER_WORD < end; w++) {
        u64 mask = word_mask(w, first, end);
        if (used)
            pool->bitmap[w] |= mask;
        else
            pool->bitmap[w] &= ~mask;
    }
    if (used)
        pool->nr_free -= nr;
    else
        pool->nr_free += nr;
}

/* Index of the first used page in [first, first + nr), or first + nr when all are free. */
static u64 first_used(const struct page_pool *pool, u64 first, u64 nr)
{
    u64 end = first + nr;

    for (u64 w = first / BITS_PER_WORD; w * BITS_PER_WORD < end; w++) {
        u64 used = pool->bitmap[w] & word_mask(w, first, end);
        if (used)
            return w * BITS_PER_WORD + lowest_bit(used);
    }
    return end;
}

/* Index of the first free page at or after first, or end when [first, end) is all used. */
static u64 first_free(const struct page_pool *pool, u64 first, u64 end)
{
    for (u64 w = first / BITS_PER_WORD; w * BITS_PER_WORD < end; w++) {
        u64 free = ~pool->bitmap[w] & word_mask(w, first, end);
        if (free)
            return w * BITS_PER_WORD + lowest_bit(free);
    }
    return end;
}

/* Whether every page of [first, first + nr) is used. */
static bool all_used(const struct page_pool *pool, u64 first, u64 nr)
{
    u64 end = first + nr;

    for (u64 w = first / BITS_PER_WORD; w * BITS_PER_WORD < end; w++) {
        u64 mask = word_mask(w, first, end);
        if ((pool->bitmap[w] & mask) != mask)
            return false;
    }
    return true;
}

void page_pool_init(struct page_pool *pool, paddr_t base, u64 nr_pages, u64 *bitmap)
{
    pool->base = base;
    pool->nr_pages = nr_pages;
    pool->bitmap = bitmap;
    pool->nr_free = 0;
    pool->hint = 0;
    spin_lock_init(&pool->lock);
    memset(bitmap, 0, PAGE_POOL_BITMAP_BYTES(nr_pages));
    pool->nr_free = nr_pages;
}

void page_pool_reserve(struct page_pool *pool, paddr_t pa, u64 size)
{
    paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
    paddr_t end = ALIGN_UP(pa + size, PAGE_SIZE);
    paddr_t pool_end = pool->base + pool->nr_pages * PAGE_SIZE;

    if (!size)
        return;
    if (start < pool->base)
        start = pool->base;
    if (end > pool_end)
        end = pool_end;
    if (start >= end)
        return;
    spin_lock(&pool->lock);
    /* Reserved ranges may overlap each other: mark only the pages still free. */
    for (u64 i = (start - pool->base) >> PAGE_SHIFT, last = (end - pool->base) >> PAGE_SHIFT;
         i < last;) {
        u64 used = first_used(pool, i, last - i);
        mark_range(pool, i, used - i, true);
        i = first_free(pool, used, last);
    }
    spin_unlock(&pool->lock);
}

static paddr_t search(struct page_pool *pool, u64 from, u64 nr, u64 align)
{
    u64 align_pages = align >> PAGE_SHIFT;
    /* Page index i is suitably aligned when base + i*PAGE_SIZE is a multiple of align. */
    u64 skew = (pool->base >> PAGE_SHIFT) & (align_pages - 1);
    u64 i = ALIGN_UP(from + skew, align_pages) - skew;

    while (i + nr <= pool->nr_pages) {
        u64 used = first_used(pool, i, nr);
        if (used == i + nr) {
            mark_range(pool, i, nr, true);
            if (nr == 1 && align_pages == 1)
                pool->hint = i + 1;
            return pool->base + (i << PAGE_SHIFT);
        }
        i = ALIGN_UP(first_free(pool, used, pool->nr_pages) + skew, align_pages) - skew;
    }
    return 0;
}

paddr_t page_pool_alloc(struct page_pool *pool, u64 nr, u64 align)
{
    paddr_t pa = 0;

    if (nr == 0 || nr > pool->nr_pages || align < PAGE_SIZE || (align & (align - 1)))
        return 0;
    spin_lock(&pool->lock);
    if (pool->nr_free >= nr) {
        u64 from = (nr == 1 && align == PAGE_SIZE) ? pool->hint : 0;
        pa = search(pool, from, nr, align);
        if (!pa && from)
            pa = search(pool, 0, nr, align);
    }
    spin_unlock(&pool->lock);
    return pa;
}

bool page_pool_alloc_at(struct page_pool *pool, paddr_t pa, u64 nr)
{
    bool ok = false;

    if (!IS_ALIGNED(pa, PAGE_SIZE) || pa < pool->base)
        return false;
    u64 i = (pa - pool->base) >> PAGE_SHIFT;
    if (nr == 0 || i >= pool->nr_pages || nr > pool->nr_pages - i)
        return false;
    spin_lock(&pool->lock);
    if (first_used(pool, i, nr) == i + nr) {
        mark_range(pool, i, nr, true);
        ok = true;
    }
    spin_unlock(&pool->lock);
    return ok;
}

void page_pool_free(struct page_pool *pool, paddr_t pa, u64 nr)
{
    BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE) || pa < pool->base);
    u64 i = (pa - pool->base) >> PAGE_SHIFT;
    BUG_ON(i >= pool->nr_pages || nr > pool->nr_pages - i);
    spin_lock(&pool->lock);
    BUG_ON(!all_used(pool, i, nr));
    mark_range(pool, i, nr, false);
    if (i < pool->hint)
        pool->hint = i;
    spin_unlock(&pool->lock);
}

u64 page_pool_free_pages(struct page_pool *pool)
{
    return READ_ONCE(pool->nr_free);
}

paddr_t page_alloc_zeroed(u64 nr, u64 align)
{
    paddr_t pa = page_pool_alloc(&system_pool, nr, align);

    if (pa)
        arch_mem_zero((void *)pa, nr << PAGE_SHIFT);
    return pa;
}

void page_free(paddr_t pa, u64 nr)
{
    page_pool_free(&system_pool, pa, nr);
}

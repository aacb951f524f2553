// UNIT_SOURCES: kernel/mm/page_alloc.c
/* The bitmap page-frame allocator.  The "physical" memory is a host buffer: the pool's base
 * is its address.  Pools start a few pages past a 2 MiB boundary so that large alignments
 * must be computed from absolute addresses, not from page indices. */
#include <kernel/page_alloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_test.h"

#define SKEW_PAGES   3 /* pool base = 2 MiB boundary + 3 pages */
#define PAGES_PER_2M (MIB(2) >> PAGE_SHIFT)
#define PAGES_PER_1G (GIB(1) >> PAGE_SHIFT)
#define FILL_BYTE    0xa5

struct test_pool {
    struct page_pool pool;
    void *mem; /* host buffer; pool base = mem + skew pages */
    u64 *bitmap;
    paddr_t base;
    u64 nr_pages;
};

static paddr_t page_addr(const struct test_pool *tp, u64 i)
{
    return tp->base + (i << PAGE_SHIFT);
}

/* A pool of nr_pages starting skew pages past a 2 MiB-aligned host buffer.  The bitmap is
 * filled with ones first (init must clear it) and sized exactly, so ASan sees overruns. */
static void pool_setup(struct test_pool *tp, u64 nr_pages, u64 skew)
{
    u64 bytes = ALIGN_UP((nr_pages + skew) << PAGE_SHIFT, MIB(2));

    tp->mem = aligned_alloc(MIB(2), bytes);
    tp->bitmap = malloc(PAGE_POOL_BITMAP_BYTES(nr_pages));
    memset(tp->bitmap, 0xff, PAGE_POOL_BITMAP_BYTES(nr_pages));
    tp->base = (paddr_t)tp->mem + (skew << PAGE_SHIFT);
    tp->nr_pages = nr_pages;
    page_pool_init(&tp->pool, tp->base, nr_pages, tp->bitmap);
}

static void pool_teardown(struct test_pool *tp)
{
    free(tp->bitmap);
    free(tp->mem);
}

/* Allocates single pages until the pool is exhausted; returns how many it got and checks
 * they came out in ascending order with no page given twice. */
static u64 drain_single_pages(struct test_pool *tp)
{
    u64 n = 0;
    paddr_t prev = 0;

    for (paddr_t pa; (pa = page_pool_alloc(&tp->pool, 1, PAGE_SIZE)); n++) {
        EXPECT_TRUE(pa > prev);
        EXPECT_TRUE(pa >= tp->base && pa < page_addr(tp, tp->nr_pages));
        EXPECT_TRUE(IS_ALIGNED(pa, PAGE_SIZE));
        prev = pa;
    }
    return n;
}

TEST(bitmap_bytes)
{
    EXPECT_EQ(PAGE_POOL_BITMAP_BYTES(0), 0);
    EXPECT_EQ(PAGE_POOL_BITMAP_BYTES(1), 8);
    EXPECT_EQ(PAGE_POOL_BITMAP_BYTES(64), 8);
    EXPECT_EQ(PAGE_POOL_BITMAP_BYTES(65), 16);
    EXPECT_EQ(PAGE_POOL_BITMAP_BYTES(128), 16);
}

TEST(init_leaves_every_page_free)
{
    struct test_pool tp;

    pool_setup(&tp, 100, SKEW_PAGES); /* not a multiple of 64: a partial last word */
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 100);
    EXPECT_EQ(tp.pool.base, tp.base);
    EXPECT_EQ(tp.pool.nr_pages, 100);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), tp.base);
    EXPECT_EQ(drain_single_pages(&tp), 99);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    pool_teardown(&tp);
}

TEST(whole_pool_in_one_run)
{
    struct test_pool tp;

    pool_setup(&tp, 130, SKEW_PAGES);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 131, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 130, PAGE_SIZE), tp.base);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), 0);
    page_pool_free(&tp.pool, tp.base, 130);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 130);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 130, PAGE_SIZE), tp.base);
    pool_teardown(&tp);
}

TEST(invalid_requests_return_zero)
{
    struct test_pool tp;

    pool_setup(&tp, 64, SKEW_PAGES);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 0, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 65, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, ~0UL, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE / 2), 0); /* below a page */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, 3 * PAGE_SIZE), 0); /* not a power of two */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, 0), 0);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 64);
    pool_teardown(&tp);
}

TEST(reserve_marks_whole_pages_and_clips)
{
    struct test_pool tp;

    pool_setup(&tp, 64, SKEW_PAGES);
    /* A few bytes inside page 1 reserve all of page 1. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 1) + 100, 10);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 63);
    /* Bytes straddling the page 3/4 boundary reserve both pages. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 4) - 1, 2);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 61);
    /* Reserving a reserved page again does not count it twice. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 1), PAGE_SIZE);
    page_pool_reserve(&tp.pool, page_addr(&tp, 0), 5 * PAGE_SIZE); /* 0..4: 0 and 2 new */
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 59);
    /* An empty range reserves nothing, even when it is not page aligned. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 10), 0);
    page_pool_reserve(&tp.pool, page_addr(&tp, 10) + 8, 0);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 59);
    /* Ranges wholly below or above the pool change nothing. */
    page_pool_reserve(&tp.pool, tp.base - MIB(1), MIB(1));
    page_pool_reserve(&tp.pool, page_addr(&tp, 64), MIB(1));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 59);
    /* The first free page is now 5, and the reserved ones are never handed out. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 5));
    EXPECT_EQ(drain_single_pages(&tp), 58);
    pool_teardown(&tp);
}

/* The bitmap is marked a word (64 pages) at a time: ranges that start, end and overlap
 * inside and across words count each page once. */
TEST(reserve_across_bitmap_words_counts_each_page_once)
{
    struct test_pool tp;

    pool_setup(&tp, 300, SKEW_PAGES);
    page_pool_reserve(&tp.pool, page_addr(&tp, 60), 10 * PAGE_SIZE); /* 60..69 */
    page_pool_reserve(&tp.pool, page_addr(&tp, 127), 2 * PAGE_SIZE); /* 127..128 */
    page_pool_reserve(&tp.pool, page_addr(&tp, 200), PAGE_SIZE);     /* 200 */
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 300 - 13);
    /* 50..249 overlaps all three: 200 - 13 new pages. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 50), 200 * PAGE_SIZE);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 100);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 50, PAGE_SIZE), page_addr(&tp, 0));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 50, PAGE_SIZE), page_addr(&tp, 250));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    /* Freeing a run that crosses words and reallocating it exactly. */
    page_pool_free(&tp.pool, page_addr(&tp, 63), 130);
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 63), 130));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 63), 1));
    pool_teardown(&tp);
}

TEST(reserve_clips_ranges_crossing_the_pool_ends)
{
    struct test_pool tp;

    pool_setup(&tp, 64, SKEW_PAGES);
    /* Starts below the pool, ends inside page 1. */
    page_pool_reserve(&tp.pool, tp.base - 2 * PAGE_SIZE, 3 * PAGE_SIZE + 1);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 62);
    /* Starts in page 62, ends far past the pool. */
    page_pool_reserve(&tp.pool, page_addr(&tp, 62) + 7, GIB(1));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 60);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 60, PAGE_SIZE), page_addr(&tp, 2));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    /* Everything at once. */
    page_pool_free(&tp.pool, page_addr(&tp, 2), 60);
    page_pool_reserve(&tp.pool, tp.base - GIB(1), GIB(2));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), 0);
    pool_teardown(&tp);
}

TEST(multi_page_runs_are_first_fit_and_contiguous)
{
    struct test_pool tp;

    pool_setup(&tp, 256, SKEW_PAGES);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 10, PAGE_SIZE), page_addr(&tp, 0));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 70, PAGE_SIZE), page_addr(&tp, 10)); /* crosses a word */
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 176);
    /* A used page in the middle of a candidate run pushes the run past it. */
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 100), 1));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 30, PAGE_SIZE), page_addr(&tp, 101));
    /* ... but a run that fits before it goes there. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 20, PAGE_SIZE), page_addr(&tp, 80));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 125);
    /* 125 free pages, but the largest run is 131..255 = 125 pages. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 126, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 125, PAGE_SIZE), page_addr(&tp, 131));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    pool_teardown(&tp);
}

TEST(fragmented_pool_fails_without_changing_anything)
{
    struct test_pool tp;

    pool_setup(&tp, 128, SKEW_PAGES);
    /* Use every other page: 64 free pages, no two adjacent. */
    for (u64 i = 0; i < 128; i += 2)
        EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, i), 1));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 64);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 2, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 4, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 64);
    /* With base = 3 pages past 2 MiB, the free odd indices are the 8 KiB-aligned addresses. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, KIB(8)), page_addr(&tp, 1));
    page_pool_free(&tp.pool, page_addr(&tp, 1), 1);
    EXPECT_EQ(drain_single_pages(&tp), 64);
    pool_teardown(&tp);
}

TEST(alignment_is_of_the_address_not_the_page_index)
{
    struct test_pool tp;
    u64 first_2m = PAGES_PER_2M - SKEW_PAGES; /* index of the first 2 MiB-aligned page */

    pool_setup(&tp, 3 * PAGES_PER_2M + 10, SKEW_PAGES);
    EXPECT_TRUE(!IS_ALIGNED(tp.base, MIB(2)));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, MIB(2)), page_addr(&tp, first_2m));
    EXPECT_EQ(page_pool_alloc(&tp.pool, PAGES_PER_2M, MIB(2)),
              page_addr(&tp, first_2m + PAGES_PER_2M));
    /* Only one more 2 MiB boundary, with 10 + SKEW_PAGES pages after it... */
    EXPECT_EQ(page_pool_alloc(&tp.pool, PAGES_PER_2M, MIB(2)), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 10 + SKEW_PAGES, MIB(2)),
              page_addr(&tp, first_2m + 2 * PAGES_PER_2M));
    /* ... and none left at all. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, MIB(2)), 0);
    /* Smaller alignments use the pages before and between. */
    paddr_t pa = page_pool_alloc(&tp.pool, 4, KIB(16));
    EXPECT_TRUE(IS_ALIGNED(pa, KIB(16)));
    EXPECT_EQ(pa, ALIGN_UP(tp.base, KIB(16)));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), tp.base);
    /* Every 2 MiB run returned is 2 MiB aligned after a free and reallocation too. */
    page_pool_free(&tp.pool, page_addr(&tp, first_2m + PAGES_PER_2M), PAGES_PER_2M);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 2, MIB(2)), page_addr(&tp, first_2m + PAGES_PER_2M));
    pool_teardown(&tp);
}

/* A 1 GiB-aligned run needs a pool of more than 1 GiB.  Its memory is a PROT_NONE reservation
 * of host address space: the pool functions must never touch the memory they manage (only
 * page_alloc_zeroed() does), and any access would fault. */
TEST(one_gib_alignment_in_a_pool_that_is_not_aligned)
{
    u64 map_bytes = GIB(2) + MIB(1);
    void *map =
        mmap(NULL, map_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    EXPECT_TRUE(map != MAP_FAILED);
    if (map == MAP_FAILED)
        return;
    /* Base 7 pages below a 1 GiB boundary; the pool ends 3 pages past the next 1 GiB. */
    paddr_t giga = ALIGN_UP((paddr_t)map + 8 * PAGE_SIZE, GIB(1));
    paddr_t base = giga - 7 * PAGE_SIZE;
    u64 nr = 7 + PAGES_PER_1G + 3;
    u64 *bitmap = malloc(PAGE_POOL_BITMAP_BYTES(nr));
    struct page_pool pool;

    EXPECT_TRUE(base + nr * PAGE_SIZE <= (paddr_t)map + map_bytes);
    page_pool_init(&pool, base, nr, bitmap);
    EXPECT_EQ(page_pool_alloc(&pool, PAGES_PER_1G, GIB(1)), giga);
    EXPECT_EQ(page_pool_free_pages(&pool), 10);
    /* The next 1 GiB (and 2 MiB) boundary has only 3 pages of pool after it. */
    EXPECT_EQ(page_pool_alloc(&pool, 4, GIB(1)), 0);
    EXPECT_EQ(page_pool_alloc(&pool, 4, MIB(2)), 0);
    EXPECT_EQ(page_pool_alloc(&pool, 7, PAGE_SIZE), base);
    EXPECT_EQ(page_pool_alloc(&pool, 3, GIB(1)), giga + GIB(1));
    page_pool_free(&pool, giga, PAGES_PER_1G);
    EXPECT_EQ(page_pool_free_pages(&pool), PAGES_PER_1G);
    /* A single used page inside the 1 GiB run makes a 1 GiB request fail... */
    EXPECT_TRUE(page_pool_alloc_at(&pool, giga + MIB(512), 1));
    EXPECT_EQ(page_pool_alloc(&pool, PAGES_PER_1G, GIB(1)), 0);
    EXPECT_EQ(page_pool_alloc(&pool, PAGES_PER_1G / 2, GIB(1)), giga);
    /* ... while 2 MiB runs are found after it. */
    EXPECT_EQ(page_pool_alloc(&pool, PAGES_PER_2M, MIB(2)), giga + MIB(514));
    free(bitmap);
    munmap(map, map_bytes);
}

TEST(alloc_at_success_marks_exactly_the_run)
{
    struct test_pool tp;

    pool_setup(&tp, 200, SKEW_PAGES);
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 60), 10));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 190);
    /* The pages on both sides are still free... */
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 59), 1));
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 70), 1));
    /* ... and none inside is. */
    for (u64 i = 60; i < 70; i++)
        EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, i), 1));
    /* First and last page of the pool. */
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 0), 1));
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 199), 1));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 186);
    pool_teardown(&tp);
}

TEST(alloc_at_failure_changes_nothing)
{
    struct test_pool tp;

    pool_setup(&tp, 200, SKEW_PAGES);
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 100), 1));
    /* Overlap at the end, the start, and in the middle of the requested run. */
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 90), 11));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 100), 5));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 50), 100));
    /* Outside the pool, partly outside, unaligned, empty, overflowing. */
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, tp.base - PAGE_SIZE, 1));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, tp.base - PAGE_SIZE, 2));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 200), 1));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 199), 2));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 0), 201));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 10) + 8, 1));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 10), 0));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, page_addr(&tp, 10), ~0UL));
    EXPECT_TRUE(!page_pool_alloc_at(&tp.pool, ~0UL << PAGE_SHIFT, 1));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 199);
    /* Every page but 100 is still free, in one piece on each side. */
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 0), 100));
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 101), 99));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    pool_teardown(&tp);
}

TEST(free_then_reuse)
{
    struct test_pool tp;

    pool_setup(&tp, 64, SKEW_PAGES);
    paddr_t a = page_pool_alloc(&tp.pool, 8, PAGE_SIZE);
    paddr_t b = page_pool_alloc(&tp.pool, 8, PAGE_SIZE);
    paddr_t c = page_pool_alloc(&tp.pool, 8, PAGE_SIZE);
    EXPECT_EQ(a, page_addr(&tp, 0));
    EXPECT_EQ(b, page_addr(&tp, 8));
    EXPECT_EQ(c, page_addr(&tp, 16));
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 40);
    page_pool_free(&tp.pool, b, 8);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 48);
    /* The hole is reused: by a run that fits... */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 8, PAGE_SIZE), b);
    page_pool_free(&tp.pool, b, 8);
    /* ... not by one that does not... */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 9, PAGE_SIZE), page_addr(&tp, 24));
    /* ... and by single pages and smaller runs. */
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), b);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 7, PAGE_SIZE), b + PAGE_SIZE);
    /* Part of a run can be freed. */
    page_pool_free(&tp.pool, c + 2 * PAGE_SIZE, 3);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 64 - 8 - 8 - 8 - 9 + 3);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 3, PAGE_SIZE), c + 2 * PAGE_SIZE);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 64 - 8 - 8 - 8 - 9);
    pool_teardown(&tp);
}

/* Single-page allocations start at a hint; freeing below the hint must move it back, so that
 * single pages always come from the lowest free address. */
TEST(hint_never_skips_a_freed_page)
{
    struct test_pool tp;

    pool_setup(&tp, 100, SKEW_PAGES);
    EXPECT_EQ(drain_single_pages(&tp), 100);
    page_pool_free(&tp.pool, page_addr(&tp, 70), 1);
    page_pool_free(&tp.pool, page_addr(&tp, 10), 1);
    page_pool_free(&tp.pool, page_addr(&tp, 40), 1);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 10));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 40));
    /* A multi-page free below the hint. */
    page_pool_free(&tp.pool, page_addr(&tp, 20), 5);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 20));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 21));
    /* Pages freed past the hint are still found. */
    page_pool_free(&tp.pool, page_addr(&tp, 99), 1);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 3, PAGE_SIZE), page_addr(&tp, 22));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 70));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 99));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    /* After the last page went, the hint is past the end: a freed first page is still found. */
    page_pool_free(&tp.pool, page_addr(&tp, 0), 1);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 0));
    pool_teardown(&tp);
}

TEST(hint_does_not_affect_aligned_or_multi_page_requests)
{
    struct test_pool tp;

    pool_setup(&tp, 128, 0);
    /* Move the hint to page 51, then free pages before it (they are not single-page frees). */
    EXPECT_TRUE(page_pool_alloc_at(&tp.pool, page_addr(&tp, 0), 50));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 50));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 2, PAGE_SIZE), page_addr(&tp, 51));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, KIB(64)), page_addr(&tp, 64));
    page_pool_free(&tp.pool, page_addr(&tp, 0), 50);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 2, PAGE_SIZE), page_addr(&tp, 0));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, KIB(16)), page_addr(&tp, 4));
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), page_addr(&tp, 2));
    pool_teardown(&tp);
}

TEST(exhaustion_returns_zero_and_free_counts_are_exact)
{
    struct test_pool tp;
    paddr_t runs[20];

    pool_setup(&tp, 100, SKEW_PAGES);
    for (int i = 0; i < 20; i++) {
        runs[i] = page_pool_alloc(&tp.pool, 5, PAGE_SIZE);
        EXPECT_EQ(runs[i], page_addr(&tp, 5 * i));
        EXPECT_EQ(page_pool_free_pages(&tp.pool), 100 - 5 * (i + 1));
    }
    EXPECT_EQ(page_pool_alloc(&tp.pool, 1, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 5, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    for (int i = 19; i >= 0; i--) {
        page_pool_free(&tp.pool, runs[i], 5);
        EXPECT_EQ(page_pool_free_pages(&tp.pool), 100 - 5 * i);
    }
    pool_teardown(&tp);
}

/* Runs fn in a child process and reports whether it died of SIGABRT (panic() aborts). */
static bool child_panics(void (*fn)(struct test_pool *), struct test_pool *tp)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        fn(tp);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void free_unallocated(struct test_pool *tp)
{
    page_pool_free(&tp->pool, page_addr(tp, 5), 1);
}

static void free_run_with_a_free_page(struct test_pool *tp)
{
    page_pool_free(&tp->pool, page_addr(tp, 0), 3); /* page 2 is free */
}

static void free_outside_pool(struct test_pool *tp)
{
    page_pool_free(&tp->pool, page_addr(tp, 64), 1);
}

static void free_allocated(struct test_pool *tp)
{
    page_pool_free(&tp->pool, page_addr(tp, 0), 2);
}

TEST(freeing_pages_that_are_not_allocated_panics)
{
    struct test_pool tp;

    pool_setup(&tp, 64, SKEW_PAGES);
    EXPECT_EQ(page_pool_alloc(&tp.pool, 2, PAGE_SIZE), tp.base);
    EXPECT_TRUE(child_panics(free_unallocated, &tp));
    EXPECT_TRUE(child_panics(free_run_with_a_free_page, &tp));
    EXPECT_TRUE(child_panics(free_outside_pool, &tp));
    EXPECT_TRUE(!child_panics(free_allocated, &tp)); /* the control: a valid free */
    pool_teardown(&tp);
}

TEST(system_pool_hands_out_zeroed_pages)
{
    struct test_pool tp;

    pool_setup(&tp, 8, SKEW_PAGES);
    memset((void *)tp.base, FILL_BYTE, 8 * PAGE_SIZE);
    system_pool = tp.pool;
    paddr_t pa = page_alloc_zeroed(3, PAGE_SIZE);
    EXPECT_EQ(pa, tp.base);
    bool zero = true;
    for (u64 i = 0; i < 3 * PAGE_SIZE; i++)
        zero &= ((const u8 *)pa)[i] == 0;
    EXPECT_TRUE(zero);
    EXPECT_EQ(((const u8 *)pa)[3 * PAGE_SIZE], FILL_BYTE); /* the next page is untouched */
    EXPECT_EQ(page_alloc_zeroed(6, PAGE_SIZE), 0);
    EXPECT_EQ(page_pool_free_pages(&system_pool), 5);
    page_free(pa, 3);
    EXPECT_EQ(page_pool_free_pages(&system_pool), 8);
    pool_teardown(&tp);
}

/* ---------------------------------------------------------------- randomized */

#define RAND_PAGES   1500
#define RAND_OPS     6000
#define RAND_MAX_RUN 80
#define RAND_SEED    0x9e3779b97f4a7c15ULL

static u64 rng_state;

static u64 rng(void)
{
    /* xorshift64*: deterministic across hosts */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The reference: exact first fit over a bool per page. */
static bool ref_used[RAND_PAGES];

static bool ref_run_free(u64 i, u64 nr)
{
    if (i + nr > RAND_PAGES)
        return false;
    for (u64 k = i; k < i + nr; k++)
        if (ref_used[k])
            return false;
    return true;
}

static paddr_t ref_alloc(const struct test_pool *tp, u64 nr, u64 align)
{
    for (u64 i = 0; i < RAND_PAGES; i++) {
        if (IS_ALIGNED(page_addr(tp, i), align) && ref_run_free(i, nr)) {
            memset(&ref_used[i], 1, nr);
            return page_addr(tp, i);
        }
    }
    return 0;
}

static u64 ref_free_count(void)
{
    u64 n = 0;

    for (u64 i = 0; i < RAND_PAGES; i++)
        n += !ref_used[i];
    return n;
}

TEST(randomized_against_first_fit_reference)
{
    static const u64 aligns[] = {PAGE_SIZE, PAGE_SIZE, KIB(8), KIB(64), MIB(2)};
    struct test_pool tp;
    bool ok = true;

    rng_state = RAND_SEED;
    memset(ref_used, 0, sizeof(ref_used));
    pool_setup(&tp, RAND_PAGES, SKEW_PAGES);
    for (int op = 0; op < RAND_OPS && ok; op++) {
        u64 r = rng() % 10;
        if (r < 4) {
            u64 nr = rng() % 4 ? 1 + rng() % 8 : 1 + rng() % RAND_MAX_RUN;
            u64 align = aligns[rng() % ARRAY_SIZE(aligns)];
            paddr_t want = ref_alloc(&tp, nr, align);
            paddr_t got = page_pool_alloc(&tp.pool, nr, align);
            ok = got == want;
            EXPECT_EQ(got, want);
        } else if (r < 6) {
            u64 i = rng() % RAND_PAGES, nr = 1 + rng() % 20;
            bool want = ref_run_free(i, nr);
            if (want)
                memset(&ref_used[i], 1, nr);
            bool got = page_pool_alloc_at(&tp.pool, page_addr(&tp, i), nr);
            ok = got == want;
            EXPECT_EQ(got, want);
        } else {
            /* Free the used run starting at a random used page (at most 30 pages). */
            u64 i = rng() % RAND_PAGES, nr = 0;
            while (i < RAND_PAGES && !ref_used[i])
                i++;
            while (i + nr < RAND_PAGES && ref_used[i + nr] && nr < 30)
                nr++;
            if (nr) {
                memset(&ref_used[i], 0, nr);
                page_pool_free(&tp.pool, page_addr(&tp, i), nr);
            }
        }
        ok = ok && page_pool_free_pages(&tp.pool) == ref_free_count();
        EXPECT_EQ(page_pool_free_pages(&tp.pool), ref_free_count());
    }
    /* Once the two disagree, freeing what the reference holds could free unallocated pages
     * (a panic), so stop there. */
    if (!ok) {
        pool_teardown(&tp);
        return;
    }
    /* Finally the bitmaps agree page by page: every free page can be claimed, no used one. */
    for (u64 i = 0; i < RAND_PAGES; i++)
        EXPECT_EQ(page_pool_alloc_at(&tp.pool, page_addr(&tp, i), 1), !ref_used[i]);
    EXPECT_EQ(page_pool_free_pages(&tp.pool), 0);
    pool_teardown(&tp);
}

// UNIT_SOURCES: arch/riscv64/stage2.c kernel/mm/page_alloc.c
/* Sv39x4 stage-2 tables.  Table pages come from a page pool over a host buffer (PA == host
 * address, as in the hypervisor); the PAs being mapped are never dereferenced, so they are
 * arbitrary.  Besides stage2_translate(), the tests read the PTEs themselves with
 * walk_leaf(), written from the privileged spec (Sv39x4 format), to check the bits a
 * hardware walker sees. */
#include <arch/stage2.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "unit_test.h"

/* ---------------------------------------------------------------- Sv39x4 as the spec says */

#define PTE_V             BIT(0)
#define PTE_R             BIT(1)
#define PTE_W             BIT(2)
#define PTE_X             BIT(3)
#define PTE_U             BIT(4)
#define PTE_G             BIT(5)
#define PTE_A             BIT(6)
#define PTE_D             BIT(7)
#define PTE_RWX           (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT     10
#define PTE_PPN_MASK      (((1UL << 44) - 1) << PTE_PPN_SHIFT)
#define PTE_RESERVED_HIGH (~0UL << 54) /* reserved, PBMT and N: zero for us */
#define ROOT_INDEX_BITS   11           /* Sv39x4: the root has 2048 entries */
#define INDEX_BITS        9
#define LEVEL_1G          2
#define LEVEL_2M          1
#define LEVEL_4K          0
#define ROOT_BYTES        KIB(16)
#define ROOT_PAGES        (ROOT_BYTES >> PAGE_SHIFT)
#define HGATP_MODE_SHIFT  60
#define HGATP_MODE_SV39X4 8UL
#define HGATP_VMID_SHIFT  44
#define HGATP_VMID_MAX    0x3fffU /* VMIDLEN is at most 14 in RV64 */
#define HGATP_PPN_MASK    ((1UL << 44) - 1)
#define HGATP_ZERO_BITS   (3UL << 58)

static u64 level_size(int level)
{
    return 1UL << (PAGE_SHIFT + INDEX_BITS * level);
}

static u64 level_index(u64 ipa, int level)
{
    u64 bits = level == LEVEL_1G ? ROOT_INDEX_BITS : INDEX_BITS;

    return (ipa >> (PAGE_SHIFT + INDEX_BITS * level)) & ((1UL << bits) - 1);
}

static u64 pte_pa(u64 pte)
{
    return ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

/* The leaf PTE mapping ipa and its level, or 0.  Every non-leaf PTE on the way must hold
 * nothing but V and the PPN (the spec reserves D, A and U in non-leaf PTEs). */
static u64 walk_leaf(const struct stage2 *s2, u64 ipa, int *level)
{
    const u64 *table = (const u64 *)s2->root;

    for (int l = LEVEL_1G; l >= LEVEL_4K; l--) {
        u64 pte = table[level_index(ipa, l)];
        if (!(pte & PTE_V))
            return 0;
        if (pte & PTE_RWX) {
            *level = l;
            return pte;
        }
        EXPECT_EQ(pte & ~PTE_PPN_MASK, PTE_V);
        table = (const u64 *)pte_pa(pte);
    }
    return 0; /* a pointer at level 0 */
}

/* What a leaf must look like: V, U (G-stage accesses are user accesses), A and D preset,
 * R/W/X from prot (W implies R), no G, nothing above the PPN. */
static bool leaf_ok(u64 pte, paddr_t leaf_pa, unsigned prot)
{
    u64 want = PTE_V | PTE_U | PTE_A | PTE_D | ((leaf_pa >> PAGE_SHIFT) << PTE_PPN_SHIFT);

    if (prot & S2_READ)
        want |= PTE_R;
    if (prot & S2_WRITE)
        want |= PTE_R | PTE_W;
    if (prot & S2_EXEC)
        want |= PTE_X;
    return pte == want;
}

/* prot as stage2_translate reports it: W implies R. */
static unsigned effective_prot(unsigned prot)
{
    return (prot & S2_WRITE) ? prot | S2_READ : prot;
}

/* ---------------------------------------------------------------- test environment */

struct env {
    struct page_pool pool;
    void *mem;
    u64 *bitmap;
    u64 nr_pages;
    struct stage2 s2;
};

/* A pool of nr_pages one page past a 16 KiB boundary (the root must be aligned by address)
 * over memory full of garbage (tables must be zeroed), and a stage2 with that vmid. */
static int env_init(struct env *e, u64 nr_pages, u16 vmid)
{
    u64 bytes = ALIGN_UP((nr_pages + 1) << PAGE_SHIFT, ROOT_BYTES);

    e->mem = aligned_alloc(ROOT_BYTES, bytes);
    memset(e->mem, 0xa5, bytes);
    e->bitmap = malloc(PAGE_POOL_BITMAP_BYTES(nr_pages));
    e->nr_pages = nr_pages;
    page_pool_init(&e->pool, (paddr_t)e->mem + PAGE_SIZE, nr_pages, e->bitmap);
    return stage2_init(&e->s2, &e->pool, vmid);
}

static void env_setup(struct env *e, u64 nr_pages)
{
    EXPECT_EQ(env_init(e, nr_pages, 1), 0);
}

/* The pool's first pages lie below the 16 KiB boundary the root needs. */
#define PAGES_BELOW_ROOT (ROOT_PAGES - 1)

/* A stage2 whose pool has exactly `spare` pages left after the root. */
static void env_setup_tight(struct env *e, u64 spare)
{
    EXPECT_EQ(env_init(e, PAGES_BELOW_ROOT + ROOT_PAGES + spare, 1), 0);
    EXPECT_TRUE(page_pool_alloc_at(&e->pool, e->pool.base, PAGES_BELOW_ROOT));
    EXPECT_EQ(page_pool_free_pages(&e->pool), spare);
}

/* Pages of the pool in use: must be exactly the stage2's table pages. */
static u64 pool_used(struct env *e)
{
    return e->nr_pages - page_pool_free_pages(&e->pool);
}

/* Destroys the stage2: every table page must go back to the pool. */
static void env_teardown(struct env *e)
{
    stage2_destroy(&e->s2);
    EXPECT_EQ(page_pool_free_pages(&e->pool), e->nr_pages);
    EXPECT_EQ(e->s2.nr_table_pages, 0);
    EXPECT_EQ(e->s2.root, 0);
    free(e->bitmap);
    free(e->mem);
}

static void env_teardown_tight(struct env *e)
{
    page_pool_free(&e->pool, e->pool.base, PAGES_BELOW_ROOT);
    env_teardown(e);
}

#define EXPECT_LEAVES(e, n4k, n2m, n1g)                                                            \
    do {                                                                                           \
        EXPECT_EQ((e)->s2.nr_leaves[LEVEL_4K], (n4k));                                             \
        EXPECT_EQ((e)->s2.nr_leaves[LEVEL_2M], (n2m));                                             \
        EXPECT_EQ((e)->s2.nr_leaves[LEVEL_1G], (n1g));                                             \
    } while (0)

#define EXPECT_TABLES(e, n)                                                                        \
    do {                                                                                           \
        EXPECT_EQ((e)->s2.nr_table_pages, (n));                                                    \
        EXPECT_EQ(pool_used(e), (n));                                                              \
    } while (0)

/* ipa translates to pa with the given prot through a leaf of leaf_size. */
#define EXPECT_MAPPED(e, ipa, want_pa, want_prot, want_leaf)                                       \
    do {                                                                                           \
        paddr_t __pa = 0;                                                                          \
        unsigned __prot = 0;                                                                       \
        u64 __leaf = 0;                                                                            \
        bool __ok = stage2_translate(&(e)->s2, (ipa), &__pa, &__prot, &__leaf);                    \
        EXPECT_TRUE(__ok);                                                                         \
        if (__ok) {                                                                                \
            EXPECT_EQ(__pa, (want_pa));                                                            \
            EXPECT_EQ(__prot, (want_prot));                                                        \
            EXPECT_EQ(__leaf, (want_leaf));                                                        \
        }                                                                                          \
    } while (0)

#define EXPECT_UNMAPPED(e, ipa) EXPECT_TRUE(!stage2_translate(&(e)->s2, (ipa), NULL, NULL, NULL))

/* Everything a failed call must leave as it was. */
struct snapshot {
    u64 leaves[3];
    u64 tables;
    u64 pool_free;
};

static struct snapshot snap(struct env *e)
{
    struct snapshot s = {.tables = e->s2.nr_table_pages,
                         .pool_free = page_pool_free_pages(&e->pool)};

    memcpy(s.leaves, e->s2.nr_leaves, sizeof(s.leaves));
    return s;
}

#define EXPECT_UNCHANGED(e, before)                                                                \
    do {                                                                                           \
        struct snapshot __now = snap(e);                                                           \
        EXPECT_TRUE(!memcmp(&__now, &(before), sizeof(__now)));                                    \
    } while (0)

/* A run of `count` leaves of one size within a mapping. */
struct segment {
    int level;
    u64 count;
};

/* Checks that [ipa, ...) is covered by exactly these leaves, in order, mapping to pa with
 * prot, with the bytes just before and after unmapped, and every leaf's PTE as the spec
 * wants it (first, last and a middle byte of each leaf are translated). */
static void check_segments(struct env *e, u64 ipa, paddr_t pa, unsigned prot,
                           const struct segment *segs, int nr_segs)
{
    u64 off = 0;

    if (ipa)
        EXPECT_UNMAPPED(e, ipa - 1);
    for (int s = 0; s < nr_segs; s++) {
        u64 sz = level_size(segs[s].level);
        for (u64 k = 0; k < segs[s].count; k++, off += sz) {
            int level = -1;
            u64 pte = walk_leaf(&e->s2, ipa + off, &level);
            EXPECT_EQ(level, segs[s].level);
            EXPECT_TRUE(leaf_ok(pte, pa + off, prot));
            EXPECT_MAPPED(e, ipa + off, pa + off, effective_prot(prot), sz);
            EXPECT_MAPPED(e, ipa + off + sz / 2 + 8, pa + off + sz / 2 + 8, effective_prot(prot),
                          sz);
            EXPECT_MAPPED(e, ipa + off + sz - 1, pa + off + sz - 1, effective_prot(prot), sz);
        }
    }
    EXPECT_UNMAPPED(e, ipa + off);
}

/* ---------------------------------------------------------------- init, hgatp */

TEST(init_allocates_an_aligned_zeroed_root)
{
    struct env e;

    env_setup(&e, 64);
    EXPECT_TRUE(IS_ALIGNED(e.s2.root, ROOT_BYTES));
    EXPECT_TRUE(e.s2.root >= e.pool.base && e.s2.root < e.pool.base + 64 * PAGE_SIZE);
    EXPECT_EQ(e.s2.vmid, 1);
    EXPECT_EQ(e.s2.pool, &e.pool);
    EXPECT_TABLES(&e, ROOT_PAGES);
    EXPECT_LEAVES(&e, 0, 0, 0);
    bool zero = true;
    for (u64 i = 0; i < ROOT_BYTES / sizeof(u64); i++)
        zero &= ((const u64 *)e.s2.root)[i] == 0;
    EXPECT_TRUE(zero);
    EXPECT_UNMAPPED(&e, 0);
    EXPECT_UNMAPPED(&e, STAGE2_IPA_LIMIT - 1);
    env_teardown(&e);
}

TEST(init_fails_without_memory_for_the_root)
{
    struct env e;

    /* 4 pages starting one page past a 16 KiB boundary: no aligned 16 KiB run. */
    EXPECT_EQ(env_init(&e, ROOT_PAGES, 1), -ENOMEM);
    EXPECT_EQ(page_pool_free_pages(&e.pool), ROOT_PAGES);
    free(e.bitmap);
    free(e.mem);
}

TEST(hgatp_encodes_mode_vmid_and_root_ppn)
{
    static const u16 vmids[] = {0, 1, 0x155, HGATP_VMID_MAX};

    for (u32 i = 0; i < ARRAY_SIZE(vmids); i++) {
        struct env e;
        EXPECT_EQ(env_init(&e, 16, vmids[i]), 0);
        u64 hgatp = stage2_hgatp(&e.s2);
        EXPECT_EQ(hgatp >> HGATP_MODE_SHIFT, HGATP_MODE_SV39X4);
        EXPECT_EQ(hgatp & HGATP_ZERO_BITS, 0);
        EXPECT_EQ((hgatp >> HGATP_VMID_SHIFT) & HGATP_VMID_MAX, vmids[i]);
        EXPECT_EQ(hgatp & HGATP_PPN_MASK, e.s2.root >> PAGE_SHIFT);
        env_teardown(&e);
    }
}

TEST(vmid_wider_than_hgatp_field_is_rejected)
{
    struct env e;

    /* It would spill into hgatp.MODE. */
    EXPECT_EQ(env_init(&e, 16, HGATP_VMID_MAX + 1), -EINVAL);
    EXPECT_EQ(page_pool_free_pages(&e.pool), 16);
    free(e.bitmap);
    free(e.mem);
}

/* ---------------------------------------------------------------- leaf size selection */

TEST(map_1g_aligned_uses_a_1g_leaf)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_1G, 2}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), GIB(2), S2_RWX), 0);
    EXPECT_LEAVES(&e, 0, 0, 2);
    EXPECT_TABLES(&e, ROOT_PAGES); /* 1 GiB leaves live in the root */
    check_segments(&e, GIB(1), GIB(4), S2_RWX, segs, 1);
    env_teardown(&e);
}

TEST(map_with_pa_only_2m_aligned_uses_2m_leaves)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_2M, 512}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4) + MIB(2), GIB(1), S2_RW), 0);
    EXPECT_LEAVES(&e, 0, 512, 0);
    EXPECT_TABLES(&e, ROOT_PAGES + 1);
    check_segments(&e, GIB(1), GIB(4) + MIB(2), S2_RW, segs, 1);
    env_teardown(&e);
}

TEST(map_with_ipa_only_4k_aligned_uses_4k_leaves)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_4K, 1024}};

    env_setup(&e, 64);
    /* pa is 2 MiB aligned but ipa is not: the leaf size needs both. */
    EXPECT_EQ(stage2_map(&e.s2, MIB(2) + KIB(4), GIB(2), MIB(4), S2_READ), 0);
    EXPECT_LEAVES(&e, 1024, 0, 0);
    EXPECT_TABLES(&e, ROOT_PAGES + 1 + 3); /* the 4 MiB touch three 2 MiB slots */
    check_segments(&e, MIB(2) + KIB(4), GIB(2), S2_READ, segs, 1);
    env_teardown(&e);
}

TEST(map_length_limits_the_leaf_size)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_2M, 511}, {LEVEL_4K, 511}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(5), GIB(1) - KIB(4), S2_RWX), 0);
    EXPECT_LEAVES(&e, 511, 511, 0);
    check_segments(&e, GIB(1), GIB(5), S2_RWX, segs, 2);
    env_teardown(&e);
}

TEST(map_mixes_leaf_sizes_across_a_range)
{
    struct env e;
    /* 3 pages up to a 2 MiB boundary, one 2 MiB leaf up to a 1 GiB boundary, a 1 GiB leaf,
     * two 2 MiB leaves and 5 pages. */
    static const struct segment segs[] = {
        {LEVEL_4K, 3}, {LEVEL_2M, 1}, {LEVEL_1G, 1}, {LEVEL_2M, 2}, {LEVEL_4K, 5}};
    u64 ipa = GIB(3) - MIB(2) - 3 * KIB(4);
    paddr_t pa = GIB(9) - MIB(2) - 3 * KIB(4);
    u64 size = 3 * KIB(4) + MIB(2) + GIB(1) + MIB(4) + 5 * KIB(4);

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, ipa, pa, size, S2_RWX), 0);
    EXPECT_LEAVES(&e, 8, 3, 1);
    /* L1 + L0 below GIB(3), L1 + L0 above GIB(4). */
    EXPECT_TABLES(&e, ROOT_PAGES + 4);
    check_segments(&e, ipa, pa, S2_RWX, segs, ARRAY_SIZE(segs));
    env_teardown(&e);
}

TEST(map_at_the_top_of_the_ipa_space)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_4K, 1}, {LEVEL_1G, 1}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, STAGE2_IPA_LIMIT - GIB(1) - KIB(4), GIB(3) - KIB(4),
                         GIB(1) + KIB(4), S2_RW),
              0);
    check_segments(&e, STAGE2_IPA_LIMIT - GIB(1) - KIB(4), GIB(3) - KIB(4), S2_RW, segs, 2);
    /* The root index wraps at 2^41: IPAs above the limit must not alias low ones. */
    EXPECT_EQ(stage2_map(&e.s2, 0, GIB(7), KIB(4), S2_RW), 0);
    EXPECT_UNMAPPED(&e, STAGE2_IPA_LIMIT);
    EXPECT_UNMAPPED(&e, STAGE2_IPA_LIMIT + GIB(1));
    EXPECT_UNMAPPED(&e, 1UL << 63);
    EXPECT_UNMAPPED(&e, ~0UL);
    env_teardown(&e);
}

/* ---------------------------------------------------------------- translate */

TEST(translate_every_byte_offset_class)
{
    static const u64 offsets_1g[] = {0,        1,        0x7ff,     0xfff,      0x1000,    0x1fffff,
                                     0x200000, 0x200fff, 0x2001000, 0x3fe00000, 0x3fffffff};
    static const u64 offsets_2m[] = {0, 1, 0xfff, 0x1000, 0x10abc, 0x1ff000, 0x1fffff};
    static const u64 offsets_4k[] = {0, 1, 0x7, 0x800, 0xffe, 0xfff};
    struct env e;

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(6), GIB(1), S2_RWX), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(2) + MIB(2), GIB(8) + MIB(4), MIB(2), S2_RW), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(2) + MIB(6), GIB(8) + KIB(12), KIB(4), S2_READ), 0);
    for (u32 i = 0; i < ARRAY_SIZE(offsets_1g); i++)
        EXPECT_MAPPED(&e, GIB(1) + offsets_1g[i], GIB(6) + offsets_1g[i], S2_RWX, GIB(1));
    for (u32 i = 0; i < ARRAY_SIZE(offsets_2m); i++)
        EXPECT_MAPPED(&e, GIB(2) + MIB(2) + offsets_2m[i], GIB(8) + MIB(4) + offsets_2m[i], S2_RW,
                      MIB(2));
    for (u32 i = 0; i < ARRAY_SIZE(offsets_4k); i++)
        EXPECT_MAPPED(&e, GIB(2) + MIB(6) + offsets_4k[i], GIB(8) + KIB(12) + offsets_4k[i],
                      S2_READ, KIB(4));
    /* The bytes around each mapping. */
    EXPECT_UNMAPPED(&e, GIB(1) - 1);
    EXPECT_UNMAPPED(&e, GIB(2));
    EXPECT_UNMAPPED(&e, GIB(2) + MIB(2) - 1);
    EXPECT_UNMAPPED(&e, GIB(2) + MIB(4));
    EXPECT_UNMAPPED(&e, GIB(2) + MIB(6) - 1);
    EXPECT_UNMAPPED(&e, GIB(2) + MIB(6) + KIB(4));
    /* Every out-pointer is optional. */
    EXPECT_TRUE(stage2_translate(&e.s2, GIB(1) + 5, NULL, NULL, NULL));
    paddr_t pa = 0;
    EXPECT_TRUE(stage2_translate(&e.s2, GIB(2) + MIB(6) + 5, &pa, NULL, NULL));
    EXPECT_EQ(pa, GIB(8) + KIB(12) + 5);
    env_teardown(&e);
}

TEST(prot_bits_and_write_implies_read)
{
    struct env e;

    env_setup(&e, 64);
    for (unsigned prot = 1; prot <= S2_RWX; prot++) {
        u64 ipa = GIB(1) + prot * MIB(4), pa = GIB(10) + prot * MIB(4);
        int level = -1;
        EXPECT_EQ(stage2_map(&e.s2, ipa, pa, MIB(2) + KIB(4), prot), 0);
        EXPECT_MAPPED(&e, ipa, pa, effective_prot(prot), MIB(2));
        EXPECT_MAPPED(&e, ipa + MIB(2), pa + MIB(2), effective_prot(prot), KIB(4));
        EXPECT_TRUE(leaf_ok(walk_leaf(&e.s2, ipa, &level), pa, prot));
        EXPECT_TRUE(leaf_ok(walk_leaf(&e.s2, ipa + MIB(2), &level), pa + MIB(2), prot));
    }
    /* W alone is a reserved PTE encoding: it becomes RW. */
    int level = -1;
    EXPECT_EQ(walk_leaf(&e.s2, GIB(1) + S2_WRITE * MIB(4), &level) & PTE_RWX, PTE_R | PTE_W);
    EXPECT_EQ(walk_leaf(&e.s2, GIB(1) + S2_EXEC * MIB(4), &level) & PTE_RWX, PTE_X);
    env_teardown(&e);
}

/* ---------------------------------------------------------------- errors */

TEST(overlapping_map_is_eexist_and_changes_nothing)
{
    struct env e;

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(5), GIB(1), S2_RWX), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(3) + MIB(2) + KIB(8), GIB(9), KIB(4), S2_RW), 0);
    struct snapshot before = snap(&e);

    /* Overlapping the start, the end, the inside of and all of the 1 GiB leaf. */
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) - MIB(2), GIB(7), MIB(4), S2_RW), -EEXIST);
    EXPECT_EQ(stage2_map(&e.s2, GIB(2) - KIB(4), GIB(7), MIB(4), S2_RW), -EEXIST);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) + MIB(10), GIB(7), KIB(4), S2_RW), -EEXIST);
    EXPECT_EQ(stage2_map(&e.s2, 0, 0, GIB(4), S2_RW), -EEXIST);
    /* A large free region with one page mapped in its middle. */
    EXPECT_EQ(stage2_map(&e.s2, GIB(3), GIB(7), GIB(1), S2_RW), -EEXIST);
    EXPECT_EQ(stage2_map(&e.s2, GIB(3) + MIB(2), GIB(7), MIB(2), S2_RW), -EEXIST);
    EXPECT_UNCHANGED(&e, before);
    /* The parts that did not overlap were not mapped. */
    EXPECT_UNMAPPED(&e, GIB(1) - MIB(2));
    EXPECT_UNMAPPED(&e, GIB(2));
    EXPECT_UNMAPPED(&e, GIB(3));
    EXPECT_UNMAPPED(&e, GIB(3) + MIB(2));
    EXPECT_MAPPED(&e, GIB(1), GIB(5), S2_RWX, GIB(1));
    EXPECT_MAPPED(&e, GIB(3) + MIB(2) + KIB(8), GIB(9), S2_RW, KIB(4));
    /* Exactly adjacent mappings are fine. */
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) - KIB(4), GIB(7), KIB(4), S2_RW), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(2), GIB(7) + KIB(4), KIB(4), S2_RW), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(3) + MIB(2), GIB(8), KIB(8), S2_RW), 0);
    EXPECT_EQ(
        stage2_map(&e.s2, GIB(3) + MIB(2) + KIB(12), GIB(8) + KIB(12), MIB(2) - KIB(12), S2_RW), 0);
    env_teardown(&e);
}

TEST(invalid_map_arguments_are_einval_and_change_nothing)
{
    struct env e;
    const u64 top = STAGE2_IPA_LIMIT;

    env_setup(&e, 64);
    struct snapshot before = snap(&e);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) + 0x800, GIB(2), KIB(4), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) + 8, GIB(2), KIB(4), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2) + 0x800, KIB(4), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2), KIB(4) + 1, S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2), 0x800, S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2), 0, S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2), KIB(4), 0), -EINVAL);
    /* IPA at or past 2^41, a range crossing it, and ranges wrapping around 2^64. */
    EXPECT_EQ(stage2_map(&e.s2, top, GIB(2), KIB(4), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, top + GIB(1), GIB(2), GIB(1), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, top - KIB(4), GIB(2), KIB(8), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, top - GIB(1), GIB(2), GIB(2), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, ~0UL << PAGE_SHIFT, GIB(2), KIB(8), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(2), ~0UL << PAGE_SHIFT, S2_RW), -EINVAL);
    /* PAs the PTE's 44-bit PPN cannot hold, or that wrap. */
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), ~0UL << PAGE_SHIFT, KIB(8), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), 1UL << 56, KIB(4), S2_RW), -EINVAL);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), (1UL << 56) - KIB(4), KIB(8), S2_RW), -EINVAL);
    EXPECT_UNCHANGED(&e, before);
    EXPECT_UNMAPPED(&e, GIB(1));
    EXPECT_UNMAPPED(&e, top - KIB(4));
    /* The largest PA and the last IPA page are fine. */
    EXPECT_EQ(stage2_map(&e.s2, top - KIB(4), (1UL << 56) - KIB(4), KIB(4), S2_RW), 0);
    EXPECT_MAPPED(&e, top - 1, (1UL << 56) - 1, S2_RW, KIB(4));
    env_teardown(&e);
}

TEST(invalid_unmap_arguments_are_einval)
{
    struct env e;

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(5), MIB(2), S2_RW), 0);
    struct snapshot before = snap(&e);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1) + 0x800, KIB(4)), -EINVAL);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), KIB(4) + 1), -EINVAL);
    EXPECT_EQ(stage2_unmap(&e.s2, STAGE2_IPA_LIMIT, KIB(4)), -EINVAL);
    EXPECT_EQ(stage2_unmap(&e.s2, STAGE2_IPA_LIMIT - KIB(4), KIB(8)), -EINVAL);
    EXPECT_EQ(stage2_unmap(&e.s2, ~0UL << PAGE_SHIFT, KIB(8)), -EINVAL);
    EXPECT_UNCHANGED(&e, before);
    EXPECT_MAPPED(&e, GIB(1), GIB(5), S2_RW, MIB(2));
    env_teardown(&e);
}

/* ---------------------------------------------------------------- unmap */

TEST(unmap_one_page_of_a_1g_leaf_splits_it)
{
    struct env e;
    const u64 ipa = GIB(2), pa = GIB(7), hole = ipa + MIB(6) + KIB(12);

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, ipa, pa, GIB(1), S2_RW), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, hole, KIB(4)), 0);
    EXPECT_LEAVES(&e, 511, 511, 0);
    EXPECT_TABLES(&e, ROOT_PAGES + 2);
    /* Every page of the former 1 GiB leaf. */
    u64 bad = 0;
    for (u64 a = ipa; a < ipa + GIB(1); a += KIB(4)) {
        paddr_t got_pa;
        unsigned prot;
        u64 leaf;
        bool mapped = stage2_translate(&e.s2, a, &got_pa, &prot, &leaf);
        u64 want_leaf = ALIGN_DOWN(a, MIB(2)) == ALIGN_DOWN(hole, MIB(2)) ? KIB(4) : MIB(2);
        if (a == hole)
            bad += mapped;
        else
            bad += !mapped || got_pa != pa + (a - ipa) || prot != S2_RW || leaf != want_leaf;
    }
    EXPECT_EQ(bad, 0);
    int level = -1;
    EXPECT_TRUE(
        leaf_ok(walk_leaf(&e.s2, hole - KIB(4), &level), pa + (hole - KIB(4) - ipa), S2_RW));
    EXPECT_EQ(level, LEVEL_4K);
    EXPECT_TRUE(leaf_ok(walk_leaf(&e.s2, ipa + MIB(8), &level), pa + MIB(8), S2_RW));
    EXPECT_EQ(level, LEVEL_2M);

    /* Removing a whole 2 MiB leaf of it needs no further split. */
    EXPECT_EQ(stage2_unmap(&e.s2, ipa, MIB(2)), 0);
    EXPECT_LEAVES(&e, 511, 510, 0);
    EXPECT_TABLES(&e, ROOT_PAGES + 2);
    EXPECT_UNMAPPED(&e, ipa);
    EXPECT_UNMAPPED(&e, ipa + MIB(2) - 1);
    EXPECT_MAPPED(&e, ipa + MIB(2), pa + MIB(2), S2_RW, MIB(2));
    /* And the rest of the split 2 MiB block. */
    EXPECT_EQ(stage2_unmap(&e.s2, ipa + MIB(6), MIB(2)), 0);
    EXPECT_LEAVES(&e, 0, 510, 0);
    EXPECT_UNMAPPED(&e, ipa + MIB(6));
    EXPECT_MAPPED(&e, ipa + MIB(8), pa + MIB(8), S2_RW, MIB(2));
    EXPECT_MAPPED(&e, ipa + MIB(6) - 1, pa + MIB(6) - 1, S2_RW, MIB(2));
    env_teardown(&e);
}

TEST(unmap_the_ends_of_a_2m_leaf)
{
    struct env e;
    static const struct segment segs[] = {{LEVEL_4K, 510}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, MIB(4), GIB(1) + MIB(2), MIB(2), S2_READ | S2_EXEC), 0);
    EXPECT_LEAVES(&e, 0, 1, 0);
    EXPECT_EQ(stage2_unmap(&e.s2, MIB(4), KIB(4)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, MIB(6) - KIB(4), KIB(4)), 0);
    EXPECT_LEAVES(&e, 510, 0, 0);
    EXPECT_TABLES(&e, ROOT_PAGES + 2);
    check_segments(&e, MIB(4) + KIB(4), GIB(1) + MIB(2) + KIB(4), S2_READ | S2_EXEC, segs, 1);
    env_teardown(&e);
}

TEST(unmap_straddling_two_2m_leaves_splits_both)
{
    struct env e;
    static const struct segment lo[] = {{LEVEL_4K, 256}}, hi[] = {{LEVEL_4K, 256}};

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, MIB(8), GIB(1), MIB(4), S2_RW), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, MIB(9), MIB(2)), 0);
    EXPECT_LEAVES(&e, 512, 0, 0);
    check_segments(&e, MIB(8), GIB(1), S2_RW, lo, 1);
    check_segments(&e, MIB(11), GIB(1) + MIB(3), S2_RW, hi, 1);
    env_teardown(&e);
}

TEST(unmap_across_a_1g_leaf_and_its_neighbours)
{
    struct env e;

    env_setup(&e, 64);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1) - MIB(2), GIB(5) - MIB(2), GIB(1) + MIB(4), S2_RW), 0);
    EXPECT_LEAVES(&e, 0, 2, 1);
    /* From the middle of the 2 MiB leaf before it to the middle of the one after it. */
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1) - MIB(1), GIB(1) + MIB(2)), 0);
    EXPECT_LEAVES(&e, 512, 0, 0);
    EXPECT_MAPPED(&e, GIB(1) - MIB(1) - 1, GIB(5) - MIB(1) - 1, S2_RW, KIB(4));
    EXPECT_UNMAPPED(&e, GIB(1) - MIB(1));
    EXPECT_UNMAPPED(&e, GIB(1));
    EXPECT_UNMAPPED(&e, GIB(2) + MIB(1) - 1);
    EXPECT_MAPPED(&e, GIB(2) + MIB(1), GIB(6) + MIB(1), S2_RW, KIB(4));
    env_teardown(&e);
}

TEST(unmap_of_unmapped_ranges_is_harmless)
{
    struct env e;

    env_setup(&e, 64);
    EXPECT_EQ(stage2_unmap(&e.s2, 0, GIB(64)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, 0, STAGE2_IPA_LIMIT), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), 0), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, STAGE2_IPA_LIMIT - KIB(4), KIB(4)), 0);
    EXPECT_TABLES(&e, ROOT_PAGES); /* no tables were built to find nothing */
    EXPECT_LEAVES(&e, 0, 0, 0);

    EXPECT_EQ(stage2_map(&e.s2, GIB(3) + KIB(20), GIB(1), KIB(8), S2_RW), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(5), GIB(1) + KIB(8), KIB(4), S2_RW), 0);
    struct snapshot before = snap(&e);
    /* Holes before, between and after the mappings, at every level, and a zero length. */
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(3), KIB(20)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(3) + KIB(28), GIB(2) - KIB(28)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(5) + KIB(4), GIB(100)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(3) + KIB(20), 0), 0);
    EXPECT_UNCHANGED(&e, before);
    EXPECT_MAPPED(&e, GIB(3) + KIB(20), GIB(1), S2_RW, KIB(4));
    EXPECT_MAPPED(&e, GIB(3) + KIB(24), GIB(1) + KIB(4), S2_RW, KIB(4));
    EXPECT_MAPPED(&e, GIB(5), GIB(1) + KIB(8), S2_RW, KIB(4));
    /* One unmap over everything takes both. */
    EXPECT_EQ(stage2_unmap(&e.s2, 0, GIB(8)), 0);
    EXPECT_LEAVES(&e, 0, 0, 0);
    EXPECT_UNMAPPED(&e, GIB(3) + KIB(20));
    EXPECT_UNMAPPED(&e, GIB(5));
    EXPECT_EQ(stage2_unmap(&e.s2, 0, GIB(8)), 0);
    env_teardown(&e);
}

/* Unmapping leaves emptied tables in place; mapping a larger leaf over them must reuse or free
 * them, or every cycle would leak table pages for good. */
TEST(remapping_larger_leaves_does_not_leak_tables)
{
    struct env e;

    env_setup(&e, 16);
    for (int i = 0; i < 200; i++) {
        EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), KIB(4), S2_RW), 0);
        EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), KIB(4)), 0);
        EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), MIB(2), S2_RW), 0);
        EXPECT_MAPPED(&e, GIB(1) + KIB(4), GIB(4) + KIB(4), S2_RW, MIB(2));
        EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), MIB(2)), 0);
        EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), GIB(1), S2_RW), 0);
        EXPECT_MAPPED(&e, GIB(1) + MIB(2), GIB(4) + MIB(2), S2_RW, GIB(1));
        EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), GIB(1)), 0);
        EXPECT_TRUE(e.s2.nr_table_pages <= ROOT_PAGES + 2);
        EXPECT_EQ(pool_used(&e), e.s2.nr_table_pages);
        if (unit_current_failed)
            break;
    }
    EXPECT_LEAVES(&e, 0, 0, 0);
    env_teardown(&e);
}

/* ---------------------------------------------------------------- destroy, ENOMEM */

TEST(destroy_returns_every_table_page)
{
    struct env e;

    env_setup(&e, 256);
    EXPECT_EQ(stage2_map(&e.s2, 0, GIB(4), GIB(3), S2_RWX), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(3) + KIB(4), GIB(9), MIB(64), S2_RW), 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(100) + MIB(2), GIB(9) + MIB(2), MIB(6), S2_READ), 0);
    EXPECT_EQ(stage2_map(&e.s2, STAGE2_IPA_LIMIT - KIB(4), GIB(1), KIB(4), S2_READ), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1) + KIB(4), KIB(4)), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(100) + MIB(3), MIB(2)), 0);
    EXPECT_TRUE(e.s2.nr_table_pages > ROOT_PAGES + 5);
    EXPECT_EQ(pool_used(&e), e.s2.nr_table_pages);
    env_teardown(&e); /* checks the pool is full again */
}

TEST(destroy_twice_is_harmless)
{
    struct env e;

    env_setup(&e, 16);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), KIB(4), S2_RW), 0);
    stage2_destroy(&e.s2);
    EXPECT_EQ(page_pool_free_pages(&e.pool), 16);
    env_teardown(&e);
}

TEST(map_without_table_memory_is_enomem_and_maps_nothing)
{
    struct env e;

    /* Nothing but the root: 4 KiB and 2 MiB leaves need tables, 1 GiB leaves do not. */
    env_setup_tight(&e, 0);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), KIB(4), S2_RW), -ENOMEM);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), MIB(2), S2_RW), -ENOMEM);
    EXPECT_UNMAPPED(&e, GIB(1));
    EXPECT_LEAVES(&e, 0, 0, 0);
    EXPECT_EQ(e.s2.nr_table_pages, ROOT_PAGES);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), GIB(1), S2_RW), 0);
    EXPECT_MAPPED(&e, GIB(1), GIB(4), S2_RW, GIB(1));
    env_teardown_tight(&e);
}

TEST(enomem_part_way_rolls_the_mapping_back)
{
    struct env e;

    /* 4 KiB leaves over two 2 MiB slots need an L1 and two L0 tables; with two pages the
     * first 512 pages are mapped before the pool runs dry. */
    env_setup_tight(&e, 2);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4) + KIB(4), MIB(4), S2_RW), -ENOMEM);
    EXPECT_LEAVES(&e, 0, 0, 0);
    u64 mapped = 0;
    for (u64 a = GIB(1); a < GIB(1) + MIB(4); a += KIB(4))
        mapped += stage2_translate(&e.s2, a, NULL, NULL, NULL);
    EXPECT_EQ(mapped, 0);
    EXPECT_EQ(e.s2.nr_table_pages, ROOT_PAGES + 2);
    /* What fits still maps. */
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4) + KIB(4), MIB(2), S2_RW), 0);
    EXPECT_MAPPED(&e, GIB(1) + MIB(2) - 1, GIB(4) + MIB(2) + KIB(4) - 1, S2_RW, KIB(4));
    env_teardown_tight(&e);
}

TEST(split_without_memory_is_enomem_and_keeps_the_leaf)
{
    struct env e;

    env_setup_tight(&e, 1);
    EXPECT_EQ(stage2_map(&e.s2, GIB(1), GIB(4), MIB(2), S2_RW), 0); /* takes the last page */
    EXPECT_EQ(page_pool_free_pages(&e.pool), 0);
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1) + MIB(1), KIB(4)), -ENOMEM);
    EXPECT_LEAVES(&e, 0, 1, 0);
    EXPECT_MAPPED(&e, GIB(1) + MIB(1), GIB(4) + MIB(1), S2_RW, MIB(2));
    /* Whole leaves still unmap without memory. */
    EXPECT_EQ(stage2_unmap(&e.s2, GIB(1), MIB(2)), 0);
    EXPECT_UNMAPPED(&e, GIB(1));
    EXPECT_LEAVES(&e, 0, 0, 0);
    env_teardown_tight(&e);
}

/* ---------------------------------------------------------------- randomized */

/* The window: two 1 GiB slots, so 1 GiB leaves, their splits and all table levels occur. */
#define WIN_BASE     GIB(1)
#define WIN_PAGES    (GIB(2) >> PAGE_SHIFT)
#define RAND_OPS     10000
#define RAND_BATCH   100
#define RAND_PA_BASE GIB(16)
#define RAND_SEED    0x2545f4914f6cdd1dULL
#define PAGES_2M     (MIB(2) >> PAGE_SHIFT)
#define PAGES_1G     (GIB(1) >> PAGE_SHIFT)
/* Root + 2 L1 + one L0 per 2 MiB of the window, with room to spare. */
#define RAND_POOL_PAGES (ROOT_PAGES + 2 + WIN_PAGES / PAGES_2M + 16)

static u64 rng_state;

static u64 rng(void)
{
    /* xorshift64*: deterministic across hosts */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The reference: per page of the window, the PA it maps to (0: unmapped) and its prot. */
static paddr_t *ref_pa;
static u8 *ref_prot;

/* A random page range in the window: aligned to 4 KiB, 2 MiB or 1 GiB (with the given
 * percentages), sometimes knocked off that alignment at either end. */
static void random_range(u64 *first, u64 *count, u64 pct_4k, u64 pct_2m)
{
    u64 r = rng() % 100, gran = r < pct_4k ? 1 : r < pct_4k + pct_2m ? PAGES_2M : PAGES_1G;
    u64 n;

    *first = rng() % (WIN_PAGES / gran) * gran;
    if (gran == 1)
        n = 1 + rng() % (2 * PAGES_2M + 100);
    else if (gran == PAGES_2M)
        n = (1 + rng() % 6) * PAGES_2M;
    else
        n = PAGES_1G;
    if (rng() % 4 == 0)
        *first += rng() % PAGES_2M;
    if (rng() % 4 == 0)
        n += rng() % PAGES_2M;
    if (*first >= WIN_PAGES)
        *first = WIN_PAGES - 1;
    *count = MIN(n, WIN_PAGES - *first);
}

/* A PA for a mapping at ipa: congruent to it modulo 1 GiB, only modulo 2 MiB, or only 4 KiB. */
static paddr_t random_pa(u64 ipa)
{
    u64 r = rng() % 100;

    if (r < 60)
        return RAND_PA_BASE + ipa;
    if (r < 85)
        return RAND_PA_BASE + ipa + MIB(2);
    return RAND_PA_BASE + ipa + KIB(4) * (1 + rng() % (PAGES_2M - 1));
}

static void random_map(struct env *e, u64 first, u64 count)
{
    u64 ipa = WIN_BASE + (first << PAGE_SHIFT);
    paddr_t pa = random_pa(ipa);
    unsigned prot = 1 + rng() % S2_RWX;
    bool free = true;

    for (u64 p = first; p < first + count && free; p++)
        free = !ref_pa[p];
    int rc = stage2_map(&e->s2, ipa, pa, count << PAGE_SHIFT, prot);
    EXPECT_EQ(rc, free ? 0 : -EEXIST);
    if (rc || !free)
        return;
    for (u64 p = 0; p < count; p++) {
        ref_pa[first + p] = pa + (p << PAGE_SHIFT);
        ref_prot[first + p] = effective_prot(prot);
    }
}

static void random_unmap(struct env *e, u64 first, u64 count)
{
    EXPECT_EQ(stage2_unmap(&e->s2, WIN_BASE + (first << PAGE_SHIFT), count << PAGE_SHIFT), 0);
    memset(&ref_pa[first], 0, count * sizeof(*ref_pa));
}

/* Every page of the window against the reference; leaf counts, PTE bits and table-page
 * accounting against what the walk finds.  Returns the number of wrong pages. */
static u64 check_window(struct env *e)
{
    u64 wrong = 0, leaves[3] = {0, 0, 0};

    for (u64 p = 0; p < WIN_PAGES; p++) {
        u64 ipa = WIN_BASE + (p << PAGE_SHIFT);
        paddr_t pa = 0;
        unsigned prot = 0;
        u64 leaf = 0;
        bool mapped = stage2_translate(&e->s2, ipa + (p & 0xfff), &pa, &prot, &leaf);
        if (!ref_pa[p]) {
            wrong += mapped;
            continue;
        }
        if (!mapped || pa != ref_pa[p] + (p & 0xfff) || prot != ref_prot[p]) {
            wrong++;
            continue;
        }
        if (!IS_ALIGNED(ipa, leaf))
            continue;
        /* The first page of a leaf: count it and check its PTE. */
        int level = -1;
        u64 pte = walk_leaf(&e->s2, ipa, &level);
        leaves[level < 0 ? 0 : level]++;
        wrong += level_size(level) != leaf || !leaf_ok(pte, ref_pa[p], ref_prot[p]);
    }
    EXPECT_UNMAPPED(e, WIN_BASE - 1);
    EXPECT_UNMAPPED(e, WIN_BASE + GIB(2));
    EXPECT_EQ(leaves[LEVEL_4K], e->s2.nr_leaves[LEVEL_4K]);
    EXPECT_EQ(leaves[LEVEL_2M], e->s2.nr_leaves[LEVEL_2M]);
    EXPECT_EQ(leaves[LEVEL_1G], e->s2.nr_leaves[LEVEL_1G]);
    EXPECT_EQ(pool_used(e), e->s2.nr_table_pages);
    return wrong;
}

struct rand_stats {
    u64 maps_ok, maps_eexist, unmaps;
    u64 leaves_made[3]; /* by level */
    u64 splits[3];      /* unmaps that split a leaf of that level */
};

static void count_op(struct rand_stats *st, const u64 before[3], const u64 after[3], bool map)
{
    if (map) {
        bool made = false;
        for (int l = 0; l < 3; l++) {
            st->leaves_made[l] += after[l] > before[l] ? after[l] - before[l] : 0;
            made |= after[l] != before[l];
        }
        made ? st->maps_ok++ : st->maps_eexist++;
        return;
    }
    st->unmaps++;
    st->splits[LEVEL_1G] += after[LEVEL_2M] > before[LEVEL_2M];
    st->splits[LEVEL_2M] += after[LEVEL_4K] > before[LEVEL_4K];
}

TEST(randomized_map_unmap_against_reference)
{
    struct env e;
    struct rand_stats st = {0};

    rng_state = RAND_SEED;
    ref_pa = calloc(WIN_PAGES, sizeof(*ref_pa));
    ref_prot = calloc(WIN_PAGES, sizeof(*ref_prot));
    env_setup(&e, RAND_POOL_PAGES);
    for (int op = 0; op < RAND_OPS && !unit_current_failed; op++) {
        u64 first, count, before[3];
        bool map = rng() % 100 < 55;
        memcpy(before, e.s2.nr_leaves, sizeof(before));
        if (map) {
            random_range(&first, &count, 50, 35);
            random_map(&e, first, count);
        } else {
            random_range(&first, &count, 30, 40);
            random_unmap(&e, first, count);
        }
        count_op(&st, before, e.s2.nr_leaves, map);
        if ((op + 1) % RAND_BATCH == 0)
            EXPECT_EQ(check_window(&e), 0);
    }
    /* The sequence must reach every case, or it proves little. */
    EXPECT_TRUE(st.maps_ok > RAND_OPS / 10);
    EXPECT_TRUE(st.maps_eexist > RAND_OPS / 10);
    EXPECT_TRUE(st.unmaps > RAND_OPS / 10);
    EXPECT_TRUE(st.leaves_made[LEVEL_1G] >= 20);
    EXPECT_TRUE(st.leaves_made[LEVEL_2M] >= 1000);
    EXPECT_TRUE(st.splits[LEVEL_1G] >= 10);
    EXPECT_TRUE(st.splits[LEVEL_2M] >= 100);
    env_teardown(&e);
    free(ref_pa);
    free(ref_prot);
}

/* Sv39x4 stage-2 page tables (see stage2.h). */
#include <arch/stage2.h>
#include <kernel/errno.h>
#include <string.h>

#define PTE_V         (1UL << 0)
#define PTE_R         (1UL << 1)
#define PTE_W         (1UL << 2)
#define PTE_X         (1UL << 3)
#define PTE_U         (1UL << 4)
#define PTE_A         (1UL << 6)
#define PTE_D         (1UL << 7)
#define PTE_LEAF      (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK  (((1UL << 44) - 1) << PTE_PPN_SHIFT)
#define PA_LIMIT      (1UL << 56) /* what the 44-bit PPN of a PTE can address */

#define LEVELS            3
#define ROOT_LEVEL        (LEVELS - 1)
#define ROOT_PAGES        4
#define ENTRIES_PER_TABLE 512
#define ROOT_ENTRIES      (ENTRIES_PER_TABLE * ROOT_PAGES)
#define HGATP_MODE_SV39X4 (8UL << 60)
#define HGATP_VMID_SHIFT  44
#define HGATP_VMID_BITS   14

typedef u64 pte_t;

static u64 level_shift(int level)
{
    return PAGE_SHIFT + 9 * level;
}

static u64 level_size(int level)
{
    return 1UL << level_shift(level);
}

static u64 pte_index(gpaddr_t ipa, int level)
{
    u64 entries = level == ROOT_LEVEL ? ROOT_ENTRIES : ENTRIES_PER_TABLE;
    return (ipa >> level_shift(level)) & (entries - 1);
}

static pte_t *table_of(pte_t pte)
{
    return (pte_t *)(((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << PAGE_SHIFT);
}

static paddr_t pte_addr(pte_t pte)
{
    return ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

static bool pte_is_leaf(pte_t pte)
{
    return (pte & PTE_V) && (pte & PTE_LEAF);
}

static pte_t make_leaf(paddr_t pa, unsigned prot)
{
    pte_t pte = PTE_V | PTE_U | PTE_A | PTE_D | ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT);

    if (prot & S2_READ)
        pte |= PTE_R;
    if (prot & S2_WRITE)
        pte |= PTE_W | PTE_R; /* W without R is reserved */
    if (prot & S2_EXEC)
        pte |= PTE_X;
    return pte;
}

static unsigned leaf_prot(pte_t pte)
{
    return ((pte & PTE_R) ? S2_READ : 0) | ((pte & PTE_W) ? S2_WRITE : 0) |
           ((pte & PTE_X) ? S2_EXEC : 0);
}

static pte_t *alloc_table(struct stage2 *s2)
{
    paddr_t pa = page_pool_alloc(s2->pool, 1, PAGE_SIZE);

    if (!pa)
        return NULL;
    memset((void *)pa, 0, PAGE_SIZE);
    s2->nr_table_pages++;
    return (pte_t *)pa;
}

int stage2_init(struct stage2 *s2, struct page_pool *pool, u16 vmid)
{
    paddr_t root;

    if (vmid >= BIT(HGATP_VMID_BITS))
        return -EINVAL;
    root = page_pool_alloc(pool, ROOT_PAGES, ROOT_PAGES * PAGE_SIZE);
    if (!root)
        return -ENOMEM;
    memset((void *)root, 0, ROOT_PAGES * PAGE_SIZE);
    memset(s2, 0, sizeof(*s2));
    s2->root = root;
    s2->vmid = vmid;
    s2->pool = pool;
    s2->nr_table_pages = ROOT_PAGES;
    return 0;
}

/* Returns the table at `level` covering ipa, creating intermediate tables if asked. */
static pte_t *walk_to(struct stage2 *s2, gpaddr_t ipa, int level, bool create)
{
    pte_t *table = (pte_t *)s2->root;

    for (int l = ROOT_LEVEL; l > level; l--) {
        pte_t *pte = &table[pte_index(ipa, l)];
        if (!(*pte & PTE_V)) {
            if (!create)
                return NULL;
            pte_t *next = alloc_table(s2);
            if (!next)
                return NULL;
            *pte = PTE_V | (((paddr_t)next >> PAGE_SHIFT) << PTE_PPN_SHIFT);
        } else if (pte_is_leaf(*pte)) {
            return NULL; /* covered by a larger leaf */
        }
        table = table_of(*pte);
    }
    return table;
}

/* Skips whole unmapped subtrees, so checking a large region costs few steps. */
static bool range_is_unmapped(const struct stage2 *s2, gpaddr_t ipa, u64 size)
{
    gpaddr_t a = ipa, end = ipa + size;

    while (a < end) {
        const pte_t *table = (const pte_t *)s2->root;
        int level = ROOT_LEVEL;
        for (;;) {
            pte_t pte = table[pte_index(a, level)];
            if (!(pte & PTE_V))
                break;
            if (pte_is_leaf(pte) || level == 0)
                return false;
            table = table_of(pte);
            level--;
        }
        a = ALIGN_DOWN(a, level_size(level)) + level_size(level);
    }
    return true;
}

static void free_tables(struct stage2 *s2, pte_t *table, int level);

/* Unmapping leaves emptied tables in place: one where a large leaf is to go is freed. */
static void free_empty_table(struct stage2 *s2, pte_t *pte, int level)
{
    if (!(*pte & PTE_V) || pte_is_leaf(*pte))
        return;
    free_tables(s2, table_of(*pte), level - 1);
    page_pool_free(s2->pool, pte_addr(*pte), 1);
    s2->nr_table_pages--;
}

static int best_level(gpaddr_t ipa, paddr_t pa, u64 remaining)
{
    for (int level = ROOT_LEVEL; level > 0; level--) {
        u64 sz = level_size(level);
        if (IS_ALIGNED(ipa, sz) && IS_ALIGNED(pa, sz) && remaining >= sz)
            return level;
    }
    return 0;
}

int stage2_map(struct stage2 *s2, gpaddr_t ipa, paddr_t pa, u64 size, unsigned prot)
{
    if (!size || !IS_ALIGNED(ipa | pa | size, PAGE_SIZE) ||
        !range_within(ipa, size, 0, STAGE2_IPA_LIMIT) || !range_within(pa, size, 0, PA_LIMIT) ||
        !(prot & S2_RWX))
        return -EINVAL;
    if (!range_is_unmapped(s2, ipa, size))
        return -EEXIST;

    for (u64 off = 0; off < size;) {
        int level = best_level(ipa + off, pa + off, size - off);
        pte_t *table = walk_to(s2, ipa + off, level, true);
        if (!table) {
            stage2_unmap(s2, ipa, off);
            return -ENOMEM;
        }
        pte_t *pte = &table[pte_index(ipa + off, level)];
        free_empty_table(s2, pte, level);
        *pte = make_leaf(pa + off, prot);
        s2->nr_leaves[level]++;
        off += level_size(level);
    }
    return 0;
}

/* Replaces the large leaf *pte (at `level`) with a table of next-level leaves. */
static int split_leaf(struct stage2 *s2, pte_t *pte, int level)
{
    pte_t *table = alloc_table(s2);
    u64 child = level_size(level - 1);

    if (!table)
        return -ENOMEM;
    for (int i = 0; i < ENTRIES_PER_TABLE; i++)
        table[i] = make_leaf(pte_addr(*pte) + i * child, leaf_prot(*pte));
    s2->nr_leaves[level]--;
    s2->nr_leaves[level - 1] += ENTRIES_PER_TABLE;
    *pte = PTE_V | (((paddr_t)table >> PAGE_SHIFT) << PTE_PPN_SHIFT);
    return 0;
}

int stage2_unmap(struct stage2 *s2, gpaddr_t ipa, u64 size)
{
    if (!IS_ALIGNED(ipa | size, PAGE_SIZE) || !range_within(ipa, size, 0, STAGE2_IPA_LIMIT))
        return -EINVAL;

    for (u64 off = 0; off < size;) {
        gpaddr_t a = ipa + off;
        pte_t *table = (pte_t *)s2->root;
        int level = ROOT_LEVEL;
        pte_t *pte;

        for (;;) {
            pte = &table[pte_index(a, level)];
            if (!(*pte & PTE_V) || pte_is_leaf(*pte) || level == 0)
                break;
            table = table_of(*pte);
            level--;
        }
        u64 sz = level_size(level);
        u64 next = ALIGN_DOWN(a, sz) + sz;
        if (!(*pte & PTE_V)) {
            off = next - ipa;
            continue;
        }
        if (level > 0 && (!IS_ALIGNED(a, sz) || size - off < sz)) {
            int err = split_leaf(s2, pte, level);
            if (err)
                return err;
            continue; /* retry this address one level down */
        }
        *pte = 0;
        s2->nr_leaves[level]--;
        off = next - ipa;
    }
    return 0;
}

bool stage2_translate(const struct stage2 *s2, gpaddr_t ipa, paddr_t *pa, unsigned *prot,
                      u64 *leaf_size)
{
    const pte_t *table = (const pte_t *)s2->root;

    if (ipa >= STAGE2_IPA_LIMIT)
        return false;
    for (int level = ROOT_LEVEL; level >= 0; level--) {
        pte_t pte = table[pte_index(ipa, level)];
        if (!(pte & PTE_V))
            return false;
        if (pte_is_leaf(pte)) {
            u64 sz = level_size(level);
            if (pa)
                *pa = pte_addr(pte) + (ipa & (sz - 1));
            if (prot)
                *prot = leaf_prot(pte);
            if (leaf_size)
                *leaf_size = sz;
            return true;
        }
        if (level == 0)
            return false;
        table = table_of(pte);
    }
    return false;
}

static void free_tables(struct stage2 *s2, pte_t *table, int level)
{
    u64 entries = level == ROOT_LEVEL ? ROOT_ENTRIES : ENTRIES_PER_TABLE;

    for (u64 i = 0; i < entries; i++) {
        pte_t pte = table[i];
        if ((pte & PTE_V) && !pte_is_leaf(pte) && level > 0) {
            free_tables(s2, table_of(pte), level - 1);
            page_pool_free(s2->pool, pte_addr(pte), 1);
            s2->nr_table_pages--;
        }
    }
}

void stage2_destroy(struct stage2 *s2)
{
    if (!s2->root)
        return;
    free_tables(s2, (pte_t *)s2->root, ROOT_LEVEL);
    page_pool_free(s2->pool, s2->root, ROOT_PAGES);
    s2->nr_table_pages -= ROOT_PAGES;
    s2->root = 0;
}

u64 stage2_hgatp(const struct stage2 *s2)
{
    return HGATP_MODE_SV39X4 | ((u64)s2->vmid << HGATP_VMID_SHIFT) | (s2->root >> PAGE_SHIFT);
}

/*
 * Stage-2 (G-stage) translation, Sv39x4: 41-bit guest-physical addresses, a 16 KiB root
 * table and 4 KiB / 2 MiB / 1 GiB leaves.  stage2_map() picks the largest leaf that the
 * alignment of both addresses and the remaining length allow.  Leaves have A and D preset
 * (QEMU's rv64 has Svadu on and Svade off; preset bits work either way) and U set, as
 * G-stage accesses are checked as user accesses.  Pure logic; unit-tested on the host.
 */
#ifndef ARCH_STAGE2_H
#define ARCH_STAGE2_H

#include <kernel/page_alloc.h>
#include <kernel/types.h>

#define STAGE2_IPA_BITS  41
#define STAGE2_IPA_LIMIT (1UL << STAGE2_IPA_BITS)

#define S2_READ  (1U << 0)
#define S2_WRITE (1U << 1)
#define S2_EXEC  (1U << 2)
#define S2_RWX   (S2_READ | S2_WRITE | S2_EXEC)
#define S2_RW    (S2_READ | S2_WRITE)

struct stage2 {
    paddr_t root; /* 16 KiB, 16 KiB aligned */
    u16 vmid;
    u64 nr_table_pages;     /* pages of page-table memory in use, root included */
    u64 nr_leaves[3];       /* leaves by level: [0] 4 KiB, [1] 2 MiB, [2] 1 GiB */
    struct page_pool *pool; /* where table pages come from */
};

/* -EINVAL if vmid does not fit hgatp's 14-bit VMID field, -ENOMEM. */
int stage2_init(struct stage2 *s2, struct page_pool *pool, u16 vmid);
/* Maps [ipa, ipa + size) to [pa, pa + size).  All three must be 4 KiB aligned, pa + size at
 * most 2^56.
 * -EEXIST if any page is already mapped (nothing is changed then), -ENOMEM, -EINVAL. */
int stage2_map(struct stage2 *s2, gpaddr_t ipa, paddr_t pa, u64 size, unsigned prot);
/* Removes the mappings in [ipa, ipa + size), splitting large leaves where needed. */
int stage2_unmap(struct stage2 *s2, gpaddr_t ipa, u64 size);
/* Looks up ipa; on success fills pa (of that byte), prot and the leaf size. */
bool stage2_translate(const struct stage2 *s2, gpaddr_t ipa, paddr_t *pa, unsigned *prot,
                      u64 *leaf_size);
/* Frees every table page; the stage2 must not be in use on any hart. */
void stage2_destroy(struct stage2 *s2);
/* Value for the hgatp CSR: Sv39x4, VMID, root PPN. */
u64 stage2_hgatp(const struct stage2 *s2);

#endif

// UNIT_SOURCES: arch/riscv64/vsbi/vsbi_hart_mask.c
/* vsbi_hart_mask_to_vcpus(): the SBI (hart_mask, hart_mask_base) pair a guest passes to
 * IPI and RFENCE calls, turned into a bitmap of its vCPUs.  Hart ids are vCPU ids. */
#include <arch/vsbi.h>

#include "unit_test.h"

#define BASE_ALL ((unsigned long)-1)
/* Written into the output before each call, so a call that "succeeds" without storing is seen. */
#define POISON 0x5a5a5a5a5a5a5a5aUL

static long to_vcpus(unsigned long mask, unsigned long base, u32 nr_vcpus, u64 *out)
{
    *out = POISON;
    return vsbi_hart_mask_to_vcpus(mask, base, nr_vcpus, out);
}

/* Expects success with exactly `want` as the vCPU set. */
#define EXPECT_VCPUS(mask, base, nr, want)                                                         \
    do {                                                                                           \
        u64 __out;                                                                                 \
        EXPECT_EQ(to_vcpus((mask), (base), (nr), &__out), SBI_SUCCESS);                            \
        EXPECT_EQ(__out, (want));                                                                  \
    } while (0)

#define EXPECT_INVALID(mask, base, nr)                                                             \
    do {                                                                                           \
        u64 __out;                                                                                 \
        EXPECT_EQ(to_vcpus((mask), (base), (nr), &__out), SBI_ERR_INVALID_PARAM);                  \
    } while (0)

TEST(base_minus_one_means_every_vcpu)
{
    EXPECT_VCPUS(0, BASE_ALL, 1, 0x1);
    EXPECT_VCPUS(0, BASE_ALL, 4, 0xf);
    EXPECT_VCPUS(0, BASE_ALL, 63, ~0UL >> 1);
    EXPECT_VCPUS(0, BASE_ALL, 64, ~0UL);
    /* The mask is ignored, even bits naming vCPUs the VM does not have. */
    EXPECT_VCPUS(0xffff0000UL, BASE_ALL, 4, 0xf);
    EXPECT_VCPUS(~0UL, BASE_ALL, 2, 0x3);
}

TEST(mask_inside_nr_vcpus)
{
    EXPECT_VCPUS(0x1, 0, 1, 0x1);
    EXPECT_VCPUS(0x5, 0, 4, 0x5);
    EXPECT_VCPUS(0xf, 0, 4, 0xf);
    EXPECT_VCPUS(0x3, 2, 4, 0xc);
    EXPECT_VCPUS(0x1, 3, 4, 0x8);
    EXPECT_VCPUS(~0UL, 0, 64, ~0UL);
    EXPECT_VCPUS(0x1, 63, 64, 1UL << 63);
    EXPECT_VCPUS(0x80000001UL, 1, 64, 0x100000002UL);
}

TEST(empty_mask_is_an_empty_set)
{
    EXPECT_VCPUS(0, 0, 4, 0);
    EXPECT_VCPUS(0, 3, 4, 0);
}

TEST(mask_naming_vcpus_past_nr_vcpus_is_invalid)
{
    EXPECT_INVALID(0x10, 0, 4); /* vCPU 4 of 4 */
    EXPECT_INVALID(0x1f, 0, 4); /* valid ones too, but one is not */
    EXPECT_INVALID(0x7, 2, 4);  /* base 2: vCPUs 2, 3, 4 */
    EXPECT_INVALID(0x2, 3, 4);  /* vCPU 4 */
    EXPECT_INVALID(0x2, 0, 1);
    EXPECT_INVALID(1UL << 63, 0, 63);
}

TEST(base_at_or_past_nr_vcpus)
{
    /* No hart is named: not an error, nothing is targeted. */
    EXPECT_VCPUS(0, 4, 4, 0);
    EXPECT_VCPUS(0, 5, 4, 0);
    EXPECT_VCPUS(0, 1000, 4, 0);
    /* Any bit names a hart >= base >= nr_vcpus. */
    EXPECT_INVALID(0x1, 4, 4);
    EXPECT_INVALID(0x1, 5, 4);
    EXPECT_INVALID(1UL << 63, 4, 4);
    EXPECT_INVALID(0x1, 1, 1);
}

TEST(bits_shifted_past_63_are_invalid)
{
    /* With 64 vCPUs every bit that stays inside the word is valid, so only the shift can fail. */
    EXPECT_INVALID(1UL << 63, 1, 64); /* hart 64 */
    EXPECT_INVALID(0x3, 63, 64);      /* harts 63 and 64 */
    EXPECT_INVALID(~0UL, 1, 64);
    EXPECT_INVALID(0x100, 60, 64); /* hart 68: a shift that would wrap to bit 4 */
    EXPECT_VCPUS(~0UL >> 1, 1, 64, ~0UL << 1);
    EXPECT_VCPUS(0xf, 60, 64, 0xfUL << 60);
}

TEST(base_at_or_past_64)
{
    EXPECT_INVALID(0x1, 64, 64);
    EXPECT_INVALID(0x1, 65, 64);
    EXPECT_INVALID(~0UL, 64, 64);
    EXPECT_INVALID(0x1, 1UL << 40, 64);
    EXPECT_INVALID(0x1, BASE_ALL - 1, 64);
    EXPECT_VCPUS(0, 64, 64, 0);
    EXPECT_VCPUS(0, 128, 64, 0);
    EXPECT_VCPUS(0, BASE_ALL - 1, 64, 0);
}

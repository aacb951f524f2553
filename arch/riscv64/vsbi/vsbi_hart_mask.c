/* SBI hart mask to vCPU bitmap (see vsbi.h).  Kept apart from the dispatcher so the host
 * unit tests can link it alone. */
#include <arch/vsbi.h>

long vsbi_hart_mask_to_vcpus(unsigned long hart_mask, unsigned long hart_mask_base, u32 nr_vcpus,
                             u64 *vcpus)
{
    u64 all = nr_vcpus >= 64 ? ~0UL : BIT(nr_vcpus) - 1;

    if (hart_mask_base == (unsigned long)-1) {
        *vcpus = all;
        return SBI_SUCCESS;
    }
    if (hart_mask_base >= nr_vcpus && hart_mask)
        return SBI_ERR_INVALID_PARAM;
    u64 mask = hart_mask_base >= 64 ? 0 : hart_mask << hart_mask_base;
    /* Bits shifted out past 63 or naming vCPUs past nr_vcpus are invalid harts. */
    if (hart_mask_base < 64 && hart_mask_base && (hart_mask >> (64 - hart_mask_base)))
        return SBI_ERR_INVALID_PARAM;
    if (mask & ~all)
        return SBI_ERR_INVALID_PARAM;
    *vcpus = mask;
    return SBI_SUCCESS;
}

// FUZZ_SOURCES: arch/riscv64/vsbi/vsbi_hart_mask.c
/* vsbi_hart_mask_to_vcpus(): the (hart_mask, hart_mask_base) pair of a guest's IPI or RFENCE
 * call, compared with the SBI specification read bit by bit: base -1 names every hart;
 * otherwise bit i of the mask names hart base + i, and a named hart the VM does not have
 * makes the call invalid.  In particular a success never names a vCPU outside the VM.
 *
 * Input: hart_mask (8 bytes), the VM's vCPU count (1 byte), a base selector (1 byte) and a
 * raw base (8 bytes); missing bytes are zeros. */
#include <arch/vsbi.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"

#define BASE_ALL    ((unsigned long)-1)
#define MASK_BITS   64
#define POISON      0x5a5a5a5a5a5a5a5aULL
#define VCPUS_LIMIT 64 /* the bitmap's width; a VM has at most MAX_HARTS */

/* Bases that matter: near 0, near the vCPU count, near the mask width, -1 and its neighbours. */
static unsigned long pick_base(struct fuzz_input *in, u32 nr_vcpus)
{
    u8 selector = fuzz_u8(in);
    unsigned long raw = fuzz_u64(in);

    switch (selector % 4) {
    case 0:
        return raw % (2 * MASK_BITS);
    case 1:
        return nr_vcpus + (raw % 3) - 1;
    case 2:
        return BASE_ALL - raw % 3;
    default:
        return raw;
    }
}

/* The specification's meaning, hart by hart. */
static long reference(unsigned long mask, unsigned long base, u32 nr_vcpus, u64 *vcpus)
{
    u64 all = nr_vcpus >= VCPUS_LIMIT ? ~0ULL : (1ULL << nr_vcpus) - 1;

    if (base == BASE_ALL) {
        *vcpus = all;
        return SBI_SUCCESS;
    }
    *vcpus = 0;
    for (unsigned i = 0; i < MASK_BITS; i++) {
        if (!(mask & (1UL << i)))
            continue;
        unsigned __int128 hart = (unsigned __int128)base + i;
        if (hart >= nr_vcpus)
            return SBI_ERR_INVALID_PARAM;
        *vcpus |= 1ULL << (unsigned)hart;
    }
    return SBI_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;

    fuzz_input_init(&in, data, size);
    unsigned long mask = fuzz_u64(&in);
    u32 nr_vcpus = fuzz_below(&in, VCPUS_LIMIT + 1);
    unsigned long base = pick_base(&in, nr_vcpus);

    u64 got = POISON, want = 0;
    long err = vsbi_hart_mask_to_vcpus(mask, base, nr_vcpus, &got);
    long want_err = reference(mask, base, nr_vcpus, &want);

    if (err != want_err)
        FUZZ_FAIL("mask 0x%lx base 0x%lx nr_vcpus %u: returned %ld, the specification says %ld",
                  mask, base, nr_vcpus, err, want_err);
    if (err == SBI_SUCCESS && got != want)
        FUZZ_FAIL("mask 0x%lx base 0x%lx nr_vcpus %u: vCPUs 0x%llx, expected 0x%llx", mask, base,
                  nr_vcpus, (unsigned long long)got, (unsigned long long)want);
    if (err == SBI_SUCCESS && nr_vcpus < VCPUS_LIMIT)
        FUZZ_CHECK((got >> nr_vcpus) == 0); /* never a vCPU the VM does not have */
    return 0;
}

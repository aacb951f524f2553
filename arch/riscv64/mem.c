/* Clearing memory: cbo.zero when the platform has Zicboz and firmware allows it. */
#include <arch/hooks.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <string.h>

#define ZERO_UNROLL 8 /* blocks per iteration of arch_zero_blocks */

void arch_zero_blocks(void *p, u64 size, u64 block);
bool arch_zero_probe(void *block);

static u64 zero_block; /* cbo.zero block size, 0 when not usable */

void arch_mem_init(void)
{
    static u8 scratch[PLATFORM_CBOZ_MAX] __aligned(PLATFORM_CBOZ_MAX);
    u64 block = platform.cboz_block_size;

    if (block && block <= sizeof(scratch) && (block & (block - 1)) == 0 && arch_zero_probe(scratch))
        zero_block = block;
    log_info("memory clearing: %s", zero_block ? "cbo.zero (Zicboz)" : "stores");
}

void arch_mem_zero(void *p, u64 size)
{
    u64 start = (u64)p, end = start + size, chunk = zero_block * ZERO_UNROLL;

    if (!zero_block || size < 2 * chunk) {
        memset(p, 0, size);
        return;
    }
    u64 head = ALIGN_UP(start, chunk), tail = ALIGN_DOWN(end, chunk);
    memset(p, 0, head - start);
    arch_zero_blocks((void *)head, tail - head, zero_block);
    memset((void *)tail, 0, end - tail);
}

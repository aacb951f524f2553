/* Clearing memory: cbo.zero when the platform has Zicboz and firmware allows it. */
#include <arch/hooks.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <string.h>

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
    u64 start = (u64)p, end = start + size;

    if (!zero_block || size < 2 * zero_block) {
        memset(p, 0, size);
        return;
    }
    u64 head = ALIGN_UP(start, zero_block), tail = ALIGN_DOWN(end, zero_block);
    memset(p, 0, head - start);
    arch_zero_blocks((void *)head, tail - head, zero_block);
    memset((void *)tail, 0, end - tail);
}

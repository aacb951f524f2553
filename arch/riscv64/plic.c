/* Physical PLIC driver (see plic.h). */
#include <arch/plic.h>
#include <kernel/irq_route.h>
#include <kernel/log.h>
#include <kernel/platform.h>

#define PLIC_PRIORITY(irq)   (0x0 + 4 * (irq))
#define PLIC_ENABLE(ctx)     (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)  (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      (0x200000 + 0x1000 * (ctx) + 4)
#define PLIC_MAX_SOURCES     1024
#define PLIC_ROUTED_PRIORITY 1

static volatile u32 *reg(u64 off)
{
    return (volatile u32 *)(platform.plic_base + off);
}

static s32 context_of(u32 hartid)
{
    return hartid < MAX_HARTS ? platform.plic_s_context[hartid] : -1;
}

static void hart_context_init(u32 hartid)
{
    s32 ctx = context_of(hartid);

    if (ctx < 0)
        return;
    for (u32 w = 0; w < PLIC_MAX_SOURCES / 32; w++)
        *reg(PLIC_ENABLE(ctx) + 4 * w) = 0;
    *reg(PLIC_THRESHOLD(ctx)) = 0;
}

void plic_init(void)
{
    if (!platform.plic_base)
        return;
    for (u32 irq = 1; irq <= platform.plic_ndev; irq++)
        *reg(PLIC_PRIORITY(irq)) = 0;
    for (u32 h = 0; h < MAX_HARTS; h++)
        if (platform.hart_mask & BIT(h))
            hart_context_init(h);
}

void plic_set_enabled(u32 irq, u32 hartid, bool enabled)
{
    s32 ctx = context_of(hartid);

    if (ctx < 0 || irq == 0 || irq > platform.plic_ndev)
        return;
    volatile u32 *word = reg(PLIC_ENABLE(ctx) + 4 * (irq / 32));
    if (enabled) {
        *reg(PLIC_PRIORITY(irq)) = PLIC_ROUTED_PRIORITY;
        *word |= 1U << (irq % 32);
    } else {
        *word &= ~(1U << (irq % 32));
    }
}

void plic_complete(u32 irq, u32 hartid)
{
    s32 ctx = context_of(hartid);

    if (ctx >= 0)
        *reg(PLIC_CLAIM(ctx)) = irq;
}

void plic_handle_irq(void)
{
    u32 hartid = this_hartid();
    s32 ctx = context_of(hartid);
    u32 irq;

    if (ctx < 0)
        return;
    while ((irq = *reg(PLIC_CLAIM(ctx))) != 0)
        irq_route_deliver(irq, hartid);
}

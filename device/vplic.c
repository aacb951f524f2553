/* PLACEHOLDER - being replaced by the vPLIC implementation (helper task). */
#include <arch/plic.h>
#include <device/vplic.h>

void vplic_passthrough_raise(struct vplic *vplic, u32 irq, u32 hartid)
{
    (void)vplic;
    plic_complete(irq, hartid);
}

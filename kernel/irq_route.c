/* Physical interrupt ownership and delivery (see irq_route.h). */
#include <arch/plic.h>
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/irq_route.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <vmm/vm.h>

static struct vm *owner[IRQ_ROUTE_MAX];
static spinlock_t route_lock = SPINLOCK_INIT;

int irq_route_claim(u32 irq, struct vm *vm)
{
    int err = 0;

    if (irq == 0 || irq >= IRQ_ROUTE_MAX)
        return -EINVAL;
    spin_lock(&route_lock);
    if (owner[irq] && owner[irq] != vm)
        err = -EBUSY;
    else
        owner[irq] = vm;
    spin_unlock(&route_lock);
    return err;
}

void irq_route_release_all(struct vm *vm)
{
    spin_lock(&route_lock);
    for (u32 irq = 0; irq < IRQ_ROUTE_MAX; irq++)
        if (owner[irq] == vm)
            owner[irq] = NULL;
    spin_unlock(&route_lock);
}

u32 irq_route_nr_owned(void)
{
    u32 n = 0;

    for (u32 irq = 0; irq < IRQ_ROUTE_MAX; irq++)
        n += READ_ONCE(owner[irq]) != NULL;
    return n;
}

struct vm *irq_route_owner(u32 irq)
{
    return irq < IRQ_ROUTE_MAX ? READ_ONCE(owner[irq]) : NULL;
}

void irq_route_deliver(u32 irq, u32 hartid)
{
    struct vm *vm = irq_route_owner(irq);

    if (vm && vm->vplic) {
        vplic_passthrough_raise(vm->vplic, irq, hartid);
        return;
    }
    /* Complete while still enabled: the PLIC ignores a complete for a disabled source. */
    log_warn("interrupt %u has no owner: dropped and disabled", irq);
    plic_complete(irq, hartid);
    plic_set_enabled(irq, hartid, false);
}

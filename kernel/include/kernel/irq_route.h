/*
 * Ownership of physical interrupt sources: each passthrough source belongs to at most
 * one VM, and arriving interrupts are forwarded to that VM's virtual PLIC.
 */
#ifndef KERNEL_IRQ_ROUTE_H
#define KERNEL_IRQ_ROUTE_H

#include <kernel/types.h>

struct vm;

#define IRQ_ROUTE_MAX 1024

/* Gives source irq to vm; -EBUSY if another VM owns it, -EINVAL if out of range. */
int irq_route_claim(u32 irq, struct vm *vm);
/* Releases every source vm owns. */
void irq_route_release_all(struct vm *vm);
/* How many sources VMs own (SYSTEM_GET_INFO: a removed VM must leave none behind). */
u32 irq_route_nr_owned(void);
/* The VM owning irq, or NULL. */
struct vm *irq_route_owner(u32 irq);
/* A claimed physical interrupt: hand it to its owner (or complete and drop it). */
void irq_route_deliver(u32 irq, u32 hartid);

#endif

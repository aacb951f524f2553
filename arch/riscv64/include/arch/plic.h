/*
 * The physical PLIC.  The hypervisor enables a source only for the hart that runs the
 * vCPU it is routed to, claims it on arrival, and completes it only when the guest
 * completes it in its virtual PLIC (correct for level-triggered sources).
 */
#ifndef ARCH_PLIC_H
#define ARCH_PLIC_H

#include <kernel/types.h>

/* Boot hart: all sources disabled, every hart's S-context threshold 0. */
void plic_init(void);
/* Enables or disables source irq for hart's S-context, at priority 1. */
void plic_set_enabled(u32 irq, u32 hartid, bool enabled);
/* Completes a claimed source on the given hart's context. */
void plic_complete(u32 irq, u32 hartid);
/* External interrupt on this hart: claim every pending source and route it. */
void plic_handle_irq(void);

#endif

/*
 * Virtual PLIC, one per VM (EMU_DEV_PLIC).  Context 2*i+1 is vCPU i's S-level context
 * (even contexts are the absent M-level ones), as on QEMU virt.  Claim returns the
 * highest-priority pending source enabled for the context with priority above its
 * threshold; VSEIP of every vCPU is recomputed after each state change.
 */
#ifndef DEVICE_VPLIC_H
#define DEVICE_VPLIC_H

#include <kernel/types.h>

struct vplic;

/* An emulated device of the VM raises source irq (edge: sets its pending bit). */
void vplic_raise(struct vplic *vplic, u32 irq);
/* A physical passthrough source arrived on hart `hartid`; it is completed on the
 * physical PLIC when the guest completes it. */
void vplic_passthrough_raise(struct vplic *vplic, u32 irq, u32 hartid);

#endif

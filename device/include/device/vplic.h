/*
 * Virtual PLIC, one per VM: the emulated device EMU_DEV_PLIC, which sets vm->vplic.
 * Design and semantics: docs/vplic.md; the state machine: device/vplic_state.h.
 *
 * Register map (SiFive/QEMU virt PLIC; 32-bit accesses only):
 *   0x000000 + 4*irq               priority of source irq (1..nr_sources; source 0 reads 0)
 *   0x001000 + 4*w                 pending bits (read-only; writes are ignored)
 *   0x002000 + 0x80*ctx + 4*w      enable bits of context ctx
 *   0x200000 + 0x1000*ctx          threshold of context ctx
 *   0x200000 + 0x1000*ctx + 4      claim (read) / complete (write) of context ctx
 * Context 2*i+1 is vCPU i's S-level context.  The even (M-level) contexts exist in the map
 * so that a guest's context numbering matches the hardware's, but are inert: they read 0
 * and ignore writes.  Any other width, any offset of a context the VM has no vCPU for and
 * any offset outside these registers is refused with -EINVAL (an access fault in the guest).
 *
 * The number of sources is cfg[0] of the device's config (1..VPLIC_MAX_SOURCES), 127 if
 * the config has no cfg values.  The device's size must cover the contexts of every vCPU.
 */
#ifndef DEVICE_VPLIC_H
#define DEVICE_VPLIC_H

#include <kernel/types.h>

struct vplic;

#define VPLIC_DEFAULT_SOURCES 127

/* An emulated device of the VM raises source irq: one edge, one claim.  Invalid ids are
 * ignored.  Callable from any hart. */
void vplic_raise(struct vplic *vplic, u32 irq);
/* A passthrough source arrived after the physical PLIC claimed it on hart `hartid`; it is
 * completed there when the guest completes it.  vm_create() checks that passthrough ids
 * are within the vPLIC's sources.  Callable from any hart. */
void vplic_passthrough_raise(struct vplic *vplic, u32 irq, u32 hartid);
/* Back to the power-on state (vm_start): completes on the physical PLIC every passthrough
 * source the guest still holds and disables the physical sources it had enabled. */
void vplic_reset(struct vplic *vplic);
/* Source ids are 1..vplic_nr_sources() (for the device tree's riscv,ndev). */
u32 vplic_nr_sources(const struct vplic *vplic);

#endif

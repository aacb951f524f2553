/*
 * Notifications to the MVM (VM 0): a message ring in the MVM's RAM that its kernel module
 * registers (NOTIFY_REGISTER; protocol in include/shyper/hypercall.h) and one interrupt,
 * raised through the MVM's vPLIC after every message.  The interrupt is the irq of the
 * MVM's EMU_DEV_SHYPER device: a device without registers (size 0, so never an MMIO
 * range) that only VM 0 may have; its device tree node tells the module the number.
 *
 * The hypervisor never waits for the MVM: a full ring drops the message and counts it.
 */
#ifndef VMM_VM_NOTIFY_H
#define VMM_VM_NOTIFY_H

#include <kernel/types.h>
#include <shyper/hypercall.h>

struct vm;

/* Sizes of ring the MVM may register (a power of two in between). */
#define VM_NOTIFY_RING_MIN KIB(4)
#define VM_NOTIFY_RING_MAX MIB(1)

/* Uses the ring at host address ring (size bytes of VM 0's RAM, checked by the caller,
 * 8-byte aligned, a power of two from VM_NOTIFY_RING_MIN to VM_NOTIFY_RING_MAX): resets
 * its header and returns nr_slots.  Replaces any ring registered before. */
u32 vm_notify_register(void *ring, u64 size);
/* Stops using the registered ring (its memory may be freed afterwards). */
void vm_notify_unregister(void);
/* Appends msg to the ring and raises the MVM's interrupt.  False when no ring is
 * registered or it is full (the message is lost; a full ring counts it in `dropped`).
 * Callable from any hart. */
bool vm_notify_post(const struct shyper_msg *msg);
/* Posts SHYPER_MSG_VM_STATE (vm's id and state, or SHYPER_VM_REMOVED) and raises the
 * MVM's interrupt.  Callable from any hart. */
void vm_notify_state(struct vm *vm, enum shyper_vm_event event);

#endif

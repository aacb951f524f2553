/* Messages and the notification interrupt to the MVM (see vm_notify.h). */
#include <device/mmio.h>
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <vmm/vm.h>
#include <vmm/vm_notify.h>

_Static_assert((int)SHYPER_VM_CONFIGURED == (int)VM_STATE_CONFIGURED &&
                   (int)SHYPER_VM_RUNNING == (int)VM_STATE_RUNNING &&
                   (int)SHYPER_VM_STOPPED == (int)VM_STATE_STOPPED,
               "VM states differ between the ABI and the hypervisor");

static struct {
    spinlock_t lock;
    struct shyper_msg_ring *ring; /* in VM 0's RAM, NULL when none is registered */
    u32 nr_slots;
    u32 head; /* the hypervisor's own copies: the MVM could overwrite the ring's */
    u32 dropped;
    u32 irq; /* VM 0's EMU_DEV_SHYPER interrupt, 0 without the device */
} notify = {.lock = SPINLOCK_INIT};

u32 vm_notify_register(void *ring, u64 size)
{
    struct shyper_msg_ring *r = ring;
    u32 nr_slots = (u32)((size - sizeof(*r)) / sizeof(r->slots[0]));

    spin_lock(&notify.lock);
    notify.ring = r;
    notify.nr_slots = nr_slots;
    notify.head = notify.dropped = 0;
    WRITE_ONCE(r->nr_slots, nr_slots);
    WRITE_ONCE(r->dropped, 0);
    WRITE_ONCE(r->head, 0);
    WRITE_ONCE(r->tail, 0);
    spin_unlock(&notify.lock);
    log_info("vm0: notification ring of %u slots, interrupt %u", nr_slots, notify.irq);
    return nr_slots;
}

void vm_notify_unregister(void)
{
    spin_lock(&notify.lock);
    notify.ring = NULL;
    spin_unlock(&notify.lock);
}

/* Appends msg unless the ring is full (or the MVM corrupted tail); under notify.lock. */
static bool post(const struct shyper_msg *msg)
{
    struct shyper_msg_ring *r = notify.ring;
    u32 tail = READ_ONCE(r->tail), next = (notify.head + 1) % notify.nr_slots;

    if (tail >= notify.nr_slots || next == tail) {
        WRITE_ONCE(r->dropped, ++notify.dropped);
        return false;
    }
    r->slots[notify.head] = *msg;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the message before the index that shows it */
    notify.head = next;
    WRITE_ONCE(r->head, next);
    return true;
}

bool vm_notify_post(const struct shyper_msg *msg)
{
    struct vm *mvm = vm_get(0);
    bool posted = false;

    spin_lock(&notify.lock);
    if (notify.ring)
        posted = post(msg);
    spin_unlock(&notify.lock);
    if (posted && mvm && mvm->vplic && notify.irq)
        vplic_raise(mvm->vplic, notify.irq);
    return posted;
}

void vm_notify_state(struct vm *vm, enum shyper_vm_event event)
{
    struct shyper_msg msg = {
        .type = SHYPER_MSG_VM_STATE,
        .arg = {vm->id, event == SHYPER_VM_EVENT_REMOVED ? SHYPER_VM_REMOVED : vm->state, event},
    };

    vm_notify_post(&msg);
}

/* EMU_DEV_SHYPER: no registers, only the interrupt number. */
static int shyper_dev_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    if (!vm_is_mvm(dev->vm) || dev->size || !cfg->irq) {
        log_error("vm%u: %s: only VM 0 has a shyper device, with an interrupt and no registers",
                  dev->vm->id, dev->name);
        return -EINVAL;
    }
    notify.irq = cfg->irq;
    return 0;
}

const struct emu_dev_type_desc shyper_dev_type = {
    .type = EMU_DEV_SHYPER,
    .name = "shyper",
    .create = shyper_dev_create,
};

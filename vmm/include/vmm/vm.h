/*
 * Virtual machines: memory, vCPUs, emulated devices and lifecycle.  VM ids are small
 * integers; VM 0 is the management VM (MVM).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <arch/stage2.h>
#include <config/vm_config.h>
#include <device/mmio.h>
#include <kernel/pcpu_layout.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>
#include <vmm/vcpu.h>
#include <vmm/vm_console.h>

struct vm_dynamic;

#define MAX_VMS            8
#define MVM_ID             0 /* the management VM */
#define VM_STOP_REASON_MAX 128

enum vm_state {
    VM_STATE_CONFIGURED = 0, /* created, memory and image in place, not started */
    VM_STATE_RUNNING = 1,
    VM_STATE_STOPPED = 2, /* powered off by itself, or stopped by the hypervisor */
};

struct vm_mem_region {
    gpaddr_t ipa;
    paddr_t pa;
    u64 size;
};

struct vm {
    u32 id;
    char name[VM_NAME_MAX];
    enum vm_state state;
    char stop_reason[VM_STOP_REASON_MAX];
    const struct vm_config *config;
    struct stage2 s2;
    struct vm_mem_region mem[VM_MAX_MEM_REGIONS];
    u32 nr_mem;
    struct vcpu vcpus[MAX_HARTS];
    u32 nr_vcpus;
    struct vm_console console;
    struct mmio_dev devs[VM_MAX_EMU_DEVS];
    u32 nr_devs;
    struct vplic *vplic;
    gpaddr_t dtb_ipa; /* its device tree (vm_fdt.h), handed over in a1 at boot */
    spinlock_t lock;
    /* Changes whenever the VM is created, started or stopped: a request a guest made
     * applies only to the run it was made in (vm.c). */
    u32 run;
    /* A run-time VM's config and image copies (vm_spec.h), which it owns; NULL for the
     * static VMs of vm_static_configs[]. */
    struct vm_dynamic *dynamic;
};

static inline bool vm_is_mvm(const struct vm *vm)
{
    return vm->id == MVM_ID;
}

/* Looks up a VM by id; NULL when there is none. */
struct vm *vm_get(u32 id);
/* The lowest id in 1..MAX_VMS-1 no VM has, or 0 when every id is in use. */
u32 vm_free_id(void);
/* Builds VM `id` from cfg: RAM (zeroed, except the MVM's: see vm.c), stage 2, devices,
 * vCPUs, images, device tree. */
int vm_create(u32 id, const struct vm_config *cfg, struct vm **out);
/* The same for a run-time VM (CONFIG_CREATE): the VM takes dyn (also on failure) and
 * frees it when removed.  Its images are loaded later (CONFIG_LOAD). */
int vm_create_dynamic(u32 id, struct vm_dynamic *dyn, struct vm **out);

/*
 * Lifecycle.  Every state change is serialised by one lock, reported to the MVM
 * (vm_notify.h) and may be requested from any hart.
 *
 * Requests of the MVM:
 *   vm_start:    CONFIGURED or STOPPED -> RUNNING.  From STOPPED, RAM is cleared and the
 *                images and device tree restored first; a run-time VM's device tree is
 *                rebuilt before its first start.  -EALREADY when it is running.
 *   vm_shutdown: RUNNING -> STOPPED, reason "shut down by the MVM"; -EALREADY when it is
 *                not running.
 *   vm_restart:  from any state: stop, restore RAM and images, start.  Not VM 0.
 *   vm_remove:   stops the VM on all its harts, takes its vCPUs off their run queues
 *                (on those harts), then frees its RAM, stage-2 tables, devices,
 *                passthrough interrupts, config and id.  Not VM 0 (-EINVAL).
 * Events of the VM itself (a guest's SRST, or a fault the hypervisor stops it for); they
 * are ignored if the VM was stopped, restarted or removed since they happened:
 *   vm_stop:      stops every vCPU and records why (logged).
 *   vm_power_off: the guest powered itself off (SBI SRST).  VM 0 powers the machine off.
 *   vm_reboot:    the guest asked for a reboot.  VM 0 resets the machine.
 */
int vm_start(struct vm *vm);
int vm_shutdown(struct vm *vm);
int vm_restart(struct vm *vm);
int vm_remove(struct vm *vm);
void vm_stop(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_power_off(struct vm *vm, bool failure);
int vm_reboot(struct vm *vm);
/* The VM's state, with its stop reason copied into reason (size bytes), read together. */
enum vm_state vm_read_state(struct vm *vm, char *reason, size_t size);

/* Host pointer for [gpa, gpa + len) when it lies inside one RAM region, else NULL. */
void *vm_gpa_to_hva(struct vm *vm, gpaddr_t gpa, u64 len);
/* Copy between hypervisor memory and guest RAM; -EFAULT if any byte is outside RAM. */
int vm_read_guest(struct vm *vm, gpaddr_t gpa, void *dst, u64 len);
int vm_write_guest(struct vm *vm, gpaddr_t gpa, const void *src, u64 len);
/* The emulated device whose range holds gpa, or NULL.  Inline, for the MMIO exit's fast
 * path: no registers need saving around it. */
static inline struct mmio_dev *vm_find_mmio(struct vm *vm, gpaddr_t gpa)
{
    for (u32 i = 0; i < vm->nr_devs; i++)
        if (gpa >= vm->devs[i].base && gpa - vm->devs[i].base < vm->devs[i].size)
            return &vm->devs[i];
    return NULL;
}

/* vm_find_mmio() for an access by vcpu, trying first the device the vCPU found last (a
 * VM's devices stay in place from its creation to its removal, and their ranges do not
 * wrap: one compare suffices). */
static inline struct mmio_dev *vcpu_find_mmio(struct vcpu *vcpu, gpaddr_t gpa)
{
    struct mmio_dev *dev = vcpu->mmio_last;

    if (dev && gpa - dev->base < dev->size)
        return dev;
    dev = vm_find_mmio(vcpu->vm, gpa);
    if (dev)
        vcpu->mmio_last = dev;
    return dev;
}

#endif

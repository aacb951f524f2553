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

#define MAX_VMS 8
#define VM_STOP_REASON_MAX 128

enum vm_state {
    VM_STATE_CONFIGURED = 0, /* created, memory and image in place, not started */
    VM_STATE_RUNNING = 1,
    VM_STATE_STOPPED = 2,    /* powered off by itself, or stopped by the hypervisor */
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
};

/* Looks up a VM by id; NULL when there is none. */
struct vm *vm_get(u32 id);
/* Builds VM `id` from cfg: RAM (zeroed), stage 2, devices, vCPUs, images, device tree. */
int vm_create(u32 id, const struct vm_config *cfg, struct vm **out);
/* Starts vCPU 0 at the kernel entry; the VM must be CONFIGURED or STOPPED. */
int vm_start(struct vm *vm);
/* Stops every vCPU of the VM and records why (logged).  Callable from any hart. */
void vm_stop(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stops the VM, restores its images and starts it again (VM 0: resets the machine). */
int vm_reboot(struct vm *vm);
/* The guest powered itself off (SBI SRST).  VM 0 powers the machine off. */
void vm_power_off(struct vm *vm, bool failure);

/* Host pointer for [gpa, gpa + len) when it lies inside one RAM region, else NULL. */
void *vm_gpa_to_hva(struct vm *vm, gpaddr_t gpa, u64 len);
/* Copy between hypervisor memory and guest RAM; -EFAULT if any byte is outside RAM. */
int vm_read_guest(struct vm *vm, gpaddr_t gpa, void *dst, u64 len);
int vm_write_guest(struct vm *vm, gpaddr_t gpa, const void *src, u64 len);
/* The emulated device whose range holds gpa, or NULL. */
struct mmio_dev *vm_find_mmio(struct vm *vm, gpaddr_t gpa);

#endif

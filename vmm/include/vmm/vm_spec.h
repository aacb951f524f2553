/*
 * Run-time VMs (CONFIG_CREATE): the struct shyper_vm_spec the MVM sends is checked
 * (vm_spec_check) and turned into a struct vm_config that lives in pages the hypervisor
 * allocates, together with the strings it points at and a copy of each image
 * (vm_spec_build).  The VM owns this struct vm_dynamic; removing the VM frees it.
 *
 * Images: CONFIG_LOAD fills the copies chunk by chunk (vm_image_load).  The config's
 * kernel and initrd blobs point at the copies, so every (re)boot restores RAM from them
 * exactly as it does for static VMs from the hypervisor image; the MVM loads each image
 * once.  A VM may boot only when every image is complete (vm_dynamic_ready).
 */
#ifndef VMM_VM_SPEC_H
#define VMM_VM_SPEC_H

#include <config/vm_config.h>
#include <kernel/types.h>
#include <shyper/hypercall.h>

/* Room for the reason vm_spec_check() gives. */
#define VM_SPEC_WHY_MAX 128
/* Images of a run-time VM, indexed by enum shyper_image. */
#define VM_IMAGES 2

/* What a spec is checked against. */
struct vm_spec_env {
    u64 hart_mask;      /* harts the machine has */
    u64 reserved_harts; /* harts no run-time VM may use (the MVM's) */
    u32 max_irq;        /* highest physical interrupt source a VM may own */
    /* True if host-physical [pa, pa + size) must not be passed through: it is the
     * hypervisor's (RAM, PLIC, console) or passed through to another VM. */
    bool (*pa_taken)(paddr_t pa, u64 size);
};

struct vm_image_copy {
    u8 *data;   /* hypervisor pages holding the image; NULL when the VM has none */
    u64 size;   /* bytes, as the spec gave */
    u64 loaded; /* [0, loaded) has been loaded */
};

struct vm_dynamic {
    struct vm_config cfg;
    char name[VM_NAME_MAX];
    char cmdline[VM_CMDLINE_MAX];
    char dev_names[VM_MAX_EMU_DEVS][VM_NAME_MAX];
    struct vm_image_copy image[VM_IMAGES];
};

/*
 * Checks every field of spec: strings NUL-terminated (names printable and non-empty),
 * counts within the arrays, reserved fields 0, harts present and not reserved, RAM
 * regions page-aligned, inside the guest-physical space and disjoint, kernel and initrd
 * inside RAM and disjoint, devices and passthrough regions clear of RAM and of each other,
 * passthrough memory not taken, interrupts in range and distinct.  Returns 0, or -EINVAL
 * with the reason in why.  Pure.
 */
int vm_spec_check(const struct shyper_vm_spec *spec, const struct vm_spec_env *env, char *why,
                  size_t why_size);
/* The config of a checked spec, with zeroed image copies; NULL when memory is short. */
struct vm_dynamic *vm_spec_build(const struct shyper_vm_spec *spec);
/* Frees dyn and its image copies. */
void vm_dynamic_free(struct vm_dynamic *dyn);
/* True when every image of the VM has been loaded completely. */
bool vm_dynamic_ready(const struct vm_dynamic *dyn);
/*
 * Copies len bytes from src into image (enum shyper_image) at offset.  -EINVAL when the VM
 * has no such image, len is 0, the chunk goes past the image or starts after the bytes
 * loaded so far (a gap).  On success *copy points at the chunk in the copy and *ipa is where
 * it belongs in the VM's RAM.
 */
int vm_image_load(struct vm_dynamic *dyn, u64 image, u64 offset, const void *src, u64 len,
                  const u8 **copy, gpaddr_t *ipa);

#endif

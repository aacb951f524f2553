/* Placing a VM's device tree in its RAM (see vm_fdt.h). */
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <libfdt.h>
#include <vmm/vm.h>
#include <vmm/vm_fdt.h>

#define FDT_ALIGN 8 /* the boot protocol wants the tree 8-byte aligned */

static gpaddr_t default_dtb_ipa(const struct vm *vm)
{
    const struct vm_mem_region *r = &vm->mem[0];

    return r->size > VM_FDT_DEFAULT_OFFSET_FROM_END
               ? r->ipa + r->size - VM_FDT_DEFAULT_OFFSET_FROM_END
               : r->ipa;
}

/* Bytes the tree may use at ipa: up to the end of its RAM region, at most VM_FDT_MAX_SIZE. */
static u64 room_at(const struct vm *vm, gpaddr_t ipa)
{
    for (u32 i = 0; i < vm->nr_mem; i++) {
        const struct vm_mem_region *r = &vm->mem[i];
        if (ipa >= r->ipa && ipa - r->ipa < r->size)
            return MIN(VM_FDT_MAX_SIZE, r->size - (ipa - r->ipa));
    }
    return 0;
}

static bool overlaps_image(const struct vm_config *cfg, gpaddr_t ipa, u64 room)
{
    u64 kernel = vm_blob_size(&cfg->kernel), initrd = vm_blob_size(&cfg->initrd);

    return (kernel && ranges_overlap(ipa, room, cfg->kernel_ipa, kernel)) ||
           (initrd && ranges_overlap(ipa, room, cfg->initrd_ipa, initrd));
}

static const char *build_error(int err)
{
    switch (err) {
    case -ENOSPC:
        return "it does not fit in the space it has";
    case -ENOENT:
        return "a hart of the VM is missing from the host device tree";
    default:
        return "invalid configuration or host device tree";
    }
}

static void fill_params(const struct vm *vm, struct vm_fdt_params *p)
{
    const struct vm_config *cfg = vm->config;

    *p = (struct vm_fdt_params){
        .mode = vm_is_mvm(vm) && cfg->os == VM_OS_LINUX ? VM_FDT_FROM_HOST : VM_FDT_GENERATED,
        .host_fdt = platform.fdt,
        .nr_vcpus = vm->nr_vcpus,
        .mem = cfg->mem,
        .nr_mem = cfg->nr_mem,
        .pt = cfg->pt,
        .nr_pt = cfg->nr_pt,
        .emu = cfg->emu,
        .nr_emu = cfg->nr_emu,
        .plic_ndev = vm->vplic ? vplic_nr_sources(vm->vplic) : 0,
        .cmdline = cfg->cmdline,
        .initrd_start = cfg->initrd_ipa,
        .initrd_size = vm_blob_size(&cfg->initrd),
        .has_sstc = platform.has_sstc,
    };
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        p->vcpu_hart[i] = vm->vcpus[i].hartid;
}

int vm_fdt_install(struct vm *vm)
{
    const struct vm_config *cfg = vm->config;
    gpaddr_t ipa = cfg->dtb_ipa ? cfg->dtb_ipa : default_dtb_ipa(vm);
    u64 room = room_at(vm, ipa);
    void *buf = room ? vm_gpa_to_hva(vm, ipa, room) : NULL;
    struct vm_fdt_params p;

    if (!buf || !IS_ALIGNED(ipa, FDT_ALIGN)) {
        log_error("vm%u: device tree address 0x%lx is not 8-byte aligned in RAM", vm->id, ipa);
        return -EINVAL;
    }
    if (overlaps_image(cfg, ipa, room)) {
        log_error("vm%u: device tree [0x%lx, +0x%lx) overlaps the kernel or initrd", vm->id, ipa,
                  room);
        return -EINVAL;
    }
    fill_params(vm, &p);
    int err = vm_fdt_build(&p, buf, room);
    if (err) {
        log_error("vm%u: cannot build its device tree at 0x%lx: %s (%d)", vm->id, ipa,
                  build_error(err), err);
        return err;
    }
    vm->dtb_ipa = ipa;
    log_info("vm%u: device tree at 0x%lx, %u bytes (%s)", vm->id, ipa, fdt_totalsize(buf),
             p.mode == VM_FDT_FROM_HOST ? "from the host's" : "generated");
    return 0;
}

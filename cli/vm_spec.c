#include "vm_spec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vm_config_format.h"

/* The most the hypervisor writes at image.device_tree_load_ipa (its device-tree buffer). */
#define VM_DTB_SIZE_MAX UINT64_C(0x10000)

static const char kernel_path[] = "image.kernel_filename";
static const char ramdisk_path[] = "image.ramdisk_filename";
static const char dtb_path[] = "image.device_tree_load_ipa";
static const char pt_list_path[] = "passthrough_device.passthrough_device_list";

struct image_range {
    const char *what;
    uint64_t start;
    uint64_t size;
};

bool vm_config_has_ramdisk(const struct vm_config_spec *cfg)
{
    return cfg->image.ramdisk_load_ipa != 0;
}

static bool ranges_overlap(const struct image_range *a, const struct image_range *b)
{
    return a->start < b->start + b->size && b->start < a->start + a->size;
}

/* The image [ipa, ipa + size) of file `name` lies inside one memory region. */
static void check_fits(const struct vm_config_spec *cfg, const char *path, const char *name,
                       uint64_t ipa, uint64_t size, struct config_diag *diag)
{
    char text[VM_SIZE_TEXT_SIZE];
    vm_format_size(text, size);
    if (size == 0) {
        config_error(diag, path, "\"%s\" is empty", name);
        return;
    }
    for (unsigned i = 0; i < cfg->mem_region_count; i++) {
        const struct vm_mem_region *r = &cfg->mem_regions[i];
        if (ipa >= r->ipa_start && ipa - r->ipa_start < r->length &&
            size <= r->length - (ipa - r->ipa_start))
            return;
    }
    config_error(diag, path,
                 "\"%s\" (%s) at 0x%" PRIx64
                 " does not fit in a memory region (it ends at 0x%" PRIx64 ")",
                 name, text, ipa, ipa + size);
}

static void check_images(const struct vm_config_spec *cfg, const struct vm_image_sizes *sizes,
                         struct config_diag *diag)
{
    const struct vm_image_spec *img = &cfg->image;
    unsigned errors = diag->errors;
    check_fits(cfg, kernel_path, img->kernel_filename, img->kernel_load_ipa, sizes->kernel, diag);
    if (vm_config_has_ramdisk(cfg))
        check_fits(cfg, ramdisk_path, img->ramdisk_filename, img->ramdisk_load_ipa, sizes->ramdisk,
                   diag);
    if (diag->errors != errors)
        return;

    const struct image_range kernel = {"the kernel", img->kernel_load_ipa, sizes->kernel};
    const struct image_range ramdisk = {"the ramdisk", img->ramdisk_load_ipa, sizes->ramdisk};
    const struct image_range dtb = {"the device tree", img->device_tree_load_ipa, VM_DTB_SIZE_MAX};
    if (vm_config_has_ramdisk(cfg) && ranges_overlap(&ramdisk, &kernel))
        config_error(diag, "image.ramdisk_load_ipa",
                     "the ramdisk [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps the kernel [0x%" PRIx64
                     ", 0x%" PRIx64 ")",
                     ramdisk.start, ramdisk.start + ramdisk.size, kernel.start,
                     kernel.start + kernel.size);
    const struct image_range *images[] = {&kernel, vm_config_has_ramdisk(cfg) ? &ramdisk : NULL};
    for (unsigned i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
        if (images[i] && ranges_overlap(&dtb, images[i]))
            config_error(diag, dtb_path,
                         "the device tree (up to %" PRIu64 " KiB at 0x%" PRIx64
                         ") would overlap %s [0x%" PRIx64 ", 0x%" PRIx64 ")",
                         VM_DTB_SIZE_MAX >> 10, dtb.start, images[i]->what, images[i]->start,
                         images[i]->start + images[i]->size);
    }
}

/* What the JSON format has but Shyper does not do. */
static void check_supported(const struct vm_config_spec *cfg, struct config_diag *diag)
{
    const struct vm_image_spec *img = &cfg->image;
    if (img->kernel_entry_point != img->kernel_load_ipa)
        config_error(diag, "image.kernel_entry_point",
                     "0x%" PRIx64 " differs from image.kernel_load_ipa 0x%" PRIx64
                     "; Shyper starts the kernel where it is loaded",
                     img->kernel_entry_point, img->kernel_load_ipa);
    if (img->device_tree_filename[0])
        config_error(diag, "image.device_tree_filename",
                     "\"%s\": device-tree overlays are not supported; use \"\"",
                     img->device_tree_filename);
    if (cfg->passthrough.region_count > SHYPER_MAX_PT)
        config_error(diag, pt_list_path, "%u devices; the hypervisor takes at most %d",
                     cfg->passthrough.region_count, SHYPER_MAX_PT);
}

static void copy_string(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static void fill_devices(const struct vm_config_spec *cfg, struct shyper_vm_spec *spec)
{
    spec->nr_devs = cfg->emu_device_count;
    for (unsigned i = 0; i < cfg->emu_device_count; i++) {
        const struct vm_emu_device *dev = &cfg->emu_devices[i];
        struct shyper_dev_spec *out = &spec->devs[i];
        bool controller = dev->type == EMU_DEVICE_T_PLIC || dev->type == EMU_DEVICE_T_APLIC;
        copy_string(out->name, sizeof(out->name), dev->name);
        out->type = dev->type; /* the JSON names and the hypervisor share the numbers */
        out->irq = controller ? 0 : dev->irq_id;
        out->base = dev->base_ipa;
        out->size = dev->length;
        out->nr_cfg = dev->cfg_count;
        memcpy(out->cfg, dev->cfg_list, dev->cfg_count * sizeof(dev->cfg_list[0]));
    }
}

static void fill_passthrough(const struct vm_passthrough_spec *pt, struct shyper_vm_spec *spec)
{
    spec->nr_pt = pt->region_count;
    for (unsigned i = 0; i < pt->region_count; i++)
        spec->pt[i] = (struct shyper_pt_region){
            .ipa = pt->regions[i].base_ipa,
            .pa = pt->regions[i].base_pa,
            .size = pt->regions[i].length,
        };
    spec->nr_pt_irqs = pt->irq_count;
    memcpy(spec->pt_irqs, pt->irqs, pt->irq_count * sizeof(pt->irqs[0]));
}

static void fill_spec(const struct vm_config_spec *cfg, const struct vm_image_sizes *sizes,
                      struct shyper_vm_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    copy_string(spec->name, sizeof(spec->name), cfg->name);
    copy_string(spec->cmdline, sizeof(spec->cmdline), cfg->cmdline);
    spec->os = cfg->type; /* VM_TYPE_* and the ABI's os share the numbers */
    spec->master = cfg->cpu.master;
    spec->hart_mask = vm_cpu_harts(&cfg->cpu);
    spec->kernel_ipa = cfg->image.kernel_load_ipa;
    spec->kernel_size = sizes->kernel;
    if (vm_config_has_ramdisk(cfg)) {
        spec->initrd_ipa = cfg->image.ramdisk_load_ipa;
        spec->initrd_size = sizes->ramdisk;
    }
    spec->dtb_ipa = cfg->image.device_tree_load_ipa;
    spec->nr_mem = cfg->mem_region_count;
    for (unsigned i = 0; i < cfg->mem_region_count; i++)
        spec->mem[i] = (struct shyper_mem_region){.ipa = cfg->mem_regions[i].ipa_start,
                                                  .size = cfg->mem_regions[i].length};
    fill_devices(cfg, spec);
    fill_passthrough(&cfg->passthrough, spec);
}

/* The CLI's limits must fit the ABI's arrays wherever the conversion copies without checks. */
_Static_assert(VM_NAME_SIZE == SHYPER_NAME_MAX, "VM names");
_Static_assert(VM_CMDLINE_SIZE == SHYPER_CMDLINE_MAX, "command lines");
_Static_assert(VM_MEM_REGION_MAX <= SHYPER_MAX_MEM, "memory regions");
_Static_assert(VM_EMU_DEV_MAX <= SHYPER_MAX_DEVS, "emulated devices");
_Static_assert(VM_EMU_CFG_MAX <= SHYPER_DEV_CFG_MAX, "device settings");
_Static_assert(VM_PT_IRQ_MAX <= SHYPER_MAX_PT_IRQS, "passthrough interrupts");

bool vm_spec_from_config(const struct vm_config_spec *cfg, const struct vm_image_sizes *sizes,
                         struct shyper_vm_spec *spec, struct config_diag *diag)
{
    unsigned errors = diag->errors;
    check_supported(cfg, diag);
    check_images(cfg, sizes, diag);
    if (diag->errors != errors)
        return false;
    fill_spec(cfg, sizes, spec);
    return true;
}

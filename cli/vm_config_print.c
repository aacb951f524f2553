#include "vm_config_print.h"

#include <inttypes.h>
#include <string.h>

#include "vm_config_format.h"

#define TYPE_PREFIX "EMU_DEVICE_T_"
#define DETAIL_SIZE 64

static const char *short_type(enum emu_device_type type)
{
    const char *name = emu_device_type_name(type);
    return strncmp(name, TYPE_PREFIX, strlen(TYPE_PREFIX)) == 0 ? name + strlen(TYPE_PREFIX) : name;
}

static void print_image(FILE *out, const struct vm_image_spec *img)
{
    fprintf(out, "  kernel    %s at 0x%" PRIx64, img->kernel_filename, img->kernel_load_ipa);
    if (img->kernel_entry_point != img->kernel_load_ipa)
        fprintf(out, ", entry 0x%" PRIx64, img->kernel_entry_point);
    fprintf(out, "\n  dtb       generated at 0x%" PRIx64, img->device_tree_load_ipa);
    if (img->device_tree_filename[0])
        fprintf(out, ", overlay %s", img->device_tree_filename);
    if (img->ramdisk_load_ipa)
        fprintf(out, "\n  ramdisk   %s at 0x%" PRIx64 "\n", img->ramdisk_filename,
                img->ramdisk_load_ipa);
    else
        fprintf(out, "\n  ramdisk   none\n");
}

static void print_memory(FILE *out, const struct vm_config_spec *cfg)
{
    for (unsigned i = 0; i < cfg->mem_region_count; i++) {
        const struct vm_mem_region *r = &cfg->mem_regions[i];
        char size[VM_SIZE_TEXT_SIZE];
        vm_format_size(size, r->length);
        fprintf(out, "  %-9s [0x%" PRIx64 ", 0x%" PRIx64 ") %s\n", i == 0 ? "memory" : "",
                r->ipa_start, r->ipa_start + r->length, size);
    }
}

static void print_cpu(FILE *out, const struct vm_cpu_spec *cpu)
{
    char harts[VM_BITMAP_TEXT_SIZE];
    vm_format_bitmap(harts, vm_cpu_harts(cpu));
    fprintf(out, "  harts     %s (%u vCPU%s), master hart %u\n", harts, cpu->num,
            cpu->num == 1 ? "" : "s", cpu->master);
}

/* What the device's cfg_list means, for the types that use it. */
static void emu_detail(char out[DETAIL_SIZE], const struct vm_emu_device *dev)
{
    out[0] = '\0';
    switch (dev->type) {
    case EMU_DEVICE_T_VIRTIO_BLK:
        snprintf(out, DETAIL_SIZE, "sectors %" PRIu64 "+%" PRIu64, dev->cfg_list[0],
                 dev->cfg_list[1]);
        break;
    case EMU_DEVICE_T_VIRTIO_BLK_MEDIATED:
        snprintf(out, DETAIL_SIZE, "mediated disk %" PRIu64 ", %" PRIu64 " sectors",
                 dev->cfg_list[0], dev->cfg_list[1]);
        break;
    case EMU_DEVICE_T_VIRTIO_NET:
        strcpy(out, "mac ");
        vm_format_mac(out + strlen(out), dev->cfg_list);
        break;
    case EMU_DEVICE_T_VIRTIO_CONSOLE:
        snprintf(out, DETAIL_SIZE, "peer VM %" PRIu64 " at 0x%" PRIx64, dev->cfg_list[0],
                 dev->cfg_list[1]);
        break;
    default:
        break;
    }
}

static void print_emu_devices(FILE *out, const struct vm_config_spec *cfg)
{
    fprintf(out, "  emulated devices: %u\n", cfg->emu_device_count);
    for (unsigned i = 0; i < cfg->emu_device_count; i++) {
        const struct vm_emu_device *dev = &cfg->emu_devices[i];
        char detail[DETAIL_SIZE];
        fprintf(out, "    %-24s %-20s [0x%" PRIx64 ", 0x%" PRIx64 ")", dev->name,
                short_type(dev->type), dev->base_ipa, dev->base_ipa + dev->length);
        if (dev->irq_id && dev->type != EMU_DEVICE_T_PLIC && dev->type != EMU_DEVICE_T_APLIC)
            fprintf(out, " irq %u", dev->irq_id);
        emu_detail(detail, dev);
        fprintf(out, detail[0] ? "  %s\n" : "%s\n", detail);
    }
}

static void print_pt_devices(FILE *out, const struct vm_passthrough_spec *pt)
{
    fprintf(out, "  passthrough devices: %u\n", pt->region_count);
    for (unsigned i = 0; i < pt->region_count; i++) {
        const struct vm_pt_region *r = &pt->regions[i];
        fprintf(out, "    %-24s pa 0x%" PRIx64 " -> [0x%" PRIx64 ", 0x%" PRIx64 ")", r->name,
                r->base_pa, r->base_ipa, r->base_ipa + r->length);
        for (unsigned k = 0; k < r->irq_count; k++)
            fprintf(out, "%s%u", k == 0 ? " irq " : ",", pt->irqs[r->irq_first + k]);
        fputc('\n', out);
    }
}

void vm_config_print_summary(FILE *out, const struct vm_config_spec *cfg)
{
    fprintf(out, "VM \"%s\" (%s)\n", cfg->name, vm_type_name(cfg->type));
    fprintf(out, "  cmdline   %s\n", cfg->cmdline);
    print_cpu(out, &cfg->cpu);
    print_memory(out, cfg);
    print_image(out, &cfg->image);
    print_emu_devices(out, cfg);
    print_pt_devices(out, &cfg->passthrough);
}

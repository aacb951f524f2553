/* JSON -> struct vm_config_spec: field presence, types, number formats and per-field limits.
 * Checks that involve several fields are in vm_config_check.c. */
#include <inttypes.h>
#include <string.h>

#include "json_fields.h"
#include "vm_config.h"

static const char *const top_keys[] = {
    "name",       "type", "cmdline",         "image",
    "memory",     "cpu",  "emulated_device", "passthrough_device",
    "dtb_device", NULL};
static const char *const image_keys[] = {
    "kernel_filename",      "kernel_load_ipa",  "kernel_entry_point", "device_tree_filename",
    "device_tree_load_ipa", "ramdisk_filename", "ramdisk_load_ipa",   NULL};
static const char *const memory_keys[] = {"num", "region", "colors", "budget", NULL};
static const char *const region_keys[] = {"ipa_start", "length", NULL};
static const char *const cpu_keys[] = {"num", "allocate_bitmap", "master", NULL};
static const char *const emu_list_keys[] = {"num", "emulated_device_list", NULL};
static const char *const emu_keys[] = {"name",    "base_ipa", "length", "irq_id",
                                       "cfg_num", "cfg_list", "type",   NULL};
static const char *const pt_list_keys[] = {"num", "passthrough_device_list", NULL};
static const char *const pt_keys[] = {"name",    "base_pa",  "base_ipa", "length",
                                      "irq_num", "irq_list", "smmu_id",  NULL};
static const char *const dtb_list_keys[] = {"num", "dtb_device_list", NULL};
static const char *const dtb_keys[] = {
    "name", "type", "irq_num", "irq_list", "addr_region_ipa", "addr_region_length", NULL};

static const char vm_type_freertos[] = "VM_T_FREERTOS";

#define TYPE_NAME_SIZE 64 /* longest "type" string looked up */
#define ASCII_DEL      0x7f

/* ---------------------------------------------------------------- helpers */

static void check_name(const char *path, const char *name, struct config_diag *diag)
{
    if (name[0] == '\0') {
        config_error(diag, path, "must not be empty");
        return;
    }
    for (const char *p = name; *p; p++) {
        if ((unsigned char)*p < ' ' || *p == ASCII_DEL) {
            config_error(diag, path, "contains a control character");
            return;
        }
        if ((unsigned char)*p > ASCII_DEL) { /* the hypervisor takes printable ASCII only */
            config_error(diag, path, "contains a non-ASCII character");
            return;
        }
    }
}

static void get_name(const cJSON *obj, const char *parent, char out[VM_NAME_SIZE],
                     struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    config_path_key(path, parent, "name");
    if (json_get_string(obj, parent, "name", JSON_REQUIRED, out, VM_NAME_SIZE, diag))
        check_name(path, out, diag);
}

/* Read the IRQ numbers of array `list` (at `path`) into irqs[0, max). */
static uint32_t get_irq_list(const cJSON *list, const char *path, uint32_t *irqs, unsigned max,
                             struct config_diag *diag)
{
    unsigned n = json_array_size(list, path, max, diag);
    for (unsigned i = 0; i < n; i++) {
        char item_path[CONFIG_PATH_SIZE];
        uint64_t irq;
        config_path_index(item_path, path, i);
        if (!json_item_u64(cJSON_GetArrayItem(list, (int)i), item_path, NUMBER_ANY, &irq, diag))
            continue;
        if (irq < VM_IRQ_MIN || irq > VM_IRQ_MAX)
            config_error(diag, item_path, "%" PRIu64 " is not in %d..%d", irq, VM_IRQ_MIN,
                         VM_IRQ_MAX);
        else
            irqs[i] = (uint32_t)irq;
    }
    return n;
}

static void get_kernel_filename(const cJSON *obj, const char *parent, char out[VM_PATH_SIZE],
                                struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    config_path_key(path, parent, "kernel_filename");
    if (json_get_string(obj, parent, "kernel_filename", JSON_REQUIRED, out, VM_PATH_SIZE, diag) &&
        out[0] == '\0')
        config_error(diag, path, "must not be empty");
}

/* ---------------------------------------------------------------- top level */

static void parse_type(const cJSON *root, struct vm_config_spec *cfg, struct config_diag *diag)
{
    char name[TYPE_NAME_SIZE];
    if (!json_get_string(root, "", "type", JSON_REQUIRED, name, sizeof(name), diag))
        return;
    if (strcmp(name, vm_type_freertos) == 0)
        config_error(diag, "type", "\"%s\" is not supported (use %s or %s)", name,
                     vm_type_name(VM_TYPE_LINUX), vm_type_name(VM_TYPE_BARE_METAL));
    else if (!vm_type_from_name(name, &cfg->type))
        config_error(diag, "type", "\"%s\" is not a VM type (%s or %s)", name,
                     vm_type_name(VM_TYPE_LINUX), vm_type_name(VM_TYPE_BARE_METAL));
}

static void parse_image(const cJSON *root, struct vm_config_spec *cfg, struct config_diag *diag)
{
    static const char path[] = "image";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_REQUIRED, diag);
    if (!obj)
        return;
    struct vm_image_spec *img = &cfg->image;
    get_kernel_filename(obj, path, img->kernel_filename, diag);
    json_get_u64(obj, path, "kernel_load_ipa", JSON_REQUIRED, NUMBER_HEX, &img->kernel_load_ipa,
                 diag);
    img->kernel_entry_point = img->kernel_load_ipa;
    json_get_u64(obj, path, "kernel_entry_point", JSON_OPTIONAL, NUMBER_HEX,
                 &img->kernel_entry_point, diag);
    json_get_string(obj, path, "device_tree_filename", JSON_OPTIONAL, img->device_tree_filename,
                    VM_PATH_SIZE, diag);
    json_get_u64(obj, path, "device_tree_load_ipa", JSON_REQUIRED, NUMBER_HEX,
                 &img->device_tree_load_ipa, diag);
    json_get_string(obj, path, "ramdisk_filename", JSON_OPTIONAL, img->ramdisk_filename,
                    VM_PATH_SIZE, diag);
    json_get_u64(obj, path, "ramdisk_load_ipa", JSON_OPTIONAL, NUMBER_HEX, &img->ramdisk_load_ipa,
                 diag);
    json_warn_unknown(obj, path, image_keys, diag);
}

static void parse_region(const cJSON *obj, const char *path, struct vm_mem_region *region,
                         struct config_diag *diag)
{
    if (!cJSON_IsObject(obj)) {
        config_error(diag, path, "expected an object {\"ipa_start\", \"length\"}");
        return;
    }
    json_get_u64(obj, path, "ipa_start", JSON_REQUIRED, NUMBER_HEX, &region->ipa_start, diag);
    json_get_u64(obj, path, "length", JSON_REQUIRED, NUMBER_HEX, &region->length, diag);
    json_warn_unknown(obj, path, region_keys, diag);
}

static void parse_memory(const cJSON *root, struct vm_config_spec *cfg, struct config_diag *diag)
{
    static const char path[] = "memory";
    static const char list_path[] = "memory.region";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_REQUIRED, diag);
    if (!obj)
        return;
    const cJSON *list = json_get(obj, path, "region", cJSON_Array, JSON_REQUIRED, diag);
    if (list) {
        cfg->mem_region_count = json_array_size(list, list_path, VM_MEM_REGION_MAX, diag);
        if (cJSON_GetArraySize(list) == 0)
            config_error(diag, list_path, "must list at least one region");
        for (unsigned i = 0; i < cfg->mem_region_count; i++) {
            char item_path[CONFIG_PATH_SIZE];
            config_path_index(item_path, list_path, i);
            parse_region(cJSON_GetArrayItem(list, (int)i), item_path, &cfg->mem_regions[i], diag);
        }
        json_check_count(obj, path, "num", cfg->mem_region_count, diag);
    }
    if (cJSON_HasObjectItem(obj, "colors"))
        config_error(diag, "memory.colors", "cache colouring is not supported");
    if (cJSON_HasObjectItem(obj, "budget"))
        config_error(diag, "memory.budget", "memory bandwidth budgets are not supported");
    json_warn_unknown(obj, path, memory_keys, diag);
}

static void parse_cpu(const cJSON *root, struct vm_config_spec *cfg, struct config_diag *diag)
{
    static const char path[] = "cpu";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_REQUIRED, diag);
    if (!obj)
        return;
    json_get_u32(obj, path, "num", JSON_REQUIRED, NUMBER_ANY, &cfg->cpu.num, diag);
    json_get_u32(obj, path, "allocate_bitmap", JSON_REQUIRED, NUMBER_BITMAP,
                 &cfg->cpu.allocate_bitmap, diag);
    json_get_u32(obj, path, "master", JSON_REQUIRED, NUMBER_ANY, &cfg->cpu.master, diag);
    json_warn_unknown(obj, path, cpu_keys, diag);
}

/* ---------------------------------------------------------------- emulated devices */

static void parse_cfg_list(const cJSON *obj, const char *path, struct vm_emu_device *dev,
                           struct config_diag *diag)
{
    char list_path[CONFIG_PATH_SIZE];
    config_path_key(list_path, path, "cfg_list");
    const cJSON *list = json_get(obj, path, "cfg_list", cJSON_Array, JSON_OPTIONAL, diag);
    if (!list)
        return;
    dev->cfg_count = json_array_size(list, list_path, VM_EMU_CFG_MAX, diag);
    for (unsigned i = 0; i < dev->cfg_count; i++) {
        char item_path[CONFIG_PATH_SIZE];
        config_path_index(item_path, list_path, i);
        json_item_u64(cJSON_GetArrayItem(list, (int)i), item_path, NUMBER_ANY, &dev->cfg_list[i],
                      diag);
    }
    json_check_count(obj, path, "cfg_num", dev->cfg_count, diag);
}

static void parse_emu_type(const cJSON *obj, const char *path, struct vm_emu_device *dev,
                           struct config_diag *diag)
{
    char name[TYPE_NAME_SIZE], type_path[CONFIG_PATH_SIZE];
    config_path_key(type_path, path, "type");
    if (json_get_string(obj, path, "type", JSON_REQUIRED, name, sizeof(name), diag) &&
        !emu_device_type_from_name(name, &dev->type))
        config_error(diag, type_path, "\"%s\" is not an emulated device type", name);
}

static void parse_emu_device(const cJSON *obj, const char *path, struct vm_emu_device *dev,
                             struct config_diag *diag)
{
    if (!cJSON_IsObject(obj)) {
        config_error(diag, path, "expected an object");
        return;
    }
    get_name(obj, path, dev->name, diag);
    json_get_u64(obj, path, "base_ipa", JSON_REQUIRED, NUMBER_HEX, &dev->base_ipa, diag);
    json_get_u64(obj, path, "length", JSON_REQUIRED, NUMBER_HEX, &dev->length, diag);
    json_get_u32(obj, path, "irq_id", JSON_OPTIONAL, NUMBER_ANY, &dev->irq_id, diag);
    parse_cfg_list(obj, path, dev, diag);
    parse_emu_type(obj, path, dev, diag);
    json_warn_unknown(obj, path, emu_keys, diag);
}

static void parse_emu_devices(const cJSON *root, struct vm_config_spec *cfg,
                              struct config_diag *diag)
{
    static const char path[] = "emulated_device";
    static const char list_path[] = "emulated_device.emulated_device_list";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_OPTIONAL, diag);
    if (!obj)
        return;
    const cJSON *list =
        json_get(obj, path, "emulated_device_list", cJSON_Array, JSON_REQUIRED, diag);
    if (list) {
        cfg->emu_device_count = json_array_size(list, list_path, VM_EMU_DEV_MAX, diag);
        for (unsigned i = 0; i < cfg->emu_device_count; i++) {
            char item_path[CONFIG_PATH_SIZE];
            config_path_index(item_path, list_path, i);
            parse_emu_device(cJSON_GetArrayItem(list, (int)i), item_path, &cfg->emu_devices[i],
                             diag);
        }
        json_check_count(obj, path, "num", cfg->emu_device_count, diag);
    }
    json_warn_unknown(obj, path, emu_list_keys, diag);
}

/* ---------------------------------------------------------------- passthrough devices */

static void parse_pt_irqs(const cJSON *obj, const char *path, struct vm_passthrough_spec *pt,
                          struct vm_pt_region *region, struct config_diag *diag)
{
    char list_path[CONFIG_PATH_SIZE];
    config_path_key(list_path, path, "irq_list");
    const cJSON *list = json_get(obj, path, "irq_list", cJSON_Array, JSON_OPTIONAL, diag);
    if (!list)
        return;
    unsigned total = pt->irq_count + (unsigned)cJSON_GetArraySize(list);
    if (total > VM_PT_IRQ_MAX) {
        config_error(diag, list_path,
                     "brings the passthrough IRQs of all devices to %u; at most %d are allowed",
                     total, VM_PT_IRQ_MAX);
        return;
    }
    region->irq_first = pt->irq_count;
    region->irq_count = get_irq_list(list, list_path, pt->irqs + pt->irq_count,
                                     VM_PT_IRQ_MAX - pt->irq_count, diag);
    pt->irq_count += region->irq_count;
    json_check_count(obj, path, "irq_num", region->irq_count, diag);
}

static void parse_pt_device(const cJSON *obj, const char *path, struct vm_passthrough_spec *pt,
                            struct vm_pt_region *region, struct config_diag *diag)
{
    if (!cJSON_IsObject(obj)) {
        config_error(diag, path, "expected an object");
        return;
    }
    get_name(obj, path, region->name, diag);
    json_get_u64(obj, path, "base_pa", JSON_REQUIRED, NUMBER_HEX, &region->base_pa, diag);
    json_get_u64(obj, path, "base_ipa", JSON_REQUIRED, NUMBER_HEX, &region->base_ipa, diag);
    json_get_u64(obj, path, "length", JSON_REQUIRED, NUMBER_HEX, &region->length, diag);
    parse_pt_irqs(obj, path, pt, region, diag);
    if (cJSON_HasObjectItem(obj, "smmu_id")) {
        char smmu_path[CONFIG_PATH_SIZE];
        config_path_key(smmu_path, path, "smmu_id");
        config_warning(diag, smmu_path, "there is no IOMMU on riscv64 (ignored)");
    }
    json_warn_unknown(obj, path, pt_keys, diag);
}

static void parse_pt_devices(const cJSON *root, struct vm_config_spec *cfg,
                             struct config_diag *diag)
{
    static const char path[] = "passthrough_device";
    static const char list_path[] = "passthrough_device.passthrough_device_list";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_OPTIONAL, diag);
    if (!obj)
        return;
    const cJSON *list =
        json_get(obj, path, "passthrough_device_list", cJSON_Array, JSON_REQUIRED, diag);
    if (list) {
        struct vm_passthrough_spec *pt = &cfg->passthrough;
        pt->region_count = json_array_size(list, list_path, VM_PT_DEV_MAX, diag);
        for (unsigned i = 0; i < pt->region_count; i++) {
            char item_path[CONFIG_PATH_SIZE];
            config_path_index(item_path, list_path, i);
            parse_pt_device(cJSON_GetArrayItem(list, (int)i), item_path, pt, &pt->regions[i], diag);
        }
        json_check_count(obj, path, "num", pt->region_count, diag);
    }
    json_warn_unknown(obj, path, pt_list_keys, diag);
}

/* ---------------------------------------------------------------- DTB devices */

static void parse_dtb_device(const cJSON *obj, const char *path, struct vm_dtb_device *dev,
                             struct config_diag *diag)
{
    if (!cJSON_IsObject(obj)) {
        config_error(diag, path, "expected an object");
        return;
    }
    get_name(obj, path, dev->name, diag);
    char name[TYPE_NAME_SIZE], type_path[CONFIG_PATH_SIZE], irq_path[CONFIG_PATH_SIZE];
    config_path_key(type_path, path, "type");
    if (json_get_string(obj, path, "type", JSON_REQUIRED, name, sizeof(name), diag) &&
        !dtb_device_type_from_name(name, &dev->type))
        config_error(diag, type_path, "\"%s\" is not a DTB device type", name);
    config_path_key(irq_path, path, "irq_list");
    const cJSON *irqs = json_get(obj, path, "irq_list", cJSON_Array, JSON_OPTIONAL, diag);
    if (irqs) {
        dev->irq_count = get_irq_list(irqs, irq_path, dev->irqs, VM_DTB_DEV_IRQ_MAX, diag);
        json_check_count(obj, path, "irq_num", dev->irq_count, diag);
    }
    json_get_u64(obj, path, "addr_region_ipa", JSON_REQUIRED, NUMBER_HEX, &dev->addr_region_ipa,
                 diag);
    json_get_u64(obj, path, "addr_region_length", JSON_REQUIRED, NUMBER_HEX,
                 &dev->addr_region_length, diag);
    json_warn_unknown(obj, path, dtb_keys, diag);
}

static void parse_dtb_devices(const cJSON *root, struct vm_config_spec *cfg,
                              struct config_diag *diag)
{
    static const char path[] = "dtb_device";
    static const char list_path[] = "dtb_device.dtb_device_list";
    const cJSON *obj = json_get(root, "", path, cJSON_Object, JSON_OPTIONAL, diag);
    if (!obj)
        return;
    const cJSON *list = json_get(obj, path, "dtb_device_list", cJSON_Array, JSON_REQUIRED, diag);
    if (list) {
        cfg->dtb_device_count = json_array_size(list, list_path, VM_DTB_DEV_MAX, diag);
        for (unsigned i = 0; i < cfg->dtb_device_count; i++) {
            char item_path[CONFIG_PATH_SIZE];
            config_path_index(item_path, list_path, i);
            parse_dtb_device(cJSON_GetArrayItem(list, (int)i), item_path, &cfg->dtb_devices[i],
                             diag);
        }
        json_check_count(obj, path, "num", cfg->dtb_device_count, diag);
        if (cfg->dtb_device_count > 0)
            config_warning(diag, list_path, "DTB devices are not used on riscv64 (ignored)");
    }
    json_warn_unknown(obj, path, dtb_list_keys, diag);
}

/* ---------------------------------------------------------------- entry point */

bool vm_config_parse(const char *text, size_t len, struct vm_config_spec *cfg,
                     struct config_diag *diag)
{
    unsigned errors_before = diag->errors;
    memset(cfg, 0, sizeof(*cfg));
    cJSON *root = json_load_object(text, len, diag);
    if (!root)
        return false;
    get_name(root, "", cfg->name, diag);
    parse_type(root, cfg, diag);
    json_get_string(root, "", "cmdline", JSON_REQUIRED, cfg->cmdline, VM_CMDLINE_SIZE, diag);
    parse_image(root, cfg, diag);
    parse_memory(root, cfg, diag);
    parse_cpu(root, cfg, diag);
    parse_emu_devices(root, cfg, diag);
    parse_pt_devices(root, cfg, diag);
    parse_dtb_devices(root, cfg, diag);
    json_warn_unknown(root, "", top_keys, diag);
    cJSON_Delete(root);
    return diag->errors == errors_before;
}

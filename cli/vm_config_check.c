/* Checks across the fields of a parsed VM configuration: memory layout, address overlaps, harts,
 * IRQs and the settings each emulated device type needs. */
#include <inttypes.h>
#include <stdio.h>

#include "mediated_config.h"
#include "vm_config.h"
#include "vm_config_format.h"

#define ARRAY_LEN(a)      (sizeof(a) / sizeof((a)[0]))
#define DESC_SIZE         (VM_NAME_SIZE + 32)
#define MAC_MULTICAST_BIT 0x01
#define BYTE_MAX          0xff

static const char mem_list_path[] = "memory.region";
static const char emu_list_path[] = "emulated_device.emulated_device_list";
static const char pt_list_path[] = "passthrough_device.passthrough_device_list";

/* ---------------------------------------------------------------- paths */

static void field_path(char out[CONFIG_PATH_SIZE], const char *list, unsigned index,
                       const char *key)
{
    char item[CONFIG_PATH_SIZE];
    config_path_index(item, list, index);
    config_path_key(out, item, key);
}

/* ---------------------------------------------------------------- address ranges */

enum range_kind {
    RANGE_RAM,
    RANGE_EMU,
    RANGE_PT,
};

struct range {
    enum range_kind kind;
    unsigned index;
    uint64_t start;
    uint64_t end; /* exclusive */
};

struct range_set {
    unsigned count;
    struct range ranges[VM_MEM_REGION_MAX + VM_EMU_DEV_MAX + VM_PT_DEV_MAX];
};

static void range_path(char out[CONFIG_PATH_SIZE], const struct range *r)
{
    switch (r->kind) {
    case RANGE_RAM:
        config_path_index(out, mem_list_path, r->index);
        break;
    case RANGE_EMU:
        field_path(out, emu_list_path, r->index, "base_ipa");
        break;
    case RANGE_PT:
        field_path(out, pt_list_path, r->index, "base_ipa");
        break;
    }
}

static void range_desc(char out[DESC_SIZE], const struct vm_config_spec *cfg, const struct range *r)
{
    switch (r->kind) {
    case RANGE_RAM:
        snprintf(out, DESC_SIZE, "memory.region[%u]", r->index);
        break;
    case RANGE_EMU:
        snprintf(out, DESC_SIZE, "device \"%s\"", cfg->emu_devices[r->index].name);
        break;
    case RANGE_PT:
        snprintf(out, DESC_SIZE, "passthrough device \"%s\"",
                 cfg->passthrough.regions[r->index].name);
        break;
    }
}

/* Add [start, start + length) to `set` if it lies inside the guest-physical address space;
 * report it at `path` otherwise. */
static void add_range(struct range_set *set, enum range_kind kind, unsigned index, uint64_t start,
                      uint64_t length, const char *path, struct config_diag *diag)
{
    if (start >= VM_IPA_LIMIT || length > VM_IPA_LIMIT - start) {
        config_error(diag, path,
                     "[0x%" PRIx64 ", +0x%" PRIx64 ") ends beyond the %d-bit guest-physical "
                     "address space",
                     start, length, VM_IPA_BITS);
        return;
    }
    set->ranges[set->count++] = (struct range){kind, index, start, start + length};
}

static void check_overlaps(const struct vm_config_spec *cfg, const struct range_set *set,
                           struct config_diag *diag)
{
    for (unsigned j = 1; j < set->count; j++) {
        const struct range *b = &set->ranges[j];
        for (unsigned i = 0; i < j; i++) {
            const struct range *a = &set->ranges[i];
            if (a->start >= b->end || b->start >= a->end)
                continue;
            char path[CONFIG_PATH_SIZE], desc_a[DESC_SIZE], desc_b[DESC_SIZE];
            range_path(path, b);
            range_desc(desc_a, cfg, a);
            range_desc(desc_b, cfg, b);
            config_error(diag, path,
                         "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps %s [0x%" PRIx64 ", 0x%" PRIx64
                         ")",
                         desc_b, b->start, b->end, desc_a, a->start, a->end);
            break;
        }
    }
}

static void check_page_aligned(const char *list, unsigned index, const char *key, uint64_t value,
                               struct config_diag *diag)
{
    if (value % VM_PAGE_SIZE == 0)
        return;
    char path[CONFIG_PATH_SIZE];
    field_path(path, list, index, key);
    config_error(diag, path, "0x%" PRIx64 " is not 4 KiB-aligned", value);
}

static bool check_nonempty(const char *list, unsigned index, uint64_t length,
                           struct config_diag *diag)
{
    if (length != 0)
        return true;
    char path[CONFIG_PATH_SIZE];
    field_path(path, list, index, "length");
    config_error(diag, path, "must not be 0");
    return false;
}

/* ---------------------------------------------------------------- memory and image */

static void check_memory(const struct vm_config_spec *cfg, struct range_set *set,
                         struct config_diag *diag)
{
    for (unsigned i = 0; i < cfg->mem_region_count; i++) {
        const struct vm_mem_region *r = &cfg->mem_regions[i];
        char path[CONFIG_PATH_SIZE];
        config_path_index(path, mem_list_path, i);
        check_page_aligned(mem_list_path, i, "ipa_start", r->ipa_start, diag);
        check_page_aligned(mem_list_path, i, "length", r->length, diag);
        if (check_nonempty(mem_list_path, i, r->length, diag))
            add_range(set, RANGE_RAM, i, r->ipa_start, r->length, path, diag);
    }
}

static bool in_memory(const struct vm_config_spec *cfg, uint64_t ipa)
{
    for (unsigned i = 0; i < cfg->mem_region_count; i++) {
        const struct vm_mem_region *r = &cfg->mem_regions[i];
        if (ipa >= r->ipa_start && ipa - r->ipa_start < r->length)
            return true;
    }
    return false;
}

/* Check that load address `ipa` (at `path`) is in RAM and aligned; false if it is not in RAM. */
static bool check_load_ipa(const struct vm_config_spec *cfg, const char *path, uint64_t ipa,
                           uint64_t align, struct config_diag *diag)
{
    if (!in_memory(cfg, ipa)) {
        config_error(diag, path, "0x%" PRIx64 " is not inside a memory region", ipa);
        return false;
    }
    if (ipa % align != 0)
        config_error(diag, path, "0x%" PRIx64 " is not aligned to 0x%" PRIx64, ipa, align);
    return true;
}

static void check_distinct(const char *path, uint64_t ipa, const char *other_path, uint64_t other,
                           struct config_diag *diag)
{
    if (ipa == other)
        config_error(diag, path, "0x%" PRIx64 " is also %s", ipa, other_path);
}

static void check_image(const struct vm_config_spec *cfg, struct config_diag *diag)
{
    const struct vm_image_spec *img = &cfg->image;
    uint64_t kernel_align = cfg->type == VM_TYPE_LINUX ? VM_LINUX_KERNEL_ALIGN : 1;
    check_load_ipa(cfg, "image.kernel_load_ipa", img->kernel_load_ipa, kernel_align, diag);
    if (img->kernel_entry_point != img->kernel_load_ipa)
        check_load_ipa(cfg, "image.kernel_entry_point", img->kernel_entry_point, 1, diag);
    if (check_load_ipa(cfg, "image.device_tree_load_ipa", img->device_tree_load_ipa, VM_DTB_ALIGN,
                       diag))
        check_distinct("image.device_tree_load_ipa", img->device_tree_load_ipa,
                       "image.kernel_load_ipa", img->kernel_load_ipa, diag);

    if (img->ramdisk_load_ipa == 0) {
        if (img->ramdisk_filename[0])
            config_warning(diag, "image.ramdisk_filename",
                           "\"%s\" is not loaded because image.ramdisk_load_ipa is 0",
                           img->ramdisk_filename);
        return;
    }
    if (!img->ramdisk_filename[0])
        config_error(diag, "image.ramdisk_filename",
                     "missing, but image.ramdisk_load_ipa is 0x%" PRIx64, img->ramdisk_load_ipa);
    if (check_load_ipa(cfg, "image.ramdisk_load_ipa", img->ramdisk_load_ipa, 1, diag)) {
        check_distinct("image.ramdisk_load_ipa", img->ramdisk_load_ipa, "image.kernel_load_ipa",
                       img->kernel_load_ipa, diag);
        check_distinct("image.ramdisk_load_ipa", img->ramdisk_load_ipa,
                       "image.device_tree_load_ipa", img->device_tree_load_ipa, diag);
    }
}

/* ---------------------------------------------------------------- harts */

uint32_t vm_cpu_harts(const struct vm_cpu_spec *cpu)
{
    uint32_t harts = 0, left = cpu->allocate_bitmap;
    for (uint32_t n = 0; n < cpu->num && left; n++) {
        uint32_t lowest = left & -left;
        harts |= lowest;
        left &= ~lowest;
    }
    return harts;
}

static unsigned lowest_bit(uint32_t bits)
{
    return (unsigned)__builtin_ctz(bits);
}

static void check_hart_bitmap(uint32_t bitmap, const struct vm_machine *machine,
                              struct config_diag *diag)
{
    static const char path[] = "cpu.allocate_bitmap";
    char text[VM_BITMAP_TEXT_SIZE];
    vm_format_bitmap(text, bitmap);
    uint32_t existing = machine->hart_count >= 32 ? UINT32_MAX : (1u << machine->hart_count) - 1;
    uint32_t reserved = bitmap & machine->reserved_harts;
    if (bitmap == 0) {
        config_error(diag, path, "%s selects no hart", text);
    } else if (bitmap & ~existing) {
        config_error(diag, path, "%s selects hart %u, but the machine has %u harts (0..%u)", text,
                     lowest_bit(bitmap & ~existing), machine->hart_count, machine->hart_count - 1);
    } else if (reserved) {
        unsigned hart = lowest_bit(reserved);
        config_error(diag, path, "%s selects hart %u, which %s owns exclusively", text, hart,
                     hart == 0 ? "the MVM (VM 0)" : "another VM");
    }
}

static void check_cpu(const struct vm_cpu_spec *cpu, const struct vm_machine *machine,
                      struct config_diag *diag)
{
    check_hart_bitmap(cpu->allocate_bitmap, machine, diag);
    char bitmap[VM_BITMAP_TEXT_SIZE], used[VM_BITMAP_TEXT_SIZE];
    uint32_t harts = vm_cpu_harts(cpu);
    unsigned available = (unsigned)__builtin_popcount(cpu->allocate_bitmap);
    vm_format_bitmap(bitmap, cpu->allocate_bitmap);
    vm_format_bitmap(used, harts);
    if (cpu->num == 0)
        config_error(diag, "cpu.num", "must be at least 1");
    else if (cpu->num > available)
        config_error(diag, "cpu.num", "%u is more than the %u harts in allocate_bitmap %s",
                     cpu->num, available, bitmap);
    else if (cpu->num < available)
        config_warning(diag, "cpu.num",
                       "%u is less than the %u harts in allocate_bitmap %s; only harts %s are used",
                       cpu->num, available, bitmap, used);

    uint32_t master = cpu->master < 32 ? 1u << cpu->master : 0;
    if (!(cpu->allocate_bitmap & master))
        config_error(diag, "cpu.master", "%u is not in allocate_bitmap %s", cpu->master, bitmap);
    else if (!(harts & master))
        config_error(diag, "cpu.master", "%u is not among the harts used (%s: cpu.num is %u)",
                     cpu->master, used, cpu->num);
}

/* ---------------------------------------------------------------- emulated devices */

enum irq_use {
    IRQ_NONE,     /* interrupt controllers: irq_id is ignored */
    IRQ_OPTIONAL, /* 0 = no interrupt */
    IRQ_REQUIRED,
};

typedef void (*cfg_check_fn)(const struct vm_config_spec *cfg, unsigned index,
                             struct config_diag *diag);

struct emu_rule {
    bool supported; /* on riscv64; the others are Rust-Shyper's aarch64 devices */
    bool mvm_only;  /* the management VM's alone: the hypervisor refuses it in a guest VM */
    enum irq_use irq;
    bool interrupt_controller;
    cfg_check_fn check_cfg;
};

static bool check_cfg_count(const struct vm_emu_device *dev, unsigned index, unsigned want,
                            const char *meaning, struct config_diag *diag)
{
    if (dev->cfg_count == want)
        return true;
    char path[CONFIG_PATH_SIZE];
    field_path(path, emu_list_path, index, "cfg_list");
    config_error(diag, path, "has %u entr%s; %s needs %u: %s", dev->cfg_count,
                 dev->cfg_count == 1 ? "y" : "ies", emu_device_type_name(dev->type), want, meaning);
    return false;
}

static void cfg_item_path(char out[CONFIG_PATH_SIZE], unsigned index, unsigned item)
{
    char list[CONFIG_PATH_SIZE];
    field_path(list, emu_list_path, index, "cfg_list");
    config_path_index(out, list, item);
}

static void check_blk_cfg(const struct vm_config_spec *cfg, unsigned index,
                          struct config_diag *diag)
{
    const struct vm_emu_device *dev = &cfg->emu_devices[index];
    if (!check_cfg_count(dev, index, VM_BLK_CFG_LEN, "start sector, sector count", diag))
        return;
    char path[CONFIG_PATH_SIZE];
    cfg_item_path(path, index, 1);
    if (dev->cfg_list[1] == 0)
        config_error(diag, path, "the sector count must not be 0");
    else if (dev->cfg_list[1] > UINT64_MAX - dev->cfg_list[0])
        config_error(diag, path, "start sector + sector count overflows");
}

static void check_mediated_cfg(const struct vm_config_spec *cfg, unsigned index,
                               struct config_diag *diag)
{
    const struct vm_emu_device *dev = &cfg->emu_devices[index];
    if (!check_cfg_count(dev, index, VM_BLK_CFG_LEN, "mediated disk index, sector count", diag))
        return;
    char path[CONFIG_PATH_SIZE];
    cfg_item_path(path, index, 0);
    if (dev->cfg_list[0] >= MEDIATED_DISK_MAX)
        config_error(diag, path, "mediated disk %" PRIu64 " is not in 0..%d", dev->cfg_list[0],
                     MEDIATED_DISK_MAX - 1);
    cfg_item_path(path, index, 1);
    if (dev->cfg_list[1] == 0)
        config_error(diag, path, "the sector count must not be 0");
}

static void check_console_cfg(const struct vm_config_spec *cfg, unsigned index,
                              struct config_diag *diag)
{
    const struct vm_emu_device *dev = &cfg->emu_devices[index];
    if (!check_cfg_count(dev, index, VM_CONSOLE_CFG_LEN, "peer VM id, peer console base IPA", diag))
        return;
    char path[CONFIG_PATH_SIZE];
    cfg_item_path(path, index, 0);
    if (dev->cfg_list[0] >= VM_NUM_MAX)
        config_error(diag, path, "peer VM id %" PRIu64 " is not in 0..%d", dev->cfg_list[0],
                     VM_NUM_MAX - 1);
}

static const uint64_t zero_mac[VM_MAC_LEN];

static bool same_mac(const uint64_t *a, const uint64_t *b)
{
    for (unsigned i = 0; i < VM_MAC_LEN; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

static bool check_mac_bytes(const struct vm_emu_device *dev, unsigned index,
                            struct config_diag *diag)
{
    bool ok = true;
    for (unsigned i = 0; i < VM_MAC_LEN; i++) {
        if (dev->cfg_list[i] > BYTE_MAX) {
            char path[CONFIG_PATH_SIZE];
            cfg_item_path(path, index, i);
            config_error(diag, path, "0x%" PRIx64 " is not a byte (0..0xff)", dev->cfg_list[i]);
            ok = false;
        }
    }
    return ok;
}

static void check_net_cfg(const struct vm_config_spec *cfg, unsigned index,
                          struct config_diag *diag)
{
    const struct vm_emu_device *dev = &cfg->emu_devices[index];
    if (!check_cfg_count(dev, index, VM_MAC_LEN, "the 6 bytes of the MAC address", diag) ||
        !check_mac_bytes(dev, index, diag))
        return;
    char path[CONFIG_PATH_SIZE], mac[VM_MAC_TEXT_SIZE];
    field_path(path, emu_list_path, index, "cfg_list");
    vm_format_mac(mac, dev->cfg_list);
    if (dev->cfg_list[0] & MAC_MULTICAST_BIT)
        config_error(diag, path, "%s is a multicast MAC address", mac);
    else if (same_mac(dev->cfg_list, zero_mac))
        config_error(diag, path, "%s is not a valid MAC address", mac);
    for (unsigned i = 0; i < index; i++) {
        const struct vm_emu_device *other = &cfg->emu_devices[i];
        if (other->type == EMU_DEVICE_T_VIRTIO_NET && other->cfg_count == VM_MAC_LEN &&
            same_mac(other->cfg_list, dev->cfg_list))
            config_error(diag, path, "MAC address %s is also used by device \"%s\"", mac,
                         other->name);
    }
}

static const struct emu_rule emu_rules[] = {
    [EMU_DEVICE_T_CONSOLE] = {.supported = true, .irq = IRQ_OPTIONAL},
    [EMU_DEVICE_T_VIRTIO_BLK] = {.supported = true,
                                 .irq = IRQ_REQUIRED,
                                 .check_cfg = check_blk_cfg},
    [EMU_DEVICE_T_VIRTIO_NET] = {.supported = true,
                                 .irq = IRQ_REQUIRED,
                                 .check_cfg = check_net_cfg},
    [EMU_DEVICE_T_VIRTIO_CONSOLE] = {.supported = true,
                                     .irq = IRQ_REQUIRED,
                                     .check_cfg = check_console_cfg},
    [EMU_DEVICE_T_SHYPER] = {.supported = true, .mvm_only = true},
    [EMU_DEVICE_T_VIRTIO_BLK_MEDIATED] = {.supported = true,
                                          .irq = IRQ_REQUIRED,
                                          .check_cfg = check_mediated_cfg},
    [EMU_DEVICE_T_PLIC] = {.supported = true, .irq = IRQ_NONE, .interrupt_controller = true},
    [EMU_DEVICE_T_APLIC] = {.supported = true, .irq = IRQ_NONE, .interrupt_controller = true},
};

static const struct emu_rule unsupported_rule = {.supported = false};

static const struct emu_rule *rule_of(enum emu_device_type type)
{
    return (unsigned)type < ARRAY_LEN(emu_rules) ? &emu_rules[type] : &unsupported_rule;
}

static void check_emu_irq(const struct vm_emu_device *dev, unsigned index,
                          const struct emu_rule *rule, struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    field_path(path, emu_list_path, index, "irq_id");
    if (rule->irq == IRQ_NONE || (rule->irq == IRQ_OPTIONAL && dev->irq_id == 0))
        return;
    if (dev->irq_id == 0)
        config_error(diag, path, "missing: %s needs an IRQ in %d..%d",
                     emu_device_type_name(dev->type), VM_IRQ_MIN, VM_IRQ_MAX);
    else if (dev->irq_id > VM_IRQ_MAX)
        config_error(diag, path, "%u is not in %d..%d", dev->irq_id, VM_IRQ_MIN, VM_IRQ_MAX);
}

/* Whether device `dev` raises an interrupt that must not be shared. */
static bool emu_irq_used(const struct vm_emu_device *dev)
{
    return rule_of(dev->type)->irq != IRQ_NONE && dev->irq_id >= VM_IRQ_MIN &&
           dev->irq_id <= VM_IRQ_MAX;
}

static void check_emu_device(const struct vm_config_spec *cfg, unsigned index,
                             struct range_set *set, struct config_diag *diag)
{
    const struct vm_emu_device *dev = &cfg->emu_devices[index];
    const struct emu_rule *rule = rule_of(dev->type);
    char path[CONFIG_PATH_SIZE];
    if (!rule->supported) {
        field_path(path, emu_list_path, index, "type");
        config_error(diag, path, "\"%s\" is not supported on riscv64",
                     emu_device_type_name(dev->type));
        return;
    }
    if (rule->mvm_only) {
        field_path(path, emu_list_path, index, "type");
        config_error(diag, path, "\"%s\" is the MVM's device; a guest VM cannot have one",
                     emu_device_type_name(dev->type));
        return;
    }
    check_emu_irq(dev, index, rule, diag);
    if (rule->check_cfg)
        rule->check_cfg(cfg, index, diag);
    if (check_nonempty(emu_list_path, index, dev->length, diag)) {
        field_path(path, emu_list_path, index, "length");
        add_range(set, RANGE_EMU, index, dev->base_ipa, dev->length, path, diag);
    }
}

static void check_interrupt_controllers(const struct vm_config_spec *cfg, struct config_diag *diag)
{
    const struct vm_emu_device *controller = NULL;
    bool irqs_used = cfg->passthrough.irq_count > 0;
    for (unsigned i = 0; i < cfg->emu_device_count; i++) {
        const struct vm_emu_device *dev = &cfg->emu_devices[i];
        irqs_used |= emu_irq_used(dev);
        if (!rule_of(dev->type)->interrupt_controller)
            continue;
        if (controller) {
            char path[CONFIG_PATH_SIZE];
            field_path(path, emu_list_path, i, "type");
            config_error(diag, path, "a VM has one interrupt controller; device \"%s\" is one",
                         controller->name);
        }
        controller = dev;
    }
    if (irqs_used && !controller)
        config_warning(diag, emu_list_path,
                       "there is no %s device, so no device interrupt reaches the VM",
                       emu_device_type_name(EMU_DEVICE_T_PLIC));
}

/* ---------------------------------------------------------------- passthrough devices */

static void check_pt_device(const struct vm_config_spec *cfg, unsigned index, struct range_set *set,
                            struct config_diag *diag)
{
    const struct vm_pt_region *r = &cfg->passthrough.regions[index];
    char path[CONFIG_PATH_SIZE];
    check_page_aligned(pt_list_path, index, "base_pa", r->base_pa, diag);
    check_page_aligned(pt_list_path, index, "base_ipa", r->base_ipa, diag);
    check_page_aligned(pt_list_path, index, "length", r->length, diag);
    if (!check_nonempty(pt_list_path, index, r->length, diag))
        return;
    if (r->length - 1 > UINT64_MAX - r->base_pa) {
        field_path(path, pt_list_path, index, "base_pa");
        config_error(diag, path, "[0x%" PRIx64 ", +0x%" PRIx64 ") wraps around", r->base_pa,
                     r->length);
    }
    field_path(path, pt_list_path, index, "length");
    add_range(set, RANGE_PT, index, r->base_ipa, r->length, path, diag);
}

/* ---------------------------------------------------------------- IRQ sharing */

/* Who uses an IRQ: 0 = nobody, 1 + i = emulated device i, IRQ_OWNER_PT + j = passthrough j. */
#define IRQ_OWNER_PT (1 + VM_EMU_DEV_MAX)

static void owner_desc(char out[DESC_SIZE], const struct vm_config_spec *cfg, unsigned owner)
{
    if (owner < IRQ_OWNER_PT)
        snprintf(out, DESC_SIZE, "device \"%s\"", cfg->emu_devices[owner - 1].name);
    else
        snprintf(out, DESC_SIZE, "passthrough device \"%s\"",
                 cfg->passthrough.regions[owner - IRQ_OWNER_PT].name);
}

static void claim_irq(const struct vm_config_spec *cfg, uint16_t owners[VM_IRQ_MAX + 1],
                      uint32_t irq, unsigned owner, const char *path, struct config_diag *diag)
{
    if (owners[irq] == 0) {
        owners[irq] = (uint16_t)owner;
        return;
    }
    char desc[DESC_SIZE];
    owner_desc(desc, cfg, owners[irq]);
    config_error(diag, path, "%u is already used by %s", irq, desc);
}

static void check_irq_sharing(const struct vm_config_spec *cfg, struct config_diag *diag)
{
    uint16_t owners[VM_IRQ_MAX + 1] = {0};
    char path[CONFIG_PATH_SIZE];
    for (unsigned i = 0; i < cfg->emu_device_count; i++) {
        const struct vm_emu_device *dev = &cfg->emu_devices[i];
        if (!emu_irq_used(dev))
            continue;
        field_path(path, emu_list_path, i, "irq_id");
        claim_irq(cfg, owners, dev->irq_id, 1 + i, path, diag);
    }
    const struct vm_passthrough_spec *pt = &cfg->passthrough;
    for (unsigned i = 0; i < pt->region_count; i++) {
        const struct vm_pt_region *r = &pt->regions[i];
        char list[CONFIG_PATH_SIZE];
        field_path(list, pt_list_path, i, "irq_list");
        for (unsigned k = 0; k < r->irq_count; k++) {
            config_path_index(path, list, k);
            claim_irq(cfg, owners, pt->irqs[r->irq_first + k], IRQ_OWNER_PT + i, path, diag);
        }
    }
}

/* ---------------------------------------------------------------- entry points */

void vm_config_check(const struct vm_config_spec *cfg, const struct vm_machine *machine,
                     struct config_diag *diag)
{
    struct range_set set = {0};
    check_memory(cfg, &set, diag);
    check_image(cfg, diag);
    check_cpu(&cfg->cpu, machine, diag);
    for (unsigned i = 0; i < cfg->emu_device_count; i++)
        check_emu_device(cfg, i, &set, diag);
    check_interrupt_controllers(cfg, diag);
    for (unsigned i = 0; i < cfg->passthrough.region_count; i++)
        check_pt_device(cfg, i, &set, diag);
    check_overlaps(cfg, &set, diag);
    check_irq_sharing(cfg, diag);
}

bool vm_config_load(const char *text, size_t len, const struct vm_machine *machine,
                    struct vm_config_spec *cfg, struct config_diag *diag)
{
    unsigned errors_before = diag->errors;
    if (vm_config_parse(text, len, cfg, diag))
        vm_config_check(cfg, machine, diag);
    return diag->errors == errors_before;
}

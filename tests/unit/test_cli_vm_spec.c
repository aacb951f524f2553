// UNIT_SOURCES: cli/vm_spec.c cli/vm_show.c cli/vm_config_format.c cli/vm_config_names.c cli/vm_config_check.c cli/vm_config_parse.c cli/json_fields.c cli/json_comments.c cli/config_number.c cli/config_diag.c $(CJSON_DIR)/cJSON.c
/* `shyper vm config`'s conversion of a checked configuration into the hypervisor's
 * struct shyper_vm_spec (cli/vm_spec.c), and what the commands print from the hypervisor's
 * records (cli/vm_show.c). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/vm_config.h"
#include "../../cli/vm_show.h"
#include "../../cli/vm_spec.h"
#include "unit_test.h"

#define KERNEL_SIZE  0x500000 /* 5 MiB, about the Linux Image */
#define RAMDISK_SIZE 0x100000
#define RAM_BASE     0x80000000
#define RAM_SIZE     0x10000000

/* ---------------------------------------------------------------- helpers */

/* cli/examples/vm1.json, as vm_config_load() leaves it. */
static void example(struct vm_config_spec *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->name, "guest-os-1");
    cfg->type = VM_TYPE_LINUX;
    strcpy(cfg->cmdline, "earlycon=sbi console=hvc0 hostname=guest-os-1");
    strcpy(cfg->image.kernel_filename, "Image");
    cfg->image.kernel_load_ipa = 0x80200000;
    cfg->image.kernel_entry_point = 0x80200000;
    cfg->image.device_tree_load_ipa = 0x8f000000;
    strcpy(cfg->image.ramdisk_filename, "initrd.gz");
    cfg->image.ramdisk_load_ipa = 0x8c000000;
    cfg->mem_region_count = 1;
    cfg->mem_regions[0] = (struct vm_mem_region){RAM_BASE, RAM_SIZE};
    cfg->cpu = (struct vm_cpu_spec){.num = 1, .allocate_bitmap = 0x6, .master = 1};
    cfg->emu_device_count = 1;
    cfg->emu_devices[0] = (struct vm_emu_device){
        .name = "plic@c000000",
        .type = EMU_DEVICE_T_PLIC,
        .base_ipa = 0xc000000,
        .length = 0x600000,
        .irq_id = 1, /* ignored for interrupt controllers */
    };
}

static const struct vm_image_sizes sizes = {.kernel = KERNEL_SIZE, .ramdisk = RAMDISK_SIZE};
static struct vm_config_spec cfg;
static struct shyper_vm_spec spec;
static struct config_diag diag;

static bool convert(const struct vm_image_sizes *s)
{
    config_diag_init(&diag);
    memset(&spec, 0xa5, sizeof(spec));
    return vm_spec_from_config(&cfg, s, &spec, &diag);
}

/* The message of the first error at path, or NULL. */
static const char *error_at(const char *path)
{
    for (unsigned i = 0; i < diag.count; i++)
        if (diag.entries[i].severity == CONFIG_ERROR && strcmp(diag.entries[i].path, path) == 0)
            return diag.entries[i].msg;
    return NULL;
}

/* Runs print(out) into a string (freed by the caller). */
#define CAPTURE(text, call)                                                                        \
    do {                                                                                           \
        size_t __len;                                                                              \
        FILE *out = open_memstream(&(text), &__len);                                               \
        call;                                                                                      \
        fclose(out);                                                                               \
    } while (0)

/* ---------------------------------------------------------------- vm_spec_from_config */

TEST(spec_from_example)
{
    example(&cfg);
    EXPECT_TRUE(convert(&sizes));
    EXPECT_EQ(diag.errors, 0);
    EXPECT_STR_EQ(spec.name, "guest-os-1");
    EXPECT_STR_EQ(spec.cmdline, "earlycon=sbi console=hvc0 hostname=guest-os-1");
    EXPECT_EQ(spec.os, 0);
    EXPECT_EQ(spec.master, 1);
    EXPECT_EQ(spec.hart_mask, 0x2); /* cpu.num 1: only the lowest hart of 0b0110 */
    EXPECT_EQ(spec.kernel_ipa, 0x80200000);
    EXPECT_EQ(spec.kernel_size, KERNEL_SIZE);
    EXPECT_EQ(spec.initrd_ipa, 0x8c000000);
    EXPECT_EQ(spec.initrd_size, RAMDISK_SIZE);
    EXPECT_EQ(spec.dtb_ipa, 0x8f000000);
    EXPECT_EQ(spec.nr_mem, 1);
    EXPECT_EQ(spec.mem[0].ipa, RAM_BASE);
    EXPECT_EQ(spec.mem[0].size, RAM_SIZE);
    EXPECT_EQ(spec.mem[1].size, 0); /* everything else is zeroed */
    EXPECT_EQ(spec.nr_devs, 1);
    EXPECT_STR_EQ(spec.devs[0].name, "plic@c000000");
    EXPECT_EQ(spec.devs[0].type, 13); /* EMU_DEV_PLIC */
    EXPECT_EQ(spec.devs[0].irq, 0);
    EXPECT_EQ(spec.devs[0].base, 0xc000000);
    EXPECT_EQ(spec.devs[0].size, 0x600000);
    EXPECT_EQ(spec.devs[0].reserved, 0);
    EXPECT_EQ(spec.nr_pt, 0);
    EXPECT_EQ(spec.nr_pt_irqs, 0);
}

TEST(spec_without_ramdisk)
{
    example(&cfg);
    cfg.image.ramdisk_load_ipa = 0;
    EXPECT_TRUE(convert(&sizes));
    EXPECT_EQ(spec.initrd_ipa, 0);
    EXPECT_EQ(spec.initrd_size, 0);
}

TEST(spec_devices_and_passthrough)
{
    example(&cfg);
    cfg.emu_device_count = 2;
    cfg.emu_devices[1] = (struct vm_emu_device){
        .name = "virtio_net@50000000",
        .type = EMU_DEVICE_T_VIRTIO_NET,
        .base_ipa = 0x50000000,
        .length = 0x1000,
        .irq_id = 20,
        .cfg_count = 6,
        .cfg_list = {0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd1},
    };
    cfg.passthrough.region_count = 1;
    cfg.passthrough.regions[0] = (struct vm_pt_region){
        .name = "uart", .base_pa = 0x10000000, .base_ipa = 0x20000000, .length = 0x1000};
    cfg.passthrough.irq_count = 2;
    cfg.passthrough.irqs[0] = 10;
    cfg.passthrough.irqs[1] = 11;
    EXPECT_TRUE(convert(&sizes));
    EXPECT_EQ(spec.nr_devs, 2);
    EXPECT_EQ(spec.devs[1].type, 4);
    EXPECT_EQ(spec.devs[1].irq, 20);
    EXPECT_EQ(spec.devs[1].nr_cfg, 6);
    EXPECT_EQ(spec.devs[1].cfg[5], 0xd1);
    EXPECT_EQ(spec.devs[1].cfg[6], 0);
    EXPECT_EQ(spec.nr_pt, 1);
    EXPECT_EQ(spec.pt[0].pa, 0x10000000);
    EXPECT_EQ(spec.pt[0].ipa, 0x20000000);
    EXPECT_EQ(spec.pt[0].size, 0x1000);
    EXPECT_EQ(spec.nr_pt_irqs, 2);
    EXPECT_EQ(spec.pt_irqs[1], 11);
}

TEST(kernel_too_big)
{
    example(&cfg);
    struct vm_image_sizes big = {.kernel = RAM_SIZE, .ramdisk = RAMDISK_SIZE};
    EXPECT_TRUE(!convert(&big));
    EXPECT_STR_CONTAINS(error_at("image.kernel_filename"),
                        "\"Image\" (256 MiB) at 0x80200000 does not fit in a memory region "
                        "(it ends at 0x90200000)");
}

TEST(empty_ramdisk)
{
    example(&cfg);
    struct vm_image_sizes empty = {.kernel = KERNEL_SIZE, .ramdisk = 0};
    EXPECT_TRUE(!convert(&empty));
    EXPECT_STR_EQ(error_at("image.ramdisk_filename"), "\"initrd.gz\" is empty");
}

TEST(ramdisk_overlaps_kernel)
{
    example(&cfg);
    cfg.image.ramdisk_load_ipa = 0x80400000;
    EXPECT_TRUE(!convert(&sizes));
    EXPECT_STR_EQ(error_at("image.ramdisk_load_ipa"),
                  "the ramdisk [0x80400000, 0x80500000) overlaps the kernel [0x80200000, "
                  "0x80700000)");
}

TEST(device_tree_overlaps_ramdisk)
{
    example(&cfg);
    cfg.image.device_tree_load_ipa = 0x8bff8000;
    EXPECT_TRUE(!convert(&sizes));
    EXPECT_STR_CONTAINS(error_at("image.device_tree_load_ipa"),
                        "would overlap the ramdisk [0x8c000000, 0x8c100000)");
}

TEST(unsupported_fields)
{
    example(&cfg);
    cfg.image.kernel_entry_point = 0x80201000;
    strcpy(cfg.image.device_tree_filename, "extra.dtbo");
    cfg.passthrough.region_count = SHYPER_MAX_PT + 1;
    for (unsigned i = 0; i < cfg.passthrough.region_count; i++)
        cfg.passthrough.regions[i] = (struct vm_pt_region){.base_pa = 0x20000000 + i * 0x1000,
                                                           .base_ipa = 0x20000000 + i * 0x1000,
                                                           .length = 0x1000};
    EXPECT_TRUE(!convert(&sizes));
    EXPECT_EQ(diag.errors, 3);
    EXPECT_STR_CONTAINS(error_at("image.kernel_entry_point"),
                        "Shyper starts the kernel where it is loaded");
    EXPECT_STR_CONTAINS(error_at("image.device_tree_filename"),
                        "device-tree overlays are not supported");
    EXPECT_STR_EQ(error_at("passthrough_device.passthrough_device_list"),
                  "17 devices; the hypervisor takes at most 16");
}

/* ---------------------------------------------------------------- vm_show */

TEST(format_set)
{
    char text[VM_SET_TEXT_SIZE];
    vm_format_set(text, 0);
    EXPECT_STR_EQ(text, "none");
    vm_format_set(text, 0x1);
    EXPECT_STR_EQ(text, "0");
    vm_format_set(text, 0xe);
    EXPECT_STR_EQ(text, "1-3");
    vm_format_set(text, 0xb);
    EXPECT_STR_EQ(text, "0-1,3");
    vm_format_set(text, (1ULL << 63) | 0x5);
    EXPECT_STR_EQ(text, "0,2,63");
}

static const struct shyper_vm_info mvm = {.id = 0,
                                          .state = SHYPER_VM_RUNNING,
                                          .nr_vcpus = 1,
                                          .hart_mask = 0x1,
                                          .mem_bytes = 0x20000000,
                                          .nr_devices = 1,
                                          .name = "mvm"};
static const struct shyper_vm_info gvm = {.id = 1,
                                          .state = SHYPER_VM_STOPPED,
                                          .nr_vcpus = 2,
                                          .hart_mask = 0x6,
                                          .mem_bytes = 0x10000000,
                                          .nr_devices = 3,
                                          .name = "guest-os-1",
                                          .stop_reason = "powered off by the guest"};

TEST(list_table)
{
    struct shyper_vm_info vms[] = {mvm, gvm};
    char *text;
    CAPTURE(text, vm_print_list(out, vms, 2));
    EXPECT_STR_EQ(text, "ID  NAME       STATE      VCPUS  HARTS       MEMORY DEVICES  REASON\n"
                        "0   mvm        running        1  0          512 MiB       1\n"
                        "1   guest-os-1 stopped        2  1-2        256 MiB       3  "
                        "powered off by the guest\n");
    free(text);
}

TEST(list_reason_only_when_stopped)
{
    struct shyper_vm_info vm = gvm;
    vm.state = SHYPER_VM_RUNNING;
    char *text;
    CAPTURE(text, vm_print_list(out, &vm, 1));
    EXPECT_TRUE(strstr(text, "powered off") == NULL);
    EXPECT_STR_CONTAINS(text, "guest-os-1 running");
    free(text);
}

TEST(info_json)
{
    char *text;
    CAPTURE(text, vm_print_info(out, &gvm));
    cJSON *vm = cJSON_Parse(text);
    EXPECT_TRUE(vm != NULL);
    EXPECT_EQ(cJSON_GetObjectItem(vm, "id")->valuedouble, 1);
    EXPECT_STR_EQ(cJSON_GetObjectItem(vm, "name")->valuestring, "guest-os-1");
    EXPECT_STR_EQ(cJSON_GetObjectItem(vm, "type")->valuestring, "VM_T_LINUX");
    EXPECT_STR_EQ(cJSON_GetObjectItem(vm, "state")->valuestring, "stopped");
    EXPECT_STR_EQ(cJSON_GetObjectItem(vm, "stop_reason")->valuestring, "powered off by the guest");
    cJSON *cpu = cJSON_GetObjectItem(vm, "cpu");
    EXPECT_EQ(cJSON_GetObjectItem(cpu, "num")->valuedouble, 2);
    EXPECT_STR_EQ(cJSON_GetObjectItem(cpu, "allocate_bitmap")->valuestring, "0b0110");
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cpu, "harts")), 2);
    cJSON *memory = cJSON_GetObjectItem(vm, "memory");
    EXPECT_STR_EQ(cJSON_GetObjectItem(memory, "length")->valuestring, "0x10000000");
    EXPECT_STR_EQ(cJSON_GetObjectItem(memory, "size")->valuestring, "256 MiB");
    EXPECT_EQ(cJSON_GetObjectItem(vm, "devices")->valuedouble, 3);
    cJSON_Delete(vm);
    free(text);
}

TEST(stats)
{
    struct shyper_vm_stats stats = {
        .exits = {[SHYPER_EXIT_SBI] = 1200, [SHYPER_EXIT_IRQ_TIMER] = 34}};
    char *text;
    CAPTURE(text, vm_print_stats(out, &gvm, &stats));
    EXPECT_STR_CONTAINS(text, "VM 1 \"guest-os-1\" (stopped): exits by cause\n");
    EXPECT_STR_CONTAINS(text, "  sbi                          1200\n");
    EXPECT_STR_CONTAINS(text, "  timer_interrupt                34\n");
    EXPECT_STR_CONTAINS(text, "  total                        1234\n");
    free(text);
}

TEST(system_info)
{
    struct shyper_system_info info = {.abi_version = 0x00010002,
                                      .nr_harts = 4,
                                      .hart_mask = 0xf,
                                      .total_pages = 393216,
                                      .free_pages = 315904,
                                      .nr_vms = 2,
                                      .max_vms = 8,
                                      .vmid_mask = 0x3,
                                      .irq_owned = 10};
    char *text;
    CAPTURE(text, system_print_info(out, &info));
    EXPECT_STR_CONTAINS(text, "ABI 1.2\n");
    EXPECT_STR_CONTAINS(text, "harts       4 (0-3)\n");
    EXPECT_STR_CONTAINS(text, "memory      1234 MiB free of 1536 MiB (315904 of 393216 pages "
                              "free)\n");
    EXPECT_STR_CONTAINS(text, "VMs         2 of 8 (ids 0-1)\n");
    free(text);
}

TEST(state_changes)
{
    char *text;
    CAPTURE(text, vm_print_state_change(out, 1, "guest-os-1", SHYPER_VM_STOPPED,
                                        SHYPER_VM_EVENT_POWERED_OFF, "ignored"));
    EXPECT_STR_EQ(text, "vm1 (guest-os-1): stopped: powered off by the guest\n");
    free(text);
    CAPTURE(text, vm_print_state_change(out, 2, "b", SHYPER_VM_STOPPED, SHYPER_VM_EVENT_FAULTED,
                                        "guest page fault at 0x0"));
    EXPECT_STR_EQ(text, "vm2 (b): stopped: stopped by the hypervisor: guest page fault at 0x0\n");
    free(text);
    CAPTURE(text, vm_print_state_change(out, 1, "guest-os-1", SHYPER_VM_REMOVED,
                                        SHYPER_VM_EVENT_REMOVED, NULL));
    EXPECT_STR_EQ(text, "vm1 (guest-os-1): removed\n");
    free(text);
    CAPTURE(text,
            vm_print_state_change(out, 3, NULL, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED, NULL));
    EXPECT_STR_EQ(text, "vm3: running: booted\n");
    free(text);
}

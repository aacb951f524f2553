#include "vm_show.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vm_config.h"
#include "vm_config_format.h"

#define ARRAY_LEN(a)     (sizeof(a) / sizeof((a)[0]))
#define PAGE_SHIFT       12
#define MIB_SHIFT        20
#define NAME_HEADER      "NAME"
#define SET_BITS         64
#define HEX_TEXT_SIZE    24
#define STATS_NAME_WIDTH 20
#define ABI_MAJOR(v)     ((v) >> 16) /* SHYPER_ABI_VERSION: major << 16 | minor */
#define ABI_MINOR(v)     ((v)&0xffff)

static const char *const state_names[] = {
    [SHYPER_VM_CONFIGURED] = "configured",
    [SHYPER_VM_RUNNING] = "running",
    [SHYPER_VM_STOPPED] = "stopped",
    [SHYPER_VM_REMOVED] = "removed",
};

static const char *const event_texts[] = {
    [SHYPER_VM_EVENT_CREATED] = "created",
    [SHYPER_VM_EVENT_BOOTED] = "booted",
    [SHYPER_VM_EVENT_POWERED_OFF] = "powered off by the guest",
    [SHYPER_VM_EVENT_FAULTED] = "stopped by the hypervisor",
    [SHYPER_VM_EVENT_SHUT_DOWN] = "shut down by the MVM",
    [SHYPER_VM_EVENT_REBOOTED] = "rebooted",
    [SHYPER_VM_EVENT_REMOVED] = "removed",
};

/* The names `vm stats` and `vm info` use for the exit causes. */
static const char *const exit_names[SHYPER_EXITS] = {
    [SHYPER_EXIT_SBI] = "sbi",
    [SHYPER_EXIT_MMIO] = "mmio",
    [SHYPER_EXIT_WFI] = "wfi",
    [SHYPER_EXIT_VIRTUAL_INST] = "virtual_instruction",
    [SHYPER_EXIT_GUEST_FAULT] = "guest_fault",
    [SHYPER_EXIT_IRQ_TIMER] = "timer_interrupt",
    [SHYPER_EXIT_IRQ_IPI] = "ipi",
    [SHYPER_EXIT_IRQ_EXT] = "external_interrupt",
    [SHYPER_EXIT_OTHER] = "other",
};

const char *vm_state_name(uint32_t state)
{
    return state < ARRAY_LEN(state_names) ? state_names[state] : "unknown";
}

static const char *event_text(uint32_t event)
{
    return event < ARRAY_LEN(event_texts) ? event_texts[event] : "changed";
}

/* A string the hypervisor filled, which need not be NUL-terminated. */
static void copy_text(char *out, size_t out_size, const char *in, size_t in_size)
{
    size_t n = strnlen(in, in_size);
    if (n >= out_size)
        n = out_size - 1;
    memcpy(out, in, n);
    out[n] = '\0';
}

void vm_format_set(char out[VM_SET_TEXT_SIZE], uint64_t mask)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned bit = 0; bit < SET_BITS && len < VM_SET_TEXT_SIZE; bit++) {
        if (!(mask >> bit & 1))
            continue;
        unsigned last = bit;
        while (last + 1 < SET_BITS && (mask >> (last + 1) & 1))
            last++;
        const char *sep = len ? "," : "";
        int n = last == bit
                    ? snprintf(out + len, VM_SET_TEXT_SIZE - len, "%s%u", sep, bit)
                    : snprintf(out + len, VM_SET_TEXT_SIZE - len, "%s%u-%u", sep, bit, last);
        len += (size_t)n;
        bit = last;
    }
    if (!mask)
        snprintf(out, VM_SET_TEXT_SIZE, "none");
}

/* ---------------------------------------------------------------- vm list */

void vm_print_list(FILE *out, const struct shyper_vm_info *vms, unsigned count)
{
    int name_width = (int)strlen(NAME_HEADER);
    for (unsigned i = 0; i < count; i++) {
        int n = (int)strnlen(vms[i].name, sizeof(vms[i].name));
        name_width = n > name_width ? n : name_width;
    }
    fprintf(out, "%-3s %-*s %-10s %5s  %-8s %9s %7s  %s\n", "ID", name_width, NAME_HEADER, "STATE",
            "VCPUS", "HARTS", "MEMORY", "DEVICES", "REASON");
    for (unsigned i = 0; i < count; i++) {
        const struct shyper_vm_info *vm = &vms[i];
        char name[SHYPER_NAME_MAX + 1], reason[SHYPER_REASON_MAX + 1];
        char harts[VM_SET_TEXT_SIZE], memory[VM_SIZE_TEXT_SIZE];
        copy_text(name, sizeof(name), vm->name, sizeof(vm->name));
        copy_text(reason, sizeof(reason), vm->stop_reason, sizeof(vm->stop_reason));
        vm_format_set(harts, vm->hart_mask);
        vm_format_size(memory, vm->mem_bytes);
        fprintf(out, "%-3u %-*s %-10s %5u  %-8s %9s %7u", vm->id, name_width, name,
                vm_state_name(vm->state), vm->nr_vcpus, harts, memory, vm->nr_devices);
        if (vm->state == SHYPER_VM_STOPPED)
            fprintf(out, "  %s", reason);
        fputc('\n', out);
    }
}

/* ---------------------------------------------------------------- vm info */

static void add_hex(cJSON *obj, const char *key, uint64_t value)
{
    char text[HEX_TEXT_SIZE];
    snprintf(text, sizeof(text), "0x%" PRIx64, value);
    cJSON_AddStringToObject(obj, key, text);
}

static cJSON *info_json(const struct shyper_vm_info *info)
{
    char name[SHYPER_NAME_MAX + 1], reason[SHYPER_REASON_MAX + 1];
    char bitmap[VM_BITMAP_TEXT_SIZE], size[VM_SIZE_TEXT_SIZE];
    copy_text(name, sizeof(name), info->name, sizeof(info->name));
    copy_text(reason, sizeof(reason), info->stop_reason, sizeof(info->stop_reason));
    vm_format_bitmap(bitmap, (uint32_t)info->hart_mask);
    vm_format_size(size, info->mem_bytes);

    cJSON *vm = cJSON_CreateObject(), *cpu = cJSON_CreateObject(), *harts = cJSON_CreateArray();
    cJSON *memory = cJSON_CreateObject();
    cJSON_AddNumberToObject(vm, "id", info->id);
    cJSON_AddStringToObject(vm, "name", name);
    cJSON_AddStringToObject(vm, "type", vm_type_name((enum vm_type)info->os));
    cJSON_AddStringToObject(vm, "state", vm_state_name(info->state));
    if (info->state == SHYPER_VM_STOPPED)
        cJSON_AddStringToObject(vm, "stop_reason", reason);
    cJSON_AddNumberToObject(cpu, "num", info->nr_vcpus);
    cJSON_AddStringToObject(cpu, "allocate_bitmap", bitmap);
    for (unsigned bit = 0; bit < SET_BITS; bit++)
        if (info->hart_mask >> bit & 1)
            cJSON_AddItemToArray(harts, cJSON_CreateNumber(bit));
    cJSON_AddItemToObject(cpu, "harts", harts);
    cJSON_AddItemToObject(vm, "cpu", cpu);
    add_hex(memory, "length", info->mem_bytes);
    cJSON_AddStringToObject(memory, "size", size);
    cJSON_AddItemToObject(vm, "memory", memory);
    cJSON_AddNumberToObject(vm, "devices", info->nr_devices);
    return vm;
}

void vm_print_info(FILE *out, const struct shyper_vm_info *info)
{
    cJSON *vm = info_json(info);
    char *text = cJSON_Print(vm);
    fprintf(out, "%s\n", text ? text : "{}");
    free(text);
    cJSON_Delete(vm);
}

/* ---------------------------------------------------------------- vm stats */

void vm_print_stats(FILE *out, const struct shyper_vm_info *info,
                    const struct shyper_vm_stats *stats)
{
    char name[SHYPER_NAME_MAX + 1];
    uint64_t total = 0;
    copy_text(name, sizeof(name), info->name, sizeof(info->name));
    fprintf(out, "VM %u \"%s\" (%s): exits by cause\n", info->id, name, vm_state_name(info->state));
    for (unsigned i = 0; i < SHYPER_EXITS; i++) {
        fprintf(out, "  %-*s %12" PRIu64 "\n", STATS_NAME_WIDTH, exit_names[i], stats->exits[i]);
        total += stats->exits[i];
    }
    fprintf(out, "  %-*s %12" PRIu64 "\n", STATS_NAME_WIDTH, "total", total);
}

/* ---------------------------------------------------------------- system info */

void system_print_info(FILE *out, const struct shyper_system_info *info)
{
    char harts[VM_SET_TEXT_SIZE], ids[VM_SET_TEXT_SIZE];
    vm_format_set(harts, info->hart_mask);
    vm_format_set(ids, info->vmid_mask);
    fprintf(out, "Shyper hypervisor, ABI %u.%u\n", ABI_MAJOR(info->abi_version),
            ABI_MINOR(info->abi_version));
    fprintf(out, "harts       %u (%s)\n", info->nr_harts, harts);
    fprintf(out,
            "memory      %" PRIu64 " MiB free of %" PRIu64 " MiB (%" PRIu64 " of %" PRIu64
            " pages free)\n",
            info->free_pages >> (MIB_SHIFT - PAGE_SHIFT),
            info->total_pages >> (MIB_SHIFT - PAGE_SHIFT), info->free_pages, info->total_pages);
    fprintf(out, "VMs         %u of %u (ids %s)\n", info->nr_vms, info->max_vms, ids);
    fprintf(out, "interrupts  %" PRIu64 " physical sources owned by VMs\n", info->irq_owned);
}

/* ---------------------------------------------------------------- notifications */

void vm_print_state_change(FILE *out, uint32_t id, const char *name, uint32_t state, uint32_t event,
                           const char *stop_reason)
{
    fprintf(out, "vm%u", id);
    if (name && name[0])
        fprintf(out, " (%s)", name);
    if (state == SHYPER_VM_REMOVED || event == SHYPER_VM_EVENT_REMOVED) {
        fprintf(out, ": removed\n");
        return;
    }
    fprintf(out, ": %s: %s", vm_state_name(state), event_text(event));
    if (event == SHYPER_VM_EVENT_FAULTED && stop_reason && stop_reason[0])
        fprintf(out, ": %s", stop_reason);
    fputc('\n', out);
}

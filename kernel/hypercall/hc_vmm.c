/* VMM group: listing VMs and their lifecycle (see hypercall.h and vm.h). */
#include <kernel/errno.h>
#include <kernel/hypercall.h>
#include <kernel/log.h>
#include <shyper/hypercall.h>
#include <string.h>
#include <vmm/vm.h>
#include <vmm/vm_spec.h>

static const u8 exit_kinds[EXIT_REASONS] = {
    [EXIT_SBI] = SHYPER_EXIT_SBI,
    [EXIT_MMIO] = SHYPER_EXIT_MMIO,
    [EXIT_WFI] = SHYPER_EXIT_WFI,
    [EXIT_VIRTUAL_INST] = SHYPER_EXIT_VIRTUAL_INST,
    [EXIT_GUEST_FAULT] = SHYPER_EXIT_GUEST_FAULT,
    [EXIT_IRQ_TIMER] = SHYPER_EXIT_IRQ_TIMER,
    [EXIT_IRQ_IPI] = SHYPER_EXIT_IRQ_IPI,
    [EXIT_IRQ_EXT] = SHYPER_EXIT_IRQ_EXT,
    [EXIT_OTHER] = SHYPER_EXIT_OTHER,
};
_Static_assert((int)EXIT_REASONS == (int)SHYPER_EXITS, "every exit reason has an ABI counter");

static void fill_info(struct vm *vm, struct shyper_vm_info *info)
{
    char reason[VM_STOP_REASON_MAX];

    *info = (struct shyper_vm_info){
        .id = vm->id,
        .state = vm_read_state(vm, reason, sizeof(reason)),
        .os = vm->config->os,
        .nr_vcpus = vm->nr_vcpus,
        .nr_devices = vm->nr_devs,
    };
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        info->hart_mask |= BIT(vm->vcpus[i].hartid);
    for (u32 i = 0; i < vm->nr_mem; i++)
        info->mem_bytes += vm->mem[i].size;
    snprintf(info->name, sizeof(info->name), "%s", vm->name);
    snprintf(info->stop_reason, sizeof(info->stop_reason), "%s", reason);
}

/* The VM of a lifecycle request: any VM but the MVM itself. */
static enum hc_result guest_vm_arg(u64 id, struct vm **vm)
{
    enum hc_result r = hc_vm_arg(id, vm);

    return r == HC_OK && vm_is_mvm(*vm) ? HC_INVALID_PARAM : r;
}

/* A run-time VM boots only with all of its images loaded. */
static bool images_ready(const struct vm *vm)
{
    return !vm->dynamic || vm_dynamic_ready(vm->dynamic);
}

static enum hc_result get_my_id(struct hc_call *call)
{
    call->value = call->caller->id;
    return HC_OK;
}

static enum hc_result list(struct hc_call *call)
{
    const u64 entry = sizeof(struct shyper_vm_info);
    struct shyper_vm_info *dst;
    u32 count = 0;
    enum hc_result r =
        hc_caller_buffer(call, call->arg[0], call->arg[1], entry, true, (void **)&dst);

    if (r != HC_OK)
        return r;
    for (u32 id = 0; id < MAX_VMS; id++)
        count += vm_get(id) != NULL;
    call->value = count;
    if (call->arg[1] / entry < count)
        return HC_INVALID_PARAM;
    for (u32 id = 0; id < MAX_VMS; id++) {
        struct vm *vm = vm_get(id);
        struct shyper_vm_info info;
        if (!vm)
            continue;
        fill_info(vm, &info);
        memcpy(dst++, &info, sizeof(info));
    }
    return HC_OK;
}

static enum hc_result get_info(struct hc_call *call)
{
    struct shyper_vm_info info;
    struct vm *vm;
    void *dst;
    enum hc_result r = hc_vm_arg(call->arg[0], &vm);

    if (r == HC_OK)
        r = hc_caller_buffer(call, call->arg[1], call->arg[2], sizeof(info), false, &dst);
    if (r != HC_OK)
        return r;
    fill_info(vm, &info);
    memcpy(dst, &info, sizeof(info));
    return HC_OK;
}

static enum hc_result boot_vm(struct hc_call *call)
{
    struct vm *vm;
    enum hc_result r = guest_vm_arg(call->arg[0], &vm);

    if (r != HC_OK)
        return r;
    if (!images_ready(vm))
        return HC_DENIED;
    int err = vm_start(vm);
    return err == -EALREADY ? HC_ALREADY_STARTED : hc_from_errno(err);
}

static enum hc_result shutdown_vm(struct hc_call *call)
{
    struct vm *vm;
    enum hc_result r = guest_vm_arg(call->arg[0], &vm);

    if (r != HC_OK)
        return r;
    int err = vm_shutdown(vm);
    return err == -EALREADY ? HC_ALREADY_STOPPED : hc_from_errno(err);
}

static enum hc_result reboot_vm(struct hc_call *call)
{
    struct vm *vm;
    enum hc_result r = guest_vm_arg(call->arg[0], &vm);

    if (r != HC_OK)
        return r;
    if (!images_ready(vm))
        return HC_DENIED;
    return hc_from_errno(vm_restart(vm));
}

static enum hc_result remove_vm(struct hc_call *call)
{
    struct vm *vm;
    enum hc_result r = guest_vm_arg(call->arg[0], &vm);

    return r == HC_OK ? hc_from_errno(vm_remove(vm)) : r;
}

static enum hc_result get_stats(struct hc_call *call)
{
    struct shyper_vm_stats stats = {0};
    struct vm *vm;
    void *dst;
    enum hc_result r = hc_vm_arg(call->arg[0], &vm);

    if (r == HC_OK)
        r = hc_caller_buffer(call, call->arg[1], call->arg[2], sizeof(stats), false, &dst);
    if (r != HC_OK)
        return r;
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        for (u32 e = 0; e < EXIT_REASONS; e++)
            stats.exits[exit_kinds[e]] += READ_ONCE(vm->vcpus[i].exits[e]);
    memcpy(dst, &stats, sizeof(stats));
    return HC_OK;
}

static const struct hc_function functions[] = {
    [SHYPER_VMM_GET_MY_ID] = {get_my_id, true},   [SHYPER_VMM_LIST] = {list, false},
    [SHYPER_VMM_GET_INFO] = {get_info, false},    [SHYPER_VMM_BOOT] = {boot_vm, false},
    [SHYPER_VMM_SHUTDOWN] = {shutdown_vm, false}, [SHYPER_VMM_REBOOT] = {reboot_vm, false},
    [SHYPER_VMM_REMOVE] = {remove_vm, false},     [SHYPER_VMM_GET_STATS] = {get_stats, false},
};

const struct hc_group hc_vmm_group = {functions, ARRAY_SIZE(functions)};

/* Hypercall dispatch, the privilege check and argument helpers (see hypercall.h). */
#include <kernel/errno.h>
#include <kernel/hypercall.h>
#include <kernel/pcpu.h>
#include <kernel/spinlock.h>
#include <shyper/hypercall.h>
#include <vmm/vm.h>

#define MVM_ID 0

static const struct hc_group *const groups[] = {
    [SHYPER_GROUP_SYSTEM] = &hc_system_group, [SHYPER_GROUP_VMM] = &hc_vmm_group,
    [SHYPER_GROUP_CONFIG] = &hc_config_group, [SHYPER_GROUP_MEDIATED] = &hc_mediated_group,
    [SHYPER_GROUP_NOTIFY] = &hc_notify_group,
};

/* Serialises privileged calls (VM 0 may make them from several vCPUs at once).  Taken
 * while serving cross-hart calls: the holder may wait for this hart (pcpu_call). */
static spinlock_t management = SPINLOCK_INIT;

bool hypercall_group_exists(u32 group)
{
    return group < ARRAY_SIZE(groups) && groups[group];
}

static const struct hc_function *find(u32 group, u64 fn)
{
    if (!hypercall_group_exists(group) || fn >= groups[group]->nr_fns)
        return NULL;
    const struct hc_function *f = &groups[group]->fns[fn];
    return f->handler ? f : NULL;
}

enum hc_result hypercall_dispatch(struct vm *caller, u32 group, u64 fn, const u64 arg[HC_NR_ARGS],
                                  u64 *value)
{
    const struct hc_function *f = find(group, fn);
    struct hc_call call = {.caller = caller};
    enum hc_result result;

    if (!f)
        return HC_NOT_SUPPORTED;
    if (!f->any_vm && caller->id != MVM_ID)
        return HC_DENIED;
    for (u32 i = 0; i < HC_NR_ARGS; i++)
        call.arg[i] = arg[i];
    if (!f->any_vm)
        spin_lock_serving(&management, pcpu_process_calls);
    result = f->handler(&call);
    if (!f->any_vm)
        spin_unlock(&management);
    *value = call.value;
    return result;
}

enum hc_result hc_caller_buffer(struct hc_call *call, u64 ipa, u64 len, u64 size, bool at_least,
                                void **hva)
{
    if (at_least ? len < size : len != size)
        return HC_INVALID_PARAM;
    *hva = vm_gpa_to_hva(call->caller, ipa, len);
    return *hva ? HC_OK : HC_INVALID_ADDRESS;
}

enum hc_result hc_vm_arg(u64 id, struct vm **vm)
{
    *vm = id < MAX_VMS ? vm_get((u32)id) : NULL;
    return *vm ? HC_OK : HC_INVALID_PARAM;
}

enum hc_result hc_from_errno(int err)
{
    switch (err) {
    case 0:
        return HC_OK;
    case -ENOMEM:
        return HC_FAILED;
    case -ENOSYS: /* e.g. a device type this hypervisor cannot emulate */
        return HC_NOT_SUPPORTED;
    default:
        return HC_INVALID_PARAM;
    }
}

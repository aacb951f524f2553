/* SYSTEM group: ABI version, machine information, machine power (see hypercall.h). */
#include <arch/hooks.h>
#include <kernel/hypercall.h>
#include <kernel/irq_route.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/platform.h>
#include <shyper/hypercall.h>
#include <string.h>
#include <vmm/vm.h>

static enum hc_result get_version(struct hc_call *call)
{
    call->value = SHYPER_ABI_VERSION;
    return HC_OK;
}

static enum hc_result get_info(struct hc_call *call)
{
    struct shyper_system_info info = {
        .abi_version = SHYPER_ABI_VERSION,
        .nr_harts = platform.nr_harts,
        .hart_mask = platform.hart_mask,
        .total_pages = system_pool.nr_pages,
        .free_pages = page_pool_free_pages(&system_pool),
        .max_vms = MAX_VMS,
        .irq_owned = irq_route_nr_owned(),
    };
    void *dst;
    enum hc_result r =
        hc_caller_buffer(call, call->arg[0], call->arg[1], sizeof(info), false, &dst);

    if (r != HC_OK)
        return r;
    for (u32 id = 0; id < MAX_VMS; id++) {
        if (vm_get(id)) {
            info.nr_vms++;
            info.vmid_mask |= BIT(id);
        }
    }
    memcpy(dst, &info, sizeof(info));
    return HC_OK;
}

static enum hc_result shutdown(struct hc_call *call)
{
    (void)call;
    log_info("the MVM shuts the machine down");
    arch_system_off(false);
}

static enum hc_result reboot(struct hc_call *call)
{
    (void)call;
    log_info("the MVM resets the machine");
    arch_system_off(true);
}

static const struct hc_function functions[] = {
    [SHYPER_SYSTEM_GET_VERSION] = {get_version, true},
    [SHYPER_SYSTEM_GET_INFO] = {get_info, false},
    [SHYPER_SYSTEM_SHUTDOWN] = {shutdown, false},
    [SHYPER_SYSTEM_REBOOT] = {reboot, false},
};

const struct hc_group hc_system_group = {functions, ARRAY_SIZE(functions)};

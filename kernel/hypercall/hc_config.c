/* CONFIG group: creating run-time VMs and loading their images (see vm_spec.h). */
#include <kernel/hypercall.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <shyper/hypercall.h>
#include <string.h>
#include <vmm/vm.h>
#include <vmm/vm_spec.h>

/* The caller's spec, copied before it is checked, so that it cannot change afterwards
 * (management calls are serialised: one copy is enough). */
static struct shyper_vm_spec spec;

static bool passed_through(const struct vm_config *cfg, paddr_t pa, u64 size)
{
    for (u32 i = 0; i < cfg->nr_pt; i++)
        if (ranges_overlap(pa, size, cfg->pt[i].pa, cfg->pt[i].size))
            return true;
    return false;
}

/* Host memory a run-time VM must not get: the hypervisor's or another VM's. */
static bool pa_taken(paddr_t pa, u64 size)
{
    if (ranges_overlap(pa, size, platform.ram_base, platform.ram_size) ||
        ranges_overlap(pa, size, platform.plic_base, platform.plic_size) ||
        (platform.uart_size && ranges_overlap(pa, size, platform.uart_base, platform.uart_size)))
        return true;
    for (u32 id = 0; id < MAX_VMS; id++) {
        struct vm *vm = vm_get(id);
        if (vm && passed_through(vm->config, pa, size))
            return true;
    }
    return false;
}

/* The MVM's harts are its own: run-time VMs may share harts only with each other. */
static u64 mvm_harts(void)
{
    struct vm *mvm = vm_get(0);
    u64 harts = 0;

    for (u32 i = 0; mvm && i < mvm->nr_vcpus; i++)
        harts |= BIT(mvm->vcpus[i].hartid);
    return harts;
}

static enum hc_result create(struct hc_call *call)
{
    const struct vm_spec_env env = {
        .hart_mask = platform.hart_mask,
        .reserved_harts = mvm_harts(),
        .max_irq = platform.plic_ndev,
        .pa_taken = pa_taken,
    };
    char why[VM_SPEC_WHY_MAX];
    void *src;
    enum hc_result r =
        hc_caller_buffer(call, call->arg[0], call->arg[1], sizeof(spec), false, &src);

    if (r != HC_OK)
        return r;
    memcpy(&spec, src, sizeof(spec));
    if (vm_spec_check(&spec, &env, why, sizeof(why))) {
        log_warn("CONFIG_CREATE refused: %s", why);
        return HC_INVALID_PARAM;
    }
    u32 id = vm_free_id();
    if (!id) {
        log_warn("CONFIG_CREATE refused: all %u VM ids are in use", MAX_VMS);
        return HC_FAILED;
    }
    struct vm_dynamic *dyn = vm_spec_build(&spec);
    if (!dyn) {
        log_warn("CONFIG_CREATE refused: no memory for the config and image copies of %s",
                 spec.name);
        return HC_FAILED;
    }
    int err = vm_create_dynamic(id, dyn, NULL);
    if (err) {
        log_warn("CONFIG_CREATE: vm%u (%s) not created (error %d)", id, spec.name, err);
        return hc_from_errno(err);
    }
    call->value = id;
    return HC_OK;
}

static enum hc_result load(struct hc_call *call)
{
    u64 image = call->arg[1], offset = call->arg[2], ipa = call->arg[3], len = call->arg[4];
    char reason[VM_STOP_REASON_MAX];
    struct vm *vm;
    const u8 *copy;
    gpaddr_t dst;
    enum hc_result r = hc_vm_arg(call->arg[0], &vm);

    if (r != HC_OK)
        return r;
    if (!vm->dynamic)
        return HC_INVALID_PARAM; /* a static VM's images are part of the hypervisor */
    if (vm_read_state(vm, reason, sizeof(reason)) == VM_STATE_RUNNING)
        return HC_ALREADY_STARTED;
    const void *src = vm_gpa_to_hva(call->caller, ipa, len);
    if (!src)
        return HC_INVALID_ADDRESS;
    if (vm_image_load(vm->dynamic, image, offset, src, len, &copy, &dst))
        return HC_INVALID_PARAM;
    if (vm_write_guest(vm, dst, copy, len))
        return HC_FAILED; /* the spec check keeps every image inside RAM */
    call->value = vm->dynamic->image[image].loaded;
    return HC_OK;
}

static const struct hc_function functions[] = {
    [SHYPER_CONFIG_CREATE] = {create, false},
    [SHYPER_CONFIG_LOAD] = {load, false},
};

const struct hc_group hc_config_group = {functions, ARRAY_SIZE(functions)};

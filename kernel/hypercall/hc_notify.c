/* NOTIFY group: the MVM's message ring (see vm_notify.h). */
#include <kernel/hypercall.h>
#include <shyper/hypercall.h>
#include <vmm/vm_notify.h>

#define RING_ALIGN 8 /* the ring's natural alignment: the hypervisor stores to it directly */

static enum hc_result register_ring(struct hc_call *call)
{
    u64 ipa = call->arg[0], size = call->arg[1];
    void *ring;

    if (!size) {
        vm_notify_unregister();
        return HC_OK;
    }
    if (size < VM_NOTIFY_RING_MIN || size > VM_NOTIFY_RING_MAX || (size & (size - 1)) ||
        !IS_ALIGNED(ipa, RING_ALIGN))
        return HC_INVALID_PARAM;
    enum hc_result r = hc_caller_buffer(call, ipa, size, size, false, &ring);
    if (r == HC_OK)
        call->value = vm_notify_register(ring, size);
    return r;
}

static const struct hc_function functions[] = {
    [SHYPER_NOTIFY_REGISTER] = {register_ring, false},
};

const struct hc_group hc_notify_group = {functions, ARRAY_SIZE(functions)};

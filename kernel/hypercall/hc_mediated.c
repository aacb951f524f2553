/* MEDIATED group: the MVM daemon behind mediated virtio-blk (see hypercall.h,
 * virtio_blk_mediated.h). */
#include <device/virtio/virtio_blk_mediated.h>
#include <kernel/hypercall.h>
#include <shyper/hypercall.h>
#include <string.h>
#include <vmm/vm.h>

/* The slots are page-aligned, whole and disjoint pieces of the caller's RAM. */
static enum hc_result map_slots(struct hc_call *call, const struct shyper_mediated_attach *a,
                                u8 *slots[])
{
    for (u32 i = 0; i < a->nr_slots; i++) {
        u64 ipa = a->slot_ipa[i];

        if (!IS_ALIGNED(ipa, PAGE_SIZE))
            return HC_INVALID_PARAM;
        for (u32 j = 0; j < i; j++)
            if (ranges_overlap(ipa, SHYPER_MEDIATED_SLOT_SIZE, a->slot_ipa[j],
                               SHYPER_MEDIATED_SLOT_SIZE))
                return HC_INVALID_PARAM;
        slots[i] = vm_gpa_to_hva(call->caller, ipa, SHYPER_MEDIATED_SLOT_SIZE);
        if (!slots[i])
            return HC_INVALID_ADDRESS;
    }
    return HC_OK;
}

static enum hc_result attach(struct hc_call *call)
{
    struct shyper_mediated_attach a;
    u8 *slots[SHYPER_MEDIATED_MAX_SLOTS];
    void *src;
    enum hc_result r = hc_caller_buffer(call, call->arg[0], call->arg[1], sizeof(a), false, &src);

    if (r != HC_OK)
        return r;
    memcpy(&a, src, sizeof(a)); /* checked and used only in this copy */
    if (!a.nr_slots || a.nr_slots > SHYPER_MEDIATED_MAX_SLOTS ||
        a.nr_disks > SHYPER_MEDIATED_MAX_DISKS)
        return HC_INVALID_PARAM;
    r = map_slots(call, &a, slots);
    if (r != HC_OK)
        return r;
    blk_mediated_attach(slots, a.nr_slots, a.disk_sectors, a.nr_disks);
    call->value = a.nr_slots;
    return HC_OK;
}

static enum hc_result complete(struct hc_call *call)
{
    struct shyper_blk_done done[BLK_COMPLETE_MAX];
    u64 len = call->arg[1];
    u32 delivered;
    void *src;

    if (len % sizeof(done[0]) || len > sizeof(done))
        return HC_INVALID_PARAM;
    enum hc_result r = hc_caller_buffer(call, call->arg[0], len, sizeof(done[0]), true, &src);
    if (r != HC_OK)
        return r;
    memcpy(done, src, len); /* used only in this copy */
    u32 refused = blk_mediated_complete(done, (u32)(len / sizeof(done[0])), &delivered);
    call->value = delivered;
    return refused ? HC_INVALID_PARAM : HC_OK;
}

static enum hc_result detach(struct hc_call *call)
{
    (void)call;
    blk_mediated_detach();
    return HC_OK;
}

static const struct hc_function functions[] = {
    [SHYPER_MEDIATED_ATTACH] = {attach, false},
    [SHYPER_MEDIATED_COMPLETE] = {complete, false},
    [SHYPER_MEDIATED_DETACH] = {detach, false},
};

const struct hc_group hc_mediated_group = {functions, ARRAY_SIZE(functions)};

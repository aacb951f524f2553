/*
 * SBI RFENCE extension: remote fence.i and sfence.vma for a VM's vCPUs.  Each target hart
 * flushes with the VM's VMID installed, whichever vCPU it runs at the time; the call
 * returns once every target has flushed.  The hfence variants are for guests with the H
 * extension, which Shyper does not offer: not supported.
 */
#include <arch/csr.h>
#include <arch/vsbi.h>
#include <kernel/pcpu.h>
#include <vmm/vm.h>

/* Flushing more pages than this one by one costs more than a full flush. */
#define RFENCE_MAX_PAGES 64

struct rfence_req {
    struct vm *vm;
    unsigned long fid;
    u64 start, size, asid;
};

static bool full_flush(const struct rfence_req *r)
{
    return (r->start == 0 && r->size == 0) || r->size == (u64)-1 ||
           r->size > RFENCE_MAX_PAGES * PAGE_SIZE;
}

/* [start, start + size) runs past the end of the address space (size -1 means "all"). */
static bool wraps(const struct rfence_req *r)
{
    return r->size && r->size != (u64)-1 && r->start > ~0UL - (r->size - 1);
}

/* Page by page; counted, so that a range ending at the top of the address space ends. */
static void flush_pages(const struct rfence_req *r)
{
    u64 first = ALIGN_DOWN(r->start, PAGE_SIZE);
    u64 pages = r->size ? (r->start - first + r->size - 1) / PAGE_SIZE + 1 : 0;

    for (u64 i = 0; i < pages; i++)
        hfence_vvma_va(first + i * PAGE_SIZE);
}

static void do_rfence(void *arg)
{
    const struct rfence_req *r = arg;

    if (r->fid == SBI_RFENCE_FENCE_I) {
        fence_i();
        return;
    }
    u64 saved = csr_swap(hgatp, stage2_hgatp(&r->vm->s2));
    if (full_flush(r)) {
        if (r->fid == SBI_RFENCE_SFENCE_VMA_ASID)
            hfence_vvma_asid(r->asid);
        else
            hfence_vvma_all();
    } else {
        flush_pages(r);
    }
    csr_write(hgatp, saved);
}

static struct sbiret rfence_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                    const u64 *args)
{
    struct vm *vm = vcpu->vm;
    struct rfence_req req = {
        .vm = vm, .fid = fid, .start = args[2], .size = args[3], .asid = args[4]};
    u64 targets;

    (void)eid;
    if (fid > SBI_RFENCE_SFENCE_VMA_ASID)
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    long err = vsbi_hart_mask_to_vcpus(args[0], args[1], vm->nr_vcpus, &targets);
    if (err)
        return vsbi_error(err);
    if (fid != SBI_RFENCE_FENCE_I && wraps(&req))
        return vsbi_error(SBI_ERR_INVALID_ADDRESS);
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        if (targets & BIT(i))
            pcpu_call(vm->vcpus[i].hartid, do_rfence, &req, true);
    return vsbi_success(0);
}

const struct vsbi_extension vsbi_ext_rfence = {
    .eid_min = SBI_EXT_RFENCE,
    .eid_max = SBI_EXT_RFENCE,
    .name = "rfence",
    .handler = rfence_handler,
};

/* MMIO emulation: decode the trapping load/store and run it against the device. */
#include <arch/csr.h>
#include <arch/fast_exit.h>
#include <arch/guest_fault.h>
#include <arch/insn_decode.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <vmm/vm.h>

/* The trapping instruction read from guest code at pc, for CPUs that leave htinst 0.  Out
 * of line, so that the common case (htinst) does not pay for its saved registers. */
static __attribute__((noinline)) int fetch_insn(u64 pc, u32 *insn, u8 *len)
{
    u16 lo, hi;

    if (guest_fetch_u16(pc, &lo))
        return -EFAULT;
    if ((lo & 3) != 3) {
        *insn = lo;
        *len = 2;
        return 0;
    }
    if (guest_fetch_u16(pc + 2, &hi))
        return -EFAULT;
    *insn = lo | ((u32)hi << 16);
    *len = 4;
    return 0;
}

/* The trapping instruction, from htinst or, failing that, from guest memory. */
static int trapping_insn(struct vcpu *vcpu, u32 *insn, u8 *len)
{
    u64 htinst = csr_read(htinst);

    switch (htinst_classify(htinst)) {
    case HTINST_TRANSFORMED:
        *insn = htinst_to_insn(htinst, len);
        return 0;
    case HTINST_PSEUDO:
        return -EINVAL; /* the guest's page tables point at the device */
    case HTINST_NONE:
        break;
    }
    return fetch_insn(vcpu->arch.regs.sepc, insn, len);
}

/* The access faulted in the guest: a bad width or offset for the device, or refused by it. */
static __attribute__((noinline)) void access_fault(struct vcpu *vcpu, bool store)
{
    guest_inject_exception(vcpu, store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, csr_read(stval));
}

/* Runs the decoded access against the device, then writes a loaded value to its register
 * and steps over the instruction (mi->len bytes); false when it faulted in the guest
 * instead.  Inline in both paths, so that the decoded access stays in registers. */
static inline __attribute__((always_inline)) bool emulate(struct vcpu *vcpu, struct mmio_dev *dev,
                                                          gpaddr_t gpa, const struct mmio_insn *mi)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    u64 offset = gpa - dev->base;

    if (!IS_ALIGNED(gpa, mi->width) || offset + mi->width > dev->size) {
        access_fault(vcpu, mi->store);
        return false;
    }
    if (mi->store) {
        u64 value = mi->reg ? regs->x[mi->reg] : 0;
        if (dev->ops->write(dev, vcpu, offset, mi->width, mmio_extend(value, mi->width, false))) {
            access_fault(vcpu, true);
            return false;
        }
    } else {
        u64 value = 0;
        if (dev->ops->read(dev, vcpu, offset, mi->width, &value)) {
            access_fault(vcpu, false);
            return false;
        }
        /* Also for x0: its slot is a sink that is never read (regs.h). */
        regs->x[mi->reg] = mmio_extend(value, mi->width, mi->sign_extend);
    }
    regs->sepc += mi->len;
    return true;
}

void mmio_exit_handle(struct vcpu *vcpu, struct mmio_dev *dev, gpaddr_t gpa, u64 cause)
{
    struct mmio_insn mi;
    u32 insn = 0;
    u8 len = 0;
    bool is_store = cause == EXC_STORE_GUEST_PAGE_FAULT;

    if (trapping_insn(vcpu, &insn, &len) || insn_decode_mmio(insn, &mi) || mi.store != is_store) {
        vm_stop(vcpu->vm, "vcpu%u: cannot emulate instruction 0x%x at pc 0x%lx on %s", vcpu->id,
                insn, vcpu->arch.regs.sepc, dev->name);
        return;
    }
    mi.len = len; /* a transformed htinst decodes as 32-bit */
    emulate(vcpu, dev, gpa, &mi);
}

struct fast_exit mmio_exit_fast(struct vcpu *vcpu, u64 cause)
{
    struct mmio_insn mi;
    struct mmio_dev *dev;

    if (htinst_decode_access(csr_read(htinst), cause == EXC_STORE_GUEST_PAGE_FAULT, &mi) ||
        (REGS_PRESERVED_MASK & BIT(mi.reg)))
        return fast_exit_defer(vcpu);
    gpaddr_t gpa = guest_fault_gpa();
    if (!(dev = vcpu_find_mmio(vcpu, gpa)))
        return fast_exit_defer(vcpu);
    vcpu->exits[EXIT_MMIO]++;
    /* A fault changes the frame's sstatus (guest_inject_exception()). */
    return fast_exit_handled(vcpu, emulate(vcpu, dev, gpa, &mi));
}

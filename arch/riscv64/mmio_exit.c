/* MMIO emulation: decode the trapping load/store and run it against the device. */
#include <arch/csr.h>
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

void mmio_exit_handle(struct vcpu *vcpu, struct mmio_dev *dev, gpaddr_t gpa, u64 cause)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    struct mmio_insn mi;
    u32 insn = 0;
    u8 len = 0;
    bool is_store = cause == EXC_STORE_GUEST_PAGE_FAULT;

    if (trapping_insn(vcpu, &insn, &len) || insn_decode_mmio(insn, &mi) || mi.store != is_store) {
        vm_stop(vcpu->vm, "vcpu%u: cannot emulate instruction 0x%x at pc 0x%lx on %s", vcpu->id,
                insn, regs->sepc, dev->name);
        return;
    }
    u64 offset = gpa - dev->base;
    int err;
    if (!IS_ALIGNED(gpa, mi.width) || offset + mi.width > dev->size) {
        err = -EINVAL;
    } else if (mi.store) {
        err = dev->ops->write(dev, vcpu, offset, mi.width,
                              mmio_extend(regs->x[mi.reg], mi.width, false));
    } else {
        u64 value = 0;
        err = dev->ops->read(dev, vcpu, offset, mi.width, &value);
        if (!err && mi.reg)
            regs->x[mi.reg] = mmio_extend(value, mi.width, mi.sign_extend);
    }
    if (err) {
        guest_inject_exception(vcpu, is_store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS,
                               csr_read(stval));
        return;
    }
    regs->sepc += len;
}

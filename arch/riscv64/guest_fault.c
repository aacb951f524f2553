/* Exceptions delivered into a guest, and stage-2 faults (see guest_fault.h). */
#include <arch/csr.h>
#include <arch/guest_fault.h>
#include <kernel/log.h>
#include <vmm/vm.h>

/* Log at most this many faults per vCPU; a hostile guest could cause millions. */
#define FAULT_LOG_LIMIT 8

void guest_inject_exception(struct vcpu *vcpu, u64 cause, u64 tval)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    u64 vstvec = csr_read(vstvec) & ~3UL;
    u64 vsstatus = csr_read(vsstatus);

    if (regs->sepc == vstvec) {
        vm_stop(vcpu->vm, "vcpu%u: exception %lu at its own trap handler 0x%lx", vcpu->id, cause,
                vstvec);
        return;
    }
    /* vsstatus: SPP = mode the guest was in, SPIE = SIE, SIE = 0 */
    vsstatus &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
    if (regs->sstatus & SSTATUS_SPP)
        vsstatus |= SSTATUS_SPP;
    if (csr_read(vsstatus) & SSTATUS_SIE)
        vsstatus |= SSTATUS_SPIE;
    csr_write(vsstatus, vsstatus);
    csr_write(vscause, cause);
    csr_write(vstval, tval);
    csr_write(vsepc, regs->sepc);
    regs->sepc = vstvec;
    regs->sstatus |= SSTATUS_SPP; /* the handler runs in VS-mode */
}

static u64 access_fault_for(u64 cause)
{
    switch (cause) {
    case EXC_INST_GUEST_PAGE_FAULT:
        return EXC_INST_ACCESS;
    case EXC_LOAD_GUEST_PAGE_FAULT:
        return EXC_LOAD_ACCESS;
    default:
        return EXC_STORE_ACCESS;
    }
}

static const char *access_name(u64 cause)
{
    switch (cause) {
    case EXC_INST_GUEST_PAGE_FAULT:
        return "fetch";
    case EXC_LOAD_GUEST_PAGE_FAULT:
        return "load";
    default:
        return "store";
    }
}

/* A fault outside the VM's memory and devices: logged (a few times), then an access fault
 * for the guest.  Out of line, so that MMIO exits do not pay for its saved registers. */
static __attribute__((noinline)) void fault_outside(struct vcpu *vcpu, u64 cause, gpaddr_t gpa)
{
    u64 gva = csr_read(stval);

    if (vcpu->exits[EXIT_GUEST_FAULT]++ < FAULT_LOG_LIMIT)
        log_warn("vm%u vcpu%u: %s at 0x%lx outside its memory (pc 0x%lx): access fault",
                 vcpu->vm->id, vcpu->id, access_name(cause), gpa, vcpu->arch.regs.sepc);
    guest_inject_exception(vcpu, access_fault_for(cause), gva);
}

void guest_page_fault(struct vcpu *vcpu, u64 cause)
{
    gpaddr_t gpa = guest_fault_gpa();
    struct mmio_dev *dev = cause == EXC_INST_GUEST_PAGE_FAULT ? NULL : vm_find_mmio(vcpu->vm, gpa);

    if (!dev) {
        fault_outside(vcpu, cause, gpa);
        return;
    }
    vcpu->exits[EXIT_MMIO]++;
    mmio_exit_handle(vcpu, dev, gpa, cause);
}

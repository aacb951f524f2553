/*
 * Trap dispatch.  Every trap from a guest goes to arch_guest_trap_fast() first, which
 * finishes SBI calls and most MMIO accesses when the same vCPU keeps running.  The rest
 * ends up in arch_guest_trap(): interrupts go to the hypervisor's handlers, exceptions to
 * SBI, MMIO or fault injection; then the scheduler decides which vCPU this hart resumes.
 */
#include <arch/csr.h>
#include <arch/fast_exit.h>
#include <arch/guest_fault.h>
#include <arch/hooks.h>
#include <arch/plic.h>
#include <arch/vsbi.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/pcpu.h>
#include <kernel/sched.h>
#include <vmm/vm.h>

#define INSN_WFI 0x10500073

static void handle_irq(u64 irq, struct vcpu *vcpu)
{
    switch (irq) {
    case IRQ_S_SOFT:
        if (vcpu)
            vcpu->exits[EXIT_IRQ_IPI]++;
        csr_clear(sip, MIP_SSIP);
        pcpu_process_calls();
        break;
    case IRQ_S_TIMER:
        if (vcpu)
            vcpu->exits[EXIT_IRQ_TIMER]++;
        sched_timer_expired();
        break;
    case IRQ_S_EXT:
        if (vcpu)
            vcpu->exits[EXIT_IRQ_EXT]++;
        plic_handle_irq();
        break;
    default:
        log_warn("unexpected interrupt %lu", irq);
    }
}

static void handle_virtual_instruction(struct vcpu *vcpu)
{
    u64 insn = csr_read(stval);

    /* WFI in VS: the vCPU waits for an interrupt.  From VU (SPP clear) it is an illegal
     * instruction, as U-mode's WFI is without virtualization: user code must not stall
     * the vCPU, and the hypervisor must not block a vCPU nothing may be set to wake. */
    if (insn == INSN_WFI && (vcpu->arch.regs.sstatus & SSTATUS_SPP)) {
        vcpu->exits[EXIT_WFI]++;
        vcpu->arch.regs.sepc += 4;
        sched_block_current();
        return;
    }
    /* Hypervisor instructions and CSRs do not exist for a guest: illegal instruction. */
    vcpu->exits[EXIT_VIRTUAL_INST]++;
    guest_inject_exception(vcpu, EXC_ILLEGAL_INST, insn);
}

static void handle_exception(struct vcpu *vcpu, u64 cause)
{
    /* SBI calls (EXC_ECALL_VS) never get here: the fast path handles every one. */
    switch (cause) {
    case EXC_INST_GUEST_PAGE_FAULT:
    case EXC_LOAD_GUEST_PAGE_FAULT:
    case EXC_STORE_GUEST_PAGE_FAULT:
        guest_page_fault(vcpu, cause);
        break;
    case EXC_VIRTUAL_INST:
        handle_virtual_instruction(vcpu);
        break;
    default:
        /* Access faults, misaligned accesses and the like: the guest's own business. */
        vcpu->exits[EXIT_OTHER]++;
        guest_inject_exception(vcpu, cause, csr_read(stval));
    }
}

/* The vCPU whose frame trap.S saved: the one this hart runs. */
static struct vcpu *trapped_vcpu(struct guest_regs *regs)
{
    struct vcpu *vcpu = this_pcpu()->current;

    BUG_ON(!vcpu || regs != &vcpu->arch.regs);
    return vcpu;
}

/*
 * The fast path (see regs.h): SBI calls, and the MMIO accesses mmio_exit_fast() takes.
 * Everything else is deferred, untouched.
 */
struct fast_exit arch_guest_trap_fast(struct guest_regs *regs)
{
    /* The frame is the current vCPU's (trap.S saves into the frame it entered); the fast
     * path resumes it only after checking that it still is (fast_exit_handled()). */
    struct vcpu *vcpu = container_of(regs, struct vcpu, arch.regs);
    u64 cause = csr_read(scause);

    if (cause == EXC_ECALL_VS)
        return vsbi_exit_fast(vcpu);
    if (cause == EXC_LOAD_GUEST_PAGE_FAULT || cause == EXC_STORE_GUEST_PAGE_FAULT)
        return mmio_exit_fast(vcpu, cause);
    return fast_exit_defer(vcpu);
}

/* The general path, with the whole frame saved. */
struct guest_regs *arch_guest_trap(struct guest_regs *regs, unsigned long fast)
{
    if (fast == FAST_EXIT_DEFER) {
        struct vcpu *vcpu = trapped_vcpu(regs);
        u64 cause = csr_read(scause);

        if (cause & CAUSE_INTERRUPT)
            handle_irq(cause & ~CAUSE_INTERRUPT, vcpu);
        else
            handle_exception(vcpu, cause);
    }
    return &sched_resume()->arch.regs;
}

void arch_idle(void)
{
    wfi();
    u64 pending = csr_read(sip) & csr_read(sie);
    for (u64 irq = 0; pending; irq++, pending >>= 1)
        if (pending & 1)
            handle_irq(irq, NULL);
}

struct fixup {
    u64 insn, handler;
};
extern const struct fixup __fixup_start[], __fixup_end[];

static void dump_regs(const struct guest_regs *r)
{
    static const char *const names[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                          "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                          "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                          "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

    for (int i = 1; i < 32; i += 2)
        console_printf("  %-4s %016lx  %-4s %016lx\n", names[i], r->x[i],
                       i + 1 < 32 ? names[i + 1] : "", i + 1 < 32 ? r->x[i + 1] : 0);
}

/* A trap taken in HS-mode: an expected fault with a fixup, or a hypervisor bug. */
void arch_hs_trap(struct guest_regs *frame)
{
    u64 cause = csr_read(scause), tval = csr_read(stval);

    if (!(cause & CAUSE_INTERRUPT)) {
        /* The linker places the table between the two symbols. */
        u64 n = ((u64)__fixup_end - (u64)__fixup_start) / sizeof(struct fixup);
        for (u64 i = 0; i < n; i++) {
            if (__fixup_start[i].insn == frame->sepc) {
                csr_write(sepc, __fixup_start[i].handler);
                return;
            }
        }
    }
    console_printf("\n*** hypervisor trap in HS-mode: scause 0x%lx stval 0x%lx sepc 0x%lx "
                   "sstatus 0x%lx\n",
                   cause, tval, frame->sepc, frame->sstatus);
    dump_regs(frame);
    panic("unexpected trap in the hypervisor");
}

/*
 * What the parts of the hostile guest share (hostile_vm.c and the files of tests/guests/hostile/):
 * the random generator, the trap record each operation is judged by, the tally of
 * operations and mismatches per kind, the probes (probes.S) and the way down to VU-mode.
 *
 * An operation is one access, instruction or call whose outcome the guest predicts
 * exactly: no trap, or one trap with a given scause and stval.  A mismatch is counted
 * and its first occurrences are kept as text; nothing is printed per operation.
 */
#ifndef HOSTILE_ATTACK_H
#define HOSTILE_ATTACK_H

#include "hostile/layout.h"
#include "sbi_test.h"

#define EXC_ECALL_U         8
#define EXC_INST_PAGE_FAULT 12
#define SSTATUS_SPP         (1UL << 8)
#define SSTATUS_FS          (3UL << 13)
#define INSN_BYTES          4
#define NO_DEADLINE         (~0UL)

#define RAM0_END  (HOSTILE_RAM0_BASE + HOSTILE_RAM0_SIZE)
#define RAM1_END  (HOSTILE_RAM1_BASE + HOSTILE_RAM1_SIZE)
#define VPLIC_END (HOSTILE_VPLIC_BASE + HOSTILE_VPLIC_SIZE)
#define HOST_RAM  0x80000000UL /* QEMU virt's RAM, host-physical */
#define HYP_IMAGE 0x80200000UL /* where OpenSBI puts the hypervisor */
#define GPA_BITS  41           /* Sv39x4 */
#define GPA_LIMIT (1UL << GPA_BITS)

/* ------------------------------------------------------------ what the guest was told */

extern struct hostile_params params;

/* n scaled by params.scale percent (at least 1). */
u64 scaled(u64 n);

/* ------------------------------------------------------------ random numbers */

/* xorshift64*, seeded from params.seed. */
void rng_seed(u64 seed);
u64 rnd(void);
/* Uniform in [0, n), n > 0. */
u64 rnd_below(u64 n);
/* A value an attacker would try: 0, -1, small numbers, sign and width boundaries,
 * addresses of interest (RAM edges, the hypervisor, devices) or random bits. */
u64 rnd_value(void);

/* True when [addr, addr + len) touches this VM's RAM or one of its devices. */
bool is_own(u64 addr, u64 len);
/* True when [addr, addr + len) lies inside one RAM region (the two do not adjoin). */
bool in_ram(u64 addr, u64 len);

/* ------------------------------------------------------------ traps */

struct trap_seen {
    u32 count;
    u64 cause, tval, epc;
};
extern volatile struct trap_seen seen;
/* What the last took*() call judged: for the description of a mismatch. */
extern struct trap_seen judged;
/* Interrupts that arrived.  A timer interrupt disarms the timer, or re-arms it
 * timer_rearm ticks ahead when that is not 0; a software interrupt clears itself. */
extern volatile u32 timer_irqs, soft_irqs;
extern volatile u64 timer_rearm;

/* Installs the trap hook: every exception is recorded, then the guest resumes after
 * the instruction (faulting fetches: at ra, or at the landing if one is set). */
void traps_init(void);
/* Where the next faulting instruction fetch resumes, in VS-mode (0: at ra). */
void set_landing(void (*landing)(void));
/* Each check clears the record.  Exactly one exception with this scause and stval since
 * the last check: */
bool took(u64 cause, u64 tval);
/* Exactly one exception with this scause, whatever its stval. */
bool took_any(u64 cause);
/* Exactly one exception with this scause, stval = the instruction at its pc. */
bool took_illegal(void);
/* No exception since the last check. */
bool took_none(void);

/* ------------------------------------------------------------ tally */

enum attack_kind {
    ATTACK_MEM,     /* loads, stores, AMOs, fetches outside RAM and devices */
    ATTACK_VPLIC,   /* vPLIC registers, contexts it does not have, bad widths */
    ATTACK_CSR_VS,  /* every CSR number, read and written, from VS */
    ATTACK_CSR_VU,  /* the same from VU */
    ATTACK_INSN_VS, /* H-extension and M-mode instructions from VS */
    ATTACK_INSN_VU, /* the same plus sret, sfence.vma, wfi from VU */
    ATTACK_SRET,    /* sret to wild addresses, in both directions */
    ATTACK_WFI,     /* wfi with interrupts masked, pending, or none soon */
    ATTACK_SBI,     /* random SBI extensions, functions and arguments */
    ATTACK_HC,      /* management hypercalls from a guest VM */
    ATTACK_HSM,     /* vCPU start/stop races and wild start addresses */
    ATTACK_VIRTIO,  /* virtio-mmio registers, malformed rings */
    ATTACK_KINDS,
};

/* Counts one operation of kind; a false `ok` is a mismatch described by fmt, to which
 * the trap record the last check judged is added. */
void tally(enum attack_kind kind, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the kept mismatch descriptions (from VS-mode only). */
void tally_flush(void);
/* One PASS/FAIL line per kind, and the total; returns the number of operations. */
u64 tally_report(void);

/* ------------------------------------------------------------ VU-mode */

/* Runs fn in VU-mode (vsstatus.SPP = 0) on this stack; it returns here through an ecall.
 * fn must not make SBI calls or print: VU ecalls come back to VS. */
void user_run(void (*fn)(void));

/* ------------------------------------------------------------ probes (probes.S) */

/* Loads and stores of every width; loads return the value. */
u64 probe_lb(u64 addr);
u64 probe_lbu(u64 addr);
u64 probe_lh(u64 addr);
u64 probe_lhu(u64 addr);
u64 probe_lw(u64 addr);
u64 probe_lwu(u64 addr);
u64 probe_ld(u64 addr);
void probe_sb(u64 addr, u64 v);
void probe_sh(u64 addr, u64 v);
void probe_sw(u64 addr, u64 v);
void probe_sd(u64 addr, u64 v);
u64 probe_c_lw(u64 addr);
void probe_c_sw(u64 addr, u64 v);
void probe_flw(u64 addr);
void probe_fld(u64 addr);
void probe_fsw(u64 addr, u64 v);
void probe_fsd(u64 addr, u64 v);
u64 probe_amoswap_w(u64 addr, u64 v);
u64 probe_amoswap_d(u64 addr, u64 v);
u64 probe_amoadd_w(u64 addr, u64 v);
u64 probe_amoadd_d(u64 addr, u64 v);
u64 probe_lr_w(u64 addr);
u64 probe_lr_d(u64 addr);
/* jalr to addr; a fault there resumes after the jalr. */
void probe_fetch(u64 addr);

/* One entry per CSR number: read (csrrs a0, csr, zero) and swap (csrrw a0, csr, a1). */
typedef u64 (*csr_fn)(u64 unused, u64 value);
extern const char csr_read_table[], csr_swap_table[];
#define CSR_ENTRY_BYTES 8

/* Instructions a guest must not have: each traps as an illegal instruction. */
void probe_hfence_vvma(u64 vaddr, u64 asid);
void probe_hfence_gvma(u64 gaddr, u64 vmid);
void probe_hinval_vvma(u64 vaddr, u64 asid);
void probe_hinval_gvma(u64 gaddr, u64 vmid);
void probe_hlv_b(u64 addr);
void probe_hlv_bu(u64 addr);
void probe_hlv_h(u64 addr);
void probe_hlv_hu(u64 addr);
void probe_hlv_w(u64 addr);
void probe_hlv_wu(u64 addr);
void probe_hlv_d(u64 addr);
void probe_hlvx_hu(u64 addr);
void probe_hlvx_wu(u64 addr);
void probe_hsv_b(u64 addr, u64 v);
void probe_hsv_h(u64 addr, u64 v);
void probe_hsv_w(u64 addr, u64 v);
void probe_hsv_d(u64 addr, u64 v);
void probe_mret(void);
void probe_dret(void);
/* Legal in VS, illegal in VU. */
void probe_sret(void);
void probe_sfence_vma(void);
void probe_wfi(void);

/* sret to target in VS (spp = 1) or VU (spp = 0); a fault there resumes at
 * probe_sret_landing, back in VS. */
void probe_sret_to(u64 target, u64 spp);
void probe_sret_landing(void);

/*
 * An ecall with every register but sp given: x1 and x3..x31 are loaded from in[] (a7 the
 * extension, a6 the function, a0..a5 the arguments, the others a pattern), and stored to
 * out[] after the call, so that the caller sees whether the hypervisor kept every
 * register but a0 and a1.
 */
struct sbi_probe {
    u64 in[32];
    u64 out[32];
};
void probe_sbi(struct sbi_probe *p);

/* ------------------------------------------------------------ the attacks */

void attack_mem(void);
void attack_vplic(void);
void attack_csr(void);
void attack_insn(void);
void attack_sbi(void);
void attack_hsm(void);
void attack_virtio(void);

/* Stop scenarios: each ends the VM (the MVM checks the reason). */
void __noreturn stop_handler(void);
void __noreturn stop_fp_mmio(void);
void __noreturn stop_amo_mmio(void);
void __noreturn stop_ptw_mmio(void);

#endif

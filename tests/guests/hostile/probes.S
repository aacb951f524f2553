/*
 * Probes of the hostile guest (declared in attack.h).  Each is a leaf function around
 * the one instruction under test, 4 bytes long (norvc) unless it is a compressed probe,
 * so that the trap hook resumes right after it.
 */
#define FRAME_REGS 32
#define REG_BYTES  8
#define OUT_BASE   (FRAME_REGS * REG_BYTES) /* struct sbi_probe: in[32], then out[32] */

    .option norvc
    .option arch, +h, +svinval
    .text

    .macro PROBE name, insn:vararg
    .global \name
    .balign 4
\name:
    \insn
    ret
    .endm

    PROBE probe_lb, lb a0, 0(a0)
    PROBE probe_lbu, lbu a0, 0(a0)
    PROBE probe_lh, lh a0, 0(a0)
    PROBE probe_lhu, lhu a0, 0(a0)
    PROBE probe_lw, lw a0, 0(a0)
    PROBE probe_lwu, lwu a0, 0(a0)
    PROBE probe_ld, ld a0, 0(a0)
    PROBE probe_sb, sb a1, 0(a0)
    PROBE probe_sh, sh a1, 0(a0)
    PROBE probe_sw, sw a1, 0(a0)
    PROBE probe_sd, sd a1, 0(a0)
    PROBE probe_flw, flw ft0, 0(a0)
    PROBE probe_fld, fld ft0, 0(a0)
    PROBE probe_amoswap_w, amoswap.w a0, a1, (a0)
    PROBE probe_amoswap_d, amoswap.d a0, a1, (a0)
    PROBE probe_amoadd_w, amoadd.w a0, a1, (a0)
    PROBE probe_amoadd_d, amoadd.d a0, a1, (a0)
    PROBE probe_lr_w, lr.w a0, (a0)
    PROBE probe_lr_d, lr.d a0, (a0)

    PROBE probe_hfence_vvma, hfence.vvma a0, a1
    PROBE probe_hfence_gvma, hfence.gvma a0, a1
    PROBE probe_hinval_vvma, hinval.vvma a0, a1
    PROBE probe_hinval_gvma, hinval.gvma a0, a1
    PROBE probe_hlv_b, hlv.b a0, (a0)
    PROBE probe_hlv_bu, hlv.bu a0, (a0)
    PROBE probe_hlv_h, hlv.h a0, (a0)
    PROBE probe_hlv_hu, hlv.hu a0, (a0)
    PROBE probe_hlv_w, hlv.w a0, (a0)
    PROBE probe_hlv_wu, hlv.wu a0, (a0)
    PROBE probe_hlv_d, hlv.d a0, (a0)
    PROBE probe_hlvx_hu, hlvx.hu a0, (a0)
    PROBE probe_hlvx_wu, hlvx.wu a0, (a0)
    PROBE probe_hsv_b, hsv.b a1, (a0)
    PROBE probe_hsv_h, hsv.h a1, (a0)
    PROBE probe_hsv_w, hsv.w a1, (a0)
    PROBE probe_hsv_d, hsv.d a1, (a0)
    PROBE probe_mret, mret
    PROBE probe_dret, dret
    PROBE probe_sret, sret
    PROBE probe_sfence_vma, sfence.vma
    PROBE probe_wfi, wfi

/* FP stores: the value goes through ft0 first, so the store is the second instruction. */
    .global probe_fsw
    .balign 4
probe_fsw:
    fmv.w.x ft0, a1
    fsw     ft0, 0(a0)
    ret

    .global probe_fsd
    .balign 4
probe_fsd:
    fmv.d.x ft0, a1
    fsd     ft0, 0(a0)
    ret

/* Compressed loads and stores (2 bytes; the hook reads the length at the pc). */
    .global probe_c_lw
    .balign 4
probe_c_lw:
    .option push
    .option rvc
    c.lw    a0, 0(a0)
    .option pop
    ret

    .global probe_c_sw
    .balign 4
probe_c_sw:
    .option push
    .option rvc
    c.sw    a1, 0(a0)
    .option pop
    ret

/* jalr to a0: a fetch fault there resumes at ra, right after the jalr. */
    .global probe_fetch
    .balign 4
probe_fetch:
    addi    sp, sp, -16
    sd      ra, 0(sp)
    jalr    ra, 0(a0)
    ld      ra, 0(sp)
    addi    sp, sp, 16
    ret

/* sret to a0, in VS (a1 != 0) or VU (a1 == 0), SIE = SPIE = 0; the fault at a0 lands
 * here in VS. */
    .global probe_sret_to
    .balign 4
probe_sret_to:
    addi    sp, sp, -16
    sd      ra, 0(sp)
    csrw    sepc, a0
    li      t0, 0x120               /* sstatus.SPP and SPIE: interrupts stay off after it */
    csrc    sstatus, t0
    beqz    a1, 1f
    li      t0, 0x100
    csrs    sstatus, t0
1:  sret
    .global probe_sret_landing
probe_sret_landing:
    ld      ra, 0(sp)
    addi    sp, sp, 16
    ret

/*
 * u64 probe_sbi(struct sbi_probe *p): loads x1 and x3..x31 from p->in[], ecall, stores
 * them to p->out[].  The caller's registers (ra, gp, tp, s0..s11) are saved around it.
 */
#define SAVE_BYTES (18 * REG_BYTES) /* 17 slots, sp stays 16-byte aligned */
    .global probe_sbi
    .balign 4
probe_sbi:
    addi    sp, sp, -SAVE_BYTES
    sd      ra, 0(sp)
    sd      gp, 8(sp)
    sd      tp, 16(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\n, (24 + \n * REG_BYTES)(sp)
    .endr
    sd      a0, 120(sp)
    mv      t6, a0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    ld      x\n, (\n * REG_BYTES)(t6)
    .endr
    ld      t6, (31 * REG_BYTES)(t6)
    ecall
    sd      t6, 128(sp)
    ld      t6, 120(sp)
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    sd      x\n, (OUT_BASE + \n * REG_BYTES)(t6)
    .endr
    ld      t0, 128(sp)
    sd      t0, (OUT_BASE + 31 * REG_BYTES)(t6)
    ld      ra, 0(sp)
    ld      gp, 8(sp)
    ld      tp, 16(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\n, (24 + \n * REG_BYTES)(sp)
    .endr
    addi    sp, sp, SAVE_BYTES
    ret

/* One 8-byte entry per CSR number (CSR_ENTRY_BYTES in attack.h). */
    .section .text.csr_tables, "ax"
    .balign 8
    .global csr_read_table
csr_read_table:
    .set csr, 0
    .rept 4096
    csrrs   a0, csr, zero
    ret
    .set csr, csr + 1
    .endr

    .balign 8
    .global csr_swap_table
csr_swap_table:
    .set csr, 0
    .rept 4096
    csrrw   a0, csr, a1
    ret
    .set csr, csr + 1
    .endr

/*
 * void user_run(void (*fn)(void)): sret into fn in VU-mode with ra = user_exit, whose
 * ecall the trap hook turns into a return to user_return in VS-mode.  fn keeps sp and the
 * callee-saved registers, so the frame below is intact when user_return runs.
 */
    .text
    .global user_run
    .balign 4
user_run:
    addi    sp, sp, -16
    sd      ra, 0(sp)
    csrw    sepc, a0
    li      t0, 0x120               /* sstatus.SPP and SPIE */
    csrc    sstatus, t0
    la      ra, user_exit
    sret
user_exit:
    ecall
    .global user_return
user_return:
    ld      ra, 0(sp)
    addi    sp, sp, 16
    ret

/* Save and restore of the 32 FP registers and fcsr (struct fp_state). */
    .option push
    .option arch, +d
    .text
    .global fp_save
fp_save:
    li      t0, 0x6000              /* sstatus.FS = Dirty: FP accessible in HS */
    csrs    sstatus, t0
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd     f\n, (\n * 8)(a0)
    .endr
    frcsr   t1
    sd      t1, 256(a0)
    csrc    sstatus, t0
    ret

    .global fp_restore
fp_restore:
    li      t0, 0x6000
    csrs    sstatus, t0
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld     f\n, (\n * 8)(a0)
    .endr
    ld      t1, 256(a0)
    fscsr   t1
    csrc    sstatus, t0
    ret
    .option pop

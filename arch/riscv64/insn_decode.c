/* Load/store decoder for MMIO emulation (see insn_decode.h). */
#include <arch/insn_decode.h>
#include <kernel/errno.h>

#define OPCODE_LOAD    0x03
#define OPCODE_STORE   0x23
#define RVC_QUADRANT0  0
#define RVC_QUADRANT2  2
#define RVC_ZCB_FUNCT3 4
#define X_SP           2

static unsigned bits(u32 v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1U << (hi - lo + 1)) - 1);
}

static int set(struct mmio_insn *out, u8 len, u8 width, bool store, bool sign, u8 reg)
{
    *out = (struct mmio_insn){
        .len = len, .width = width, .store = store, .sign_extend = sign, .reg = reg};
    return 0;
}

static int decode32(u32 insn, struct mmio_insn *out)
{
    unsigned funct3 = bits(insn, 14, 12);

    switch (bits(insn, 6, 0)) {
    case OPCODE_LOAD:
        /* LB LH LW LD LBU LHU LWU; funct3 7 is reserved */
        if (funct3 == 7)
            return -EINVAL;
        return set(out, 4, 1U << (funct3 & 3), false, funct3 < 4, bits(insn, 11, 7));
    case OPCODE_STORE:
        if (funct3 > 3)
            return -EINVAL;
        return set(out, 4, 1U << funct3, true, false, bits(insn, 24, 20));
    default:
        return -EINVAL;
    }
}

/* Quadrant 0: C.LW C.LD C.SW C.SD and the Zcb forms, with 3-bit register fields. */
static int decode_q0(u32 insn, struct mmio_insn *out)
{
    u8 rs2_rd = 8 + bits(insn, 4, 2);

    switch (bits(insn, 15, 13)) {
    case 2:
        return set(out, 2, 4, false, true, rs2_rd);
    case 3:
        return set(out, 2, 8, false, false, rs2_rd);
    case 6:
        return set(out, 2, 4, true, false, rs2_rd);
    case 7:
        return set(out, 2, 8, true, false, rs2_rd);
    case RVC_ZCB_FUNCT3:
        switch (bits(insn, 12, 10)) {
        case 0: /* C.LBU */
            return set(out, 2, 1, false, false, rs2_rd);
        case 1: /* C.LHU (bit 6 = 0) / C.LH (bit 6 = 1) */
            return set(out, 2, 2, false, bits(insn, 6, 6), rs2_rd);
        case 2: /* C.SB */
            return set(out, 2, 1, true, false, rs2_rd);
        case 3: /* C.SH (bit 6 must be 0) */
            return bits(insn, 6, 6) ? -EINVAL : set(out, 2, 2, true, false, rs2_rd);
        default:
            return -EINVAL;
        }
    default:
        return -EINVAL; /* C.FLD C.FSD and non-memory instructions */
    }
}

/* Quadrant 2: the sp-relative C.LWSP C.LDSP C.SWSP C.SDSP. */
static int decode_q2(u32 insn, struct mmio_insn *out)
{
    u8 rd = bits(insn, 11, 7), rs2 = bits(insn, 6, 2);

    switch (bits(insn, 15, 13)) {
    case 2:
        return rd ? set(out, 2, 4, false, true, rd) : -EINVAL;
    case 3:
        return rd ? set(out, 2, 8, false, false, rd) : -EINVAL;
    case 6:
        return set(out, 2, 4, true, false, rs2);
    case 7:
        return set(out, 2, 8, true, false, rs2);
    default:
        return -EINVAL;
    }
}

int insn_decode_mmio(u32 insn, struct mmio_insn *out)
{
    switch (insn & 3) {
    case 3:
        return decode32(insn, out);
    case RVC_QUADRANT0:
        return decode_q0(insn & 0xffff, out);
    case RVC_QUADRANT2:
        return decode_q2(insn & 0xffff, out);
    default:
        return -EINVAL;
    }
}

enum htinst_kind htinst_classify(u64 htinst)
{
    if (htinst == 0)
        return HTINST_NONE;
    /* Standard transformed instructions have bit 0 set; pseudo-instructions do not. */
    return (htinst & 1) ? HTINST_TRANSFORMED : HTINST_PSEUDO;
}

u32 htinst_to_insn(u64 htinst, u8 *orig_len)
{
    /* Bit 1 clear means the trapping instruction was a 16-bit one. */
    *orig_len = (htinst & 2) ? 4 : 2;
    return (u32)htinst | 2;
}

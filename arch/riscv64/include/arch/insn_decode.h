/*
 * Decoding of the load/store instruction behind a guest MMIO access: all RV64I loads
 * and stores, RVC C.LW/C.LD/C.SW/C.SD, their stack-pointer forms, and the Zcb byte and
 * halfword forms.  Pure logic; unit-tested on the host.
 */
#ifndef ARCH_INSN_DECODE_H
#define ARCH_INSN_DECODE_H

#include <kernel/errno.h>
#include <kernel/types.h>

struct mmio_insn {
    u8 len;   /* 2 or 4 bytes */
    u8 width; /* access size: 1, 2, 4 or 8 bytes */
    bool store;
    bool sign_extend; /* loads only */
    u8 reg;           /* rd for loads, rs2 for stores */
};

/* Decodes a raw instruction (16-bit forms in the low half).  Returns 0 or -EINVAL for
 * anything that is not an integer load or store. */
int insn_decode_mmio(u32 insn, struct mmio_insn *out);

/* htinst as reported for a guest page fault: 0 (no information), a transformed
 * load/store, or a pseudo-instruction (fault on an implicit VS-stage table access). */
enum htinst_kind {
    HTINST_NONE,
    HTINST_TRANSFORMED,
    HTINST_PSEUDO,
};
enum htinst_kind htinst_classify(u64 htinst);
/* For HTINST_TRANSFORMED: the 32-bit instruction to decode and the original length. */
u32 htinst_to_insn(u64 htinst, u8 *orig_len);

/* A transformed load or store in htinst: the 32-bit encoding with the immediate cleared,
 * also for a compressed instruction; bit 1 tells which it was. */
#define HTINST_OPCODE_MASK          0x7dUL /* the opcode without bit 1 */
#define HTINST_OPCODE_LOAD          0x01UL /* LOAD (0x03) without bit 1 */
#define HTINST_OPCODE_STORE         0x21UL /* STORE (0x23) without bit 1 */
#define HTINST_LEN_BIT              2UL    /* set: a 32-bit instruction, clear: a 16-bit one */
#define HTINST_FUNCT3_SHIFT         12
#define HTINST_RD_SHIFT             7
#define HTINST_RS2_SHIFT            20
#define HTINST_FUNCT3_MASK          7UL
#define HTINST_REG_MASK             0x1fUL
#define HTINST_LOAD_FUNCT3_MAX      6 /* LB LH LW LD LBU LHU LWU; 7 is reserved */
#define HTINST_STORE_FUNCT3_MAX     3 /* SB SH SW SD */
#define HTINST_LOAD_FUNCT3_UNSIGNED 4 /* LBU LHU LWU from here on */

/*
 * The decoder of the MMIO fast path.  For htinst of a load guest-page fault (store false)
 * or a store one, exactly what insn_decode_mmio(htinst_to_insn(htinst)) gives for a
 * transformed load (store), except that out->len is the trapping instruction's length.
 * -EINVAL for anything else: no htinst (0), a pseudo-instruction, another opcode, a
 * reserved width.  Inline, and without the RVC decoder (the general path decodes the rest).
 */
static inline int htinst_decode_access(u64 htinst, bool store, struct mmio_insn *out)
{
    u64 funct3 = (htinst >> HTINST_FUNCT3_SHIFT) & HTINST_FUNCT3_MASK;

    if ((htinst & HTINST_OPCODE_MASK) != (store ? HTINST_OPCODE_STORE : HTINST_OPCODE_LOAD) ||
        funct3 > (store ? HTINST_STORE_FUNCT3_MAX : HTINST_LOAD_FUNCT3_MAX))
        return -EINVAL;
    *out = (struct mmio_insn){
        .len = (htinst & HTINST_LEN_BIT) + 2,
        .width = 1U << (funct3 & 3),
        .store = store,
        .sign_extend = !store && funct3 < HTINST_LOAD_FUNCT3_UNSIGNED,
        .reg = (htinst >> (store ? HTINST_RS2_SHIFT : HTINST_RD_SHIFT)) & HTINST_REG_MASK,
    };
    return 0;
}

/* Sign- or zero-extends the low `width` bytes of v (1, 2, 4 or 8).  Inline, for the MMIO
 * exit's fast path; 4 first, the width of most device registers. */
static inline u64 mmio_extend(u64 v, unsigned width, bool sign_extend)
{
    if (width == 4)
        return sign_extend ? (u64)(s32)v : (u32)v;
    if (width == 2)
        return sign_extend ? (u64)(s16)v : (u16)v;
    if (width == 1)
        return sign_extend ? (u64)(s8)v : (u8)v;
    return v;
}

#endif

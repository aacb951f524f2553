// UNIT_SOURCES: arch/riscv64/insn_decode.c
/* The MMIO load/store decoder, htinst handling and value extension.
 *
 * Instructions are built by the small encoders below, written from the ISA manual's
 * formats.  The encoders themselves are checked against real encodings in
 * encoders_match_the_assembler: those hex values were produced by riscv64-linux-gnu-as
 * 2.40 (-march=rv64gc, explicit c.* mnemonics) and read back with objdump -M no-aliases.
 * Binutils 2.40 has no Zcb, so the Zcb vectors come from LLVM's MC tests (c.lbu, c.lhu,
 * c.lh, c.sb) and, for c.sh, from the Zc spec and the Sail model (bit 6 is 0). */
#include <arch/insn_decode.h>
#include <kernel/errno.h>

#include "unit_test.h"

/* ---------------------------------------------------------------- registers */

enum {
    X0 = 0,
    RA = 1,
    SP = 2,
    GP = 3,
    T0 = 5,
    S0 = 8,
    S1 = 9,
    A0 = 10,
    A1 = 11,
    A2 = 12,
    A3 = 13,
    A4 = 14,
    A5 = 15,
    S11 = 27,
    T6 = 31,
};
#define NR_REGS    32
#define FIRST_CREG 8 /* 3-bit register fields name x8..x15 */
#define NR_CREGS   8

/* ---------------------------------------------------------------- 32-bit encoders */

#define OP_LOAD     0x03
#define OP_LOAD_FP  0x07
#define OP_MISC_MEM 0x0f
#define OP_IMM      0x13
#define OP_AUIPC    0x17
#define OP_IMM_32   0x1b
#define OP_STORE    0x23
#define OP_STORE_FP 0x27
#define OP_AMO      0x2f
#define OP_OP       0x33
#define OP_LUI      0x37
#define OP_OP_32    0x3b
#define OP_BRANCH   0x63
#define OP_JALR     0x67
#define OP_JAL      0x6f
#define OP_SYSTEM   0x73

enum { F3_B = 0, F3_H = 1, F3_W = 2, F3_D = 3, F3_BU = 4, F3_HU = 5, F3_WU = 6 };

/* I-type: imm[11:0] rs1 funct3 rd opcode */
static u32 enc_i(u32 opcode, u32 funct3, u32 rd, u32 rs1, int imm)
{
    return ((u32)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

/* S-type: imm[11:5] rs2 rs1 funct3 imm[4:0] opcode */
static u32 enc_s(u32 opcode, u32 funct3, u32 rs2, u32 rs1, int imm)
{
    u32 i = (u32)imm & 0xfff;

    return (i >> 5) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (i & 0x1f) << 7 | opcode;
}

static u32 enc_load(u32 funct3, u32 rd, u32 rs1, int imm)
{
    return enc_i(OP_LOAD, funct3, rd, rs1, imm);
}

static u32 enc_store(u32 funct3, u32 rs2, u32 rs1, int imm)
{
    return enc_s(OP_STORE, funct3, rs2, rs1, imm);
}

/* ---------------------------------------------------------------- 16-bit encoders */

#define C_OP_Q0 0x0
#define C_OP_Q2 0x2
enum {
    C_F3_ADDI4SPN = 0,
    C_F3_FLD = 1,
    C_F3_LW = 2,
    C_F3_LD = 3,
    C_F3_ZCB = 4,
    C_F3_FSD = 5,
    C_F3_SW = 6,
    C_F3_SD = 7,
};
#define C_F3_LWSP  C_F3_LW
#define C_F3_LDSP  C_F3_LD
#define C_F3_FLDSP C_F3_FLD
#define C_F3_SWSP  C_F3_SW
#define C_F3_SDSP  C_F3_SD
#define C_F3_FSDSP C_F3_FSD

static u32 bit(u32 v, unsigned n)
{
    return (v >> n) & 1;
}

static u32 field(u32 v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1U << (hi - lo + 1)) - 1);
}

static u32 creg(u32 x)
{
    return x - FIRST_CREG;
}

/* CL/CS with a word offset: funct3 uimm[5:3] rs1' uimm[2|6] rd'/rs2' op */
static u32 enc_c_w(u32 funct3, u32 rd_rs2, u32 rs1, u32 uimm)
{
    return funct3 << 13 | field(uimm, 5, 3) << 10 | creg(rs1) << 7 | bit(uimm, 2) << 6 |
           bit(uimm, 6) << 5 | creg(rd_rs2) << 2 | C_OP_Q0;
}

/* CL/CS with a doubleword offset: funct3 uimm[5:3] rs1' uimm[7:6] rd'/rs2' op */
static u32 enc_c_d(u32 funct3, u32 rd_rs2, u32 rs1, u32 uimm)
{
    return funct3 << 13 | field(uimm, 5, 3) << 10 | creg(rs1) << 7 | field(uimm, 7, 6) << 5 |
           creg(rd_rs2) << 2 | C_OP_Q0;
}

/* C.LWSP: 010 uimm[5] rd uimm[4:2|7:6] 10 */
static u32 enc_c_lwsp(u32 rd, u32 uimm)
{
    return C_F3_LWSP << 13 | bit(uimm, 5) << 12 | rd << 7 | field(uimm, 4, 2) << 4 |
           field(uimm, 7, 6) << 2 | C_OP_Q2;
}

/* C.LDSP / C.FLDSP: funct3 uimm[5] rd uimm[4:3|8:6] 10 */
static u32 enc_c_ldsp(u32 funct3, u32 rd, u32 uimm)
{
    return funct3 << 13 | bit(uimm, 5) << 12 | rd << 7 | field(uimm, 4, 3) << 5 |
           field(uimm, 8, 6) << 2 | C_OP_Q2;
}

/* C.SWSP: 110 uimm[5:2|7:6] rs2 10 */
static u32 enc_c_swsp(u32 rs2, u32 uimm)
{
    return C_F3_SWSP << 13 | field(uimm, 5, 2) << 9 | field(uimm, 7, 6) << 7 | rs2 << 2 | C_OP_Q2;
}

/* C.SDSP / C.FSDSP: funct3 uimm[5:3|8:6] rs2 10 */
static u32 enc_c_sdsp(u32 funct3, u32 rs2, u32 uimm)
{
    return funct3 << 13 | field(uimm, 5, 3) << 10 | field(uimm, 8, 6) << 7 | rs2 << 2 | C_OP_Q2;
}

/* Zcb loads/stores: 100 funct3' rs1' b6 b5 rd'/rs2' 00, where funct3' picks the form. */
enum { ZCB_LBU = 0, ZCB_LH = 1, ZCB_SB = 2, ZCB_SH = 3 };

static u32 enc_zcb(u32 form, u32 rd_rs2, u32 rs1, u32 b6, u32 b5)
{
    return C_F3_ZCB << 13 | form << 10 | creg(rs1) << 7 | b6 << 6 | b5 << 5 | creg(rd_rs2) << 2 |
           C_OP_Q0;
}

/* C.LBU / C.SB: uimm[0] in bit 6, uimm[1] in bit 5. */
static u32 enc_c_lbu(u32 rd, u32 rs1, u32 uimm)
{
    return enc_zcb(ZCB_LBU, rd, rs1, bit(uimm, 0), bit(uimm, 1));
}

static u32 enc_c_sb(u32 rs2, u32 rs1, u32 uimm)
{
    return enc_zcb(ZCB_SB, rs2, rs1, bit(uimm, 0), bit(uimm, 1));
}

/* C.LHU (bit 6 = 0), C.LH (bit 6 = 1), C.SH (bit 6 = 0): uimm[1] in bit 5. */
static u32 enc_c_lhu(u32 rd, u32 rs1, u32 uimm)
{
    return enc_zcb(ZCB_LH, rd, rs1, 0, bit(uimm, 1));
}

static u32 enc_c_lh(u32 rd, u32 rs1, u32 uimm)
{
    return enc_zcb(ZCB_LH, rd, rs1, 1, bit(uimm, 1));
}

static u32 enc_c_sh(u32 rs2, u32 rs1, u32 uimm)
{
    return enc_zcb(ZCB_SH, rs2, rs1, 0, bit(uimm, 1));
}

/* ---------------------------------------------------------------- helpers */

#define LEN_32 4
#define LEN_16 2
/* For 8-byte loads there is nothing to extend: the flag is not checked. */
#define SIGN_ANY 2

/* The decode of insn must succeed with exactly these fields. */
#define EXPECT_DECODE(insn, len_, width_, store_, sign_, reg_)                                     \
    do {                                                                                           \
        struct mmio_insn __mi;                                                                     \
        memset(&__mi, 0xee, sizeof(__mi));                                                         \
        int __rc = insn_decode_mmio((insn), &__mi);                                                \
        EXPECT_EQ(__rc, 0);                                                                        \
        if (!__rc) {                                                                               \
            EXPECT_EQ(__mi.len, (len_));                                                           \
            EXPECT_EQ(__mi.width, (width_));                                                       \
            EXPECT_EQ(__mi.store, (store_));                                                       \
            if ((sign_) != SIGN_ANY)                                                               \
                EXPECT_EQ(__mi.sign_extend, (sign_));                                              \
            EXPECT_EQ(__mi.reg, (reg_));                                                           \
        }                                                                                          \
    } while (0)

#define EXPECT_REJECT(insn)                                                                        \
    do {                                                                                           \
        struct mmio_insn __mi;                                                                     \
        EXPECT_EQ(insn_decode_mmio((insn), &__mi), -EINVAL);                                       \
    } while (0)

/* ---------------------------------------------------------------- the encoders */

TEST(encoders_match_the_assembler)
{
    const struct {
        u32 ours, assembled;
    } v[] = {
        {enc_load(F3_B, A0, A1, 8), 0x00858503},              /* lb a0,8(a1) */
        {enc_load(F3_H, T0, SP, -2), 0xffe11283},             /* lh t0,-2(sp) */
        {enc_load(F3_W, S11, T6, 2047), 0x7fffad83},          /* lw s11,2047(t6) */
        {enc_load(F3_D, RA, GP, -2048), 0x8001b083},          /* ld ra,-2048(gp) */
        {enc_load(F3_BU, T6, X0, 1), 0x00104f83},             /* lbu t6,1(zero) */
        {enc_load(F3_HU, A5, S0, 100), 0x06445783},           /* lhu a5,100(s0) */
        {enc_load(F3_WU, X0, A0, 4), 0x00456003},             /* lwu zero,4(a0) */
        {enc_store(F3_B, A0, A1, 8), 0x00a58423},             /* sb a0,8(a1) */
        {enc_store(F3_H, T6, SP, -1), 0xfff11fa3},            /* sh t6,-1(sp) */
        {enc_store(F3_W, S1, A2, 2047), 0x7e962fa3},          /* sw s1,2047(a2) */
        {enc_store(F3_D, T6, T6, -2048), 0x81ffb023},         /* sd t6,-2048(t6) */
        {enc_i(OP_LOAD_FP, F3_W, 10, A1, 4), 0x0045a507},     /* flw fa0,4(a1) */
        {enc_i(OP_LOAD_FP, F3_D, 9, SP, -8), 0xff813487},     /* fld fs1,-8(sp) */
        {enc_s(OP_STORE_FP, F3_W, 10, A1, 4), 0x00a5a227},    /* fsw fa0,4(a1) */
        {enc_s(OP_STORE_FP, F3_D, 31, T0, 2040), 0x7ff2bc27}, /* fsd ft11,2040(t0) */
        {enc_i(OP_IMM, 0, A0, A1, 8), 0x00858513},            /* addi a0,a1,8 */
        {enc_c_w(C_F3_LW, A0, A1, 4), 0x41c8},                /* c.lw a0,4(a1) */
        {enc_c_w(C_F3_LW, S0, A5, 124), 0x5fe0},              /* c.lw s0,124(a5) */
        {enc_c_d(C_F3_LD, A5, S1, 248), 0x7cfc},              /* c.ld a5,248(s1) */
        {enc_c_d(C_F3_LD, S1, A0, 8), 0x6504},                /* c.ld s1,8(a0) */
        {enc_c_w(C_F3_SW, A4, S0, 64), 0xc038},               /* c.sw a4,64(s0) */
        {enc_c_d(C_F3_SD, S0, A3, 136), 0xe6c0},              /* c.sd s0,136(a3) */
        {enc_c_d(C_F3_FLD, A0, A1, 8), 0x2588},               /* c.fld fa0,8(a1) */
        {enc_c_d(C_F3_FSD, S0, A5, 248), 0xbfe0},             /* c.fsd fs0,248(a5) */
        {enc_c_lwsp(RA, 252), 0x50fe},                        /* c.lwsp ra,252(sp) */
        {enc_c_lwsp(T6, 4), 0x4f92},                          /* c.lwsp t6,4(sp) */
        {enc_c_ldsp(C_F3_LDSP, A0, 504), 0x757e},             /* c.ldsp a0,504(sp) */
        {enc_c_ldsp(C_F3_LDSP, S11, 8), 0x6da2},              /* c.ldsp s11,8(sp) */
        {enc_c_swsp(A0, 252), 0xdfaa},                        /* c.swsp a0,252(sp) */
        {enc_c_swsp(X0, 0), 0xc002},                          /* c.swsp zero,0(sp) */
        {enc_c_sdsp(C_F3_SDSP, T6, 504), 0xfffe},             /* c.sdsp t6,504(sp) */
        {enc_c_sdsp(C_F3_SDSP, RA, 8), 0xe406},               /* c.sdsp ra,8(sp) */
        {enc_c_ldsp(C_F3_FLDSP, A0, 8), 0x2522},              /* c.fldsp fa0,8(sp) */
        {enc_c_sdsp(C_F3_FSDSP, S0, 16), 0xa822},             /* c.fsdsp fs0,16(sp) */
        {enc_c_lbu(A5, A4, 2), 0x833c},                       /* c.lbu a5,2(a4) (LLVM) */
        {enc_c_lhu(A5, A4, 2), 0x873c},                       /* c.lhu a5,2(a4) (LLVM) */
        {enc_c_lh(A5, A4, 2), 0x877c},                        /* c.lh a5,2(a4) (LLVM) */
        {enc_c_sb(A5, A4, 2), 0x8b3c},                        /* c.sb a5,2(a4) (LLVM) */
        {enc_c_lbu(S0, S1, 0), 0x8080},                       /* c.lbu s0,0(s1) (LLVM) */
        {enc_c_lh(S0, S1, 0), 0x84c0},                        /* c.lh s0,0(s1) (LLVM) */
        {enc_c_sh(A5, A4, 2), 0x8f3c},                        /* c.sh a5,2(a4) (Zc spec, Sail) */
    };

    for (u32 i = 0; i < ARRAY_SIZE(v); i++) {
        if (v[i].ours != v[i].assembled)
            unit_fail(__FILE__, __LINE__, "vector %u: encoder 0x%x, assembler 0x%x", i, v[i].ours,
                      v[i].assembled);
    }
}

/* ---------------------------------------------------------------- RV64I */

TEST(rv64i_loads_every_width_and_register)
{
    static const struct {
        u32 funct3;
        u8 width;
        int sign;
    } loads[] = {
        {F3_B, 1, true},   {F3_H, 2, true},   {F3_W, 4, true},   {F3_D, 8, SIGN_ANY},
        {F3_BU, 1, false}, {F3_HU, 2, false}, {F3_WU, 4, false},
    };
    static const int imms[] = {0, 8, -1, 2047, -2048};

    for (u32 i = 0; i < ARRAY_SIZE(loads); i++) {
        for (u32 rd = 0; rd < NR_REGS; rd++) {
            u32 rs1 = (rd * 7 + 3) % NR_REGS;
            int imm = imms[rd % ARRAY_SIZE(imms)];
            EXPECT_DECODE(enc_load(loads[i].funct3, rd, rs1, imm), LEN_32, loads[i].width, false,
                          loads[i].sign, rd);
        }
    }
}

TEST(rv64i_stores_every_width_and_register)
{
    static const struct {
        u32 funct3;
        u8 width;
    } stores[] = {{F3_B, 1}, {F3_H, 2}, {F3_W, 4}, {F3_D, 8}};
    static const int imms[] = {0, 8, -1, 2047, -2048, 31, 32};

    for (u32 i = 0; i < ARRAY_SIZE(stores); i++) {
        for (u32 rs2 = 0; rs2 < NR_REGS; rs2++) {
            u32 rs1 = (rs2 * 5 + 1) % NR_REGS;
            int imm = imms[rs2 % ARRAY_SIZE(imms)];
            EXPECT_DECODE(enc_store(stores[i].funct3, rs2, rs1, imm), LEN_32, stores[i].width, true,
                          false, rs2);
        }
    }
}

TEST(reserved_load_and_store_widths_are_rejected)
{
    EXPECT_REJECT(enc_load(7, A0, A1, 0));
    EXPECT_REJECT(enc_load(7, X0, X0, -1));
    for (u32 funct3 = 4; funct3 < 8; funct3++) /* SQ (RV128) and reserved */
        EXPECT_REJECT(enc_store(funct3, A0, A1, 8));
}

TEST(fp_loads_and_stores_are_rejected)
{
    EXPECT_REJECT(enc_i(OP_LOAD_FP, F3_W, 10, A1, 4));     /* flw */
    EXPECT_REJECT(enc_i(OP_LOAD_FP, F3_D, 9, SP, -8));     /* fld */
    EXPECT_REJECT(enc_s(OP_STORE_FP, F3_W, 10, A1, 4));    /* fsw */
    EXPECT_REJECT(enc_s(OP_STORE_FP, F3_D, 31, T0, 2040)); /* fsd */
    EXPECT_REJECT(enc_c_d(C_F3_FLD, A0, A1, 8));
    EXPECT_REJECT(enc_c_d(C_F3_FSD, S0, A5, 248));
    EXPECT_REJECT(enc_c_ldsp(C_F3_FLDSP, A0, 8));
    EXPECT_REJECT(enc_c_sdsp(C_F3_FSDSP, S0, 16));
}

TEST(non_memory_instructions_are_rejected)
{
    static const u32 insns[] = {
        0x00858513, /* addi a0,a1,8 */
        0x12345537, /* lui a0,0x12345 */
        0x00b6252f, /* amoadd.w a0,a1,(a2): a memory access, but not one we emulate */
        0x1005b52f, /* lr.d a0,(a1) */
        0x0330000f, /* fence rw,rw */
        0x00000073, /* ecall */
        0x0808,     /* c.addi4spn a0,sp,16 */
        0x0505,     /* c.addi a0,1 */
        0x57f5,     /* c.li a5,-3 */
        0x852e,     /* c.mv a0,a1 */
        0x952e,     /* c.add a0,a1 */
        0x8082,     /* c.jr ra */
        0x050e,     /* c.slli a0,3 */
        0x0001,     /* c.nop */
        0x0000,     /* the all-zero illegal instruction */
        0x9c61,     /* c.zext.b s0 (Zcb, quadrant 1) */
        0x9c45,     /* c.mul s0,s1 (Zcb, quadrant 1) */
    };

    for (u32 i = 0; i < ARRAY_SIZE(insns); i++)
        EXPECT_REJECT(insns[i]);
    /* Every other 32-bit major opcode, whatever its funct3. */
    static const u32 opcodes[] = {OP_MISC_MEM, OP_IMM,   OP_AUIPC,  OP_IMM_32, OP_AMO, OP_OP,
                                  OP_LUI,      OP_OP_32, OP_BRANCH, OP_JALR,   OP_JAL, OP_SYSTEM};
    for (u32 i = 0; i < ARRAY_SIZE(opcodes); i++)
        for (u32 funct3 = 0; funct3 < 8; funct3++)
            EXPECT_REJECT(enc_i(opcodes[i], funct3, A0, A1, 8));
    /* Longer-instruction prefixes (48-bit: xxx11111, 64-bit: x0111111). */
    EXPECT_REJECT(0x0000001f);
    EXPECT_REJECT(0x0000003f);
}

/* ---------------------------------------------------------------- RVC */

TEST(rvc_register_forms)
{
    for (u32 r = FIRST_CREG; r < FIRST_CREG + NR_CREGS; r++) {
        u32 base = FIRST_CREG + (r + 3) % NR_CREGS;
        EXPECT_DECODE(enc_c_w(C_F3_LW, r, base, 0), LEN_16, 4, false, true, r);
        EXPECT_DECODE(enc_c_w(C_F3_LW, r, base, 124), LEN_16, 4, false, true, r);
        EXPECT_DECODE(enc_c_d(C_F3_LD, r, base, 0), LEN_16, 8, false, SIGN_ANY, r);
        EXPECT_DECODE(enc_c_d(C_F3_LD, r, base, 248), LEN_16, 8, false, SIGN_ANY, r);
        EXPECT_DECODE(enc_c_w(C_F3_SW, r, base, 64), LEN_16, 4, true, false, r);
        EXPECT_DECODE(enc_c_d(C_F3_SD, r, base, 136), LEN_16, 8, true, false, r);
    }
}

TEST(rvc_stack_pointer_forms)
{
    for (u32 r = 1; r < NR_REGS; r++) {
        EXPECT_DECODE(enc_c_lwsp(r, 4 * (r % 64)), LEN_16, 4, false, true, r);
        EXPECT_DECODE(enc_c_ldsp(C_F3_LDSP, r, 8 * (r % 64)), LEN_16, 8, false, SIGN_ANY, r);
    }
    for (u32 r = 0; r < NR_REGS; r++) {
        EXPECT_DECODE(enc_c_swsp(r, 4 * (r % 64)), LEN_16, 4, true, false, r);
        EXPECT_DECODE(enc_c_sdsp(C_F3_SDSP, r, 8 * (r % 64)), LEN_16, 8, true, false, r);
    }
}

TEST(rvc_sp_loads_into_x0_are_reserved)
{
    EXPECT_REJECT(enc_c_lwsp(X0, 0));
    EXPECT_REJECT(enc_c_lwsp(X0, 252));
    EXPECT_REJECT(enc_c_ldsp(C_F3_LDSP, X0, 8));
    /* Stores of x0 are fine. */
    EXPECT_DECODE(enc_c_swsp(X0, 0), LEN_16, 4, true, false, X0);
    EXPECT_DECODE(enc_c_sdsp(C_F3_SDSP, X0, 0), LEN_16, 8, true, false, X0);
}

TEST(zcb_byte_and_halfword_forms)
{
    for (u32 r = FIRST_CREG; r < FIRST_CREG + NR_CREGS; r++) {
        u32 base = FIRST_CREG + (r + 5) % NR_CREGS;
        for (u32 uimm = 0; uimm < 4; uimm++) {
            EXPECT_DECODE(enc_c_lbu(r, base, uimm), LEN_16, 1, false, false, r);
            EXPECT_DECODE(enc_c_sb(r, base, uimm), LEN_16, 1, true, false, r);
        }
        for (u32 uimm = 0; uimm < 4; uimm += 2) {
            EXPECT_DECODE(enc_c_lhu(r, base, uimm), LEN_16, 2, false, false, r);
            EXPECT_DECODE(enc_c_lh(r, base, uimm), LEN_16, 2, false, true, r);
            EXPECT_DECODE(enc_c_sh(r, base, uimm), LEN_16, 2, true, false, r);
        }
    }
}

TEST(zcb_reserved_encodings_are_rejected)
{
    /* C.SH with bit 6 set is reserved. */
    EXPECT_REJECT(enc_zcb(ZCB_SH, A5, A4, 1, 0));
    EXPECT_REJECT(enc_zcb(ZCB_SH, A5, A4, 1, 1));
    /* funct6 100100..100111 in quadrant 0 are reserved. */
    for (u32 form = 4; form < 8; form++)
        for (u32 b = 0; b < 4; b++)
            EXPECT_REJECT(enc_zcb(form, S0, S1, b >> 1, b & 1));
}

/* ---------------------------------------------------------------- htinst */

#define HTINST_BIT_32 BIT(1) /* clear: the trapping instruction was 16-bit */
/* Pseudo-instructions for faults on implicit VS-stage table accesses. */
#define PSEUDO_READ_32  0x00002000
#define PSEUDO_READ_64  0x00003000
#define PSEUDO_WRITE_32 0x00002020
#define PSEUDO_WRITE_64 0x00003020

TEST(htinst_classify)
{
    EXPECT_EQ(htinst_classify(0), HTINST_NONE);
    EXPECT_EQ(htinst_classify(PSEUDO_READ_32), HTINST_PSEUDO);
    EXPECT_EQ(htinst_classify(PSEUDO_READ_64), HTINST_PSEUDO);
    EXPECT_EQ(htinst_classify(PSEUDO_WRITE_32), HTINST_PSEUDO);
    EXPECT_EQ(htinst_classify(PSEUDO_WRITE_64), HTINST_PSEUDO);
    /* Transformed: the instruction with rs1 and the offset zeroed; bit 1 = 32-bit origin. */
    EXPECT_EQ(htinst_classify(enc_load(F3_W, A0, X0, 0)), HTINST_TRANSFORMED);
    EXPECT_EQ(htinst_classify(enc_load(F3_W, A0, X0, 0) & ~HTINST_BIT_32), HTINST_TRANSFORMED);
    EXPECT_EQ(htinst_classify(enc_store(F3_D, RA, X0, 0)), HTINST_TRANSFORMED);
    EXPECT_EQ(htinst_classify(enc_store(F3_D, RA, X0, 0) & ~HTINST_BIT_32), HTINST_TRANSFORMED);
}

/* htinst for a trapping instruction: the 32-bit form, bit 1 cleared if it was compressed. */
static u64 transformed(u32 insn32, bool compressed)
{
    return compressed ? insn32 & ~HTINST_BIT_32 : insn32;
}

#define EXPECT_HTINST(htinst, want_insn, want_len)                                                 \
    do {                                                                                           \
        u8 __len = 0;                                                                              \
        EXPECT_EQ(htinst_classify(htinst), HTINST_TRANSFORMED);                                    \
        EXPECT_EQ(htinst_to_insn((htinst), &__len), (want_insn));                                  \
        EXPECT_EQ(__len, (want_len));                                                              \
    } while (0)

TEST(htinst_transformed_32_bit_instructions)
{
    u32 lw = enc_load(F3_W, A0, X0, 0), sd = enc_store(F3_D, T6, X0, 0);
    u32 lbu = enc_load(F3_BU, S11, X0, 0), sh = enc_store(F3_H, RA, X0, 0);
    u8 len;

    EXPECT_HTINST(transformed(lw, false), lw, LEN_32);
    EXPECT_HTINST(transformed(sd, false), sd, LEN_32);
    EXPECT_HTINST(transformed(lbu, false), lbu, LEN_32);
    EXPECT_HTINST(transformed(sh, false), sh, LEN_32);
    /* And what the decoder makes of them. */
    EXPECT_DECODE(htinst_to_insn(transformed(lw, false), &len), LEN_32, 4, false, true, A0);
    EXPECT_DECODE(htinst_to_insn(transformed(sd, false), &len), LEN_32, 8, true, false, T6);
    EXPECT_DECODE(htinst_to_insn(transformed(lbu, false), &len), LEN_32, 1, false, false, S11);
    /* A misaligned access reports a non-zero address offset in the rs1 field. */
    u32 lw_off = enc_load(F3_W, A0, 3, 0);
    EXPECT_HTINST(transformed(lw_off, false), lw_off, LEN_32);
    EXPECT_DECODE(lw_off, LEN_32, 4, false, true, A0);
}

TEST(htinst_transformed_16_bit_instructions)
{
    u8 len = 0;

    /* C.LW s1 -> LW s1 (x9: the full register number, not the 3-bit field). */
    u32 lw = enc_load(F3_W, S1, X0, 0);
    EXPECT_HTINST(transformed(lw, true), lw, LEN_16);
    EXPECT_DECODE(htinst_to_insn(transformed(lw, true), &len), LEN_32, 4, false, true, S1);
    /* C.SDSP ra -> SD ra. */
    u32 sd = enc_store(F3_D, RA, X0, 0);
    EXPECT_HTINST(transformed(sd, true), sd, LEN_16);
    EXPECT_DECODE(htinst_to_insn(transformed(sd, true), &len), LEN_32, 8, true, false, RA);
    /* C.LDSP t6 -> LD t6. */
    u32 ld = enc_load(F3_D, T6, X0, 0);
    EXPECT_HTINST(transformed(ld, true), ld, LEN_16);
    /* Zcb C.LH a5 -> LH a5, C.SB s0 -> SB s0. */
    u32 lh = enc_load(F3_H, A5, X0, 0), sb = enc_store(F3_B, S0, X0, 0);
    EXPECT_HTINST(transformed(lh, true), lh, LEN_16);
    EXPECT_DECODE(htinst_to_insn(transformed(lh, true), &len), LEN_32, 2, false, true, A5);
    EXPECT_HTINST(transformed(sb, true), sb, LEN_16);
    EXPECT_DECODE(htinst_to_insn(transformed(sb, true), &len), LEN_32, 1, true, false, S0);
}

/* ---------------------------------------------------------------- the fast path's decoder */

/* htinst_decode_access() must succeed with exactly these fields. */
#define EXPECT_FAST(htinst, store_, len_, width_, sign_, reg_)                                     \
    do {                                                                                           \
        struct mmio_insn __mi;                                                                     \
        memset(&__mi, 0xee, sizeof(__mi));                                                         \
        int __rc = htinst_decode_access((htinst), (store_), &__mi);                                \
        EXPECT_EQ(__rc, 0);                                                                        \
        if (!__rc) {                                                                               \
            EXPECT_EQ(__mi.len, (len_));                                                           \
            EXPECT_EQ(__mi.width, (width_));                                                       \
            EXPECT_EQ(__mi.store, (store_));                                                       \
            EXPECT_EQ(__mi.sign_extend, (sign_));                                                  \
            EXPECT_EQ(__mi.reg, (reg_));                                                           \
        }                                                                                          \
    } while (0)

TEST(fast_decoder_transformed_loads_and_stores)
{
    EXPECT_FAST(transformed(enc_load(F3_W, A0, X0, 0), false), false, LEN_32, 4, true, A0);
    EXPECT_FAST(transformed(enc_load(F3_W, S1, X0, 0), true), false, LEN_16, 4, true, S1);
    EXPECT_FAST(transformed(enc_load(F3_BU, S11, X0, 0), false), false, LEN_32, 1, false, S11);
    EXPECT_FAST(transformed(enc_load(F3_H, A5, X0, 0), true), false, LEN_16, 2, true, A5);
    EXPECT_FAST(transformed(enc_load(F3_WU, T0, X0, 0), false), false, LEN_32, 4, false, T0);
    EXPECT_FAST(transformed(enc_load(F3_D, T6, X0, 0), true), false, LEN_16, 8, true, T6);
    EXPECT_FAST(transformed(enc_store(F3_D, T6, X0, 0), false), true, LEN_32, 8, false, T6);
    EXPECT_FAST(transformed(enc_store(F3_B, S0, X0, 0), true), true, LEN_16, 1, false, S0);
    EXPECT_FAST(transformed(enc_store(F3_W, X0, X0, 0), false), true, LEN_32, 4, false, X0);
    /* A misaligned access reports its address offset in the rs1 field: ignored. */
    EXPECT_FAST(transformed(enc_load(F3_H, A1, 3, 0), false), false, LEN_32, 2, true, A1);
}

TEST(fast_decoder_refuses_what_it_cannot_take)
{
    struct mmio_insn mi;
    u32 lw = enc_load(F3_W, A0, X0, 0), sw = enc_store(F3_W, A0, X0, 0);

    /* No htinst, or a pseudo-instruction: the general path decides. */
    EXPECT_EQ(htinst_decode_access(0, false, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(0, true, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(PSEUDO_READ_32, false, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(PSEUDO_READ_64, false, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(PSEUDO_WRITE_32, true, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(PSEUDO_WRITE_64, true, &mi), -EINVAL);
    /* A load for a store fault and the reverse. */
    EXPECT_EQ(htinst_decode_access(lw, true, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(sw, false, &mi), -EINVAL);
    /* Reserved widths, FP and atomic accesses. */
    EXPECT_EQ(htinst_decode_access(enc_load(7, A0, X0, 0), false, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(enc_store(F3_BU, A0, X0, 0), true, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(enc_i(OP_LOAD_FP, F3_W, A0, X0, 0), false, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(enc_s(OP_STORE_FP, F3_D, A0, X0, 0), true, &mi), -EINVAL);
    EXPECT_EQ(htinst_decode_access(enc_s(OP_AMO, F3_W, A0, X0, 0), true, &mi), -EINVAL);
}

/* Every opcode, funct3, rd and rs2 and both length bits, with and without the other
 * fields set: the fast decoder takes exactly the transformed loads (stores) the general
 * decoder takes, with the same fields, and the length from bit 1. */
TEST(fast_decoder_agrees_with_the_general_one)
{
    static const u32 others[] = {0, 0xfe0f8000}; /* funct7/imm[11:5] and rs1 fields */
    unsigned mismatches = 0;

    for (u32 low = 0; low < (1U << 15); low++) {
        for (u32 rs2 = 0; rs2 < NR_REGS; rs2++) {
            for (unsigned o = 0; o < ARRAY_SIZE(others); o++) {
                u64 htinst = low | rs2 << 20 | others[o];
                for (int store = 0; store <= 1; store++) {
                    struct mmio_insn fast, general;
                    u8 len = 0;
                    int rc = htinst_decode_access(htinst, store, &fast);
                    bool want = htinst_classify(htinst) == HTINST_TRANSFORMED &&
                                !insn_decode_mmio(htinst_to_insn(htinst, &len), &general) &&
                                general.store == store;
                    if ((rc == 0) != want)
                        mismatches++;
                    else if (want &&
                             (fast.len != len || fast.width != general.width ||
                              fast.store != general.store ||
                              fast.sign_extend != general.sign_extend || fast.reg != general.reg))
                        mismatches++;
                }
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
}

/* ---------------------------------------------------------------- mmio_extend */

TEST(mmio_extend_every_width)
{
    /* Zero extension keeps the low bytes only. */
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 1, false), 0xef);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 2, false), 0xcdef);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 4, false), 0x90abcdef);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 8, false), 0x1234567890abcdefUL);
    /* Sign extension copies the top bit of the access. */
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 1, true), 0xffffffffffffffefUL);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 2, true), 0xffffffffffffcdefUL);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 4, true), 0xffffffff90abcdefUL);
    EXPECT_EQ(mmio_extend(0x1234567890abcdefUL, 8, true), 0x1234567890abcdefUL);
    /* Positive values are unchanged by sign extension, upper garbage is still dropped. */
    EXPECT_EQ(mmio_extend(0xffffffffffffff7fUL, 1, true), 0x7f);
    EXPECT_EQ(mmio_extend(0xffffffffffff7fffUL, 2, true), 0x7fff);
    EXPECT_EQ(mmio_extend(0xffffffff7fffffffUL, 4, true), 0x7fffffff);
    /* The boundaries. */
    EXPECT_EQ(mmio_extend(0x80, 1, true), 0xffffffffffffff80UL);
    EXPECT_EQ(mmio_extend(0x80, 1, false), 0x80);
    EXPECT_EQ(mmio_extend(0x8000, 2, true), 0xffffffffffff8000UL);
    EXPECT_EQ(mmio_extend(0x80000000, 4, true), 0xffffffff80000000UL);
    EXPECT_EQ(mmio_extend(0x80000000, 4, false), 0x80000000);
    EXPECT_EQ(mmio_extend(0xff, 1, true), ~0UL);
    EXPECT_EQ(mmio_extend(0, 4, true), 0);
    EXPECT_EQ(mmio_extend(~0UL, 8, false), ~0UL);
}

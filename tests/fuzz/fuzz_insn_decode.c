// FUZZ_SOURCES: arch/riscv64/insn_decode.c
/* The MMIO load/store decoder (arch/riscv64/insn_decode.c): whatever instruction and htinst
 * a guest traps with, decoding either refuses it or describes a real access, and the value
 * extension keeps exactly the bytes of that access.
 *
 * Input: instruction (4 bytes), htinst (8 bytes), a value (8 bytes), a width selector and a
 * sign flag (1 byte each); missing bytes are zeros. */
#include <arch/insn_decode.h>
#include <kernel/errno.h>
#include <string.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"

#define INSN_LEN_32      4
#define INSN_LEN_16      2
#define INSN_32_LOW_BITS 3 /* bits [1:0] == 11: a 32-bit instruction */
#define NR_REGS          32
#define OPCODE_MASK      0x7f
#define OPCODE_LOAD      0x03
#define OPCODE_STORE     0x23
#define FUNCT3(insn)     (((insn) >> 12) & 7)
#define RD(insn)         (((insn) >> 7) & 0x1f)
#define RS2(insn)        (((insn) >> 20) & 0x1f)
#define LOAD_FUNCT3_BAD  7 /* the only reserved load funct3 */
#define STORE_FUNCT3_MAX 3 /* SB SH SW SD */
#define LOW_HALF         0xffffU
#define BYTE_BITS        8

static const unsigned widths[] = {1, 2, 4, 8};

static bool valid_width(unsigned w)
{
    return w == 1 || w == 2 || w == 4 || w == 8;
}

/* The RV64I rules for a 32-bit load or store, written from the ISA manual. */
static void check_32bit(u32 insn, int err, const struct mmio_insn *d)
{
    u32 opcode = insn & OPCODE_MASK, f3 = FUNCT3(insn);
    bool load = opcode == OPCODE_LOAD && f3 != LOAD_FUNCT3_BAD;
    bool store = opcode == OPCODE_STORE && f3 <= STORE_FUNCT3_MAX;

    FUZZ_CHECK((err == 0) == (load || store));
    if (err)
        return;
    FUZZ_CHECK(d->len == INSN_LEN_32);
    FUZZ_CHECK(d->store == store);
    FUZZ_CHECK(d->width == 1U << (f3 & 3));
    FUZZ_CHECK(d->sign_extend == (load && f3 < 4)); /* LB LH LW LD; not LBU LHU LWU */
    FUZZ_CHECK(d->reg == (store ? RS2(insn) : RD(insn)));
}

static void check_decode(u32 insn)
{
    struct mmio_insn d = {0};
    int err = insn_decode_mmio(insn, &d);

    FUZZ_CHECK(err == 0 || err == -EINVAL);
    if (!err) {
        FUZZ_CHECK(d.len == INSN_LEN_16 || d.len == INSN_LEN_32);
        FUZZ_CHECK(valid_width(d.width));
        FUZZ_CHECK(d.reg < NR_REGS);
        FUZZ_CHECK(!(d.store && d.sign_extend));
        /* A 16-bit form only when the low bits say so, and then only those 16 bits count. */
        FUZZ_CHECK((d.len == INSN_LEN_16) == ((insn & 3) != INSN_32_LOW_BITS));
    }
    if ((insn & 3) == INSN_32_LOW_BITS) {
        check_32bit(insn, err, &d);
    } else {
        struct mmio_insn low = {0};
        int low_err = insn_decode_mmio(insn & LOW_HALF, &low);
        FUZZ_CHECK(low_err == err);
        FUZZ_CHECK(err || !memcmp(&low, &d, sizeof(d)));
        /* Compressed loads and stores have no x0 destination/source for the 3-bit forms. */
        FUZZ_CHECK(err || d.reg != 0 || d.store);
    }
}

/* htinst: 0 says nothing, odd is a transformed instruction, even a pseudo-instruction. */
static void check_htinst(u64 htinst)
{
    enum htinst_kind kind = htinst_classify(htinst);

    FUZZ_CHECK(kind == (htinst == 0    ? HTINST_NONE
                        : (htinst & 1) ? HTINST_TRANSFORMED
                                       : HTINST_PSEUDO));
    if (kind != HTINST_TRANSFORMED)
        return;
    u8 orig_len = 0;
    u32 insn = htinst_to_insn(htinst, &orig_len);
    /* The trapping instruction's length comes from bit 1; what is decoded is 32-bit. */
    FUZZ_CHECK(orig_len == ((htinst & 2) ? INSN_LEN_32 : INSN_LEN_16));
    FUZZ_CHECK((insn & 3) == INSN_32_LOW_BITS);
    FUZZ_CHECK((insn & ~2U) == ((u32)htinst & ~2U));
    check_decode(insn);
}

static void check_extend(u64 v, unsigned width, bool sign)
{
    u64 r = mmio_extend(v, width, sign);
    unsigned bits = width * BYTE_BITS;

    if (bits == 64) {
        FUZZ_CHECK(r == v);
        return;
    }
    u64 low = (1ULL << bits) - 1;
    bool negative = sign && ((v >> (bits - 1)) & 1);
    FUZZ_CHECK((r & low) == (v & low));
    FUZZ_CHECK((r & ~low) == (negative ? ~low : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;

    fuzz_input_init(&in, data, size);
    u32 insn = fuzz_u32(&in);
    u64 htinst = fuzz_u64(&in), value = fuzz_u64(&in);
    unsigned width = widths[fuzz_below(&in, ARRAY_SIZE(widths))];
    bool sign = fuzz_bool(&in);

    check_decode(insn);
    check_htinst(htinst);
    check_extend(value, width, sign);

    struct mmio_insn d;
    if (!insn_decode_mmio(insn, &d))
        check_extend(value, d.width, d.sign_extend);
    return 0;
}

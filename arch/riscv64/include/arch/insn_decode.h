/*
 * Decoding of the load/store instruction behind a guest MMIO access: all RV64I loads
 * and stores, RVC C.LW/C.LD/C.SW/C.SD, their stack-pointer forms, and the Zcb byte and
 * halfword forms.  Pure logic; unit-tested on the host.
 */
#ifndef ARCH_INSN_DECODE_H
#define ARCH_INSN_DECODE_H

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

/* Sign- or zero-extends the low `width` bytes of v. */
u64 mmio_extend(u64 v, unsigned width, bool sign_extend);

#endif

/*
 * The virtual PLIC's state machine, without MMIO decoding, locking or side effects, so that
 * the host unit tests run it as is (device/vplic.c wraps it).
 *
 * Sources are numbered 1..nr_sources (0 means "no interrupt").  Targets are the VM's
 * S-level contexts, one per vCPU, numbered by vCPU index.  Per source: a priority
 * (0 = never interrupts), a pending bit, an in-service bit (claimed, not yet completed) and
 * a gateway that holds requests while the source is pending or in service.  Per target: an
 * enable bitmap and a threshold.
 *
 * Requests come from two kinds of sources:
 *  - emulated (edge): each vplic_state_raise() is one request.  The gateway counts requests
 *    that arrive while the source is pending or in service (up to VPLIC_EDGE_QUEUE_MAX) and
 *    forwards the next one when the guest completes, so N raises give N claims;
 *  - passthrough: the physical PLIC claimed the interrupt on some hart and holds it until it
 *    is completed there.  vplic_state_raise_hw() records that hart; the guest's complete
 *    hands it back so the caller completes the physical source (level-triggered devices
 *    then re-assert only if they still need service).
 *
 * A target's external interrupt line is asserted exactly when vplic_state_claimable() says
 * so; callers re-evaluate it for every target after any change.
 */
#ifndef DEVICE_VPLIC_STATE_H
#define DEVICE_VPLIC_STATE_H

#include <kernel/pcpu_layout.h>
#include <kernel/types.h>

#define VPLIC_MAX_SOURCES    1023 /* highest source id a PLIC can have */
#define VPLIC_MAX_TARGETS    MAX_HARTS
#define VPLIC_PRIORITY_MAX   7 /* priorities and thresholds are 3-bit WARL, as on QEMU virt */
#define VPLIC_EDGE_QUEUE_MAX 16
#define VPLIC_WORD_BITS      32
#define VPLIC_WORDS          ((VPLIC_MAX_SOURCES + VPLIC_WORD_BITS) / VPLIC_WORD_BITS)
#define VPLIC_NO_HART        (-1)

struct vplic_state {
    u32 nr_sources;
    u32 nr_targets;
    u32 nr_words; /* 32-bit words that hold bits 0..nr_sources */
    u8 priority[VPLIC_MAX_SOURCES + 1];
    u8 queued[VPLIC_MAX_SOURCES + 1];  /* emulated requests held by the gateway */
    u8 hw_hart[VPLIC_MAX_SOURCES + 1]; /* physical hart owed a complete (hw bit set) */
    u32 pending[VPLIC_WORDS];
    u32 in_service[VPLIC_WORDS];
    u32 hw[VPLIC_WORDS]; /* the current request of the source came from the physical PLIC */
    u32 enable[VPLIC_MAX_TARGETS][VPLIC_WORDS];
    u8 threshold[VPLIC_MAX_TARGETS];
};

/* Everything off, nothing pending; nr_sources <= VPLIC_MAX_SOURCES and
 * nr_targets <= VPLIC_MAX_TARGETS (checked by the caller). */
void vplic_state_init(struct vplic_state *s, u32 nr_sources, u32 nr_targets);

/* True for 1..nr_sources. */
static inline bool vplic_state_source_valid(const struct vplic_state *s, u64 irq)
{
    return irq != 0 && irq <= s->nr_sources;
}

/* Register views.  Source 0 and bits above nr_sources read as zero and ignore writes;
 * priorities and thresholds keep their low three bits (WARL).  The reads are inline, with
 * 64-bit indices: each is a bounds check and a load, on every trapped register read. */
static inline u32 vplic_state_priority(const struct vplic_state *s, u64 irq)
{
    return vplic_state_source_valid(s, irq) ? s->priority[irq] : 0;
}

static inline u32 vplic_state_pending_word(const struct vplic_state *s, u64 word)
{
    return word < s->nr_words ? s->pending[word] : 0;
}

static inline u32 vplic_state_enable_word(const struct vplic_state *s, u64 target, u64 word)
{
    return target < s->nr_targets && word < s->nr_words ? s->enable[target][word] : 0;
}

static inline u32 vplic_state_threshold(const struct vplic_state *s, u64 target)
{
    return target < s->nr_targets ? s->threshold[target] : 0;
}

void vplic_state_set_priority(struct vplic_state *s, u32 irq, u32 value);
/* Returns the bits whose enable state changed. */
u32 vplic_state_set_enable_word(struct vplic_state *s, u32 target, u32 word, u32 value);
bool vplic_state_enabled(const struct vplic_state *s, u32 target, u32 irq);
void vplic_state_set_threshold(struct vplic_state *s, u32 target, u32 value);

/* One request from an emulated source (ignored for an invalid id). */
void vplic_state_raise(struct vplic_state *s, u32 irq);
/* A request the physical PLIC delivered after claiming it on `hartid`. */
void vplic_state_raise_hw(struct vplic_state *s, u32 irq, u32 hartid);

/* The highest-priority pending source enabled for target with priority above its
 * threshold (ties: lowest id), or 0.  Claim also clears its pending bit and puts it in
 * service; vplic_state_best() only looks. */
u32 vplic_state_best(const struct vplic_state *s, u32 target);
u32 vplic_state_claim(struct vplic_state *s, u32 target);
/* Completion of irq by target.  Ignored (false) unless irq is in service and enabled for
 * target.  On success *hw_hart is the physical hart to complete it on, or VPLIC_NO_HART,
 * and the gateway forwards its next held request. */
bool vplic_state_complete(struct vplic_state *s, u32 target, u32 irq, s32 *hw_hart);
/* True when target has a claimable source: its external interrupt line. */
bool vplic_state_claimable(const struct vplic_state *s, u32 target);

/* The physical hart irq's current request is owed a complete on, or VPLIC_NO_HART. */
s32 vplic_state_hw_owed(const struct vplic_state *s, u32 irq);

#endif

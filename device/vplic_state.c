/* The virtual PLIC's state machine (see vplic_state.h). */
#include <device/vplic_state.h>
#include <string.h>

_Static_assert(MAX_HARTS <= 256, "hw_hart holds hart ids in a byte");

#define DE_BRUIJN_32    0x077CB531U
#define DE_BRUIJN_SHIFT 27

/* Index of the lowest set bit of x != 0 (de Bruijn; the hypervisor has no libgcc ctz). */
static u32 lowest_bit(u32 x)
{
    static const u8 position[VPLIC_WORD_BITS] = {
        0,  1,  28, 2,  29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4,  8,
        31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6,  11, 5,  10, 9,
    };

    return position[((x & -x) * DE_BRUIJN_32) >> DE_BRUIJN_SHIFT];
}

static u32 word_of(u32 irq)
{
    return irq / VPLIC_WORD_BITS;
}

static u32 bit_of(u32 irq)
{
    return 1U << (irq % VPLIC_WORD_BITS);
}

static bool test_bit(const u32 *map, u32 irq)
{
    return (map[word_of(irq)] & bit_of(irq)) != 0;
}

static void set_bit(u32 *map, u32 irq)
{
    map[word_of(irq)] |= bit_of(irq);
}

static void clear_bit(u32 *map, u32 irq)
{
    map[word_of(irq)] &= ~bit_of(irq);
}

/* Bits of `word` that name existing sources (not 0, not above nr_sources). */
static u32 valid_mask(const struct vplic_state *s, u32 word)
{
    u32 first = word * VPLIC_WORD_BITS;
    u32 mask = ~0U;

    if (word >= s->nr_words)
        return 0;
    if (first == 0)
        mask &= ~1U;
    if (s->nr_sources - first < VPLIC_WORD_BITS - 1)
        mask &= (2U << (s->nr_sources - first)) - 1;
    return mask;
}

void vplic_state_init(struct vplic_state *s, u32 nr_sources, u32 nr_targets)
{
    memset(s, 0, sizeof(*s));
    s->nr_sources = nr_sources;
    s->nr_targets = nr_targets;
    s->nr_words = nr_sources / VPLIC_WORD_BITS + 1;
}

void vplic_state_set_priority(struct vplic_state *s, u32 irq, u32 value)
{
    if (vplic_state_source_valid(s, irq))
        s->priority[irq] = value & VPLIC_PRIORITY_MAX;
}

u32 vplic_state_set_enable_word(struct vplic_state *s, u32 target, u32 word, u32 value)
{
    if (target >= s->nr_targets || word >= s->nr_words)
        return 0;
    u32 old = s->enable[target][word];

    s->enable[target][word] = value & valid_mask(s, word);
    return old ^ s->enable[target][word];
}

bool vplic_state_enabled(const struct vplic_state *s, u32 target, u32 irq)
{
    return target < s->nr_targets && vplic_state_source_valid(s, irq) &&
           test_bit(s->enable[target], irq);
}

void vplic_state_set_threshold(struct vplic_state *s, u32 target, u32 value)
{
    if (target < s->nr_targets)
        s->threshold[target] = value & VPLIC_PRIORITY_MAX;
}

void vplic_state_raise(struct vplic_state *s, u32 irq)
{
    if (!vplic_state_source_valid(s, irq))
        return;
    if (!test_bit(s->pending, irq) && !test_bit(s->in_service, irq))
        set_bit(s->pending, irq);
    else if (s->queued[irq] < VPLIC_EDGE_QUEUE_MAX)
        s->queued[irq]++;
}

void vplic_state_raise_hw(struct vplic_state *s, u32 irq, u32 hartid)
{
    if (!vplic_state_source_valid(s, irq))
        return;
    set_bit(s->pending, irq);
    set_bit(s->hw, irq);
    s->hw_hart[irq] = (u8)hartid;
}

u32 vplic_state_best(const struct vplic_state *s, u32 target)
{
    u32 best = 0, best_priority;

    if (target >= s->nr_targets)
        return 0;
    best_priority = s->threshold[target];
    for (u32 w = 0; w < s->nr_words; w++) {
        u32 candidates = s->pending[w] & s->enable[target][w] & ~s->in_service[w];
        while (candidates) {
            u32 irq = w * VPLIC_WORD_BITS + lowest_bit(candidates);
            candidates &= candidates - 1;
            if (s->priority[irq] > best_priority) {
                best = irq;
                best_priority = s->priority[irq];
            }
        }
    }
    return best;
}

u32 vplic_state_claim(struct vplic_state *s, u32 target)
{
    u32 irq = vplic_state_best(s, target);

    if (irq) {
        clear_bit(s->pending, irq);
        set_bit(s->in_service, irq);
    }
    return irq;
}

bool vplic_state_complete(struct vplic_state *s, u32 target, u32 irq, s32 *hw_hart)
{
    *hw_hart = VPLIC_NO_HART;
    if (!vplic_state_enabled(s, target, irq) || !test_bit(s->in_service, irq))
        return false;
    clear_bit(s->in_service, irq);
    *hw_hart = vplic_state_hw_owed(s, irq);
    clear_bit(s->hw, irq);
    if (s->queued[irq]) {
        s->queued[irq]--;
        set_bit(s->pending, irq);
    }
    return true;
}

bool vplic_state_claimable(const struct vplic_state *s, u32 target)
{
    return vplic_state_best(s, target) != 0;
}

s32 vplic_state_hw_owed(const struct vplic_state *s, u32 irq)
{
    return vplic_state_source_valid(s, irq) && test_bit(s->hw, irq) ? s->hw_hart[irq]
                                                                    : VPLIC_NO_HART;
}

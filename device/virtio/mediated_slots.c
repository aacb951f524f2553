/* Request slots of mediated virtio-blk (see mediated_slots.h). */
#include <device/virtio/mediated_slots.h>

#define SLOT_BITS 8
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
_Static_assert(MEDIATED_SLOTS_MAX <= SLOT_MASK + 1, "a slot index fits in an id's low bits");

void mediated_slots_reset(struct mediated_slots *s, u32 nr)
{
    s->nr = MIN(nr, (u32)MEDIATED_SLOTS_MAX);
    s->nr_free = s->nr;
    for (u32 i = 0; i < MEDIATED_SLOTS_MAX; i++)
        s->slot[i] = (struct mediated_slot){.state = MEDIATED_SLOT_FREE};
}

int mediated_slots_alloc(struct mediated_slots *s, const void *owner, u64 *id)
{
    if (!s->nr_free)
        return -1;
    for (u32 i = 0; i < s->nr; i++) {
        struct mediated_slot *slot = &s->slot[i];

        if (slot->state != MEDIATED_SLOT_FREE)
            continue;
        s->seq++;
        *slot = (struct mediated_slot){
            .state = MEDIATED_SLOT_BUSY,
            .id = s->seq << SLOT_BITS | i,
            .owner = owner,
        };
        s->nr_free--;
        *id = slot->id;
        return (int)i;
    }
    return -1;
}

int mediated_slots_find(const struct mediated_slots *s, u64 id)
{
    u32 i = id & SLOT_MASK;

    if (i >= s->nr || s->slot[i].state == MEDIATED_SLOT_FREE || s->slot[i].id != id)
        return -1;
    return (int)i;
}

void mediated_slots_free(struct mediated_slots *s, u32 slot)
{
    if (slot >= s->nr || s->slot[slot].state == MEDIATED_SLOT_FREE)
        return;
    s->slot[slot] = (struct mediated_slot){.state = MEDIATED_SLOT_FREE};
    s->nr_free++;
}

u32 mediated_slots_orphan(struct mediated_slots *s, const void *owner)
{
    u32 n = 0;

    for (u32 i = 0; i < s->nr; i++) {
        struct mediated_slot *slot = &s->slot[i];

        if (slot->state == MEDIATED_SLOT_BUSY && slot->owner == owner) {
            slot->state = MEDIATED_SLOT_ORPHAN;
            slot->owner = NULL;
            n++;
        }
    }
    return n;
}

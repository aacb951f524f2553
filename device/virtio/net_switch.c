/* The inter-VM Ethernet switch's forwarding decisions (see net_switch.h). */
#include <device/virtio/net_switch.h>
#include <kernel/errno.h>
#include <string.h>

#define MAC_GROUP_BIT 0x01 /* I/G bit of the first byte: multicast or broadcast */
#define ETH_DEST      0
#define ETH_SOURCE    ETH_ALEN
#define HASH_MULT     31

_Static_assert(NET_SWITCH_MAX_PORTS <= 64, "a port set is a u64");
_Static_assert(NET_SWITCH_MAX_PORTS <= 256, "an entry's port is a u8");

static bool mac_equal(const u8 *a, const u8 *b)
{
    return memcmp(a, b, ETH_ALEN) == 0;
}

static bool mac_is_group(const u8 *mac)
{
    return mac[0] & MAC_GROUP_BIT;
}

bool net_mac_valid(const u8 mac[ETH_ALEN])
{
    static const u8 zero[ETH_ALEN];

    return !mac_is_group(mac) && !mac_equal(mac, zero);
}

void net_switch_init(struct net_switch *sw, u64 ageing)
{
    memset(sw, 0, sizeof(*sw));
    sw->ageing = ageing;
}

/* ---------------------------------------------------------------- ports */

static bool port_in_use(const struct net_switch *sw, u32 port)
{
    return port < NET_SWITCH_MAX_PORTS && (sw->ports & BIT(port));
}

/* The port whose own address is mac, or -1. */
static int port_of_mac(const struct net_switch *sw, const u8 *mac)
{
    for (u32 p = 0; p < NET_SWITCH_MAX_PORTS; p++)
        if (port_in_use(sw, p) && mac_equal(sw->port_mac[p], mac))
            return (int)p;
    return -1;
}

/* ---------------------------------------------------------------- learned addresses */

static struct net_fdb_entry *bucket_of(struct net_switch *sw, const u8 *mac)
{
    u32 hash = 0;

    for (u32 i = 0; i < ETH_ALEN; i++)
        hash = hash * HASH_MULT + mac[i];
    return sw->fdb[hash % NET_SWITCH_BUCKETS];
}

/* Live: valid and seen within the ageing time (a time before `seen`, read on another hart
 * before the caller serialised, counts as just seen). */
static bool entry_live(const struct net_switch *sw, const struct net_fdb_entry *e, u64 now)
{
    return e->valid && (now <= e->seen || now - e->seen <= sw->ageing);
}

static struct net_fdb_entry *fdb_find(struct net_switch *sw, const u8 *mac)
{
    struct net_fdb_entry *bucket = bucket_of(sw, mac);

    for (u32 w = 0; w < NET_SWITCH_WAYS; w++)
        if (bucket[w].valid && mac_equal(bucket[w].mac, mac))
            return &bucket[w];
    return NULL;
}

/* A way for a new address: a free or expired one, else the one seen least recently. */
static struct net_fdb_entry *fdb_victim(struct net_switch *sw, const u8 *mac, u64 now)
{
    struct net_fdb_entry *bucket = bucket_of(sw, mac), *oldest = &bucket[0];

    for (u32 w = 0; w < NET_SWITCH_WAYS; w++) {
        if (!entry_live(sw, &bucket[w], now))
            return &bucket[w];
        if (bucket[w].seen < oldest->seen)
            oldest = &bucket[w];
    }
    return oldest;
}

static void fdb_learn(struct net_switch *sw, const u8 *mac, u32 port, u64 now)
{
    struct net_fdb_entry *e = fdb_find(sw, mac);

    if (!e) {
        e = fdb_victim(sw, mac, now);
        memcpy(e->mac, mac, ETH_ALEN);
        e->valid = true;
    }
    e->port = (u8)port;
    e->seen = now;
}

static void fdb_forget_mac(struct net_switch *sw, const u8 *mac)
{
    struct net_fdb_entry *e = fdb_find(sw, mac);

    if (e)
        e->valid = false;
}

static void fdb_forget_port(struct net_switch *sw, u32 port)
{
    for (u32 b = 0; b < NET_SWITCH_BUCKETS; b++)
        for (u32 w = 0; w < NET_SWITCH_WAYS; w++)
            if (sw->fdb[b][w].port == port)
                sw->fdb[b][w].valid = false;
}

/* ---------------------------------------------------------------- interface */

int net_switch_add_port(struct net_switch *sw, const u8 mac[ETH_ALEN])
{
    if (!net_mac_valid(mac))
        return -EINVAL;
    if (port_of_mac(sw, mac) >= 0)
        return -EEXIST;
    for (u32 p = 0; p < NET_SWITCH_MAX_PORTS; p++) {
        if (port_in_use(sw, p))
            continue;
        sw->ports |= BIT(p);
        memcpy(sw->port_mac[p], mac, ETH_ALEN);
        fdb_forget_mac(sw, mac);
        return (int)p;
    }
    return -ENOSPC;
}

void net_switch_remove_port(struct net_switch *sw, u32 port)
{
    if (!port_in_use(sw, port))
        return;
    sw->ports &= ~BIT(port);
    fdb_forget_port(sw, port);
}

/* Checks and learns the source address. */
static int learn_source(struct net_switch *sw, u32 in, const u8 *src, u64 now)
{
    int owner;

    if (!net_mac_valid(src))
        return NET_SWITCH_BAD_SRC;
    owner = port_of_mac(sw, src);
    if (owner >= 0)
        return (u32)owner == in ? 0 : NET_SWITCH_SPOOFED;
    fdb_learn(sw, src, in, now);
    return 0;
}

/* The ports a frame for `dest` goes to (before removing the input port). */
static u64 destinations(struct net_switch *sw, const u8 *dest, u64 now)
{
    int port;
    const struct net_fdb_entry *e;

    if (mac_is_group(dest))
        return sw->ports;
    port = port_of_mac(sw, dest);
    if (port >= 0)
        return BIT(port);
    e = fdb_find(sw, dest);
    if (e && entry_live(sw, e, now))
        return BIT(e->port);
    return sw->ports;
}

int net_switch_forward(struct net_switch *sw, u32 in, const u8 *frame, u32 len, u64 now, u64 *out)
{
    int err;

    *out = 0;
    if (!port_in_use(sw, in))
        return NET_SWITCH_NO_PORT;
    if (len < ETH_HLEN)
        return NET_SWITCH_SHORT;
    if (len > NET_FRAME_MAX)
        return NET_SWITCH_LONG;
    err = learn_source(sw, in, frame + ETH_SOURCE, now);
    if (err)
        return err;
    *out = destinations(sw, frame + ETH_DEST, now) & ~BIT(in);
    return 0;
}

const char *net_switch_strerror(int err)
{
    switch (err) {
    case NET_SWITCH_SHORT:
        return "frame shorter than an Ethernet header";
    case NET_SWITCH_LONG:
        return "frame longer than the MTU allows";
    case NET_SWITCH_BAD_SRC:
        return "multicast or zero source address";
    case NET_SWITCH_SPOOFED:
        return "source address of another VM's NIC";
    case NET_SWITCH_NO_PORT:
        return "not a port of the switch";
    default:
        return "unknown error";
    }
}

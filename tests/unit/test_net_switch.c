// UNIT_SOURCES: device/virtio/net_switch.c
/* The inter-VM switch's forwarding decisions (device/virtio/net_switch.c): ports and their
 * addresses, learning, unicast, flooding of broadcast, multicast and unknown unicast, no echo
 * to the sender, ageing, a full table, bad and spoofed frames. */
#include <device/virtio/net_switch.h>
#include <kernel/errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

#define AGEING 300
#define T0     1000

/* The switch is large: one per test, on the heap. */
static struct net_switch *new_switch(void)
{
    struct net_switch *sw = malloc(sizeof(*sw));

    net_switch_init(sw, AGEING);
    return sw;
}

/* Locally administered unicast addresses 02:00:00:00:hi:lo. */
static void make_mac(u8 *mac, u32 n)
{
    const u8 m[ETH_ALEN] = {0x02, 0, 0, 0, (u8)(n >> 8), (u8)n};

    memcpy(mac, m, ETH_ALEN);
}

static const u8 broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const u8 ipv6_mcast[ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 1};
static const u8 ipv4_mcast[ETH_ALEN] = {0x01, 0x00, 0x5e, 0, 0, 0xfb};

/* A 60-byte frame (the Ethernet minimum) from src to dst. */
struct frame {
    u8 bytes[NET_FRAME_MAX + 1];
    u32 len;
};

static struct frame frame_of(const u8 *dst, const u8 *src)
{
    struct frame f = {.len = 60};

    memcpy(f.bytes, dst, ETH_ALEN);
    memcpy(f.bytes + ETH_ALEN, src, ETH_ALEN);
    f.bytes[12] = 0x08; /* IPv4 */
    return f;
}

/* Forwards a frame from src to dst that came in on `in`; returns the port set, or a
 * negative error shifted out of the way of port sets (never a valid set). */
static long long send(struct net_switch *sw, u32 in, const u8 *dst, const u8 *src, u64 now)
{
    struct frame f = frame_of(dst, src);
    u64 out = ~0ULL;
    int err = net_switch_forward(sw, in, f.bytes, f.len, now, &out);

    if (err) {
        EXPECT_EQ(out, 0);
        return err;
    }
    return (long long)out;
}

/* Three ports, 0..2, with addresses mac[0..2]. */
struct three {
    struct net_switch *sw;
    u8 mac[3][ETH_ALEN];
};

static struct three three_ports(void)
{
    struct three t = {.sw = new_switch()};

    for (u32 i = 0; i < 3; i++) {
        make_mac(t.mac[i], i + 1);
        EXPECT_EQ(net_switch_add_port(t.sw, t.mac[i]), i);
    }
    return t;
}

/* ---------------------------------------------------------------- ports */

TEST(ports_numbered_and_reused)
{
    struct three t = three_ports();
    u8 mac[ETH_ALEN];

    net_switch_remove_port(t.sw, 1);
    make_mac(mac, 9);
    EXPECT_EQ(net_switch_add_port(t.sw, mac), 1);
    EXPECT_EQ(t.sw->ports, 0x7);
    free(t.sw);
}

TEST(port_address_refused)
{
    struct three t = three_ports();
    const u8 zero[ETH_ALEN] = {0};

    EXPECT_EQ(net_switch_add_port(t.sw, t.mac[2]), -EEXIST);
    EXPECT_EQ(net_switch_add_port(t.sw, broadcast), -EINVAL);
    EXPECT_EQ(net_switch_add_port(t.sw, ipv6_mcast), -EINVAL);
    EXPECT_EQ(net_switch_add_port(t.sw, zero), -EINVAL);
    EXPECT_EQ(t.sw->ports, 0x7);
    free(t.sw);
}

TEST(ports_full)
{
    struct net_switch *sw = new_switch();
    u8 mac[ETH_ALEN];

    for (u32 i = 0; i < NET_SWITCH_MAX_PORTS; i++) {
        make_mac(mac, i + 1);
        EXPECT_EQ(net_switch_add_port(sw, mac), i);
    }
    make_mac(mac, 1000);
    EXPECT_EQ(net_switch_add_port(sw, mac), -ENOSPC);
    EXPECT_EQ(sw->ports, ~0ULL);
    /* A frame to the last port and a broadcast reaching all 63 others. */
    make_mac(mac, NET_SWITCH_MAX_PORTS);
    u8 src[ETH_ALEN];
    make_mac(src, 1);
    EXPECT_EQ(send(sw, 0, mac, src, T0), (long long)BIT(NET_SWITCH_MAX_PORTS - 1));
    EXPECT_EQ(send(sw, 0, broadcast, src, T0), (long long)(~0ULL & ~1ULL));
    free(sw);
}

/* ---------------------------------------------------------------- forwarding */

TEST(unicast_to_port_address)
{
    struct three t = three_ports();

    EXPECT_EQ(send(t.sw, 0, t.mac[1], t.mac[0], T0), BIT(1));
    EXPECT_EQ(send(t.sw, 2, t.mac[0], t.mac[2], T0), BIT(0));
    EXPECT_EQ(send(t.sw, 1, t.mac[2], t.mac[1], T0), BIT(2));
    free(t.sw);
}

TEST(broadcast_and_multicast_flooded_not_echoed)
{
    struct three t = three_ports();

    EXPECT_EQ(send(t.sw, 0, broadcast, t.mac[0], T0), BIT(1) | BIT(2));
    EXPECT_EQ(send(t.sw, 1, broadcast, t.mac[1], T0), BIT(0) | BIT(2));
    EXPECT_EQ(send(t.sw, 2, ipv6_mcast, t.mac[2], T0), BIT(0) | BIT(1));
    EXPECT_EQ(send(t.sw, 1, ipv4_mcast, t.mac[1], T0), BIT(0) | BIT(2));
    free(t.sw);
}

TEST(broadcast_of_any_ethertype)
{
    /* The original flooded broadcast only for ARP: DHCP (IPv4) and others were lost. */
    struct three t = three_ports();
    struct frame f = frame_of(broadcast, t.mac[0]);
    u64 out;

    for (u32 type = 0x0600; type <= 0xffff; type += 0x101) {
        f.bytes[12] = (u8)(type >> 8);
        f.bytes[13] = (u8)type;
        EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, f.len, T0, &out), 0);
        EXPECT_EQ(out, BIT(1) | BIT(2));
    }
    free(t.sw);
}

TEST(unknown_unicast_flooded)
{
    struct three t = three_ports();
    u8 stranger[ETH_ALEN];

    make_mac(stranger, 77);
    EXPECT_EQ(send(t.sw, 1, stranger, t.mac[1], T0), BIT(0) | BIT(2));
    free(t.sw);
}

TEST(no_echo_to_sender)
{
    struct three t = three_ports();
    u8 behind0[ETH_ALEN];

    /* To its own address. */
    EXPECT_EQ(send(t.sw, 0, t.mac[0], t.mac[0], T0), 0);
    /* To an address learned on the same port (two stations behind one port). */
    make_mac(behind0, 50);
    EXPECT_EQ(send(t.sw, 0, t.mac[1], behind0, T0), BIT(1));
    EXPECT_EQ(send(t.sw, 0, behind0, t.mac[0], T0), 0);
    free(t.sw);
}

TEST(single_port_floods_nowhere)
{
    struct net_switch *sw = new_switch();
    u8 mac[ETH_ALEN];

    make_mac(mac, 1);
    EXPECT_EQ(net_switch_add_port(sw, mac), 0);
    EXPECT_EQ(send(sw, 0, broadcast, mac, T0), 0);
    free(sw);
}

/* ---------------------------------------------------------------- learning */

TEST(learns_source_then_unicasts)
{
    struct three t = three_ports();
    u8 guest_bridge[ETH_ALEN];

    make_mac(guest_bridge, 100);
    /* Unknown: flooded; then a frame from it on port 2 teaches where it is. */
    EXPECT_EQ(send(t.sw, 0, guest_bridge, t.mac[0], T0), BIT(1) | BIT(2));
    EXPECT_EQ(send(t.sw, 2, t.mac[0], guest_bridge, T0), BIT(0));
    EXPECT_EQ(send(t.sw, 0, guest_bridge, t.mac[0], T0 + 1), BIT(2));
    EXPECT_EQ(send(t.sw, 1, guest_bridge, t.mac[1], T0 + 1), BIT(2));
    free(t.sw);
}

TEST(station_moves)
{
    struct three t = three_ports();
    u8 roamer[ETH_ALEN];

    make_mac(roamer, 200);
    EXPECT_EQ(send(t.sw, 1, broadcast, roamer, T0), BIT(0) | BIT(2));
    EXPECT_EQ(send(t.sw, 0, roamer, t.mac[0], T0), BIT(1));
    EXPECT_EQ(send(t.sw, 2, broadcast, roamer, T0 + 5), BIT(0) | BIT(1));
    EXPECT_EQ(send(t.sw, 0, roamer, t.mac[0], T0 + 5), BIT(2));
    free(t.sw);
}

TEST(ageing)
{
    struct three t = three_ports();
    u8 station[ETH_ALEN];

    make_mac(station, 300);
    send(t.sw, 1, broadcast, station, T0);
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0 + AGEING), BIT(1));
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0 + AGEING + 1), BIT(1) | BIT(2));
    /* Seen again: learned again, with a fresh time. */
    send(t.sw, 1, broadcast, station, T0 + 2 * AGEING);
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0 + 3 * AGEING), BIT(1));
    /* A time before the entry's (another hart's clock read a little earlier): still live. */
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0), BIT(1));
    free(t.sw);
}

TEST(port_addresses_never_age)
{
    struct three t = three_ports();

    EXPECT_EQ(send(t.sw, 0, t.mac[1], t.mac[0], T0 + 1000 * AGEING), BIT(1));
    free(t.sw);
}

/* The bucket an address is learned into (the hash is internal: learn it alone and look). */
static int learned_bucket(const u8 *mac)
{
    struct three t = three_ports();
    int bucket = -1;

    send(t.sw, 1, broadcast, mac, T0);
    for (u32 b = 0; b < NET_SWITCH_BUCKETS; b++)
        for (u32 w = 0; w < NET_SWITCH_WAYS; w++)
            if (t.sw->fdb[b][w].valid)
                bucket = (int)b;
    free(t.sw);
    return bucket;
}

/* n addresses that share one bucket; returns how many were found. */
static u32 same_bucket(u8 (*macs)[ETH_ALEN], u32 n)
{
    u32 found = 0;
    int target = -1;

    for (u32 c = 1000; found < n && c < 60000; c++) {
        u8 mac[ETH_ALEN];
        make_mac(mac, c);
        int bucket = learned_bucket(mac);
        if (target < 0)
            target = bucket;
        if (bucket == target)
            memcpy(macs[found++], mac, ETH_ALEN);
    }
    return found;
}

TEST(full_bucket_replaces_least_recent)
{
    struct net_switch *sw = new_switch();
    u8 macs[NET_SWITCH_WAYS + 1][ETH_ALEN], p0[ETH_ALEN], p1[ETH_ALEN];

    EXPECT_EQ(same_bucket(macs, NET_SWITCH_WAYS + 1), NET_SWITCH_WAYS + 1);
    make_mac(p0, 1);
    make_mac(p1, 2);
    EXPECT_EQ(net_switch_add_port(sw, p0), 0);
    EXPECT_EQ(net_switch_add_port(sw, p1), 1);
    /* Ways filled at T0, T0+1, ...; the first one is seen again last. */
    for (u32 i = 0; i < NET_SWITCH_WAYS; i++)
        send(sw, 1, broadcast, macs[i], T0 + i);
    send(sw, 1, broadcast, macs[0], T0 + NET_SWITCH_WAYS);
    /* One more: replaces macs[1], the least recently seen. */
    send(sw, 1, broadcast, macs[NET_SWITCH_WAYS], T0 + NET_SWITCH_WAYS + 1);
    u64 now = T0 + NET_SWITCH_WAYS + 2;
    EXPECT_EQ(send(sw, 0, macs[NET_SWITCH_WAYS], p0, now), BIT(1));
    EXPECT_EQ(send(sw, 0, macs[0], p0, now), BIT(1));
    for (u32 i = 2; i < NET_SWITCH_WAYS; i++)
        EXPECT_EQ(send(sw, 0, macs[i], p0, now), BIT(1));
    /* Forgotten: flooded (with two ports, "flooded" and "to port 1" only differ for a
     * third port). */
    u8 p2[ETH_ALEN];
    make_mac(p2, 3);
    EXPECT_EQ(net_switch_add_port(sw, p2), 2);
    EXPECT_EQ(send(sw, 0, macs[1], p0, now), BIT(1) | BIT(2));
    EXPECT_EQ(send(sw, 0, macs[0], p0, now), BIT(1));
    free(sw);
}

TEST(table_bounded_under_flood)
{
    /* A guest sending from 100000 made-up addresses: the table stays within its size, the
     * ports' own addresses keep working, and the newest addresses are known. */
    struct three t = three_ports();
    u8 mac[ETH_ALEN];
    u32 valid = 0;

    for (u32 i = 0; i < 100000; i++) {
        make_mac(mac, i);
        mac[0] = 0x06; /* never a port's address */
        mac[3] = (u8)(i >> 16);
        EXPECT_EQ(send(t.sw, 2, broadcast, mac, T0 + i), BIT(0) | BIT(1));
    }
    for (u32 b = 0; b < NET_SWITCH_BUCKETS; b++)
        for (u32 w = 0; w < NET_SWITCH_WAYS; w++)
            valid += t.sw->fdb[b][w].valid;
    EXPECT_TRUE(valid <= NET_SWITCH_BUCKETS * NET_SWITCH_WAYS);
    EXPECT_TRUE(valid > NET_SWITCH_BUCKETS * NET_SWITCH_WAYS / 2);
    EXPECT_EQ(send(t.sw, 0, t.mac[1], t.mac[0], T0 + 100000), BIT(1));
    EXPECT_EQ(send(t.sw, 0, mac, t.mac[0], T0 + 100000), BIT(2));
    free(t.sw);
}

TEST(remove_port_forgets_learned)
{
    struct three t = three_ports();
    u8 station[ETH_ALEN], mac[ETH_ALEN];

    make_mac(station, 400);
    send(t.sw, 2, broadcast, station, T0);
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0), BIT(2));
    net_switch_remove_port(t.sw, 2);
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0), BIT(1));
    EXPECT_EQ(send(t.sw, 0, broadcast, t.mac[0], T0), BIT(1));
    EXPECT_EQ(send(t.sw, 0, t.mac[2], t.mac[0], T0), BIT(1)); /* unknown now */
    /* The number comes back for another VM: nothing of the old port's is kept. */
    make_mac(mac, 500);
    EXPECT_EQ(net_switch_add_port(t.sw, mac), 2);
    EXPECT_EQ(send(t.sw, 0, station, t.mac[0], T0), BIT(1) | BIT(2));
    free(t.sw);
}

TEST(learned_address_becomes_port)
{
    /* An address learned behind port 1 is then configured on a new port: the port wins. */
    struct three t = three_ports();
    u8 mac[ETH_ALEN];

    make_mac(mac, 600);
    send(t.sw, 1, broadcast, mac, T0);
    net_switch_remove_port(t.sw, 2);
    EXPECT_EQ(net_switch_add_port(t.sw, mac), 2);
    EXPECT_EQ(send(t.sw, 0, mac, t.mac[0], T0), BIT(2));
    EXPECT_EQ(send(t.sw, 1, broadcast, mac, T0), NET_SWITCH_SPOOFED);
    free(t.sw);
}

/* ---------------------------------------------------------------- bad frames */

TEST(frame_lengths)
{
    struct three t = three_ports();
    struct frame f = frame_of(t.mac[1], t.mac[0]);
    u64 out;

    for (u32 len = 0; len < ETH_HLEN; len++)
        EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, len, T0, &out), NET_SWITCH_SHORT);
    EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, ETH_HLEN, T0, &out), 0);
    EXPECT_EQ(out, BIT(1));
    EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, NET_FRAME_MAX, T0, &out), 0);
    EXPECT_EQ(out, BIT(1));
    EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, NET_FRAME_MAX + 1, T0, &out), NET_SWITCH_LONG);
    EXPECT_EQ(out, 0);
    EXPECT_EQ(net_switch_forward(t.sw, 0, f.bytes, 0xffffffffU, T0, &out), NET_SWITCH_LONG);
    EXPECT_EQ(NET_FRAME_MAX, 1518);
    free(t.sw);
}

TEST(bad_source_not_learned)
{
    struct three t = three_ports();
    const u8 zero[ETH_ALEN] = {0};
    u8 stranger[ETH_ALEN];

    EXPECT_EQ(send(t.sw, 1, t.mac[0], broadcast, T0), NET_SWITCH_BAD_SRC);
    EXPECT_EQ(send(t.sw, 1, t.mac[0], ipv6_mcast, T0), NET_SWITCH_BAD_SRC);
    EXPECT_EQ(send(t.sw, 1, t.mac[0], zero, T0), NET_SWITCH_BAD_SRC);
    /* A too-short frame teaches nothing either. */
    make_mac(stranger, 700);
    struct frame f = frame_of(broadcast, stranger);
    u64 out;
    EXPECT_EQ(net_switch_forward(t.sw, 2, f.bytes, ETH_HLEN - 1, T0, &out), NET_SWITCH_SHORT);
    EXPECT_EQ(send(t.sw, 0, stranger, t.mac[0], T0), BIT(1) | BIT(2));
    free(t.sw);
}

TEST(spoofed_source_dropped)
{
    /* Port 2 claims port 0's address: dropped, and port 0 keeps getting its frames. */
    struct three t = three_ports();

    EXPECT_EQ(send(t.sw, 2, t.mac[1], t.mac[0], T0), NET_SWITCH_SPOOFED);
    EXPECT_EQ(send(t.sw, 2, broadcast, t.mac[0], T0), NET_SWITCH_SPOOFED);
    EXPECT_EQ(send(t.sw, 1, t.mac[0], t.mac[1], T0), BIT(0));
    free(t.sw);
}

TEST(input_port_not_in_use)
{
    struct three t = three_ports();

    EXPECT_EQ(send(t.sw, 3, t.mac[0], t.mac[1], T0), NET_SWITCH_NO_PORT);
    EXPECT_EQ(send(t.sw, NET_SWITCH_MAX_PORTS, t.mac[0], t.mac[1], T0), NET_SWITCH_NO_PORT);
    net_switch_remove_port(t.sw, 1);
    EXPECT_EQ(send(t.sw, 1, t.mac[0], t.mac[1], T0), NET_SWITCH_NO_PORT);
    net_switch_remove_port(t.sw, 1); /* twice: no effect */
    net_switch_remove_port(t.sw, 1000);
    EXPECT_EQ(t.sw->ports, BIT(0) | BIT(2));
    free(t.sw);
}

TEST(strerror)
{
    EXPECT_STR_CONTAINS(net_switch_strerror(NET_SWITCH_SPOOFED), "another VM");
    EXPECT_STR_CONTAINS(net_switch_strerror(NET_SWITCH_LONG), "MTU");
    EXPECT_STR_EQ(net_switch_strerror(-99), "unknown error");
}

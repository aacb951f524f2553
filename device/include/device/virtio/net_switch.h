/*
 * The inter-VM Ethernet switch: the forwarding decisions of an L2 learning switch whose
 * ports are the VMs' virtio-net devices (device/virtio/virtio_net.c).  Pure logic: no locks
 * (the caller serialises every call), no hypervisor globals, time passed in by the caller
 * in its own units, so the host unit tests run it as is.
 *
 * Ports.  Each port has its own MAC address (the device's configured one), a static entry:
 * frames to it go to that port, no other port may use it as a source address, and two
 * ports cannot share one.
 *
 * Learning.  Other source addresses seen on a port (a bridge or containers inside a VM) are
 * learned in a table of NET_SWITCH_BUCKETS x NET_SWITCH_WAYS entries, hashed by address.
 * An entry expires `ageing` time units after its address was last seen as a source; when
 * every way of its bucket is live, a new address replaces the one seen least recently, so
 * the table is bounded whatever the guests send.  An address seen on another port moves.
 *
 * Forwarding of a frame that came in on port `in`:
 *   - dropped as bad (negative return): shorter than the Ethernet header, longer than
 *     NET_FRAME_MAX, a multicast or all-zero source address, or the address of another
 *     port as source (spoofing);
 *   - destination multicast or broadcast (the I/G bit): every other port (flood), so ARP,
 *     DHCP and IPv6 neighbour discovery work;
 *   - destination a port's address or a learned one: that port;
 *   - unknown unicast destination: flood;
 * and never back to `in`.  Whether a port can take the frame (driver up, a free receive
 * buffer) is the caller's business: a port that cannot simply drops it.
 */
#ifndef DEVICE_VIRTIO_NET_SWITCH_H
#define DEVICE_VIRTIO_NET_SWITCH_H

#include <kernel/types.h>

#define ETH_ALEN      6
#define ETH_HLEN      14   /* destination, source, EtherType */
#define NET_MTU       1500 /* payload bytes of a frame */
#define NET_VLAN_HLEN 4    /* an 802.1Q tag */
/* The longest frame switched (without FCS): header, one VLAN tag, MTU bytes of payload;
 * Linux's virtio-net receive buffers hold exactly this much (GOOD_PACKET_LEN). */
#define NET_FRAME_MAX (ETH_HLEN + NET_VLAN_HLEN + NET_MTU)

#define NET_SWITCH_MAX_PORTS 64 /* a port set is a u64 */
#define NET_SWITCH_BUCKETS   64
#define NET_SWITCH_WAYS      4

/* Why a frame was dropped as bad (negative). */
enum net_switch_err {
    NET_SWITCH_SHORT = -1,   /* shorter than ETH_HLEN */
    NET_SWITCH_LONG = -2,    /* longer than NET_FRAME_MAX */
    NET_SWITCH_BAD_SRC = -3, /* source address multicast or zero */
    NET_SWITCH_SPOOFED = -4, /* source address of another port */
    NET_SWITCH_NO_PORT = -5, /* the input port is not in use (caller bug) */
};

struct net_fdb_entry {
    u8 mac[ETH_ALEN];
    bool valid;
    u8 port;
    u64 seen; /* time the address was last seen as a source */
};

struct net_switch {
    u64 ageing;
    u64 ports; /* set of ports in use */
    u8 port_mac[NET_SWITCH_MAX_PORTS][ETH_ALEN];
    struct net_fdb_entry fdb[NET_SWITCH_BUCKETS][NET_SWITCH_WAYS];
};

/* No port, nothing learned; learned addresses live `ageing` time units. */
void net_switch_init(struct net_switch *sw, u64 ageing);

/* True for an address a port can have: unicast and not all zeroes. */
bool net_mac_valid(const u8 mac[ETH_ALEN]);

/* A new port with address mac: its number (0..NET_SWITCH_MAX_PORTS-1), or -EINVAL (not a
 * valid address), -EEXIST (another port has it) or -ENOSPC (every port is in use).  A
 * learned entry for mac is forgotten. */
int net_switch_add_port(struct net_switch *sw, const u8 mac[ETH_ALEN]);
/* Removes the port and everything learned on it; its number may be handed out again. */
void net_switch_remove_port(struct net_switch *sw, u32 port);

/* Learns the frame's source address on port `in` at time `now` and stores in *out the set
 * of ports the frame goes to (possibly empty); 0, or a negative net_switch_err for a bad
 * frame, which is neither learned from nor forwarded (*out = 0). */
int net_switch_forward(struct net_switch *sw, u32 in, const u8 *frame, u32 len, u64 now, u64 *out);

/* A short description of a net_switch_err. */
const char *net_switch_strerror(int err);

#endif

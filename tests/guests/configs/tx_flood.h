/*
 * The virtio-net transmit flood (configs/tx_flood.c, txflood_watch.c, txflood_flooder.c):
 * what the two guests and the configuration share.
 */
#ifndef TX_FLOOD_H
#define TX_FLOOD_H

#include "test_layout.h"

#define TXFLOOD_FLOODER_ID 1 /* the flooding VM's id (VM 0 watches it) */
/* The flooder's virtio-net device, where QEMU virt has its first virtio slot. */
#define TXFLOOD_VNET_BASE 0x10001000UL
#define TXFLOOD_VNET_SIZE 0x1000UL
#define TXFLOOD_VNET_IRQ  1
#define TXFLOOD_VNET_MAC  0x02, 0x00, 0x00, 0x00, 0x00, 0x51
#define TXFLOOD_MAC_BYTES 6
/* How long the flooder's second vCPU refills the transmit queue. */
#define TXFLOOD_FLOOD_MS 1000

#endif

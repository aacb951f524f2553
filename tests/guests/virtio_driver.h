/*
 * The driver's side of virtio-mmio version 2 (virtio 1.2 §4.2.2) for test guests: register
 * offsets, device status and interrupt bits, the features they negotiate.  Written from the
 * specification, not shared with the hypervisor's device/include/device/virtio, so that a
 * wrong constant there is not repeated here.
 */
#ifndef TESTS_GUESTS_VIRTIO_DRIVER_H
#define TESTS_GUESTS_VIRTIO_DRIVER_H

#define REG_DEV_SEL     0x014
#define REG_DRV_FEAT    0x020
#define REG_DRV_SEL     0x024
#define REG_QUEUE_SEL   0x030
#define REG_QUEUE_MAX   0x034
#define REG_QUEUE_NUM   0x038
#define REG_QUEUE_READY 0x044
#define REG_NOTIFY      0x050
#define REG_INT_STATUS  0x060
#define REG_INT_ACK     0x064
#define REG_STATUS      0x070
#define REG_DESC_LO     0x080
#define REG_DESC_HI     0x084
#define REG_AVAIL_LO    0x090
#define REG_AVAIL_HI    0x094
#define REG_USED_LO     0x0a0
#define REG_USED_HI     0x0a4
#define REG_CONFIG      0x100

#define S_ACK         0x01
#define S_DRIVER      0x02
#define S_DRIVER_OK   0x04
#define S_FEATURES_OK 0x08
#define S_NEEDS_RESET 0x40

#define INT_USED   0x1
#define INT_CONFIG 0x2

#define F_INDIRECT  (1U << 28) /* feature word 0 */
#define F_VERSION_1 (1U << 0)  /* feature word 1 */

#endif

/*
 * The virtio 1.2 constants the unit tests' drivers use, spelled out from the specification
 * rather than taken from the device's headers, so that a wrong constant there fails a test:
 * virtio-mmio registers (§4.2.2), device status (§2.1), feature bits (§6), InterruptStatus
 * bits (§4.2.2) and ring flags (§2.7).
 */
#ifndef UNIT_VIRTIO_DRIVER_DEFS_H
#define UNIT_VIRTIO_DRIVER_DEFS_H

#define MAGIC             0x000
#define VERSION           0x004
#define DEVICE_ID         0x008
#define VENDOR_ID         0x00c
#define DEVICE_FEATURES   0x010
#define DEVICE_FEAT_SEL   0x014
#define DRIVER_FEATURES   0x020
#define DRIVER_FEAT_SEL   0x024
#define QUEUE_SEL         0x030
#define QUEUE_NUM_MAX     0x034
#define QUEUE_NUM         0x038
#define QUEUE_READY       0x044
#define QUEUE_NOTIFY      0x050
#define INTERRUPT_STATUS  0x060
#define INTERRUPT_ACK     0x064
#define STATUS            0x070
#define QUEUE_DESC_LOW    0x080
#define QUEUE_DESC_HIGH   0x084
#define QUEUE_DRIVER_LOW  0x090
#define QUEUE_DRIVER_HIGH 0x094
#define QUEUE_DEVICE_LOW  0x0a0
#define QUEUE_DEVICE_HIGH 0x0a4
#define SHM_SEL           0x0ac
#define SHM_LEN_LOW       0x0b0
#define SHM_BASE_HIGH     0x0bc
#define QUEUE_RESET       0x0c0
#define CONFIG_GENERATION 0x0fc
#define CONFIG            0x100

#define S_ACK         0x01
#define S_DRIVER      0x02
#define S_DRIVER_OK   0x04
#define S_FEATURES_OK 0x08
#define S_NEEDS_RESET 0x40
#define S_FAILED      0x80

#define F_INDIRECT   (1ULL << 28)
#define F_EVENT_IDX  (1ULL << 29)
#define F_VERSION_1  (1ULL << 32)
#define F_RING_RESET (1ULL << 40)

#define INT_USED   1
#define INT_CONFIG 2

#define D_NEXT       1 /* descriptor flags */
#define D_WRITE      2
#define NO_INTERRUPT 1 /* avail.flags */
#define NO_NOTIFY    1 /* used.flags */

#endif

/* The mediated virtio-blk devices of configs/mediated_mvm.c, shared with its test guest. */
#ifndef MEDIATED_LAYOUT_H
#define MEDIATED_LAYOUT_H

#define TEST_BLK_BASE(n)  (0x30000000UL + 0x1000UL * (n))
#define TEST_BLK_SIZE     0x1000UL
#define TEST_BLK_IRQ(n)   (10 + (n))
#define TEST_BLK0_SECTORS 64
#define TEST_BLK1_SECTORS 1000

#endif

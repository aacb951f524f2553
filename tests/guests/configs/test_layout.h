/* Guest-physical layout shared by the test configurations and the test guests. */
#ifndef TEST_LAYOUT_H
#define TEST_LAYOUT_H

#define TEST_RAM_BASE         0x90000000UL
#define TEST_RAM_SIZE         0x2000000UL /* 32 MiB */
#define TEST_SCRATCH_BASE     0x20000000UL
#define TEST_SCRATCH_SIZE     0x1000UL
#define TEST_SCRATCH_DOORBELL 0xF00UL /* a write raises TEST_SCRATCH_IRQ (device/scratch_dev.c) */
#define TEST_SCRATCH_IRQ      20
#define TEST_SHYPER_IRQ       69 /* the MVM's notification interrupt (configs/hc_mvm.c) */
#define TEST_VPLIC_BASE       0x0C000000UL
#define TEST_VPLIC_SIZE       0x600000UL

#endif

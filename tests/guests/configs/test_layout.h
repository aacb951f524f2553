/* Guest-physical layout shared by the test configurations and the test guests. */
#ifndef TEST_LAYOUT_H
#define TEST_LAYOUT_H

#define TEST_RAM_BASE 0x90000000UL
#define TEST_RAM_SIZE 0x2000000UL /* 32 MiB */
#define TEST_SCRATCH_BASE 0x20000000UL
#define TEST_SCRATCH_SIZE 0x1000UL

#endif

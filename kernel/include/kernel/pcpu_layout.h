/* Per-hart limits shared by C and assembly. */
#ifndef KERNEL_PCPU_LAYOUT_H
#define KERNEL_PCPU_LAYOUT_H

#define MAX_HARTS       8
#define PCPU_STACK_SIZE 16384

#endif

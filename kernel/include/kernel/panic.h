/* Fatal hypervisor errors.  A guest's misbehaviour never calls these: see vm_stop(). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <kernel/types.h>

void panic(const char *fmt, ...) __noreturn __attribute__((format(printf, 1, 2)));

#define BUG_ON(cond)                                                                               \
    do {                                                                                           \
        if (unlikely(cond))                                                                        \
            panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);                               \
    } while (0)

#endif

/* NS16550A UART, polled: the hypervisor's console when the host DTB has one. */
#ifndef DEVICE_UART16550_H
#define DEVICE_UART16550_H

#include <kernel/log.h>
#include <kernel/types.h>

/* Returns the console backend for the UART at base (already set up by firmware). */
const struct console_ops *uart16550_console(paddr_t base, u32 reg_shift);

#endif

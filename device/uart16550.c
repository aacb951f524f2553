/* NS16550A polled driver (see uart16550.h).  Firmware has programmed the baud rate. */
#include <device/uart16550.h>

#define UART_THR      0
#define UART_RBR      0
#define UART_LSR      5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20

static volatile u8 *uart_base;
static u32 uart_shift;

static volatile u8 *reg(int r)
{
    return uart_base + (r << uart_shift);
}

static void uart_putc(char c)
{
    while (!(*reg(UART_LSR) & UART_LSR_THRE))
        ;
    *reg(UART_THR) = (u8)c;
}

static int uart_getc(void)
{
    return (*reg(UART_LSR) & UART_LSR_DR) ? *reg(UART_RBR) : -1;
}

static const struct console_ops uart_ops = {
    .putc = uart_putc,
    .getc = uart_getc,
};

const struct console_ops *uart16550_console(paddr_t base, u32 reg_shift)
{
    uart_base = (volatile u8 *)base;
    uart_shift = reg_shift;
    return &uart_ops;
}

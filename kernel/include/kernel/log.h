/*
 * Hypervisor console and log.  Every line is prefixed with the time since boot,
 * the level and the hart: "[    0.012345] I h0: message".
 * LOG_LEVEL (build-time, default LOG_INFO) drops less important lines.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <kernel/types.h>
#include <stdarg.h>

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_INFO
#endif

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (LOG_LEVEL >= LOG_DEBUG)                                                                \
            log_printf(LOG_DEBUG, __VA_ARGS__);                                                    \
    } while (0)

/* Formatted output without a prefix (banner, dumps). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Raw bytes to the console, e.g. a guest's debug-console output. */
void console_write(const char *buf, size_t len);
/* Console output backend (UART or SBI DBCN), selected by console_init(). */
struct console_ops {
    void (*putc)(char c);
    int (*getc)(void); /* -1 when no character is waiting */
};
void console_set_backend(const struct console_ops *ops);
int console_getc(void);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

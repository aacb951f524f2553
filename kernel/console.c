/* Hypervisor console: serialised output lines with time, level and hart (see log.h). */
#include <kernel/log.h>
#include <kernel/pcpu.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>

#define LINE_MAX 256

static spinlock_t console_lock = SPINLOCK_INIT;
static const struct console_ops *backend;

static const char level_letter[] = {'E', 'W', 'I', 'D'};

void console_set_backend(const struct console_ops *ops)
{
    backend = ops;
}

static void emit(const char *buf, size_t len)
{
    if (!backend)
        return;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            backend->putc('\r');
        backend->putc(buf[i]);
    }
}

void console_write(const char *buf, size_t len)
{
    spin_lock(&console_lock);
    emit(buf, len);
    spin_unlock(&console_lock);
}

int console_getc(void)
{
    return backend && backend->getc ? backend->getc() : -1;
}

void console_printf(const char *fmt, ...)
{
    char line[LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    console_write(line, MIN((size_t)n, sizeof(line) - 1));
}

void log_printf(enum log_level level, const char *fmt, ...)
{
    char line[LINE_MAX];
    va_list ap;

    if (level > LOG_LEVEL)
        return;
    u64 us = time_freq() ? time_now() * 1000000 / time_freq() : 0;
    int n = snprintf(line, sizeof(line), "[%5lu.%06lu] %c h%u: ", us / 1000000, us % 1000000,
                     level_letter[level], this_hartid());
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    console_write(line, n);
}

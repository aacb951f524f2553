#include "config_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void config_diag_init(struct config_diag *diag)
{
    memset(diag, 0, sizeof(*diag));
}

bool config_diag_path_failed(const struct config_diag *diag, const char *path)
{
    for (unsigned i = 0; i < diag->count; i++) {
        const struct config_diag_entry *e = &diag->entries[i];
        if (e->severity == CONFIG_ERROR && strcmp(e->path, path) == 0)
            return true;
    }
    return false;
}

static void record(struct config_diag *diag, enum config_severity severity, const char *path,
                   const char *fmt, va_list ap)
{
    if (severity == CONFIG_ERROR)
        diag->errors++;
    else
        diag->warnings++;
    if (diag->count == CONFIG_DIAG_MAX) {
        diag->truncated = true;
        return;
    }
    struct config_diag_entry *e = &diag->entries[diag->count++];
    e->severity = severity;
    snprintf(e->path, sizeof(e->path), "%s", path);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void config_error(struct config_diag *diag, const char *path, const char *fmt, ...)
{
    if (config_diag_path_failed(diag, path))
        return;
    va_list ap;
    va_start(ap, fmt);
    record(diag, CONFIG_ERROR, path, fmt, ap);
    va_end(ap);
}

void config_warning(struct config_diag *diag, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(diag, CONFIG_WARNING, path, fmt, ap);
    va_end(ap);
}

void config_path_key(char out[CONFIG_PATH_SIZE], const char *parent, const char *key)
{
    if (parent[0])
        snprintf(out, CONFIG_PATH_SIZE, "%s.%s", parent, key);
    else
        snprintf(out, CONFIG_PATH_SIZE, "%s", key);
}

void config_path_index(char out[CONFIG_PATH_SIZE], const char *parent, unsigned index)
{
    snprintf(out, CONFIG_PATH_SIZE, "%s[%u]", parent, index);
}

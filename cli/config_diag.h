/* Diagnostics collected while reading a configuration file, and the JSON paths they name.
 *
 * Every diagnostic names the JSON path of the field it is about ("memory.region[0].length") and a
 * reason ("\"0x4000000g\" is not a hex number").  Only the first error for a path is kept, so one
 * bad field yields one line; errors for other fields keep accumulating so that a user sees every
 * problem in one run.  At most CONFIG_DIAG_MAX entries are kept; later ones only set `truncated`
 * (like a compiler's -fmax-errors).  Nothing here does I/O: the caller prints the entries.
 */
#ifndef SHYPER_CLI_CONFIG_DIAG_H
#define SHYPER_CLI_CONFIG_DIAG_H

#include <stdbool.h>

#define CONFIG_DIAG_MAX      32
#define CONFIG_PATH_SIZE     128
#define CONFIG_DIAG_MSG_SIZE 256

enum config_severity {
    CONFIG_ERROR,
    CONFIG_WARNING,
};

struct config_diag_entry {
    enum config_severity severity;
    char path[CONFIG_PATH_SIZE]; /* "" for file-level problems such as a syntax error */
    char msg[CONFIG_DIAG_MSG_SIZE];
};

struct config_diag {
    unsigned count;    /* entries stored */
    unsigned errors;   /* errors reported, including any beyond the table */
    unsigned warnings; /* warnings reported, including any beyond the table */
    bool truncated;    /* more diagnostics were reported than fit */
    struct config_diag_entry entries[CONFIG_DIAG_MAX];
};

void config_diag_init(struct config_diag *diag);

/* Record an error for `path` unless that path already has one. */
void config_error(struct config_diag *diag, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record a warning: the file is accepted, but something in it is probably not what was meant. */
void config_warning(struct config_diag *diag, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether an error has already been recorded for exactly `path`. */
bool config_diag_path_failed(const struct config_diag *diag, const char *path);

/* Child paths: config_path_key(out, "memory", "region") is "memory.region" (just "region" when
 * the parent is ""), config_path_index(out, "memory.region", 0) is "memory.region[0]". */
void config_path_key(char out[CONFIG_PATH_SIZE], const char *parent, const char *key);
void config_path_index(char out[CONFIG_PATH_SIZE], const char *parent, unsigned index);

#endif

/* The `shyper` command line: command groups ("vm", "system"), each a table of commands, in the
 * style of git and jailhouse.  A group lives in its own file (cmd_vm.c, cmd_system.c); adding a
 * command is adding a row to its group's table.
 */
#ifndef SHYPER_CLI_CLI_H
#define SHYPER_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "config_diag.h"

#define CLI_PROGRAM "shyper"

/* Exit status, documented in `shyper --help`; scripts rely on these. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_RUNTIME = 1,     /* the operation failed: I/O, the module or the hypervisor */
    CLI_EXIT_USAGE = 2,       /* bad arguments, or an unreadable or invalid configuration file */
    CLI_EXIT_UNAVAILABLE = 3, /* no /dev/shyper (module not loaded, or not in the MVM), or the
                               * hypervisor does not offer the function */
};

struct cli_command {
    const char *name;
    const char *args;    /* synopsis after the name: "[--check] <file.json>" */
    const char *summary; /* one line, for the group's command list */
    const char *help;    /* further lines for `--help` (options, behaviour), or NULL */
    /* Run with argv[0] = the command's name; --help has been handled. Returns an enum cli_exit. */
    int (*run)(int argc, char **argv);
};

struct cli_group {
    const char *name;
    const char *summary;
    const struct cli_command *commands; /* ends with an entry whose name is NULL */
};

extern const struct cli_group cli_vm_group;
extern const struct cli_group cli_system_group;

/* Dispatch argv[1] (argv[0] is the group's name) to a command of `group`. */
int cli_group_main(const struct cli_group *group, int argc, char **argv);

/* List a group's commands with their synopsis and summary. */
void cli_print_commands(FILE *out, const struct cli_group *group);

/* Whether `arg` asks for help: "-h", "--help" or "help". */
bool cli_is_help(const char *arg);

/* Print "shyper <group> <command>: <message>" and a pointer to --help to stderr; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *group, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Read a configuration file into a NUL-terminated heap buffer.  On failure prints why to stderr
 * and returns false. */
bool cli_read_config(const char *path, char **text, size_t *len);

/* Print diagnostics to stderr, one per line: "<file>: error: <path>: <reason>". */
void cli_print_diag(const char *file, const struct config_diag *diag);

#endif

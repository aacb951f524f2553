#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_fields.h"

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "help") == 0;
}

/* Width of the synopsis column in command lists; longer synopses get their own line. */
#define SYNOPSIS_WIDTH 36

void cli_print_commands(FILE *out, const struct cli_group *group)
{
    for (const struct cli_command *c = group->commands; c->name; c++) {
        char synopsis[80];
        snprintf(synopsis, sizeof(synopsis), "%s %s %s", group->name, c->name, c->args);
        if (strlen(synopsis) > SYNOPSIS_WIDTH) {
            /* sizeof counts the NUL, which stands for the space after the program name */
            int indent = (int)(sizeof(CLI_PROGRAM) + SYNOPSIS_WIDTH + 1);
            fprintf(out, "  %s %s\n  %*s", CLI_PROGRAM, synopsis, indent, "");
        } else {
            fprintf(out, "  %s %-*s ", CLI_PROGRAM, SYNOPSIS_WIDTH, synopsis);
        }
        fprintf(out, "%s\n", c->summary);
    }
}

static void print_group_help(FILE *out, const struct cli_group *group)
{
    fprintf(out, "usage: %s %s <command> [<args>]\n\n%s\n\ncommands:\n", CLI_PROGRAM, group->name,
            group->summary);
    cli_print_commands(out, group);
    fprintf(out, "\nRun '%s %s <command> --help' for a command's options.\n", CLI_PROGRAM,
            group->name);
}

static void print_command_help(const struct cli_group *group, const struct cli_command *c)
{
    printf("usage: %s %s %s %s\n\n%s\n", CLI_PROGRAM, group->name, c->name, c->args, c->summary);
    if (c->help)
        printf("\n%s", c->help);
}

/* Whether an argument before "--" asks for help. */
static bool asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int cli_group_main(const struct cli_group *group, int argc, char **argv)
{
    if (argc < 2) {
        print_group_help(stderr, group);
        return CLI_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        print_group_help(stdout, group);
        return CLI_EXIT_OK;
    }
    for (const struct cli_command *c = group->commands; c->name; c++) {
        if (strcmp(c->name, argv[1]) != 0)
            continue;
        if (asks_help(argc - 1, argv + 1)) {
            print_command_help(group, c);
            return CLI_EXIT_OK;
        }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "%s %s: unknown command '%s'\n\n", CLI_PROGRAM, group->name, argv[1]);
    print_group_help(stderr, group);
    return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *group, const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s %s: ", CLI_PROGRAM, group, command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s %s %s --help'.\n", CLI_PROGRAM, group, command);
    return CLI_EXIT_USAGE;
}

bool cli_read_config(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return false;
    }
    /* Read one byte more than allowed to detect files that are too large. */
    char *buf = malloc(JSON_TEXT_MAX + 2);
    size_t n = buf ? fread(buf, 1, JSON_TEXT_MAX + 1, f) : 0;
    bool failed = !buf || ferror(f);
    int err = errno;
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: %s\n", path, buf ? strerror(err) : "out of memory");
        free(buf);
        return false;
    }
    if (n > JSON_TEXT_MAX) {
        fprintf(stderr, "%s: larger than %u bytes; not a configuration file\n", path,
                JSON_TEXT_MAX);
        free(buf);
        return false;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return true;
}

void cli_print_diag(const char *file, const struct config_diag *diag)
{
    for (unsigned i = 0; i < diag->count; i++) {
        const struct config_diag_entry *e = &diag->entries[i];
        const char *severity = e->severity == CONFIG_ERROR ? "error" : "warning";
        if (e->path[0])
            fprintf(stderr, "%s: %s: %s: %s\n", file, severity, e->path, e->msg);
        else
            fprintf(stderr, "%s: %s: %s\n", file, severity, e->msg);
    }
    if (diag->truncated)
        fprintf(stderr, "%s: too many problems; only the first %d are shown\n", file,
                CONFIG_DIAG_MAX);
}

/* shyper: the management command line of the Shyper hypervisor, run in the MVM. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_group *const groups[] = {
    &cli_vm_group,
    &cli_system_group,
};

#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: %s <group> <command> [<args>]\n\n"
            "Manage the guest VMs of the Shyper hypervisor from its management VM.\n\n"
            "commands:\n",
            CLI_PROGRAM);
    for (size_t i = 0; i < GROUP_COUNT; i++)
        cli_print_commands(out, groups[i]);
    fprintf(out,
            "\nRun '%s <group> --help' or '%s <group> <command> --help' for details.\n\n"
            "exit status:\n"
            "  %d  success\n"
            "  %d  the operation failed (I/O, kernel module or hypervisor error)\n"
            "  %d  usage or configuration error (bad arguments, unreadable or invalid file)\n"
            "  %d  the hypervisor cannot be reached: no /dev/shyper (shyper.ko not loaded, or\n"
            "     not in the management VM), or it does not offer the function\n",
            CLI_PROGRAM, CLI_PROGRAM, CLI_EXIT_OK, CLI_EXIT_RUNTIME, CLI_EXIT_USAGE,
            CLI_EXIT_UNAVAILABLE);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < GROUP_COUNT; i++) {
        if (strcmp(groups[i]->name, argv[1]) == 0)
            return cli_group_main(groups[i], argc - 1, argv + 1);
    }
    fprintf(stderr, "%s: unknown command group '%s'\n\n", CLI_PROGRAM, argv[1]);
    print_help(stderr);
    return CLI_EXIT_USAGE;
}

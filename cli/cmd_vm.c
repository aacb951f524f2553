/* `shyper vm ...`: configure and manage guest VMs. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_number.h"
#include "vm_config.h"
#include "vm_config_print.h"

static const char group[] = "vm";

/* ---------------------------------------------------------------- arguments */

/* Parse a non-negative integer argument no larger than `max`. */
static bool parse_uint(const char *arg, unsigned max, unsigned *value)
{
    uint64_t v;
    if (number_from_string(arg, NUMBER_ANY, &v) != NULL || v > max)
        return false;
    *value = (unsigned)v;
    return true;
}

/* The arguments of the commands that act on one VM: [-f|--force] <id>. */
struct vm_target {
    unsigned id;
    bool force;
};

static int parse_target(int argc, char **argv, bool allow_force, struct vm_target *target)
{
    const char *id = NULL;
    target->force = false;
    for (int i = 1; i < argc; i++) {
        if (allow_force && (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0))
            target->force = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(group, argv[0], "unknown option '%s'", argv[i]);
        else if (id)
            return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[i]);
        else
            id = argv[i];
    }
    if (!id)
        return cli_usage_error(group, argv[0], "missing <id>");
    if (!parse_uint(id, VM_NUM_MAX - 1, &target->id))
        return cli_usage_error(group, argv[0], "'%s' is not a VM id (0..%d)", id, VM_NUM_MAX - 1);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- vm config */

struct config_args {
    const char *file;
    bool check_only;
    struct vm_machine machine;
};

static int parse_config_args(int argc, char **argv, struct config_args *args)
{
    *args = (struct config_args){.machine = VM_MACHINE_DEFAULT};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            args->check_only = true;
        } else if (strcmp(argv[i], "--harts") == 0) {
            if (++i == argc || !parse_uint(argv[i], VM_HART_MAX, &args->machine.hart_count) ||
                args->machine.hart_count == 0)
                return cli_usage_error(group, argv[0], "--harts needs a number in 1..%d",
                                       VM_HART_MAX);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(group, argv[0], "unknown option '%s'", argv[i]);
        } else if (args->file) {
            return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[i]);
        } else {
            args->file = argv[i];
        }
    }
    if (!args->file)
        return cli_usage_error(group, argv[0], "missing <file.json>");
    return CLI_EXIT_OK;
}

static int cmd_config(int argc, char **argv)
{
    struct config_args args;
    int status = parse_config_args(argc, argv, &args);
    if (status != CLI_EXIT_OK)
        return status;

    char *text;
    size_t len;
    if (!cli_read_config(args.file, &text, &len))
        return CLI_EXIT_USAGE;
    struct vm_config_spec cfg;
    struct config_diag diag;
    config_diag_init(&diag);
    bool ok = vm_config_load(text, len, &args.machine, &cfg, &diag);
    free(text);
    cli_print_diag(args.file, &diag);
    if (!ok) {
        fprintf(stderr, "%s: %u error%s; the VM was not configured\n", args.file, diag.errors,
                diag.errors == 1 ? "" : "s");
        return CLI_EXIT_USAGE;
    }
    if (!args.check_only)
        return cli_unavailable(group, argv[0]);
    vm_config_print_summary(stdout, &cfg);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- commands needing the module */

static int cmd_list(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[1]);
    return cli_unavailable(group, argv[0]);
}

static int run_on_vm(int argc, char **argv, bool allow_force)
{
    struct vm_target target;
    int status = parse_target(argc, argv, allow_force, &target);
    return status != CLI_EXIT_OK ? status : cli_unavailable(group, argv[0]);
}

static int cmd_on_vm(int argc, char **argv)
{
    return run_on_vm(argc, argv, false);
}

static int cmd_on_vm_forced(int argc, char **argv)
{
    return run_on_vm(argc, argv, true);
}

/* ---------------------------------------------------------------- table */

static const char config_help[] =
    "Reads a VM configuration (JSON; // and /* */ comments allowed), checks it and hands it\n"
    "to the hypervisor, which answers with the new VM's id.  The VM is not started: use\n"
    "'shyper vm boot <id>'.  Problems are reported one per line as\n"
    "  <file>: error: <json path>: <reason>\n"
    "and nothing is configured if there is any error.\n"
    "\n"
    "options:\n"
    "  --check      only check the file and print a summary of the VM (no kernel module\n"
    "               needed; works on any Linux host)\n"
    "  --harts <n>  with --check: the machine has harts 0..n-1 (default 8)\n";

static const char force_help[] = "options:\n"
                                 "  -f, --force  do not wait for the guest to cooperate\n";

static const struct cli_command vm_commands[] = {
    {"config", "[--check] [--harts <n>] <file.json>", "configure a VM from a JSON file",
     config_help, cmd_config},
    {"boot", "<id>", "start a configured VM", NULL, cmd_on_vm},
    {"list", "", "list the VMs: id, name, state, harts, memory, devices", NULL, cmd_list},
    {"remove", "<id>", "stop a VM and free its memory, harts and devices", NULL, cmd_on_vm},
    {"reboot", "[-f] <id>", "restart a VM", force_help, cmd_on_vm_forced},
    {"shutdown", "[-f] <id>", "stop a VM, keeping its configuration", force_help, cmd_on_vm_forced},
    {"info", "<id>", "print a VM's configuration and state as JSON", NULL, cmd_on_vm},
    {"stats", "<id>", "print a VM's exit counters by cause", NULL, cmd_on_vm},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cli_group cli_vm_group = {
    .name = group,
    .summary = "Configure and manage guest VMs.",
    .commands = vm_commands,
};

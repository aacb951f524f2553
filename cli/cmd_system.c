/* `shyper system ...`: the MVM-side services of the hypervisor. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mediated_config.h"

static const char group[] = "system";

/* Read and check a mediated-disk list; prints the problems.  Returns an enum cli_exit. */
static int load_mediated(const char *file, struct mediated_config *cfg)
{
    char *text;
    size_t len;
    if (!cli_read_config(file, &text, &len))
        return CLI_EXIT_USAGE;
    struct config_diag diag;
    config_diag_init(&diag);
    bool ok = mediated_config_parse(text, len, cfg, &diag);
    free(text);
    cli_print_diag(file, &diag);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

static void print_disks(const struct mediated_config *cfg)
{
    printf("%u mediated disk%s\n", cfg->count, cfg->count == 1 ? "" : "s");
    for (unsigned i = 0; i < cfg->count; i++)
        printf("  [%u] %s\n", i, cfg->paths[i]);
}

static int cmd_daemon(int argc, char **argv)
{
    const char *file = NULL;
    bool check_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check_only = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(group, argv[0], "unknown option '%s'", argv[i]);
        else if (file)
            return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[i]);
        else
            file = argv[i];
    }
    if (check_only && !file)
        return cli_usage_error(group, argv[0], "--check needs a <mediated-cfg.json>");

    struct mediated_config cfg;
    int status = file ? load_mediated(file, &cfg) : CLI_EXIT_OK;
    if (status != CLI_EXIT_OK)
        return status;
    if (!check_only)
        return cli_unavailable(group, argv[0]);
    print_disks(&cfg);
    return CLI_EXIT_OK;
}

static const char daemon_help[] =
    "Serves the hypervisor's requests for the MVM: mediated disk I/O for guests and VM\n"
    "reboots.  Run it in the background once, after loading the kernel module.  The optional\n"
    "file lists the disks (images or block devices) behind the guests' mediated virtio-blk\n"
    "devices, in order:\n"
    "  { \"mediated\": [ \"/root/vm1.img\", \"/dev/sda1\" ] }\n"
    "Without it, no mediated disk is served.\n"
    "\n"
    "options:\n"
    "  --check      only check the file and list its disks\n";

static const struct cli_command system_commands[] = {
    {"daemon", "[--check] [<mediated-cfg.json>]", "serve mediated disks and VM requests",
     daemon_help, cmd_daemon},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cli_group cli_system_group = {
    .name = group,
    .summary = "Services the MVM provides for the hypervisor.",
    .commands = system_commands,
};

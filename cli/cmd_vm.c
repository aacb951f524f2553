/* `shyper vm ...`: configure and manage guest VMs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config_number.h"
#include "shyper_dev.h"
#include "vm_config.h"
#include "vm_config_print.h"
#include "vm_image.h"
#include "vm_show.h"
#include "vm_spec.h"

#define HART_MASK_BITS 64
#define WHO_SIZE       64 /* "shyper vm config" */

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

/* The arguments of the commands that act on one VM: <id>, and for some [-f|--force], which is
 * accepted for Rust-Shyper's scripts and changes nothing (see force_help). */
struct vm_target {
    unsigned id;
};

static bool is_force(const char *arg)
{
    return strcmp(arg, "-f") == 0 || strcmp(arg, "--force") == 0;
}

static int parse_target(int argc, char **argv, bool allow_force, struct vm_target *target)
{
    const char *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (allow_force && is_force(argv[i]))
            continue;
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

/* ---------------------------------------------------------------- the device */

/* Opens /dev/shyper for a command; on failure prints why and returns -1 with *status set. */
static int open_dev(int *status)
{
    int fd = shyper_dev_open(O_RDWR);
    if (fd < 0)
        *status = shyper_dev_open_error(errno);
    return fd;
}

/* Fetches VM id's record; on failure prints why (naming the command) and returns the exit
 * status. */
static int get_vm(int fd, const char *command, unsigned id, struct shyper_vm_info *info)
{
    int err = shyper_dev_vm_info(fd, id, info);
    if (err == EINVAL)
        fprintf(stderr, "%s %s %s: there is no VM %u\n", CLI_PROGRAM, group, command, id);
    else if (err)
        fprintf(stderr, "%s %s %s: VM %u: %s\n", CLI_PROGRAM, group, command, id,
                shyper_dev_strerror(err));
    return err ? shyper_dev_status(err) : CLI_EXIT_OK;
}

/* A VM's name as a C string (the hypervisor's need not be terminated). */
static void vm_name(char out[SHYPER_NAME_MAX + 1], const struct shyper_vm_info *info)
{
    memcpy(out, info->name, SHYPER_NAME_MAX);
    out[SHYPER_NAME_MAX] = '\0';
}

/* ---------------------------------------------------------------- vm config */

struct config_args {
    const char *file;
    bool check_only;
    bool harts_given;
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
            args->harts_given = true;
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
    if (args->harts_given && !args->check_only)
        return cli_usage_error(group, argv[0],
                               "--harts goes with --check; otherwise the hypervisor knows");
    return CLI_EXIT_OK;
}

/* The machine the hypervisor runs on: its harts, and the MVM's, which no guest may use. */
static void machine_from_hypervisor(int fd, struct vm_machine *machine)
{
    struct shyper_system_info sys;
    struct shyper_vm_info mvm;
    if (shyper_dev_system_info(fd, &sys) == 0 && sys.hart_mask) {
        unsigned top = HART_MASK_BITS - (unsigned)__builtin_clzll(sys.hart_mask);
        machine->hart_count = top < VM_HART_MAX ? top : VM_HART_MAX;
    }
    if (shyper_dev_vm_info(fd, 0, &mvm) == 0)
        machine->reserved_harts = (uint32_t)mvm.hart_mask;
}

/* Reads and checks the file; prints the problems.  Returns an enum cli_exit. */
static int load_config(const struct config_args *args, struct vm_config_spec *cfg)
{
    char *text;
    size_t len;
    if (!cli_read_config(args->file, &text, &len))
        return CLI_EXIT_USAGE;
    struct config_diag diag;
    config_diag_init(&diag);
    bool ok = vm_config_load(text, len, &args->machine, cfg, &diag);
    free(text);
    cli_print_diag(args->file, &diag);
    if (!ok) {
        fprintf(stderr, "%s: %u error%s; the VM was not configured\n", args->file, diag.errors,
                diag.errors == 1 ? "" : "s");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Opens the images and builds the hypervisor's spec.  Returns an enum cli_exit. */
static int prepare_spec(const char *file, const struct vm_config_spec *cfg,
                        struct vm_images *images, struct shyper_vm_spec *spec)
{
    struct vm_image_sizes sizes;
    struct config_diag diag;
    config_diag_init(&diag);
    bool ok =
        vm_images_open(cfg, images, &sizes, &diag) && vm_spec_from_config(cfg, &sizes, spec, &diag);
    cli_print_diag(file, &diag);
    if (!ok)
        fprintf(stderr, "%s: %u error%s; the VM was not configured\n", file, diag.errors,
                diag.errors == 1 ? "" : "s");
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* CREATE, then the images; a VM that cannot be completed is removed again. */
static int create_vm(int fd, const char *command, const struct shyper_vm_spec *spec,
                     const struct vm_images *images)
{
    char who[WHO_SIZE];
    uint32_t id;
    snprintf(who, sizeof(who), "%s %s %s", CLI_PROGRAM, group, command);
    int err = shyper_dev_vm_create(fd, spec, &id);
    if (err) {
        fprintf(stderr, "%s: the hypervisor did not create VM \"%s\": %s%s\n", who, spec->name,
                shyper_dev_strerror(err),
                err == EINVAL || err == EOPNOTSUPP ? " (its console says why)" : "");
        return shyper_dev_status(err);
    }
    err = vm_images_load(fd, id, images, who);
    if (err) {
        int rm = shyper_dev_vm_op(fd, SHYPER_IOC_VM_REMOVE, id);
        if (rm)
            fprintf(stderr, "%s: cannot remove the incomplete VM %u: %s\n", who, id,
                    shyper_dev_strerror(rm));
        return shyper_dev_status(err);
    }
    printf("VM %u \"%s\" configured\n", id, spec->name);
    return CLI_EXIT_OK;
}

static int configure(const struct config_args *args, int fd, const struct vm_config_spec *cfg,
                     const char *command)
{
    struct vm_images images;
    struct shyper_vm_spec *spec = malloc(sizeof(*spec));
    if (!spec) {
        fprintf(stderr, "%s %s %s: out of memory\n", CLI_PROGRAM, group, command);
        return CLI_EXIT_RUNTIME;
    }
    int status = prepare_spec(args->file, cfg, &images, spec);
    if (status == CLI_EXIT_OK)
        status = create_vm(fd, command, spec, &images);
    vm_images_close(&images);
    free(spec);
    return status;
}

static int cmd_config(int argc, char **argv)
{
    struct config_args args;
    int status = parse_config_args(argc, argv, &args);
    if (status != CLI_EXIT_OK)
        return status;

    /* The device is opened first so that the file is checked against the real machine;
     * without it, the file is still checked (against the default machine) before failing. */
    int fd = args.check_only ? -1 : shyper_dev_open(O_RDWR);
    int open_err = errno;
    if (fd >= 0)
        machine_from_hypervisor(fd, &args.machine);

    struct vm_config_spec *cfg = malloc(sizeof(*cfg));
    status = cfg ? load_config(&args, cfg) : CLI_EXIT_RUNTIME;
    if (!cfg)
        fprintf(stderr, "%s %s %s: out of memory\n", CLI_PROGRAM, group, argv[0]);
    else if (status == CLI_EXIT_OK && args.check_only)
        vm_config_print_summary(stdout, cfg);
    else if (status == CLI_EXIT_OK && fd < 0)
        status = shyper_dev_open_error(open_err);
    else if (status == CLI_EXIT_OK)
        status = configure(&args, fd, cfg, argv[0]);
    free(cfg);
    if (fd >= 0)
        close(fd);
    return status;
}

/* ---------------------------------------------------------------- vm list, info, stats */

static int cmd_list(int argc, char **argv)
{
    static struct shyper_vm_info vms[SHYPER_IOC_LIST_MAX];
    uint32_t count;
    int status;
    if (argc > 1)
        return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[1]);
    int fd = open_dev(&status);
    if (fd < 0)
        return status;
    int err = shyper_dev_vm_list(fd, vms, SHYPER_IOC_LIST_MAX, &count);
    close(fd);
    if (err) {
        fprintf(stderr, "%s %s %s: %s\n", CLI_PROGRAM, group, argv[0], shyper_dev_strerror(err));
        return shyper_dev_status(err);
    }
    vm_print_list(stdout, vms, count < SHYPER_IOC_LIST_MAX ? count : SHYPER_IOC_LIST_MAX);
    return CLI_EXIT_OK;
}

static int cmd_info(int argc, char **argv)
{
    struct vm_target target;
    struct shyper_vm_info info;
    int status = parse_target(argc, argv, false, &target);
    int fd = status == CLI_EXIT_OK ? open_dev(&status) : -1;
    if (fd < 0)
        return status;
    status = get_vm(fd, argv[0], target.id, &info);
    close(fd);
    if (status == CLI_EXIT_OK)
        vm_print_info(stdout, &info);
    return status;
}

static int cmd_stats(int argc, char **argv)
{
    struct vm_target target;
    struct shyper_vm_info info;
    struct shyper_vm_stats stats;
    int status = parse_target(argc, argv, false, &target);
    int fd = status == CLI_EXIT_OK ? open_dev(&status) : -1;
    if (fd < 0)
        return status;
    status = get_vm(fd, argv[0], target.id, &info);
    int err = status == CLI_EXIT_OK ? shyper_dev_vm_stats(fd, target.id, &stats) : 0;
    close(fd);
    if (err) {
        fprintf(stderr, "%s %s %s: VM %u: %s\n", CLI_PROGRAM, group, argv[0], target.id,
                shyper_dev_strerror(err));
        return shyper_dev_status(err);
    }
    if (status == CLI_EXIT_OK)
        vm_print_stats(stdout, &info, &stats);
    return status;
}

/* ---------------------------------------------------------------- boot, shutdown, reboot, remove
 */

struct vm_op {
    const char *command;
    unsigned long request;
    const char *done; /* "VM 1 \"name\" <done>" */
};

static const struct vm_op vm_ops[] = {
    {"boot", SHYPER_IOC_VM_BOOT, "booted"},
    {"shutdown", SHYPER_IOC_VM_SHUTDOWN, "shut down"},
    {"reboot", SHYPER_IOC_VM_REBOOT, "rebooted"},
    {"remove", SHYPER_IOC_VM_REMOVE, "removed"},
};

static const struct vm_op *find_op(const char *command)
{
    for (size_t i = 0; i < sizeof(vm_ops) / sizeof(vm_ops[0]); i++)
        if (strcmp(vm_ops[i].command, command) == 0)
            return &vm_ops[i];
    return NULL;
}

static int run_op(int fd, const struct vm_op *op, unsigned id)
{
    struct shyper_vm_info info;
    char name[SHYPER_NAME_MAX + 1];
    int status = get_vm(fd, op->command, id, &info);
    if (status != CLI_EXIT_OK)
        return status;
    vm_name(name, &info);
    int err = shyper_dev_vm_op(fd, op->request, id);
    if (err) {
        fprintf(stderr, "%s %s %s: VM %u \"%s\" is %s: %s\n", CLI_PROGRAM, group, op->command, id,
                name, vm_state_name(info.state), shyper_dev_strerror(err));
        return shyper_dev_status(err);
    }
    printf("VM %u \"%s\" %s\n", id, name, op->done);
    return CLI_EXIT_OK;
}

static int run_on_vm(int argc, char **argv, bool allow_force)
{
    struct vm_target target;
    int status = parse_target(argc, argv, allow_force, &target);
    int fd = status == CLI_EXIT_OK ? open_dev(&status) : -1;
    if (fd < 0)
        return status;
    status = run_op(fd, find_op(argv[0]), target.id);
    close(fd);
    return status;
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
    "Reads a VM configuration (JSON; // and /* */ comments allowed), checks it against the\n"
    "machine, hands it to the hypervisor and loads the kernel and ramdisk it names (file\n"
    "names are relative to the current directory).  Prints\n"
    "  VM <id> \"<name>\" configured\n"
    "The VM is not started: use 'shyper vm boot <id>'.  Problems are reported one per line as\n"
    "  <file>: error: <json path>: <reason>\n"
    "and nothing is configured if there is any error; a VM whose images cannot be loaded is\n"
    "removed again.\n"
    "\n"
    "options:\n"
    "  --check      only check the file and print a summary of the VM (no kernel module\n"
    "               needed; works on any Linux host)\n"
    "  --harts <n>  with --check: the machine has harts 0..n-1 (default 8)\n";

static const char force_help[] =
    "options:\n"
    "  -f, --force  accepted for Rust-Shyper's scripts; Shyper always stops the VM at once\n"
    "               (it does not ask the guest)\n";

static const char remove_help[] =
    "Stops the VM and gives its memory back to the hypervisor's free pool.  Its id may be\n"
    "reused by the next 'shyper vm config'.\n";

static const struct cli_command vm_commands[] = {
    {"config", "[--check] [--harts <n>] <file.json>", "configure a VM from a JSON file",
     config_help, cmd_config},
    {"boot", "<id>", "start a configured or stopped VM", NULL, cmd_on_vm},
    {"list", "", "list the VMs: id, name, state, harts, memory, devices", NULL, cmd_list},
    {"remove", "<id>", "stop a VM and free its memory, harts and devices", remove_help, cmd_on_vm},
    {"reboot", "[-f] <id>", "restart a VM from its images", force_help, cmd_on_vm_forced},
    {"shutdown", "[-f] <id>", "stop a VM, keeping its configuration", force_help, cmd_on_vm_forced},
    {"info", "<id>", "print a VM's configuration and state as JSON", NULL, cmd_info},
    {"stats", "<id>", "print a VM's exit counters by cause", NULL, cmd_stats},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cli_group cli_vm_group = {
    .name = group,
    .summary = "Configure and manage guest VMs.",
    .commands = vm_commands,
};

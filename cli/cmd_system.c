/* `shyper system ...`: the hypervisor as a whole, and the MVM-side services it needs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "mediated_config.h"
#include "mediated_daemon.h"
#include "shyper_dev.h"
#include "vm_show.h"

#define DAEMON_BATCH 16 /* notifications taken per read() */
_Static_assert(DAEMON_BATCH <= SHYPER_MEDIATED_MAX_SLOTS, "a batch's results fit the queue");

static const char group[] = "system";

/* ---------------------------------------------------------------- system info */

static int cmd_info(int argc, char **argv)
{
    struct shyper_system_info info;
    if (argc > 1)
        return cli_usage_error(group, argv[0], "unexpected argument '%s'", argv[1]);
    int fd = shyper_dev_open(O_RDONLY);
    if (fd < 0)
        return shyper_dev_open_error(errno);
    int err = shyper_dev_system_info(fd, &info);
    close(fd);
    if (err) {
        fprintf(stderr, "%s %s %s: %s\n", CLI_PROGRAM, group, argv[0], shyper_dev_strerror(err));
        return shyper_dev_status(err);
    }
    system_print_info(stdout, &info);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- system daemon */

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

/* The names of the VMs, so that a removed VM's notification can still name it. */
struct vm_names {
    char name[SHYPER_IOC_LIST_MAX][SHYPER_NAME_MAX + 1];
};

struct daemon {
    int fd; /* /dev/shyper */
    struct vm_names names;
    bool serving; /* attached: disks serves the mediated disks */
    struct mediated_server disks;
};

static void remember_name(struct vm_names *names, const struct shyper_vm_info *info)
{
    if (info->id >= SHYPER_IOC_LIST_MAX)
        return;
    memcpy(names->name[info->id], info->name, SHYPER_NAME_MAX);
    names->name[info->id][SHYPER_NAME_MAX] = '\0';
}

static void learn_names(int fd, struct vm_names *names)
{
    static struct shyper_vm_info vms[SHYPER_IOC_LIST_MAX];
    uint32_t count;
    if (shyper_dev_vm_list(fd, vms, SHYPER_IOC_LIST_MAX, &count) != 0)
        return;
    for (uint32_t i = 0; i < count && i < SHYPER_IOC_LIST_MAX; i++)
        remember_name(names, &vms[i]);
}

static void report(int fd, const struct shyper_msg *msg, struct vm_names *names)
{
    uint32_t id = (uint32_t)msg->arg[0], state = (uint32_t)msg->arg[1];
    uint32_t event = (uint32_t)msg->arg[2];
    struct shyper_vm_info info;
    char reason[SHYPER_REASON_MAX + 1] = "";
    if (state != SHYPER_VM_REMOVED && shyper_dev_vm_info(fd, id, &info) == 0) {
        remember_name(names, &info);
        memcpy(reason, info.stop_reason, SHYPER_REASON_MAX);
        reason[SHYPER_REASON_MAX] = '\0';
    }
    const char *name = id < SHYPER_IOC_LIST_MAX ? names->name[id] : NULL;
    vm_print_state_change(stdout, id, name, state, event, reason);
    if (state == SHYPER_VM_REMOVED && id < SHYPER_IOC_LIST_MAX)
        names->name[id][0] = '\0';
}

/* Handles a message other than a disk request. */
static void handle(struct daemon *d, const struct shyper_msg *msg)
{
    if (msg->type == SHYPER_MSG_VM_STATE)
        report(d->fd, msg, &d->names);
    else
        fprintf(stderr, "%s %s daemon: notification of unknown type %u ignored\n", CLI_PROGRAM,
                group, msg->type);
}

/* Returns the results of the requests served to the hypervisor. */
static void return_results(struct daemon *d)
{
    uint32_t delivered;
    if (!d->disks.nr_done)
        return;
    int err = shyper_dev_mediated_complete(d->fd, d->disks.done, d->disks.nr_done, &delivered);
    /* EINVAL: a request the hypervisor no longer has (its guest was reset); nothing to do. */
    if (err && err != EINVAL)
        fprintf(stderr, "%s %s daemon: cannot return %u disk results: %s\n", CLI_PROGRAM, group,
                d->disks.nr_done, shyper_dev_strerror(err));
    d->disks.nr_done = 0;
}

/* Takes the messages that are there (read() on the non-blocking descriptor) and handles
 * them: the disk requests together, so that adjacent ones share one I/O.  Returns how
 * many, or -1 with errno set. */
static ssize_t take_messages(struct daemon *d)
{
    struct shyper_msg msgs[DAEMON_BATCH];
    struct shyper_blk_req reqs[DAEMON_BATCH];
    unsigned nr_reqs = 0;
    ssize_t n = read(d->fd, msgs, sizeof(msgs));
    if (n < 0)
        return -1;
    n /= (ssize_t)sizeof(msgs[0]);
    for (ssize_t i = 0; i < n; i++) {
        if (msgs[i].type == SHYPER_MSG_BLK_REQ) /* only the attached daemon gets them */
            memcpy(&reqs[nr_reqs++], &msgs[i], sizeof(reqs[0]));
        else
            handle(d, &msgs[i]);
    }
    if (d->serving)
        mediated_serve(&d->disks, reqs, nr_reqs);
    return n;
}

/* Reports notifications and serves disk requests as they come, until an error.  Requests
 * that arrive while a batch is served join it, so that the guest gets one interrupt for
 * all their results. */
static int serve(struct daemon *d)
{
    struct pollfd pfd = {.fd = d->fd, .events = POLLIN};
    learn_names(d->fd, &d->names);
    printf("%s %s daemon: reporting VM state changes\n", CLI_PROGRAM, group);
    fflush(stdout);
    for (;;) {
        ssize_t n = poll(&pfd, 1, -1) < 0 ? -1 : take_messages(d);
        while (n > 0 && d->disks.nr_done &&
               d->disks.nr_done + DAEMON_BATCH <= SHYPER_MEDIATED_MAX_SLOTS)
            n = take_messages(d);
        return_results(d);
        fflush(stdout);
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            fprintf(stderr, "%s %s daemon: %s: %s\n", CLI_PROGRAM, group, SHYPER_DEVICE,
                    strerror(errno));
            return CLI_EXIT_RUNTIME;
        }
    }
}

/* The hypervisor's ABI version, 0 when it cannot be asked. */
static uint32_t hypervisor_abi(int fd)
{
    struct shyper_system_info info;
    return shyper_dev_system_info(fd, &info) ? 0 : info.abi_version;
}

/* Opens the disks of cfg, attaches to the hypervisor as their daemon and maps the buffer of
 * the requests.  Returns an enum cli_exit; prints why it failed. */
static int attach_disks(struct daemon *d, const struct mediated_config *cfg)
{
    struct shyper_ioc_mediated_attach req = {.nr_disks = cfg->count};
    mediated_open_disks(&d->disks, cfg);
    for (unsigned i = 0; i < cfg->count; i++)
        req.disk_sectors[i] = d->disks.disks[i].fd >= 0 ? d->disks.disks[i].sectors : 0;
    int err = shyper_dev_mediated_attach(d->fd, &req);
    if (err) {
        fprintf(stderr, "%s %s daemon: cannot serve the mediated disks: %s\n", CLI_PROGRAM, group,
                err == EBUSY ? "another daemon serves them" : shyper_dev_strerror(err));
        return shyper_dev_status(err);
    }
    void *buffer = mmap(NULL, req.buffer_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
    if (buffer == MAP_FAILED) {
        fprintf(stderr, "%s %s daemon: cannot map the request buffer: %s\n", CLI_PROGRAM, group,
                strerror(errno));
        return CLI_EXIT_RUNTIME;
    }
    d->disks.buffer = buffer;
    d->disks.nr_slots = req.nr_slots;
    d->disks.zeros = hypervisor_abi(d->fd) >= SHYPER_ABI_BLK_DONE_ZEROS;
    d->serving = true;
    printf("%s %s daemon: serving %u mediated disk%s, %u requests at a time\n", CLI_PROGRAM, group,
           cfg->count, cfg->count == 1 ? "" : "s", req.nr_slots);
    return CLI_EXIT_OK;
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

    static struct mediated_config cfg;
    int status = file ? load_mediated(file, &cfg) : CLI_EXIT_OK;
    if (status != CLI_EXIT_OK)
        return status;
    if (check_only) {
        print_disks(&cfg);
        return CLI_EXIT_OK;
    }
    static struct daemon d;
    /* Read-write: the request buffer is mapped shared and writable. */
    d.fd = shyper_dev_open(O_RDWR | O_NONBLOCK);
    if (d.fd < 0)
        return shyper_dev_open_error(errno);
    if (file && cfg.count)
        status = attach_disks(&d, &cfg);
    if (status == CLI_EXIT_OK)
        status = serve(&d);
    mediated_close_disks(&d.disks);
    close(d.fd);
    return status;
}

/* ---------------------------------------------------------------- table */

static const char info_help[] =
    "Prints the hypervisor's ABI version, its harts, its memory (free and total, in MiB and\n"
    "in 4 KiB pages), the VM ids in use and how many physical interrupts VMs own.\n";

static const char daemon_help[] =
    "Runs in the background, once, after the kernel module is loaded, and prints every VM\n"
    "state change the hypervisor reports, one line each:\n"
    "  vm1 (guest-os-1): stopped: powered off by the guest\n"
    "The optional file lists the disks (images or block devices) behind the guests' mediated\n"
    "virtio-blk devices, in order:\n"
    "  { \"mediated\": [ \"/root/vm1.img\", \"/dev/sda1\" ] }\n"
    "Entry i is mediated disk i, the one a guest's device names with cfg_list [i, sectors].\n"
    "The daemon opens them read-write and serves the guests' reads, writes and flushes;\n"
    "one that cannot be opened is reported and its guest gets I/O errors.  One daemon at a\n"
    "time serves disks; when it exits, the guests' disk requests fail until it runs again.\n"
    "\n"
    "options:\n"
    "  --check      only check the file and list its disks\n";

static const struct cli_command system_commands[] = {
    {"info", "", "print the hypervisor's memory, harts and VMs", info_help, cmd_info},
    {"daemon", "[--check] [<mediated-cfg.json>]", "report VM state changes (serve mediated disks)",
     daemon_help, cmd_daemon},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cli_group cli_system_group = {
    .name = group,
    .summary = "The hypervisor as a whole, and the services the MVM provides for it.",
    .commands = system_commands,
};

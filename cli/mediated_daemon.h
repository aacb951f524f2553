/* The disks of `shyper system daemon <mediated-cfg.json>` (docs/mediated-blk.md): the daemon
 * opens the files and partitions its list names, and serves each request the hypervisor
 * sends for them (struct shyper_blk_req) between the disk and the request's slot of the
 * buffer the kernel module shares with it, queueing the result (struct shyper_blk_done) for
 * the caller to return with SHYPER_IOC_MEDIATED_COMPLETE.
 *
 * The I/O is preadv/pwritev, with O_DIRECT where the disk takes it (else through the MVM's
 * page cache), one call for each run of adjacent READs (or WRITEs) of a batch, and FLUSH is
 * fdatasync(2), so what a guest flushed is on the MVM's disk.  A READ of a hole of a sparse
 * image (lseek SEEK_DATA finds no data in it) is not read: its result says the data is
 * zeros (SHYPER_BLK_DONE_ZEROS), and the hypervisor clears the guest's buffers itself.
 * Nothing here knows /dev/shyper: the buffer is any page-aligned memory of
 * nr_slots * SHYPER_MEDIATED_SLOT_SIZE bytes.
 */
#ifndef SHYPER_CLI_MEDIATED_DAEMON_H
#define SHYPER_CLI_MEDIATED_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <shyper/hypercall.h>

#include "mediated_config.h"

_Static_assert(MEDIATED_DISK_MAX <= SHYPER_MEDIATED_MAX_DISKS, "every listed disk has an index");

struct mediated_disk {
    const char *path; /* in the struct mediated_config, which must outlive the server */
    int fd;           /* -1: not served (its requests fail) */
    uint64_t sectors; /* whole 512-byte sectors */
};

struct mediated_server {
    unsigned nr_disks;
    struct mediated_disk disks[MEDIATED_DISK_MAX];
    uint8_t *buffer; /* slot i at i * SHYPER_MEDIATED_SLOT_SIZE */
    uint32_t nr_slots;
    bool zeros; /* the hypervisor takes SHYPER_BLK_DONE_ZEROS (ABI 1.2) */
    /* Results not returned yet; the caller returns them before it serves more than
     * SHYPER_MEDIATED_MAX_SLOTS requests. */
    unsigned nr_done;
    struct shyper_blk_done done[SHYPER_MEDIATED_MAX_SLOTS];
    uint64_t served, failed; /* requests, and those that failed */
};

/* Opens cfg's disks read-write (none is served before) and prints one line per disk to
 * stdout: "mediated disk 0: /root/gvm1-disk.img, 131072 sectors (64 MiB), direct I/O", or to
 * stderr why it is not served (it cannot be opened, or has no whole sector).  Returns how
 * many are. */
unsigned mediated_open_disks(struct mediated_server *s, const struct mediated_config *cfg);
void mediated_close_disks(struct mediated_server *s);

/* Serves reqs[0..n) in their order and queues their results, at most as many as
 * SHYPER_MEDIATED_MAX_SLOTS - nr_done (the rest are ignored).  A request for a disk that is
 * not served, outside the disk or the buffer, or whose I/O fails gets SHYPER_BLK_IOERR
 * (I/O errors are printed); an unknown operation SHYPER_BLK_UNSUPP. */
void mediated_serve(struct mediated_server *s, const struct shyper_blk_req *reqs, unsigned n);

#endif

#define _GNU_SOURCE /* O_DIRECT */
#include "mediated_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define SECTOR     SHYPER_BLK_SECTOR_SIZE
#define MIB        (1024 * 1024)
#define PAGE_BYTES 4096

static const char prefix[] = CLI_PROGRAM " system daemon";

/* The size of an open file or block device in bytes; -1 with errno on failure. */
static int64_t disk_bytes(int fd)
{
    struct stat st;
    uint64_t bytes;

    if (fstat(fd, &st) < 0)
        return -1;
    if (S_ISREG(st.st_mode))
        return st.st_size;
    if (S_ISBLK(st.st_mode))
        return ioctl(fd, BLKGETSIZE64, &bytes) < 0 ? -1 : (int64_t)bytes;
    errno = EINVAL; /* a directory, a character device, ... */
    return -1;
}

/* Whether direct I/O works on fd for what the guests ask: whole 512-byte sectors into the
 * page-aligned slots (a disk with 4096-byte sectors refuses them). */
static bool direct_io_works(int fd)
{
    static uint8_t probe[PAGE_BYTES] __attribute__((aligned(PAGE_BYTES)));

    return pread(fd, probe, SECTOR, 0) >= 0;
}

/* Opens a disk read-write, with direct I/O where it works (the MVM's page cache would only
 * hold a second copy of what the guest caches); -1 with errno set on failure. */
static int open_rw(const char *path, bool *direct)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);

    *direct = fd >= 0 && direct_io_works(fd);
    if (*direct || (fd < 0 && errno != EINVAL)) /* EINVAL: no O_DIRECT there */
        return fd;
    if (fd >= 0)
        close(fd);
    return open(path, O_RDWR | O_CLOEXEC);
}

/* Opens disk i; prints what became of it.  Returns whether it is served. */
static bool open_disk(struct mediated_disk *d, unsigned i)
{
    int64_t bytes;
    bool direct;

    d->fd = open_rw(d->path, &direct);
    if (d->fd < 0 || (bytes = disk_bytes(d->fd)) < 0) {
        fprintf(stderr, "%s: mediated disk %u: %s: %s; its requests fail\n", prefix, i, d->path,
                strerror(errno));
        if (d->fd >= 0)
            close(d->fd);
        d->fd = -1;
        return false;
    }
    d->sectors = (uint64_t)bytes / SECTOR;
    if (!d->sectors) {
        fprintf(stderr, "%s: mediated disk %u: %s is smaller than one sector; its requests fail\n",
                prefix, i, d->path);
        close(d->fd);
        d->fd = -1;
        return false;
    }
    printf("mediated disk %u: %s, %" PRIu64 " sectors (%" PRIu64 " MiB)%s\n", i, d->path,
           d->sectors, d->sectors * SECTOR / MIB, direct ? ", direct I/O" : "");
    return true;
}

unsigned mediated_open_disks(struct mediated_server *s, const struct mediated_config *cfg)
{
    unsigned served = 0;

    s->nr_disks = cfg->count;
    for (unsigned i = 0; i < cfg->count; i++) {
        s->disks[i] = (struct mediated_disk){.path = cfg->paths[i], .fd = -1};
        served += open_disk(&s->disks[i], i);
    }
    return served;
}

void mediated_close_disks(struct mediated_server *s)
{
    for (unsigned i = 0; i < s->nr_disks; i++) {
        if (s->disks[i].fd >= 0)
            close(s->disks[i].fd);
        s->disks[i].fd = -1;
    }
}

/* The whole of [buf, buf + len) from or to the disk at offset; false with errno set (EIO
 * for an unexpected end of file). */
static bool transfer(int fd, bool write, uint8_t *buf, size_t len, off_t offset)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write ? pwrite(fd, buf + done, len - done, offset + (off_t)done)
                          : pread(fd, buf + done, len - done, offset + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

/* The status of a READ or WRITE that lies inside its disk and the buffer. */
static uint32_t read_write(struct mediated_server *s, const struct mediated_disk *d,
                           const struct shyper_blk_req *req, unsigned disk)
{
    uint32_t slot = SHYPER_BLK_REQ_SLOT(req->id);
    uint64_t count = req->len / SECTOR;
    bool write = req->op == SHYPER_BLK_WRITE;

    if (slot >= s->nr_slots || !req->len || req->len % SECTOR ||
        req->len > SHYPER_MEDIATED_SLOT_SIZE || req->sector > d->sectors ||
        count > d->sectors - req->sector) {
        fprintf(stderr,
                "%s: mediated disk %u: refused a %s of %u bytes at sector %" PRIu64
                " in slot %u: outside the disk or the buffer\n",
                prefix, disk, write ? "write" : "read", req->len, req->sector, slot);
        return SHYPER_BLK_IOERR;
    }
    if (!transfer(d->fd, write, s->buffer + (size_t)slot * SHYPER_MEDIATED_SLOT_SIZE, req->len,
                  (off_t)(req->sector * SECTOR))) {
        fprintf(stderr, "%s: mediated disk %u: %s of %" PRIu64 " sectors at %" PRIu64 ": %s\n",
                prefix, disk, write ? "write" : "read", count, req->sector, strerror(errno));
        return SHYPER_BLK_IOERR;
    }
    return SHYPER_BLK_OK;
}

static uint32_t flush(const struct mediated_disk *d, unsigned disk)
{
    if (fdatasync(d->fd) == 0)
        return SHYPER_BLK_OK;
    fprintf(stderr, "%s: mediated disk %u: flush: %s\n", prefix, disk, strerror(errno));
    return SHYPER_BLK_IOERR;
}

void mediated_serve(struct mediated_server *s, const struct shyper_blk_req *req)
{
    const struct mediated_disk *d = req->disk < s->nr_disks ? &s->disks[req->disk] : NULL;
    struct shyper_blk_done *done;

    if (s->nr_done == SHYPER_MEDIATED_MAX_SLOTS)
        return; /* the caller returns the results first (more cannot be in flight) */
    done = &s->done[s->nr_done++];
    *done = (struct shyper_blk_done){.id = req->id, .status = SHYPER_BLK_IOERR};
    if (d && d->fd >= 0) {
        switch (req->op) {
        case SHYPER_BLK_READ:
        case SHYPER_BLK_WRITE:
            done->status = read_write(s, d, req, req->disk);
            break;
        case SHYPER_BLK_FLUSH:
            done->status = flush(d, req->disk);
            break;
        default:
            done->status = SHYPER_BLK_UNSUPP;
            break;
        }
    }
    if (done->status == SHYPER_BLK_OK && req->op == SHYPER_BLK_READ)
        done->bytes = req->len;
    s->served++;
    s->failed += done->status != SHYPER_BLK_OK;
}

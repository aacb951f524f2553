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
#include <sys/uio.h>
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

/* The whole of iov[0..cnt) from or to the disk at offset, with as few preadv/pwritev as
 * the kernel allows; false with errno set (EIO for an unexpected end of file).  Consumes
 * iov. */
static bool transfer(int fd, bool write, struct iovec *iov, int cnt, off_t offset)
{
    while (cnt) {
        ssize_t n = write ? pwritev(fd, iov, cnt, offset) : preadv(fd, iov, cnt, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        offset += n;
        for (size_t left = (size_t)n; left;) { /* skip what was done */
            size_t step = left < iov->iov_len ? left : iov->iov_len;
            iov->iov_base = (uint8_t *)iov->iov_base + step;
            iov->iov_len -= step;
            left -= step;
            if (!iov->iov_len) {
                iov++;
                cnt--;
            }
        }
    }
    return true;
}

static uint8_t *slot_data(const struct mediated_server *s, const struct shyper_blk_req *req)
{
    return s->buffer + (size_t)SHYPER_BLK_REQ_SLOT(req->id) * SHYPER_MEDIATED_SLOT_SIZE;
}

/* Whether a READ or WRITE lies inside its disk and the buffer. */
static bool rw_inside(const struct mediated_server *s, const struct mediated_disk *d,
                      const struct shyper_blk_req *req)
{
    return SHYPER_BLK_REQ_SLOT(req->id) < s->nr_slots && req->len && !(req->len % SECTOR) &&
           req->len <= SHYPER_MEDIATED_SLOT_SIZE && req->sector <= d->sectors &&
           req->len / SECTOR <= d->sectors - req->sector;
}

/* The result of req, queued: the caller fills it in. */
static struct shyper_blk_done *queue_result(struct mediated_server *s,
                                            const struct shyper_blk_req *req, uint32_t status)
{
    struct shyper_blk_done *done = &s->done[s->nr_done++];

    *done = (struct shyper_blk_done){.id = req->id, .status = status};
    if (status == SHYPER_BLK_OK && req->op == SHYPER_BLK_READ)
        done->bytes = req->len;
    s->served++;
    s->failed += status != SHYPER_BLK_OK;
    return done;
}

/* Reads or writes reqs[0..n), adjacent on disk in this order, with one transfer; when it
 * fails, each request alone, so that only those whose I/O fails get IOERR (printed). */
static void transfer_run(struct mediated_server *s, const struct mediated_disk *d,
                         const struct shyper_blk_req *reqs, unsigned n)
{
    struct iovec iov[SHYPER_MEDIATED_MAX_SLOTS];
    bool write = reqs[0].op == SHYPER_BLK_WRITE;
    bool ok;

    for (unsigned i = 0; i < n; i++)
        iov[i] = (struct iovec){.iov_base = slot_data(s, &reqs[i]), .iov_len = reqs[i].len};
    ok = n > 1 && transfer(d->fd, write, iov, (int)n, (off_t)(reqs[0].sector * SECTOR));
    for (unsigned i = 0; i < n; i++) {
        const struct shyper_blk_req *req = &reqs[i];
        struct iovec one = {.iov_base = slot_data(s, req), .iov_len = req->len};

        if (!ok && !transfer(d->fd, write, &one, 1, (off_t)(req->sector * SECTOR))) {
            fprintf(stderr, "%s: mediated disk %u: %s of %u sectors at %" PRIu64 ": %s\n", prefix,
                    req->disk, write ? "write" : "read", req->len / SECTOR, req->sector,
                    strerror(errno));
            queue_result(s, req, SHYPER_BLK_IOERR);
        } else {
            queue_result(s, req, SHYPER_BLK_OK);
        }
    }
}

/* Where the disk's next data at or after offset starts: its end past its last data;
 * offset itself when the disk cannot tell (a block device, a file system without holes)
 * or offset lies past its end (a disk that shrank: reading there fails). */
static off_t next_data(const struct mediated_disk *d, off_t offset)
{
    off_t data = lseek(d->fd, offset, SEEK_DATA);

    if (data >= offset)
        return data;
    if (errno != ENXIO) /* ENXIO: no data after offset, or offset past the end */
        return offset;
    data = lseek(d->fd, 0, SEEK_END);
    return data > offset ? data : offset;
}

/* Serves the READs reqs[0..n), adjacent on disk in this order: those that lie in a hole of
 * the disk are answered SHYPER_BLK_DONE_ZEROS without I/O (when the hypervisor takes it),
 * each run of the others is read with one preadv. */
static void read_run(struct mediated_server *s, const struct mediated_disk *d,
                     const struct shyper_blk_req *reqs, unsigned n)
{
    off_t data = -1; /* the next data from the offset of the last lseek on: none before */
    unsigned first = 0;

    for (unsigned i = 0; s->zeros && i < n; i++) {
        off_t start = (off_t)(reqs[i].sector * SECTOR), end = start + reqs[i].len;

        if (data < start)
            data = next_data(d, start);
        if (data < end)
            continue; /* data to read: joins the run of reads */
        if (i > first)
            transfer_run(s, d, reqs + first, i - first);
        queue_result(s, &reqs[i], SHYPER_BLK_OK)->status |= SHYPER_BLK_DONE_ZEROS;
        first = i + 1;
    }
    if (first < n)
        transfer_run(s, d, reqs + first, n - first);
}

/* How many of reqs[0..n) from the first on are READs (or WRITEs) of one served disk that
 * lie inside it and follow each other on it: one I/O serves them.  0 when the first is
 * not such a request. */
static unsigned run_length(const struct mediated_server *s, const struct shyper_blk_req *reqs,
                           unsigned n)
{
    const struct shyper_blk_req *first = &reqs[0];
    const struct mediated_disk *d = first->disk < s->nr_disks ? &s->disks[first->disk] : NULL;
    unsigned k = 0;
    uint64_t next = first->sector;

    if (!d || d->fd < 0 || (first->op != SHYPER_BLK_READ && first->op != SHYPER_BLK_WRITE))
        return 0;
    while (k < n && reqs[k].disk == first->disk && reqs[k].op == first->op &&
           reqs[k].sector == next && rw_inside(s, d, &reqs[k])) {
        next += reqs[k].len / SECTOR;
        k++;
    }
    return k;
}

static uint32_t flush(const struct mediated_disk *d, unsigned disk)
{
    if (fdatasync(d->fd) == 0)
        return SHYPER_BLK_OK;
    fprintf(stderr, "%s: mediated disk %u: flush: %s\n", prefix, disk, strerror(errno));
    return SHYPER_BLK_IOERR;
}

/* The status of a request that no run serves. */
static uint32_t serve_alone(const struct mediated_server *s, const struct shyper_blk_req *req)
{
    const struct mediated_disk *d = req->disk < s->nr_disks ? &s->disks[req->disk] : NULL;

    if (!d || d->fd < 0)
        return SHYPER_BLK_IOERR;
    switch (req->op) {
    case SHYPER_BLK_READ:
    case SHYPER_BLK_WRITE:
        fprintf(stderr,
                "%s: mediated disk %u: refused a %s of %u bytes at sector %" PRIu64
                " in slot %u: outside the disk or the buffer\n",
                prefix, req->disk, req->op == SHYPER_BLK_WRITE ? "write" : "read", req->len,
                req->sector, SHYPER_BLK_REQ_SLOT(req->id));
        return SHYPER_BLK_IOERR;
    case SHYPER_BLK_FLUSH:
        return flush(d, req->disk);
    default:
        return SHYPER_BLK_UNSUPP;
    }
}

void mediated_serve(struct mediated_server *s, const struct shyper_blk_req *reqs, unsigned n)
{
    n = n < SHYPER_MEDIATED_MAX_SLOTS - s->nr_done ? n : SHYPER_MEDIATED_MAX_SLOTS - s->nr_done;
    for (unsigned i = 0; i < n;) {
        unsigned k = run_length(s, reqs + i, n - i);

        if (!k) {
            queue_result(s, &reqs[i], serve_alone(s, &reqs[i]));
            k = 1;
        } else if (reqs[i].op == SHYPER_BLK_READ) {
            read_run(s, &s->disks[reqs[i].disk], reqs + i, k);
        } else {
            transfer_run(s, &s->disks[reqs[i].disk], reqs + i, k);
        }
        i += k;
    }
}

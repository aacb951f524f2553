// UNIT_SOURCES: cli/mediated_daemon.c
/* The mediated-disk service of `shyper system daemon` (cli/mediated_daemon.c) against real
 * files on the build host: which disks it serves, READ/WRITE/FLUSH between a disk and its
 * request's slot of a buffer, and IOERR/UNSUPP for every request that must not touch a
 * disk (outside the disk or the buffer, an unserved disk, a disk that shrank); batches of
 * adjacent requests, and READs of holes answered as zeros without touching the slot. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cli/mediated_daemon.h"
#include "unit_test.h"

#define SECTOR    512
#define SECTORS   64
#define NR_SLOTS  3
#define SLOT_SIZE SHYPER_MEDIATED_SLOT_SIZE

static char dir[] = "/tmp/shyper-unit-mediated-XXXXXX";
static struct mediated_config cfg;
static struct mediated_server server;
static uint8_t *buffer;

/* Disk 0: SECTORS sectors and a partial one; 1: missing; 2: empty; 3: a directory. */
static void setup(void)
{
    EXPECT_TRUE(mkdtemp(dir) != NULL);
    cfg = (struct mediated_config){.count = 4};
    snprintf(cfg.paths[0], sizeof(cfg.paths[0]), "%s/disk0.img", dir);
    snprintf(cfg.paths[1], sizeof(cfg.paths[1]), "%s/missing.img", dir);
    snprintf(cfg.paths[2], sizeof(cfg.paths[2]), "%s/empty.img", dir);
    snprintf(cfg.paths[3], sizeof(cfg.paths[3]), "%s", dir);
    int fd = open(cfg.paths[0], O_CREAT | O_RDWR | O_TRUNC, 0600);
    EXPECT_TRUE(fd >= 0 && ftruncate(fd, SECTORS * SECTOR + 100) == 0);
    close(fd);
    fd = open(cfg.paths[2], O_CREAT | O_RDWR | O_TRUNC, 0600);
    close(fd);
    buffer = aligned_alloc(4096, (size_t)NR_SLOTS * SLOT_SIZE); /* like the module's slots */
    memset(buffer, 0, (size_t)NR_SLOTS * SLOT_SIZE);
    server = (struct mediated_server){0};
    EXPECT_EQ(mediated_open_disks(&server, &cfg), 1);
    server.buffer = buffer;
    server.nr_slots = NR_SLOTS;
}

static void teardown(void)
{
    mediated_close_disks(&server);
    unlink(cfg.paths[0]);
    unlink(cfg.paths[2]);
    rmdir(dir);
    strcpy(dir, "/tmp/shyper-unit-mediated-XXXXXX");
    free(buffer);
}

static uint64_t id_of(uint32_t slot)
{
    static uint64_t seq;
    return ++seq << 8 | slot;
}

static struct shyper_blk_req request(uint32_t disk, uint32_t slot, uint32_t op, uint64_t sector,
                                     uint32_t len)
{
    return (struct shyper_blk_req){
        .type = SHYPER_MSG_BLK_REQ,
        .disk = disk,
        .id = id_of(slot),
        .sector = sector,
        .op = op,
        .len = len,
    };
}

/* Serves reqs[0..n) as one batch; their results are server.done[0..n). */
static void serve_batch(const struct shyper_blk_req *reqs, unsigned n)
{
    server.nr_done = 0;
    mediated_serve(&server, reqs, n);
    EXPECT_EQ(server.nr_done, n);
    for (unsigned i = 0; i < n; i++)
        EXPECT_EQ(server.done[i].id, reqs[i].id);
}

/* Serves one request and returns its result. */
static struct shyper_blk_done serve(uint32_t disk, uint32_t slot, uint32_t op, uint64_t sector,
                                    uint32_t len)
{
    struct shyper_blk_req req = request(disk, slot, op, sector, len);

    serve_batch(&req, 1);
    return server.done[0];
}

static void file_bytes(uint64_t offset, void *out, size_t len)
{
    int fd = open(cfg.paths[0], O_RDONLY);
    EXPECT_TRUE(fd >= 0 && pread(fd, out, len, (off_t)offset) == (ssize_t)len);
    close(fd);
}

TEST(cli_mediated_disks_opened)
{
    setup();
    EXPECT_EQ(server.nr_disks, 4);
    EXPECT_TRUE(server.disks[0].fd >= 0);
    EXPECT_EQ(server.disks[0].sectors, SECTORS); /* the partial sector is not used */
    EXPECT_EQ(server.disks[1].fd, -1);
    EXPECT_EQ(server.disks[2].fd, -1);
    EXPECT_EQ(server.disks[3].fd, -1);
    teardown();
}

TEST(cli_mediated_write_read_flush)
{
    uint8_t pattern[4 * SECTOR], back[sizeof(pattern)];

    setup();
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    memcpy(buffer + 1 * SLOT_SIZE, pattern, sizeof(pattern));
    struct shyper_blk_done d = serve(0, 1, SHYPER_BLK_WRITE, 10, sizeof(pattern));
    EXPECT_EQ(d.status, SHYPER_BLK_OK);
    EXPECT_EQ(d.bytes, 0);
    file_bytes(10 * SECTOR, back, sizeof(back));
    EXPECT_TRUE(memcmp(back, pattern, sizeof(pattern)) == 0);

    d = serve(0, 2, SHYPER_BLK_READ, 10, sizeof(pattern));
    EXPECT_EQ(d.status, SHYPER_BLK_OK);
    EXPECT_EQ(d.bytes, sizeof(pattern));
    EXPECT_TRUE(memcmp(buffer + 2 * SLOT_SIZE, pattern, sizeof(pattern)) == 0);

    /* The last sector of the disk, and a whole slot. */
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_READ, SECTORS - 1, SECTOR).status, SHYPER_BLK_OK);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, 0,
                    SECTORS * SECTOR < SLOT_SIZE ? SECTORS * SECTOR : SLOT_SIZE)
                  .status,
              SHYPER_BLK_OK);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_FLUSH, 0, 0).status, SHYPER_BLK_OK);
    EXPECT_EQ(server.failed, 0);
    teardown();
}

TEST(cli_mediated_refused_requests)
{
    uint8_t before[SECTOR], after[SECTOR];

    setup();
    file_bytes(0, before, sizeof(before));
    memset(buffer, 0xab, (size_t)NR_SLOTS * SLOT_SIZE);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, SECTORS, SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_READ, SECTORS - 1, 2 * SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, UINT64_MAX, SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, 0, SECTOR + 1).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, 0, 0).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_WRITE, 0, SLOT_SIZE + SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, NR_SLOTS, SHYPER_BLK_WRITE, 0, SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(1, 0, SHYPER_BLK_WRITE, 0, SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(1, 0, SHYPER_BLK_FLUSH, 0, 0).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(7, 0, SHYPER_BLK_READ, 0, SECTOR).status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, 8 /* GET_ID: the hypervisor's */, 0, 0).status, SHYPER_BLK_UNSUPP);
    EXPECT_EQ(server.failed, 11);
    file_bytes(0, after, sizeof(after));
    EXPECT_TRUE(memcmp(before, after, sizeof(before)) == 0); /* nothing was written */
    teardown();
}

TEST(cli_mediated_disk_shrank)
{
    setup();
    EXPECT_EQ(truncate(cfg.paths[0], 8 * SECTOR), 0);
    struct shyper_blk_done d = serve(0, 0, SHYPER_BLK_READ, 16, SECTOR); /* now past the end */
    EXPECT_EQ(d.status, SHYPER_BLK_IOERR);
    EXPECT_EQ(d.bytes, 0);
    teardown();
}

/* Disk 0 with data in its second 4 KiB block only (sectors 8..15), the rest holes. */
static void sparse_setup(uint8_t data[8 * SECTOR])
{
    setup();
    server.zeros = true;
    for (size_t i = 0; i < 8 * SECTOR; i++)
        data[i] = (uint8_t)(i * 5 + 1);
    int fd = open(cfg.paths[0], O_WRONLY);
    EXPECT_TRUE(fd >= 0 && pwrite(fd, data, 8 * SECTOR, 8 * SECTOR) == 8 * SECTOR);
    close(fd);
    memset(buffer, 0xab, (size_t)NR_SLOTS * SLOT_SIZE);
}

static bool untouched(uint32_t slot, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buffer[slot * SLOT_SIZE + i] != 0xab)
            return false;
    return true;
}

TEST(cli_mediated_read_holes)
{
    uint8_t data[8 * SECTOR];
    const struct shyper_blk_done *d = server.done;

    sparse_setup(data);
    /* Adjacent READs in one batch: a hole, data, a hole up to the end of the disk. */
    struct shyper_blk_req reqs[] = {
        request(0, 0, SHYPER_BLK_READ, 0, 8 * SECTOR),
        request(0, 1, SHYPER_BLK_READ, 8, 8 * SECTOR),
        request(0, 2, SHYPER_BLK_READ, 16, (SECTORS - 16) * SECTOR),
    };
    serve_batch(reqs, 3);
    EXPECT_EQ(d[0].status, SHYPER_BLK_OK | SHYPER_BLK_DONE_ZEROS);
    EXPECT_EQ(d[0].bytes, 8 * SECTOR);
    EXPECT_TRUE(untouched(0, 8 * SECTOR));
    EXPECT_EQ(d[1].status, SHYPER_BLK_OK);
    EXPECT_EQ(d[1].bytes, 8 * SECTOR);
    EXPECT_TRUE(memcmp(buffer + SLOT_SIZE, data, sizeof(data)) == 0);
    EXPECT_EQ(d[2].status, SHYPER_BLK_OK | SHYPER_BLK_DONE_ZEROS);
    EXPECT_TRUE(untouched(2, (SECTORS - 16) * SECTOR));

    /* Part hole, part data: read, the hole as zeros. */
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_READ, 4, 8 * SECTOR).status, SHYPER_BLK_OK);
    EXPECT_EQ(buffer[0], 0);
    EXPECT_TRUE(memcmp(buffer + 4 * SECTOR, data, 4 * SECTOR) == 0);

    /* A hypervisor without SHYPER_BLK_DONE_ZEROS: holes are read. */
    server.zeros = false;
    EXPECT_EQ(serve(0, 2, SHYPER_BLK_READ, 16, SECTOR).status, SHYPER_BLK_OK);
    EXPECT_EQ(buffer[2 * SLOT_SIZE], 0);
    EXPECT_EQ(server.failed, 0);
    teardown();
}

TEST(cli_mediated_batches)
{
    uint8_t data[8 * SECTOR], back[8 * SECTOR];
    const struct shyper_blk_done *d = server.done;

    sparse_setup(data);
    /* Two adjacent WRITEs, a refused one, a FLUSH, a READ of what the first two wrote. */
    memset(buffer, 0x11, 4 * SECTOR);
    memset(buffer + SLOT_SIZE, 0x22, 4 * SECTOR);
    struct shyper_blk_req reqs[] = {
        request(0, 0, SHYPER_BLK_WRITE, 24, 4 * SECTOR),
        request(0, 1, SHYPER_BLK_WRITE, 28, 4 * SECTOR),
        request(0, 1, SHYPER_BLK_WRITE, SECTORS, SECTOR),
        request(0, 1, SHYPER_BLK_FLUSH, 0, 0),
        request(0, 2, SHYPER_BLK_READ, 24, 8 * SECTOR),
    };
    serve_batch(reqs, 5);
    EXPECT_EQ(d[0].status, SHYPER_BLK_OK);
    EXPECT_EQ(d[1].status, SHYPER_BLK_OK);
    EXPECT_EQ(d[2].status, SHYPER_BLK_IOERR);
    EXPECT_EQ(d[3].status, SHYPER_BLK_OK);
    EXPECT_EQ(d[4].status, SHYPER_BLK_OK);
    file_bytes(24 * SECTOR, back, sizeof(back));
    EXPECT_TRUE(back[0] == 0x11 && back[4 * SECTOR - 1] == 0x11 && back[4 * SECTOR] == 0x22 &&
                back[8 * SECTOR - 1] == 0x22);
    EXPECT_TRUE(memcmp(buffer + 2 * SLOT_SIZE, back, sizeof(back)) == 0);

    /* Adjacent on disk but for different disks or out of order: served one by one. */
    struct shyper_blk_req apart[] = {
        request(0, 0, SHYPER_BLK_READ, 12, 4 * SECTOR),
        request(1, 1, SHYPER_BLK_READ, 16, 4 * SECTOR),
        request(0, 2, SHYPER_BLK_READ, 8, 4 * SECTOR),
    };
    serve_batch(apart, 3);
    EXPECT_EQ(d[0].status, SHYPER_BLK_OK);
    EXPECT_EQ(d[1].status, SHYPER_BLK_IOERR);
    EXPECT_EQ(d[2].status, SHYPER_BLK_OK);
    EXPECT_TRUE(memcmp(buffer, data + 4 * SECTOR, 4 * SECTOR) == 0);
    EXPECT_TRUE(memcmp(buffer + 2 * SLOT_SIZE, data, 4 * SECTOR) == 0);

    /* No more results than the queue holds. */
    server.nr_done = SHYPER_MEDIATED_MAX_SLOTS - 1;
    mediated_serve(&server, apart, 3);
    EXPECT_EQ(server.nr_done, SHYPER_MEDIATED_MAX_SLOTS);
    server.nr_done = 0;
    teardown();
}

TEST(cli_mediated_shrank_not_zeros)
{
    uint8_t data[8 * SECTOR];

    sparse_setup(data);
    EXPECT_EQ(truncate(cfg.paths[0], 16 * SECTOR), 0);
    struct shyper_blk_done d = serve(0, 0, SHYPER_BLK_READ, 16, SECTOR); /* past the end */
    EXPECT_EQ(d.status, SHYPER_BLK_IOERR);
    EXPECT_EQ(serve(0, 0, SHYPER_BLK_READ, 12, 8 * SECTOR).status, SHYPER_BLK_IOERR);
    teardown();
}

// UNIT_SOURCES: cli/mediated_daemon.c
/* The mediated-disk service of `shyper system daemon` (cli/mediated_daemon.c) against real
 * files on the build host: which disks it serves, READ/WRITE/FLUSH between a disk and its
 * request's slot of a buffer, and IOERR/UNSUPP for every request that must not touch a
 * disk (outside the disk or the buffer, an unserved disk, a disk that shrank). */
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

/* Serves one request and returns its result. */
static struct shyper_blk_done serve(uint32_t disk, uint32_t slot, uint32_t op, uint64_t sector,
                                    uint32_t len)
{
    struct shyper_blk_req req = {
        .type = SHYPER_MSG_BLK_REQ,
        .disk = disk,
        .id = id_of(slot),
        .sector = sector,
        .op = op,
        .len = len,
    };
    unsigned before = server.nr_done;

    mediated_serve(&server, &req);
    EXPECT_EQ(server.nr_done, before + 1);
    EXPECT_EQ(server.done[before].id, req.id);
    server.nr_done = 0;
    return server.done[before];
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

/* test_readahead.c - the read-ahead stream gives back a file's bytes
 * exactly, in order, whatever the read sizes (across ring slots, at exact
 * slot multiples, empty files), reports its position through ftello, and
 * refuses what is not a regular file. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "readahead.h"
#include "unit.h"

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

/* Writes n pattern bytes to a fresh temporary file; its path into path. */
static int make_file(size_t n, char path[64])
{
    snprintf(path, 64, "/tmp/ps-test-readahead.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    uint8_t buf[4096];
    for (size_t off = 0; off < n;) {
        size_t k = n - off < sizeof buf ? n - off : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern(off + i);
        if (write(fd, buf, k) != (ssize_t)k) {
            close(fd);
            return -1;
        }
        off += k;
    }
    close(fd);
    return 0;
}

/* Reads the whole file back in chunks of varying size (1..max). */
static void check_file(size_t n, size_t max)
{
    char path[64];
    CHECK(make_file(n, path) == 0);
    FILE *f = readahead_open(path);
    CHECK(f != NULL);
    if (!f) {
        unlink(path);
        return;
    }
    static uint8_t buf[300000];
    size_t got = 0, bad = 0, step = 1, bad_pos = 0;
    for (;;) {
        size_t want = 1 + (step * 7919) % max;
        step++;
        size_t k = fread(buf, 1, want, f);
        for (size_t i = 0; i < k; i++)
            bad += buf[i] != pattern(got + i);
        got += k;
        bad_pos += ftello(f) != (off_t)got;
        if (k < want)
            break;
    }
    CHECK_INT(got, n);
    CHECK_INT(bad, 0);
    CHECK_INT(bad_pos, 0);
    CHECK(feof(f) && !ferror(f));
    CHECK(fclose(f) == 0);
    unlink(path);
}

/* Closing before the end stops the thread cleanly. */
static void check_early_close(void)
{
    char path[64];
    CHECK(make_file(3 << 20, path) == 0);
    FILE *f = readahead_open(path);
    CHECK(f != NULL);
    uint8_t b[100];
    if (f) {
        CHECK_INT(fread(b, 1, sizeof b, f), sizeof b);
        CHECK_INT(b[99], pattern(99));
        CHECK(fclose(f) == 0);
    }
    unlink(path);
}

static void check_refused(void)
{
    errno = 0;
    CHECK(readahead_open("/tmp") == NULL);
    CHECK_INT(errno, ENOTSUP);
    errno = 0;
    CHECK(readahead_open("/nonexistent/ps-test-readahead") == NULL);
    CHECK_INT(errno, ENOENT);
}

UNIT_MAIN({
    check_file(0, 100);
    check_file(1, 100);
    check_file(1000, 16);
    check_file(256 * 1024, 70000);      /* exactly one slot */
    check_file(4 * 256 * 1024, 300000); /* exactly the ring */
    check_file(3 * 1000 * 1000 + 17, 2000);
    check_file(5 * 1000 * 1000 + 3, 300000);
    check_early_close();
    check_refused();
})

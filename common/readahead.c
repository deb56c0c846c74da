/* readahead.c - a file read ahead by a second thread into a ring of
 * buffers, consumed through a glibc cookie stream (see readahead.h). */
#include "readahead.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Small enough to stay in cache between the two threads, large enough
 * that the threads meet only every 256 KiB. */
#define RA_SLOTS 4
#define RA_SLOT_SIZE (256 * 1024)

struct ra_slot {
    char *buf;
    size_t len; /* bytes filled */
    int err;    /* errno of a failed read(), 0 none */
    bool eof;   /* nothing follows these bytes (end of file or error) */
    bool full;  /* filled by the thread and not yet consumed */
};

struct readahead {
    int fd;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t filled, freed;
    bool stop; /* set by the consumer on close */
    struct ra_slot slot[RA_SLOTS];
    /* consumer side, touched by the reading thread only */
    unsigned cur;  /* slot being consumed */
    bool have;     /* slot[cur] is known to be full */
    size_t off;    /* offset in slot[cur] */
    off_t pos;     /* bytes handed out so far */
};

/* Reads until buf is full, the file ends or read() fails. */
static size_t fill(int fd, char *buf, size_t size, int *err)
{
    size_t len = 0;
    while (len < size) {
        ssize_t n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            *err = errno;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    return len;
}

static void *ra_main(void *arg)
{
    struct readahead *ra = arg;
    for (unsigned i = 0;; i = (i + 1) % RA_SLOTS) {
        struct ra_slot *s = &ra->slot[i];
        pthread_mutex_lock(&ra->mu);
        while (s->full && !ra->stop)
            pthread_cond_wait(&ra->freed, &ra->mu);
        bool stop = ra->stop;
        pthread_mutex_unlock(&ra->mu);
        if (stop)
            return NULL;
        int err = 0; /* the slot is not full: the consumer leaves it alone */
        size_t len = fill(ra->fd, s->buf, RA_SLOT_SIZE, &err);
        pthread_mutex_lock(&ra->mu);
        s->len = len;
        s->err = err;
        s->eof = len < RA_SLOT_SIZE || err;
        s->full = true;
        bool eof = s->eof;
        pthread_cond_signal(&ra->filled);
        pthread_mutex_unlock(&ra->mu);
        if (eof)
            return NULL;
    }
}

/* Makes slot[cur] full, waiting for the thread if needed. */
static struct ra_slot *ra_current(struct readahead *ra)
{
    struct ra_slot *s = &ra->slot[ra->cur];
    if (!ra->have) {
        pthread_mutex_lock(&ra->mu);
        while (!s->full)
            pthread_cond_wait(&ra->filled, &ra->mu);
        pthread_mutex_unlock(&ra->mu);
        ra->have = true;
    }
    return s;
}

/* Gives slot[cur] back to the thread and moves to the next one. */
static void ra_release(struct readahead *ra, struct ra_slot *s)
{
    pthread_mutex_lock(&ra->mu);
    s->full = false;
    pthread_cond_signal(&ra->freed);
    pthread_mutex_unlock(&ra->mu);
    ra->cur = (ra->cur + 1) % RA_SLOTS;
    ra->have = false;
    ra->off = 0;
}

static ssize_t ra_read(void *cookie, char *buf, size_t size)
{
    struct readahead *ra = cookie;
    size_t done = 0;
    while (done < size) {
        struct ra_slot *s = ra_current(ra);
        if (ra->off == s->len) {
            if (!s->eof) {
                ra_release(ra, s);
                continue;
            }
            if (s->err && done == 0) {
                errno = s->err;
                return -1;
            }
            break;
        }
        size_t n = s->len - ra->off;
        if (n > size - done)
            n = size - done;
        memcpy(buf + done, s->buf + ra->off, n);
        ra->off += n;
        done += n;
    }
    ra->pos += (off_t)done;
    return (ssize_t)done;
}

/* Only asking where we are (ftello) is supported. */
static int ra_seek(void *cookie, off64_t *offset, int whence)
{
    struct readahead *ra = cookie;
    if ((whence == SEEK_CUR && *offset == 0) || (whence == SEEK_SET && *offset == ra->pos)) {
        *offset = ra->pos;
        return 0;
    }
    errno = ESPIPE;
    return -1;
}

static void ra_free(struct readahead *ra, bool started)
{
    if (started) {
        pthread_mutex_lock(&ra->mu);
        ra->stop = true;
        pthread_cond_signal(&ra->freed);
        pthread_mutex_unlock(&ra->mu);
        pthread_join(ra->th, NULL);
    }
    pthread_cond_destroy(&ra->filled);
    pthread_cond_destroy(&ra->freed);
    pthread_mutex_destroy(&ra->mu);
    close(ra->fd);
    free(ra->slot[0].buf);
    free(ra);
}

static int ra_close(void *cookie)
{
    ra_free(cookie, true);
    return 0;
}

/* The ring and its thread for an open fd; NULL with errno set. */
static struct readahead *ra_start(int fd)
{
    struct readahead *ra = calloc(1, sizeof *ra);
    char *mem = ra ? malloc((size_t)RA_SLOTS * RA_SLOT_SIZE) : NULL;
    if (!mem) {
        free(ra);
        errno = ENOMEM;
        return NULL;
    }
    ra->fd = fd;
    for (int i = 0; i < RA_SLOTS; i++)
        ra->slot[i].buf = mem + (size_t)i * RA_SLOT_SIZE;
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->filled, NULL);
    pthread_cond_init(&ra->freed, NULL);
    int rc = pthread_create(&ra->th, NULL, ra_main, ra);
    if (rc != 0) {
        ra_free(ra, false); /* closes fd */
        errno = rc;
        return NULL;
    }
    return ra;
}

FILE *readahead_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = ENOTSUP;
        return NULL;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct readahead *ra = ra_start(fd);
    if (!ra)
        return NULL;
    cookie_io_functions_t io = {.read = ra_read, .seek = ra_seek, .close = ra_close};
    FILE *f = fopencookie(ra, "r", io);
    if (!f) {
        ra_free(ra, true);
        errno = ENOMEM;
        return NULL;
    }
    /* stdio's own buffer: 64 KiB, cache-resident (the default is 8 KiB) */
    setvbuf(f, NULL, _IOFBF, 64 * 1024);
    return f;
}

/* writer.c - ordered, durable shipping of live-capture batches. */
#include "writer.h"

#include "db.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct item {
    struct batch b;
    int finish;
    uint64_t capture_id;
    struct capture_totals totals;
    struct item *next;
};

struct writer {
    char conninfo[1024];
    char spool[512];
    size_t limit;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *head, *tail;
    uint64_t spool_next, spool_first; /* spool files [first, next) exist */
    int stopping;
    int64_t deadline;
    struct writer_stats st;
    PGconn *db;
};

static int64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void spool_path(const struct writer *w, uint64_t n, char *out, size_t len)
{
    snprintf(out, len, "%s/%012" PRIu64 ".batch", w->spool, n);
}

/* Called with the lock held: the item goes to disk, or is counted lost. */
static void spill(struct writer *w, struct item *it)
{
    char path[600];
    spool_path(w, w->spool_next, path, sizeof path);
    if (w->spool[0] && batch_save(&it->b, path) == 0) {
        w->spool_next++;
        w->st.spooled_files++;
    } else {
        w->st.dropped_batches++;
        w->st.dropped_rows += batch_rows(&it->b);
        log_error("writer: batch of %zu rows lost (queue full%s)", batch_rows(&it->b),
                  w->spool[0] ? ", spool write failed" : ", no spool directory");
    }
    batch_free_bufs(&it->b);
    free(it);
}

static void enqueue(struct writer *w, struct item *it)
{
    pthread_mutex_lock(&w->mu);
    size_t bytes = batch_bytes(&it->b);
    int keep_order = w->spool_next > w->spool_first; /* spool not drained yet */
    if (!it->finish && (keep_order || w->st.queued_bytes + bytes > w->limit)) {
        spill(w, it);
    } else {
        it->next = NULL;
        if (w->tail)
            w->tail->next = it;
        else
            w->head = it;
        w->tail = it;
        w->st.queued_bytes += bytes;
        w->st.queued_items++;
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void writer_put_batch(struct writer *w, struct batch *b)
{
    struct item *it = calloc(1, sizeof *it);
    if (!it) {
        batch_free_bufs(b);
        return;
    }
    it->b = *b;
    batch_init(b);
    enqueue(w, it);
}

void writer_put_finish(struct writer *w, uint64_t capture_id, const struct capture_totals *t)
{
    struct item *it = calloc(1, sizeof *it);
    if (!it)
        return;
    batch_init(&it->b);
    it->finish = 1;
    it->capture_id = capture_id;
    it->totals = *t;
    enqueue(w, it);
}

static int finish_capture(PGconn *db, const struct item *it, char *err, size_t errlen)
{
    const struct capture_totals *t = &it->totals;
    char v[8][32];
    snprintf(v[0], sizeof v[0], "%" PRIu64, it->capture_id);
    snprintf(v[1], sizeof v[1], "%" PRIu64, t->packets);
    snprintf(v[2], sizeof v[2], "%" PRIu64, t->bytes);
    snprintf(v[3], sizeof v[3], "%" PRIu64, t->flows);
    snprintf(v[4], sizeof v[4], "%" PRIu64, t->drops);
    snprintf(v[5], sizeof v[5], "%" PRIu64, t->malformed);
    snprintf(v[6], sizeof v[6], "%.6f", (double)t->first_us / 1e6);
    snprintf(v[7], sizeof v[7], "%.6f", (double)t->last_us / 1e6);
    const char *p[10] = {v[0], v[1], v[2], v[3], v[4], v[5], t->packets ? v[6] : NULL,
                         t->packets ? v[7] : NULL, t->failed ? "failed" : "done",
                         t->error[0] ? t->error : NULL};
    PGresult *r = PQexecParams(
        db,
        "UPDATE captures SET packets = $2, bytes = $3, flows = $4, drops = $5, malformed = $6,"
        " first_ts = to_timestamp($7::float8), last_ts = to_timestamp($8::float8),"
        " status = $9, error = $10, ended_at = now() WHERE id = $1",
        10, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "finishing capture: %s", PQerrorMessage(db));
    PQclear(r);
    return ok ? 0 : -1;
}

/* One transaction; COMMIT must really say COMMIT. */
static int apply(PGconn *db, const struct item *it, char *err, size_t errlen)
{
    PGresult *r = PQexec(db, "BEGIN");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        snprintf(err, errlen, "BEGIN: %s", PQerrorMessage(db));
        return -1;
    }
    ok = it->finish ? finish_capture(db, it, err, errlen) == 0
                    : batch_ship(db, &it->b, err, errlen) == 0;
    r = PQexec(db, ok ? "COMMIT" : "ROLLBACK");
    if (ok && (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0)) {
        snprintf(err, errlen, "COMMIT did not commit: %s", PQerrorMessage(db));
        ok = 0;
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static int ensure_connected(struct writer *w)
{
    if (w->db && PQstatus(w->db) == CONNECTION_OK)
        return 0;
    PQfinish(w->db);
    char err[PS_ERRBUF];
    w->db = ps_db_connect(w->conninfo, err, sizeof err);
    if (!w->db)
        log_warn("writer: %s", err);
    return w->db ? 0 : -1;
}

/* Waits up to s seconds, waking early when stopping. Lock held. */
static void backoff_wait(struct writer *w, int s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s;
    pthread_cond_timedwait(&w->cv, &w->mu, &until);
}

/* Next item: the memory queue first (oldest), then the spool in order. */
static struct item *next_item(struct writer *w, int *from_spool)
{
    *from_spool = 0;
    if (w->head)
        return w->head;
    if (w->spool_first == w->spool_next)
        return NULL;
    struct item *it = calloc(1, sizeof *it);
    char path[600];
    spool_path(w, w->spool_first, path, sizeof path);
    if (!it || batch_load(&it->b, path) < 0) {
        log_error("writer: spool file %s unreadable: skipped", path);
        free(it);
        unlink(path);
        w->spool_first++;
        return NULL;
    }
    *from_spool = 1;
    return it;
}

static void done_with(struct writer *w, struct item *it, int from_spool)
{
    if (from_spool) {
        char path[600];
        spool_path(w, w->spool_first++, path, sizeof path);
        unlink(path);
    } else {
        w->head = it->next;
        if (!w->head)
            w->tail = NULL;
        w->st.queued_bytes -= batch_bytes(&it->b);
        w->st.queued_items--;
    }
    w->st.committed_batches++;
    w->st.committed_rows += batch_rows(&it->b);
    batch_free_bufs(&it->b);
    free(it);
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    int backoff = 1;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        int from_spool;
        struct item *it = next_item(w, &from_spool);
        if (!it) {
            if (w->stopping && !w->head && w->spool_first == w->spool_next)
                break;
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        if (w->stopping && now_s() > w->deadline)
            break;
        pthread_mutex_unlock(&w->mu);
        char err[PS_ERRBUF] = "";
        int rc = ensure_connected(w) == 0 ? apply(w->db, it, err, sizeof err) : -1;
        pthread_mutex_lock(&w->mu);
        w->st.connected = rc == 0;
        if (rc == 0) {
            done_with(w, it, from_spool);
            backoff = 1;
            continue;
        }
        if (err[0])
            log_warn("writer: %s (retrying in %d s)", err, backoff);
        if (from_spool) { /* stays on disk; reloaded next time */
            batch_free_bufs(&it->b);
            free(it);
        }
        PQfinish(w->db);
        w->db = NULL;
        backoff_wait(w, w->stopping ? 1 : backoff);
        backoff = backoff < 30 ? backoff * 2 : 30;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Finds spool files left by an earlier run so they are replayed first. */
static void scan_spool(struct writer *w)
{
    DIR *d = w->spool[0] ? opendir(w->spool) : NULL;
    struct dirent *e;
    uint64_t lo = UINT64_MAX, hi = 0;
    while (d && (e = readdir(d))) {
        uint64_t n;
        char tail[16];
        if (sscanf(e->d_name, "%12" SCNu64 "%15s", &n, tail) == 2 && !strcmp(tail, ".batch")) {
            lo = n < lo ? n : lo;
            hi = n + 1 > hi ? n + 1 : hi;
        }
    }
    if (d)
        closedir(d);
    w->spool_first = lo == UINT64_MAX ? 0 : lo;
    w->spool_next = hi > w->spool_first ? hi : w->spool_first;
    if (w->spool_next > w->spool_first)
        log_info("writer: replaying %" PRIu64 " spooled batches", w->spool_next - w->spool_first);
}

struct writer *writer_start(const char *conninfo, size_t queue_bytes, const char *spool_dir)
{
    struct writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    snprintf(w->conninfo, sizeof w->conninfo, "%s", conninfo ? conninfo : "");
    snprintf(w->spool, sizeof w->spool, "%s", spool_dir ? spool_dir : "");
    w->limit = queue_bytes;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    scan_spool(w);
    if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void writer_get_stats(struct writer *w, struct writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

void writer_stop(struct writer *w, int timeout_s)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    w->deadline = now_s() + timeout_s;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    while (w->head) { /* not shipped in time: spool or count */
        struct item *it = w->head;
        w->head = it->next;
        if (it->finish) {
            free(it);
            continue;
        }
        spill(w, it);
    }
    PQfinish(w->db);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

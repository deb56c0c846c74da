/* job_worker.c - one upload job in a child process without capabilities:
 * large object -> temporary file -> pipeline -> one transaction. */
#include "capture_row.h"
#include "db.h"
#include "log.h"
#include "options.h"
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq/libpq-fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct job {
    long long id;
    int attempts;
    const char *worker;
    char ids[24], att[16];
    char name[256], sha[72], filter[512];
    long long oid, size;
    uint64_t max_packets;
    int store_packets;
    PGconn *data, *prog;
    int lost_lease;
    double last_progress;
    const struct options *o;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_options(struct job *j, const char *text)
{
    json_t *o = json_loads(text ? text : "{}", 0, NULL);
    const char *s;
    if ((s = json_string_value(json_object_get(o, "name"))) && *s)
        snprintf(j->name, sizeof j->name, "%s", s);
    if ((s = json_string_value(json_object_get(o, "filter"))))
        snprintf(j->filter, sizeof j->filter, "%s", s);
    json_t *m = json_object_get(o, "max_packets");
    if (json_is_integer(m) && json_integer_value(m) > 0)
        j->max_packets = (uint64_t)json_integer_value(m);
    json_t *sp = json_object_get(o, "store_packets");
    j->store_packets = !json_is_false(sp);
    json_decref(o);
}

static int load_job(struct job *j, char *err, size_t errlen)
{
    const char *params[2] = {j->ids, j->worker};
    PGresult *r = PQexecParams(j->prog,
                               "SELECT file_name, coalesce(blob_oid, 0), coalesce(sha256, ''),"
                               " options::text, size FROM jobs WHERE id = $1 AND worker = $2",
                               2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        snprintf(j->name, sizeof j->name, "%s", PQgetvalue(r, 0, 0));
        j->oid = atoll(PQgetvalue(r, 0, 1));
        snprintf(j->sha, sizeof j->sha, "%s", PQgetvalue(r, 0, 2));
        parse_options(j, PQgetvalue(r, 0, 3));
        j->size = atoll(PQgetvalue(r, 0, 4));
    } else {
        snprintf(err, errlen, "job no longer ours or gone");
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* Copies the upload's large object into fd, in one read transaction. */
static int fetch_blob(struct job *j, int fd, char *err, size_t errlen)
{
    if (j->oid == 0) {
        snprintf(err, errlen, "upload data missing (already released)");
        return -1;
    }
    PQclear(PQexec(j->prog, "BEGIN"));
    int lo = lo_open(j->prog, (Oid)j->oid, INV_READ), rc = 0;
    static char buf[1 << 20];
    int n;
    while (lo >= 0 && (n = lo_read(j->prog, lo, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (lo < 0 || rc < 0)
        snprintf(err, errlen, "reading upload: %s", lo < 0 ? PQerrorMessage(j->prog) : strerror(errno));
    PQclear(PQexec(j->prog, "COMMIT"));
    return lo < 0 ? -1 : rc;
}

/* Progress and lease renewal on the side connection; 1 stops the read. */
static int on_progress(void *ctx, uint64_t packets, uint64_t bytes)
{
    struct job *j = ctx;
    if (mono() - j->last_progress < 0.3 && bytes)
        return 0;
    j->last_progress = mono();
    char p[24], b[24], lease[32];
    snprintf(p, sizeof p, "%llu", (unsigned long long)packets);
    snprintf(b, sizeof b, "%llu", (unsigned long long)(bytes ? bytes : (uint64_t)j->size));
    snprintf(lease, sizeof lease, "%d seconds", j->o->lease_s);
    const char *params[5] = {j->ids, j->worker, p, b, lease};
    PGresult *r = PQexecParams(j->prog,
                               "UPDATE jobs SET packets_done = $3, bytes_done = $4,"
                               " lease_until = now() + $5::interval"
                               " WHERE id = $1 AND worker = $2 AND state = 'running'",
                               5, NULL, params, NULL, NULL, 0);
    j->lost_lease = PQresultStatus(r) == PGRES_COMMAND_OK && atoi(PQcmdTuples(r)) == 0;
    PQclear(r);
    return j->lost_lease;
}

static int mark_failed(struct job *j, const char *reason)
{
    const char *params[3] = {j->ids, j->worker, reason};
    PGresult *r = PQexecParams(j->prog,
                               "UPDATE jobs SET state = 'failed', error = $3, finished_at = now(),"
                               " lease_until = NULL WHERE id = $1 AND worker = $2",
                               3, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQclear(PQexecParams(j->prog, "SELECT ps_job_release_blob($1)", 1, NULL, params, NULL, NULL,
                         0));
    return ok ? 0 : -1;
}

/* In the data transaction: the job is ours (same worker and attempt) and done. */
static int mark_done(struct job *j, uint64_t capture_id, uint64_t packets)
{
    char cid[24], pk[24];
    snprintf(cid, sizeof cid, "%llu", (unsigned long long)capture_id);
    snprintf(pk, sizeof pk, "%llu", (unsigned long long)packets);
    const char *params[5] = {j->ids, j->worker, j->att, cid, pk};
    PGresult *r = PQexecParams(j->data,
                               "UPDATE jobs SET state = 'done', capture_id = $4, packets_done = $5,"
                               " bytes_done = size, finished_at = now(), lease_until = NULL,"
                               " error = NULL WHERE id = $1 AND worker = $2 AND attempts = $3"
                               " AND state = 'running'",
                               5, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK && atoi(PQcmdTuples(r)) == 1;
    PQclear(r);
    return ok ? 0 : -1;
}

static int commit(PGconn *db)
{
    PGresult *r = PQexec(db, "COMMIT");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    return ok ? 0 : -1;
}

/* Returns the child's exit code: 0 finished (done or failed for bad input),
 * 3 to be retried (database trouble, lease lost). */
static int run(struct job *j, const char *path, int sensor_id)
{
    char err[PS_ERRBUF] = "";
    PQclear(PQexec(j->data, "BEGIN"));
    struct capture_new cn = {.kind = "file", .source = j->name, .sha256 = j->sha,
                             .filter = j->filter, .job_id = j->id, .sensor_id = sensor_id};
    uint64_t cid = capture_insert(j->data, &cn, err, sizeof err);
    struct ps_pipeline *p = NULL;
    int rc = cid ? analyse_into_db(j->data,
                                   &(struct analyse_req){
                                       .path = path, .capture_id = cid,
                                       .policy = j->store_packets ? (int)j->o->packets : PACKETS_NONE,
                                       .first_n = j->o->packets_first_n, .flow = &j->o->flow,
                                       .ro = {.max_packets = j->max_packets, .bpf = j->filter,
                                              .progress = on_progress, .ctx = j},
                                       .detect = &j->o->detect},
                                   &p, err, sizeof err)
                 : 1;
    uint64_t packets = p ? ps_pipeline_counters(p)->packets : 0;
    ps_pipeline_free(p);
    if (rc == 0 && (mark_done(j, cid, packets) < 0 || commit(j->data) < 0))
        rc = 1;
    if (rc == 0) {
        PQclear(PQexecParams(j->prog, "SELECT ps_job_release_blob($1)", 1, NULL,
                             (const char *[]){j->ids}, NULL, NULL, 0));
        log_info("job %lld: done, capture %llu, %llu packets", j->id, (unsigned long long)cid,
                 (unsigned long long)packets);
        return 0;
    }
    PQclear(PQexec(j->data, "ROLLBACK"));
    if (rc == 2 && !j->lost_lease) {
        log_warn("job %lld: failed: %s", j->id, err);
        return mark_failed(j, err) == 0 ? 0 : 3;
    }
    log_warn("job %lld: %s: will be retried", j->id, j->lost_lease ? "lease lost" : err);
    return 3;
}

int job_child_main(const struct options *o, int sensor_id, long long job_id,
                   const char *worker, int attempts);
int job_child_main(const struct options *o, int sensor_id, long long job_id,
                   const char *worker, int attempts)
{
    char err[PS_ERRBUF] = "", path[] = "/tmp/packetsight-job-XXXXXX";
    if (privs_drop_all(o->user, err, sizeof err) < 0) {
        log_error("job %lld: %s", job_id, err);
        return 3;
    }
    struct job j = {.id = job_id, .attempts = attempts, .worker = worker, .o = o};
    snprintf(j.ids, sizeof j.ids, "%lld", job_id);
    snprintf(j.att, sizeof j.att, "%d", attempts);
    j.data = ps_db_connect(o->db, err, sizeof err);
    j.prog = j.data ? ps_db_connect(o->db, err, sizeof err) : NULL;
    int fd = j.prog ? mkstemp(path) : -1;
    int rc = 3;
    if (fd >= 0 && load_job(&j, err, sizeof err) == 0 && fetch_blob(&j, fd, err, sizeof err) == 0)
        rc = run(&j, path, sensor_id);
    else if (err[0])
        log_warn("job %lld: %s", job_id, err);
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    PQfinish(j.data);
    PQfinish(j.prog);
    return rc;
}

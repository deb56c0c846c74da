/* cmd_read.c - captured --read: one capture file into one new capture, all
 * in one transaction (whole or nothing), or a JSON summary without a DB. */
#include "alerts.h"
#include "commands.h"
#include "db.h"
#include "capture_row.h"
#include "summary.h"
#include "tsv.h"

#include <inttypes.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int file_sha256(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t n;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; ok && i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return ok ? 0 : -1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int read_no_db(const struct options *o)
{
    enum tsv_kind kind = o->tsv ? tsv_kind_from(o->tsv) : TSV_NONE;
    if (o->tsv && kind == TSV_NONE && strcmp(o->tsv, "alerts") != 0) {
        fprintf(stderr, "captured: --tsv takes flows, packets, dns, http, tls or alerts\n");
        return 2;
    }
    int alerts_tsv = o->tsv && strcmp(o->tsv, "alerts") == 0;
    if (alerts_tsv)
        kind = TSV_NONE;
    struct summary *s = summary_new();
    struct ps_sink sink = s ? summary_sink(s) : (struct ps_sink){0};
    if (kind != TSV_NONE)
        sink = tsv_sink(kind, stdout, sink);
    struct nodb_extra extra = {.next = sink, .tsv = alerts_tsv ? stdout : NULL,
                               .countries_wanted = !o->tsv && !o->json};
    sink = nodb_extra_sink(&extra);
    struct ps_pipeline *p = ps_pipeline_new(&o->flow, &sink, 0);
    if (p && ps_pipeline_enable_detection(p, &o->detect) < 0) {
        ps_pipeline_free(p);
        p = NULL;
    }
    if (!s || !p) {
        fprintf(stderr, "captured: out of memory setting up the flow table\n");
        summary_free(s);
        ps_pipeline_free(p);
        return 1;
    }
    char err[PS_ERRBUF];
    double t0 = now_s();
    struct ps_read_opts ro = {.max_packets = o->max_packets, .bpf = o->filter};
    int rc = ps_read_file(p, o->read_path, &ro, err, sizeof err);
    if (rc == 0)
        ps_pipeline_finish(p);
    double elapsed = now_s() - t0;
    if (rc < 0)
        fprintf(stderr, "captured: %s\n", err);
    else if (kind != TSV_NONE || alerts_tsv)
        ; /* rows already printed */
    else if (o->json)
        summary_print_json(stdout, s, o->read_path, p, elapsed);
    else {
        const struct ps_counters *c = ps_pipeline_counters(p);
        printf("file=%s packets=%" PRIu64 " bytes=%" PRIu64 " flows=%" PRIu64 " elapsed=%.3fs"
               " alerts=%" PRIu64 " countries=%u\n",
               o->read_path, c->packets, c->bytes, flow_table_stats(ps_pipeline_flows(p))->ended,
               elapsed, extra.alerts, nodb_extra_countries(&extra));
    }
    ps_pipeline_free(p);
    summary_free(s);
    return rc < 0 ? 2 : 0;
}

/* The file's sha256 is computed on the second core while the first one
 * analyses: hashing a large capture costs as much as dissecting it. (Under
 * SCHED_IDLE it left the cores to the dissection and PostgreSQL on an idle
 * machine, but next to other work it finished only after everything else:
 * 2.0-2.1 s instead of 1.6 s for a 500,000-packet file beside two CPU hogs.) */
struct hasher {
    pthread_t th;
    const char *path;
    char sha[65];
    int rc;
};

static void *hash_main(void *arg)
{
    struct hasher *h = arg;
    h->rc = file_sha256(h->path, h->sha);
    return NULL;
}

/* Stores the hash in the open transaction; 0 or -1 (err filled). */
static int store_sha(PGconn *db, uint64_t id, struct hasher *h, char *err, size_t errlen)
{
    pthread_join(h->th, NULL);
    if (h->rc < 0) {
        snprintf(err, errlen, "%s: cannot read file for its sha256", h->path);
        return -1;
    }
    return capture_set_sha256(db, id, h->sha, err, errlen);
}

static int read_into_db(const struct options *o)
{
    char err[PS_ERRBUF] = "";
    struct hasher h = {.path = o->read_path};
    if (pthread_create(&h.th, NULL, hash_main, &h) != 0) {
        fprintf(stderr, "captured: cannot start a thread\n");
        return 1;
    }
    PGconn *db = ps_db_connect(o->db, err, sizeof err);
    if (!db || ps_db_check_schema(db, err, sizeof err) < 0) {
        fprintf(stderr, "captured: %s\n", err);
        PQfinish(db);
        pthread_join(h.th, NULL);
        return 1;
    }
    struct ps_pipeline *p = NULL;
    int rc = 1;
    uint64_t id = 0;
    char rb[PS_ERRBUF];
    if (ps_db_exec(db, "BEGIN", "BEGIN", err, sizeof err) == 0 &&
        (id = capture_insert(db,
                             &(struct capture_new){.kind = "file",
                                                   .source = o->name ? o->name
                                                                     : base_name(o->read_path),
                                                   .filter = o->filter},
                             err, sizeof err)) != 0)
        rc = analyse_into_db(db,
                             &(struct analyse_req){.path = o->read_path, .capture_id = id,
                                                   .policy = o->packets,
                                                   .first_n = o->packets_first_n,
                                                   .flow = &o->flow,
                                                   .ro = {.max_packets = o->max_packets,
                                                          .bpf = o->filter},
                                                   .detect = &o->detect},
                             &p, err, sizeof err);
    if (id == 0 || rc != 0)
        pthread_join(h.th, NULL);
    else if (store_sha(db, id, &h, err, sizeof err) < 0)
        rc = 1;
    if (rc == 0 && ps_db_exec(db, "COMMIT", "COMMIT", err, sizeof err) < 0)
        rc = 1;
    if (rc != 0) {
        ps_db_exec(db, "ROLLBACK", "ROLLBACK", rb, sizeof rb); /* err keeps the cause */
        fprintf(stderr, "captured: %s\n", err);
    } else {
        const struct ps_counters *c = ps_pipeline_counters(p);
        printf("capture_id=%" PRIu64 " file=%s packets=%" PRIu64 " bytes=%" PRIu64
               " flows=%" PRIu64 "\n",
               id, o->read_path, c->packets, c->bytes,
               flow_table_stats(ps_pipeline_flows(p))->ended);
    }
    ps_pipeline_free(p);
    PQfinish(db);
    return rc;
}

int cmd_read(const struct options *o)
{
    if (o->no_db)
        return read_no_db(o);
    if (!o->db[0]) {
        fprintf(stderr, "captured: no database: give --db, set PACKETSIGHT_DB, put 'db = ...'"
                        " in the config file, or use --no-db\n");
        return 2;
    }
    return read_into_db(o);
}

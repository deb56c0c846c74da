/* upload.c - POST /api/upload-pcap: the body streams into a PostgreSQL
 * large object UPLOAD_CHUNK bytes at a time (memory stays flat), its sha256
 * computed on the way; then, in the same transaction, the jobs row, the
 * writer's read grant on the object and NOTIFY packetsight_jobs (API.md). */
#include "columns.h"
#include "pcapcheck.h"
#include "upload_body.h"
#include "weblog.h"

#include <libpq/libpq-fs.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UPLOAD_CHUNK (256 * 1024)

struct lo_upload {
    struct web_ctx *ctx;
    struct http_reply *reply;
    PGconn *conn;          /* set once the transaction is open */
    Oid oid;
    int fd;
    long long size;
    int checked;           /* the header was found to be a capture */
    struct capinfo info;
    EVP_MD_CTX *md;
    const char *file_name_ptr; /* the upload_opts' file_name */
    size_t chunk_len;
    unsigned char chunk[UPLOAD_CHUNK];
};

static int db_fail(struct lo_upload *u, const PGresult *r)
{
    enum webdb_status st = r || !u->conn ? webdb_classify(&u->ctx->db, r) : WEBDB_UNAVAILABLE;
    handler_db_failure(u->ctx, st, u->reply);
    return u->reply->status;
}

/* Opens the transaction and the large object. */
static int open_blob(struct lo_upload *u)
{
    enum webdb_status st;
    PGconn *conn = webdb_conn(&u->ctx->db, &st);
    if (!conn) {
        handler_db_failure(u->ctx, st, u->reply);
        return u->reply->status;
    }
    PGresult *r = PQexec(conn, "BEGIN");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        u->conn = conn;
        int rc = db_fail(u, r);
        PQclear(r);
        u->conn = NULL;
        return rc;
    }
    PQclear(r);
    u->conn = conn;
    u->oid = lo_creat(conn, INV_READ | INV_WRITE);
    u->fd = u->oid == InvalidOid ? -1 : lo_open(conn, u->oid, INV_WRITE);
    return u->fd < 0 ? db_fail(u, NULL) : 0;
}

static int check_head(struct lo_upload *u, int final)
{
    char err[256];
    if (u->checked)
        return 0;
    int rc = pcapcheck_head(u->chunk, u->chunk_len, final, &u->info, err, sizeof err);
    if (rc < 0) {
        http_reply_fail(u->reply, 415, "not a capture file", "%s", err);
        return 415;
    }
    u->checked = rc > 0;
    return 0;
}

static int flush_chunk(struct lo_upload *u)
{
    int rc = check_head(u, 1);
    if (rc || u->chunk_len == 0)
        return rc;
    if (!u->conn && (rc = open_blob(u)) != 0)
        return rc;
    if (lo_write(u->conn, u->fd, (const char *)u->chunk, u->chunk_len) != (int)u->chunk_len)
        return db_fail(u, NULL);
    u->chunk_len = 0;
    return 0;
}

static int sink_begin(void *arg, const char *file_name)
{
    (void)arg;
    (void)file_name;
    return 0;
}

static int sink_data(void *arg, const unsigned char *p, size_t n)
{
    struct lo_upload *u = arg;
    if (u->size + (long long)n > u->ctx->upload_max) {
        http_reply_fail(u->reply, 413, "too large", "the file is larger than the limit of %lld bytes",
                        u->ctx->upload_max);
        return 413;
    }
    u->size += (long long)n;
    EVP_DigestUpdate(u->md, p, n);
    while (n > 0) {
        size_t take = sizeof u->chunk - u->chunk_len < n ? sizeof u->chunk - u->chunk_len : n;
        memcpy(u->chunk + u->chunk_len, p, take);
        u->chunk_len += take;
        p += take;
        n -= take;
        int rc = check_head(u, 0);
        if (!rc && u->chunk_len == sizeof u->chunk)
            rc = flush_chunk(u);
        if (rc)
            return rc;
    }
    return 0;
}

static int sink_end(void *arg)
{
    struct lo_upload *u = arg;
    int rc = check_head(u, 1);
    return rc ? rc : flush_chunk(u);
}

/* The jobs row, the grant and the notification, then COMMIT. */
static int commit_job(struct lo_upload *u, const struct upload_opts *o, const char *sha,
                      json_t **answer)
{
    char sql[96], size[24], oid[16];
    if (lo_close(u->conn, u->fd) < 0)
        return db_fail(u, NULL);
    snprintf(sql, sizeof sql, "GRANT SELECT ON LARGE OBJECT %u TO packetsight_writer", u->oid);
    PGresult *r = PQexec(u->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = db_fail(u, r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    json_t *opt = json_pack("{s:s}", "name", o->name[0] ? o->name : o->file_name);
    if (o->max_packets)
        json_object_set_new(opt, "max_packets", json_integer(o->max_packets));
    if (o->store_packets >= 0)
        json_object_set_new(opt, "store_packets", json_boolean(o->store_packets));
    if (o->has_filter)
        json_object_set_new(opt, "filter", json_string(o->filter));
    char *opts = json_dumps(opt, JSON_COMPACT);
    json_decref(opt);
    snprintf(size, sizeof size, "%lld", u->size);
    snprintf(oid, sizeof oid, "%u", u->oid);
    const char *params[5] = {u->file_name_ptr, size, sha, oid, opts};
    r = PQexecParams(u->conn,
                     "WITH j AS (INSERT INTO jobs (file_name, size, sha256, blob_oid, options)"
                     " VALUES ($1, $2::bigint, $3, $4::oid, $5::jsonb) RETURNING id)"
                     " SELECT id, pg_notify('packetsight_jobs', id::text) FROM j",
                     5, NULL, params, NULL, NULL, 0);
    free(opts);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = db_fail(u, r);
        PQclear(r);
        return rc;
    }
    *answer = json_pack("{s:o, s:s, s:I, s:s, s:s, s:s}", "job_id", pgcol_int(r, 0, 0),
                        "file_name", u->file_name_ptr, "size", (json_int_t)u->size, "sha256",
                        sha, "format", u->info.format, "state", "queued");
    PQclear(r);
    r = PQexec(u->conn, "COMMIT");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    int rc = ok ? 0 : db_fail(u, r);
    PQclear(r);
    if (ok)
        u->conn = NULL; /* nothing left to roll back */
    return rc;
}

static void sha_hex(EVP_MD_CTX *md, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void handle_upload_pcap(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    static struct lo_upload u; /* the chunk buffer: one request at a time */
    struct upload_opts opts = {.options_allowed = 1, .store_packets = -1};
    if (upload_opts_from_query(&opts, req, reply) != 0)
        return;
    /* multipart framing adds a little to the file's size */
    long long slack = strncasecmp(req->content_type, "multipart/", 10) == 0 ? 65536 : 0;
    if (req->content_length > ctx->upload_max + slack) {
        http_reply_fail(reply, 413, "too large", "the body (%lld bytes) is larger than the "
                        "limit of %lld bytes", req->content_length, ctx->upload_max);
        return;
    }
    memset(&u, 0, offsetof(struct lo_upload, chunk));
    u.ctx = ctx;
    u.reply = reply;
    u.fd = -1;
    u.file_name_ptr = opts.file_name;
    u.md = EVP_MD_CTX_new();
    if (!u.md || EVP_DigestInit_ex(u.md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(u.md);
        http_reply_error(reply, 500, "cannot compute sha256");
        return;
    }
    struct body_sink sink = {sink_begin, sink_data, sink_end, &u};
    json_t *answer = NULL;
    char sha[65] = "";
    int rc = upload_body_read(req, &opts, &sink, reply);
    if (rc == 0) {
        sha_hex(u.md, sha);
        rc = commit_job(&u, &opts, sha, &answer);
    }
    if (u.conn)
        PQclear(PQexec(u.conn, "ROLLBACK"));
    EVP_MD_CTX_free(u.md);
    if (rc == 0) {
        weblog("upload %s: %lld bytes, sha256 %s, job %lld", opts.file_name, u.size, sha,
               (long long)json_integer_value(json_object_get(answer, "job_id")));
        http_reply_set(reply, 202, answer);
    } else {
        json_decref(answer);
    }
}

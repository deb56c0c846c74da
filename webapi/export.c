/* export.c - streams a whole list result as CSV (RFC 4180), one JSON array,
 * or NDJSON, reading through a server-side cursor LIST_EXPORT_FETCH rows at a
 * time so memory stays flat whatever the result size. */
#include "list.h"
#include "weblog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fmt { FMT_CSV, FMT_JSON, FMT_NDJSON };

static void put_csv_field(FCGX_Stream *out, const char *s, size_t len)
{
    if (strcspn(s, ",\"\r\n") == len && (len == 0 || (s[0] != ' ' && s[len - 1] != ' '))) {
        FCGX_PutStr(s, (int)len, out);
        return;
    }
    FCGX_PutChar('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            FCGX_PutChar('"', out);
        FCGX_PutChar(s[i], out);
    }
    FCGX_PutChar('"', out);
}

static void put_csv_row(FCGX_Stream *out, const PGresult *r, int row,
                        const struct column *cols, int ncols)
{
    for (int i = 0; i < ncols; i++) {
        if (i)
            FCGX_PutChar(',', out);
        if (PQgetisnull(r, row, i))
            continue;
        const char *v = PQgetvalue(r, row, i);
        if (cols[i].type == COL_BOOL)
            v = v[0] == 't' ? "true" : "false";
        put_csv_field(out, v, strlen(v));
    }
    FCGX_PutS("\r\n", out);
}

static void put_json_row(FCGX_Stream *out, const PGresult *r, int row,
                         const struct column *cols, int ncols)
{
    json_t *o = list_row_json(r, row, cols, ncols);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    if (text)
        FCGX_PutS(text, out);
    else
        FCGX_PutS("null", out);
    free(text);
    json_decref(o);
}

static const char *content_type(enum fmt f)
{
    switch (f) {
    case FMT_CSV: return "text/csv; charset=utf-8";
    case FMT_JSON: return "application/json; charset=utf-8";
    default: return "application/x-ndjson; charset=utf-8";
    }
}

/* Runs a command on conn; 0, or -1 with the failure classified. */
static int exec_ok(struct web_ctx *ctx, PGconn *conn, const char *sql, enum webdb_status *st)
{
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        *st = webdb_classify(&ctx->db, r);
    PQclear(r);
    return ok ? 0 : -1;
}

static PGresult *fetch(struct web_ctx *ctx, PGconn *conn, enum webdb_status *st)
{
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH %d FROM ps_export", LIST_EXPORT_FETCH);
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    *st = webdb_classify(&ctx->db, r);
    PQclear(r);
    return NULL;
}

/* Writes the rows of r; *first tracks the JSON array's commas. */
static void put_rows(FCGX_Stream *out, const PGresult *r, enum fmt f, int *first,
                     const struct column *cols, int ncols)
{
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        if (f == FMT_CSV) {
            put_csv_row(out, r, i, cols, ncols);
            continue;
        }
        if (f == FMT_JSON && !*first)
            FCGX_PutS(",\n", out);
        put_json_row(out, r, i, cols, ncols);
        if (f == FMT_NDJSON)
            FCGX_PutChar('\n', out);
        *first = 0;
    }
}

static void put_head(FCGX_Stream *out, enum fmt f, const struct column *cols, int ncols)
{
    if (f == FMT_JSON)
        FCGX_PutS("[\n", out);
    if (f != FMT_CSV)
        return;
    for (int i = 0; i < ncols; i++) {
        if (i)
            FCGX_PutChar(',', out);
        FCGX_PutS(cols[i].name, out);
    }
    FCGX_PutS("\r\n", out);
}

/* Streams from the open cursor; the first batch is already in r. */
static void stream_rows(struct web_ctx *ctx, PGconn *conn, const struct http_request *req,
                        PGresult *r, enum fmt f, const struct column *cols, int ncols)
{
    enum webdb_status st;
    int first = 1;
    long long total = 0;
    put_head(req->out, f, cols, ncols);
    while (r && PQntuples(r) > 0) {
        total += PQntuples(r);
        put_rows(req->out, r, f, &first, cols, ncols);
        int last = PQntuples(r) < LIST_EXPORT_FETCH;
        PQclear(r);
        r = NULL;
        if (FCGX_GetError(req->out) != 0) {
            weblog("export: client went away after %lld rows", total);
            return;
        }
        if (!last && !(r = fetch(ctx, conn, &st))) {
            weblog("export: FETCH failed after %lld rows; output truncated", total);
            return;
        }
    }
    PQclear(r);
    if (f == FMT_JSON)
        FCGX_PutS(first ? "]\n" : "\n]\n", req->out);
}

void list_export(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply,
                 const struct sqlq *q, const struct column *cols, int ncols,
                 const char *format, const char *basename)
{
    enum fmt f = strcmp(format, "csv") == 0 ? FMT_CSV
                 : strcmp(format, "json") == 0 ? FMT_JSON : FMT_NDJSON;
    enum webdb_status st = WEBDB_OK;
    PGconn *conn = webdb_conn(&ctx->db, &st);
    if (!conn || q->failed) {
        handler_db_failure(ctx, q->failed ? WEBDB_ERROR : st, reply);
        return;
    }
    if (exec_ok(ctx, conn, "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ", &st) < 0) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    struct sqlq decl;
    sqlq_init(&decl);
    sqlq_add(&decl, "DECLARE ps_export NO SCROLL CURSOR FOR ");
    sqlq_add(&decl, q->sql);
    PGresult *r = decl.failed ? NULL
                              : PQexecParams(conn, decl.sql, q->nparams, NULL, sqlq_params(q),
                                             NULL, NULL, 0);
    sqlq_free(&decl);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        st = webdb_classify(&ctx->db, r);
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (!(r = fetch(ctx, conn, &st)))
        goto fail;
    char filename[160];
    snprintf(filename, sizeof filename, "%s.%s", basename, format);
    http_stream_begin(req, reply, 200, content_type(f), filename);
    if (strcmp(req->method, "HEAD") != 0)
        stream_rows(ctx, conn, req, r, f, cols, ncols);
    else
        PQclear(r);
    enum webdb_status ignored;
    exec_ok(ctx, conn, "ROLLBACK", &ignored);
    return;
fail:
    exec_ok(ctx, conn, "ROLLBACK", &ignored);
    handler_db_failure(ctx, st, reply);
}

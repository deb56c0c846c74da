/* captures.c - GET /api/captures, GET and DELETE /api/captures/{id}
 * (API.md, "Lists" and "Details"). */
#include "columns.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TS(col) SQL_ISO_UTC(col)

const struct column capture_cols[] = {
    {"id", "c.id", COL_INT},
    {"sensor", "s.name", COL_STR},
    {"kind", "c.kind", COL_STR},
    {"source", "c.source", COL_STR},
    {"interface", "c.interface", COL_STR},
    {"sha256", "c.sha256", COL_STR},
    {"filter", "c.filter", COL_STR},
    {"linktype", "c.linktype", COL_STR},
    {"status", "c.status", COL_STR},
    {"error", "c.error", COL_STR},
    {"job_id", "c.job_id", COL_INT},
    {"started_at", TS("c.started_at"), COL_STR},
    {"ended_at", TS("c.ended_at"), COL_STR},
    {"first_ts", TS("c.first_ts"), COL_STR},
    {"last_ts", TS("c.last_ts"), COL_STR},
    {"packets", "c.packets", COL_INT},
    {"bytes", "c.bytes", COL_INT},
    {"flows", "c.flows", COL_INT},
    {"drops", "c.drops", COL_INT},
    {"malformed", "c.malformed", COL_INT},
};
const int capture_ncols = NCOLS(capture_cols);

static const char *const kinds[] = {"live", "file", NULL};
static const char *const statuses[] = {"running", "done", "failed", NULL};

static const struct filter capture_filters[] = {
    {"capture", " AND c.id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"from", " AND c.started_at >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"to", " AND c.started_at < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"q", " AND c.source ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"kind", " AND c.kind = $?", FILTER_ENUM, 0, 0, kinds},
    {"status", " AND c.status = $?", FILTER_ENUM, 0, 0, statuses},
};

static const struct sortkey capture_sorts[] = {
    {"id", "c.id", "bigint"},
    {"started_at", "c.started_at", "timestamptz"},
    {"packets", "c.packets", "bigint"},
    {"bytes", "c.bytes", "bigint"},
};

static const struct list_spec captures_list = {
    .name = "captures", .from = CAPTURES_FROM " WHERE true",
    .cols = capture_cols, .ncols = NCOLS(capture_cols),
    .filters = capture_filters, .nfilters = NCOLS(capture_filters),
    .sorts = capture_sorts, .nsorts = NCOLS(capture_sorts),
    .tiebreak = {"c.id"}, .tiebreak_cast = {"bigint"}, .ntiebreak = 1,
};

void handle_captures(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    list_serve(ctx, req, reply, &captures_list);
}

/* The {id} of the path as a positive id (handlers.h). */
long long path_id(const struct http_request *req, struct http_reply *reply, const char *what,
                  char text[PATH_ID_TEXT])
{
    long long id = 0;
    int ok = req->path_arg_len < PATH_ID_TEXT;
    if (ok) {
        memcpy(text, req->path_arg, req->path_arg_len);
        text[req->path_arg_len] = '\0';
        ok = http_parse_positive_id(text, &id) == 0 && id <= INT64_MAX / 2;
    }
    if (!ok) {
        http_reply_bad_param(reply, "id", "%s ids are integers between 1 and %lld", what,
                             (long long)(INT64_MAX / 2));
        return 0;
    }
    struct qparams qp;
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return 0;
    qp_free(&qp);
    snprintf(text, PATH_ID_TEXT, "%lld", id); /* canonical: no leading zeros */
    return id;
}

void handle_capture_get(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "capture", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    json_t *items = query_items(ctx, reply, capture_cols, capture_ncols,
                                CAPTURES_FROM " WHERE c.id = $1::bigint", 1, params);
    if (!items)
        return;
    if (json_array_size(items) == 0)
        http_reply_fail(reply, 404, "not found", "capture %lld does not exist", id);
    else
        http_reply_set(reply, 200, json_incref(json_array_get(items, 0)));
    json_decref(items);
}

/* One statement, so one transaction: refuse a running one, delete its rows
 * table by table (counting them), then the capture. */
static const char sql_delete[] =
    "WITH c AS (SELECT id, status FROM captures WHERE id = $1::bigint),"
    " f AS (DELETE FROM flows WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " p AS (DELETE FROM packets WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " t AS (DELETE FROM traffic WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " d AS (DELETE FROM dns WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " h AS (DELETE FROM http WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " s AS (DELETE FROM tls WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " a AS (DELETE FROM alerts WHERE capture_id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1),"
    " x AS (DELETE FROM captures WHERE id = $1::bigint"
    "       AND (SELECT status FROM c) <> 'running' RETURNING 1)"
    " SELECT (SELECT status FROM c), (SELECT count(*) FROM x), (SELECT count(*) FROM f),"
    " (SELECT count(*) FROM p), (SELECT count(*) FROM t), (SELECT count(*) FROM d),"
    " (SELECT count(*) FROM h), (SELECT count(*) FROM s), (SELECT count(*) FROM a)";

void handle_capture_delete(struct web_ctx *ctx, const struct http_request *req,
                           struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "capture", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    enum webdb_status st;
    /* One statement is one transaction: all rows go, or none. */
    PGresult *r = webdb_query(&ctx->db, sql_delete, 1, params, WEBDB_NO_RETRY, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    if (PQgetisnull(r, 0, 0)) {
        http_reply_fail(reply, 404, "not found", "capture %lld does not exist", id);
    } else if (strcmp(PQgetvalue(r, 0, 0), "running") == 0) {
        http_reply_fail(reply, 409, "conflict",
                        "capture %lld is still running; stop it (or wait for its job) first", id);
    } else {
        static const char *const tables[] = {"flows", "packets", "traffic", "dns",
                                             "http",  "tls",     "alerts"};
        json_t *rows = json_object();
        for (int i = 0; i < 7; i++)
            json_object_set_new(rows, tables[i], pgcol_int(r, 0, 2 + i));
        http_reply_set(reply, 200, json_pack("{s:I, s:o}", "deleted", (json_int_t)id, "rows", rows));
    }
    PQclear(r);
}

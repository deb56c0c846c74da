/* list.c - filters, sorting and keyset pagination for the list endpoints
 * (keyset: "seek method", rows after the last one seen, by a unique key). */
#include "list.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const orders[] = {"desc", "asc", NULL};
static const char *const formats[] = {"csv", "json", "ndjson", NULL};

const char *const *list_params(const struct list_spec *spec)
{
    static const char *names[QP_MAX + 8];
    int n = 0;
    for (int i = 0; i < spec->nfilters && n < QP_MAX; i++)
        names[n++] = spec->filters[i].param;
    static const char *const paging[] = {"sort", "order", "limit", "cursor", "format"};
    for (size_t i = 0; i < sizeof paging / sizeof paging[0]; i++)
        names[n++] = paging[i];
    names[n] = NULL;
    return names;
}

/* Validates one filter value into out (room for the largest form). 1 when
 * present, 0 absent, -1 invalid (400 in reply). */
static int filter_value(const struct filter *f, const struct qparams *qp, char *out,
                        struct http_reply *reply)
{
    long long v;
    int idx, rc;
    switch (f->kind) {
    case FILTER_ID:
        rc = qp_int(qp, f->param, 1, INT64_MAX / 2, &v, reply);
        break;
    case FILTER_PORT:
        rc = qp_int(qp, f->param, 0, 65535, &v, reply);
        break;
    case FILTER_INT:
        rc = qp_int(qp, f->param, f->min, f->max, &v, reply);
        break;
    case FILTER_TIME:
        return qp_time(qp, f->param, out, reply);
    case FILTER_INET:
        return qp_inet(qp, f->param, out, reply);
    case FILTER_TOKEN:
        return qp_token(qp, f->param, (size_t)f->max, out, reply);
    case FILTER_LIKE:
        return qp_like(qp, f->param, out, reply);
    case FILTER_ENUM:
        rc = qp_enum(qp, f->param, f->choices, &idx, reply);
        if (rc > 0)
            snprintf(out, 64, "%s", f->choices[idx]);
        return rc;
    default:
        return -1;
    }
    if (rc > 0)
        snprintf(out, 24, "%lld", v);
    return rc;
}

int list_add_filters(struct sqlq *q, const struct filter *filters, int n,
                     const struct qparams *qp, struct http_reply *reply)
{
    char value[2 * QP_LIKE_MAX + 8];
    for (int i = 0; i < n; i++) {
        int rc = filter_value(&filters[i], qp, value, reply);
        if (rc < 0)
            return -1;
        if (rc > 0)
            sqlq_addv(q, filters[i].sql, value);
    }
    return 0;
}

void list_select(struct sqlq *q, const struct column *cols, int ncols)
{
    sqlq_add(q, "SELECT ");
    for (int i = 0; i < ncols; i++) {
        if (i)
            sqlq_add(q, ", ");
        sqlq_add(q, cols[i].sql);
    }
}

static json_t *col_json(const PGresult *r, int row, int col, enum coltype type)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    const char *s = PQgetvalue(r, row, col);
    switch (type) {
    case COL_INT:
        return pgcol_int(r, row, col);
    case COL_REAL: {
        char *end = NULL;
        double v = strtod(s, &end);
        return (end == s || *end || !isfinite(v)) ? json_null() : json_real(v);
    }
    case COL_BOOL:
        return json_boolean(s[0] == 't');
    case COL_JSON: {
        json_t *j = json_loadb(s, (size_t)PQgetlength(r, row, col), JSON_DECODE_ANY, NULL);
        return j ? j : json_null();
    }
    case COL_STR:
    default:
        return pgcol_string(r, row, col);
    }
}

json_t *list_row_json(const PGresult *r, int row, const struct column *cols, int ncols)
{
    json_t *o = json_object();
    for (int i = 0; o && i < ncols; i++)
        json_object_set_new(o, cols[i].name, col_json(r, row, i, cols[i].type));
    return o;
}

json_t *list_rows_json(const PGresult *r, const struct column *cols, int ncols)
{
    json_t *a = json_array();
    int rows = PQntuples(r);
    for (int i = 0; a && i < rows; i++)
        json_array_append_new(a, list_row_json(r, i, cols, ncols));
    return a;
}

/* The paging choices of one request. */
struct paging {
    int sort, desc, format; /* format: -1 page, else index in formats */
    long long limit;
    char *keys[1 + LIST_MAX_TIEBREAK];
    int has_cursor;
};

static void paging_free(struct paging *pg)
{
    for (int i = 0; i < 1 + LIST_MAX_TIEBREAK; i++)
        free(pg->keys[i]);
}

static int parse_paging(const struct list_spec *spec, const struct qparams *qp,
                        struct paging *pg, struct http_reply *reply)
{
    const char *sort_names[16];
    int n = spec->nsorts < 15 ? spec->nsorts : 15, order = 0;
    for (int i = 0; i < n; i++)
        sort_names[i] = spec->sorts[i].name;
    sort_names[n] = NULL;
    memset(pg, 0, sizeof *pg);
    pg->format = -1;
    pg->limit = LIST_LIMIT_DEFAULT;
    if (qp_enum(qp, "sort", sort_names, &pg->sort, reply) < 0 ||
        qp_enum(qp, "order", orders, &order, reply) < 0 ||
        qp_int(qp, "limit", 1, LIST_LIMIT_MAX, &pg->limit, reply) < 0 ||
        qp_enum(qp, "format", formats, &pg->format, reply) < 0)
        return -1;
    pg->desc = order == 0;
    const char *cursor = qp_get(qp, "cursor");
    if (!cursor)
        return 0;
    if (cursor_decode(cursor, spec->name, spec->sorts[pg->sort].name, orders[order], pg->keys,
                      1 + spec->ntiebreak) < 0) {
        http_reply_bad_param(reply, "cursor",
                             "not a cursor of this list with this sort and order");
        return -1;
    }
    pg->has_cursor = 1;
    return 0;
}

/* ORDER BY / keyset expressions: the sort key, then the tie-breakers. */
static void add_keys(struct sqlq *q, const struct list_spec *spec, const struct paging *pg,
                     const char *suffix)
{
    sqlq_add(q, spec->sorts[pg->sort].expr);
    sqlq_add(q, suffix);
    for (int i = 0; i < spec->ntiebreak; i++) {
        sqlq_add(q, ", ");
        sqlq_add(q, spec->tiebreak[i]);
        sqlq_add(q, suffix);
    }
}

static void build_query(struct sqlq *q, const struct list_spec *spec, const struct paging *pg)
{
    if (pg->has_cursor) {
        sqlq_add(q, " AND (");
        add_keys(q, spec, pg, "");
        sqlq_add(q, pg->desc ? ") < (" : ") > (");
        for (int i = 0; i <= spec->ntiebreak; i++) {
            const char *cast = i == 0 ? spec->sorts[pg->sort].cast : spec->tiebreak_cast[i - 1];
            char frag[64];
            snprintf(frag, sizeof frag, "%s$?::%s", i ? ", " : "", cast);
            sqlq_addv(q, frag, pg->keys[i]);
        }
        sqlq_add(q, ")");
    }
    sqlq_add(q, " ORDER BY ");
    add_keys(q, spec, pg, pg->desc ? " DESC" : " ASC");
}

/* SELECT columns plus the cursor keys as text, FROM, filters, tail. */
static int build_base(struct sqlq *q, const struct list_spec *spec, const struct paging *pg,
                      const struct qparams *qp, struct http_reply *reply)
{
    list_select(q, spec->cols, spec->ncols);
    sqlq_add(q, ", (");
    sqlq_add(q, spec->sorts[pg->sort].expr);
    sqlq_add(q, ")::text");
    for (int i = 0; i < spec->ntiebreak; i++) {
        sqlq_add(q, ", (");
        sqlq_add(q, spec->tiebreak[i]);
        sqlq_add(q, ")::text");
    }
    sqlq_add(q, spec->from);
    if (list_add_filters(q, spec->filters, spec->nfilters, qp, reply) < 0)
        return -1;
    if (spec->from_tail)
        sqlq_add(q, spec->from_tail);
    return 0;
}

static json_t *next_cursor(const PGresult *r, int row, const struct list_spec *spec,
                           const struct paging *pg)
{
    const char *keys[1 + LIST_MAX_TIEBREAK];
    for (int i = 0; i <= spec->ntiebreak; i++)
        keys[i] = PQgetvalue(r, row, spec->ncols + i);
    char *c = cursor_encode(spec->name, spec->sorts[pg->sort].name, orders[pg->desc ? 0 : 1],
                            keys, 1 + spec->ntiebreak);
    json_t *j = c ? json_string(c) : json_null();
    free(c);
    return j;
}

static void serve_page(struct web_ctx *ctx, struct http_reply *reply, struct sqlq *q,
                       const struct list_spec *spec, const struct paging *pg)
{
    sqlq_addi(q, " LIMIT $?::bigint", pg->limit + 1);
    if (q->failed) {
        http_reply_error(reply, 500, "out of memory");
        return;
    }
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db, q->sql, q->nparams, sqlq_params(q), 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    int rows = PQntuples(r);
    json_t *items = json_array();
    for (int i = 0; i < rows && i < pg->limit; i++)
        json_array_append_new(items, list_row_json(r, i, spec->cols, spec->ncols));
    json_t *next = rows > pg->limit ? next_cursor(r, (int)pg->limit - 1, spec, pg) : json_null();
    PQclear(r);
    http_reply_set(reply, 200,
                   json_pack("{s:o, s:o, s:I, s:s, s:s}", "items", items, "next_cursor", next,
                             "limit", (json_int_t)pg->limit, "sort",
                             spec->sorts[pg->sort].name, "order", pg->desc ? "desc" : "asc"));
}

/* "packetsight-flows-capture12-20251124T160000Z" */
static void export_basename(char *out, size_t len, const struct list_spec *spec,
                            const struct qparams *qp)
{
    const char *capture = qp_get(qp, "capture");
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (capture)
        snprintf(out, len, "packetsight-%s-capture%s-%s", spec->name, capture, stamp);
    else
        snprintf(out, len, "packetsight-%s-all-%s", spec->name, stamp);
}

void list_serve_parsed(struct web_ctx *ctx, const struct http_request *req,
                       struct http_reply *reply, const struct list_spec *spec,
                       const struct qparams *qp)
{
    struct paging pg;
    struct sqlq q;
    sqlq_init(&q);
    if (parse_paging(spec, qp, &pg, reply) < 0 || build_base(&q, spec, &pg, qp, reply) < 0)
        goto done;
    build_query(&q, spec, &pg);
    if (pg.format < 0) {
        serve_page(ctx, reply, &q, spec, &pg);
    } else {
        char base[128];
        export_basename(base, sizeof base, spec, qp);
        list_export(ctx, req, reply, &q, spec->cols, spec->ncols, formats[pg.format], base);
    }
done:
    sqlq_free(&q);
    paging_free(&pg);
}

void list_serve(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply,
                const struct list_spec *spec)
{
    struct qparams qp;
    if (qp_parse(&qp, req->query, list_params(spec), reply) < 0)
        return;
    list_serve_parsed(ctx, req, reply, spec, &qp);
    qp_free(&qp);
}

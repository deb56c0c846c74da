/* indicators.c - threat-intelligence indicators over the tables of
 * sql/migrations/004_security.sql: GET /api/indicator-lists (with counts),
 * DELETE /api/indicator-lists/{name}, GET /api/indicators and
 * POST /api/indicators/import (API.md, "Detection rules and indicators").
 * Imports go through ps_indicators_add, which validates and normalises
 * every value, in batches of IMPORT_BATCH values inside one transaction. */
#include "indicator_text.h"
#include "columns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMPORT_BODY_MAX (16L * 1024 * 1024) /* bytes of one import body */
#define IMPORT_BATCH 5000                   /* values per ps_indicators_add call */
#define IMPORT_MAX_COLUMNS 64
#define IMPORT_REJECTED_SHOWN 100           /* rejected values echoed back */
#define LIST_NAME_MAX 64
#define SOURCE_MAX 200

#define TS(col) SQL_ISO_UTC(col)

static const char *const kinds[] = {"addr", "net", "domain", NULL};
static const char *const bools[] = {"true", "false", NULL};

/* --- GET /api/indicator-lists ------------------------------------------ */

static const struct column list_cols[] = {
    {"name", "l.name", COL_STR},
    {"enabled", "l.enabled", COL_BOOL},
    {"severity", "l.severity", COL_STR},
    {"description", "l.description", COL_STR},
    {"indicators", "coalesce(c.n, 0)", COL_INT},
    {"addr", "coalesce(c.addr, 0)", COL_INT},
    {"net", "coalesce(c.net, 0)", COL_INT},
    {"domain", "coalesce(c.domain, 0)", COL_INT},
    {"created_at", TS("l.created_at"), COL_STR},
    {"updated_at", TS("l.updated_at"), COL_STR},
};

static const struct filter list_filters[] = {
    {"enabled", " AND l.enabled = $?::boolean", FILTER_ENUM, 0, 0, bools},
};

static const struct sortkey list_sorts[] = {
    {"name", "l.name", "text"},
};

static const struct list_spec lists_list = {
    .name = "indicator-lists",
    .from = " FROM indicator_lists l LEFT JOIN LATERAL (SELECT count(*) AS n,"
            " count(*) FILTER (WHERE i.kind = 'addr') AS addr,"
            " count(*) FILTER (WHERE i.kind = 'net') AS net,"
            " count(*) FILTER (WHERE i.kind = 'domain') AS domain"
            " FROM indicators i WHERE i.list = l.name) c ON true WHERE true",
    .cols = list_cols, .ncols = NCOLS(list_cols),
    .filters = list_filters, .nfilters = NCOLS(list_filters),
    .sorts = list_sorts, .nsorts = NCOLS(list_sorts), .ntiebreak = 0,
};

void handle_indicator_lists(struct web_ctx *ctx, const struct http_request *req,
                            struct http_reply *reply)
{
    list_serve(ctx, req, reply, &lists_list);
}

/* --- GET /api/indicators ------------------------------------------------ */

static const struct column indicator_cols[] = {
    {"id", "i.id", COL_INT},
    {"list", "i.list", COL_STR},
    {"kind", "i.kind", COL_STR},
    {"value", "i.value", COL_STR},
    {"source", "i.source", COL_STR},
    {"added_at", TS("i.added_at"), COL_STR},
};

static const struct filter indicator_filters[] = {
    {"list", " AND i.list = $?", FILTER_TOKEN, 0, LIST_NAME_MAX, NULL},
    {"kind", " AND i.kind = $?", FILTER_ENUM, 0, 0, kinds},
    {"q", " AND i.value ILIKE $?", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey indicator_sorts[] = {
    {"id", "i.id", "bigint"},
};

static const struct list_spec indicators_list = {
    .name = "indicators", .from = " FROM indicators i WHERE true",
    .cols = indicator_cols, .ncols = NCOLS(indicator_cols),
    .filters = indicator_filters, .nfilters = NCOLS(indicator_filters),
    .sorts = indicator_sorts, .nsorts = NCOLS(indicator_sorts), .ntiebreak = 0,
};

void handle_indicators(struct web_ctx *ctx, const struct http_request *req,
                       struct http_reply *reply)
{
    list_serve(ctx, req, reply, &indicators_list);
}

/* --- DELETE /api/indicator-lists/{name} --------------------------------- */

/* As the table's CHECK: ^[A-Za-z0-9_.-]{1,64}$ */
static int list_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LIST_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return 0;
    return 1;
}

void handle_indicator_list_delete(struct web_ctx *ctx, const struct http_request *req,
                                  struct http_reply *reply)
{
    struct qparams qp;
    char name[LIST_NAME_MAX + 2];
    if (http_query_decode(req->path_arg, req->path_arg_len, name, sizeof name) < 0 ||
        !list_name_ok(name)) {
        http_reply_bad_param(reply, "name",
                             "list names are 1..%d letters, digits or _.-", LIST_NAME_MAX);
        return;
    }
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return;
    qp_free(&qp);
    const char *params[1] = {name};
    enum webdb_status st;
    /* RETURNING sees the statement's snapshot: the indicators before the cascade. */
    PGresult *r = webdb_query(&ctx->db,
                              "DELETE FROM indicator_lists WHERE name = $1 RETURNING"
                              " (SELECT count(*) FROM indicators WHERE list = $1)",
                              1, params, 0, &st); /* a retry finds nothing: 404 */
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    if (PQntuples(r) == 0)
        http_reply_fail(reply, 404, "not found", "indicator list %s does not exist", name);
    else
        http_reply_set(reply, 200, json_pack("{s:s, s:o}", "deleted", name, "indicators",
                                             pgcol_int(r, 0, 0)));
    PQclear(r);
}

/* --- POST /api/indicators/import ---------------------------------------- */

struct import_state {
    PGconn *conn;
    const char *list, *source, *kind; /* kind NULL: guessed per value */
    struct text_array b;
    long long added, rejected_count, values;
    json_t *rejected;
};

/* Sends the batch; 0, or -1 with the failed result in *failed. */
static int send_batch(struct import_state *s, PGresult **failed)
{
    if (s->b.n == 0)
        return 0;
    if (text_array_close(&s->b) < 0)
        return -1;
    const char *params[4] = {s->list, s->b.data, s->source, s->kind};
    PGresult *r = PQexecParams(s->conn,
                               "SELECT added, coalesce(array_length(rejected, 1), 0),"
                               " array_to_json(rejected[1:" "100" "])::text"
                               " FROM ps_indicators_add($1, $2::text[], $3, $4)",
                               4, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        *failed = r;
        return -1;
    }
    s->added += atoll(PQgetvalue(r, 0, 0));
    s->rejected_count += atoll(PQgetvalue(r, 0, 1));
    json_t *rej = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(rej, i, v) {
        if (json_array_size(s->rejected) < IMPORT_REJECTED_SHOWN)
            json_array_append(s->rejected, v);
    }
    json_decref(rej);
    PQclear(r);
    s->b.len = 0;
    s->b.n = 0;
    return 0;
}

/* Splits the body into values and sends them; 0, -1 after a database
 * failure (*failed set, or NULL when out of memory), -2 after a 400. */
static int import_body(struct import_state *s, char *body, size_t len, PGresult **failed,
                       struct http_reply *reply)
{
    int col = -1, csv = -1;
    long lineno = 0;
    char *end = body + len;
    for (char *line = body; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *next = nl ? nl + 1 : end;
        char *e = nl ? nl : end;
        lineno++;
        if (e > line && e[-1] == '\r')
            e--;
        *e = '\0';
        if (!http_utf8_valid(line, (size_t)(e - line))) {
            http_reply_fail(reply, 400, "invalid body",
                            "line %ld is not UTF-8 text without control characters", lineno);
            return -2;
        }
        char *p = line;
        line = next;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#' || (*p == '/' && p[1] == '/'))
            continue;
        char *cols[IMPORT_MAX_COLUMNS];
        if (csv < 0) { /* the first data line decides: a comma means CSV */
            csv = strchr(p, ',') != NULL;
            if (csv) {
                int nc = csv_split(p, cols, IMPORT_MAX_COLUMNS);
                col = value_column(cols, nc);
                if (col >= 0)
                    continue; /* a header line */
                col = 0;
                /* no header: the line itself holds a value, split again */
                p = cols[0];
                if (*p && text_array_add(&s->b, p) < 0)
                    return -1;
                s->values += *p != '\0';
                continue;
            }
        }
        const char *v = p;
        if (csv) {
            int nc = csv_split(p, cols, IMPORT_MAX_COLUMNS);
            if (col >= nc)
                continue;
            v = cols[col];
        } else {
            p[strcspn(p, " \t#;")] = '\0'; /* "value  # comment" */
        }
        if (!*v)
            continue;
        s->values++;
        if (text_array_add(&s->b, v) < 0)
            return -1;
        if (s->b.n >= IMPORT_BATCH && send_batch(s, failed) < 0)
            return -1;
    }
    return send_batch(s, failed);
}

static const char *const import_params[] = {"list", "kind", "source", NULL};

void handle_indicators_import(struct web_ctx *ctx, const struct http_request *req,
                              struct http_reply *reply)
{
    struct qparams qp;
    struct import_state s = {0};
    char *body = NULL;
    int in_tx = 0;
    if (qp_parse(&qp, req->query, import_params, reply) < 0)
        return;
    s.list = qp_get(&qp, "list");
    s.source = qp_get(&qp, "source");
    int k;
    if (!s.list) {
        http_reply_bad_param(reply, "list", "required: the name of the indicator list");
        goto done;
    }
    if (!list_name_ok(s.list)) {
        http_reply_bad_param(reply, "list", "list names are 1..%d letters, digits or _.-",
                             LIST_NAME_MAX);
        goto done;
    }
    int kr = qp_enum(&qp, "kind", kinds, &k, reply);
    if (kr < 0)
        goto done;
    s.kind = kr ? kinds[k] : NULL;
    if (s.source && strlen(s.source) > SOURCE_MAX) {
        http_reply_bad_param(reply, "source", "at most %d bytes", SOURCE_MAX);
        goto done;
    }
    if (!s.source)
        s.source = "api";
    if (req->content_type[0] && !http_content_type_is(req, "text/plain") &&
        !http_content_type_is(req, "text/csv") &&
        !http_content_type_is(req, "application/octet-stream")) {
        http_reply_fail(reply, 415, "unsupported media type",
                        "send text/plain (one value per line) or text/csv");
        goto done;
    }
    if (req->content_length > IMPORT_BODY_MAX) {
        http_reply_fail(reply, 413, "too large", "request body over %ld bytes", IMPORT_BODY_MAX);
        goto done;
    }
    size_t cap = req->content_length > 0 ? (size_t)req->content_length : 0;
    body = malloc(cap + 1);
    if (!body) {
        http_reply_error(reply, 500, "out of memory");
        goto done;
    }
    long n = http_read_body(req, body, cap, reply);
    if (n < 0)
        goto done;
    if (n == 0) {
        http_reply_fail(reply, 400, "invalid body",
                        "no indicators: send one address, network or domain per line");
        goto done;
    }
    body[n] = '\0';
    enum webdb_status st;
    /* webdb_conn does not notice a connection the server dropped; a SELECT
     * (retried once after a reset) does, before the transaction starts. */
    PGresult *ping = webdb_query(&ctx->db, "SELECT 1", 0, NULL, 0, &st);
    if (!ping) {
        handler_db_failure(ctx, st, reply);
        goto done;
    }
    PQclear(ping);
    s.conn = webdb_conn(&ctx->db, &st);
    if (!s.conn) {
        handler_db_failure(ctx, st, reply);
        goto done;
    }
    s.rejected = json_array();
    PGresult *r = PQexec(s.conn, "BEGIN");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        handler_db_failure(ctx, webdb_classify(&ctx->db, r), reply);
        PQclear(r);
        goto done;
    }
    PQclear(r);
    in_tx = 1;
    PGresult *failed = NULL;
    int rc = import_body(&s, body, (size_t)n, &failed, reply);
    if (rc == -2)
        goto done;
    if (rc < 0) {
        if (failed) {
            handler_db_failure(ctx, webdb_classify(&ctx->db, failed), reply);
            PQclear(failed);
        } else {
            http_reply_error(reply, 500, "out of memory");
        }
        goto done;
    }
    if (s.values == 0) {
        http_reply_fail(reply, 400, "invalid body",
                        "no indicators: send one address, network or domain per line");
        goto done;
    }
    r = PQexec(s.conn, "COMMIT");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    in_tx = 0;
    if (!ok) {
        handler_db_failure(ctx, webdb_classify(&ctx->db, r), reply);
        PQclear(r);
        goto done;
    }
    PQclear(r);
    http_reply_set(reply, 200,
                   json_pack("{s:s, s:s?, s:I, s:I, s:I, s:O}", "list", s.list, "kind", s.kind,
                             "values", (json_int_t)s.values, "added", (json_int_t)s.added,
                             "rejected_count", (json_int_t)s.rejected_count, "rejected",
                             s.rejected));
done:
    if (in_tx)
        PQclear(PQexec(s.conn, "ROLLBACK"));
    json_decref(s.rejected);
    free(s.b.data);
    free(body);
    qp_free(&qp);
}

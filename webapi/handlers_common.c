/* handlers_common.c - helpers every handler uses: database failures as
 * replies, PGresult columns as JSON values. */
#include "columns.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

void handler_db_failure(struct web_ctx *ctx, enum webdb_status status,
                        struct http_reply *reply)
{
    switch (status) {
    case WEBDB_SCHEMA:
        http_reply_set(reply, 503,
                       json_pack("{s:s, s:s}", "error", "database schema mismatch", "detail",
                                 ctx->db.schema_err));
        break;
    case WEBDB_ERROR:
        http_reply_fail(reply, 500, "internal error", "a database query failed (see the log)");
        break;
    case WEBDB_INVALID:
        http_reply_fail(reply, 400, "invalid parameter",
                        "a value (e.g. the cursor) was refused by the database");
        break;
    case WEBDB_UNAVAILABLE:
    case WEBDB_OK: /* not a failure; treated as unavailable to stay safe */
    default:
        http_reply_fail(reply, 503, "database unavailable",
                        "the database cannot be reached or timed out; retry later");
        break;
    }
}

json_t *pgcol_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    const char *s = PQgetvalue(r, row, col);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return json_null();
    return json_integer(v);
}

json_t *pgcol_real(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    const char *s = PQgetvalue(r, row, col);
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return json_null();
    return json_real(round(v * 1000.0) / 1000.0);
}

json_t *pgcol_string(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    json_t *s = json_stringn(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
    return s ? s : json_null();
}

json_t *query_items(struct web_ctx *ctx, struct http_reply *reply, const struct column *cols,
                    int ncols, const char *from_where, int nparams, const char *const *params)
{
    struct sqlq q;
    sqlq_init(&q);
    list_select(&q, cols, ncols);
    sqlq_add(&q, from_where);
    json_t *items = NULL;
    enum webdb_status st = WEBDB_ERROR;
    PGresult *r = q.failed ? NULL
                           : webdb_query(&ctx->db, q.sql, nparams, params, 0, &st);
    sqlq_free(&q);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return NULL;
    }
    items = list_rows_json(r, cols, ncols);
    PQclear(r);
    if (!items)
        http_reply_error(reply, 500, "out of memory");
    return items;
}

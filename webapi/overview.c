/* overview.c - the capture / time-range selection of the overview endpoints. */
#include "overview.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int overview_begin(struct overview *ov, const struct http_request *req, const char *const *extra,
                   struct http_reply *reply)
{
    const char *names[QP_MAX];
    int n = 0;
    names[n++] = "capture";
    names[n++] = "from";
    names[n++] = "to";
    for (; extra && *extra && n < QP_MAX - 1; extra++)
        names[n++] = *extra;
    names[n] = NULL;
    memset(ov, 0, sizeof *ov);
    if (qp_parse(&ov->qp, req->query, names, reply) < 0)
        return -1;
    long long id;
    int rc = qp_int(&ov->qp, "capture", 1, INT64_MAX / 2, &id, reply);
    if (rc > 0)
        snprintf(ov->capture, sizeof ov->capture, "%lld", id);
    if (rc < 0 || qp_time(&ov->qp, "from", ov->from, reply) < 0 ||
        qp_time(&ov->qp, "to", ov->to, reply) < 0) {
        qp_free(&ov->qp);
        return -1;
    }
    ov->ranged = ov->from[0] || ov->to[0];
    return 0;
}

void overview_done(struct overview *ov)
{
    qp_free(&ov->qp);
}

static void add_cond(struct sqlq *q, const char *col, const char *op, const char *value)
{
    sqlq_add(q, " AND ");
    sqlq_add(q, col);
    sqlq_addv(q, op, value);
}

void overview_filters(struct sqlq *q, const struct overview *ov, const char *capture_col,
                      const char *time_col)
{
    if (ov->capture[0])
        add_cond(q, capture_col, " = $?::bigint", ov->capture);
    if (time_col && ov->from[0])
        add_cond(q, time_col, " >= $?::timestamptz", ov->from);
    if (time_col && ov->to[0])
        add_cond(q, time_col, " < $?::timestamptz", ov->to);
}

json_t *overview_rows(struct web_ctx *ctx, struct http_reply *reply, struct sqlq *q,
                      const struct column *cols, int ncols, int generic)
{
    enum webdb_status st = WEBDB_ERROR;
    PGresult *r = q->failed ? NULL
                            : webdb_query(&ctx->db, q->sql, q->nparams, sqlq_params(q),
                                          generic ? WEBDB_GENERIC : 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return NULL;
    }
    json_t *rows = list_rows_json(r, cols, ncols);
    PQclear(r);
    return rows;
}

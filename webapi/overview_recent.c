/* overview_recent.c - GET /api/recent-activity: the newest captures, jobs,
 * alerts, flows and DNS/HTTP/TLS events, each in its list's item shape. */
#include "overview.h"

#include <stdint.h>
#include <stdio.h>

struct section {
    const char *key;
    const struct column *cols;
    const int *ncols;
    const char *from;      /* " FROM ... WHERE true" */
    const char *capture;   /* capture column */
    const char *order;     /* " ORDER BY ..." */
};

static const struct section sections[] = {
    {"captures", capture_cols, &capture_ncols, CAPTURES_FROM " WHERE true", "c.id",
     " ORDER BY c.id DESC"},
    {"jobs", job_cols, &job_ncols, " FROM jobs j WHERE true", "j.capture_id",
     " ORDER BY j.id DESC"},
    {"alerts", alert_cols, &alert_ncols, " FROM alerts a WHERE true", "a.capture_id",
     " ORDER BY a.ts DESC, a.id DESC"},
    {"flows", flow_cols, &flow_ncols, " FROM flows f WHERE true", "f.capture_id",
     " ORDER BY f.ts DESC, f.uid DESC"},
    {"dns", dns_cols, &dns_ncols, " FROM dns d WHERE true", "d.capture_id", " ORDER BY d.ts DESC"},
    {"http", http_cols, &http_ncols, " FROM http h WHERE true", "h.capture_id",
     " ORDER BY h.ts DESC"},
    {"tls", tls_cols, &tls_ncols, " FROM tls t WHERE true", "t.capture_id", " ORDER BY t.ts DESC"},
};

void handle_recent_activity(struct web_ctx *ctx, const struct http_request *req,
                            struct http_reply *reply)
{
    static const char *const allowed[] = {"capture", "limit", NULL};
    struct qparams qp;
    long long capture = 0, limit = 10;
    if (qp_parse(&qp, req->query, allowed, reply) < 0)
        return;
    int has = qp_int(&qp, "capture", 1, INT64_MAX / 2, &capture, reply);
    int bad = has < 0 || qp_int(&qp, "limit", 1, 50, &limit, reply) < 0;
    qp_free(&qp);
    if (bad)
        return;
    json_t *body = json_object();
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const struct section *s = &sections[i];
        struct sqlq q;
        sqlq_init(&q);
        list_select(&q, s->cols, *s->ncols);
        sqlq_add(&q, s->from);
        if (has) {
            sqlq_add(&q, " AND ");
            sqlq_add(&q, s->capture);
            sqlq_addi(&q, " = $?::bigint", capture);
        }
        sqlq_add(&q, s->order);
        sqlq_addi(&q, " LIMIT $?::bigint", limit);
        json_t *rows = overview_rows(ctx, reply, &q, s->cols, *s->ncols, 1);
        sqlq_free(&q);
        if (!rows) {
            json_decref(body);
            return;
        }
        json_object_set_new(body, s->key, rows);
    }
    http_reply_set(reply, 200, body);
}

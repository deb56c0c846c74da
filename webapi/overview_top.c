/* overview_top.c - GET /api/top-talkers, /api/port-analysis and
 * /api/geo-analysis: rankings from the rollup views (top_talkers, hosts and
 * hosts_all, port_traffic), or from the flows of a time range (API.md). */
#include "overview.h"
#include "ports.h"

#include <stdio.h>
#include <string.h>

static const char *const by_names[] = {"bytes", "packets", "flows", NULL};
static const char *const roles[] = {"any", "src", "dst", NULL};

/* Column sets of the hosts view per role: packets, bytes, flows. */
static const char *const role_cols[3][3] = {
    {"x.packets", "x.bytes", "x.flows"},
    {"x.as_orig_packets", "x.as_orig_bytes", "x.as_orig_flows"},
    {"x.as_resp_packets", "x.as_resp_bytes", "x.as_resp_flows"},
};

static const struct column talker_cols[] = {
    {"host", "host(t.host)", COL_STR},
    {"packets", "t.packets", COL_INT},
    {"bytes", "t.bytes", COL_INT},
    {"flows", "t.flows", COL_INT},
};

/* ORDER BY column of talker_cols / port rows for ?by= (index in by_names). */
static const char *const talker_order[] = {" ORDER BY 3 DESC, 1", " ORDER BY 2 DESC, 1",
                                           " ORDER BY 4 DESC, 1"};

static void talkers_query(struct sqlq *q, const struct overview *ov, int role, int by,
                          long long limit)
{
    list_select(q, talker_cols, NCOLS(talker_cols));
    if (!ov->ranged) {
        /* one row per host either way: hosts_all, or one capture's rows */
        static const char *const as[] = {" AS packets", " AS bytes", " AS flows"};
        sqlq_add(q, " FROM (SELECT x.host");
        for (int i = 0; i < 3; i++) {
            sqlq_add(q, ", ");
            sqlq_add(q, role_cols[role][i]);
            sqlq_add(q, as[i]);
        }
        if (ov->capture[0])
            sqlq_add(q, role == 0 ? " FROM top_talkers x WHERE true" : " FROM hosts x WHERE true");
        else
            sqlq_add(q, " FROM hosts_all x WHERE true");
        overview_filters(q, ov, "x.capture_id", NULL);
        sqlq_add(q, ") t WHERE t.flows > 0");
    } else {
        sqlq_add(q, " FROM (SELECT s.host, sum(f.orig_pkts + f.resp_pkts)::bigint AS packets,"
                    " sum(f.orig_l2_bytes + f.resp_l2_bytes)::bigint AS bytes,"
                    " count(*)::bigint AS flows FROM flows f CROSS JOIN LATERAL"
                    " (VALUES (f.orig_h, 1), (f.resp_h, 2)) AS s(host, role) WHERE true");
        if (role)
            sqlq_addi(q, " AND s.role = $?::integer", role);
        overview_filters(q, ov, "f.capture_id", "f.ts");
        sqlq_add(q, " GROUP BY s.host) t");
    }
    sqlq_add(q, talker_order[by]);
    sqlq_addi(q, " LIMIT $?::bigint", limit);
}

void handle_top_talkers(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    static const char *const extra[] = {"by", "role", "limit", NULL};
    struct overview ov;
    int by = 0, role = 0;
    long long limit = 10;
    if (overview_begin(&ov, req, extra, reply) < 0)
        return;
    if (qp_enum(&ov.qp, "by", by_names, &by, reply) < 0 ||
        qp_enum(&ov.qp, "role", roles, &role, reply) < 0 ||
        qp_int(&ov.qp, "limit", 1, 100, &limit, reply) < 0)
        goto done;
    struct sqlq q;
    sqlq_init(&q);
    talkers_query(&q, &ov, role, by, limit);
    json_t *rows = overview_rows(ctx, reply, &q, talker_cols, NCOLS(talker_cols), !ov.ranged);
    sqlq_free(&q);
    if (rows)
        http_reply_set(reply, 200, json_pack("{s:s, s:s, s:o}", "by", by_names[by], "role",
                                             roles[role], "talkers", rows));
done:
    overview_done(&ov);
}

static const struct column port_cols[] = {
    {"proto", "x.proto", COL_STR},
    {"port", "x.port", COL_INT},
    {"flows", "sum(x.flows)::bigint", COL_INT},
    {"packets", "sum(x.packets)::bigint", COL_INT},
    {"bytes", "sum(x.bytes)::bigint", COL_INT},
};
static const char *const port_order[] = {" ORDER BY 5 DESC, 1, 2", " ORDER BY 4 DESC, 1, 2",
                                         " ORDER BY 3 DESC, 1, 2"};

void handle_port_analysis(struct web_ctx *ctx, const struct http_request *req,
                          struct http_reply *reply)
{
    static const char *const extra[] = {"by", "limit", "transport", NULL};
    struct overview ov;
    int by = 0;
    long long limit = 20;
    char transport[17];
    if (overview_begin(&ov, req, extra, reply) < 0)
        return;
    int has_transport = 0;
    if (qp_enum(&ov.qp, "by", by_names, &by, reply) < 0 ||
        qp_int(&ov.qp, "limit", 1, 100, &limit, reply) < 0 ||
        (has_transport = qp_token(&ov.qp, "transport", 16, transport, reply)) < 0)
        goto done;
    struct sqlq q;
    sqlq_init(&q);
    list_select(&q, port_cols, NCOLS(port_cols));
    if (!ov.ranged) {
        sqlq_add(&q, " FROM port_traffic x WHERE true");
        overview_filters(&q, &ov, "x.capture_id", NULL);
    } else {
        sqlq_add(&q, " FROM (SELECT f.proto, f.resp_p AS port, 1 AS flows,"
                     " f.orig_pkts + f.resp_pkts AS packets, f.orig_l2_bytes + f.resp_l2_bytes"
                     " AS bytes FROM flows f WHERE f.resp_p IS NOT NULL");
        overview_filters(&q, &ov, "f.capture_id", "f.ts");
        sqlq_add(&q, ") x WHERE true");
    }
    if (has_transport)
        sqlq_addv(&q, " AND x.proto = $?", transport);
    sqlq_add(&q, " GROUP BY x.proto, x.port");
    sqlq_add(&q, port_order[by]);
    sqlq_addi(&q, " LIMIT $?::bigint", limit);
    json_t *rows = overview_rows(ctx, reply, &q, port_cols, NCOLS(port_cols), !ov.ranged);
    sqlq_free(&q);
    size_t i;
    json_t *p;
    json_array_foreach(rows, i, p) {
        const char *name = port_service_name(json_string_value(json_object_get(p, "proto")),
                                             (int)json_integer_value(json_object_get(p, "port")));
        json_object_set_new(p, "service", name ? json_string(name) : json_null());
    }
    if (rows)
        http_reply_set(reply, 200, json_pack("{s:o}", "ports", rows));
done:
    overview_done(&ov);
}

/* x has one row per host and country on the rollup path (hosts, hosts_all)
 * and one per flow end on the ranged path, where hosts are counted distinct. */
static const struct column geo_cols[] = {
    {"cc", "x.cc", COL_STR},
    {"hosts", "count(DISTINCT x.host) FILTER (WHERE x.ranged) + count(*) FILTER (WHERE NOT x.ranged)",
     COL_INT},
    {"flows", "sum(x.flows)::bigint", COL_INT},
    {"packets", "sum(x.packets)::bigint", COL_INT},
    {"bytes", "sum(x.bytes)::bigint", COL_INT},
};

void handle_geo_analysis(struct web_ctx *ctx, const struct http_request *req,
                         struct http_reply *reply)
{
    static const char *const extra[] = {"limit", NULL};
    struct overview ov;
    long long limit = 50;
    if (overview_begin(&ov, req, extra, reply) < 0)
        return;
    if (qp_int(&ov.qp, "limit", 1, 300, &limit, reply) < 0)
        goto done;
    struct sqlq q;
    sqlq_init(&q);
    list_select(&q, geo_cols, NCOLS(geo_cols));
    if (!ov.ranged) {
        /* hosts has a row per capture and host (hosts count once), hosts_all one per host */
        sqlq_add(&q, ov.capture[0] ? " FROM (SELECT coalesce(r.cc, 'unknown') AS cc, r.host,"
                                     " false AS ranged, r.flows, r.packets, r.bytes"
                                     " FROM hosts r WHERE true"
                                   : " FROM (SELECT coalesce(r.cc, 'unknown') AS cc, r.host,"
                                     " false AS ranged, r.flows, r.packets, r.bytes"
                                     " FROM hosts_all r WHERE true");
        overview_filters(&q, &ov, "r.capture_id", NULL);
    } else {
        sqlq_add(&q, " FROM (SELECT coalesce(s.cc, 'unknown') AS cc, s.host, true AS ranged,"
                     " 1 AS flows,"
                     " f.orig_pkts + f.resp_pkts AS packets,"
                     " f.orig_l2_bytes + f.resp_l2_bytes AS bytes FROM flows f"
                     " CROSS JOIN LATERAL (VALUES (f.orig_h, f.orig_cc), (f.resp_h, f.resp_cc))"
                     " AS s(host, cc) WHERE true");
        overview_filters(&q, &ov, "f.capture_id", "f.ts");
    }
    sqlq_add(&q, ") x GROUP BY x.cc ORDER BY 5 DESC, 1");
    sqlq_addi(&q, " LIMIT $?::bigint", limit);
    json_t *rows = overview_rows(ctx, reply, &q, geo_cols, NCOLS(geo_cols), !ov.ranged);
    sqlq_free(&q);
    if (rows)
        http_reply_set(reply, 200, json_pack("{s:o}", "countries", rows));
done:
    overview_done(&ov);
}

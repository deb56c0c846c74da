/* hosts.c - GET /api/hosts (per-address traffic) and /api/hosts/{ip}
 * (traffic, peers, ports, names, country, alerts); API.md, "Lists" and
 * "Details". Without flow-level filters the list reads the rollups (hosts_all,
 * or host_rollup for one capture); a time range, port, transport, app or
 * conn_state makes it aggregate the flows. */
#include "columns.h"
#include "ports.h"

#include <stdio.h>
#include <string.h>

#define TS(col) SQL_ISO_UTC(col)

static const struct column host_cols[] = {
    {"host", "host(h.host)", COL_STR},        {"cc", "h.cc", COL_STR},
    {"packets", "h.packets", COL_INT},        {"bytes", "h.bytes", COL_INT},
    {"flows", "h.flows", COL_INT},            {"orig_flows", "h.orig_flows", COL_INT},
    {"resp_flows", "h.resp_flows", COL_INT},  {"sent_bytes", "h.sent_bytes", COL_INT},
    {"recv_bytes", "h.recv_bytes", COL_INT},  {"first_ts", TS("h.first_ts"), COL_STR},
    {"last_ts", TS("h.last_ts"), COL_STR},
};

static const struct sortkey host_sorts[] = {
    {"bytes", "h.bytes", "bigint"},
    {"packets", "h.packets", "bigint"},
    {"flows", "h.flows", "bigint"},
    {"host", "h.host", "inet"},
    {"last_ts", "coalesce(h.last_ts, '-infinity')", "timestamptz"},
};

static const char *const conn_states[] = {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO",
                                          "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH", NULL};

/* Both specs accept every parameter, so a cursor works across them. */
static const struct filter rollup_filters[] = {
    {"capture", " AND r.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"host", " AND r.host <<= $?::inet", FILTER_INET, 0, 0, NULL},
    {"q", " AND host(r.host) ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"from", "", FILTER_TIME, 0, 0, NULL},
    {"to", "", FILTER_TIME, 0, 0, NULL},
    {"port", "", FILTER_PORT, 0, 0, NULL},
    {"transport", "", FILTER_TOKEN, 0, 16, NULL},
    {"app", "", FILTER_TOKEN, 0, 32, NULL},
    {"conn_state", "", FILTER_ENUM, 0, 0, conn_states},
};

static const struct filter flow_filters[] = {
    {"capture", " AND f.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"host", " AND s.host <<= $?::inet", FILTER_INET, 0, 0, NULL},
    {"q", " AND host(s.host) ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"from", " AND f.ts >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"to", " AND f.ts < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"port", " AND (f.orig_p = $?::integer OR f.resp_p = $?::integer)", FILTER_PORT, 0, 0, NULL},
    {"transport", " AND f.proto = $?", FILTER_TOKEN, 0, 16, NULL},
    {"app", " AND f.service = $?", FILTER_TOKEN, 0, 32, NULL},
    {"conn_state", " AND f.conn_state = $?", FILTER_ENUM, 0, 0, conn_states},
};

static const struct list_spec hosts_rollup = {
    .name = "hosts",
    .from = " FROM (SELECT r.host, max(r.cc) AS cc,"
            " sum(r.as_orig_packets + r.as_resp_packets)::bigint AS packets,"
            " sum(r.as_orig_bytes + r.as_resp_bytes)::bigint AS bytes,"
            " sum(r.as_orig_flows + r.as_resp_flows)::bigint AS flows,"
            " sum(r.as_orig_flows)::bigint AS orig_flows,"
            " sum(r.as_resp_flows)::bigint AS resp_flows,"
            " sum(r.sent_bytes)::bigint AS sent_bytes, sum(r.recv_bytes)::bigint AS recv_bytes,"
            " min(r.first_ts) AS first_ts, max(r.last_ts) AS last_ts"
            " FROM host_rollup r WHERE true",
    .from_tail = " GROUP BY r.host) h WHERE true",
    .cols = host_cols, .ncols = NCOLS(host_cols),
    .filters = rollup_filters, .nfilters = NCOLS(rollup_filters),
    .sorts = host_sorts, .nsorts = NCOLS(host_sorts),
    .tiebreak = {"h.host"}, .tiebreak_cast = {"inet"}, .ntiebreak = 1,
};

/* All captures at once: one row per address already. */
static const struct list_spec hosts_all = {
    .name = "hosts",
    .from = " FROM (SELECT r.host, r.cc, r.packets, r.bytes, r.flows,"
            " r.as_orig_flows AS orig_flows, r.as_resp_flows AS resp_flows,"
            " r.sent_bytes, r.recv_bytes, r.first_ts, r.last_ts"
            " FROM hosts_all r WHERE true",
    .from_tail = ") h WHERE true",
    .cols = host_cols, .ncols = NCOLS(host_cols),
    .filters = rollup_filters, .nfilters = NCOLS(rollup_filters),
    .sorts = host_sorts, .nsorts = NCOLS(host_sorts),
    .tiebreak = {"h.host"}, .tiebreak_cast = {"inet"}, .ntiebreak = 1,
};

static const struct list_spec hosts_flows = {
    .name = "hosts",
    .from = " FROM (SELECT s.host, max(s.cc) AS cc,"
            " sum(f.orig_pkts + f.resp_pkts)::bigint AS packets,"
            " sum(f.orig_l2_bytes + f.resp_l2_bytes)::bigint AS bytes,"
            " count(*)::bigint AS flows, count(*) FILTER (WHERE s.o)::bigint AS orig_flows,"
            " count(*) FILTER (WHERE NOT s.o)::bigint AS resp_flows,"
            " sum(s.sb)::bigint AS sent_bytes, sum(s.rb)::bigint AS recv_bytes,"
            " min(f.ts) AS first_ts, max(f.ts + make_interval(secs => f.duration)) AS last_ts"
            " FROM flows f CROSS JOIN LATERAL (VALUES"
            " (f.orig_h, f.orig_cc, true, f.orig_l2_bytes, f.resp_l2_bytes),"
            " (f.resp_h, f.resp_cc, false, f.resp_l2_bytes, f.orig_l2_bytes))"
            " AS s(host, cc, o, sb, rb) WHERE true",
    .from_tail = " GROUP BY s.host) h WHERE true",
    .cols = host_cols, .ncols = NCOLS(host_cols),
    .filters = flow_filters, .nfilters = NCOLS(flow_filters),
    .sorts = host_sorts, .nsorts = NCOLS(host_sorts),
    .tiebreak = {"h.host"}, .tiebreak_cast = {"inet"}, .ntiebreak = 1,
};

void handle_hosts(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    static const char *const flow_level[] = {"from", "to", "port", "transport", "app",
                                             "conn_state", NULL};
    struct qparams qp;
    if (qp_parse(&qp, req->query, list_params(&hosts_rollup), reply) < 0)
        return;
    const struct list_spec *spec = qp_get(&qp, "capture") ? &hosts_rollup : &hosts_all;
    for (int i = 0; flow_level[i]; i++)
        if (qp_get(&qp, flow_level[i]))
            spec = &hosts_flows;
    list_serve_parsed(ctx, req, reply, spec, &qp);
    qp_free(&qp);
}

/* host_detail.c - GET /api/hosts/{ip}: one address's traffic, peers, ports,
 * names (DNS answers, TLS SNI, HTTP Host), country and alerts (API.md). */
#include "columns.h"
#include "ports.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TS(col) SQL_ISO_UTC(col)
/* $1 the address, $2 the capture or NULL. */
#define CAPTURE_OK(alias) " AND ($2::bigint IS NULL OR " alias ".capture_id = $2::bigint)"

static const struct column traffic_cols[] = {
    {"cc", "max(r.cc)", COL_STR},
    {"packets", "sum(r.as_orig_packets + r.as_resp_packets)::bigint", COL_INT},
    {"bytes", "sum(r.as_orig_bytes + r.as_resp_bytes)::bigint", COL_INT},
    {"flows", "sum(r.as_orig_flows + r.as_resp_flows)::bigint", COL_INT},
    {"orig_flows", "sum(r.as_orig_flows)::bigint", COL_INT},
    {"resp_flows", "sum(r.as_resp_flows)::bigint", COL_INT},
    {"sent_bytes", "sum(r.sent_bytes)::bigint", COL_INT},
    {"recv_bytes", "sum(r.recv_bytes)::bigint", COL_INT},
    {"first_ts", TS("min(r.first_ts)"), COL_STR},
    {"last_ts", TS("max(r.last_ts)"), COL_STR},
};

static const struct column peer_cols[] = {
    {"host", "host(x.peer)", COL_STR},
    {"flows", "count(*)", COL_INT},
    {"packets", "sum(x.pk)::bigint", COL_INT},
    {"bytes", "sum(x.by)::bigint", COL_INT},
};
static const char peers_from[] =
    " FROM (SELECT CASE WHEN f.orig_h = $1::inet THEN f.resp_h ELSE f.orig_h END AS peer,"
    " f.orig_pkts + f.resp_pkts AS pk, f.orig_l2_bytes + f.resp_l2_bytes AS by"
    " FROM flows f WHERE (f.orig_h = $1::inet OR f.resp_h = $1::inet)" CAPTURE_OK("f")
    ") x GROUP BY x.peer ORDER BY 4 DESC, x.peer LIMIT 50";

static const struct column port_cols[] = {
    {"role", "x.role", COL_STR},  {"proto", "x.proto", COL_STR},
    {"port", "x.port", COL_INT},  {"flows", "count(*)", COL_INT},
    {"bytes", "sum(x.by)::bigint", COL_INT},
};
static const char ports_from[] =
    " FROM (SELECT CASE WHEN f.resp_h = $1::inet THEN 'server' ELSE 'client' END AS role,"
    " f.proto, f.resp_p AS port, f.orig_l2_bytes + f.resp_l2_bytes AS by"
    " FROM flows f WHERE (f.orig_h = $1::inet OR f.resp_h = $1::inet)"
    " AND f.resp_p IS NOT NULL" CAPTURE_OK("f")
    ") x GROUP BY x.role, x.proto, x.port ORDER BY 5 DESC, 1, 2, 3 LIMIT 50";

static const struct column name_cols[] = {
    {"name", "n.name", COL_STR},
    {"source", "n.source", COL_STR},
};
static const char names_from[] =
    " FROM (SELECT DISTINCT d.query AS name, 'dns' AS source FROM dns d"
    "  WHERE d.capture_id IN (SELECT capture_id FROM host_rollup WHERE host = $1::inet)"
    "  AND d.answers @> ARRAY[host($1::inet)] AND d.query IS NOT NULL" CAPTURE_OK("d")
    " UNION SELECT t.server_name, 'tls' FROM tls t"
    "  WHERE t.resp_h = $1::inet AND t.server_name IS NOT NULL" CAPTURE_OK("t")
    " UNION SELECT h.host, 'http' FROM http h"
    "  WHERE h.resp_h = $1::inet AND h.host IS NOT NULL" CAPTURE_OK("h")
    ") n ORDER BY 2, 1 LIMIT 100";

static const char alerts_from[] =
    " FROM alerts a WHERE (a.src = $1::inet OR a.dst = $1::inet)" CAPTURE_OK("a")
    " ORDER BY a.ts DESC, a.id DESC LIMIT 100";

/* Adds the IANA name to each port item. */
static void name_ports(json_t *ports)
{
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p) {
        const char *name = port_service_name(json_string_value(json_object_get(p, "proto")),
                                             (int)json_integer_value(json_object_get(p, "port")));
        json_object_set_new(p, "service", name ? json_string(name) : json_null());
    }
}

/* The address of the path, normalised without prefix; -1 after a 400. */
static int path_address(const struct http_request *req, char *addr, size_t len,
                        struct http_reply *reply)
{
    char raw[128], norm[QP_INET_LEN];
    if (req->path_arg_len >= sizeof raw ||
        http_query_decode(req->path_arg, req->path_arg_len, raw, sizeof raw) < 0 ||
        strchr(raw, '/') || parse_inet(raw, norm) < 0) {
        http_reply_bad_param(reply, "ip", "must be an IPv4 or IPv6 address");
        return -1;
    }
    *strchr(norm, '/') = '\0';
    snprintf(addr, len, "%s", norm);
    return 0;
}

void handle_host_get(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    static const char *const allowed[] = {"capture", NULL};
    char addr[QP_INET_LEN], capture[24];
    long long cid = 0;
    struct qparams qp;
    if (path_address(req, addr, sizeof addr, reply) < 0 ||
        qp_parse(&qp, req->query, allowed, reply) < 0)
        return;
    int has = qp_int(&qp, "capture", 1, INT64_MAX / 2, &cid, reply);
    qp_free(&qp);
    if (has < 0)
        return;
    snprintf(capture, sizeof capture, "%lld", cid);
    const char *params[2] = {addr, has ? capture : NULL};

    json_t *traffic = query_items(ctx, reply, traffic_cols, NCOLS(traffic_cols),
                                  " FROM host_rollup r WHERE r.host = $1::inet" CAPTURE_OK("r")
                                  " HAVING count(*) > 0", 2, params);
    if (!traffic)
        return;
    if (json_array_size(traffic) == 0) {
        json_decref(traffic);
        http_reply_fail(reply, 404, "not found", "host %s appears in no flow", addr);
        return;
    }
    json_t *t = json_incref(json_array_get(traffic, 0));
    json_decref(traffic);
    json_t *cc = json_incref(json_object_get(t, "cc"));
    json_object_del(t, "cc");
    json_t *body = json_pack("{s:s, s:o, s:o}", "host", addr, "cc", cc, "traffic", t);

    struct { const char *key; const struct column *cols; int n; const char *from; } parts[] = {
        {"peers", peer_cols, NCOLS(peer_cols), peers_from},
        {"ports", port_cols, NCOLS(port_cols), ports_from},
        {"names", name_cols, NCOLS(name_cols), names_from},
        {"alerts", alert_cols, alert_ncols, alerts_from},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        json_t *items = query_items(ctx, reply, parts[i].cols, parts[i].n, parts[i].from, 2, params);
        if (!items) {
            json_decref(body);
            return;
        }
        if (i == 1)
            name_ports(items);
        json_object_set_new(body, parts[i].key, items);
    }
    http_reply_set(reply, 200, body);
}

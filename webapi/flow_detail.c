/* flow_detail.c - GET /api/flows/{uid}: the flow, its packets, its DNS,
 * HTTP and TLS events, and the alerts naming it as evidence (API.md). */
#include "columns.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FLOW_PACKETS_MAX 1000
#define FLOW_PACKETS_MAX_SQL "1001" /* one more, to tell truncation */

/* $1 uid, $2 capture id of the flow. packets.uid has no index (it would
 * halve COPY speed): the flow's packets are found by (capture_id, ts)
 * within its time span, then by uid. */
static const char packets_from[] =
    " FROM flows f JOIN packets p ON p.capture_id = f.capture_id AND p.ts >= f.ts"
    " AND p.ts <= f.ts + make_interval(secs => f.duration) + interval '1 millisecond'"
    " AND p.uid = f.uid"
    " WHERE f.uid = $1 AND f.capture_id = $2::bigint"
    " ORDER BY p.ts, p.frame LIMIT " FLOW_PACKETS_MAX_SQL;
/* The flow's events, by (capture_id, ts) within its span (no uid indexes). */
#define EVENTS_OF_FLOW(t, a)                                                              \
    " FROM flows f JOIN " t " " a " ON " a ".capture_id = f.capture_id AND " a ".ts >= f.ts" \
    " AND " a ".ts <= f.ts + make_interval(secs => f.duration) + interval '1 second'"        \
    " AND " a ".uid = f.uid WHERE f.uid = $1 AND f.capture_id = $2::bigint"                  \
    " ORDER BY " a ".ts LIMIT 100"
static const char dns_from[] = EVENTS_OF_FLOW("dns", "d");
static const char http_from[] = EVENTS_OF_FLOW("http", "h");
static const char tls_from[] = EVENTS_OF_FLOW("tls", "t");
static const char alerts_from[] =
    " FROM alerts a WHERE a.evidence @> ARRAY[$1] AND a.capture_id = $2::bigint"
    " ORDER BY a.ts DESC, a.id DESC LIMIT 100";

/* The uid of the path; -1 after a 404 (uids are short tokens). */
static int path_uid(const struct http_request *req, char *uid, size_t len,
                    struct http_reply *reply)
{
    int ok = req->path_arg_len > 0 && req->path_arg_len < len && req->path_arg_len <= 64;
    for (size_t i = 0; ok && i < req->path_arg_len; i++) {
        char c = req->path_arg[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             c == '-' || c == '_' || c == '.' || c == ':';
    }
    if (!ok) {
        http_reply_fail(reply, 404, "not found", "no flow has that uid");
        return -1;
    }
    memcpy(uid, req->path_arg, req->path_arg_len);
    uid[req->path_arg_len] = '\0';
    return 0;
}

/* Finds the flow; NULL after filling reply (404 or failure). */
static json_t *find_flow(struct web_ctx *ctx, struct http_reply *reply, const char *uid,
                         const char *capture)
{
    const char *params[2] = {uid, capture};
    json_t *flows = query_items(ctx, reply, flow_cols, flow_ncols,
                                " FROM flows f WHERE f.uid = $1"
                                " AND ($2::bigint IS NULL OR f.capture_id = $2::bigint)"
                                " ORDER BY f.ts LIMIT 1", 2, params);
    if (!flows)
        return NULL;
    json_t *flow = json_incref(json_array_get(flows, 0));
    json_decref(flows);
    if (!flow)
        http_reply_fail(reply, 404, "not found", "no flow has uid %s", uid);
    return flow;
}

void handle_flow_get(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    static const char *const allowed[] = {"capture", NULL};
    char uid[72], capture[24];
    long long cid = 0;
    struct qparams qp;
    if (path_uid(req, uid, sizeof uid, reply) < 0 || qp_parse(&qp, req->query, allowed, reply) < 0)
        return;
    int has = qp_int(&qp, "capture", 1, INT64_MAX / 2, &cid, reply);
    qp_free(&qp);
    if (has < 0)
        return;
    snprintf(capture, sizeof capture, "%lld", cid);
    json_t *flow = find_flow(ctx, reply, uid, has ? capture : NULL);
    if (!flow)
        return;
    snprintf(capture, sizeof capture, "%lld",
             (long long)json_integer_value(json_object_get(flow, "capture_id")));
    const char *params[2] = {uid, capture};
    json_t *body = json_pack("{s:o}", "flow", flow);
    struct { const char *key; const struct column *cols; int n; const char *from; } parts[] = {
        {"packets", packet_cols, packet_ncols, packets_from},
        {"dns", dns_cols, dns_ncols, dns_from},
        {"http", http_cols, http_ncols, http_from},
        {"tls", tls_cols, tls_ncols, tls_from},
        {"alerts", alert_cols, alert_ncols, alerts_from},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        json_t *items = query_items(ctx, reply, parts[i].cols, parts[i].n, parts[i].from, 2, params);
        if (!items) {
            json_decref(body);
            return;
        }
        if (i == 0) {
            int truncated = json_array_size(items) > FLOW_PACKETS_MAX;
            if (truncated)
                json_array_remove(items, FLOW_PACKETS_MAX);
            json_object_set_new(body, "packets_truncated", json_boolean(truncated));
        }
        json_object_set_new(body, parts[i].key, items);
    }
    http_reply_set(reply, 200, body);
}

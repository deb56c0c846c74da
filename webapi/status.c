/* status.c - GET /api/capture-status (and /capture-status): sensors with
 * their heartbeat and live numbers, running live captures; GET
 * /api/interfaces (API.md, "Capture control"). */
#include "columns.h"

#include <string.h>

static const struct column sensor_cols[] = {
    {"name", "s.name", COL_STR},
    {"hostname", "s.hostname", COL_STR},
    {"version", "s.version", COL_STR},
    {"started_at", SQL_ISO_UTC("s.started_at"), COL_STR},
    {"last_seen", SQL_ISO_UTC("s.last_seen"), COL_STR},
    {"heartbeat_age_s", "round(extract(epoch FROM now() - s.last_seen)::numeric, 3)::float8",
     COL_REAL},
    {"capturing", "s.capturing", COL_BOOL},
    {"status", "s.status::text", COL_JSON},
};

void handle_capture_status(struct web_ctx *ctx, const struct http_request *req,
                           struct http_reply *reply)
{
    struct qparams qp;
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return;
    qp_free(&qp);
    json_t *sensors = query_items(ctx, reply, sensor_cols, NCOLS(sensor_cols),
                                  " FROM sensors s ORDER BY s.last_seen DESC, s.name LIMIT 100",
                                  0, NULL);
    if (!sensors)
        return;
    json_t *live = query_items(ctx, reply, capture_cols, capture_ncols,
                               CAPTURES_FROM " WHERE c.kind = 'live' AND c.status = 'running'"
                               " ORDER BY c.id DESC LIMIT 100", 0, NULL);
    if (!live) {
        json_decref(sensors);
        return;
    }
    http_reply_set(reply, 200, json_pack("{s:o, s:o}", "sensors", sensors, "live_captures", live));
}

static const struct column iface_cols[] = {
    {"sensor", "s.name", COL_STR},
    {"name", "i.name", COL_STR},
    {"description", "i.description", COL_STR},
    {"addresses", "to_json(i.addresses)", COL_JSON},
    {"up", "i.up", COL_BOOL},
    {"loopback", "i.loopback", COL_BOOL},
    {"updated_at", SQL_ISO_UTC("i.updated_at"), COL_STR},
};

void handle_interfaces(struct web_ctx *ctx, const struct http_request *req,
                       struct http_reply *reply)
{
    static const char *const allowed[] = {"sensor", NULL};
    struct qparams qp;
    char sensor[65];
    if (qp_parse(&qp, req->query, allowed, reply) < 0)
        return;
    int has = qp_token(&qp, "sensor", 64, sensor, reply);
    qp_free(&qp);
    if (has < 0)
        return;
    const char *params[1] = {has ? sensor : NULL};
    json_t *items = query_items(ctx, reply, iface_cols, NCOLS(iface_cols),
                                " FROM sensor_interfaces i JOIN sensors s ON s.id = i.sensor_id"
                                " WHERE ($1::text IS NULL OR s.name = $1)"
                                " ORDER BY s.name, i.name LIMIT 1000", 1, params);
    if (items)
        http_reply_set(reply, 200, json_pack("{s:o}", "interfaces", items));
}

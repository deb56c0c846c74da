/* control.c - capture control through the database: POST
 * /api/start-capture and /api/stop-capture (a capture_requests row plus
 * NOTIFY packetsight_control), GET /api/capture-requests/{id}
 * (API.md, "Capture control"). The daemon answers by updating the row. */
#include "bpf.h"
#include "columns.h"

#include <ctype.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#define CONTROL_BODY_MAX 16384
#define NAME_MAX_LEN 64

struct control_req {
    const char *action;      /* "start" / "stop" */
    const char *interface;   /* NULL when absent */
    const char *filter;      /* "" when absent */
    const char *sensor;      /* NULL: newest heartbeat */
    long long snaplen;       /* 0 when absent */
    int promisc;             /* -1 when absent */
};

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.:@", s[i]))
            return 0;
    return 1;
}

/* Reads one optional field of o into the request; -1 after a 400. */
static int take_field(struct control_req *c, const char *key, json_t *v, struct http_reply *reply)
{
    int start = strcmp(c->action, "start") == 0;
    if ((strcmp(key, "interface") == 0 || strcmp(key, "sensor") == 0) && json_is_string(v) &&
        name_ok(json_string_value(v))) {
        *(key[0] == 'i' ? &c->interface : &c->sensor) = json_string_value(v);
        return 0;
    }
    if (start && strcmp(key, "filter") == 0 && json_is_string(v)) {
        char err[PCAP_ERRBUF_SIZE];
        c->filter = json_string_value(v);
        if (*c->filter && bpf_check(c->filter, DLT_EN10MB, err, sizeof err) < 0) {
            http_reply_bad_param(reply, "filter", "not a valid capture filter: %s", err);
            return -1;
        }
        return 0;
    }
    if (start && strcmp(key, "snaplen") == 0 && json_is_integer(v) &&
        json_integer_value(v) >= 64 && json_integer_value(v) <= 262144) {
        c->snaplen = json_integer_value(v);
        return 0;
    }
    if (start && strcmp(key, "promisc") == 0 && json_is_boolean(v)) {
        c->promisc = json_is_true(v);
        return 0;
    }
    if (!strcmp(key, "interface") || !strcmp(key, "sensor"))
        http_reply_bad_param(reply, key, "must be a name of 1..%d letters, digits or -_.:@",
                             NAME_MAX_LEN);
    else if (start && (!strcmp(key, "filter") || !strcmp(key, "snaplen") || !strcmp(key, "promisc")))
        http_reply_bad_param(reply, key, "wrong type or out of range");
    else
        http_reply_bad_param(reply, key, "unknown field");
    return -1;
}

/* Parses the JSON body into c (strings borrowed from *doc). -1 after an error reply. */
static int parse_body(const struct http_request *req, struct control_req *c, json_t **doc,
                      struct http_reply *reply)
{
    *doc = http_read_json_object(req, reply, CONTROL_BODY_MAX, HTTP_JSON_EMPTY_OK);
    if (!*doc)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach(*doc, key, v) {
        if (take_field(c, key, v, reply) < 0)
            return -1;
    }
    if (strcmp(c->action, "start") == 0 && !c->interface) {
        http_reply_bad_param(reply, "interface", "required to start a capture");
        return -1;
    }
    return 0;
}

/* Sensor id and name ($1 name or NULL), whether it lists interfaces, and
 * whether $2 is one of them. */
static const char sql_sensor[] =
    "SELECT s.id, s.name,"
    " EXISTS (SELECT 1 FROM sensor_interfaces i WHERE i.sensor_id = s.id),"
    " EXISTS (SELECT 1 FROM sensor_interfaces i WHERE i.sensor_id = s.id AND i.name = $2)"
    " FROM sensors s WHERE ($1::text IS NULL OR s.name = $1)"
    " ORDER BY s.last_seen DESC, s.id DESC LIMIT 1";

static const char sql_insert[] =
    "WITH r AS (INSERT INTO capture_requests (sensor_id, action, interface, filter, snaplen, promisc)"
    " VALUES ($1::integer, $2, $3, $4, $5::integer, coalesce($6::boolean, true)) RETURNING id)"
    " SELECT id, pg_notify('packetsight_control', id::text) FROM r";

static void control(struct web_ctx *ctx, const struct http_request *req,
                    struct http_reply *reply, const char *action)
{
    struct qparams qp;
    struct control_req c = {action, NULL, "", NULL, 0, -1};
    json_t *doc = NULL;
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return;
    qp_free(&qp);
    if (parse_body(req, &c, &doc, reply) < 0)
        goto done;
    enum webdb_status st;
    const char *p1[2] = {c.sensor, c.interface ? c.interface : ""};
    PGresult *r = webdb_query(&ctx->db, sql_sensor, 2, p1, 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        goto done;
    }
    if (PQntuples(r) == 0) {
        if (c.sensor)
            http_reply_fail(reply, 404, "not found", "no sensor named %s", c.sensor);
        else
            http_reply_fail(reply, 409, "conflict", "no sensor has registered yet");
    } else if (c.interface && PQgetvalue(r, 0, 2)[0] == 't' && PQgetvalue(r, 0, 3)[0] != 't') {
        http_reply_bad_param(reply, "interface", "sensor %s has no interface %s",
                             PQgetvalue(r, 0, 1), c.interface);
    } else {
        char snaplen[24], sensor[80];
        snprintf(snaplen, sizeof snaplen, "%lld", c.snaplen);
        snprintf(sensor, sizeof sensor, "%s", PQgetvalue(r, 0, 1));
        const char *p2[6] = {PQgetvalue(r, 0, 0), action, c.interface, c.filter,
                             c.snaplen ? snaplen : NULL,
                             c.promisc < 0 ? NULL : c.promisc ? "true" : "false"};
        PGresult *ins = webdb_query(&ctx->db, sql_insert, 6, p2, WEBDB_NO_RETRY, &st);
        if (!ins)
            handler_db_failure(ctx, st, reply);
        else
            http_reply_set(reply, 202, json_pack("{s:o, s:s, s:s, s:s}", "request_id",
                                                 pgcol_int(ins, 0, 0), "sensor", sensor,
                                                 "action", action, "state", "pending"));
        PQclear(ins);
    }
    PQclear(r);
done:
    json_decref(doc);
}

void handle_start_capture(struct web_ctx *ctx, const struct http_request *req,
                          struct http_reply *reply)
{
    control(ctx, req, reply, "start");
}

void handle_stop_capture(struct web_ctx *ctx, const struct http_request *req,
                         struct http_reply *reply)
{
    control(ctx, req, reply, "stop");
}

static const struct column request_cols[] = {
    {"id", "r.id", COL_INT},
    {"sensor", "s.name", COL_STR},
    {"action", "r.action", COL_STR},
    {"interface", "r.interface", COL_STR},
    {"filter", "r.filter", COL_STR},
    {"state", "r.state", COL_STR},
    {"answer", "r.answer", COL_STR},
    {"capture_id", "r.capture_id", COL_INT},
    {"created_at", SQL_ISO_UTC("r.created_at"), COL_STR},
    {"answered_at", SQL_ISO_UTC("r.answered_at"), COL_STR},
};

void handle_capture_request_get(struct web_ctx *ctx, const struct http_request *req,
                                struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "capture request", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    json_t *items = query_items(ctx, reply, request_cols, NCOLS(request_cols),
                                " FROM capture_requests r LEFT JOIN sensors s ON s.id = r.sensor_id"
                                " WHERE r.id = $1::bigint", 1, params);
    if (!items)
        return;
    if (json_array_size(items) == 0)
        http_reply_fail(reply, 404, "not found", "capture request %lld does not exist", id);
    else
        http_reply_set(reply, 200, json_incref(json_array_get(items, 0)));
    json_decref(items);
}

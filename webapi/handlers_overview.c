/* handlers_overview.c - GET /api/health (database, schema, sensor heartbeats)
 * and GET /api/stats (totals over all captures or one). */
#include "handlers.h"
#include "params.h"
#include "router.h"

#include <stdio.h>
#include <stdlib.h>

/* Sensors listed by /api/health (keep both in step); the heartbeat age
 * still covers all of them. */
#define HEALTH_MAX_SENSORS 100
#define HEALTH_MAX_SENSORS_SQL "100"

static const char sql_schema_version[] =
    "SELECT coalesce(max(version), 0)::integer FROM schema_migrations";

/* Newest heartbeat first; the window age is computed before LIMIT. */
static const char sql_sensors[] =
    "SELECT name, " SQL_ISO_UTC("last_seen") ","
    " extract(epoch FROM now() - last_seen)::float8,"
    " extract(epoch FROM now() - max(last_seen) OVER ())::float8"
    " FROM sensors ORDER BY last_seen DESC, name LIMIT " HEALTH_MAX_SENSORS_SQL;

static json_t *health_body(const char *status, int database, json_t *schema_version)
{
    return json_pack("{s:s, s:b, s:o, s:i, s:n, s:[]}", "status", status, "database", database,
                     "schema_version", schema_version ? schema_version : json_null(),
                     "expected_schema_version", ps_schema_version_expected(),
                     "daemon_heartbeat_age_s", "sensors");
}

void handle_health(struct web_ctx *ctx, const struct http_request *req,
                   struct http_reply *reply)
{
    struct qparams qp;
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return;
    qp_free(&qp);
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db, sql_schema_version, 0, NULL, WEBDB_ANY_SCHEMA, &st);
    if (!r) {
        json_t *body = health_body("degraded", st != WEBDB_UNAVAILABLE, NULL);
        const char *why = st == WEBDB_UNAVAILABLE ? "database unavailable"
                                                  : "cannot read schema version";
        json_object_set_new(body, "error", json_string(why));
        json_object_set_new(body, "detail", json_string(why));
        http_reply_set(reply, 503, body);
        return;
    }
    int have = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    webdb_note_schema_version(&ctx->db, have);
    if (!ctx->db.schema_ok) {
        json_t *body = health_body("degraded", 1, json_integer(have));
        json_object_set_new(body, "error", json_string("database schema mismatch"));
        json_object_set_new(body, "detail", json_string(ctx->db.schema_err));
        http_reply_set(reply, 503, body);
        return;
    }

    r = webdb_query(&ctx->db, sql_sensors, 0, NULL, 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    json_t *body = health_body("ok", 1, json_integer(have));
    json_t *sensors = json_object_get(body, "sensors");
    int rows = PQntuples(r);
    /* Health is public; which sensors exist is for callers with credentials. */
    struct http_reply scratch = {0};
    int known = auth_identify(ctx, req, &scratch) == 0 && ctx->who.via != AUTH_NONE;
    http_reply_clear(&scratch);
    json_object_set_new(body, "sensor_count", json_integer(rows));
    for (int i = 0; known && i < rows && i < HEALTH_MAX_SENSORS; i++) {
        json_array_append_new(sensors, json_pack("{s:o, s:o, s:o}",
                                                 "name", pgcol_string(r, i, 0),
                                                 "last_seen", pgcol_string(r, i, 1),
                                                 "age_s", pgcol_real(r, i, 2)));
    }
    if (rows > 0)
        json_object_set_new(body, "daemon_heartbeat_age_s", pgcol_real(r, 0, 3));
    PQclear(r);
    http_reply_set(reply, 200, body);
}

/* $1 is NULL for "all captures". The planner sees the actual parameter value
 * (unnamed statement), so "$1 IS NULL OR ..." still uses the indexes.
 * Flows and hosts come from the rollups (sql/migrations/003_api.sql), which
 * hold live captures and finished file captures; the flows of file captures
 * not done yet (a job worker that commits as it goes) are counted directly,
 * so the totals are exact. first_ts/last_ts widen to the hosts' flow span,
 * which also covers running live captures whose own are still NULL. */
#define STATS_CAPTURES                                                            \
    "WITH c AS ("                                                                 \
    "  SELECT count(*)::bigint AS captures,"                                      \
    "         coalesce(sum(packets), 0)::bigint AS packets,"                      \
    "         coalesce(sum(bytes), 0)::bigint AS bytes,"                          \
    "         min(first_ts) AS first_ts, max(last_ts) AS last_ts"                 \
    "  FROM captures WHERE $1::bigint IS NULL OR id = $1::bigint),"               \
    " r AS (SELECT coalesce(sum(flows), 0)::bigint AS flows FROM service_rollup"  \
    "  WHERE $1::bigint IS NULL OR capture_id = $1::bigint),"
/* Rows of hosts_all, or of one capture in host_rollup: one per address. */
#define STATS_HOSTS                                                               \
    "  SELECT host, first_ts, last_ts FROM host_rollup_all WHERE $1::bigint IS NULL" \
    "  UNION ALL SELECT host, first_ts, last_ts FROM host_rollup"                 \
    "  WHERE capture_id = $1::bigint"
#define STATS_SELECT                                                              \
    " SELECT c.packets, c.bytes, f.flows, c.captures, h.hosts, "                  \
    SQL_ISO_UTC("least(c.first_ts, h.first_ts)") ", "                             \
    SQL_ISO_UTC("greatest(c.last_ts, h.last_ts)") " FROM c, f, h"

static const char sql_stats[] =
    STATS_CAPTURES
    " f AS (SELECT flows FROM r),"
    " h AS (SELECT count(*)::bigint AS hosts, min(first_ts) AS first_ts,"
    "  max(last_ts) AS last_ts FROM (" STATS_HOSTS ") a)"
    STATS_SELECT;

/* The same, adding the flows of file captures not done yet. */
static const char sql_stats_pending[] =
    STATS_CAPTURES
    " pending AS (SELECT id FROM captures WHERE kind = 'file' AND status <> 'done'"
    "  AND ($1::bigint IS NULL OR id = $1::bigint)),"
    " f AS (SELECT (SELECT flows FROM r)"
    "  + (SELECT count(*) FROM flows WHERE capture_id IN (SELECT id FROM pending)) AS flows),"
    " h AS (SELECT count(*)::bigint AS hosts, min(first_ts) AS first_ts, max(last_ts) AS last_ts"
    "  FROM (SELECT host, min(first_ts) AS first_ts, max(last_ts) AS last_ts FROM ("
    STATS_HOSTS
    "  UNION ALL SELECT orig_h, ts, NULL FROM flows WHERE capture_id IN (SELECT id FROM pending)"
    "  UNION ALL SELECT resp_h, ts, NULL FROM flows WHERE capture_id IN (SELECT id FROM pending))"
    "  a GROUP BY host) u)"
    STATS_SELECT;

/* Whether file captures not done yet have flows. */
static const char sql_pending[] =
    "SELECT EXISTS (SELECT 1 FROM captures c WHERE c.kind = 'file' AND c.status <> 'done'"
    " AND ($1::bigint IS NULL OR c.id = $1::bigint)"
    " AND EXISTS (SELECT 1 FROM flows f WHERE f.capture_id = c.id))";

void handle_stats(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    char value[HTTP_PARAM_MAX];
    long long capture = 0;
    int has_capture = http_query_param(req->query, "capture", value, sizeof value);
    struct qparams qp;
    static const char *const allowed[] = {"capture", NULL};
    if (qp_parse(&qp, req->query, allowed, reply) < 0)
        return;
    qp_free(&qp);
    if (has_capture < 0 ||
        (has_capture > 0 && http_parse_positive_id(value, &capture) < 0)) {
        http_reply_bad_param(reply, "capture", "must be a positive integer");
        return;
    }

    char id[24];
    snprintf(id, sizeof id, "%lld", capture);
    const char *params[1] = {has_capture ? id : NULL};
    enum webdb_status st;
    /* Flows of unfinished file captures are rare: look at them only when
     * there are any, so the usual plan never touches the flows. */
    PGresult *r = webdb_query(&ctx->db, sql_pending, 1, params, WEBDB_GENERIC, &st);
    if (r) {
        int pending = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        r = webdb_query(&ctx->db, pending ? sql_stats_pending : sql_stats, 1, params,
                        pending ? 0 : WEBDB_GENERIC, &st);
    }
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    if (has_capture && atoll(PQgetvalue(r, 0, 3)) == 0) {
        PQclear(r);
        http_reply_fail(reply, 404, "not found", "capture %lld does not exist", capture);
        return;
    }
    json_t *body = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                             "packets", pgcol_int(r, 0, 0), "bytes", pgcol_int(r, 0, 1),
                             "flows", pgcol_int(r, 0, 2), "captures", pgcol_int(r, 0, 3),
                             "hosts", pgcol_int(r, 0, 4), "first_ts", pgcol_string(r, 0, 5),
                             "last_ts", pgcol_string(r, 0, 6));
    PQclear(r);
    if (body && has_capture)
        json_object_set_new(body, "capture", json_integer(capture));
    http_reply_set(reply, 200, body);
}

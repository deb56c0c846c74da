/* metrics.c - GET /api/metrics: Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) built from
 * the sensors' heartbeat status, the captures and the jobs tables. */
#include "handlers.h"

#include <stdio.h>
#include <string.h>

/* name, type, help, and a query giving (labels, value) rows; labels come
 * out of SQL already in {k="v",...} form with quotes and backslashes
 * escaped as the format wants. */
struct metric {
    const char *name, *type, *help, *sql;
};

#define LABEL(k, expr) "'" k "=\"' || replace(replace(" expr ", '\\', '\\\\'), '\"', '\\\"') || '\"'"

static const struct metric metrics[] = {
    {"packetsight_sensor_heartbeat_age_seconds", "gauge",
     "Seconds since the sensor's last heartbeat.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', extract(epoch FROM now() - last_seen)"
     " FROM sensors ORDER BY name"},
    {"packetsight_sensor_capturing", "gauge", "1 while the sensor runs a live capture.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', capturing::int FROM sensors ORDER BY name"},
    {"packetsight_live_packets_total", "counter", "Packets seen by a running live capture.",
     "SELECT '{' || " LABEL("sensor", "s.name") " || ',' || " LABEL("interface", "c->>'interface'")
     " || '}', (c->>'packets')::float8 FROM sensors s,"
     " jsonb_array_elements(coalesce(s.status->'captures', '[]')) c"},
    {"packetsight_live_bytes_total", "counter", "Bytes seen by a running live capture.",
     "SELECT '{' || " LABEL("sensor", "s.name") " || ',' || " LABEL("interface", "c->>'interface'")
     " || '}', (c->>'bytes')::float8 FROM sensors s,"
     " jsonb_array_elements(coalesce(s.status->'captures', '[]')) c"},
    {"packetsight_live_drops_total", "counter", "Packets the kernel dropped (pcap_stats).",
     "SELECT '{' || " LABEL("sensor", "s.name") " || ',' || " LABEL("interface", "c->>'interface'")
     " || '}', (c->>'drops')::float8 FROM sensors s,"
     " jsonb_array_elements(coalesce(s.status->'captures', '[]')) c"},
    {"packetsight_live_flows_total", "counter", "Flows created by a running live capture.",
     "SELECT '{' || " LABEL("sensor", "s.name") " || ',' || " LABEL("interface", "c->>'interface'")
     " || '}', (c->>'flows')::float8 FROM sensors s,"
     " jsonb_array_elements(coalesce(s.status->'captures', '[]')) c"},
    {"packetsight_writer_queue_bytes", "gauge", "Rows waiting in the writer's memory queue.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', coalesce((status#>>'{writer,queued_bytes}')::float8, 0)"
     " FROM sensors ORDER BY name"},
    {"packetsight_writer_spooled_batches", "gauge", "Batches waiting in the spool directory.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', coalesce((status#>>'{writer,spooled_batches}')::float8, 0)"
     " FROM sensors ORDER BY name"},
    {"packetsight_writer_dropped_rows_total", "counter", "Rows the writer could not keep.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', coalesce((status#>>'{writer,dropped_rows}')::float8, 0)"
     " FROM sensors ORDER BY name"},
    {"packetsight_writer_committed_rows_total", "counter", "Rows the writer committed.",
     "SELECT '{' || " LABEL("sensor", "name") " || '}', coalesce((status#>>'{writer,committed_rows}')::float8, 0)"
     " FROM sensors ORDER BY name"},
    {"packetsight_jobs", "gauge", "Upload jobs by state.",
     "SELECT '{' || " LABEL("state", "s") " || '}', (SELECT count(*) FROM jobs j WHERE j.state = s)"
     " FROM unnest(ARRAY['queued','running','done','failed']) s"},
    {"packetsight_captures", "gauge", "Captures by kind and status.",
     "SELECT '{' || " LABEL("kind", "kind") " || ',' || " LABEL("status", "status") " || '}', count(*)"
     " FROM captures GROUP BY kind, status ORDER BY kind, status"},
    {"packetsight_stored_packets_total", "counter", "Packets of all captures in the database.",
     "SELECT '', coalesce(sum(packets), 0)::float8 FROM captures"},
};

/* Appends one metric's lines to out; -1 (reply filled) on a database error. */
static int append_metric(struct web_ctx *ctx, const struct metric *m, struct http_reply *reply,
                         FCGX_Stream *out, int head)
{
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db, m->sql, 0, NULL, 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return -1;
    }
    if (!head && out) {
        FCGX_FPrintF(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
        for (int i = 0; i < PQntuples(r); i++)
            FCGX_FPrintF(out, "%s%s %s\n", m->name, PQgetvalue(r, i, 0),
                         PQgetisnull(r, i, 1) ? "NaN" : PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return 0;
}

void handle_metrics(struct web_ctx *ctx, const struct http_request *req,
                    struct http_reply *reply)
{
    enum webdb_status st;
    /* fail before the headers go out if the database is away */
    PGresult *probe = webdb_query(&ctx->db, "SELECT 1", 0, NULL, 0, &st);
    if (!probe) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    PQclear(probe);
    if (http_stream_begin(req, reply, 200, "text/plain; version=0.0.4; charset=utf-8", NULL) < 0) {
        http_reply_error(reply, 500, "no output stream");
        return;
    }
    int head = strcmp(req->method, "HEAD") == 0;
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        if (append_metric(ctx, &metrics[i], reply, req->out, head) < 0)
            return;
}

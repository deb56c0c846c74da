/* handlers.h - the request handlers and the state they share. A handler
 * reads the request, fills the reply, and never writes to the client itself;
 * main.c renders the reply. */
#ifndef PS_WEBAPI_HANDLERS_H
#define PS_WEBAPI_HANDLERS_H

#include "auth.h"
#include "http.h"
#include "webdb.h"

/* Everything a handler may touch; one per process. */
struct web_ctx {
    struct webdb db;
    long long upload_max; /* bytes of one uploaded file (PACKETSIGHT_UPLOAD_MAX) */
    struct auth_settings auth;
    /* Per request (reset by the router before each one): */
    struct identity who;     /* the caller, after the route's checks passed */
    const char *audit_action; /* static name for the audit row ("login.failed"), or NULL */
    json_t *audit_detail;    /* owned; extra JSON for the audit row, or NULL */
};

/* Default of PACKETSIGHT_UPLOAD_MAX: 1 GiB. nginx's client_max_body_size
 * (deploy/nginx) is set a little above it for the multipart framing. */
#define WEB_UPLOAD_MAX_DEFAULT (1024LL * 1024 * 1024)

typedef void (*web_handler)(struct web_ctx *ctx, const struct http_request *req,
                            struct http_reply *reply);

/* Turns a failed webdb_query into the matching reply: 503 for
 * WEBDB_UNAVAILABLE / WEBDB_SCHEMA, 500 for WEBDB_ERROR. */
void handler_db_failure(struct web_ctx *ctx, enum webdb_status status,
                        struct http_reply *reply);

/* Result columns as JSON (new references; JSON null for SQL NULL, or when
 * the text does not parse). Results must be text format. */
json_t *pgcol_int(const PGresult *r, int row, int col);    /* bigint/int */
json_t *pgcol_real(const PGresult *r, int row, int col);   /* float8, 3 decimals */
json_t *pgcol_string(const PGresult *r, int row, int col); /* UTF-8 text */

/* SQL expression rendering timestamptz `col` as ISO 8601 UTC with
 * microseconds ("2024-05-01T12:00:00.000000Z"), whatever the session TimeZone. */
#define SQL_ISO_UTC(col) \
    "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The {id} of a "/api/x/{id}" request as a positive id, also written as
 * decimal text to text (for a query parameter); the request may carry no
 * query parameters. 0 after a 400 in reply (captures.c). */
#define PATH_ID_TEXT 24
long long path_id(const struct http_request *req, struct http_reply *reply, const char *what,
                  char text[PATH_ID_TEXT]);

#define HANDLER(name) \
    void name(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)

HANDLER(handle_health);            /* handlers_overview.c */
HANDLER(handle_stats);
HANDLER(handle_protocol_distribution); /* overview_traffic.c */
HANDLER(handle_traffic_timeline);
HANDLER(handle_top_talkers);       /* overview_top.c */
HANDLER(handle_port_analysis);
HANDLER(handle_geo_analysis);
HANDLER(handle_recent_activity);   /* overview_recent.c */
HANDLER(handle_flows);             /* lists_traffic.c */
HANDLER(handle_packets);
HANDLER(handle_flow_get);          /* flow_detail.c */
HANDLER(handle_hosts);             /* hosts.c */
HANDLER(handle_host_get);          /* host_detail.c */
HANDLER(handle_dns);               /* lists_events.c */
HANDLER(handle_http);
HANDLER(handle_tls);
HANDLER(handle_alerts);
HANDLER(handle_captures);          /* captures.c */
HANDLER(handle_capture_get);
HANDLER(handle_capture_delete);
HANDLER(handle_jobs);              /* jobs.c */
HANDLER(handle_job_get);
HANDLER(handle_start_capture);     /* control.c */
HANDLER(handle_stop_capture);
HANDLER(handle_capture_request_get);
HANDLER(handle_capture_status);    /* status.c */
HANDLER(handle_metrics);           /* metrics.c */
HANDLER(handle_interfaces);
HANDLER(handle_upload_pcap);       /* upload.c */
HANDLER(handle_validate_pcap);     /* validate.c */
HANDLER(handle_rules);             /* rules.c */
HANDLER(handle_rule_create);
HANDLER(handle_rule_get);
HANDLER(handle_rule_update);
HANDLER(handle_rule_delete);
HANDLER(handle_indicator_lists);   /* indicators.c */
HANDLER(handle_indicator_list_delete);
HANDLER(handle_indicators);
HANDLER(handle_indicators_import);
HANDLER(handle_login);              /* session.c */
HANDLER(handle_logout);
HANDLER(handle_session);
HANDLER(handle_password);
HANDLER(handle_users);              /* users.c */
HANDLER(handle_user_create);
HANDLER(handle_user_update);
HANDLER(handle_user_delete);
HANDLER(handle_tokens);             /* tokens.c */
HANDLER(handle_token_create);
HANDLER(handle_token_revoke);
HANDLER(handle_audit);              /* audit.c */

#endif

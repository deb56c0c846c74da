/* handlers.h - the request handlers and the state they share. A handler
 * reads the request, fills the reply, and never writes to the client itself;
 * main.c renders the reply. */
#ifndef PS_WEBAPI_HANDLERS_H
#define PS_WEBAPI_HANDLERS_H

#include "http.h"
#include "webdb.h"

/* Everything a handler may touch; one per process. */
struct web_ctx {
    struct webdb db;
};

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

/* handlers_overview.c */
void handle_health(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply);
void handle_stats(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply);

#endif

/* columns.h - the item shapes shared by lists, details and overviews
 * (API.md, "Lists"). Each array's SQL uses one table alias: flows f,
 * packets p, dns d, http h, tls t, alerts a, captures c (joined with
 * sensors s), jobs j. */
#ifndef PS_WEBAPI_COLUMNS_H
#define PS_WEBAPI_COLUMNS_H

#include "list.h"

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

extern const struct column flow_cols[];
extern const int flow_ncols;
extern const struct column packet_cols[];
extern const int packet_ncols;
extern const struct column dns_cols[];
extern const int dns_ncols;
extern const struct column http_cols[];
extern const int http_ncols;
extern const struct column tls_cols[];
extern const int tls_ncols;
extern const struct column alert_cols[];
extern const int alert_ncols;
extern const struct column capture_cols[];
extern const int capture_ncols;
extern const struct column job_cols[];
extern const int job_ncols;

/* " FROM captures c LEFT JOIN sensors s ON s.id = c.sensor_id" */
#define CAPTURES_FROM " FROM captures c LEFT JOIN sensors s ON s.id = c.sensor_id"

/* Runs "SELECT cols <from_where>" with params and answers the rows as an
 * array under `key`... used by details: returns the array or NULL after
 * filling reply with the database failure. */
json_t *query_items(struct web_ctx *ctx, struct http_reply *reply, const struct column *cols,
                    int ncols, const char *from_where, int nparams, const char *const *params);

#endif

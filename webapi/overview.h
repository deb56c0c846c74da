/* overview.h - what the overview endpoints share: the capture / time-range
 * selection, and a helper to run one parameterised query into JSON. */
#ifndef PS_WEBAPI_OVERVIEW_H
#define PS_WEBAPI_OVERVIEW_H

#include "columns.h"

struct overview {
    struct qparams qp;        /* the parsed query; overview_done() frees it */
    char capture[24];         /* "" when not given */
    char from[QP_TIME_LEN];   /* "" when not given */
    char to[QP_TIME_LEN];
    int ranged;               /* from or to given: aggregate flows, not rollups */
};

/* Parses the query (capture, from, to plus `extra` names, NULL-terminated)
 * into ov. Returns 0, or -1 with a 400 in reply (nothing to free then). */
int overview_begin(struct overview *ov, const struct http_request *req, const char *const *extra,
                   struct http_reply *reply);
void overview_done(struct overview *ov);

/* Appends the capture and time filters to q for the given column
 * expressions (time_col NULL: no time filter). */
void overview_filters(struct sqlq *q, const struct overview *ov, const char *capture_col,
                      const char *time_col);

/* Runs q and returns its rows as JSON objects of cols (NULL after filling
 * reply with the failure). generic: plan it once per connection
 * (WEBDB_GENERIC), for queries whose plan does not depend on the values. */
json_t *overview_rows(struct web_ctx *ctx, struct http_reply *reply, struct sqlq *q,
                      const struct column *cols, int ncols, int generic);

#endif

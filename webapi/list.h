/* list.h - the list endpoints' common engine: declared columns, filters
 * and sort keys become one parameterised query with keyset pagination
 * (opaque cursor), answered as a JSON page or streamed as an export
 * (CSV / JSON / NDJSON) through a server-side cursor. */
#ifndef PS_WEBAPI_LIST_H
#define PS_WEBAPI_LIST_H

#include "handlers.h"
#include "params.h"
#include "sqlq.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000
#define LIST_MAX_TIEBREAK 3
#define LIST_EXPORT_FETCH 1000 /* rows per FETCH while exporting */

enum coltype {
    COL_INT,  /* bigint/integer text */
    COL_REAL, /* float8 text, full precision */
    COL_STR,  /* text (timestamps arrive as ISO strings, addresses via host()) */
    COL_BOOL, /* 't' / 'f' */
    COL_JSON, /* JSON text made by SQL (arrays: to_json(col)) */
};

struct column {
    const char *name; /* field name in JSON and CSV */
    const char *sql;  /* select expression */
    enum coltype type;
};

enum filter_kind {
    FILTER_ID,    /* positive bigint */
    FILTER_TIME,  /* ISO 8601 / epoch -> timestamptz text */
    FILTER_INET,  /* address or CIDR -> inet text */
    FILTER_PORT,  /* 0..65535 */
    FILTER_INT,   /* min..max */
    FILTER_TOKEN, /* [A-Za-z0-9-_.:/]{1,maxlen} */
    FILTER_ENUM,  /* one of choices */
    FILTER_LIKE,  /* text match -> escaped ILIKE pattern */
};

struct filter {
    const char *param;    /* query parameter */
    const char *sql;      /* " AND ..." with $? for the value */
    enum filter_kind kind;
    long long min, max;   /* FILTER_INT; FILTER_TOKEN: max is the length */
    const char *const *choices; /* FILTER_ENUM */
};

struct sortkey {
    const char *name; /* value of ?sort= */
    const char *expr; /* SQL expression, never NULL-valued (coalesce) */
    const char *cast; /* type to cast the cursor value back to */
};

struct list_spec {
    const char *name;       /* "flows": cursor binding and export file name */
    const char *from;       /* " FROM ... WHERE true"; filters are appended */
    const char *from_tail;  /* appended after the filters (GROUP BY ...) or NULL */
    const struct column *cols;
    int ncols;
    const struct filter *filters;
    int nfilters;
    const struct sortkey *sorts; /* the first is the default */
    int nsorts;
    const char *tiebreak[LIST_MAX_TIEBREAK];      /* unique row identity */
    const char *tiebreak_cast[LIST_MAX_TIEBREAK];
    int ntiebreak;
};

/* Serves GET for spec: page or export. */
void list_serve(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply,
                const struct list_spec *spec);

/* Serves GET for spec with params already parsed (callers that look at the
 * parameters first, e.g. to pick a spec). Does not free qp. */
void list_serve_parsed(struct web_ctx *ctx, const struct http_request *req,
                       struct http_reply *reply, const struct list_spec *spec,
                       const struct qparams *qp);

/* The parameter names spec accepts, NULL-terminated, in static storage
 * valid until the next call. */
const char *const *list_params(const struct list_spec *spec);

/* Appends spec's filters that qp holds to q. Returns 0, or -1 with a 400 in reply. */
int list_add_filters(struct sqlq *q, const struct filter *filters, int n,
                     const struct qparams *qp, struct http_reply *reply);

/* Row `row` of r as a JSON object of cols (r's first ncols columns). */
json_t *list_row_json(const PGresult *r, int row, const struct column *cols, int ncols);

/* All rows of r as an array of objects. */
json_t *list_rows_json(const PGresult *r, const struct column *cols, int ncols);

/* Appends "SELECT c1, c2, ..." for cols to q. */
void list_select(struct sqlq *q, const struct column *cols, int ncols);

/* Opaque cursors (cursor.c). encode: malloc'ed string or NULL. decode:
 * 0 and keys filled (nkeys values, each malloc'ed; caller frees) or -1. */
char *cursor_encode(const char *list, const char *sort, const char *order,
                    const char *const *keys, int nkeys);
int cursor_decode(const char *text, const char *list, const char *sort, const char *order,
                  char **keys, int nkeys);

/* Streams the result of q (columns cols, then nothing else) as an export in
 * `format` ("csv", "json", "ndjson"); export.c. */
void list_export(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply,
                 const struct sqlq *q, const struct column *cols, int ncols,
                 const char *format, const char *basename);

#endif

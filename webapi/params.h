/* params.h - a request's query string as a checked set of parameters:
 * every name must be one the endpoint knows, given once, with a value that
 * is valid UTF-8 and not longer than HTTP_PARAM_MAX bytes. The typed getters
 * answer 400 naming the parameter when a value is unusable. */
#ifndef PS_WEBAPI_PARAMS_H
#define PS_WEBAPI_PARAMS_H

#include "http.h"

#define QP_MAX 32          /* parameters per request */
#define QP_TIME_LEN 96     /* "2025-11-24 16:00:00.000000+00" with room for any int */
#define QP_INET_LEN 96     /* "ffff:...:ffff/128" */
#define QP_LIKE_MAX 256    /* longest text match (bytes, before escaping) */

struct qparam {
    const char *name;  /* decoded, in qparams.buf */
    const char *value; /* decoded, in qparams.buf */
};

struct qparams {
    int n;
    struct qparam p[QP_MAX];
    char *buf; /* owned; qp_free() releases it */
};

/* Parses query. allowed is a NULL-terminated list of names (NULL: none
 * allowed). Returns 0, or -1 with a 400 in reply (nothing to free then). */
int qp_parse(struct qparams *qp, const char *query, const char *const *allowed,
             struct http_reply *reply);
void qp_free(struct qparams *qp);

/* The value of name, or NULL when absent. */
const char *qp_get(const struct qparams *qp, const char *name);

/* Getters: 1 when present and valid (out set), 0 when absent (out
 * untouched), -1 when invalid (400 in reply). */
int qp_int(const struct qparams *qp, const char *name, long long min, long long max,
           long long *out, struct http_reply *reply);
/* Index of the value in choices (NULL-terminated). */
int qp_enum(const struct qparams *qp, const char *name, const char *const *choices, int *out,
            struct http_reply *reply);
/* ISO 8601 or epoch seconds, written as "YYYY-MM-DD HH:MM:SS.ffffff+00". */
int qp_time(const struct qparams *qp, const char *name, char out[QP_TIME_LEN],
            struct http_reply *reply);
/* An address or CIDR, normalised ("10.0.0.0/8", "2001:db8::1/128"). */
int qp_inet(const struct qparams *qp, const char *name, char out[QP_INET_LEN],
            struct http_reply *reply);
/* A token of letters, digits and "-_.:/" of 1..maxlen bytes; out has maxlen+1 bytes. */
int qp_token(const struct qparams *qp, const char *name, size_t maxlen, char *out,
             struct http_reply *reply);
/* A text match: "%value%" with \, % and _ escaped for ILIKE (out: 2*QP_LIKE_MAX+3). */
int qp_like(const struct qparams *qp, const char *name, char *out, struct http_reply *reply);
/* true/false/1/0/yes/no. */
int qp_bool(const struct qparams *qp, const char *name, int *out, struct http_reply *reply);

/* Parsers behind the getters, for values from elsewhere (bodies). 0 or -1. */
int parse_time(const char *s, char out[QP_TIME_LEN]);
int parse_inet(const char *s, char out[QP_INET_LEN]);
int parse_bool(const char *s, int *out);
void like_pattern(const char *s, char *out);

#endif

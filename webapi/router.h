/* router.h - maps method + path to a handler. Paths match exactly (no
 * trailing-slash or case folding), except a route ending in "/{id}", which
 * matches one more non-empty segment without '/' (the {id} that handlers
 * find in req->path_arg); HEAD is served by the GET handler. */
#ifndef PS_WEBAPI_ROUTER_H
#define PS_WEBAPI_ROUTER_H

#include "handlers.h"

#include <stddef.h>

struct route {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* exact path, e.g. "/api/health", or "/api/jobs/{id}" */
    web_handler handler;
};

enum route_match {
    ROUTE_FOUND,
    ROUTE_METHOD_NOT_ALLOWED, /* path known, method not */
    ROUTE_NOT_FOUND,
};

/* Looks path[0..path_len) and method up in table[0..n). On ROUTE_FOUND sets
 * *found. On ROUTE_METHOD_NOT_ALLOWED writes the allowed methods
 * ("GET, HEAD") to allow (always NUL-terminated when allowlen > 0). */
enum route_match router_lookup(const struct route *table, size_t n, const char *method,
                               const char *path, size_t path_len, const struct route **found,
                               char *allow, size_t allowlen);

/* Whether route path `pattern` matches path[0..path_len); for a "/{id}" route
 * sets *arg / *arg_len to the segment. */
int router_path_matches(const char *pattern, const char *path, size_t path_len,
                        const char **arg, size_t *arg_len);

/* Routes req through webapi's route table and fills reply: the handler's
 * answer, or 404 {"error":"not found","path":...}, or 405 with an Allow
 * header. reply->allow points to static storage valid until the next call. */
void router_dispatch(struct web_ctx *ctx, struct http_request *req, struct http_reply *reply);

#endif

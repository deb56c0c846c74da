/* router.h - maps method + path to a handler. Paths match exactly (no
 * trailing-slash or case folding), except a route ending in "/{id}", which
 * matches one more non-empty segment without '/' (the {id} that handlers
 * find in req->path_arg); HEAD is served by the GET handler. */
#ifndef PS_WEBAPI_ROUTER_H
#define PS_WEBAPI_ROUTER_H

#include "handlers.h"

#include <stddef.h>

/* route.flags */
#define ROUTE_EXPORT 1 /* a list: format=... exports it whole (analyst or more) */

struct route {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* exact path, e.g. "/api/health", or "/api/jobs/{id}" */
    web_handler handler;
    enum web_role role; /* least role allowed (auth.h) */
    unsigned flags;     /* ROUTE_* */
};

/* The route table (the authorization table of API.md) and its length. */
const struct route *router_table(size_t *n);

/* The least role route r allows for this request (ROUTE_EXPORT raises it). */
enum web_role auth_route_role(const struct route *r, const struct http_request *req);

/* Runs the checks of auth.h for route r. 0: the handler may run, with the
 * caller in ctx->who; -1: reply holds the refusal (401, 403, 503). */
int auth_gate(struct web_ctx *ctx, const struct http_request *req, const struct route *r,
              struct http_reply *reply);

/* Fills ctx->who from the request's token or session cookie, if any; 0, or
 * -1 after a reply (401 for a bad token, 503 when the database is away). */
int auth_identify(struct web_ctx *ctx, const struct http_request *req,
                  struct http_reply *reply);

/* 0 when the browser marks the request cross-site (Sec-Fetch-Site) or its
 * Origin is not this server; 1 otherwise (also when neither is sent). */
int auth_same_site(const struct http_request *req);

/* Writes the cookie value of a well-formed ps_session cookie into out; 1 when found. */
int auth_session_cookie(const struct http_request *req, char *out, size_t outlen);

/* 401 "authentication required" with WWW-Authenticate. */
void auth_reply_required(struct http_reply *reply);

/* Sets reply's Set-Cookie to one that removes the session cookie. */
void auth_clear_cookie(const struct http_request *req, struct http_reply *reply);

/* Records an audit row for state-changing requests, exports and anything a
 * handler named in ctx->audit_action (audit.c). Never fails the request. */
void audit_request(struct web_ctx *ctx, const struct http_request *req,
                   const struct route *r, const struct http_reply *reply);

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

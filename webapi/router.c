/* router.c - webapi's route table and dispatch (RFC 9110 sections 15.5.5
 * and 15.5.6 for 404 and 405 with Allow). */
#include "router.h"

#include <stdio.h>
#include <string.h>

static const struct route routes[] = {
    {"GET", "/api/health", handle_health},
    {"GET", "/api/stats", handle_stats},
};

static int method_matches(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return 1;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static void allow_append(char *allow, size_t allowlen, const char *method)
{
    size_t used = strlen(allow);
    if (used >= allowlen)
        return;
    snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", method);
}

enum route_match router_lookup(const struct route *table, size_t n, const char *method,
                               const char *path, size_t path_len, const struct route **found,
                               char *allow, size_t allowlen)
{
    int path_known = 0;
    if (allowlen > 0)
        allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct route *r = &table[i];
        if (strlen(r->path) != path_len || memcmp(r->path, path, path_len) != 0)
            continue;
        if (method_matches(r->method, method)) {
            *found = r;
            return ROUTE_FOUND;
        }
        path_known = 1;
        if (allowlen > 0) {
            allow_append(allow, allowlen, r->method);
            if (strcmp(r->method, "GET") == 0)
                allow_append(allow, allowlen, "HEAD");
        }
    }
    return path_known ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

void router_dispatch(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    static char allow[128];
    const struct route *found = NULL;
    enum route_match m = router_lookup(routes, sizeof routes / sizeof routes[0], req->method,
                                       req->path, req->path_len, &found, allow, sizeof allow);
    switch (m) {
    case ROUTE_FOUND:
        found->handler(ctx, req, reply);
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        http_reply_set(reply, 405,
                       json_pack("{s:s, s:o}", "error", "method not allowed", "path",
                                 http_json_path(req->path, req->path_len)));
        reply->allow = allow;
        break;
    case ROUTE_NOT_FOUND:
        http_reply_set(reply, 404,
                       json_pack("{s:s, s:o}", "error", "not found", "path",
                                 http_json_path(req->path, req->path_len)));
        break;
    }
}

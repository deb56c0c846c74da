/* router.c - webapi's route table and dispatch (RFC 9110 sections 15.5.5
 * and 15.5.6 for 404 and 405 with Allow). */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* The authorization table: every route with the least role allowed
 * (auth.h). ROUTE_EXPORT: with a format= parameter the list is exported
 * whole, which needs at least analyst. A route missing here is a 404 (or
 * 401 for anonymous callers); a role of ROLE_DENY would refuse everyone. */
static const struct route routes[] = {
    {"GET", "/api/health", handle_health, ROLE_PUBLIC, 0},
    {"GET", "/api/stats", handle_stats, ROLE_VIEWER, 0},
    {"GET", "/api/protocol-distribution", handle_protocol_distribution, ROLE_VIEWER, 0},
    {"GET", "/api/traffic-timeline", handle_traffic_timeline, ROLE_VIEWER, 0},
    {"GET", "/api/top-talkers", handle_top_talkers, ROLE_VIEWER, 0},
    {"GET", "/api/port-analysis", handle_port_analysis, ROLE_VIEWER, 0},
    {"GET", "/api/geo-analysis", handle_geo_analysis, ROLE_VIEWER, 0},
    {"GET", "/api/recent-activity", handle_recent_activity, ROLE_VIEWER, 0},
    {"GET", "/api/flows", handle_flows, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/flows/{id}", handle_flow_get, ROLE_VIEWER, 0},
    {"GET", "/api/packets", handle_packets, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/hosts", handle_hosts, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/hosts/{id}", handle_host_get, ROLE_VIEWER, 0},
    {"GET", "/api/dns", handle_dns, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/http", handle_http, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/tls", handle_tls, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/alerts", handle_alerts, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/captures", handle_captures, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/captures/{id}", handle_capture_get, ROLE_VIEWER, 0},
    {"DELETE", "/api/captures/{id}", handle_capture_delete, ROLE_OPERATOR, 0},
    {"GET", "/api/jobs", handle_jobs, ROLE_VIEWER, ROUTE_EXPORT},
    {"GET", "/api/jobs/{id}", handle_job_get, ROLE_VIEWER, 0},
    {"POST", "/api/start-capture", handle_start_capture, ROLE_OPERATOR, 0},
    {"POST", "/api/stop-capture", handle_stop_capture, ROLE_OPERATOR, 0},
    {"GET", "/api/capture-requests/{id}", handle_capture_request_get, ROLE_VIEWER, 0},
    {"GET", "/api/capture-status", handle_capture_status, ROLE_VIEWER, 0},
    {"GET", "/capture-status", handle_capture_status, ROLE_VIEWER, 0},
    {"GET", "/api/metrics", handle_metrics, ROLE_VIEWER, 0},
    {"GET", "/api/interfaces", handle_interfaces, ROLE_VIEWER, 0},
    {"POST", "/api/upload-pcap", handle_upload_pcap, ROLE_ANALYST, 0},
    {"POST", "/api/validate-pcap", handle_validate_pcap, ROLE_ANALYST, 0},
    {"GET", "/api/rules", handle_rules, ROLE_VIEWER, ROUTE_EXPORT},
    {"POST", "/api/rules", handle_rule_create, ROLE_OPERATOR, 0},
    {"GET", "/api/rules/{id}", handle_rule_get, ROLE_VIEWER, 0},
    {"PATCH", "/api/rules/{id}", handle_rule_update, ROLE_OPERATOR, 0},
    {"DELETE", "/api/rules/{id}", handle_rule_delete, ROLE_OPERATOR, 0},
    {"GET", "/api/indicator-lists", handle_indicator_lists, ROLE_VIEWER, ROUTE_EXPORT},
    {"DELETE", "/api/indicator-lists/{id}", handle_indicator_list_delete, ROLE_OPERATOR, 0},
    {"GET", "/api/indicators", handle_indicators, ROLE_VIEWER, ROUTE_EXPORT},
    {"POST", "/api/indicators/import", handle_indicators_import, ROLE_OPERATOR, 0},
    {"POST", "/api/login", handle_login, ROLE_PUBLIC, 0},
    {"POST", "/api/logout", handle_logout, ROLE_VIEWER, 0},
    {"GET", "/api/session", handle_session, ROLE_VIEWER, 0},
    {"POST", "/api/password", handle_password, ROLE_VIEWER, 0},
    {"GET", "/api/users", handle_users, ROLE_ADMIN, ROUTE_EXPORT},
    {"POST", "/api/users", handle_user_create, ROLE_ADMIN, 0},
    {"PATCH", "/api/users/{id}", handle_user_update, ROLE_ADMIN, 0},
    {"DELETE", "/api/users/{id}", handle_user_delete, ROLE_ADMIN, 0},
    {"GET", "/api/tokens", handle_tokens, ROLE_ADMIN, ROUTE_EXPORT},
    {"POST", "/api/tokens", handle_token_create, ROLE_ADMIN, 0},
    {"DELETE", "/api/tokens/{id}", handle_token_revoke, ROLE_ADMIN, 0},
    {"GET", "/api/audit", handle_audit, ROLE_ADMIN, ROUTE_EXPORT},
};

const struct route *router_table(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

int router_path_matches(const char *pattern, const char *path, size_t path_len,
                        const char **arg, size_t *arg_len)
{
    size_t plen = strlen(pattern);
    if (plen >= 5 && strcmp(pattern + plen - 5, "/{id}") == 0) {
        size_t prefix = plen - 4; /* keeps the '/' */
        if (path_len <= prefix || memcmp(pattern, path, prefix) != 0 ||
            memchr(path + prefix, '/', path_len - prefix))
            return 0;
        *arg = path + prefix;
        *arg_len = path_len - prefix;
        return 1;
    }
    return plen == path_len && memcmp(pattern, path, path_len) == 0;
}

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
        const char *arg;
        size_t arg_len;
        if (!router_path_matches(r->path, path, path_len, &arg, &arg_len))
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

static void reply_not_found(struct web_ctx *ctx, struct http_request *req,
                            struct http_reply *reply, enum route_match m, const char *allow)
{
    static char detail[160];
    /* Only callers who proved who they are learn which paths exist. */
    if (auth_identify(ctx, req, reply) < 0)
        return;
    if (ctx->who.via == AUTH_NONE) {
        auth_reply_required(reply);
        return;
    }
    if (m == ROUTE_METHOD_NOT_ALLOWED) {
        snprintf(detail, sizeof detail, "allowed: %s", allow);
        http_reply_set(reply, 405,
                       json_pack("{s:s, s:s, s:o}", "error", "method not allowed", "detail",
                                 detail, "path", http_json_path(req->path, req->path_len)));
        reply->allow = allow;
        return;
    }
    http_reply_set(reply, 404,
                   json_pack("{s:s, s:s, s:o}", "error", "not found", "detail",
                             "no such endpoint (see webapi/API.md)", "path",
                             http_json_path(req->path, req->path_len)));
}

void router_dispatch(struct web_ctx *ctx, struct http_request *req, struct http_reply *reply)
{
    static char allow[128];
    const struct route *found = NULL;
    memset(&ctx->who, 0, sizeof ctx->who);
    ctx->who.role = ROLE_PUBLIC;
    ctx->audit_action = NULL;
    enum route_match m = router_lookup(routes, sizeof routes / sizeof routes[0], req->method,
                                       req->path, req->path_len, &found, allow, sizeof allow);
    if (m != ROUTE_FOUND) {
        reply_not_found(ctx, req, reply, m, allow);
    } else if (auth_gate(ctx, req, found, reply) == 0) {
        router_path_matches(found->path, req->path, req->path_len, &req->path_arg,
                            &req->path_arg_len);
        found->handler(ctx, req, reply);
    }
    audit_request(ctx, req, found, reply);
    json_decref(ctx->audit_detail);
    ctx->audit_detail = NULL;
}

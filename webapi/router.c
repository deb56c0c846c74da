/* router.c - webapi's route table and dispatch (RFC 9110 sections 15.5.5
 * and 15.5.6 for 404 and 405 with Allow). */
#include "router.h"

#include <stdio.h>
#include <string.h>

static const struct route routes[] = {
    {"GET", "/api/health", handle_health},
    {"GET", "/api/stats", handle_stats},
    {"GET", "/api/protocol-distribution", handle_protocol_distribution},
    {"GET", "/api/traffic-timeline", handle_traffic_timeline},
    {"GET", "/api/top-talkers", handle_top_talkers},
    {"GET", "/api/port-analysis", handle_port_analysis},
    {"GET", "/api/geo-analysis", handle_geo_analysis},
    {"GET", "/api/recent-activity", handle_recent_activity},
    {"GET", "/api/flows", handle_flows},
    {"GET", "/api/flows/{id}", handle_flow_get},
    {"GET", "/api/packets", handle_packets},
    {"GET", "/api/hosts", handle_hosts},
    {"GET", "/api/hosts/{id}", handle_host_get},
    {"GET", "/api/dns", handle_dns},
    {"GET", "/api/http", handle_http},
    {"GET", "/api/tls", handle_tls},
    {"GET", "/api/alerts", handle_alerts},
    {"GET", "/api/captures", handle_captures},
    {"GET", "/api/captures/{id}", handle_capture_get},
    {"DELETE", "/api/captures/{id}", handle_capture_delete},
    {"GET", "/api/jobs", handle_jobs},
    {"GET", "/api/jobs/{id}", handle_job_get},
    {"POST", "/api/start-capture", handle_start_capture},
    {"POST", "/api/stop-capture", handle_stop_capture},
    {"GET", "/api/capture-requests/{id}", handle_capture_request_get},
    {"GET", "/api/capture-status", handle_capture_status},
    {"GET", "/capture-status", handle_capture_status},
    {"GET", "/api/metrics", handle_metrics},
    {"GET", "/api/interfaces", handle_interfaces},
    {"POST", "/api/upload-pcap", handle_upload_pcap},
    {"POST", "/api/validate-pcap", handle_validate_pcap},
    {"GET", "/api/rules", handle_rules},
    {"POST", "/api/rules", handle_rule_create},
    {"GET", "/api/rules/{id}", handle_rule_get},
    {"PATCH", "/api/rules/{id}", handle_rule_update},
    {"DELETE", "/api/rules/{id}", handle_rule_delete},
    {"GET", "/api/indicator-lists", handle_indicator_lists},
    {"DELETE", "/api/indicator-lists/{id}", handle_indicator_list_delete},
    {"GET", "/api/indicators", handle_indicators},
    {"POST", "/api/indicators/import", handle_indicators_import},
};

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

void router_dispatch(struct web_ctx *ctx, struct http_request *req, struct http_reply *reply)
{
    static char allow[128], detail[160];
    const struct route *found = NULL;
    enum route_match m = router_lookup(routes, sizeof routes / sizeof routes[0], req->method,
                                       req->path, req->path_len, &found, allow, sizeof allow);
    switch (m) {
    case ROUTE_FOUND:
        router_path_matches(found->path, req->path, req->path_len, &req->path_arg,
                            &req->path_arg_len);
        found->handler(ctx, req, reply);
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        snprintf(detail, sizeof detail, "allowed: %s", allow);
        http_reply_set(reply, 405,
                       json_pack("{s:s, s:s, s:o}", "error", "method not allowed", "detail",
                                 detail, "path", http_json_path(req->path, req->path_len)));
        reply->allow = allow;
        break;
    case ROUTE_NOT_FOUND:
        http_reply_set(reply, 404,
                       json_pack("{s:s, s:s, s:o}", "error", "not found", "detail",
                                 "no such endpoint (see webapi/API.md)", "path",
                                 http_json_path(req->path, req->path_len)));
        break;
    }
}

/* audit.c - the audit trail (audit_log, sql/migrations/005_auth.sql): one
 * row per state-changing request, whole-list export and failed login, with
 * who, when, what and from where; and GET /api/audit for admins. */
#include "columns.h"
#include "router.h"
#include "weblog.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_export(const struct route *r, const struct http_request *req)
{
    char fmt[16];
    return r && (r->flags & ROUTE_EXPORT) &&
           http_query_param(req->query, "format", fmt, sizeof fmt) != 0;
}

static const char *actor_kind(const struct identity *w)
{
    switch (w->via) {
    case AUTH_SESSION: return "user";
    case AUTH_TOKEN: return "token";
    case AUTH_NONE: break;
    }
    return "anonymous";
}

/* REMOTE_ADDR when it is an IP address, else NULL (SQL NULL). */
static const char *client_addr(const struct http_request *req)
{
    const char *a = http_env(req, "REMOTE_ADDR");
    unsigned char buf[16];
    if (a && (inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1))
        return a;
    return NULL;
}

void audit_request(struct web_ctx *ctx, const struct http_request *req, const struct route *r,
                   const struct http_reply *reply)
{
    int changes = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
    if (!changes && !ctx->audit_action && !is_export(r, req))
        return;
    /* Refusals of callers without credentials are not actions (and would
     * let anyone fill the table); failed logins name themselves. */
    if (ctx->who.via == AUTH_NONE && !ctx->audit_action)
        return;
    char actor[AUTH_NAME_MAX + 8], action[160], status[16];
    const struct identity *w = &ctx->who;
    if (w->via == AUTH_TOKEN)
        snprintf(actor, sizeof actor, "token:%s", w->name);
    else
        snprintf(actor, sizeof actor, "%s", w->via == AUTH_SESSION ? w->name : "anonymous");
    size_t plen = req->path_len < 100 ? req->path_len : 100;
    if (ctx->audit_action)
        snprintf(action, sizeof action, "%s", ctx->audit_action);
    else
        snprintf(action, sizeof action, "%s %.*s%s", req->method, (int)plen, req->path,
                 is_export(r, req) ? " (export)" : "");
    if (!http_utf8_valid(action, strlen(action)))
        snprintf(action, sizeof action, "%s (path not UTF-8)", req->method);
    snprintf(status, sizeof status, "%d", reply->status);
    char *detail = ctx->audit_detail ? json_dumps(ctx->audit_detail, JSON_COMPACT) : NULL;
    const char *p[] = {actor, actor_kind(w), w->via != AUTH_NONE ? role_name(w->role) : NULL,
                       action, status, client_addr(req), detail};
    enum webdb_status st;
    PGresult *res = webdb_query(&ctx->db,
                                "INSERT INTO audit_log (actor, actor_kind, role, action, status, "
                                "client_addr, detail) VALUES ($1, $2, $3, $4, $5::integer, "
                                "$6::inet, $7::jsonb)",
                                7, p, WEBDB_NO_RETRY, &st);
    if (!res)
        weblog("audit row not written for %s", action);
    PQclear(res);
    free(detail);
}

static const struct column audit_cols[] = {
    {"id", "a.id", COL_INT},
    {"at", SQL_ISO_UTC("a.at"), COL_STR},
    {"actor", "a.actor", COL_STR},
    {"actor_kind", "a.actor_kind", COL_STR},
    {"role", "a.role", COL_STR},
    {"action", "a.action", COL_STR},
    {"status", "a.status", COL_INT},
    {"client_addr", "host(a.client_addr)", COL_STR},
    {"detail", "a.detail::text", COL_JSON},
};

static const char *const kinds[] = {"user", "token", "anonymous", "cli", NULL};

static const struct filter audit_filters[] = {
    {"actor", " AND a.actor ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"actor_kind", " AND a.actor_kind = $?", FILTER_ENUM, 0, 0, kinds},
    {"q", " AND a.action ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"since", " AND a.at >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"until", " AND a.at < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
};

static const struct sortkey audit_sorts[] = {
    {"id", "a.id", "bigint"},
};

static const struct list_spec audit_list = {
    .name = "audit", .from = " FROM audit_log a WHERE true",
    .cols = audit_cols, .ncols = NCOLS(audit_cols),
    .filters = audit_filters, .nfilters = NCOLS(audit_filters),
    .sorts = audit_sorts, .nsorts = NCOLS(audit_sorts), .ntiebreak = 0,
};

void handle_audit(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &audit_list);
}

/* auth.c - the checks every request passes before its handler (auth.h):
 * cross-site refusal, credentials (API token or session cookie), role,
 * CSRF token. */
#include "handlers.h"
#include "router.h"
#include "secret.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[] = {"none", "public", "viewer", "analyst", "operator",
                                         "admin"};

const char *role_name(enum web_role role)
{
    return (unsigned)role <= ROLE_ADMIN ? role_names[role] : "none";
}

enum web_role role_parse(const char *name)
{
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
        if (name && strcmp(name, role_names[r]) == 0)
            return (enum web_role)r;
    return ROLE_DENY;
}

static int env_int(const char *name, int dflt, int min, int max)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v && *v ? strtol(v, &end, 10) : dflt;
    if (v && *v && (*end || n < min || n > max))
        return dflt;
    return (int)n;
}

void auth_settings_load(struct auth_settings *s)
{
    s->session_ttl_s = env_int("PACKETSIGHT_SESSION_TTL", 43200, 60, 30 * 86400);
    s->login_max_failures = env_int("PACKETSIGHT_LOGIN_MAX_FAILURES", 5, 1, 1000);
    s->login_window_s = 900;
    s->login_lock_s = env_int("PACKETSIGHT_LOGIN_LOCK", 300, 1, 86400);
}

static int state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* "name:port", "1.2.3.4:port", "[::1]:port" */
static int host_has_port(const char *host)
{
    const char *end = host[0] == '[' ? strchr(host, ']') : host;
    return end && strchr(end, ':') != NULL;
}

/* Whether origin ("http://host[:port]") is this server. nginx passes the
 * Host without its port (Debian's fastcgi_params: HTTP_HOST = $host), so
 * both scheme://host and scheme://host:SERVER_PORT are this server. */
static int origin_matches(const struct http_request *req, const char *origin)
{
    const char *host = http_env(req, "HTTP_HOST");
    const char *https = http_env(req, "HTTPS");
    const char *port = http_env(req, "SERVER_PORT");
    const char *scheme = https && strcasecmp(https, "on") == 0 ? "https://" : "http://";
    size_t sl = strlen(scheme), hl = host ? strlen(host) : 0;
    if (hl == 0 || strncasecmp(origin, scheme, sl) != 0 ||
        strncasecmp(origin + sl, host, hl) != 0)
        return 0;
    const char *rest = origin + sl + hl;
    if (*rest == '\0')
        return 1;
    return *rest == ':' && !host_has_port(host) && port && strcmp(rest + 1, port) == 0;
}

/* 1 unless the browser says the request comes from another site. */
int auth_same_site(const struct http_request *req)
{
    const char *site = http_env(req, "HTTP_SEC_FETCH_SITE");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return 0;
    const char *origin = http_env(req, "HTTP_ORIGIN");
    return !origin || origin_matches(req, origin);
}

/* The value of cookie `name` in the Cookie header into out; 1 when found. */
static int cookie_value(const struct http_request *req, const char *name, char *out,
                        size_t outlen)
{
    const char *c = http_env(req, "HTTP_COOKIE");
    size_t nl = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';')
            c++;
        size_t len = strcspn(c, ";");
        if (len > nl && strncmp(c, name, nl) == 0 && c[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= outlen)
                return 0;
            memcpy(out, c + nl + 1, vl);
            out[vl] = '\0';
            return 1;
        }
        c += len;
    }
    return 0;
}

static int is_token_text(const char *s, size_t want)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    return n == want && s[n] == '\0';
}

int auth_session_cookie(const struct http_request *req, char *out, size_t outlen)
{
    return cookie_value(req, AUTH_COOKIE, out, outlen) && is_token_text(out, SECRET_TOKEN_CHARS);
}

/* Runs a credential lookup whose row is (id, name, role, stale[, csrf,
 * expires_at]) for hash; fills ctx->who and, when the row's last-use time
 * is stale, runs touch_sql ($1 = hash) to refresh it. 1 found, 0 not, -1
 * database failure. */
static int lookup(struct web_ctx *ctx, enum auth_via via, const char *sql,
                  const char *touch_sql, const char *hash, enum webdb_status *st)
{
    const char *p[] = {hash};
    PGresult *r = webdb_query(&ctx->db, sql, 1, p, 0, st);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        struct identity *w = &ctx->who;
        long long id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        w->via = via;
        *(via == AUTH_SESSION ? &w->user_id : &w->token_id) = id;
        snprintf(w->name, sizeof w->name, "%s", PQgetvalue(r, 0, 1));
        w->role = role_parse(PQgetvalue(r, 0, 2));
        if (via == AUTH_SESSION) {
            snprintf(w->csrf, sizeof w->csrf, "%s", PQgetvalue(r, 0, 4));
            snprintf(w->expires_at, sizeof w->expires_at, "%s", PQgetvalue(r, 0, 5));
            snprintf(w->session_hash, sizeof w->session_hash, "%s", hash);
        }
        if (PQgetvalue(r, 0, 3)[0] == 't')
            PQclear(webdb_query(&ctx->db, touch_sql, 1, p, 0, st));
    }
    PQclear(r);
    return found;
}

static int session_lookup(struct web_ctx *ctx, const char *cookie, enum webdb_status *st)
{
    char hash[SECRET_HASH_HEX + 1];
    if (secret_sha256_hex(cookie, strlen(cookie), hash, sizeof hash) < 0)
        return 0;
    return lookup(ctx, AUTH_SESSION,
                  "SELECT s.user_id, u.name, u.role, "
                  "s.last_seen_at < now() - interval '60 seconds', s.csrf_token, "
                  SQL_ISO_UTC("s.expires_at") " FROM sessions s "
                  "JOIN users u ON u.id = s.user_id "
                  "WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled",
                  "UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1", hash, st);
}

static int token_lookup(struct web_ctx *ctx, const char *token, enum webdb_status *st)
{
    char hash[SECRET_HASH_HEX + 1];
    size_t pl = strlen(AUTH_TOKEN_PREFIX);
    if (strncmp(token, AUTH_TOKEN_PREFIX, pl) != 0 ||
        !is_token_text(token + pl, SECRET_TOKEN_CHARS) ||
        secret_sha256_hex(token, strlen(token), hash, sizeof hash) < 0)
        return 0;
    return lookup(ctx, AUTH_TOKEN,
                  "SELECT id, name, role, last_used_at IS NULL OR last_used_at < now() - "
                  "interval '60 seconds' FROM api_tokens WHERE token_hash = $1 "
                  "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
                  "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1", hash, st);
}

void auth_clear_cookie(const struct http_request *req, struct http_reply *reply)
{
    const char *https = http_env(req, "HTTPS");
    snprintf(reply->set_cookie, sizeof reply->set_cookie,
             AUTH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             https && strcasecmp(https, "on") == 0 ? "; Secure" : "");
}

int auth_identify(struct web_ctx *ctx, const struct http_request *req,
                  struct http_reply *reply)
{
    enum webdb_status st = WEBDB_OK;
    const char *authz = http_env(req, "HTTP_AUTHORIZATION");
    char cookie[64];
    int found = 0;
    if (authz) {
        const char *tok = strncasecmp(authz, "Bearer ", 7) == 0 ? authz + 7 : "";
        while (*tok == ' ')
            tok++;
        found = token_lookup(ctx, tok, &st);
        if (found == 0) {
            reply->www_authenticate = "Bearer realm=\"PacketSight\", error=\"invalid_token\"";
            http_reply_fail(reply, 401, "invalid token",
                            "the bearer token is unknown, expired or revoked");
            return -1;
        }
    } else if (auth_session_cookie(req, cookie, sizeof cookie)) {
        found = session_lookup(ctx, cookie, &st);
        if (found == 0)
            auth_clear_cookie(req, reply);
    }
    if (found < 0) {
        handler_db_failure(ctx, st, reply);
        return -1;
    }
    return 0;
}

void auth_reply_required(struct http_reply *reply)
{
    reply->www_authenticate = "Bearer realm=\"PacketSight\"";
    http_reply_fail(reply, 401, "authentication required",
                    "log in (POST /api/login) or send Authorization: Bearer <token>");
}

enum web_role auth_route_role(const struct route *r, const struct http_request *req)
{
    char fmt[16];
    if ((r->flags & ROUTE_EXPORT) && http_query_param(req->query, "format", fmt, sizeof fmt) != 0 &&
        r->role < ROLE_ANALYST)
        return ROLE_ANALYST;
    return r->role;
}

static int csrf_ok(const struct web_ctx *ctx, const struct http_request *req)
{
    const char *sent = http_env(req, "HTTP_X_CSRF_TOKEN");
    return sent && ctx->who.csrf[0] && secret_equal(sent, ctx->who.csrf);
}

int auth_gate(struct web_ctx *ctx, const struct http_request *req, const struct route *r,
              struct http_reply *reply)
{
    enum web_role need = auth_route_role(r, req);
    int changes = state_changing(req->method);
    if (need == ROLE_DENY) {
        http_reply_fail(reply, 403, "forbidden", "this route is not open to any role");
        return -1;
    }
    if (changes && !auth_same_site(req)) {
        http_reply_fail(reply, 403, "cross-site request",
                        "state-changing requests must come from this site's own pages");
        return -1;
    }
    if (need == ROLE_PUBLIC)
        return 0;
    if (auth_identify(ctx, req, reply) < 0)
        return -1;
    if (ctx->who.via == AUTH_NONE) {
        auth_reply_required(reply);
        return -1;
    }
    if (ctx->who.role < need) {
        http_reply_fail(reply, 403, "forbidden", "needs role %s; this %s has role %s",
                        role_name(need), ctx->who.via == AUTH_TOKEN ? "token" : "account",
                        role_name(ctx->who.role));
        return -1;
    }
    if (changes && ctx->who.via == AUTH_SESSION && !csrf_ok(ctx, req)) {
        http_reply_fail(reply, 403, "csrf token missing or wrong",
                        "send the session's csrf_token (GET /api/session) in X-CSRF-Token");
        return -1;
    }
    return 0;
}

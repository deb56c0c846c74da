/* session.c - browser sessions: POST /api/login, POST /api/logout,
 * GET /api/session, POST /api/password (API.md, "Accounts and roles").
 *
 * A login always makes a new random session id (and ends the one the
 * browser presented, if any), so an id planted before login is worth
 * nothing. Failed logins are counted per attempted name, existing or not,
 * and an unknown name costs the same password hash as a wrong password:
 * the answers and their timing say nothing about which names exist. */
#include "account.h"
#include "router.h"
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int https_on(const struct http_request *req)
{
    const char *h = http_env(req, "HTTPS");
    return h && strcasecmp(h, "on") == 0;
}

/* Seconds the name is still locked for, 0 when not, -1 database failure. */
static long lock_left(struct web_ctx *ctx, const char *name, enum webdb_status *st)
{
    const char *p[] = {name};
    PGresult *r = webdb_query(&ctx->db,
                              "SELECT ceil(extract(epoch FROM locked_until - now()))::bigint "
                              "FROM login_throttle WHERE name = $1 AND locked_until > now()",
                              1, p, 0, st);
    if (!r)
        return -1;
    long left = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return left > 0 ? left : 0;
}

static void reply_locked(struct web_ctx *ctx, struct http_reply *reply, long left)
{
    ctx->audit_action = "login.locked";
    reply->retry_after = (int)left;
    http_reply_fail(reply, 429, "too many failed logins",
                    "logins for this name are paused; try again in %ld s", left);
}

/* Checks name/password; returns the user's id (>0), 0 when wrong, -1 db. */
static long long check_password(struct web_ctx *ctx, const char *name, const char *password,
                                enum webdb_status *st)
{
    const char *p[] = {name};
    PGresult *r = webdb_query(&ctx->db,
                              "SELECT id, password_hash, disabled FROM users WHERE name = $1",
                              1, p, 0, st);
    if (!r)
        return -1;
    long long id = 0;
    if (PQntuples(r) == 1) {
        int ok = secret_password_check(password, PQgetvalue(r, 0, 1));
        if (ok && PQgetvalue(r, 0, 2)[0] == 'f')
            id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    } else {
        const char *dummy = secret_dummy_hash();
        if (dummy)
            (void)secret_password_check(password, dummy);
    }
    PQclear(r);
    return id;
}

/* Counts a failed password check for name (ps_login_failed). */
static void count_failure(struct web_ctx *ctx, const char *name)
{
    char max[16], window[32], lock[32];
    snprintf(max, sizeof max, "%d", ctx->auth.login_max_failures);
    snprintf(window, sizeof window, "%d seconds", ctx->auth.login_window_s);
    snprintf(lock, sizeof lock, "%d seconds", ctx->auth.login_lock_s);
    const char *p[] = {name, max, window, lock};
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db,
                              "SELECT ps_login_failed($1, $2::integer, $3::interval, "
                              "$4::interval)", 4, p, WEBDB_NO_RETRY, &st);
    PQclear(r);
}

static void login_failed(struct web_ctx *ctx, const char *name, struct http_reply *reply)
{
    count_failure(ctx, name);
    ctx->audit_action = "login.failed";
    http_reply_fail(reply, 401, "login failed", "wrong user name or password");
}

/* Ends the session the request presented (cookie), if any. */
static void end_presented_session(struct web_ctx *ctx, const struct http_request *req)
{
    char cookie[64], hash[SECRET_HASH_HEX + 1];
    if (!auth_session_cookie(req, cookie, sizeof cookie) ||
        secret_sha256_hex(cookie, strlen(cookie), hash, sizeof hash) < 0)
        return;
    const char *p[] = {hash};
    enum webdb_status st;
    PQclear(webdb_query(&ctx->db, "DELETE FROM sessions WHERE token_hash = $1", 1, p, 0, &st));
}

/* Creates the session row and answers 200 with the cookie. */
static void start_session(struct web_ctx *ctx, const struct http_request *req, long long uid,
                          struct http_reply *reply)
{
    char cookie[SECRET_TOKEN_CHARS + 1], csrf[SECRET_TOKEN_CHARS + 1];
    char hash[SECRET_HASH_HEX + 1], uidbuf[24], ttl[24];
    if (secret_random_token(cookie, sizeof cookie) < 0 ||
        secret_random_token(csrf, sizeof csrf) < 0 ||
        secret_sha256_hex(cookie, strlen(cookie), hash, sizeof hash) < 0) {
        http_reply_error(reply, 500, "no randomness for a session id");
        return;
    }
    snprintf(uidbuf, sizeof uidbuf, "%lld", uid);
    snprintf(ttl, sizeof ttl, "%d seconds", ctx->auth.session_ttl_s);
    const char *ra = http_env(req, "REMOTE_ADDR"), *ua = http_env(req, "HTTP_USER_AGENT");
    char uacut[200];
    snprintf(uacut, sizeof uacut, "%s", ua && http_utf8_valid(ua, strlen(ua)) ? ua : "");
    const char *p[] = {hash, uidbuf, csrf, ttl, ra, uacut};
    enum webdb_status st;
    PGresult *r = webdb_query(
        &ctx->db,
        "WITH s AS (INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, "
        "client_addr, user_agent) VALUES ($1, $2::bigint, $3, now() + $4::interval, "
        "CASE WHEN $5 ~ '^[0-9a-fA-F.:]+$' THEN $5::inet END, nullif($6, '')) "
        "RETURNING expires_at), u AS (UPDATE users SET last_login_at = now() "
        "WHERE id = $2::bigint RETURNING id, name, role) "
        "SELECT u.id, u.name, u.role, " SQL_ISO_UTC("s.expires_at") " FROM s, u",
        6, p, WEBDB_NO_RETRY, &st);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        handler_db_failure(ctx, r ? WEBDB_ERROR : st, reply);
        return;
    }
    snprintf(reply->set_cookie, sizeof reply->set_cookie,
             AUTH_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", cookie,
             ctx->auth.session_ttl_s, https_on(req) ? "; Secure" : "");
    http_reply_set(reply, 200,
                   json_pack("{s:{s:o, s:s, s:s}, s:s, s:s, s:s}", "user", "id",
                             pgcol_int(r, 0, 0), "name", PQgetvalue(r, 0, 1), "role",
                             PQgetvalue(r, 0, 2), "via", "session", "csrf_token", csrf,
                             "expires_at", PQgetvalue(r, 0, 3)));
    PQclear(r);
}

void handle_login(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    json_t *doc = account_read_body(req, reply);
    if (!doc)
        return;
    int bad = 0;
    const char *name_in = account_str(doc, "name", 64, &bad, reply);
    const char *pw = bad ? NULL : account_str(doc, "password", PASSWORD_MAX, &bad, reply);
    char name[72];
    if (!bad && (!name_in || !pw)) {
        http_reply_fail(reply, 400, "invalid body", "needs \"name\" and \"password\"");
        bad = 1;
    }
    if (bad)
        goto out;
    if (account_name_norm(name_in, name, sizeof name) < 0)
        snprintf(name, sizeof name, "%.64s", name_in); /* never matches a user */
    account_audit_note(ctx, "name", name);
    enum webdb_status st = WEBDB_OK;
    long left = lock_left(ctx, name, &st);
    long long uid = left == 0 ? check_password(ctx, name, pw, &st) : 0;
    if (left < 0 || uid < 0) {
        handler_db_failure(ctx, st, reply);
    } else if (left > 0) {
        reply_locked(ctx, reply, left);
    } else if (uid == 0) {
        login_failed(ctx, name, reply);
    } else {
        const char *p[] = {name};
        PQclear(webdb_query(&ctx->db, "DELETE FROM login_throttle WHERE name = $1", 1, p, 0,
                            &st));
        PQclear(webdb_query(&ctx->db, "DELETE FROM sessions WHERE expires_at < now()", 0, NULL,
                            0, &st));
        end_presented_session(ctx, req);
        ctx->audit_action = "login";
        ctx->who.via = AUTH_SESSION; /* the audit row names the new user */
        snprintf(ctx->who.name, sizeof ctx->who.name, "%s", name);
        start_session(ctx, req, uid, reply);
        ctx->who.role = reply->status == 200
                            ? role_parse(json_string_value(json_object_get(
                                  json_object_get(reply->body, "user"), "role")))
                            : ROLE_PUBLIC;
    }
out:
    json_decref(doc);
}

void handle_logout(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    int ended = 0;
    if (ctx->who.via == AUTH_SESSION) {
        const char *p[] = {ctx->who.session_hash};
        enum webdb_status st;
        PGresult *r = webdb_query(&ctx->db, "DELETE FROM sessions WHERE token_hash = $1", 1, p,
                                  0, &st);
        if (!r) {
            handler_db_failure(ctx, st, reply);
            return;
        }
        ended = atoi(PQcmdTuples(r)) == 1;
        PQclear(r);
        auth_clear_cookie(req, reply);
    }
    http_reply_set(reply, 200, json_pack("{s:b}", "logged_out", ended));
}

void handle_session(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    (void)req;
    const struct identity *w = &ctx->who;
    json_t *o;
    if (w->via == AUTH_SESSION)
        o = json_pack("{s:s, s:{s:I, s:s, s:s}, s:s, s:s, s:s}", "via", "session", "user", "id",
                      (json_int_t)w->user_id, "name", w->name, "role", role_name(w->role),
                      "role", role_name(w->role), "csrf_token", w->csrf, "expires_at",
                      w->expires_at);
    else
        o = json_pack("{s:s, s:{s:I, s:s}, s:s}", "via", "token", "token", "id",
                      (json_int_t)w->token_id, "name", w->name, "role", role_name(w->role));
    http_reply_set(reply, 200, o);
}

/* POST /api/password {"current_password", "new_password"}: a logged-in
 * user changes their own password; their other sessions end. */
void handle_password(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    if (ctx->who.via != AUTH_SESSION) {
        http_reply_fail(reply, 400, "not a session",
                        "tokens have no password; an admin changes accounts via /api/users");
        return;
    }
    json_t *doc = account_read_body(req, reply);
    if (!doc)
        return;
    int bad = 0;
    const char *cur = account_str(doc, "current_password", PASSWORD_MAX, &bad, reply);
    const char *pw = bad ? NULL : account_str(doc, "new_password", PASSWORD_MAX, &bad, reply);
    enum webdb_status st = WEBDB_OK;
    if (bad || account_password_ok(pw, "new_password", reply) < 0)
        goto out;
    /* Guessing the current password here counts like failed logins. */
    long left = lock_left(ctx, ctx->who.name, &st);
    long long uid = left == 0 && cur ? check_password(ctx, ctx->who.name, cur, &st) : 0;
    if (left < 0 || uid < 0) {
        handler_db_failure(ctx, st, reply);
        goto out;
    }
    if (left > 0) {
        reply_locked(ctx, reply, left);
        ctx->audit_action = "password.locked";
        goto out;
    }
    if (uid != ctx->who.user_id) {
        count_failure(ctx, ctx->who.name);
        ctx->audit_action = "password.failed";
        http_reply_fail(reply, 403, "wrong password", "current_password is not right");
        goto out;
    }
    char *hash = secret_password_hash(pw), uidbuf[24];
    snprintf(uidbuf, sizeof uidbuf, "%lld", uid);
    const char *p[] = {uidbuf, hash, ctx->who.session_hash};
    PGresult *r = hash ? webdb_query(&ctx->db,
                                     "WITH u AS (UPDATE users SET password_hash = $2, "
                                     "password_changed_at = now(), updated_at = now() "
                                     "WHERE id = $1::bigint RETURNING id) "
                                     "DELETE FROM sessions WHERE user_id = $1::bigint "
                                     "AND token_hash <> $3",
                                     3, p, WEBDB_NO_RETRY, &st)
                       : NULL;
    int hashed = hash != NULL;
    free(hash);
    if (!r)
        handler_db_failure(ctx, hashed ? st : WEBDB_ERROR, reply);
    else
        http_reply_set(reply, 200, json_pack("{s:b}", "changed", 1));
    PQclear(r);
out:
    json_decref(doc);
}

/* tokens.c - API tokens for scripts: GET/POST /api/tokens, DELETE
 * /api/tokens/{id} (revoke), and tokens_create shared with the command line
 * (`webapi --create-token`). A token is "pst_" + 256 random bits in
 * base64url; only its SHA-256 is stored, so it is shown once, at creation. */
#include "account.h"
#include "columns.h"
#include "secret.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_DAYS_MAX 3650

static const struct column token_cols[] = {
    {"id", "t.id", COL_INT},
    {"name", "t.name", COL_STR},
    {"prefix", "t.prefix", COL_STR},
    {"role", "t.role", COL_STR},
    {"created_by", "(SELECT u.name FROM users u WHERE u.id = t.created_by)", COL_STR},
    {"created_at", SQL_ISO_UTC("t.created_at"), COL_STR},
    {"expires_at", SQL_ISO_UTC("t.expires_at"), COL_STR},
    {"revoked_at", SQL_ISO_UTC("t.revoked_at"), COL_STR},
    {"last_used_at", SQL_ISO_UTC("t.last_used_at"), COL_STR},
    {"state", "CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' WHEN t.expires_at <= now() "
              "THEN 'expired' ELSE 'active' END", COL_STR},
};

static const char *const states[] = {"active", "revoked", "expired", NULL};

static const struct filter token_filters[] = {
    {"state", " AND CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' WHEN t.expires_at <= "
              "now() THEN 'expired' ELSE 'active' END = $?", FILTER_ENUM, 0, 0, states},
    {"q", " AND t.name ILIKE $?", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey token_sorts[] = {
    {"id", "t.id", "bigint"},
};

static const struct list_spec tokens_list = {
    .name = "tokens", .from = " FROM api_tokens t WHERE true",
    .cols = token_cols, .ncols = NCOLS(token_cols),
    .filters = token_filters, .nfilters = NCOLS(token_filters),
    .sorts = token_sorts, .nsorts = NCOLS(token_sorts), .ntiebreak = 0,
};

void handle_tokens(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &tokens_list);
}

long long tokens_create(struct webdb *db, const char *name, const char *role, int expires_days,
                        long long created_by, char *out, size_t outlen, char *expires_at,
                        size_t exlen, enum webdb_status *st)
{
    char raw[SECRET_TOKEN_CHARS + 1], hash[SECRET_HASH_HEX + 1], prefix[16], days[16], by[24];
    size_t pl = strlen(AUTH_TOKEN_PREFIX);
    *st = WEBDB_ERROR;
    if (outlen < pl + SECRET_TOKEN_CHARS + 1 || secret_random_token(raw, sizeof raw) < 0)
        return -1;
    snprintf(out, outlen, AUTH_TOKEN_PREFIX "%s", raw);
    snprintf(prefix, sizeof prefix, "%.*s", (int)pl + 6, out);
    snprintf(days, sizeof days, "%d", expires_days);
    snprintf(by, sizeof by, "%lld", created_by);
    if (secret_sha256_hex(out, strlen(out), hash, sizeof hash) < 0)
        return -1;
    const char *p[] = {name, hash, prefix, role, days, by};
    PGresult *r = webdb_query(
        db,
        "INSERT INTO api_tokens AS t (name, token_hash, prefix, role, expires_at, created_by) "
        "VALUES ($1, $2, $3, $4, CASE WHEN $5::integer > 0 THEN now() + $5::integer * "
        "interval '1 day' END, nullif($6::bigint, 0)) RETURNING t.id, " SQL_ISO_UTC("t.expires_at"),
        6, p, WEBDB_NO_RETRY, st);
    if (!r)
        return -1;
    long long id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(expires_at, exlen, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return id;
}

void handle_token_create(struct web_ctx *ctx, const struct http_request *req,
                         struct http_reply *reply)
{
    json_t *doc = account_read_body(req, reply);
    if (!doc)
        return;
    int bad = 0;
    const char *name = account_str(doc, "name", 100, &bad, reply);
    const char *role = bad ? NULL : account_str(doc, "role", 16, &bad, reply);
    json_t *dv = json_object_get(doc, "expires_in_days");
    if (bad)
        goto out;
    if (!name || !role || role_parse(role) == ROLE_DENY) {
        http_reply_bad_param(reply, name ? "role" : "name",
                             name ? "must be one of viewer, analyst, operator, admin"
                                  : "is required (1..100 bytes)");
        goto out;
    }
    if (dv && !json_is_null(dv) &&
        (!json_is_integer(dv) || json_integer_value(dv) < 1 ||
         json_integer_value(dv) > TOKEN_DAYS_MAX)) {
        http_reply_bad_param(reply, "expires_in_days", "must be 1..%d, or null for never",
                             TOKEN_DAYS_MAX);
        goto out;
    }
    int days = dv && json_is_integer(dv) ? (int)json_integer_value(dv) : 0;
    char token[64], expires[40];
    enum webdb_status st;
    account_audit_note(ctx, "token", name);
    long long id = tokens_create(&ctx->db, name, role, days, ctx->who.user_id, token,
                                 sizeof token, expires, sizeof expires, &st);
    if (id < 0) {
        handler_db_failure(ctx, st, reply);
        goto out;
    }
    http_reply_set(reply, 201,
                   json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id", (json_int_t)id, "name", name,
                             "role", role, "token", token, "expires_at",
                             expires[0] ? expires : NULL));
out:
    json_decref(doc);
}

void handle_token_revoke(struct web_ctx *ctx, const struct http_request *req,
                         struct http_reply *reply)
{
    char id[PATH_ID_TEXT];
    long long tid = path_id(req, reply, "token", id);
    if (!tid)
        return;
    const char *p[] = {id};
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db,
                              "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) "
                              "WHERE id = $1::bigint RETURNING name",
                              1, p, WEBDB_NO_RETRY, &st);
    if (!r)
        handler_db_failure(ctx, st, reply);
    else if (PQntuples(r) != 1)
        http_reply_fail(reply, 404, "not found", "no token with id %s", id);
    else {
        account_audit_note(ctx, "token", PQgetvalue(r, 0, 0));
        http_reply_set(reply, 200, json_pack("{s:I}", "revoked", (json_int_t)tid));
    }
    PQclear(r);
}

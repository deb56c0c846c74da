/* users.c - accounts for admins: GET/POST /api/users, PATCH/DELETE
 * /api/users/{id} (API.md, "Accounts and roles"), and users_set, which the
 * command line (`webapi --set-user`) shares. The last enabled admin can be
 * neither demoted, disabled nor deleted. */
#include "account.h"
#include "columns.h"
#include "secret.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns of user_cols, for RETURNING. */
#define USER_COLS                                                                           \
    "u.id, u.name, u.role, u.disabled, " SQL_ISO_UTC("u.created_at") ", "                   \
    SQL_ISO_UTC("u.last_login_at")

static const struct column user_cols[] = {
    {"id", "u.id", COL_INT},
    {"name", "u.name", COL_STR},
    {"role", "u.role", COL_STR},
    {"disabled", "u.disabled", COL_BOOL},
    {"created_at", SQL_ISO_UTC("u.created_at"), COL_STR},
    {"last_login_at", SQL_ISO_UTC("u.last_login_at"), COL_STR},
};

static const char *const roles[] = {"viewer", "analyst", "operator", "admin", NULL};

static const struct filter user_filters[] = {
    {"role", " AND u.role = $?", FILTER_ENUM, 0, 0, roles},
    {"q", " AND u.name ILIKE $?", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey user_sorts[] = {
    {"id", "u.id", "bigint"},
};

static const struct list_spec users_list = {
    .name = "users", .from = " FROM users u WHERE true",
    .cols = user_cols, .ncols = NCOLS(user_cols),
    .filters = user_filters, .nfilters = NCOLS(user_filters),
    .sorts = user_sorts, .nsorts = NCOLS(user_sorts), .ntiebreak = 0,
};

void handle_users(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &users_list);
}

static json_t *user_json(const PGresult *r, int row)
{
    return list_row_json(r, row, user_cols, NCOLS(user_cols));
}

long long users_set(struct webdb *db, const char *name, const char *role, const char *hash,
                    enum webdb_status *st)
{
    const char *p[] = {name, role, hash};
    PGresult *r = webdb_query(
        db,
        "WITH u AS (INSERT INTO users (name, role, password_hash) VALUES ($1, $2, $3) "
        "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = "
        "EXCLUDED.password_hash, disabled = false, updated_at = now(), "
        "password_changed_at = now() RETURNING id), "
        "s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u)), "
        "t AS (DELETE FROM login_throttle WHERE name = $1) SELECT id FROM u",
        3, p, WEBDB_NO_RETRY, st);
    if (!r)
        return -1;
    long long id = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return id;
}

/* Role and password fields of a body; -1 after a 400. */
static int take_role(json_t *doc, const char **role, int *bad, struct http_reply *reply)
{
    *role = account_str(doc, "role", 16, bad, reply);
    if (*bad)
        return -1;
    if (*role && role_parse(*role) == ROLE_DENY) {
        http_reply_bad_param(reply, "role", "must be one of viewer, analyst, operator, admin");
        return -1;
    }
    return 0;
}

void handle_user_create(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    json_t *doc = account_read_body(req, reply);
    if (!doc)
        return;
    int bad = 0;
    char name[72], generated[24] = "";
    const char *name_in = account_str(doc, "name", 64, &bad, reply), *role = NULL;
    const char *pw = bad ? NULL : account_str(doc, "password", PASSWORD_MAX, &bad, reply);
    if (bad || take_role(doc, &role, &bad, reply) < 0)
        goto out;
    if (!name_in || account_name_norm(name_in, name, sizeof name) < 0) {
        http_reply_bad_param(reply, "name", "1..64 of a-z 0-9 . _ @ -, starting with a "
                                            "letter or digit");
        goto out;
    }
    if (!role) {
        http_reply_bad_param(reply, "role", "is required");
        goto out;
    }
    if (pw && account_password_ok(pw, "password", reply) < 0)
        goto out;
    if (!pw && secret_random_password(generated, sizeof generated) == 0)
        pw = generated;
    account_audit_note(ctx, "name", name);
    char *hash = pw ? secret_password_hash(pw) : NULL;
    const char *p[] = {name, role, hash};
    enum webdb_status st = WEBDB_ERROR;
    PGresult *r = hash ? webdb_query(&ctx->db,
                                     "INSERT INTO users AS u (name, role, password_hash) "
                                     "VALUES ($1, $2, $3) RETURNING " USER_COLS,
                                     3, p, WEBDB_NO_RETRY, &st)
                       : NULL;
    free(hash);
    if (!r && strcmp(ctx->db.sqlstate, "23505") == 0)
        http_reply_fail(reply, 409, "conflict", "a user named %s exists", name);
    else if (!r)
        handler_db_failure(ctx, st, reply);
    else {
        json_t *o = json_pack("{s:o}", "user", user_json(r, 0));
        if (generated[0])
            json_object_set_new(o, "password", json_string(generated));
        http_reply_set(reply, 201, o);
    }
    PQclear(r);
out:
    json_decref(doc);
}

/* 409 when the change would leave no enabled admin; 404 when no such user.
 * Returns 0 when the change may go on, -1 after a reply. */
static int keep_an_admin(struct web_ctx *ctx, const char *id, int removes_admin,
                         struct http_reply *reply)
{
    const char *p[] = {id};
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db,
                              "SELECT role = 'admin' AND NOT disabled, (SELECT count(*) FROM "
                              "users o WHERE o.role = 'admin' AND NOT o.disabled AND "
                              "o.id <> u.id) FROM users u WHERE id = $1::bigint",
                              1, p, 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return -1;
    }
    int rc = 0;
    if (PQntuples(r) != 1) {
        http_reply_fail(reply, 404, "not found", "no user with id %s", id);
        rc = -1;
    } else if (removes_admin && PQgetvalue(r, 0, 0)[0] == 't' &&
               strcmp(PQgetvalue(r, 0, 1), "0") == 0) {
        http_reply_fail(reply, 409, "conflict", "that would leave no enabled admin");
        rc = -1;
    }
    PQclear(r);
    return rc;
}

void handle_user_update(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    char id[PATH_ID_TEXT], *hash = NULL;
    json_t *doc = path_id(req, reply, "user", id) ? account_read_body(req, reply) : NULL;
    if (!doc)
        return;
    int bad = 0;
    const char *role = NULL, *pw = NULL, *disabled = NULL;
    json_t *dv = json_object_get(doc, "disabled");
    if (take_role(doc, &role, &bad, reply) < 0)
        goto out;
    pw = account_str(doc, "password", PASSWORD_MAX, &bad, reply);
    if (bad || (pw && account_password_ok(pw, "password", reply) < 0))
        goto out;
    if (dv && !json_is_boolean(dv)) {
        http_reply_bad_param(reply, "disabled", "must be true or false");
        goto out;
    }
    disabled = dv ? (json_is_true(dv) ? "true" : "false") : NULL;
    int removes_admin = (role && strcmp(role, "admin") != 0) || (dv && json_is_true(dv));
    if (keep_an_admin(ctx, id, removes_admin, reply) < 0)
        goto out;
    if (pw && !(hash = secret_password_hash(pw))) {
        http_reply_error(reply, 500, "password hashing failed");
        goto out;
    }
    const char *p[] = {id, role, disabled, hash};
    enum webdb_status st;
    PGresult *r = webdb_query(
        &ctx->db,
        "WITH u AS (UPDATE users SET role = coalesce($2, role), "
        "disabled = coalesce($3::boolean, disabled), "
        "password_hash = coalesce($4, password_hash), "
        "password_changed_at = CASE WHEN $4 IS NULL THEN password_changed_at ELSE now() END, "
        "updated_at = now() WHERE id = $1::bigint RETURNING *), "
        "s AS (DELETE FROM sessions WHERE user_id = $1::bigint AND "
        "($4 IS NOT NULL OR coalesce($3::boolean, false))) "
        "SELECT " USER_COLS " FROM u AS u",
        4, p, WEBDB_NO_RETRY, &st);
    if (!r)
        handler_db_failure(ctx, st, reply);
    else if (PQntuples(r) != 1)
        http_reply_fail(reply, 404, "not found", "no user with id %s", id);
    else
        http_reply_set(reply, 200, json_pack("{s:o}", "user", user_json(r, 0)));
    PQclear(r);
out:
    free(hash);
    json_decref(doc);
}

void handle_user_delete(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    char id[PATH_ID_TEXT];
    long long uid = path_id(req, reply, "user", id);
    if (!uid || keep_an_admin(ctx, id, 1, reply) < 0)
        return;
    const char *p[] = {id};
    enum webdb_status st;
    PGresult *r = webdb_query(&ctx->db, "DELETE FROM users WHERE id = $1::bigint RETURNING name",
                              1, p, WEBDB_NO_RETRY, &st);
    if (!r)
        handler_db_failure(ctx, st, reply);
    else if (PQntuples(r) != 1)
        http_reply_fail(reply, 404, "not found", "no user with id %s", id);
    else {
        account_audit_note(ctx, "name", PQgetvalue(r, 0, 0));
        http_reply_set(reply, 200, json_pack("{s:I}", "deleted", (json_int_t)uid));
    }
    PQclear(r);
}

/* usercli.c - accounts from the command line (usercli.h). The password or
 * token is printed once on stdout and stored only as a hash. */
#include "auth.h"
#include "secret.h"
#include "usercli.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void audit_cli(struct webdb *db, const char *action, const char *name)
{
    const char *login = getlogin();
    char actor[80];
    snprintf(actor, sizeof actor, "cli:%s", login ? login : "?");
    const char *p[] = {actor, action, name};
    enum webdb_status st;
    PQclear(webdb_query(db,
                        "INSERT INTO audit_log (actor, actor_kind, action, detail) "
                        "VALUES ($1, 'cli', $2, jsonb_build_object('name', $3::text))",
                        3, p, WEBDB_NO_RETRY, &st));
}

/* 1 when the user exists, 0 not, -1 database failure. */
static int user_exists(struct webdb *db, const char *name)
{
    const char *p[] = {name};
    enum webdb_status st;
    PGresult *r = webdb_query(db, "SELECT 1 FROM users WHERE name = $1", 1, p, 0, &st);
    if (!r)
        return -1;
    int n = PQntuples(r);
    PQclear(r);
    return n == 1;
}

static int read_password(char *out, size_t outlen)
{
    if (!fgets(out, (int)outlen, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    size_t n = strlen(out);
    return n >= 10 && n <= 256 ? 0 : -1;
}

static int set_user(struct webdb *db, const struct usercli *o)
{
    char pw[300];
    int exists = user_exists(db, o->set_user);
    if (exists < 0)
        return 1;
    if (exists && o->if_absent) {
        printf("user %s exists; left unchanged\n", o->set_user);
        return 0;
    }
    if (o->password_stdin ? read_password(pw, sizeof pw) < 0
                          : secret_random_password(pw, sizeof pw) < 0) {
        fprintf(stderr, "webapi: %s\n", o->password_stdin
                                            ? "the password on stdin needs 10..256 bytes"
                                            : "no randomness for a password");
        return 1;
    }
    char *hash = secret_password_hash(pw);
    enum webdb_status st;
    long long id = hash ? users_set(db, o->set_user, o->role, hash, &st) : -1;
    free(hash);
    if (id < 0) {
        fprintf(stderr, "webapi: could not %s user %s (see the log above)\n",
                exists ? "reset" : "create", o->set_user);
        return 1;
    }
    audit_cli(db, exists ? "user.reset" : "user.create", o->set_user);
    if (o->password_stdin)
        printf("user %s (%s) %s\n", o->set_user, o->role, exists ? "reset" : "created");
    else
        printf("user %s (%s) %s; password: %s\n", o->set_user, o->role,
               exists ? "reset" : "created", pw);
    return 0;
}

static int create_token(struct webdb *db, const struct usercli *o)
{
    char token[64], expires[40];
    enum webdb_status st;
    if (tokens_create(db, o->create_token, o->role, o->expires_days, 0, token, sizeof token,
                      expires, sizeof expires, &st) < 0) {
        fprintf(stderr, "webapi: could not create the token (see the log above)\n");
        return 1;
    }
    audit_cli(db, "token.create", o->create_token);
    printf("%s\n", token);
    return 0;
}

int usercli_run(const struct usercli *o, const char *conninfo)
{
    if (!o->role || role_parse(o->role) == ROLE_DENY) {
        fprintf(stderr, "webapi: --role must be viewer, analyst, operator or admin\n");
        return 2;
    }
    if (o->set_user && strspn(o->set_user, "abcdefghijklmnopqrstuvwxyz0123456789._@-") !=
                           strlen(o->set_user)) {
        fprintf(stderr, "webapi: a user name is 1..64 of a-z 0-9 . _ @ -\n");
        return 2;
    }
    struct webdb db;
    char err[PS_ERRBUF];
    if (webdb_open(&db, conninfo, err, sizeof err) < 0) {
        fprintf(stderr, "webapi: %s\n", err);
        return 1;
    }
    int rc = o->set_user ? set_user(&db, o) : create_token(&db, o);
    webdb_close(&db);
    return rc;
}

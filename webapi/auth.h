/* auth.h - who is asking, and may they (API.md, "Accounts and roles").
 *
 * Every request is matched against webapi's route table (router.c), whose
 * entries name the least role allowed. A request is answered by its
 * handler only when:
 *   1. it is not a cross-site state change: for any method but GET/HEAD,
 *      Sec-Fetch-Site must be same-origin/none and Origin, when sent, must
 *      be this server (else 403);
 *   2. the route is public (login, health), or the caller proved who it is
 *      with an API token (Authorization: Bearer pst_...) or a session cookie
 *      (ps_session) (else 401);
 *   3. the caller's role is at least the route's (else 403); list routes
 *      asked for a whole-result export (format=...) need analyst;
 *   4. a state change made with a session cookie carries the session's
 *      X-CSRF-Token (else 403). Bearer tokens are never sent by browsers on
 *      their own, so they need none. */
#ifndef PS_WEBAPI_AUTH_H
#define PS_WEBAPI_AUTH_H

#include <stddef.h>

enum web_role {
    ROLE_DENY = 0, /* a route without a role: nobody */
    ROLE_PUBLIC,   /* no credentials needed */
    ROLE_VIEWER,
    ROLE_ANALYST,
    ROLE_OPERATOR,
    ROLE_ADMIN,
};

enum auth_via { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN };

#define AUTH_NAME_MAX 128
#define AUTH_COOKIE "ps_session"
#define AUTH_TOKEN_PREFIX "pst_"

struct identity {
    enum auth_via via;
    enum web_role role;      /* ROLE_PUBLIC when anonymous */
    long long user_id;       /* session: the user; token: 0 */
    long long token_id;      /* token: its id */
    char name[AUTH_NAME_MAX]; /* user name, or the token's name */
    char session_hash[65];   /* session: hex SHA-256 of the cookie */
    char csrf[64];           /* session: its CSRF token */
    char expires_at[40];     /* session: ISO 8601 UTC */
};

/* Account settings, from the environment at start (auth_settings_load). */
struct auth_settings {
    int session_ttl_s;      /* PACKETSIGHT_SESSION_TTL, default 43200 (12 h) */
    int login_max_failures; /* PACKETSIGHT_LOGIN_MAX_FAILURES, default 5 */
    int login_window_s;     /* failures older than this are forgotten: 900 */
    int login_lock_s;       /* PACKETSIGHT_LOGIN_LOCK, default 300 */
};

void auth_settings_load(struct auth_settings *s);

/* "viewer", ...; "public"/"none" for the others. */
const char *role_name(enum web_role role);

/* An account role ("viewer".."admin") by name; ROLE_DENY when not one. */
enum web_role role_parse(const char *name);

#endif

/* test_webapi_auth.c - the pure parts of webapi's accounts: secrets
 * (tokens, SHA-256, yescrypt), roles, the authorization table and the
 * session cookie parser. The HTTP behaviour is covered by the integration
 * tests test_auth_matrix.py and test_auth_sessions.py. */
#include "router.h"
#include "secret.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void test_tokens(void)
{
    char a[64], b[64];
    CHECK_INT(secret_random_token(a, sizeof a), 0);
    CHECK_INT(secret_random_token(b, sizeof b), 0);
    CHECK_INT(strlen(a), SECRET_TOKEN_CHARS);
    CHECK(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          SECRET_TOKEN_CHARS);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(secret_random_token(a, 10), -1);
    char pw[32];
    CHECK_INT(secret_random_password(pw, sizeof pw), 0);
    CHECK_INT(strlen(pw), 20);
}

static void test_sha256(void)
{
    char h[80];
    CHECK_INT(secret_sha256_hex("abc", 3, h, sizeof h), 0);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(secret_sha256_hex("abc", 3, h, 64), -1);
    CHECK(secret_equal("abc", "abc"));
    CHECK(!secret_equal("abc", "abd"));
    CHECK(!secret_equal("abc", "abcd"));
}

static void test_passwords(void)
{
    char *h = secret_password_hash("correct horse battery");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK(strncmp(h, "$y$", 3) == 0);
    CHECK(secret_password_check("correct horse battery", h));
    CHECK(!secret_password_check("correct horse batterz", h));
    CHECK(!secret_password_check("", h));
    char *h2 = secret_password_hash("correct horse battery");
    CHECK(h2 && strcmp(h, h2) != 0); /* salted */
    free(h2);
    CHECK(!secret_password_check("x", "not a hash"));
    CHECK(!secret_password_check("x", "*0"));
    const char *d = secret_dummy_hash();
    CHECK(d && strncmp(d, "$y$", 3) == 0);
    CHECK(d == secret_dummy_hash());
    free(h);
}

static void test_roles(void)
{
    CHECK_INT(role_parse("viewer"), ROLE_VIEWER);
    CHECK_INT(role_parse("admin"), ROLE_ADMIN);
    CHECK_INT(role_parse("public"), ROLE_DENY);
    CHECK_INT(role_parse("Admin"), ROLE_DENY);
    CHECK_INT(role_parse(NULL), ROLE_DENY);
    CHECK_STR(role_name(ROLE_OPERATOR), "operator");
    CHECK_STR(role_name((enum web_role)99), "none");
}

static const struct route *find(const char *method, const char *path)
{
    size_t n;
    const struct route *t = router_table(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].method, method) == 0 && strcmp(t[i].path, path) == 0)
            return &t[i];
    return NULL;
}

/* The table's invariants: only health and login are public; nothing that
 * changes state is open to anonymous callers; account routes are admin's. */
static void test_table(void)
{
    size_t n;
    const struct route *t = router_table(&n);
    int public = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(t[i].role != ROLE_DENY);
        if (t[i].role == ROLE_PUBLIC)
            public++;
        if (strncmp(t[i].path, "/api/users", 10) == 0 ||
            strncmp(t[i].path, "/api/tokens", 11) == 0 || strcmp(t[i].path, "/api/audit") == 0)
            CHECK_INT(t[i].role, ROLE_ADMIN);
    }
    CHECK_INT(public, 2);
    CHECK(find("GET", "/api/health") && find("GET", "/api/health")->role == ROLE_PUBLIC);
    CHECK(find("POST", "/api/login") && find("POST", "/api/login")->role == ROLE_PUBLIC);
    CHECK(find("POST", "/api/upload-pcap")->role == ROLE_ANALYST);
    CHECK(find("POST", "/api/start-capture")->role == ROLE_OPERATOR);
    CHECK(find("DELETE", "/api/captures/{id}")->role == ROLE_OPERATOR);

    const struct route *flows = find("GET", "/api/flows");
    struct http_request req = {.method = "GET", .query = "limit=5"};
    CHECK_INT(auth_route_role(flows, &req), ROLE_VIEWER);
    req.query = "limit=5&format=csv";
    CHECK_INT(auth_route_role(flows, &req), ROLE_ANALYST);
    req.query = "format";
    CHECK_INT(auth_route_role(flows, &req), ROLE_ANALYST);
    req.query = "format=csv";
    CHECK_INT(auth_route_role(find("GET", "/api/stats"), &req), ROLE_VIEWER);
    CHECK_INT(auth_route_role(find("GET", "/api/users"), &req), ROLE_ADMIN);
}

static void test_cookie(void)
{
    char v[64];
    char good[96] = "HTTP_COOKIE=theme=dark; ps_session=";
    strcat(good, "0123456789012345678901234567890123456789abc");
    char *env1[] = {good, NULL};
    struct http_request req = {.method = "GET", .envp = env1};
    CHECK_INT(auth_session_cookie(&req, v, sizeof v), 1);
    CHECK_STR(v, "0123456789012345678901234567890123456789abc");
    char *env2[] = {"HTTP_COOKIE=ps_session=short", NULL};
    req.envp = env2;
    CHECK_INT(auth_session_cookie(&req, v, sizeof v), 0);
    char *env3[] = {"HTTP_COOKIE=xps_session=0123456789012345678901234567890123456789abc", NULL};
    req.envp = env3;
    CHECK_INT(auth_session_cookie(&req, v, sizeof v), 0);
    char *env4[] = {"HTTP_COOKIE=ps_session=01234567890123456789012345678901234567;9abc", NULL};
    req.envp = env4;
    CHECK_INT(auth_session_cookie(&req, v, sizeof v), 0);
    char *env5[] = {NULL};
    req.envp = env5;
    CHECK_INT(auth_session_cookie(&req, v, sizeof v), 0);
}

static int same_site(const char *host, const char *port, const char *origin, const char *site)
{
    char h[96], p[32], o[128], f[64];
    char *env[5];
    int n = 0;
    snprintf(h, sizeof h, "HTTP_HOST=%s", host);
    env[n++] = h;
    snprintf(p, sizeof p, "SERVER_PORT=%s", port);
    env[n++] = p;
    if (origin) {
        snprintf(o, sizeof o, "HTTP_ORIGIN=%s", origin);
        env[n++] = o;
    }
    if (site) {
        snprintf(f, sizeof f, "HTTP_SEC_FETCH_SITE=%s", site);
        env[n++] = f;
    }
    env[n] = NULL;
    struct http_request req = {.method = "POST", .envp = env};
    return auth_same_site(&req);
}

/* nginx passes Host without its port; the Origin carries it. */
static void test_origin(void)
{
    CHECK_INT(same_site("127.0.0.1", "8111", "http://127.0.0.1:8111", "same-origin"), 1);
    CHECK_INT(same_site("127.0.0.1", "8111", "http://127.0.0.1:8111", NULL), 1);
    CHECK_INT(same_site("127.0.0.1", "80", "http://127.0.0.1", NULL), 1);
    CHECK_INT(same_site("127.0.0.1", "8111", NULL, NULL), 1);
    CHECK_INT(same_site("127.0.0.1:8111", "8111", "http://127.0.0.1:8111", NULL), 1);
    CHECK_INT(same_site("[::1]", "8111", "http://[::1]:8111", NULL), 1);
    CHECK_INT(same_site("Sensor.Example", "443", "http://sensor.example", NULL), 1);
    CHECK_INT(same_site("127.0.0.1", "8111", "http://127.0.0.1:8112", NULL), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", "http://127.0.0.1.evil.example:8111", NULL), 0);
    CHECK_INT(same_site("127.0.0.1:8111", "8111", "http://127.0.0.1:8111:8111", NULL), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", "https://127.0.0.1:8111", NULL), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", "null", NULL), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", "http://evil.example", "cross-site"), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", NULL, "cross-site"), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", NULL, "same-site"), 0);
    CHECK_INT(same_site("127.0.0.1", "8111", NULL, "none"), 1);
}

UNIT_MAIN({
    test_origin();
    test_tokens();
    test_sha256();
    test_passwords();
    test_roles();
    test_table();
    test_cookie();
})

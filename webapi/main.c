/* main.c - webapi entry point: flags, database and schema check, then the
 * FastCGI accept loop (one request at a time, one connection per process).
 * nginx speaks FastCGI to it over a unix socket that spawn-fcgi opens and
 * hands over as fd 0 (FCGI_LISTENSOCK_FILENO). */
#include "handlers.h"
#include "http.h"
#include "router.h"
#include "secret.h"
#include "usercli.h"
#include "webdb.h"
#include "weblog.h"

#include <errno.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WEBAPI_DB_ENV "PACKETSIGHT_WEB_DB"
#define WEBAPI_SOCKET_BACKLOG 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: webapi [--db CONNINFO] [--log FILE] [--socket PATH]\n"
            "       webapi [--db CONNINFO] --check\n"
            "       webapi [--db CONNINFO] --set-user NAME --role ROLE [--password-stdin]\n"
            "              [--if-absent]\n"
            "       webapi [--db CONNINFO] --create-token NAME --role ROLE [--expires-days N]\n"
            "\n"
            "PacketSight's FastCGI responder for nginx's /api/. Normally started by\n"
            "spawn-fcgi, which passes the listening socket as fd 0:\n"
            "  spawn-fcgi -s /run/packetsight/webapi.sock -F 4 -- webapi\n"
            "\n"
            "  -d, --db CONNINFO  libpq connection string or URI (default: $" WEBAPI_DB_ENV
            ",\n"
            "                     else libpq defaults: PGHOST, PGDATABASE, PGUSER, ...)\n"
            "  -l, --log FILE     append diagnostics to FILE instead of stderr (spawn-fcgi\n"
            "                     points the workers' stderr at /dev/null unless -n)\n"
            "  -s, --socket PATH  listen on this unix socket itself instead of fd 0\n"
            "                     (one process; for development)\n"
            "  -c, --check        connect, check the schema version, print 'ok schema=N'\n"
            "                     and exit 0, or print the reason and exit 1\n"
            "  --set-user NAME    create user NAME, or reset it (new password and role,\n"
            "                     enabled, sessions ended, lock cleared); prints a random\n"
            "                     password once unless --password-stdin gives one\n"
            "  --if-absent        with --set-user: leave an existing user unchanged\n"
            "  --create-token NAME  create an API token; prints it once (only its hash\n"
            "                     is stored). --expires-days N: valid N days (default:\n"
            "                     until revoked)\n"
            "  --role ROLE        viewer, analyst, operator or admin\n"
            "  -V, --version      print the version\n"
            "  -h, --help         this text\n"
            "\n"
            "Sessions last $PACKETSIGHT_SESSION_TTL seconds (default 43200). After\n"
            "$PACKETSIGHT_LOGIN_MAX_FAILURES failed logins (default 5) within 15 minutes\n"
            "a name is locked for $PACKETSIGHT_LOGIN_LOCK seconds (default 300).\n"
            "\n"
            "Uploads larger than $PACKETSIGHT_UPLOAD_MAX (bytes, or with K/M/G; default\n"
            "1G) are refused with 413; keep nginx's client_max_body_size a little above.\n"
            "\n"
            "At start webapi refuses to run (exit 1) when the database cannot be\n"
            "reached or its schema version is not %d. Afterwards a lost connection\n"
            "is re-established on the next request; meanwhile requests get 503.\n"
            "Prefer the environment (or ~/.pgpass) over --db for passwords:\n"
            "command lines are visible to every local user.\n",
            ps_schema_version_expected());
}

/* Reads what the handler left of the body: closing a socket with unread
 * data makes the kernel reset it, and nginx could lose our answer. */
static void drain_body(FCGX_Stream *in)
{
    static char sink[65536];
    while (FCGX_GetStr(sink, sizeof sink, in) > 0)
        ;
}

/* PACKETSIGHT_UPLOAD_MAX: bytes, with an optional K/M/G suffix (powers of 1024). */
static long long upload_max_from_env(void)
{
    const char *v = getenv("PACKETSIGHT_UPLOAD_MAX");
    if (!v || !*v)
        return WEB_UPLOAD_MAX_DEFAULT;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    int shift = 0;
    if (end && (*end == 'K' || *end == 'k'))
        shift = 10, end++;
    else if (end && (*end == 'M' || *end == 'm'))
        shift = 20, end++;
    else if (end && (*end == 'G' || *end == 'g'))
        shift = 30, end++;
    if (errno || end == v || *end || n < 1 || n > (1LL << 50) >> shift) {
        weblog("PACKETSIGHT_UPLOAD_MAX=%s is not a size; using %lld", v, WEB_UPLOAD_MAX_DEFAULT);
        return WEB_UPLOAD_MAX_DEFAULT;
    }
    return n << shift;
}

static int serve(struct web_ctx *ctx, int listen_fd)
{
    FCGX_Request fr;
    if (FCGX_InitRequest(&fr, listen_fd, 0) != 0) {
        weblog("cannot initialise FastCGI request");
        return 1;
    }
    while (FCGX_Accept_r(&fr) >= 0) {
        struct http_request req;
        struct http_reply reply = {0};
        http_request_from_env(&req, fr.envp);
        req.in = fr.in;
        req.out = fr.out;
        router_dispatch(ctx, &req, &reply);
        drain_body(fr.in);
        if (reply.streamed) {
            http_reply_clear(&reply);
            FCGX_Finish_r(&fr);
            continue;
        }
        if (reply.status == 0)
            http_reply_error(&reply, 500, "internal error");

        size_t len = 0;
        char *out = http_reply_render(&reply, strcmp(req.method, "HEAD") == 0, &len);
        if (out)
            FCGX_PutStr(out, (int)len, fr.out);
        else
            FCGX_PutS("Status: 500 Internal Server Error\r\n"
                      "Content-Type: application/json; charset=utf-8\r\n"
                      "Cache-Control: no-store\r\n\r\n"
                      "{\"error\":\"out of memory\"}\n",
                      fr.out);
        free(out);
        http_reply_clear(&reply);
        FCGX_Finish_r(&fr);
    }
    FCGX_Free(&fr, 1);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},  {"socket", required_argument, NULL, 's'},
        {"log", required_argument, NULL, 'l'},
        {"check", no_argument, NULL, 'c'},     {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"set-user", required_argument, NULL, 'U'}, {"create-token", required_argument, NULL, 'T'},
        {"role", required_argument, NULL, 'R'},     {"password-stdin", no_argument, NULL, 'P'},
        {"if-absent", no_argument, NULL, 'A'},      {"expires-days", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };
    struct usercli cli = {0};
    const char *db_arg = NULL, *socket_path = NULL, *log_path = NULL;
    int check_only = 0, c;
    while ((c = getopt_long(argc, argv, "d:l:s:cVh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db_arg = optarg; break;
        case 'l': log_path = optarg; break;
        case 's': socket_path = optarg; break;
        case 'c': check_only = 1; break;
        case 'V': printf("webapi %s (schema %d)\n", PS_VERSION, ps_schema_version_expected());
                  return 0;
        case 'h': usage(stdout); return 0;
        case 'U': cli.set_user = optarg; break;
        case 'T': cli.create_token = optarg; break;
        case 'R': cli.role = optarg; break;
        case 'P': cli.password_stdin = 1; break;
        case 'A': cli.if_absent = 1; break;
        case 'E': cli.expires_days = atoi(optarg);
                  if (cli.expires_days < 1 || cli.expires_days > 3650) {
                      fprintf(stderr, "webapi: --expires-days needs 1..3650\n");
                      return 2;
                  }
                  break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "webapi: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    if (log_path && weblog_to_file(log_path) < 0) {
        fprintf(stderr, "webapi: cannot open log file %s: %s\n", log_path, strerror(errno));
        return 1;
    }

    const char *conninfo = ps_db_conninfo(db_arg, WEBAPI_DB_ENV);
    if (cli.set_user || cli.create_token) {
        if (cli.set_user && cli.create_token) {
            fprintf(stderr, "webapi: --set-user and --create-token are separate commands\n");
            return 2;
        }
        return usercli_run(&cli, conninfo);
    }
    struct web_ctx ctx = {.upload_max = upload_max_from_env()};
    auth_settings_load(&ctx.auth);
    char err[PS_ERRBUF];

    if (check_only) {
        if (webdb_open(&ctx.db, conninfo, err, sizeof err) < 0) {
            fprintf(stderr, "webapi: %s\n", err);
            return 1;
        }
        printf("ok schema=%d\n", ps_schema_version_expected());
        webdb_close(&ctx.db);
        return 0;
    }

    if (FCGX_Init() != 0) {
        fprintf(stderr, "webapi: cannot initialise libfcgi\n");
        return 1;
    }
    int listen_fd = 0;
    if (socket_path) {
        /* FCGX_OpenSocket treats "host:port" as TCP; only nginx listens on TCP. */
        if (!strchr(socket_path, '/')) {
            fprintf(stderr, "webapi: --socket needs a unix socket path containing '/'\n");
            return 2;
        }
        listen_fd = FCGX_OpenSocket(socket_path, WEBAPI_SOCKET_BACKLOG);
        if (listen_fd < 0) {
            fprintf(stderr, "webapi: cannot listen on %s\n", socket_path);
            return 1;
        }
    } else if (FCGX_IsCGI()) {
        fprintf(stderr, "webapi: fd 0 is not a FastCGI listening socket; start webapi "
                        "under spawn-fcgi or pass --socket PATH (see --help)\n");
        return 2;
    }

    if (webdb_open(&ctx.db, conninfo, err, sizeof err) < 0) {
        weblog("refusing to start: %s", err);
        return 1;
    }
    /* nginx may close the connection before we answer: a write error, not a death. */
    signal(SIGPIPE, SIG_IGN);
    if (!secret_dummy_hash())
        weblog("warning: could not prepare the password hash used for unknown names");
    weblog("serving, schema %d", ps_schema_version_expected());

    int rc = serve(&ctx, listen_fd);
    webdb_close(&ctx.db);
    return rc;
}

/* cmd_daemon.c - the long-running sensor: registers itself in `sensors`,
 * keeps a heartbeat, and survives database restarts by reconnecting. */
#include "commands.h"
#include "db.h"

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void log_msg(const char *fmt, const char *arg)
{
    time_t t = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s captured: ", ts);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

/* Upserts the sensor row; returns its id or -1. */
static int register_sensor(PGconn *db, const char *name)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const char *params[3] = {name ? name : host, host, PS_VERSION};
    PGresult *r = PQexecParams(
        db,
        "INSERT INTO sensors (name, hostname, version, started_at, last_seen)"
        " VALUES ($1, $2, $3, now(), now())"
        " ON CONFLICT (name) DO UPDATE SET hostname = $2, version = $3, started_at = now(),"
        " last_seen = now() RETURNING id",
        3, NULL, params, NULL, NULL, 0);
    int id = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (id < 0)
        log_msg("registering sensor: %s", PQerrorMessage(db));
    PQclear(r);
    return id;
}

static int heartbeat(PGconn *db, int sensor_id)
{
    char id[16];
    snprintf(id, sizeof id, "%d", sensor_id);
    const char *params[1] = {id};
    PGresult *r = PQexecParams(db, "UPDATE sensors SET last_seen = now() WHERE id = $1", 1,
                               NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static PGconn *connect_checked(const struct options *o, int *sensor_id)
{
    char err[PS_ERRBUF];
    PGconn *db = ps_db_connect(o->db, err, sizeof err);
    if (!db) {
        log_msg("%s", err);
        return NULL;
    }
    if (ps_db_check_schema(db, err, sizeof err) < 0) {
        log_msg("%s", err);
        PQfinish(db);
        return NULL;
    }
    *sensor_id = register_sensor(db, o->sensor);
    if (*sensor_id < 0) {
        PQfinish(db);
        return NULL;
    }
    return db;
}

int cmd_daemon(const struct options *o)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sensor_id = -1, backoff = 1;
    PGconn *db = connect_checked(o, &sensor_id);
    if (!db)
        return 1; /* a wrong schema or bad settings at start: refuse to run */
    log_msg("running as sensor %s", o->sensor ? o->sensor : "(host name)");
    while (!stop_requested) {
        if (!db || heartbeat(db, sensor_id) < 0) {
            if (db)
                log_msg("database lost: %s", PQerrorMessage(db));
            PQfinish(db);
            db = connect_checked(o, &sensor_id);
            backoff = db ? 1 : (backoff < 30 ? backoff * 2 : 30);
            if (!db) {
                sleep((unsigned)backoff);
                continue;
            }
            log_msg("database connection restored%s", "");
        }
        for (int i = 0; i < o->heartbeat_s * 10 && !stop_requested; i++)
            usleep(100000);
    }
    log_msg("stopping%s", "");
    PQfinish(db);
    return 0;
}

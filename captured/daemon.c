/* daemon.c - the sensor's main loop: privileges, registration, LISTEN and
 * polling for requests and jobs, heartbeat with live numbers, retention,
 * clean shutdown on SIGTERM (flows and buckets flushed, within 5 s). */
#include "daemon.h"

#include "alerts.h"
#include "commands.h"
#include "db.h"
#include "ifaces.h"
#include "log.h"
#include "privs.h"
#include "sdnotify.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
        " last_seen = now(), capturing = false RETURNING id",
        3, NULL, params, NULL, NULL, 0);
    int id = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (id < 0)
        log_error("registering sensor: %s", PQerrorMessage(db));
    PQclear(r);
    return id;
}

/* Connects the control connection, checks the schema, registers, LISTENs. */
static int connect_ctl(struct daemon *d)
{
    char err[PS_ERRBUF];
    PQfinish(d->ctl);
    d->ctl = ps_db_connect(d->o->db, err, sizeof err);
    if (!d->ctl || ps_db_check_schema(d->ctl, err, sizeof err) < 0) {
        log_error("%s", err);
        PQfinish(d->ctl);
        d->ctl = NULL;
        return -1;
    }
    d->sensor_id = register_sensor(d->ctl, d->o->sensor);
    PGresult *r = PQexec(d->ctl, "LISTEN packetsight_control; LISTEN packetsight_jobs");
    PQclear(r);
    if (d->sensor_id < 0)
        return -1;
    ifaces_sync(d->ctl, d->sensor_id);
    d->poll_requests = d->poll_jobs = 1; /* anything that came while we were away */
    return 0;
}

static json_t *status_json(struct daemon *d)
{
    json_t *caps = json_array(), *root = json_object();
    for (int i = 0; i < MAX_LIVE; i++) {
        struct live_status st;
        if (!d->lives[i])
            continue;
        live_get_status(d->lives[i], &st);
        char started[32];
        time_t t = (time_t)(st.started_us / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_t *c = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "interface",
                              live_iface(d->lives[i]), "capture_id", (json_int_t)st.capture_id,
                              "packets", (json_int_t)st.packets, "bytes", (json_int_t)st.bytes,
                              "drops", (json_int_t)st.drops, "flows", (json_int_t)st.flows,
                              "started_at", started, "error", st.error);
        if (json_array_size(caps) == 0)
            json_object_update(root, c);
        json_array_append_new(caps, c);
    }
    struct writer_stats ws;
    writer_get_stats(d->wr, &ws);
    json_object_set_new(root, "captures", caps);
    json_object_set_new(root, "writer", json_pack("{s:I, s:I, s:I, s:I, s:I, s:b}",
                                                  "queued_bytes", (json_int_t)ws.queued_bytes,
                                                  "spooled_batches", (json_int_t)ws.spooled_files,
                                                  "dropped_batches", (json_int_t)ws.dropped_batches,
                                                  "dropped_rows", (json_int_t)ws.dropped_rows,
                                                  "committed_rows", (json_int_t)ws.committed_rows,
                                                  "connected", ws.connected));
    return root;
}

/* Running totals of live captures, so that the captures row (and the
 * API's totals) move while the capture runs, not only when it ends. */
static void live_totals(struct daemon *d)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        struct live_status st;
        if (!d->lives[i])
            continue;
        live_get_status(d->lives[i], &st);
        char v[5][24];
        snprintf(v[0], sizeof v[0], "%llu", (unsigned long long)st.capture_id);
        snprintf(v[1], sizeof v[1], "%llu", (unsigned long long)st.packets);
        snprintf(v[2], sizeof v[2], "%llu", (unsigned long long)st.bytes);
        snprintf(v[3], sizeof v[3], "%llu", (unsigned long long)st.flows);
        snprintf(v[4], sizeof v[4], "%llu", (unsigned long long)st.drops);
        const char *params[5] = {v[0], v[1], v[2], v[3], v[4]};
        PQclear(PQexecParams(d->ctl,
                             "UPDATE captures SET packets = $2, bytes = $3, flows = $4, drops = $5,"
                             " first_ts = coalesce(first_ts, started_at), last_ts = now()"
                             " WHERE id = $1 AND status = 'running'",
                             5, NULL, params, NULL, NULL, 0));
    }
}

static int heartbeat(struct daemon *d)
{
    live_totals(d);
    json_t *st = status_json(d);
    char *text = json_dumps(st, JSON_COMPACT);
    char id[16];
    snprintf(id, sizeof id, "%d", d->sensor_id);
    int capturing = json_array_size(json_object_get(st, "captures")) > 0;
    const char *params[3] = {id, capturing ? "t" : "f", text};
    PGresult *r = PQexecParams(d->ctl,
                               "UPDATE sensors SET last_seen = now(), capturing = $2,"
                               " status = $3::jsonb WHERE id = $1",
                               3, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    free(text);
    json_decref(st);
    return ok ? 0 : -1;
}

static void retention(struct daemon *d)
{
    static const char *const tables[][2] = {{"packets", "0"}, {"flows", "1"}, {"dns", "1"},
                                            {"http", "1"},    {"tls", "1"},   {"traffic", "2"}};
    PQclear(PQexec(d->ctl, "SELECT ps_ensure_partitions(now(), now() + interval '1 month')"));
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int days = d->o->retention_days[tables[i][1][0] - '0'];
        if (days <= 0)
            continue;
        char age[32];
        snprintf(age, sizeof age, "%d days", days);
        const char *params[2] = {tables[i][0], age};
        PGresult *r = PQexecParams(d->ctl, "SELECT ps_drop_partitions_older($1, $2::interval)",
                                   2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) > 0)
            log_info("retention: dropped %s partitions of %s older than %s",
                     PQgetvalue(r, 0, 0), tables[i][0], age);
        PQclear(r);
    }
    if (d->o->retention_days[3] > 0) {
        char age[32];
        snprintf(age, sizeof age, "%d days", d->o->retention_days[3]);
        const char *params[1] = {age};
        PQclear(PQexecParams(d->ctl, "SELECT ps_delete_alerts_older($1::interval)", 1, NULL,
                             params, NULL, NULL, 0));
    }
}

/* Waits for a notification or the timeout; sets the poll flags. */
static void wait_events(struct daemon *d, double timeout_s)
{
    int fd = d->ctl ? PQsocket(d->ctl) : -1;
    struct timeval tv = {(time_t)timeout_s, (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6)};
    fd_set rd;
    FD_ZERO(&rd);
    if (fd >= 0)
        FD_SET(fd, &rd);
    if (select(fd >= 0 ? fd + 1 : 0, &rd, NULL, NULL, &tv) <= 0 || fd < 0)
        return;
    PQconsumeInput(d->ctl);
    PGnotify *n;
    while ((n = PQnotifies(d->ctl))) {
        if (!strcmp(n->relname, "packetsight_control"))
            d->poll_requests = 1;
        else
            d->poll_jobs = 1;
        PQfreemem(n);
    }
}

static void run_jobs(struct daemon *d)
{
    jobs_reap(d->ctl, d->jobs, d->o->job_workers);
    for (int i = 0; i < d->o->job_workers && i < MAX_JOB_WORKERS; i++)
        if (!d->jobs[i].pid && jobs_claim_and_run(d->ctl, d->o, d->sensor_id, &d->jobs[i]) <= 0)
            break;
}

static void start_configured(struct daemon *d)
{
    for (int i = 0; i < d->o->n_captures; i++) {
        struct live_spec spec;
        char err[256] = "";
        if (control_parse_spec(d->o->captures[i], &spec) < 0)
            log_error("config: bad capture line '%s'", d->o->captures[i]);
        else if (!control_start(d, &spec, err, sizeof err))
            log_error("capture on %s: %s", spec.iface, err);
    }
}

/* One pass of the loop: keeps the control connection, answers requests,
 * runs jobs, heartbeats; returns how long to wait for the next pass. */
static double tick(struct daemon *d, double *next_beat, double *next_ret, int *backoff)
{
    double now = mono();
    if (!d->ctl || PQstatus(d->ctl) != CONNECTION_OK) {
        if (connect_ctl(d) < 0) {
            *backoff = *backoff < 30 ? *backoff * 2 : 30;
            return *backoff;
        }
        log_info("control connection up (sensor id %d)", d->sensor_id);
        *backoff = 1;
    }
    if (d->poll_requests) {
        d->poll_requests = 0;
        if (control_handle_requests(d) > 0)
            *next_beat = 0; /* show the new state at once */
    }
    if (d->poll_jobs || d->o->job_workers > 0) {
        d->poll_jobs = 0;
        run_jobs(d);
    }
    if (now >= *next_beat) { /* after requests: shows their effect at once */
        if (heartbeat(d) < 0)
            log_warn("heartbeat: %s", PQerrorMessage(d->ctl));
        d->poll_requests = d->poll_jobs = 1; /* polling covers a lost NOTIFY */
        *next_beat = now + d->o->heartbeat_s;
    }
    static double next_rules;
    if (now >= next_rules) { /* rules and indicators apply without a restart */
        rules_poll(d->ctl, 0);
        next_rules = now + d->o->rules_poll_s;
    }
    if (now >= *next_ret) {
        retention(d);
        *next_ret = now + 3600;
    }
    return 0.5;
}

static void reload(struct daemon *d, int argc, char **argv)
{
    struct options fresh;
    if (options_parse(argc, argv, &fresh) != 0) {
        log_error("SIGHUP: configuration not reloaded (errors above)");
        return;
    }
    memcpy(d->o->retention_days, fresh.retention_days, sizeof fresh.retention_days);
    d->o->heartbeat_s = fresh.heartbeat_s;
    d->o->job_workers = fresh.job_workers;
    d->o->flow = fresh.flow; /* applies to captures started from now on */
    d->o->detect = fresh.detect;
    d->o->rules_poll_s = fresh.rules_poll_s;
    log_info("SIGHUP: configuration reloaded");
}

static void shutdown_daemon(struct daemon *d)
{
    sd_notify_msg("STOPPING=1");
    log_info("stopping: flushing captures");
    control_stop_all(d);
    for (int i = 0; i < MAX_JOB_WORKERS; i++) /* workers roll back; their jobs retry */
        if (d->jobs[i].pid)
            kill(d->jobs[i].pid, SIGTERM);
    writer_stop(d->wr, 3);
    for (int i = 0; i < MAX_JOB_WORKERS; i++)
        if (d->jobs[i].pid)
            waitpid(d->jobs[i].pid, NULL, 0);
    jobs_reap(d->ctl, d->jobs, MAX_JOB_WORKERS);
    if (d->ctl) {
        heartbeat(d);
        PQfinish(d->ctl);
    }
    log_info("stopped");
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cmd_daemon(struct options *o, int argc, char **argv)
{
    char err[PS_ERRBUF];
    log_init(o->verbose);
    install_signals();
    if (privs_drop_to_capture(o->user, err, sizeof err) < 0) {
        log_error("%s", err);
        return 1;
    }
    struct daemon d = {.o = o};
    if (connect_ctl(&d) < 0)
        return 1; /* a wrong schema or bad settings at start: refuse to run */
    d.wr = writer_start(o->db, o->queue_mb << 20, o->spool_dir);
    if (!d.wr) {
        log_error("cannot start the writer thread");
        return 1;
    }
    rules_poll(d.ctl, 1); /* before the first capture starts */
    start_configured(&d);
    sd_notify_msg("READY=1");
    log_info("running as sensor %d (%s)", d.sensor_id, o->sensor ? o->sensor : "host name");
    double next_beat = 0, next_ret = 0;
    int backoff = 1;
    while (!stop_requested) {
        if (reload_requested) {
            reload_requested = 0;
            reload(&d, argc, argv);
        }
        wait_events(&d, tick(&d, &next_beat, &next_ret, &backoff));
    }
    shutdown_daemon(&d);
    return 0;
}

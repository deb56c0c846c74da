/* control.c - capture start/stop requests from the web (capture_requests
 * rows + NOTIFY), and captures named in the configuration. */
#include "daemon.h"

#include "capture_row.h"
#include "db.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int control_parse_spec(const char *text, struct live_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->promisc = 1;
    char buf[640];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL, *tok = strtok_r(buf, " \t", &save);
    if (!tok || strlen(tok) >= sizeof spec->iface)
        return -1;
    snprintf(spec->iface, sizeof spec->iface, "%s", tok);
    const char *f = strstr(text, "filter=");
    if (f) { /* the filter is the rest of the line: it may hold spaces */
        snprintf(spec->filter, sizeof spec->filter, "%s", f + 7);
        char *cut = strstr(buf + (f - text), "filter=");
        if (cut)
            *cut = '\0';
    }
    while ((tok = strtok_r(NULL, " \t", &save))) {
        if (sscanf(tok, "snaplen=%d", &spec->snaplen) == 1 ||
            sscanf(tok, "promisc=%d", &spec->promisc) == 1 ||
            sscanf(tok, "buffer_mb=%d", &spec->buffer_mb) == 1)
            continue;
        return -1;
    }
    return 0;
}

static int find_live(struct daemon *d, const char *iface)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (d->lives[i] && (!iface || !strcmp(live_iface(d->lives[i]), iface)))
            return i;
    return -1;
}

static void drop_capture_row(PGconn *db, unsigned long long id)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", id);
    const char *params[1] = {s};
    PQclear(PQexecParams(db, "DELETE FROM captures WHERE id = $1", 1, NULL, params, NULL, NULL,
                         0));
}

unsigned long long control_start(struct daemon *d, const struct live_spec *spec, char *err,
                                 size_t errlen)
{
    int slot = -1;
    for (int i = 0; i < MAX_LIVE && slot < 0; i++)
        if (!d->lives[i])
            slot = i;
    if (find_live(d, spec->iface) >= 0) {
        snprintf(err, errlen, "already capturing on %s", spec->iface);
        return 0;
    }
    if (slot < 0) {
        snprintf(err, errlen, "too many captures running (at most %d)", MAX_LIVE);
        return 0;
    }
    struct capture_new cn = {.kind = "live", .source = spec->iface, .filter = spec->filter,
                             .interface = spec->iface, .sensor_id = d->sensor_id};
    unsigned long long id = capture_insert(d->ctl, &cn, err, errlen);
    if (!id)
        return 0;
    struct live *l = live_open(spec, id, d->o, err, errlen);
    if (!l || live_start(l, d->wr) < 0) {
        if (l)
            live_stop(l);
        drop_capture_row(d->ctl, id);
        if (!err[0])
            snprintf(err, errlen, "cannot start the capture thread");
        return 0;
    }
    d->lives[slot] = l;
    return id;
}

static int stop_iface(struct daemon *d, const char *iface, char *answer, size_t len)
{
    int i = find_live(d, iface && *iface ? iface : NULL);
    if (i < 0) {
        snprintf(answer, len, "no capture running%s%s", iface && *iface ? " on " : "",
                 iface && *iface ? iface : "");
        return -1;
    }
    size_t n = 0;
    answer[0] = '\0';
    while (i >= 0) {
        struct live_status st;
        live_get_status(d->lives[i], &st);
        n += (size_t)snprintf(answer + n, n < len ? len - n : 0, "%sstopped capture %llu on %s"
                              " (%llu packets)", n ? "; " : "",
                              (unsigned long long)st.capture_id, live_iface(d->lives[i]),
                              (unsigned long long)st.packets);
        live_stop(d->lives[i]);
        d->lives[i] = NULL;
        i = iface && *iface ? -1 : find_live(d, NULL);
    }
    return 0;
}

void control_stop_all(struct daemon *d)
{
    char answer[512];
    if (find_live(d, NULL) >= 0)
        stop_iface(d, NULL, answer, sizeof answer);
}

static void answer(struct daemon *d, const char *id, int ok, const char *text,
                   unsigned long long capture_id)
{
    char cid[24];
    snprintf(cid, sizeof cid, "%llu", capture_id);
    const char *params[4] = {id, ok ? "done" : "failed", text, capture_id ? cid : NULL};
    PQclear(PQexecParams(d->ctl,
                         "UPDATE capture_requests SET state = $2, answer = $3, capture_id = $4,"
                         " answered_at = now() WHERE id = $1",
                         4, NULL, params, NULL, NULL, 0));
    log_info("request %s: %s", id, text);
}

static void handle_one(struct daemon *d, PGresult *r, int row)
{
    const char *id = PQgetvalue(r, row, 0), *action = PQgetvalue(r, row, 1);
    char text[512] = "";
    if (!strcmp(action, "stop")) {
        int rc = stop_iface(d, PQgetvalue(r, row, 2), text, sizeof text);
        answer(d, id, rc == 0, text, 0);
        return;
    }
    struct live_spec spec = {.promisc = strcmp(PQgetvalue(r, row, 5), "f") != 0};
    snprintf(spec.iface, sizeof spec.iface, "%s", PQgetvalue(r, row, 2));
    snprintf(spec.filter, sizeof spec.filter, "%s", PQgetvalue(r, row, 3));
    spec.snaplen = atoi(PQgetvalue(r, row, 4));
    if (!spec.iface[0]) {
        answer(d, id, 0, "no interface given", 0);
        return;
    }
    unsigned long long cid = control_start(d, &spec, text, sizeof text);
    if (cid)
        snprintf(text, sizeof text, "capturing on %s as capture %llu", spec.iface, cid);
    answer(d, id, cid != 0, text, cid);
}

int control_handle_requests(struct daemon *d)
{
    int handled = 0;
    char sensor[16];
    snprintf(sensor, sizeof sensor, "%d", d->sensor_id);
    const char *params[1] = {sensor};
    PGresult *r = PQexecParams(
        d->ctl,
        "UPDATE capture_requests SET sensor_id = $1 WHERE id IN (SELECT id FROM capture_requests"
        " WHERE state = 'pending' AND (sensor_id = $1 OR sensor_id IS NULL) ORDER BY id"
        " FOR UPDATE SKIP LOCKED LIMIT 16) RETURNING id, action, coalesce(interface, ''), filter,"
        " coalesce(snaplen, 0), promisc",
        1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        log_warn("reading capture requests: %s", PQerrorMessage(d->ctl));
    } else {
        int n = PQntuples(r); /* RETURNING order is not guaranteed: handle by id */
        int order[16];
        for (int i = 0; i < n; i++)
            order[i] = i;
        for (int i = 1; i < n; i++)
            for (int k = i; k > 0 && atoll(PQgetvalue(r, order[k], 0)) <
                                         atoll(PQgetvalue(r, order[k - 1], 0)); k--) {
                int t = order[k];
                order[k] = order[k - 1];
                order[k - 1] = t;
            }
        for (int i = 0; i < n; i++)
            handle_one(d, r, order[i]);
        handled = n;
    }
    PQclear(r);
    return handled;
}

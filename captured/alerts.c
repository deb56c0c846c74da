/* alerts.c - rules and indicators from the database into rulesets, the
 * daemon's current ruleset, geolocation set-up, --no-db alert output. */
#include "alerts.h"

#include "copybuf.h"
#include "db.h"
#include "detect.h"
#include "flow_export.h"
#include "geo.h"
#include "log.h"
#include "rules.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int security_init_geo(const struct options *o, char *err, size_t errlen)
{
    if (o->geo_off)
        return 0;
    struct geo_paths gp = {
        .v4 = o->geo_v4 ? (*o->geo_v4 ? o->geo_v4 : NULL)
                        : (access(GEO_TOR_V4, R_OK) == 0 ? GEO_TOR_V4 : NULL),
        .v6 = o->geo_v6 ? (*o->geo_v6 ? o->geo_v6 : NULL)
                        : (access(GEO_TOR_V6, R_OK) == 0 ? GEO_TOR_V6 : NULL),
        .mmdb = o->geo_mmdb, .asn_mmdb = o->geo_asn_mmdb};
    if (!gp.v4 && !gp.v6 && !gp.mmdb && !gp.asn_mmdb)
        return 0; /* labels only */
    struct geo_db *g = geo_open(&gp, err, errlen);
    if (!g)
        return -1;
    geo_set_default(g); /* kept for the life of the process */
    return 0;
}

/* ---- loading ---- */

int64_t rules_db_version(PGconn *db, char *err, size_t errlen)
{
    PGresult *r = PQexec(db, "SELECT version FROM detection_config");
    int64_t v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else
        snprintf(err, errlen, "reading detection_config: %s", PQerrorMessage(db));
    PQclear(r);
    return v;
}

static const char *val(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int load_rules(PGconn *db, struct ruleset *rs, int *skipped, char *err, size_t errlen)
{
    PGresult *r = PQexec(db, "SELECT id, name, severity, message, cidr::text, port, transport,"
                             " app, dns_query, http_host, sni FROM rules WHERE enabled"
                             " ORDER BY id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "reading rules: %s", PQerrorMessage(db));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        char e[256];
        struct rule_spec s = {.id = strtoll(val(r, i, 0), NULL, 10), .name = val(r, i, 1),
                              .severity = val(r, i, 2), .message = val(r, i, 3),
                              .cidr = val(r, i, 4), .port = val(r, i, 5) ? atoi(val(r, i, 5)) : -1,
                              .transport = val(r, i, 6), .app = val(r, i, 7),
                              .dns_query = val(r, i, 8), .http_host = val(r, i, 9),
                              .sni = val(r, i, 10)};
        if (ruleset_add_rule(rs, &s, e, sizeof e) < 0) {
            log_warn("rules: %s (skipped)", e);
            (*skipped)++;
        }
    }
    PQclear(r);
    return 0;
}

static int load_indicators(PGconn *db, struct ruleset *rs, int *skipped, char *err,
                           size_t errlen)
{
    /* single-row mode: millions of indicators never sit in one PGresult */
    if (!PQsendQuery(db, "SELECT i.list, i.kind, i.value, l.severity FROM indicators i"
                         " JOIN indicator_lists l ON l.name = i.list WHERE l.enabled"
                         " ORDER BY i.list") ||
        !PQsetSingleRowMode(db)) {
        snprintf(err, errlen, "reading indicators: %s", PQerrorMessage(db));
        return -1;
    }
    PGresult *r;
    int ok = 1, logged = 0;
    while ((r = PQgetResult(db)) != NULL) {
        int st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            char e[256];
            if (ruleset_add_indicator(rs, val(r, 0, 0), val(r, 0, 1), val(r, 0, 2), val(r, 0, 3),
                                      e, sizeof e) < 0) {
                (*skipped)++;
                if (!logged++)
                    log_warn("indicators: %s (skipped; further ones counted)", e);
            }
        } else if (st != PGRES_TUPLES_OK && ok) {
            snprintf(err, errlen, "reading indicators: %s", PQerrorMessage(db));
            ok = 0;
        }
        PQclear(r);
    }
    return ok ? 0 : -1;
}

struct ruleset *rules_db_load(PGconn *db, int *skipped, char *err, size_t errlen)
{
    int dummy = 0;
    if (!skipped)
        skipped = &dummy;
    int64_t v = rules_db_version(db, err, errlen);
    struct ruleset *rs = v >= 0 ? ruleset_new((uint64_t)v) : NULL;
    if (v >= 0 && !rs)
        snprintf(err, errlen, "out of memory for rules");
    if (rs && (load_rules(db, rs, skipped, err, errlen) < 0 ||
               load_indicators(db, rs, skipped, err, errlen) < 0 || ruleset_finish(rs) < 0)) {
        if (!err[0])
            snprintf(err, errlen, "out of memory for indicators");
        ruleset_unref(rs);
        rs = NULL;
    }
    return rs;
}

/* ---- the daemon's current ruleset ---- */

static pthread_mutex_t current_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ruleset *current_rs;
static atomic_uint_fast64_t current_ver;

struct ruleset *rules_current(void)
{
    pthread_mutex_lock(&current_mu);
    struct ruleset *rs = ruleset_ref(current_rs);
    pthread_mutex_unlock(&current_mu);
    return rs;
}

uint64_t rules_current_version(void) { return atomic_load(&current_ver); }

int rules_poll(PGconn *db, int force)
{
    char err[PS_ERRBUF] = "";
    int64_t v = rules_db_version(db, err, sizeof err);
    if (v < 0) {
        log_warn("rules: %s", err);
        return -1;
    }
    if (!force && current_rs && (uint64_t)v == rules_current_version())
        return 0;
    int skipped = 0;
    struct ruleset *rs = rules_db_load(db, &skipped, err, sizeof err);
    if (!rs) {
        log_warn("rules: %s (keeping the previous set)", err);
        return -1;
    }
    pthread_mutex_lock(&current_mu);
    struct ruleset *old = current_rs;
    current_rs = rs;
    atomic_store(&current_ver, ruleset_version(rs));
    pthread_mutex_unlock(&current_mu);
    ruleset_unref(old); /* live threads may still hold it; freed with their last reference */
    log_info("rules: version %" PRIu64 " loaded: %zu rules, %zu indicators%s", ruleset_version(rs),
             ruleset_rule_count(rs), ruleset_indicator_count(rs), skipped ? " (some skipped)" : "");
    return 1;
}

void rules_refresh_pipeline(struct ps_pipeline *p)
{
    struct detector *d = ps_pipeline_detector(p);
    if (!d || ruleset_version(detector_ruleset(d)) == rules_current_version())
        return;
    struct ruleset *rs = rules_current();
    detector_set_ruleset(d, rs);
    ruleset_unref(rs);
}

/* ---- --no-db ---- */

static void x_packet(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir)
{
    struct nodb_extra *x = ctx;
    if (x->next.packet)
        x->next.packet(x->next.ctx, pkt, f, dir);
}

static void x_count_cc(struct nodb_extra *x, const char *cc)
{
    if (!cc)
        return;
    if (cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && !cc[2])
        x->countries[(cc[0] - 'A') * 26 + (cc[1] - 'A')]++;
}

static void x_flow(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct nodb_extra *x = ctx;
    if (x->countries_wanted) {
        struct ps_addr o, r;
        uint16_t op, rp;
        char a[4], b[4];
        flow_endpoints(f, &o, &op, &r, &rp);
        x_count_cc(x, geo_country(geo_default(), &o, a));
        x_count_cc(x, geo_country(geo_default(), &r, b));
        x->geo_lookups += 2;
    }
    if (x->next.flow)
        x->next.flow(x->next.ctx, f, why);
}

static void x_bucket(void *ctx, const struct traffic_bucket *b)
{
    struct nodb_extra *x = ctx;
    if (x->next.bucket)
        x->next.bucket(x->next.ctx, b);
}

static void x_event(void *ctx, const struct app_event *ev)
{
    struct nodb_extra *x = ctx;
    if (x->next.event)
        x->next.event(x->next.ctx, ev);
}

static void tsv_field(FILE *out, const char *s, int last)
{
    for (; s && *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, out);
    fputc(last ? '\n' : '\t', out);
}

static void ts_text(int64_t us, char *out, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, len - n, ".%06lldZ", (long long)(us % 1000000));
}

static void x_alert(void *ctx, const struct ps_alert *a)
{
    struct nodb_extra *x = ctx;
    x->alerts++;
    if (x->next.alert)
        x->next.alert(x->next.ctx, a);
    if (!x->tsv)
        return;
    char src[64] = "", dst[64] = "", n[24], first[40], last[40];
    char ev[DETECT_MAX_EVIDENCE * 20 + 8] = "";
    if (a->src.family)
        ps_addr_format(&a->src, src, sizeof src);
    if (a->dst.family)
        ps_addr_format(&a->dst, dst, sizeof dst);
    snprintf(n, sizeof n, "%" PRIu64, a->count);
    ts_text(a->first_us, first, sizeof first);
    ts_text(a->last_us, last, sizeof last);
    for (int i = 0; i < a->n_evidence; i++) {
        size_t l = strlen(ev);
        snprintf(ev + l, sizeof ev - l, "%s%s", i ? "," : "", a->evidence[i]);
    }
    const char *f[] = {a->kind, a->key, a->severity, src, dst, n, first, last, ev, a->summary};
    for (int i = 0; i < 10; i++)
        tsv_field(x->tsv, f[i], i == 9);
}

struct ps_sink nodb_extra_sink(struct nodb_extra *x)
{
    if (x->tsv)
        fputs("kind\tkey\tseverity\tsrc\tdst\tcount\tfirst_seen\tlast_seen\tevidence\tsummary\n",
              x->tsv);
    return (struct ps_sink){.ctx = x, .packet = x_packet, .flow = x_flow, .bucket = x_bucket,
                            .event = x_event, .alert = x_alert};
}

unsigned nodb_extra_countries(const struct nodb_extra *x)
{
    unsigned n = 0;
    for (size_t i = 0; i < sizeof x->countries / sizeof x->countries[0]; i++)
        n += x->countries[i] != 0;
    return n;
}

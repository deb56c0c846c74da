/* capture_row.c - inserting and completing captures rows. */
#include "capture_row.h"

#include "alerts.h"
#include "dbwriter.h"
#include "rollup.h"
#include "rules.h"
#include "shipper.h"
#include "db.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

uint64_t capture_insert(PGconn *db, const struct capture_new *c, char *err, size_t errlen)
{
    char job[24], sensor[16];
    snprintf(job, sizeof job, "%" PRId64, c->job_id);
    snprintf(sensor, sizeof sensor, "%d", c->sensor_id);
    const char *params[7] = {c->kind, c->source, c->sha256, c->filter ? c->filter : "",
                             c->interface, c->job_id > 0 ? job : NULL,
                             c->sensor_id > 0 ? sensor : NULL};
    PGresult *r = PQexecParams(db,
                               "INSERT INTO captures (kind, source, sha256, filter, interface,"
                               " job_id, sensor_id, status)"
                               " VALUES ($1, $2, $3, $4, $5, $6, $7, 'running') RETURNING id",
                               7, NULL, params, NULL, NULL, 0);
    uint64_t id = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        sscanf(PQgetvalue(r, 0, 0), "%" SCNu64, &id);
    else
        snprintf(err, errlen, "inserting capture: %s", PQerrorMessage(db));
    PQclear(r);
    return id;
}

int capture_set_sha256(PGconn *db, uint64_t id, const char *sha, char *err, size_t errlen)
{
    char v[24];
    snprintf(v, sizeof v, "%" PRIu64, id);
    const char *params[2] = {v, sha};
    PGresult *r = PQexecParams(db, "UPDATE captures SET sha256 = $2 WHERE id = $1", 2, NULL,
                               params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "storing sha256: %s", PQerrorMessage(db));
    PQclear(r);
    return ok ? 0 : -1;
}

int capture_finish_file(PGconn *db, uint64_t id, struct ps_pipeline *p, char *err,
                        size_t errlen)
{
    const struct ps_counters *c = ps_pipeline_counters(p);
    const struct flow_stats *fs = flow_table_stats(ps_pipeline_flows(p));
    char v[8][40], stats[384];
    const char *dlt = c->linktype >= 0 ? pcap_datalink_val_to_name(c->linktype) : NULL;
    snprintf(v[0], sizeof v[0], "%" PRIu64, id);
    snprintf(v[1], sizeof v[1], "%" PRIu64, c->packets);
    snprintf(v[2], sizeof v[2], "%" PRIu64, c->bytes);
    snprintf(v[3], sizeof v[3], "%" PRIu64, fs->ended);
    snprintf(v[4], sizeof v[4], "%" PRIu64, c->malformed_total);
    snprintf(v[5], sizeof v[5], "%.6f", (double)c->first_us / 1e6);
    snprintf(v[6], sizeof v[6], "%.6f", (double)c->last_us / 1e6);
    snprintf(v[7], sizeof v[7], "%s", dlt ? dlt : "");
    struct detect_stats ds = {0};
    if (ps_pipeline_detector(p))
        detector_get_stats(ps_pipeline_detector(p), &ds);
    snprintf(stats, sizeof stats,
             "{\"fragments\": %" PRIu64 ", \"flows_evicted\": %" PRIu64
             ", \"unknown_linktype\": %" PRIu64 ", \"detect_tracker_evictions\": %" PRIu64
             ", \"detect_arp_evictions\": %" PRIu64 "}",
             c->fragments, fs->evicted, c->unknown_linktype, ds.tracker_evictions,
             ds.arp_evictions);
    const char *params[9] = {v[0], v[1], v[2], v[3], v[4], c->packets ? v[5] : NULL,
                             c->packets ? v[6] : NULL, v[7], stats};
    PGresult *r = PQexecParams(
        db,
        "UPDATE captures SET status = 'done', ended_at = now(), packets = $2, bytes = $3,"
        " flows = $4, malformed = $5, first_ts = to_timestamp($6::float8),"
        " last_ts = to_timestamp($7::float8), linktype = $8, stats = $9::jsonb WHERE id = $1",
        9, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "updating capture: %s", PQerrorMessage(db));
    PQclear(r);
    return ok ? 0 : -1;
}

static void to_shipper(void *ctx, struct batch *b) { shipper_put(ctx, b); }

/* Finishes shipping: the last rows, then the queue drains. 0 or -1 (err). */
static int drain(struct dbwriter *w, struct shipper *sh, char *err, size_t errlen)
{
    struct batch b;
    if (dbwriter_take(w, &b))
        shipper_put(sh, &b);
    return shipper_finish(sh, err, errlen);
}

/* Detectors on, with the rules and indicators the database held when the
 * analysis started (rs; read before the shipper owns the connection). */
static int enable_detection(struct ps_pipeline *p, const struct detect_config *cfg,
                            struct ruleset *rs, char *err, size_t errlen)
{
    if (ps_pipeline_enable_detection(p, cfg) < 0) {
        snprintf(err, errlen, "out of memory for the detectors");
        return -1;
    }
    detector_set_ruleset(ps_pipeline_detector(p), rs);
    return 0;
}

int analyse_into_db(PGconn *db, const struct analyse_req *r, struct ps_pipeline **out_p,
                    char *err, size_t errlen)
{
    int detect = r->detect && r->detect->enabled;
    struct ruleset *rs = detect ? rules_db_load(db, NULL, err, errlen) : NULL;
    if (detect && !rs) {
        *out_p = NULL;
        return 1;
    }
    struct dbwriter *w = dbwriter_new(NULL, r->capture_id, (enum packet_policy)r->policy,
                                      r->first_n);
    struct rollup *sums = rollup_new(0); /* none: the database rolls up instead */
    if (w)
        dbwriter_set_rollup(w, sums);
    struct shipper *sh = w ? shipper_start(db, 3) : NULL;
    if (sh)
        dbwriter_set_handoff(w, to_shipper, sh);
    struct ps_sink sink = w ? dbwriter_sink(w) : (struct ps_sink){0};
    struct ps_pipeline *p = sh ? ps_pipeline_new(r->flow, &sink, r->capture_id) : NULL;
    int rc = 0;
    char ship_err[PS_ERRBUF] = "";
    if (!p) {
        snprintf(err, errlen, "out of memory setting up the flow table");
        rc = 1;
    } else if (detect && enable_detection(p, r->detect, rs, err, errlen) < 0) {
        rc = 1;
    } else if (ps_read_file(p, r->path, &r->ro, err, errlen) < 0) {
        rc = 2;
    } else {
        ps_pipeline_finish(p);
    }
    if (sh && drain(w, sh, ship_err, sizeof ship_err) < 0) {
        snprintf(err, errlen, "%s", ship_err);
        rc = 1;
    }
    if (rc == 0 && rollup_usable(sums) && rollup_supply(db, sums, r->capture_id, err, errlen) < 0)
        rc = 1;
    if (rc == 0 && capture_finish_file(db, r->capture_id, p, err, errlen) < 0)
        rc = 1;
    dbwriter_free(w); /* the pipeline's sink pointers are not used after this */
    rollup_free(sums);
    ruleset_unref(rs);
    *out_p = p;
    return rc;
}

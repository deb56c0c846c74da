/* alerts.h - captured's side of detection: loading rules and indicators
 * from PostgreSQL into a ruleset (rules.h), the daemon-wide current
 * ruleset that live captures pick up without a restart, the geolocation
 * database, and the alert printers of `captured --read --no-db`. */
#ifndef PS_CAPTURED_ALERTS_H
#define PS_CAPTURED_ALERTS_H

#include "options.h"
#include "pipeline.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ruleset;

/* Loads the geolocation database the options name (default: Debian's
 * tor-geoipdb files when present) and makes it the process default
 * (geo_set_default). 0, or -1 with err when a configured file is bad.
 * Missing default files are not an error: flows then carry labels only. */
int security_init_geo(const struct options *o, char *err, size_t errlen);

/* The detection_config version, or -1 with err (e.g. no such table). */
int64_t rules_db_version(PGconn *db, char *err, size_t errlen);
/* Reads enabled rules and the indicators of enabled lists. A rule or
 * indicator that does not parse is skipped and counted in *skipped (may be
 * NULL). NULL with err on a database error. Caller unrefs. */
struct ruleset *rules_db_load(PGconn *db, int *skipped, char *err, size_t errlen);

/* Daemon-wide current ruleset (thread-safe). rules_current() returns a new
 * reference (NULL when none); rules_current_version() is cheap (atomic). */
struct ruleset *rules_current(void);
uint64_t rules_current_version(void);
/* Reloads when the database version differs from the current one (or
 * force). 1 reloaded, 0 unchanged, -1 error (logged; the old set stays). */
int rules_poll(PGconn *db, int force);

/* Gives the pipeline's detector the current ruleset when its version
 * changed (live capture threads call it once a second). */
void rules_refresh_pipeline(struct ps_pipeline *p);

/* --read --no-db: a sink that prints alerts as TSV (with a header), and
 * one that counts alerts and geolocates flows, both passing everything on
 * to next. */
struct nodb_extra {
    struct ps_sink next;
    FILE *tsv;              /* NULL: do not print alerts */
    bool countries_wanted;  /* geolocate flows (only the one-line summary prints them) */
    uint64_t alerts, geo_lookups;
    uint32_t countries[26 * 26 + 8];
};
struct ps_sink nodb_extra_sink(struct nodb_extra *x);
unsigned nodb_extra_countries(const struct nodb_extra *x);

/* captured --import-indicators FILE [--list NAME]: plain text (one value a
 * line, '#' comments) or CSV (the column named value/indicator/ioc/ip/
 * domain/address, else the first). Exit code. */
int cmd_import_indicators(const struct options *o);

#endif

/* options.h - captured's command line and configuration file. */
#ifndef PS_CAPTURED_OPTIONS_H
#define PS_CAPTURED_OPTIONS_H

#include "dbwriter.h"
#include "detect.h"
#include "flow.h"

#include <stdbool.h>
#include <stdint.h>

enum captured_mode { MODE_DAEMON = 0, MODE_READ, MODE_MIGRATE, MODE_CHECK, MODE_HELP,
                     MODE_VERSION, MODE_LIST, MODE_IMPORT };

struct options {
    enum captured_mode mode;
    const char *config_path;
    const char *read_path;
    char db[1024];          /* conninfo from --db, env or config */
    bool no_db;
    bool json;
    const char *tsv;        /* --tsv KIND with --no-db */
    const char *sensor;
    const char *filter;
    const char *name;       /* capture source label (default: file name) */
    uint64_t max_packets;
    enum packet_policy packets;
    uint32_t packets_first_n;
    struct flow_config flow;
    int heartbeat_s;
    const char *user;       /* account the daemon runs as after start (as root) */
    const char *spool_dir;  /* writer spool when PostgreSQL is away; NULL = none */
    size_t queue_mb;        /* writer memory queue before spooling */
    int job_workers;        /* upload jobs analysed at once */
    int lease_s;            /* job lease, renewed while a worker progresses */
    int retention_days[4];  /* packets, flows+events, traffic, alerts; 0 = keep */
    int verbose;
    int n_captures;         /* live captures started at launch (config 'capture' lines) */
    char captures[8][640];  /* "IFACE [filter=...] [snaplen=N] [promisc=0|1] [buffer_mb=N]" */
    struct detect_config detect; /* "detect-*" settings (detect.h) */
    bool geo_off;           /* geo = off */
    const char *geo_v4, *geo_v6, *geo_mmdb, *geo_asn_mmdb; /* NULL = default */
    int rules_poll_s;       /* daemon: seconds between rules version checks */
    const char *import_path, *import_list; /* --import-indicators FILE --list NAME */
};

/* Parses argv and then the config file (argv wins). Returns 0, or 2 with a
 * message on stderr for a usage error. */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif

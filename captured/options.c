/* options.c - captured's flags and its key = value configuration file. */
#include <stdio.h>

#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONFIG "/etc/packetsight/captured.conf"

void options_usage(FILE *out)
{
    fputs(
        "usage: captured [options]               run the capture daemon\n"
        "       captured --read FILE [options]   analyse one pcap/pcapng file\n"
        "       captured --migrate [--db CONNINFO]\n"
        "\n"
        "  -r, --read FILE        analyse FILE (pcap or pcapng, by magic number) as a new capture\n"
        "      --no-db            with --read: do not touch any database\n"
        "      --json             with --read: print a JSON summary (packets, bytes, flows,\n"
        "                         protocol mix, top talkers) instead of one line\n"
        "      --tsv KIND         with --read --no-db: print rows as TSV with a header;\n"
        "                         KIND is flows, packets, dns, http or tls\n"
        "  -d, --db CONNINFO      libpq connection string or URI; default $PACKETSIGHT_DB,\n"
        "                         then 'db' in the config file\n"
        "  -c, --config FILE      configuration file (default " DEFAULT_CONFIG ")\n"
        "      --migrate          apply missing schema migrations (connect as the owner role;\n"
        "                         $PACKETSIGHT_OWNER_DB is tried before $PACKETSIGHT_DB)\n"
        "      --check-schema     exit 0 when the database schema matches this build\n"
        "  -s, --sensor NAME      sensor name (default: host name)\n"
        "  -f, --filter BPF       capture filter applied while reading\n"
        "      --name NAME        label of the capture (default: the file name)\n"
        "      --max-packets N    stop after N packets\n"
        "      --packets POLICY   packet rows to store: all (default), none, first:N per flow\n"
        "      --max-flows N      flow table capacity (default 1048576)\n"
        "      --tcp-timeout S    idle timeout of TCP flows in seconds (default 300)\n"
        "      --udp-timeout S    idle timeout of UDP flows (default 60)\n"
        "      --other-timeout S  idle timeout of ICMP and other flows (default 60)\n"
        "      --active-timeout S a flow longer than S is exported and restarted (default 3600)\n"
        "      --list-interfaces  print the interfaces this host can capture on\n"
        "      --import-indicators FILE  add the addresses, networks and domains of FILE (text,\n"
        "                         one a line, or CSV) to an indicator list\n"
        "      --list NAME        with --import-indicators: the list (default 'default')\n"
        "      --tsv alerts       with --read --no-db: print the security findings\n"
        "  -o, --set KEY=VALUE    any configuration key (see captured.conf.example)\n"
        "      --verbose          debug logging\n"
        "  -h, --help             this text\n"
        "  -V, --version          print the version\n"
        "\n"
        "Exit status: 0 success, 1 runtime failure (database), 2 bad input or usage.\n",
        out);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-')
        return -1;
    *v = x;
    return 0;
}

static int set_packets(struct options *o, const char *v)
{
    uint64_t n;
    if (strcmp(v, "all") == 0)
        o->packets = PACKETS_ALL;
    else if (strcmp(v, "none") == 0)
        o->packets = PACKETS_NONE;
    else if (strncmp(v, "first:", 6) == 0 && parse_u64(v + 6, &n) == 0 && n <= 1000000) {
        o->packets = PACKETS_FIRST_N;
        o->packets_first_n = (uint32_t)n;
    } else
        return -1;
    return 0;
}

static int set_seconds(int64_t *dst, const char *v)
{
    uint64_t n;
    if (parse_u64(v, &n) < 0 || n == 0 || n > 86400 * 7)
        return -1;
    *dst = (int64_t)n * 1000000;
    return 0;
}

static int set_int(int *dst, const char *v, int lo, int hi)
{
    uint64_t n;
    if (parse_u64(v, &n) < 0 || n < (uint64_t)lo || n > (uint64_t)hi)
        return -1;
    *dst = (int)n;
    return 0;
}

/* Daemon settings (see captured.conf.example). */
static int apply_daemon(struct options *o, const char *key, const char *v)
{
    static const char *const keep[4] = {"retention-packets-days", "retention-flows-days",
                                        "retention-traffic-days", "retention-alerts-days"};
    int mb;
    for (int i = 0; i < 4; i++)
        if (!strcmp(key, keep[i]))
            return set_int(&o->retention_days[i], v, 0, 36500);
    if (!strcmp(key, "user"))
        return (o->user = strdup(v)) ? 0 : -1;
    if (!strcmp(key, "spool-dir"))
        return (o->spool_dir = *v ? strdup(v) : NULL, 0);
    if (!strcmp(key, "queue-mb")) {
        if (set_int(&mb, v, 1, 65536) < 0)
            return -1;
        o->queue_mb = (size_t)mb;
        return 0;
    }
    if (!strcmp(key, "job-workers"))
        return set_int(&o->job_workers, v, 0, 16);
    if (!strcmp(key, "job-lease"))
        return set_int(&o->lease_s, v, 5, 3600);
    if (!strcmp(key, "heartbeat"))
        return set_int(&o->heartbeat_s, v, 1, 300);
    if (!strcmp(key, "geo")) {
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
            return -1;
        o->geo_off = !strcmp(v, "off");
        return 0;
    }
    if (!strcmp(key, "geoip-file"))
        return (o->geo_v4 = strdup(v)) ? 0 : -1;
    if (!strcmp(key, "geoip6-file"))
        return (o->geo_v6 = strdup(v)) ? 0 : -1;
    if (!strcmp(key, "geo-mmdb"))
        return (o->geo_mmdb = *v ? strdup(v) : NULL, 0);
    if (!strcmp(key, "geo-asn-mmdb"))
        return (o->geo_asn_mmdb = *v ? strdup(v) : NULL, 0);
    if (!strcmp(key, "rules-poll"))
        return set_int(&o->rules_poll_s, v, 1, 3600);
    if (!strncmp(key, "detect", 6))
        return detect_config_set(&o->detect, key, v); /* -2: unknown key */
    if (!strcmp(key, "capture")) {
        if (o->n_captures >= 8 || strlen(v) >= sizeof o->captures[0])
            return -1;
        snprintf(o->captures[o->n_captures++], sizeof o->captures[0], "%s", v);
        return 0;
    }
    return -2;
}

/* Applies one setting (from a flag or the config file). */
static int apply(struct options *o, const char *key, const char *v)
{
    uint64_t n;
    if (!strcmp(key, "db"))
        return snprintf(o->db, sizeof o->db, "%s", v) < (int)sizeof o->db ? 0 : -1;
    if (!strcmp(key, "sensor"))
        return (o->sensor = strdup(v)) ? 0 : -1;
    if (!strcmp(key, "filter"))
        return (o->filter = strdup(v)) ? 0 : -1;
    if (!strcmp(key, "packets"))
        return set_packets(o, v);
    if (!strcmp(key, "max-packets"))
        return parse_u64(v, &o->max_packets);
    if (!strcmp(key, "max-flows")) {
        if (parse_u64(v, &n) < 0 || n < 16 || n > (1u << 28))
            return -1;
        o->flow.max_flows = (uint32_t)n;
        return 0;
    }
    if (!strcmp(key, "tcp-timeout"))
        return set_seconds(&o->flow.tcp_idle_us, v);
    if (!strcmp(key, "udp-timeout"))
        return set_seconds(&o->flow.udp_idle_us, v);
    if (!strcmp(key, "other-timeout"))
        return set_seconds(&o->flow.other_idle_us, v);
    if (!strcmp(key, "active-timeout"))
        return set_seconds(&o->flow.active_us, v);
    return apply_daemon(o, key, v);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Reads "key = value" lines; '#' starts a comment. Settings already given on
 * the command line are not overridden (seen[] marks them by key). */
static int read_config(struct options *o, const char *path, bool required, const char *given)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required)
            return 0;
        fprintf(stderr, "captured: cannot open config %s\n", path);
        return 2;
    }
    char line[2048];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line), *eq = strchr(s, '=');
        if (!*s || *s == '#')
            continue;
        if (!eq) {
            fprintf(stderr, "captured: %s:%d: expected key = value\n", path, lineno);
            rc = 2;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        char probe[64];
        snprintf(probe, sizeof probe, "|%s|", key);
        if (strstr(given, probe))
            continue;
        int r = apply(o, key, val);
        if (r < 0) {
            fprintf(stderr, "captured: %s:%d: %s '%s'\n", path, lineno,
                    r == -2 ? "unknown setting" : "bad value for", key);
            rc = 2;
            break;
        }
    }
    fclose(f);
    return rc;
}

enum { O_NODB = 256, O_JSON, O_TSV, O_LIST, O_VERBOSE, O_MIGRATE, O_CHECK, O_NAME, O_MAXPKT, O_PACKETS, O_MAXFLOWS,
       O_TCPTO, O_UDPTO, O_OTHERTO, O_ACTIVETO, O_IMPORT, O_IMPLIST };

static const struct option long_opts[] = {
    {"read", required_argument, 0, 'r'},      {"no-db", no_argument, 0, O_NODB},
    {"json", no_argument, 0, O_JSON},          {"tsv", required_argument, 0, O_TSV},          {"db", required_argument, 0, 'd'},
    {"config", required_argument, 0, 'c'},     {"migrate", no_argument, 0, O_MIGRATE},
    {"check-schema", no_argument, 0, O_CHECK}, {"sensor", required_argument, 0, 's'},
    {"filter", required_argument, 0, 'f'},     {"name", required_argument, 0, O_NAME},
    {"max-packets", required_argument, 0, O_MAXPKT},
    {"packets", required_argument, 0, O_PACKETS},
    {"max-flows", required_argument, 0, O_MAXFLOWS},
    {"tcp-timeout", required_argument, 0, O_TCPTO},
    {"udp-timeout", required_argument, 0, O_UDPTO},
    {"other-timeout", required_argument, 0, O_OTHERTO},
    {"active-timeout", required_argument, 0, O_ACTIVETO},
    {"list-interfaces", no_argument, 0, O_LIST},
    {"import-indicators", required_argument, 0, O_IMPORT},
    {"list", required_argument, 0, O_IMPLIST},
    {"verbose", no_argument, 0, O_VERBOSE},    {"set", required_argument, 0, 'o'},
    {"help", no_argument, 0, 'h'},             {"version", no_argument, 0, 'V'},
    {0, 0, 0, 0}};

static const char *setting_of(int c)
{
    switch (c) {
    case 'd': return "db";
    case 's': return "sensor";
    case 'f': return "filter";
    case O_MAXPKT: return "max-packets";
    case O_PACKETS: return "packets";
    case O_MAXFLOWS: return "max-flows";
    case O_TCPTO: return "tcp-timeout";
    case O_UDPTO: return "udp-timeout";
    case O_OTHERTO: return "other-timeout";
    case O_ACTIVETO: return "active-timeout";
    default: return NULL;
    }
}

/* --set key=value: any configuration key from the command line. */
static int set_pair(struct options *o, const char *arg, char *given, size_t glen)
{
    char key[64];
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) >= sizeof key) {
        fprintf(stderr, "captured: --set wants key=value, got '%s'\n", arg);
        return 2;
    }
    memcpy(key, arg, (size_t)(eq - arg));
    key[eq - arg] = '\0';
    if (apply(o, key, eq + 1) < 0) {
        fprintf(stderr, "captured: bad setting '%s'\n", arg);
        return 2;
    }
    size_t n = strlen(given);
    if (strcmp(key, "capture") != 0)
        snprintf(given + n, glen - n, "|%s|", key);
    return 0;
}

static int handle_flag(struct options *o, int c, const char *arg, char *given, size_t glen)
{
    const char *key = setting_of(c);
    if (key) {
        if (apply(o, key, arg) < 0) {
            fprintf(stderr, "captured: bad value for --%s: '%s'\n", key, arg);
            return 2;
        }
        size_t n = strlen(given);
        snprintf(given + n, glen - n, "|%s|", key);
        return 0;
    }
    switch (c) {
    case 'r': o->mode = MODE_READ; o->read_path = arg; return 0;
    case O_NODB: o->no_db = true; return 0;
    case O_JSON: o->json = true; return 0;
    case O_TSV: o->tsv = arg; return 0;
    case 'c': o->config_path = arg; return 0;
    case O_MIGRATE: o->mode = MODE_MIGRATE; return 0;
    case O_CHECK: o->mode = MODE_CHECK; return 0;
    case O_NAME: o->name = arg; return 0;
    case 'h': o->mode = MODE_HELP; return 0;
    case O_LIST: o->mode = MODE_LIST; return 0;
    case O_IMPORT: o->mode = MODE_IMPORT; o->import_path = arg; return 0;
    case O_IMPLIST: o->import_list = arg; return 0;
    case O_VERBOSE: o->verbose = 1; return 0;
    case 'o': return set_pair(o, arg, given, glen);
    case 'V': o->mode = MODE_VERSION; return 0;
    default: return 2;
    }
}

int options_parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    optind = 1; /* parsed again on SIGHUP */
    flow_config_defaults(&o->flow);
    o->heartbeat_s = 2;
    o->user = "packetsight";
    o->queue_mb = 256;
    o->job_workers = 1;
    o->lease_s = 60;
    o->retention_days[0] = 7;   /* packets */
    o->retention_days[1] = 30;  /* flows and application events */
    o->retention_days[2] = 180; /* traffic buckets */
    o->retention_days[3] = 180; /* alerts */
    detect_config_defaults(&o->detect);
    o->rules_poll_s = 5;
    char given[512] = "";
    int c;
    while ((c = getopt_long(argc, argv, "r:d:c:s:f:o:hV", long_opts, NULL)) != -1) {
        int rc = handle_flag(o, c, optarg, given, sizeof given);
        if (rc) {
            if (c == '?' || rc == 2)
                fputs("captured: try 'captured --help'\n", stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "captured: unexpected argument '%s' (try --help)\n", argv[optind]);
        return 2;
    }
    if (o->mode == MODE_HELP || o->mode == MODE_VERSION || o->mode == MODE_LIST)
        return 0;
    if (!o->db[0]) {
        const char *env = o->mode == MODE_MIGRATE ? getenv("PACKETSIGHT_OWNER_DB") : NULL;
        if (!env || !*env)
            env = getenv("PACKETSIGHT_DB");
        if (env && *env)
            snprintf(o->db, sizeof o->db, "%s", env);
    }
    bool explicit_cfg = o->config_path != NULL;
    const char *cfg = explicit_cfg ? o->config_path : DEFAULT_CONFIG;
    if (o->no_db && !explicit_cfg)
        return 0;
    char with_db[600];
    snprintf(with_db, sizeof with_db, "%s%s", given, o->db[0] ? "|db|" : "");
    return read_config(o, cfg, explicit_cfg, with_db);
}

/* options.h - captured's command line and configuration file. */
#ifndef PS_CAPTURED_OPTIONS_H
#define PS_CAPTURED_OPTIONS_H

#include "dbwriter.h"
#include "flow.h"

#include <stdbool.h>
#include <stdint.h>

enum captured_mode { MODE_DAEMON = 0, MODE_READ, MODE_MIGRATE, MODE_CHECK, MODE_HELP,
                     MODE_VERSION };

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
};

/* Parses argv and then the config file (argv wins). Returns 0, or 2 with a
 * message on stderr for a usage error. */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif

/* main.c - captured: the PacketSight capture daemon and file analyser. */
#include "alerts.h"
#include "commands.h"
#include "db.h"
#include "ifaces.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct options o;
    int rc = options_parse(argc, argv, &o);
    if (rc)
        return rc;
    switch (o.mode) {
    case MODE_HELP: options_usage(stdout); return 0;
    case MODE_VERSION:
        printf("captured %s (schema %d)\n", PS_VERSION, ps_schema_version_expected());
        return 0;
    case MODE_READ:
    case MODE_DAEMON: {
        char err[512] = "";
        /* without a database only the one-line summary prints countries
         * (countries=N); --json and every --tsv print none: skip the load */
        int need_geo = o.mode == MODE_DAEMON || !o.no_db || (!o.tsv && !o.json);
        if (need_geo && security_init_geo(&o, err, sizeof err) < 0) {
            fprintf(stderr, "captured: %s\n", err);
            return 2;
        }
        return o.mode == MODE_READ ? cmd_read(&o) : cmd_daemon(&o, argc, argv);
    }
    case MODE_IMPORT: return cmd_import_indicators(&o);
    case MODE_MIGRATE: return cmd_migrate(&o);
    case MODE_CHECK: return cmd_check_schema(&o);
    case MODE_LIST: return ifaces_print(stdout);
    }
    return 2;
}

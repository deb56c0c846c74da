/* main.c - captured: the PacketSight capture daemon and file analyser. */
#include "commands.h"
#include "db.h"
#include "ifaces.h"

#include <stdio.h>

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
    case MODE_READ: return cmd_read(&o);
    case MODE_MIGRATE: return cmd_migrate(&o);
    case MODE_CHECK: return cmd_check_schema(&o);
    case MODE_DAEMON: return cmd_daemon(&o, argc, argv);
    case MODE_LIST: return ifaces_print(stdout);
    }
    return 2;
}

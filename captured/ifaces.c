/* ifaces.c - interface listing for the CLI and the web UI's choice. */
#include "ifaces.h"

#include "log.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

static void addr_list(const pcap_if_t *d, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (const pcap_addr_t *a = d->addresses; a; a = a->next) {
        char buf[INET6_ADDRSTRLEN] = "";
        if (!a->addr)
            continue;
        if (a->addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->addr)->sin_addr, buf, sizeof buf);
        else if (a->addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->addr)->sin6_addr, buf, sizeof buf);
        if (buf[0] && n + strlen(buf) + 2 < len)
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", buf);
    }
}

int ifaces_print(FILE *out)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_if_t *all;
    if (pcap_findalldevs(&all, err) != 0) {
        fprintf(stderr, "captured: listing interfaces: %s\n", err);
        return 1;
    }
    for (pcap_if_t *d = all; d; d = d->next) {
        char addrs[512];
        addr_list(d, addrs, sizeof addrs);
        fprintf(out, "%s\t%s\t%s%s\t%s\n", d->name, (d->flags & PCAP_IF_UP) ? "up" : "down",
                (d->flags & PCAP_IF_LOOPBACK) ? "loopback " : "",
                d->description ? d->description : "", addrs[0] ? addrs : "-");
    }
    pcap_freealldevs(all);
    return 0;
}

static int insert_one(PGconn *db, const char *sensor, const pcap_if_t *d)
{
    char addrs[512], arr[520];
    addr_list(d, addrs, sizeof addrs);
    snprintf(arr, sizeof arr, "{%s}", addrs);
    const char *params[6] = {sensor, d->name, d->description ? d->description : "", arr,
                             (d->flags & PCAP_IF_UP) ? "t" : "f",
                             (d->flags & PCAP_IF_LOOPBACK) ? "t" : "f"};
    PGresult *r = PQexecParams(db,
                               "INSERT INTO sensor_interfaces (sensor_id, name, description,"
                               " addresses, up, loopback) VALUES ($1, $2, $3, $4, $5, $6)",
                               6, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

int ifaces_sync(PGconn *db, int sensor_id)
{
    char err[PCAP_ERRBUF_SIZE], sensor[16];
    pcap_if_t *all;
    if (pcap_findalldevs(&all, err) != 0) {
        log_warn("listing interfaces: %s", err);
        return -1;
    }
    snprintf(sensor, sizeof sensor, "%d", sensor_id);
    const char *params[1] = {sensor};
    PQclear(PQexec(db, "BEGIN"));
    PQclear(PQexecParams(db, "DELETE FROM sensor_interfaces WHERE sensor_id = $1", 1, NULL,
                         params, NULL, NULL, 0));
    int rc = 0;
    for (pcap_if_t *d = all; d && rc == 0; d = d->next)
        rc = insert_one(db, sensor, d);
    PQclear(PQexec(db, rc == 0 ? "COMMIT" : "ROLLBACK"));
    pcap_freealldevs(all);
    return rc;
}

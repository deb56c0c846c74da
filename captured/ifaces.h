/* ifaces.h - the interfaces this host can capture on (pcap_findalldevs). */
#ifndef PS_IFACES_H
#define PS_IFACES_H

#include <libpq-fe.h>
#include <stdio.h>

/* Prints one line per interface; returns the process exit code. */
int ifaces_print(FILE *out);
/* Replaces the sensor's rows in sensor_interfaces. 0 or -1. */
int ifaces_sync(PGconn *db, int sensor_id);

#endif

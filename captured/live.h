/* live.h - one live capture: a thread per interface reading with libpcap
 * into its own pipeline; rows go to the writer thread every second, with
 * kernel drops (pcap_stats) in the same time buckets. */
#ifndef PS_LIVE_H
#define PS_LIVE_H

#include "options.h"
#include "writer.h"

#include <stddef.h>
#include <stdint.h>

struct live_spec {
    char iface[64];
    char filter[512];
    int snaplen;    /* 0 = 262144 */
    int promisc;
    int buffer_mb;  /* kernel buffer, 0 = libpcap default */
};

struct live_status {
    uint64_t capture_id, packets, bytes, drops, flows;
    int64_t started_us;
    int running;
    char error[256];
};

struct live;

/* Opens the interface (needs CAP_NET_RAW) and applies the filter; the
 * capture row must already exist. NULL with err filled on failure. */
struct live *live_open(const struct live_spec *spec, uint64_t capture_id,
                       const struct options *o, char *err, size_t errlen);
/* Starts the capture thread; rows go to wr. 0 or -1. */
int live_start(struct live *l, struct writer *wr);
/* Stops, flushes open flows and buckets, queues the totals, frees. */
void live_stop(struct live *l);
void live_get_status(struct live *l, struct live_status *out);
const char *live_iface(const struct live *l);

#endif

/* traffic.h - per-second time buckets of one capture (the `traffic` table).
 *
 * Buckets live in a small direct-mapped window keyed by second; a bucket is
 * emitted when its slot is needed by another second or at flush. Timestamps
 * that jump back beyond the window produce a second row for the same second;
 * readers sum rows per bucket (the views and API do). */
#ifndef PS_TRAFFIC_H
#define PS_TRAFFIC_H

#include "packet.h"

#define PS_TRAFFIC_WINDOW 64

struct traffic_bucket {
    int64_t second; /* epoch seconds */
    uint64_t packets, bytes;
    uint64_t tcp_packets, udp_packets, icmp_packets, other_packets;
    uint64_t tcp_bytes, udp_bytes, icmp_bytes, other_bytes;
    uint64_t ipv4_packets, ipv6_packets, arp_packets;
    uint64_t new_flows, drops, malformed;
    int used;
};

typedef void (*traffic_emit_fn)(void *ctx, const struct traffic_bucket *b);

struct traffic {
    struct traffic_bucket win[PS_TRAFFIC_WINDOW];
    traffic_emit_fn emit;
    void *ctx;
    uint64_t emitted;
    /* the last packet's bucket and its second's microseconds [lo, lo + 1 s):
     * most packets fall there, no division needed */
    struct traffic_bucket *last;
    int64_t last_sec, last_lo;
};

void traffic_init(struct traffic *t, traffic_emit_fn emit, void *ctx);
void traffic_add(struct traffic *t, const struct ps_packet *pkt, int new_flow);
/* Adds kernel drops to the bucket of second sec (live capture). */
void traffic_add_drops(struct traffic *t, int64_t sec, uint64_t drops);
void traffic_flush(struct traffic *t);
/* Emits every bucket older than sec (live capture: a second is complete once
 * the clock has moved past it). */
void traffic_flush_before(struct traffic *t, int64_t sec);

#endif

/* traffic.c - per-second traffic buckets. */
#include "traffic.h"

#include <string.h>

void traffic_init(struct traffic *t, traffic_emit_fn emit, void *ctx)
{
    memset(t, 0, sizeof *t);
    t->emit = emit;
    t->ctx = ctx;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static struct traffic_bucket *bucket_for(struct traffic *t, int64_t sec)
{
    struct traffic_bucket *b = &t->win[(uint64_t)sec % PS_TRAFFIC_WINDOW];
    if (b->used && b->second != sec) {
        if (t->emit)
            t->emit(t->ctx, b);
        t->emitted++;
        b->used = 0;
    }
    if (!b->used) {
        memset(b, 0, sizeof *b);
        b->second = sec;
        b->used = 1;
    }
    return b;
}

/* The bucket of ts: the last one while ts stays in its second (and it was
 * not emitted meanwhile), else bucket_for(). */
static struct traffic_bucket *bucket_at(struct traffic *t, int64_t ts)
{
    struct traffic_bucket *b = t->last;
    if (b && b->used && b->second == t->last_sec && ts >= t->last_lo &&
        (uint64_t)ts - (uint64_t)t->last_lo < 1000000)
        return b;
    int64_t sec = floor_div(ts, 1000000), lo;
    b = bucket_for(t, sec);
    t->last = __builtin_mul_overflow(sec, 1000000, &lo) ? NULL : b;
    t->last_sec = sec;
    t->last_lo = lo;
    return b;
}

void traffic_add(struct traffic *t, const struct ps_packet *pkt, int new_flow)
{
    struct traffic_bucket *b = bucket_at(t, pkt->ts_us);
    b->packets++;
    b->bytes += pkt->wirelen;
    b->new_flows += (uint64_t)new_flow;
    b->malformed += pkt->malformed != PS_MAL_NONE;
    if (pkt->l3 == PS_L3_IPV4)
        b->ipv4_packets++;
    else if (pkt->l3 == PS_L3_IPV6)
        b->ipv6_packets++;
    else if (pkt->l3 == PS_L3_ARP)
        b->arp_packets++;
    int ip = pkt->l3 == PS_L3_IPV4 || pkt->l3 == PS_L3_IPV6;
    uint8_t p = ip ? pkt->ip_proto : 0;
    if (p == 6) {
        b->tcp_packets++;
        b->tcp_bytes += pkt->wirelen;
    } else if (p == 17) {
        b->udp_packets++;
        b->udp_bytes += pkt->wirelen;
    } else if (p == 1 || p == 58) {
        b->icmp_packets++;
        b->icmp_bytes += pkt->wirelen;
    } else {
        b->other_packets++;
        b->other_bytes += pkt->wirelen;
    }
}

void traffic_add_drops(struct traffic *t, int64_t sec, uint64_t drops)
{
    bucket_for(t, sec)->drops += drops;
}

void traffic_flush_before(struct traffic *t, int64_t sec)
{
    for (int i = 0; i < PS_TRAFFIC_WINDOW; i++) {
        struct traffic_bucket *b = &t->win[i];
        if (b->used && b->second < sec) {
            if (t->emit)
                t->emit(t->ctx, b);
            t->emitted++;
            b->used = 0;
        }
    }
}

void traffic_flush(struct traffic *t)
{
    /* emit in time order so COPY batches stay sorted */
    for (;;) {
        struct traffic_bucket *min = NULL;
        for (int i = 0; i < PS_TRAFFIC_WINDOW; i++)
            if (t->win[i].used && (!min || t->win[i].second < min->second))
                min = &t->win[i];
        if (!min)
            return;
        if (t->emit)
            t->emit(t->ctx, min);
        t->emitted++;
        min->used = 0;
    }
}

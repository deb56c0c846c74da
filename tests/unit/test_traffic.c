/* test_traffic.c - per-second traffic buckets: what goes in a bucket, when a
 * bucket is emitted (its slot is needed by another second, or flush), flush
 * in time order, seconds before the epoch. */
#include <string.h>

#include "traffic.h"
#include "unit.h"

#define SEC 1000000LL

static struct traffic_bucket got[64];
static int n_got;

static void emit(void *ctx, const struct traffic_bucket *b)
{
    (void)ctx;
    if (n_got < 64)
        got[n_got++] = *b;
}

static struct ps_packet pkt(int64_t ts, enum ps_l3 l3, uint8_t proto, uint32_t len)
{
    struct ps_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = ts;
    p.l3 = l3;
    p.ip_proto = proto;
    p.wirelen = p.caplen = len;
    return p;
}

static void add(struct traffic *t, struct ps_packet p, int new_flow)
{
    traffic_add(t, &p, new_flow);
}

static void test_buckets(void)
{
    struct traffic t;
    n_got = 0;
    traffic_init(&t, emit, NULL);
    add(&t, pkt(10 * SEC, PS_L3_IPV4, 6, 100), 1);
    add(&t, pkt(10 * SEC + 999999, PS_L3_IPV4, 17, 200), 1);
    add(&t, pkt(10 * SEC + 500000, PS_L3_IPV6, 58, 80), 0);
    add(&t, pkt(11 * SEC, PS_L3_ARP, 0, 60), 0);
    struct ps_packet bad = pkt(11 * SEC + 1, PS_L3_NONE, 0, 30);
    bad.malformed = PS_MAL_LINK_TRUNC;
    add(&t, bad, 0);
    /* ip_proto is only read for IP packets */
    add(&t, pkt(11 * SEC + 2, PS_L3_OTHER, 6, 70), 0);
    traffic_add_drops(&t, 11, 5);
    CHECK_INT(n_got, 0); /* nothing leaves before its slot is needed */
    traffic_flush(&t);
    CHECK_INT(n_got, 2);
    CHECK_INT(t.emitted, 2);
    const struct traffic_bucket *a = &got[0], *b = &got[1];
    CHECK_INT(a->second, 10);
    CHECK_INT(a->packets, 3);
    CHECK_INT(a->bytes, 380);
    CHECK_INT(a->tcp_packets, 1);
    CHECK_INT(a->tcp_bytes, 100);
    CHECK_INT(a->udp_packets, 1);
    CHECK_INT(a->udp_bytes, 200);
    CHECK_INT(a->icmp_packets, 1);
    CHECK_INT(a->icmp_bytes, 80);
    CHECK_INT(a->other_packets, 0);
    CHECK_INT(a->ipv4_packets, 2);
    CHECK_INT(a->ipv6_packets, 1);
    CHECK_INT(a->new_flows, 2);
    CHECK_INT(a->malformed, 0);
    CHECK_INT(b->second, 11);
    CHECK_INT(b->packets, 3);
    CHECK_INT(b->bytes, 160);
    CHECK_INT(b->arp_packets, 1);
    CHECK_INT(b->other_packets, 3);
    CHECK_INT(b->other_bytes, 160);
    CHECK_INT(b->tcp_packets, 0);
    CHECK_INT(b->malformed, 1);
    CHECK_INT(b->drops, 5);
    /* a second flush has nothing left */
    traffic_flush(&t);
    CHECK_INT(n_got, 2);
}

/* The window holds PS_TRAFFIC_WINDOW seconds: second s + WINDOW takes the
 * slot of s, which is emitted then, not at flush. */
static void test_window_wrap(void)
{
    struct traffic t;
    n_got = 0;
    traffic_init(&t, emit, NULL);
    add(&t, pkt(10 * SEC, PS_L3_IPV4, 6, 100), 0);
    add(&t, pkt((10 + PS_TRAFFIC_WINDOW - 1) * SEC, PS_L3_IPV4, 6, 100), 0);
    CHECK_INT(n_got, 0);
    add(&t, pkt((10 + PS_TRAFFIC_WINDOW) * SEC, PS_L3_IPV4, 6, 100), 0);
    CHECK_INT(n_got, 1);
    CHECK_INT(got[0].second, 10);
    CHECK_INT(got[0].packets, 1);
    traffic_flush(&t);
    CHECK_INT(n_got, 3);
    CHECK_INT(got[1].second, 10 + PS_TRAFFIC_WINDOW - 1);
    CHECK_INT(got[2].second, 10 + PS_TRAFFIC_WINDOW);
}

/* Flush emits what is left oldest first, whatever order it arrived in. */
static void test_flush_order(void)
{
    struct traffic t;
    n_got = 0;
    traffic_init(&t, emit, NULL);
    static const int64_t secs[] = {1005, 1003, 1040, 1001, 1003 + PS_TRAFFIC_WINDOW, 1020};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        add(&t, pkt(secs[i] * SEC, PS_L3_IPV4, 17, 10), 0);
    CHECK_INT(n_got, 1); /* 1003 gave its slot to 1067 */
    CHECK_INT(got[0].second, 1003);
    traffic_flush(&t);
    static const int64_t want[] = {1003, 1001, 1005, 1020, 1040, 1003 + PS_TRAFFIC_WINDOW};
    CHECK_INT(n_got, 6);
    for (int i = 0; i < 6 && i < n_got; i++)
        CHECK_INT(got[i].second, want[i]);
}

/* Time going back beyond the window makes a second row for a second; the
 * rows add up to what arrived. */
static void test_time_goes_back(void)
{
    struct traffic t;
    n_got = 0;
    traffic_init(&t, emit, NULL);
    add(&t, pkt(100 * SEC, PS_L3_IPV4, 6, 10), 0);
    add(&t, pkt((100 + PS_TRAFFIC_WINDOW) * SEC, PS_L3_IPV4, 6, 10), 0);
    add(&t, pkt(100 * SEC + 1, PS_L3_IPV4, 6, 10), 0);
    traffic_flush(&t);
    uint64_t at100 = 0, rows100 = 0, total = 0;
    for (int i = 0; i < n_got; i++) {
        total += got[i].packets;
        if (got[i].second == 100) {
            at100 += got[i].packets;
            rows100++;
        }
    }
    CHECK_INT(total, 3);
    CHECK_INT(at100, 2);
    CHECK_INT(rows100, 2);
}

/* Before the epoch the second floors: -1 us is in second -1. */
static void test_negative_time(void)
{
    struct traffic t;
    n_got = 0;
    traffic_init(&t, emit, NULL);
    add(&t, pkt(-1, PS_L3_IPV4, 6, 10), 0);
    add(&t, pkt(-SEC, PS_L3_IPV4, 6, 10), 0);
    add(&t, pkt(-SEC - 1, PS_L3_IPV4, 6, 10), 0);
    add(&t, pkt(0, PS_L3_IPV4, 6, 10), 0);
    traffic_flush(&t);
    CHECK_INT(n_got, 3);
    CHECK_INT(got[0].second, -2);
    CHECK_INT(got[0].packets, 1);
    CHECK_INT(got[1].second, -1);
    CHECK_INT(got[1].packets, 2);
    CHECK_INT(got[2].second, 0);
    /* no emit callback: counted, nothing else */
    traffic_init(&t, NULL, NULL);
    add(&t, pkt(SEC, PS_L3_IPV4, 6, 10), 0);
    traffic_flush(&t);
    CHECK_INT(t.emitted, 1);
}

UNIT_MAIN({
    test_buckets();
    test_window_wrap();
    test_flush_order();
    test_time_goes_back();
    test_negative_time();
})

/* pipeline.c - one capture's packet path: decode, defragment, flows,
 * application events, time buckets, sinks. */
#include "pipeline.h"

#include "app_engine.h"
#include "decode.h"
#include "detect.h"
#include "frag.h"

#include <stdlib.h>
#include <string.h>

struct ps_pipeline {
    struct ps_sink sink;
    uint64_t capture_id;
    struct flow_table *flows;
    struct traffic traffic;
    struct frag_table frags;
    struct app_engine *apps;
    struct detector *det;     /* NULL: detection off */
    struct ps_counters c;
    int64_t last_expire_sec;
    uint64_t frame_no;
};

static void on_flow_end(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct ps_pipeline *p = ctx;
    app_engine_flow_end(p->apps, f);
    if (p->det)
        detector_flow_end(p->det, f);
    if (p->sink.flow)
        p->sink.flow(p->sink.ctx, f, why);
}

static void on_bucket(void *ctx, const struct traffic_bucket *b)
{
    struct ps_pipeline *p = ctx;
    if (p->sink.bucket)
        p->sink.bucket(p->sink.ctx, b);
}

/* Application events pass the detector on their way to the sink. */
static void on_app_event(void *ctx, const struct app_event *ev)
{
    struct ps_pipeline *p = ctx;
    if (p->det)
        detector_event(p->det, ev);
    if (p->sink.event)
        p->sink.event(p->sink.ctx, ev);
}

static void on_alert(void *ctx, const struct ps_alert *a)
{
    struct ps_pipeline *p = ctx;
    if (p->sink.alert)
        p->sink.alert(p->sink.ctx, a);
}

int ps_pipeline_enable_detection(struct ps_pipeline *p, const struct detect_config *cfg)
{
    if (p->det || !cfg->enabled)
        return 0;
    p->det = detector_new(cfg, p->capture_id, on_alert, p);
    return p->det ? 0 : -1;
}

struct detector *ps_pipeline_detector(struct ps_pipeline *p) { return p->det; }

struct ps_pipeline *ps_pipeline_new(const struct flow_config *cfg, const struct ps_sink *sink,
                                    uint64_t capture_id)
{
    struct ps_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sink = *sink;
    p->capture_id = capture_id;
    p->flows = flow_table_new(cfg, on_flow_end, p);
    struct ps_sink apps_sink = *sink;
    apps_sink.ctx = p;
    apps_sink.event = on_app_event;
    p->apps = app_engine_new(&apps_sink, capture_id);
    if (!p->flows || !p->apps) {
        flow_table_free(p->flows);
        app_engine_free(p->apps);
        free(p);
        return NULL;
    }
    traffic_init(&p->traffic, on_bucket, p);
    frag_init(&p->frags);
    p->last_expire_sec = INT64_MIN;
    p->c.linktype = -1;
    return p;
}

void ps_pipeline_finish(struct ps_pipeline *p)
{
    flow_table_flush(p->flows, FLOW_END_EOF);
    traffic_flush(&p->traffic);
    if (p->det)
        detector_flush(p->det);
}

void ps_pipeline_free(struct ps_pipeline *p)
{
    if (!p)
        return;
    memset(&p->sink, 0, sizeof p->sink); /* discard: nothing more reaches the sink */
    app_engine_detach(p->apps);
    flow_table_free(p->flows);
    app_engine_free(p->apps);
    detector_free(p->det);
    free(p);
}

static void count_layers(struct ps_counters *c, const struct ps_packet *pkt)
{
    switch (pkt->l3) {
    case PS_L3_IPV4: c->ipv4++; break;
    case PS_L3_IPV6: c->ipv6++; break;
    case PS_L3_ARP: c->arp++; break;
    default: c->other_l3++; break;
    }
    if (pkt->l3 == PS_L3_IPV4 || pkt->l3 == PS_L3_IPV6) {
        if (pkt->ip_proto == 6)
            c->tcp++;
        else if (pkt->ip_proto == 17)
            c->udp++;
        else if (pkt->ip_proto == 1 || pkt->ip_proto == 58)
            c->icmp++;
        else
            c->other_l4++;
    }
    if (pkt->malformed != PS_MAL_NONE) {
        c->malformed[pkt->malformed]++;
        c->malformed_total++;
    }
    if (pkt->malformed == PS_MAL_LINK_UNKNOWN)
        c->unknown_linktype++;
}

/* ICMP errors count on the flow they quote, besides their own ICMP flow. */
static void tie_icmp_error(struct ps_pipeline *p, const struct ps_packet *pkt)
{
    const struct ps_quoted *q = &pkt->quoted;
    struct ps_packet inner;
    memset(&inner, 0, sizeof inner);
    inner.src = q->src;
    inner.dst = q->dst;
    inner.ip_proto = q->proto;
    inner.sport = q->sport;
    inner.dport = q->dport;
    inner.has_ports = q->has_ports;
    inner.has_icmp = q->has_icmp;
    inner.icmp_type = q->icmp_type;
    inner.vlan = pkt->vlan;
    struct flow *f = flow_table_lookup(p->flows, &inner);
    if (f)
        f->icmp_errors++;
}

/* Returns the flow of an IP packet (NULL for a fragment that does not
 * complete its datagram); *use is the packet the flow accounted. */
static struct flow *flow_of(struct ps_pipeline *p, const struct ps_packet *pkt,
                            const struct ps_hint *h, struct ps_packet *datagram,
                            const struct ps_packet **use, int *dir, int *is_new)
{
    *use = pkt;
    uint32_t frames = 0;
    if (pkt->is_fragment) {
        p->c.fragments++;
        if (!frag_add(&p->frags, pkt, datagram, &frames))
            return NULL;
        *use = datagram;
    }
    if ((*use)->quoted.present)
        tie_icmp_error(p, *use);
    uint64_t before = flow_table_stats(p->flows)->created;
    struct flow *f = h && h->has_flow && *use == pkt
                         ? flow_table_update_with(p->flows, pkt, &h->flow, dir)
                         : flow_table_update(p->flows, *use, dir);
    *is_new = flow_table_stats(p->flows)->created != before;
    if (frames > 1)
        f->frags += frames;
    return f;
}

/* IP packets whose addresses were read; a TCP/UDP/SCTP packet also needs its
 * ports (tshark and Zeek do not count a transport header they cannot read). */
static int flow_eligible(const struct ps_packet *pkt)
{
    if (pkt->src.family == 0 || pkt->l3 == PS_L3_ARP)
        return 0;
    if (pkt->malformed != PS_MAL_NONE && pkt->malformed < PS_MAL_L4_TRUNC)
        return 0;
    int ported = pkt->ip_proto == 6 || pkt->ip_proto == 17 || pkt->ip_proto == 132;
    return !ported || pkt->has_ports || (pkt->is_fragment && !pkt->first_fragment);
}

static void maybe_expire(struct ps_pipeline *p, int64_t ts_us)
{
    /* most packets fall in the second already handled: no division */
    if (ts_us >= 0 && p->last_expire_sec >= 0 && p->last_expire_sec < INT64_MAX / 1000000 - 1 &&
        ts_us < (p->last_expire_sec + 1) * 1000000)
        return;
    int64_t sec = ts_us / 1000000;
    if (sec <= p->last_expire_sec)
        return;
    p->last_expire_sec = sec;
    flow_table_expire(p->flows, ts_us);
}

void ps_pipeline_frame(struct ps_pipeline *p, int dlt, int64_t ts_us, const uint8_t *data,
                       uint32_t caplen, uint32_t wirelen)
{
    struct ps_packet pkt;
    pkt.frame = 0;
    pkt.ts_us = ts_us;
    ps_decode_frame(dlt, data, caplen, wirelen, &pkt);
    ps_pipeline_decoded(p, &pkt, NULL);
}

void ps_pipeline_hint(const struct ps_pipeline *p, const struct ps_packet *pkt, struct ps_hint *h)
{
    h->flood_hash = p->det ? detector_flood_hash(p->det, pkt) : 0;
    h->has_flow = flow_eligible(pkt) && !pkt->is_fragment;
    if (h->has_flow)
        flow_lookup_of(pkt, &h->flow);
}

void ps_pipeline_prefetch(const struct ps_pipeline *p, const struct ps_hint *h)
{
    if (h->has_flow)
        flow_table_prefetch(p->flows, h->flow.hash);
    if (p->det)
        detector_prefetch(p->det, h->flood_hash);
}

void ps_pipeline_decoded(struct ps_pipeline *p, struct ps_packet *pkt, const struct ps_hint *h)
{
    struct ps_packet datagram;
    pkt->frame = ++p->frame_no;
    int64_t ts_us = pkt->ts_us;
    struct ps_counters *c = &p->c;
    c->packets++;
    c->bytes += pkt->wirelen;
    if (c->packets == 1 || ts_us < c->first_us)
        c->first_us = ts_us;
    if (ts_us > c->last_us)
        c->last_us = ts_us;
    count_layers(c, pkt);
    maybe_expire(p, ts_us);

    struct flow *f = NULL;
    const struct ps_packet *use = pkt;
    int dir = 0, is_new = 0;
    if (flow_eligible(pkt))
        f = flow_of(p, pkt, h, &datagram, &use, &dir, &is_new);
    if (p->det) /* the hint is the packet's, not a reassembled datagram's */
        detector_packet_hashed(p->det, use, f, dir, is_new, h && use == pkt ? h->flood_hash : 0);
    if (f)
        app_engine_packet(p->apps, f, use, dir);
    traffic_add(&p->traffic, pkt, is_new);
    if (p->sink.packet)
        p->sink.packet(p->sink.ctx, use, f, dir);
}

const struct ps_counters *ps_pipeline_counters(const struct ps_pipeline *p) { return &p->c; }
void ps_pipeline_set_linktype(struct ps_pipeline *p, int dlt) { p->c.linktype = dlt; }

void ps_pipeline_tick(struct ps_pipeline *p, int64_t now_us)
{
    flow_table_expire(p->flows, now_us);
    /* a second is written once it is 2 s old: late packets of the kernel
     * buffer still land in their own bucket */
    traffic_flush_before(&p->traffic, now_us / 1000000 - 2);
    if (p->det)
        detector_flush(p->det);
}

void ps_pipeline_add_drops(struct ps_pipeline *p, int64_t ts_us, uint64_t drops)
{
    traffic_add_drops(&p->traffic, ts_us / 1000000, drops);
}
struct flow_table *ps_pipeline_flows(struct ps_pipeline *p) { return p->flows; }
uint64_t ps_pipeline_capture_id(const struct ps_pipeline *p) { return p->capture_id; }

/* fuzz_frame.c - ps_decode_frame over every link type we decode, then the
 * same frames through a whole pipeline (fragments, flows, application
 * parsers, buckets) with a sink that reads everything it is handed.
 *
 * Input: byte 0 picks the link type (index into dlts[]); then records of
 * [len lo][len hi][dt] followed by len frame bytes (a short last record
 * takes what is left). dt & 0x7f advances the clock in 0.25 s steps (so idle
 * timeouts fire); dt & 0x80 marks the frame as cut by the snap length
 * (wirelen = len + 100). At most 64 frames per input. seed.sh writes seeds
 * in this format from the shared captures. */
#define FUZZ_TARGET "frame"
#include "fuzz_common.h"

#include "app.h"
#include "app_events.h"
#include "decode.h"
#include "pipeline.h"

static const int dlts[] = {PS_DLT_EN10MB,   PS_DLT_LINUX_SLL,    PS_DLT_LINUX_SLL2,
                           PS_DLT_NULL,     PS_DLT_LOOP,         PS_DLT_RAW,
                           PS_DLT_LINKTYPE_RAW, PS_DLT_IPV4,     PS_DLT_IPV6,
                           PS_DLT_RAW_OPENBSD, 147 /* unsupported: must be refused */};
#define N_DLTS (sizeof dlts / sizeof dlts[0])
#define MAX_FRAMES 64

static void sink_packet(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir)
{
    (void)ctx;
    FUZZ_ASSERT(dir == 0 || dir == 1);
    if (pkt->payload && pkt->payload_len)
        fuzz_sink += pkt->payload[0] + pkt->payload[pkt->payload_len - 1];
    touch(ps_malformed_name(pkt->malformed));
    if (f) {
        touch(flow_conn_state(f));
        FUZZ_ASSERT(f->history_len < sizeof f->history);
    }
}

static void sink_flow(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    (void)ctx;
    (void)why;
    char uid[20];
    struct ps_addr oh, rh;
    uint16_t op, rp;
    flow_uid(1, f->id, uid);
    FUZZ_ASSERT(strlen(uid) == 12);
    flow_endpoints(f, &oh, &op, &rh, &rp);
    touch(flow_conn_state(f));
    touch(flow_proto_name(f->key.proto));
    touch(app_service_name(f->app.proto));
}

static void sink_bucket(void *ctx, const struct traffic_bucket *b)
{
    (void)ctx;
    FUZZ_ASSERT(b->tcp_packets + b->udp_packets + b->icmp_packets + b->other_packets ==
                b->packets);
}

static void sink_event(void *ctx, const struct app_event *ev)
{
    (void)ctx;
    FUZZ_ASSERT(ev->flow != NULL);
    switch (ev->kind) {
    case APP_EV_DNS: {
        const struct ev_dns *d = ev->u.dns;
        touch(d->proto);
        touch(d->query);
        touch(d->qtype_name);
        touch(d->rcode_name);
        FUZZ_ASSERT(d->n_answers >= 0 && d->n_answers <= PS_EV_MAX_ANSWERS);
        for (int i = 0; i < d->n_answers; i++) {
            touch(d->answers[i]);
            fuzz_sink += d->ttls ? d->ttls[i] : 0;
        }
        break;
    }
    case APP_EV_HTTP: {
        const struct ev_http *h = ev->u.http;
        touch(h->method);
        touch(h->host);
        touch(h->uri);
        touch(h->referrer);
        touch(h->version);
        touch(h->user_agent);
        touch(h->status_msg);
        touch(h->mime);
        touch(h->basic_user);
        break;
    }
    case APP_EV_TLS: {
        const struct ev_tls *t = ev->u.tls;
        touch(t->transport);
        touch(t->version);
        touch(t->cipher);
        touch(t->server_name);
        touch(t->ja3);
        touch(t->ja4);
        for (int i = 0; i < t->n_alpn; i++)
            touch(t->alpn[i]);
        break;
    }
    case APP_EV_DHCP:
        touch(ev->u.dhcp->msg_type);
        touch(ev->u.dhcp->host_name);
        break;
    case APP_EV_SSH:
    case APP_EV_LOGIN:
        touch(ev->u.text->what);
        touch(ev->u.text->value);
        break;
    default:
        FUZZ_ASSERT(!"unknown event kind");
    }
}

/* The decoder alone: its contract on one frame in an exact-size buffer. */
static void check_decode(int dlt, const uint8_t *buf, uint32_t len, uint32_t wirelen)
{
    struct ps_packet pkt;
    memset(&pkt, 0, sizeof pkt);
    enum ps_result r = ps_decode_frame(dlt, buf, len, wirelen, &pkt);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT((r == PS_OK) == (pkt.malformed == PS_MAL_NONE));
    FUZZ_ASSERT(pkt.malformed < PS_MAL_KINDS);
    FUZZ_ASSERT(pkt.caplen == len && pkt.wirelen == wirelen);
    FUZZ_ASSERT(pkt.payload_len <= len);
    if (pkt.payload_len)
        FUZZ_ASSERT(pkt.payload >= buf && pkt.payload + pkt.payload_len <= buf + len);
    FUZZ_ASSERT(pkt.n_vlan <= 4);
    FUZZ_ASSERT(pkt.src.family == 0 || pkt.src.family == 4 || pkt.src.family == 6);
    if (!ps_linktype_supported(dlt))
        FUZZ_ASSERT(r == PS_INVALID && pkt.malformed == PS_MAL_LINK_UNKNOWN);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    int dlt = dlts[data[0] % N_DLTS];
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_flows = 64; /* small: eviction is part of what is fuzzed */
    struct ps_sink sink = {.packet = sink_packet, .flow = sink_flow, .bucket = sink_bucket,
                           .event = sink_event};
    struct ps_pipeline *p = ps_pipeline_new(&cfg, &sink, 1);
    if (!p)
        abort();
    int64_t ts = 1700000000LL * 1000000;
    size_t off = 1;
    for (int n = 0; off < size && n < MAX_FRAMES; n++) {
        size_t len = size - off;
        uint8_t dt = 0;
        if (len >= 3) {
            size_t want = (size_t)data[off] | (size_t)data[off + 1] << 8;
            dt = data[off + 2];
            off += 3;
            len = size - off;
            if (want < len)
                len = want;
        } else {
            off += len; /* too short for a record header: ignored */
            break;
        }
        /* exact-size copy: ASan catches a read one byte past the frame */
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
            abort();
        if (len)
            memcpy(buf, data + off, len);
        off += len;
        ts += (int64_t)(dt & 0x7f) * 250000;
        uint32_t wirelen = (uint32_t)len + ((dt & 0x80) ? 100u : 0u);
        check_decode(dlt, buf, (uint32_t)len, wirelen);
        ps_pipeline_frame(p, dlt, ts, buf, (uint32_t)len, wirelen);
        free(buf);
    }
    const struct ps_counters *c = ps_pipeline_counters(p);
    FUZZ_ASSERT(c->ipv4 + c->ipv6 + c->arp + c->other_l3 == c->packets);
    ps_pipeline_finish(p);
    FUZZ_ASSERT(flow_table_count(ps_pipeline_flows(p)) == 0);
    ps_pipeline_free(p);
}

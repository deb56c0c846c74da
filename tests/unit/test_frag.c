/* test_frag.c - IP fragment tracking (RFC 791, RFC 8200 4.5): a datagram
 * completes exactly once, at the frame that covers its last gap, whatever
 * the order and overlap of its fragments; plus the real Zeek trace
 * ipv4/fragmented-4.pcap and a clean 3-fragment capture through the pipeline. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "frag.h"
#include "pipeline.h"
#include "unit.h"

struct fb {
    uint8_t b[2048];
    size_t n;
};

static void put8(struct fb *f, uint8_t v) { f->b[f->n++] = v; }
static void put16(struct fb *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}
static void put32(struct fb *f, uint32_t v)
{
    put16(f, (uint16_t)(v >> 16));
    put16(f, (uint16_t)v);
}
static void putn(struct fb *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static const uint8_t SRC[4] = {128, 32, 46, 142}, DST[4] = {10, 0, 0, 1};

/* Ethernet + IPv4 fragment (id, offset in bytes, MF) carrying data. */
static struct fb ipv4_frag(uint16_t id, uint32_t off, bool mf, const uint8_t *data, size_t len)
{
    struct fb f = {{0}, 0};
    putn(&f, "\x00\x01\x30\x24\x9d\x00\x00\xb0\xd0\xe4\x13\x11\x08\x00", 14);
    put8(&f, 0x45);
    put8(&f, 0x10);
    put16(&f, (uint16_t)(20 + len));
    put16(&f, id);
    put16(&f, (uint16_t)((mf ? 0x2000 : 0) | (off / 8)));
    put8(&f, 255);
    put8(&f, 6);
    put16(&f, 0);
    putn(&f, SRC, 4);
    putn(&f, DST, 4);
    putn(&f, data, len);
    return f;
}

static struct ps_packet decoded(const struct fb *f, uint64_t frame, int64_t ts)
{
    struct ps_packet p;
    p.frame = frame;
    p.ts_us = ts;
    enum ps_result r = ps_decode_frame(PS_DLT_EN10MB, f->b, (uint32_t)f->n, (uint32_t)f->n, &p);
    CHECK_INT(r, PS_OK);
    return p;
}

/* The TCP segment of fragmented-4.pcap: header (7790 -> 80, no flags) and
 * a 69-byte HTTP GET; fragments cover [0,24) [48,72) [72,89) and [24,72). */
static uint8_t segment[89];

static void build_segment(void)
{
    struct fb f = {{0}, 0};
    put16(&f, 7790);
    put16(&f, 80);
    put32(&f, 0x00e08925);
    put32(&f, 0x002d97f2);
    put8(&f, 0x50);
    put8(&f, 0x00);
    put16(&f, 0xffff);
    put32(&f, 0x4f690000);
    const char *http = "GET /msadc/..%2f../..%2f../..%2f../.RKNWUrdooM+WskO2IiALQTI%2f../winnt/s";
    putn(&f, http, 89 - 20);
    memcpy(segment, f.b, 89);
}

struct piece {
    uint32_t lo, hi;
    bool mf;
    uint64_t frame;
};

static const struct piece frag4[4] = {
    {0, 24, true, 2}, {48, 72, true, 3}, {72, 89, false, 4}, {24, 72, true, 5}};

static int feed(struct frag_table *t, const struct piece *pc, int64_t ts, struct ps_packet *out,
                uint32_t *frames)
{
    struct fb f = ipv4_frag(0, pc->lo, pc->mf, segment + pc->lo, pc->hi - pc->lo);
    struct ps_packet p = decoded(&f, pc->frame, ts);
    CHECK(p.is_fragment);
    return frag_add(t, &p, out, frames);
}

static struct frag_table tab;

/* In capture order: 2, 3, 4 wait; 5 fills [24,72) and completes. */
static void test_fragmented4_order(void)
{
    frag_init(&tab);
    struct ps_packet out;
    uint32_t frames = 0;
    int64_t ts = 1020580534846229LL;
    CHECK_INT(feed(&tab, &frag4[0], ts, &out, &frames), 0);
    CHECK_INT(feed(&tab, &frag4[1], ts, &out, &frames), 0);
    CHECK_INT(feed(&tab, &frag4[2], ts, &out, &frames), 0);
    memset(&out, 0, sizeof out);
    CHECK_INT(feed(&tab, &frag4[3], ts + 5, &out, &frames), 1);
    CHECK_INT(frames, 4);
    CHECK_INT(out.frame, 5);
    CHECK_INT(out.ts_us, ts + 5);
    CHECK_INT(out.ip_proto, 6);
    CHECK(out.has_ports);
    CHECK_INT(out.sport, 7790);
    CHECK_INT(out.dport, 80);
    CHECK_INT(out.seq, 0x00e08925);
    CHECK_INT(out.l3_payload, 89);
    CHECK_INT(out.ip_len, 20 + 89);
    CHECK_INT(out.payload_wire, 69); /* tshark tcp.len of frame 5 */
    CHECK_INT(out.wirelen, 14 + 20 + 48);
    CHECK(out.src.family == 4 && memcmp(out.src.b, SRC, 4) == 0);
    CHECK_INT(tab.completed, 1);
    /* late duplicates of the middle fragments do not complete it again */
    CHECK_INT(feed(&tab, &frag4[3], ts + 10, &out, &frames), 0);
    CHECK_INT(feed(&tab, &frag4[1], ts + 11, &out, &frames), 0);
    CHECK_INT(tab.completed, 1);
}

/* All 24 orders: exactly one completion, at the frame that brings the last
 * of [0,24), [72,89) and [24,72) ([48,72) alone is covered by [24,72)). */
static void test_fragmented4_all_orders(void)
{
    int perm[4] = {0, 1, 2, 3};
    int orders = 0, right = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int d = 0; d < 4; d++) {
                    if (a == b || a == c || a == d || b == c || b == d || c == d)
                        continue;
                    perm[0] = a, perm[1] = b, perm[2] = c, perm[3] = d;
                    frag_init(&tab);
                    int completions = 0, at = -1, need = 0, expect_at = -1;
                    struct ps_packet out;
                    uint32_t frames = 0;
                    for (int i = 0; i < 4; i++) {
                        if (perm[i] != 1 && ++need == 3)
                            expect_at = i;
                        memset(&out, 0, sizeof out);
                        if (feed(&tab, &frag4[perm[i]], 1000 + i, &out, &frames)) {
                            completions++;
                            at = i;
                            /* from the first fragment, whenever it came */
                            CHECK_INT(out.sport, 7790);
                            CHECK_INT(out.payload_wire, 69);
                            CHECK_INT(out.frame, frag4[perm[i]].frame);
                        }
                    }
                    orders++;
                    right += completions == 1 && at == expect_at;
                }
    CHECK_INT(orders, 24);
    CHECK_INT(right, 24);
}

/* Clean split (chrissanders ip_frag_source): 0, 1480, 2960. */
static void test_clean_split(void)
{
    static uint8_t data[4000];
    frag_init(&tab);
    struct ps_packet out;
    uint32_t frames;
    /* the ICMP echo header in the first fragment */
    data[0] = 8;
    const uint32_t cuts[] = {0, 1480, 2960, 3980};
    int done = 0;
    for (int i = 0; i < 3; i++) {
        struct fb f = ipv4_frag(77, cuts[i], i < 2, data + cuts[i], cuts[i + 1] - cuts[i]);
        f.b[14 + 9] = 1; /* ICMP */
        struct ps_packet p = decoded(&f, (uint64_t)i + 1, 5000 + i);
        int r = frag_add(&tab, &p, &out, &frames);
        CHECK_INT(r, i == 2);
        done += r;
    }
    CHECK_INT(done, 1);
    CHECK_INT(frames, 3);
    CHECK_INT(out.ip_proto, 1);
    CHECK(out.has_icmp);
    CHECK_INT(out.icmp_type, 8);
    CHECK_INT(out.l3_payload, 3980);
    CHECK_INT(out.ip_len, 4000);
}

/* Fragments of different datagrams (id, source) do not mix; a fragment
 * arriving after the 30 s timeout starts over. */
static void test_separation_and_timeout(void)
{
    frag_init(&tab);
    struct ps_packet out, p;
    uint32_t frames;
    struct fb f = ipv4_frag(1, 0, true, segment, 24);
    p = decoded(&f, 1, 0);
    CHECK_INT(frag_add(&tab, &p, &out, &frames), 0);
    f = ipv4_frag(2, 24, false, segment + 24, 65); /* other id */
    p = decoded(&f, 2, 0);
    CHECK_INT(frag_add(&tab, &p, &out, &frames), 0);
    f = ipv4_frag(1, 24, false, segment + 24, 65);
    f.b[14 + 12] = 129; /* other source */
    p = decoded(&f, 3, 0);
    CHECK_INT(frag_add(&tab, &p, &out, &frames), 0);
    f = ipv4_frag(1, 24, false, segment + 24, 65);
    p = decoded(&f, 4, PS_FRAG_TIMEOUT_US + 1);
    CHECK_INT(frag_add(&tab, &p, &out, &frames), 0); /* too late: starts over */
    CHECK(tab.lost >= 1);
    f = ipv4_frag(1, 0, true, segment, 24);
    p = decoded(&f, 5, PS_FRAG_TIMEOUT_US + 2);
    CHECK_INT(frag_add(&tab, &p, &out, &frames), 1);
    CHECK_INT(frames, 2);
    CHECK_INT(out.frame, 5);
}

/* IPv6: Fragment header (RFC 8200 4.5), optionally followed by a
 * Destination Options header, which is part of the fragmentable part and so
 * travels only in the first fragment. Both fragments name the same Next
 * Header in their Fragment header. */
static struct fb ipv6_frag(uint32_t off, bool m, uint8_t frag_next, const uint8_t *data,
                           size_t len)
{
    static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    struct fb f = {{0}, 0};
    putn(&f, "\x00\x01\x30\x24\x9d\x00\x00\xb0\xd0\xe4\x13\x11\x86\xdd", 14);
    put32(&f, 0x60000000u);
    put16(&f, (uint16_t)(8 + len));
    put8(&f, 44);
    put8(&f, 64);
    putn(&f, s6, 16);
    putn(&f, d6, 16);
    put8(&f, frag_next);
    put8(&f, 0);
    put16(&f, (uint16_t)((off / 8) << 3 | (m ? 1 : 0)));
    put32(&f, 0x01020304);
    putn(&f, data, len);
    return f;
}

static int feed6(uint32_t off, bool m, uint8_t next, const uint8_t *data, size_t len,
                 struct ps_packet *out, uint32_t *frames)
{
    struct fb f = ipv6_frag(off, m, next, data, len);
    struct ps_packet p = decoded(&f, 1, 0);
    CHECK(p.is_fragment);
    return frag_add(&tab, &p, out, frames);
}

static void test_ipv6(void)
{
    uint8_t part[64] = {0};
    struct ps_packet out;
    uint32_t frames;
    /* UDP right after the Fragment header */
    part[0] = 0x13, part[1] = 0x88, part[2] = 0x17, part[3] = 0x70; /* 5000 -> 6000 */
    part[5] = 40;
    frag_init(&tab);
    CHECK_INT(feed6(0, true, 17, part, 24, &out, &frames), 0);
    CHECK_INT(feed6(24, false, 17, part + 24, 16, &out, &frames), 1);
    CHECK_INT(out.ip_proto, 17);
    CHECK_INT(out.sport, 5000);
    CHECK_INT(out.dport, 6000);
    CHECK_INT(out.l3_payload, 40);

    /* Destination Options (8 bytes) + UDP in the first fragment: the
     * fragmentable part is [0,32) + [32,48). */
    uint8_t first[32] = {0};
    first[0] = 17; /* DstOpts -> UDP */
    first[1] = 0;
    memcpy(first + 2, "\x01\x04\x00\x00\x00\x00", 6);
    first[8] = 0x13, first[9] = 0x88, first[10] = 0x17, first[11] = 0x70;
    first[13] = 40;
    frag_init(&tab);
    int a = feed6(0, true, 60, first, 32, &out, &frames);
    int b = feed6(32, false, 60, part, 16, &out, &frames);
    CHECK_INT(a, 0);
    if (b != 1)
        fprintf(stderr, "IPv6 datagram with Destination Options after the Fragment header "
                        "never completes (frag_add returned %d for its last fragment)\n", b);
    CHECK_INT(b, 1);
    CHECK_INT(tab.completed, 1);
}

/* ---- the real traces through the pipeline ---- */

struct seen {
    int packets, with_flow, flows_ended;
    uint64_t frame_with_ports;
    uint16_t sport, dport;
    uint64_t orig_payload, frags;
};

static void on_packet(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir)
{
    struct seen *s = ctx;
    (void)dir;
    s->packets++;
    if (f) {
        s->with_flow++;
        if (pkt->sport == 7790 && !s->frame_with_ports) {
            s->frame_with_ports = pkt->frame;
            s->sport = pkt->sport;
            s->dport = pkt->dport;
        }
    }
}

static void on_flow(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct seen *s = ctx;
    (void)why;
    s->flows_ended++;
    if (f->key.pa == 7790 || f->key.pb == 7790)
        s->orig_payload = f->dir[0].payload_bytes;
    s->frags += f->frags;
}

static int read_shared(const char *name, struct seen *s)
{
    const char *shared = getenv("PS_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/pcaps/%s", shared ? shared : "../shared", name);
    memset(s, 0, sizeof *s);
    struct ps_sink sink = {.ctx = s, .packet = on_packet, .flow = on_flow};
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_flows = 1024;
    struct ps_pipeline *p = ps_pipeline_new(&cfg, &sink, 1);
    /* read with libpcap directly: the test needs frames, not ps_read_file's options */
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        fprintf(stderr, "%s: %s\n", path, err);
    CHECK(pc != NULL);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pc && pcap_next_ex(pc, &h, &data) == 1)
        ps_pipeline_frame(p, pcap_datalink(pc), (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                          data, h->caplen, h->len);
    if (pc)
        pcap_close(pc);
    ps_pipeline_finish(p);
    const struct ps_counters *c = ps_pipeline_counters(p);
    int fragments = (int)c->fragments;
    ps_pipeline_free(p);
    return fragments;
}

static void test_real_traces(void)
{
    struct seen s;
    int fragments = read_shared("zeek__ipv4__fragmented-4.pcap", &s);
    CHECK_INT(s.packets, 6);
    CHECK_INT(fragments, 4);
    CHECK_INT(s.with_flow, 3); /* frame 1, the completing frame 5, frame 6 */
    CHECK_INT(s.frame_with_ports, 5);
    CHECK_INT(s.sport, 7790);
    CHECK_INT(s.dport, 80);
    CHECK_INT(s.flows_ended, 2);
    CHECK_INT(s.orig_payload, 69);
    CHECK_INT(s.frags, 4);

    fragments = read_shared("chrissanders__ip_frag_source.pcapng", &s);
    CHECK_INT(s.packets, 6);
    CHECK_INT(fragments, 6);
    CHECK_INT(s.with_flow, 2); /* one per datagram: request and reply */
    CHECK_INT(s.frags, 6);     /* (request and reply sharing one flow: test_flow) */
}

UNIT_MAIN({
    build_segment();
    test_fragmented4_order();
    test_fragmented4_all_orders();
    test_clean_split();
    test_separation_and_timeout();
    test_ipv6();
    test_real_traces();
})

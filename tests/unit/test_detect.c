/* test_detect.c - the detectors through a real pipeline on frames built
 * here: threshold boundaries (14 vs 15 ports: Zeek's port_scan_threshold),
 * the flood rate window, ARP rebinding, bounded tracker memory under a
 * storm of sources (evictions counted, no growth), alert aggregation, and
 * the settings parser and DNS helpers. End-to-end captures for every
 * detector: tests/integration/test_security.py. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "detect.h"
#include "pipeline.h"
#include "unit.h"

struct seen {
    int n;
    char kind[16][32], key[16][96];
    uint64_t count[16];
    int evidence[16];
};

static void on_alert(void *ctx, const struct ps_alert *a)
{
    struct seen *s = ctx;
    if (s->n >= 16)
        return;
    snprintf(s->kind[s->n], sizeof s->kind[0], "%s", a->kind);
    snprintf(s->key[s->n], sizeof s->key[0], "%s", a->key);
    s->count[s->n] = a->count;
    s->evidence[s->n] = a->n_evidence;
    s->n++;
}

static int find(const struct seen *s, const char *kind, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->kind[i], kind) && (!key || !strcmp(s->key[i], key)))
            return i;
    return -1;
}

static size_t put_ip(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, size_t l4len)
{
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    memcpy(f, eth, 14);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + l4len) >> 8);
    ip[3] = (uint8_t)(20 + l4len);
    ip[8] = 64;
    ip[9] = proto;
    uint32_t s = htonl(src), d = htonl(dst);
    memcpy(ip + 12, &s, 4);
    memcpy(ip + 16, &d, 4);
    return 34;
}

static void tcp_frame(struct ps_pipeline *p, int64_t ts, uint32_t src, uint32_t dst,
                      uint16_t sport, uint16_t dport, uint8_t flags)
{
    uint8_t f[64] = {0};
    size_t o = put_ip(f, src, dst, 6, 20);
    f[o] = (uint8_t)(sport >> 8), f[o + 1] = (uint8_t)sport;
    f[o + 2] = (uint8_t)(dport >> 8), f[o + 3] = (uint8_t)dport;
    f[o + 4] = 0, f[o + 7] = 1;    /* seq 1 */
    f[o + 12] = 0x50;
    f[o + 13] = flags;
    f[o + 14] = 0xff, f[o + 15] = 0xff;
    ps_pipeline_frame(p, 1, ts, f, (uint32_t)(o + 20), (uint32_t)(o + 20));
}

static void arp_reply(struct ps_pipeline *p, int64_t ts, uint32_t ip, uint8_t mac_last)
{
    uint8_t f[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, mac_last, 0x08, 0x06,
                     0, 1, 0x08, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, mac_last};
    uint32_t n = htonl(ip), t = htonl(0x0a000005);
    memcpy(f + 28, &n, 4);
    memcpy(f + 38, &t, 4);
    ps_pipeline_frame(p, 1, ts, f, sizeof f, sizeof f);
}

static struct ps_pipeline *pipeline(struct seen *s, const struct detect_config *dc)
{
    struct flow_config fc;
    flow_config_defaults(&fc);
    fc.max_flows = 65536;
    struct ps_sink sink = {.ctx = s, .alert = on_alert};
    struct ps_pipeline *p = ps_pipeline_new(&fc, &sink, 42);
    CHECK(p && ps_pipeline_enable_detection(p, dc) == 0);
    return p;
}

/* n refused probes (SYN, then RST+ACK) from 10.0.0.66 to ports 1..n of 10.0.0.20. */
static struct seen vertical(int n)
{
    struct seen s = {0};
    struct detect_config dc;
    detect_config_defaults(&dc);
    struct ps_pipeline *p = pipeline(&s, &dc);
    for (int port = 1; port <= n; port++) {
        tcp_frame(p, 1000000 + port * 1000, 0x0a000042, 0x0a000014, 40000, (uint16_t)port, 0x02);
        tcp_frame(p, 1000000 + port * 1000 + 10, 0x0a000014, 0x0a000042, (uint16_t)port, 40000,
                  0x14);
    }
    ps_pipeline_finish(p);
    ps_pipeline_free(p);
    return s;
}

static void scans(void)
{
    struct seen s = vertical(14);
    CHECK(find(&s, "port_scan", NULL) < 0);
    s = vertical(15);
    int i = find(&s, "port_scan", "10.0.0.66>10.0.0.20");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_INT(s.count[i], 1);        /* one finding, not one per probe */
        CHECK(s.evidence[i] >= 1 && s.evidence[i] <= DETECT_MAX_EVIDENCE);
    }
    CHECK(find(&s, "syn_scan", "10.0.0.66") >= 0);
}

static void floods(void)
{
    struct detect_config dc;
    detect_config_defaults(&dc);
    for (int rate = 0; rate < 2; rate++) {
        struct seen s = {0};
        struct ps_pipeline *p = pipeline(&s, &dc);
        int n = rate ? 250 : 150; /* within one second; threshold 200/s */
        for (int k = 0; k < n; k++)
            tcp_frame(p, 5000000 + k * 3000, 0x0b000000 + (uint32_t)k, 0x0a00001e,
                      (uint16_t)(1024 + k), 80, 0x02);
        ps_pipeline_finish(p);
        ps_pipeline_free(p);
        CHECK((find(&s, "syn_flood", "10.0.0.30:80") >= 0) == (rate == 1));
    }
}

static void arp_rebinding(void)
{
    struct seen s = {0};
    struct detect_config dc;
    detect_config_defaults(&dc);
    struct ps_pipeline *p = pipeline(&s, &dc);
    arp_reply(p, 1000000, 0x0a000001, 0x11);
    arp_reply(p, 2000000, 0x0a000001, 0x11); /* same binding again: fine */
    ps_pipeline_tick(p, 2500000);
    CHECK_INT(s.n, 0);
    arp_reply(p, 3000000, 0x0a000001, 0x22);
    ps_pipeline_finish(p);
    ps_pipeline_free(p);
    CHECK(find(&s, "arp_mac_change", "10.0.0.1") >= 0);
}

/* 200k distinct sources each probing one port: the tracker table stays at
 * its configured size and counts what it evicted. */
static void bounded(void)
{
    struct seen s = {0};
    struct detect_config dc;
    detect_config_defaults(&dc);
    dc.max_trackers = 1024;
    struct ps_pipeline *p = pipeline(&s, &dc);
    for (uint32_t k = 0; k < 200000; k++)
        tcp_frame(p, 1000000 + (int64_t)k, 0x0c000000 + k, 0x0a000014, 1000, 80, 0x01 /* FIN */);
    struct detect_stats st;
    detector_get_stats(ps_pipeline_detector(p), &st);
    CHECK(st.tracker_evictions > 190000);
    CHECK_INT(s.n, 0); /* one probe each: no scanner */
    ps_pipeline_free(p);
}

static void settings(void)
{
    struct detect_config c;
    detect_config_defaults(&c);
    CHECK_INT(c.port_scan_ports, 15);
    CHECK_INT(c.addr_scan_hosts, 25);
    CHECK_INT(c.syn_flood_pps, 200);
    CHECK_INT(detect_config_set(&c, "detect-port-scan-ports", "20"), 0);
    CHECK_INT(c.port_scan_ports, 20);
    CHECK_INT(detect_config_set(&c, "detect-port-scan-window", "60"), 0);
    CHECK_INT(c.port_scan_window_us, 60000000);
    CHECK_INT(detect_config_set(&c, "detect-dns-entropy-bits", "3.5"), 0);
    CHECK(c.dns_entropy_bits == 3.5);
    CHECK_INT(detect_config_set(&c, "detect-arp", "off"), 0);
    CHECK(!c.arp_checks);
    CHECK_INT(detect_config_set(&c, "detect-port-scan-ports", "1"), -1);
    CHECK_INT(detect_config_set(&c, "detect-port-scan-ports", "2.5"), -1);
    CHECK_INT(detect_config_set(&c, "detect-arp", "maybe"), -1);
    CHECK_INT(detect_config_set(&c, "detect-nonsense", "1"), -2);
}

static void dns_helpers(void)
{
    CHECK_STR(dns_registered_domain("a.b.example.com"), "example.com");
    CHECK_STR(dns_registered_domain("www.bbc.co.uk"), "bbc.co.uk");
    CHECK_STR(dns_registered_domain("x.y.tunnel.example"), "tunnel.example");
    CHECK_STR(dns_registered_domain("localhost"), "localhost");
    CHECK(dns_label_entropy("aaaaaaaa", 8) == 0);
    CHECK(dns_label_entropy("abcdefgh", 8) == 3.0);
    CHECK(dns_label_entropy("mail", 4) < 2.01);
    const char *b32 = "7lnqtikmqqln2p3ixuwd3aonztat4mbvxsluk4dn";
    CHECK(dns_label_entropy(b32, strlen(b32)) > 4.0);
    const char *words = "downloadcentralmirrorsite";
    CHECK(dns_label_entropy(words, strlen(words)) < 4.0);
}

UNIT_MAIN({
    scans();
    floods();
    arp_rebinding();
    bounded();
    settings();
    dns_helpers();
})

/* test_flow.c - the flow table driven by synthetic packets: Zeek conn_state
 * and history (Zeek base/protocols/conn/main.zeek), direction, sequence
 * accounting, port reuse, idle expiry, the bounded table, uids. */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "unit.h"

#define SEC 1000000LL

/* ---- synthetic packets ---- */

static struct ps_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct ps_addr x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    x.b[0] = a;
    x.b[1] = b;
    x.b[2] = c;
    x.b[3] = d;
    return x;
}

static struct ps_addr CLI, SRV;

static struct ps_packet tcp(int64_t ts, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                            uint32_t len)
{
    struct ps_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = ts;
    p.l3 = PS_L3_IPV4;
    p.ethertype = 0x0800;
    p.src = from_client ? CLI : SRV;
    p.dst = from_client ? SRV : CLI;
    p.sport = from_client ? 40000 : 80;
    p.dport = from_client ? 80 : 40000;
    p.ip_proto = 6;
    p.has_ports = true;
    p.first_fragment = true;
    p.tcp_flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.payload_len = p.payload_wire = len;
    p.ip_len = 40 + len;
    p.l3_payload = 20 + len;
    p.caplen = p.wirelen = 54 + len;
    return p;
}

static struct ps_packet udp(int64_t ts, int from_client, uint16_t cport, uint16_t sport,
                            uint32_t len)
{
    struct ps_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = ts;
    p.l3 = PS_L3_IPV4;
    p.src = from_client ? CLI : SRV;
    p.dst = from_client ? SRV : CLI;
    p.sport = from_client ? cport : sport;
    p.dport = from_client ? sport : cport;
    p.ip_proto = 17;
    p.has_ports = true;
    p.first_fragment = true;
    p.payload_len = p.payload_wire = len;
    p.ip_len = 28 + len;
    p.caplen = p.wirelen = 42 + len;
    return p;
}

/* ---- end callback: what each ended flow looked like ---- */

struct ended {
    enum flow_end_reason why;
    char conn_state[8];
    char history[24];
    uint64_t id;
    uint64_t pkts[2];
};

static struct ended ends[256];
static int n_ends;

static void on_end(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    (void)ctx;
    if (n_ends >= (int)(sizeof ends / sizeof ends[0]))
        return;
    struct ended *e = &ends[n_ends++];
    e->why = why;
    snprintf(e->conn_state, sizeof e->conn_state, "%s", flow_conn_state(f));
    snprintf(e->history, sizeof e->history, "%.*s", (int)f->history_len, f->history);
    e->id = f->id;
    e->pkts[0] = f->dir[0].pkts;
    e->pkts[1] = f->dir[1].pkts;
}

static struct flow_table *table(uint32_t max_flows)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_flows = max_flows;
    n_ends = 0;
    struct flow_table *t = flow_table_new(&cfg, on_end, NULL);
    CHECK(t != NULL);
    if (!t)
        exit(1);
    return t;
}

static struct flow *feed(struct flow_table *t, struct ps_packet p, int want_dir)
{
    int dir = -1;
    struct flow *f = flow_table_update(t, &p, &dir);
    CHECK(f != NULL);
    CHECK_INT(dir, want_dir);
    return f;
}

static const char *history(const struct flow *f)
{
    static char h[24];
    snprintf(h, sizeof h, "%.*s", (int)f->history_len, f->history);
    return h;
}

/* SYN, SYN-ACK, ACK, data both ways, FIN both ways: Zeek's textbook "SF". */
static void test_full_connection(void)
{
    struct flow_table *t = table(1024);
    int64_t ts = 1000 * SEC;
    struct flow *f = feed(t, tcp(ts, 1, PS_TH_SYN, 100, 0, 0), 0);
    feed(t, tcp(ts + 1000, 0, PS_TH_SYN | PS_TH_ACK, 500, 101, 0), 1);
    feed(t, tcp(ts + 2000, 1, PS_TH_ACK, 101, 501, 0), 0);
    feed(t, tcp(ts + 3000, 1, PS_TH_PSH | PS_TH_ACK, 101, 501, 10), 0);
    feed(t, tcp(ts + 4000, 0, PS_TH_ACK, 501, 111, 0), 1);
    feed(t, tcp(ts + 5000, 0, PS_TH_PSH | PS_TH_ACK, 501, 111, 20), 1);
    feed(t, tcp(ts + 6000, 1, PS_TH_FIN | PS_TH_ACK, 111, 521, 0), 0);
    feed(t, tcp(ts + 7000, 0, PS_TH_FIN | PS_TH_ACK, 521, 112, 0), 1);
    struct flow *g = feed(t, tcp(ts + 8000, 1, PS_TH_ACK, 112, 522, 0), 0);
    CHECK(f == g);
    CHECK_STR(flow_conn_state(f), "SF");
    CHECK_STR(history(f), "ShADadFf");
    CHECK_INT(f->dir[0].pkts, 5);
    CHECK_INT(f->dir[1].pkts, 4);
    CHECK_INT(f->dir[0].payload_bytes, 10);
    CHECK_INT(f->dir[1].payload_bytes, 20);
    CHECK_INT(f->dir[0].ip_bytes, 5 * 40 + 10);
    CHECK_INT(f->dir[1].l2_bytes, 4 * 54 + 20);
    CHECK_INT(f->dir[0].retrans, 0);
    CHECK_INT(f->first_us, ts);
    CHECK_INT(f->last_us, ts + 8000);
    CHECK_INT(f->syn_us, ts);
    CHECK_INT(f->synack_us, ts + 1000);
    CHECK_INT(f->ack_us, ts + 2000);
    struct ps_addr oh, rh;
    uint16_t op, rp;
    flow_endpoints(f, &oh, &op, &rh, &rp);
    CHECK(memcmp(&oh, &CLI, sizeof oh) == 0);
    CHECK(memcmp(&rh, &SRV, sizeof rh) == 0);
    CHECK_INT(op, 40000);
    CHECK_INT(rp, 80);
    CHECK_STR(flow_proto_name(f->key.proto), "tcp");
    CHECK_INT(flow_table_count(t), 1);
    CHECK(flow_table_find(t, &SRV, &CLI, 6, 80, 40000, 0) == f); /* either direction */
    CHECK(flow_table_find(t, &CLI, &SRV, 6, 40000, 80, 0) == f);
    CHECK(flow_table_find(t, &CLI, &SRV, 6, 40000, 81, 0) == NULL);
    CHECK(flow_table_find(t, &CLI, &SRV, 6, 40000, 80, 5) == NULL); /* other VLAN */
    flow_table_free(t);
    CHECK_INT(n_ends, 1);
    CHECK_INT(ends[0].why, FLOW_END_EOF);
    CHECK_STR(ends[0].conn_state, "SF");
}

static void test_syn_only(void)
{
    struct flow_table *t = table(1024);
    struct flow *f = feed(t, tcp(SEC, 1, PS_TH_SYN, 7, 0, 0), 0);
    CHECK_STR(flow_conn_state(f), "S0");
    CHECK_STR(history(f), "S");
    /* the SYN retransmitted: still S0, one flow */
    struct flow *g = feed(t, tcp(2 * SEC, 1, PS_TH_SYN, 7, 0, 0), 0);
    CHECK(f == g);
    CHECK_STR(flow_conn_state(f), "S0");
    CHECK_INT(f->dir[0].pkts, 2);
    flow_table_free(t);
}

static void test_rejected(void)
{
    struct flow_table *t = table(1024);
    struct flow *f = feed(t, tcp(SEC, 1, PS_TH_SYN, 7, 0, 0), 0);
    feed(t, tcp(SEC + 10, 0, PS_TH_RST | PS_TH_ACK, 0, 8, 0), 1);
    CHECK_STR(flow_conn_state(f), "REJ");
    CHECK_STR(history(f), "Sr");
    flow_table_free(t);
}

/* The SYN was missed: the SYN-ACK's receiver is the originator. */
static void test_synack_first(void)
{
    struct flow_table *t = table(1024);
    struct flow *f = feed(t, tcp(SEC, 0, PS_TH_SYN | PS_TH_ACK, 500, 101, 0), 1);
    feed(t, tcp(SEC + 10, 1, PS_TH_ACK, 101, 501, 0), 0);
    CHECK(f->history_len > 0 && f->history[0] == '^');
    CHECK_STR(history(f), "^hA");
    CHECK(f->flipped);
    struct ps_addr oh, rh;
    uint16_t op, rp;
    flow_endpoints(f, &oh, &op, &rh, &rp);
    CHECK(memcmp(&oh, &CLI, sizeof oh) == 0);
    CHECK_INT(op, 40000);
    CHECK_INT(rp, 80);
    CHECK_INT(f->dir[0].pkts, 1);
    CHECK_INT(f->dir[1].pkts, 1);
    flow_table_free(t);
}

static void test_udp(void)
{
    struct flow_table *t = table(1024);
    struct flow *f = feed(t, udp(SEC, 1, 40001, 53, 30), 0);
    CHECK_STR(flow_conn_state(f), "S0");
    CHECK_STR(history(f), "D");
    struct flow *g = feed(t, udp(2 * SEC, 1, 40002, 53, 30), 0);
    CHECK(g != f);
    feed(t, udp(2 * SEC + 500, 0, 40002, 53, 90), 1);
    CHECK_STR(flow_conn_state(g), "SF");
    CHECK_STR(history(g), "Dd");
    CHECK_INT(g->dir[0].payload_bytes, 30);
    CHECK_INT(g->dir[1].payload_bytes, 90);
    CHECK_STR(flow_proto_name(17), "udp");
    /* a reply seen first (server port to client port): the client originates */
    struct flow *h = feed(t, udp(3 * SEC, 0, 40003, 53, 50), 1);
    CHECK_STR(flow_conn_state(h), "SHR");
    CHECK_INT(flow_table_count(t), 3);
    flow_table_free(t);
}

static struct ps_packet icmp(int64_t ts, int from_client, int v6, uint8_t type)
{
    struct ps_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = ts;
    p.l3 = v6 ? PS_L3_IPV6 : PS_L3_IPV4;
    p.src = from_client ? CLI : SRV;
    p.dst = from_client ? SRV : CLI;
    if (v6) {
        p.src.family = p.dst.family = 6;
        p.src.b[0] = p.dst.b[0] = 0x20; /* 20xx:: addresses, same order as v4 */
    }
    p.ip_proto = v6 ? 58 : 1;
    p.has_icmp = true;
    p.icmp_type = type;
    p.first_fragment = true;
    p.payload_len = p.payload_wire = 56;
    p.ip_len = 84;
    p.caplen = p.wirelen = 98;
    return p;
}

/* Echo request and its reply are one flow (Zeek: orig_p = request type,
 * resp_p = reply type; Community ID's ICMP ports), whichever address sorts
 * first. */
static void test_icmp_echo(void)
{
    static const struct { int v6, client_first; uint8_t req, rep; } cases[] = {
        {0, 1, 8, 0}, {0, 0, 8, 0}, {1, 1, 128, 129}, {1, 0, 128, 129}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct flow_table *t = table(64);
        /* client_first: the requester has the lower address */
        struct ps_addr save_c = CLI, save_s = SRV;
        if (!cases[i].client_first) {
            CLI = save_s;
            SRV = save_c;
        }
        struct flow *f = feed(t, icmp(SEC, 1, cases[i].v6, cases[i].req), 0);
        int dir = -1;
        struct ps_packet rep = icmp(SEC + 100, 0, cases[i].v6, cases[i].rep);
        struct flow *g = flow_table_update(t, &rep, &dir);
        if (f != g)
            fprintf(stderr, "ICMP%s echo: request and reply in %zu different flows\n",
                    cases[i].v6 ? "v6" : "", flow_table_count(t));
        CHECK(f == g);
        if (f == g) { /* the rest only means something for one flow */
            CHECK_INT(dir, 1);
            CHECK_INT(flow_table_count(t), 1);
            CHECK_INT(g->dir[0].pkts, 1);
            CHECK_INT(g->dir[1].pkts, 1);
            struct ps_addr oh, rh;
            uint16_t op, rp;
            flow_endpoints(g, &oh, &op, &rh, &rp);
            CHECK(memcmp(&oh, &rep.dst, sizeof oh) == 0);
            CHECK_INT(op, cases[i].req);
            CHECK_INT(rp, cases[i].rep);
        }
        CLI = save_c;
        SRV = save_s;
        flow_table_free(t);
    }
}

static void test_retransmission(void)
{
    struct flow_table *t = table(1024);
    struct flow *f = feed(t, tcp(SEC, 1, PS_TH_SYN, 100, 0, 0), 0);
    feed(t, tcp(SEC + 1, 0, PS_TH_SYN | PS_TH_ACK, 500, 101, 0), 1);
    feed(t, tcp(SEC + 2, 1, PS_TH_ACK, 101, 501, 0), 0);
    feed(t, tcp(SEC + 3, 1, PS_TH_PSH | PS_TH_ACK, 101, 501, 100), 0);
    CHECK_INT(f->dir[0].retrans, 0);
    CHECK(!f->last_retrans);
    feed(t, tcp(SEC + 400000, 1, PS_TH_PSH | PS_TH_ACK, 101, 501, 100), 0);
    CHECK_INT(f->dir[0].retrans, 1);
    CHECK(f->last_retrans);
    CHECK(strchr(history(f), 'T') != NULL);
    CHECK_INT(f->dir[0].payload_bytes, 100); /* counted once */
    /* the next new segment is not a retransmission; one past a gap is out of order */
    feed(t, tcp(SEC + 400001, 1, PS_TH_PSH | PS_TH_ACK, 201, 501, 50), 0);
    CHECK(!f->last_retrans);
    feed(t, tcp(SEC + 400002, 1, PS_TH_PSH | PS_TH_ACK, 351, 501, 50), 0);
    CHECK_INT(f->dir[0].ooo, 1);
    CHECK_INT(f->dir[0].retrans, 1);
    CHECK_INT(f->dir[0].payload_bytes, 300);
    flow_table_free(t);
}

/* A new SYN on a closed connection's 5-tuple is a new connection. */
static void test_port_reuse(void)
{
    struct flow_table *t = table(1024);
    int64_t ts = 10 * SEC;
    struct flow *f = feed(t, tcp(ts, 1, PS_TH_SYN, 100, 0, 0), 0);
    feed(t, tcp(ts + 1, 0, PS_TH_SYN | PS_TH_ACK, 500, 101, 0), 1);
    feed(t, tcp(ts + 2, 1, PS_TH_ACK, 101, 501, 0), 0);
    feed(t, tcp(ts + 3, 1, PS_TH_FIN | PS_TH_ACK, 101, 501, 0), 0);
    feed(t, tcp(ts + 4, 0, PS_TH_FIN | PS_TH_ACK, 501, 102, 0), 1);
    feed(t, tcp(ts + 5, 1, PS_TH_ACK, 102, 502, 0), 0);
    uint64_t first_id = f->id;
    CHECK_INT(n_ends, 0);
    struct flow *g = feed(t, tcp(ts + SEC, 1, PS_TH_SYN, 90000, 0, 0), 0);
    CHECK_INT(n_ends, 1);
    CHECK_INT(ends[0].why, FLOW_END_REUSE);
    CHECK_STR(ends[0].conn_state, "SF");
    CHECK_INT(ends[0].id, first_id);
    CHECK(g->id != first_id);
    CHECK_STR(history(g), "S");
    CHECK_INT(g->dir[0].pkts, 1);
    CHECK_INT(g->first_us, ts + SEC);
    CHECK_INT(flow_table_count(t), 1);
    CHECK_INT(flow_table_stats(t)->reused, 1);
    CHECK_INT(flow_table_stats(t)->created, 2);
    /* after a RST, too */
    feed(t, tcp(ts + SEC + 1, 0, PS_TH_RST | PS_TH_ACK, 0, 90001, 0), 1);
    feed(t, tcp(ts + SEC + 2, 1, PS_TH_SYN, 91000, 0, 0), 0);
    CHECK_INT(n_ends, 2);
    CHECK_INT(ends[1].why, FLOW_END_REUSE);
    CHECK_STR(ends[1].conn_state, "REJ");
    flow_table_free(t);
}

static void test_idle_expiry(void)
{
    struct flow_table *t = table(1024);
    struct flow *u = feed(t, udp(100 * SEC, 1, 40010, 53, 10), 0);
    (void)u;
    feed(t, tcp(100 * SEC, 1, PS_TH_SYN, 1, 0, 0), 0);
    flow_table_expire(t, 130 * SEC);
    CHECK_INT(n_ends, 0);
    CHECK_INT(flow_table_count(t), 2);
    flow_table_expire(t, 161 * SEC); /* UDP idle 60 s passed, TCP 300 s not */
    CHECK_INT(n_ends, 1);
    CHECK_INT(ends[0].why, FLOW_END_IDLE);
    CHECK_INT(ends[0].pkts[0], 1);
    CHECK_INT(flow_table_count(t), 1);
    flow_table_expire(t, 401 * SEC);
    CHECK_INT(n_ends, 2);
    CHECK_INT(ends[1].why, FLOW_END_IDLE);
    CHECK_STR(ends[1].conn_state, "S0");
    CHECK_INT(flow_table_count(t), 0);
    CHECK_INT(flow_table_stats(t)->ended, 2);
    /* a packet after the idle limit without expire() in between: a new flow */
    struct flow *a = feed(t, udp(500 * SEC, 1, 40011, 53, 10), 0);
    uint64_t id = a->id;
    struct flow *b = feed(t, udp(600 * SEC, 1, 40011, 53, 10), 0);
    CHECK(b->id != id);
    CHECK_INT(n_ends, 3);
    CHECK_INT(ends[2].why, FLOW_END_IDLE);
    flow_table_free(t);
}

/* A flow longer than active_us is exported and restarted. */
static void test_active_timeout(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_flows = 64;
    cfg.active_us = 10 * SEC;
    n_ends = 0;
    struct flow_table *t = flow_table_new(&cfg, on_end, NULL);
    for (int i = 0; i <= 12; i++)
        feed(t, udp(i * SEC, 1, 40020, 123, 48), 0);
    CHECK_INT(n_ends, 1);
    CHECK_INT(ends[0].why, FLOW_END_ACTIVE);
    CHECK_INT(ends[0].pkts[0], 11);
    CHECK_INT(flow_table_stats(t)->active_restarts, 1);
    flow_table_free(t);
}

/* A flow that goes quiet is still exported at its active timeout by the
 * clock (flow_table_expire), long before its idle limit. */
static void test_active_timeout_quiet(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_flows = 64;
    cfg.active_us = 10 * SEC;
    n_ends = 0;
    struct flow_table *t = flow_table_new(&cfg, on_end, NULL);
    for (int i = 0; i <= 3; i++)
        feed(t, udp(i * SEC, 1, 40021, 123, 48), 0);
    flow_table_expire(t, 9 * SEC);
    CHECK_INT(n_ends, 0);
    flow_table_expire(t, 11 * SEC); /* 11 s old, quiet for 8 s: UDP idle is 60 s */
    CHECK_INT(n_ends, 1);
    CHECK_INT(ends[0].why, FLOW_END_ACTIVE);
    CHECK_INT(ends[0].pkts[0], 4);
    CHECK_INT(flow_table_count(t), 0);
    CHECK_INT(flow_table_stats(t)->active_restarts, 1);
    flow_table_free(t);
}

/* 100 distinct flows through a 16-flow table: eviction, never more than 16. */
static void test_eviction(void)
{
    struct flow_table *t = table(16);
    int max_seen = 0, over = 0;
    for (int i = 0; i < 100; i++) {
        struct ps_packet p = udp((int64_t)(i + 1) * 1000, 1, (uint16_t)(20000 + i), 53, 20);
        int dir;
        flow_table_update(t, &p, &dir);
        int n = (int)flow_table_count(t);
        max_seen = n > max_seen ? n : max_seen;
        over += n > 16;
    }
    const struct flow_stats *st = flow_table_stats(t);
    CHECK_INT(over, 0);
    CHECK_INT(max_seen, 16);
    CHECK(st->evicted > 0);
    CHECK_INT(st->evicted, 84);
    CHECK_INT(st->created, 100);
    CHECK_INT(st->peak, 16);
    CHECK_INT(n_ends, 84);
    int evict_reason = 0;
    for (int i = 0; i < n_ends; i++)
        evict_reason += ends[i].why == FLOW_END_EVICT;
    CHECK_INT(evict_reason, 84);
    /* the least recently used went first: the newest 16 are still there */
    CHECK(flow_table_find(t, &CLI, &SRV, 17, 20099, 53, 0) != NULL);
    CHECK(flow_table_find(t, &CLI, &SRV, 17, 20084, 53, 0) != NULL);
    CHECK(flow_table_find(t, &CLI, &SRV, 17, 20083, 53, 0) == NULL);
    CHECK(flow_table_memory(t) > 16 * sizeof(struct flow));
    flow_table_free(t);
    CHECK_INT(n_ends, 100);
}

/* Many flows and removals through a large table: the index grows and stays
 * consistent (every live flow found, every ended one gone). */
static void test_index_churn(void)
{
    struct flow_table *t = table(20000);
    for (int i = 0; i < 20000; i++) {
        struct ps_addr a = v4(10, (uint8_t)(i >> 8), (uint8_t)i, 1);
        struct ps_packet p = udp(SEC, 1, 1000, 53, 1);
        p.src = a;
        int dir;
        flow_table_update(t, &p, &dir);
    }
    CHECK_INT(flow_table_count(t), 20000);
    CHECK_INT(flow_table_stats(t)->evicted, 0);
    int missing = 0;
    for (int i = 0; i < 20000; i++) {
        struct ps_addr a = v4(10, (uint8_t)(i >> 8), (uint8_t)i, 1);
        missing += flow_table_find(t, &a, &SRV, 17, 1000, 53, 0) == NULL;
    }
    CHECK_INT(missing, 0);
    flow_table_expire(t, 100 * SEC);
    CHECK_INT(flow_table_count(t), 0);
    int found = 0;
    for (int i = 0; i < 20000; i++) {
        struct ps_addr a = v4(10, (uint8_t)(i >> 8), (uint8_t)i, 1);
        found += flow_table_find(t, &a, &SRV, 17, 1000, 53, 0) != NULL;
    }
    CHECK_INT(found, 0);
    flow_table_free(t);
}

static int cmp_uid(const void *a, const void *b) { return strcmp(a, b); }

static void test_uid(void)
{
    char a[20], b[20], c[20], d[20], e[20];
    flow_uid(1, 1, a);
    flow_uid(1, 2, b);
    flow_uid(2, 1, c);
    flow_uid(0, 1, d);
    flow_uid(1, 1, e);
    CHECK_STR(a, e); /* deterministic */
    CHECK(strcmp(a, b) != 0);
    CHECK(strcmp(a, c) != 0);
    CHECK(strcmp(a, d) != 0);
    CHECK(strcmp(b, c) != 0);
    const char *all[] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        CHECK_INT(strlen(all[i]), 12);
        CHECK(all[i][0] == 'C');
        int alnum = 1;
        for (int k = 1; k < 12; k++)
            alnum &= (all[i][k] >= '0' && all[i][k] <= '9') ||
                     (all[i][k] >= 'A' && all[i][k] <= 'Z') ||
                     (all[i][k] >= 'a' && all[i][k] <= 'z');
        CHECK(alnum);
    }
    /* no collision among a few thousand neighbours */
    static char seen[4096][13];
    int n = 0;
    for (uint64_t cap = 1; cap <= 4; cap++)
        for (uint64_t id = 1; id <= 1024; id++) {
            char u[20];
            flow_uid(cap, id, u);
            memcpy(seen[n++], u, 13);
        }
    int dup = 0;
    qsort(seen, (size_t)n, 13, cmp_uid);
    for (int i = 1; i < n; i++)
        dup += strcmp(seen[i - 1], seen[i]) == 0;
    CHECK_INT(dup, 0);
}

UNIT_MAIN({
    CLI = v4(192, 168, 1, 10);
    SRV = v4(93, 184, 216, 34);
    test_full_connection();
    test_syn_only();
    test_rejected();
    test_synack_first();
    test_udp();
    test_icmp_echo();
    test_retransmission();
    test_port_reuse();
    test_idle_expiry();
    test_active_timeout();
    test_active_timeout_quiet();
    test_eviction();
    test_index_churn();
    test_uid();
})

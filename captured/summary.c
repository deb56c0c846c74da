/* summary.c - totals, protocol mix and top talkers without a database. */
#include "summary.h"

#include "app.h"
#include "app_events.h"
#include "copybuf.h"
#include "decode.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define HOST_CAP (1u << 22) /* hosts tracked; beyond this they are counted only */
#define TOP_N 10

struct host {
    struct ps_addr addr;
    uint64_t bytes, packets, flows;
};

struct summary {
    struct host *hosts;
    uint32_t mask, n_hosts;
    uint64_t hosts_dropped;
    uint64_t flows;
    uint64_t service_flows[PS_APP_COUNT], service_bytes[PS_APP_COUNT];
    uint64_t conn_state_flows[16];
    uint64_t events[8];
};

struct summary *summary_new(void)
{
    struct summary *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mask = 4095;
    s->hosts = calloc(s->mask + 1, sizeof *s->hosts);
    if (!s->hosts) {
        free(s);
        return NULL;
    }
    return s;
}

void summary_free(struct summary *s)
{
    if (!s)
        return;
    free(s->hosts);
    free(s);
}

static uint32_t addr_hash(const struct ps_addr *a)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->b[i]) * 16777619u;
    return h ^ a->family;
}

static int grow(struct summary *s)
{
    uint32_t nmask = s->mask * 2 + 1;
    struct host *n = calloc((size_t)nmask + 1, sizeof *n);
    if (!n)
        return -1;
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (!s->hosts[i].addr.family)
            continue;
        uint32_t j = addr_hash(&s->hosts[i].addr) & nmask;
        while (n[j].addr.family)
            j = (j + 1) & nmask;
        n[j] = s->hosts[i];
    }
    free(s->hosts);
    s->hosts = n;
    s->mask = nmask;
    return 0;
}

static struct host *host_get(struct summary *s, const struct ps_addr *a)
{
    uint32_t i = addr_hash(a) & s->mask;
    while (s->hosts[i].addr.family) {
        if (memcmp(&s->hosts[i].addr, a, sizeof *a) == 0)
            return &s->hosts[i];
        i = (i + 1) & s->mask;
    }
    if (s->n_hosts >= HOST_CAP) {
        s->hosts_dropped++;
        return NULL;
    }
    if ((s->n_hosts + 1) * 2 > s->mask && grow(s) == 0)
        return host_get(s, a);
    s->hosts[i].addr = *a;
    s->n_hosts++;
    return &s->hosts[i];
}

static void on_flow(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct summary *s = ctx;
    (void)why;
    uint64_t bytes = f->dir[0].l2_bytes + f->dir[1].l2_bytes;
    uint64_t pkts = f->dir[0].pkts + f->dir[1].pkts;
    s->flows++;
    s->service_flows[f->app.proto]++;
    s->service_bytes[f->app.proto] += bytes;
    struct ps_addr a = {.family = f->key.family}, b = {.family = f->key.family};
    memcpy(a.b, f->key.a, 16);
    memcpy(b.b, f->key.b, 16);
    struct host *h;
    if ((h = host_get(s, &a))) {
        h->bytes += bytes;
        h->packets += pkts;
        h->flows++;
    }
    if ((h = host_get(s, &b))) {
        h->bytes += bytes;
        h->packets += pkts;
        h->flows++;
    }
}

static void on_event(void *ctx, const struct app_event *ev)
{
    struct summary *s = ctx;
    if ((unsigned)ev->kind < 8)
        s->events[ev->kind]++;
}

struct ps_sink summary_sink(struct summary *s)
{
    struct ps_sink k = {.ctx = s, .flow = on_flow, .event = on_event};
    return k;
}

static int by_bytes(const void *x, const void *y)
{
    const struct host *a = x, *b = y;
    return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : 0;
}

static json_t *top_talkers(const struct summary *s)
{
    struct host top[TOP_N];
    int n = 0;
    for (uint32_t i = 0; i <= s->mask; i++) {
        const struct host *h = &s->hosts[i];
        if (!h->addr.family)
            continue;
        if (n < TOP_N) {
            top[n++] = *h;
            qsort(top, (size_t)n, sizeof top[0], by_bytes);
        } else if (h->bytes > top[TOP_N - 1].bytes) {
            top[TOP_N - 1] = *h;
            qsort(top, TOP_N, sizeof top[0], by_bytes);
        }
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char ip[64];
        ps_addr_format(&top[i].addr, ip, sizeof ip);
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}", "host", ip, "bytes",
                                             (json_int_t)top[i].bytes, "packets",
                                             (json_int_t)top[i].packets, "flows",
                                             (json_int_t)top[i].flows));
    }
    return arr;
}

static json_t *protocol_mix(const struct ps_counters *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ipv4", (json_int_t)c->ipv4,
                     "ipv6", (json_int_t)c->ipv6, "arp", (json_int_t)c->arp, "other_l3",
                     (json_int_t)c->other_l3, "tcp", (json_int_t)c->tcp, "udp",
                     (json_int_t)c->udp, "icmp", (json_int_t)c->icmp, "other_l4",
                     (json_int_t)c->other_l4);
}

static json_t *services(const struct summary *s)
{
    json_t *o = json_object();
    for (int i = 0; i < PS_APP_COUNT; i++) {
        if (!s->service_flows[i])
            continue;
        const char *name = app_service_name((uint16_t)i);
        json_object_set_new(o, name ? name : "-",
                            json_pack("{s:I, s:I}", "flows", (json_int_t)s->service_flows[i],
                                      "bytes", (json_int_t)s->service_bytes[i]));
    }
    return o;
}

static json_t *malformed(const struct ps_counters *c)
{
    json_t *o = json_object();
    for (int i = 1; i < PS_MAL_KINDS; i++)
        if (c->malformed[i])
            json_object_set_new(o, ps_malformed_name((enum ps_malformed)i),
                                json_integer((json_int_t)c->malformed[i]));
    return o;
}

void summary_print_json(FILE *out, const struct summary *s, const char *path,
                        const struct ps_pipeline *p, double elapsed_s)
{
    const struct ps_counters *c = ps_pipeline_counters(p);
    const struct flow_stats *fs = flow_table_stats(ps_pipeline_flows((struct ps_pipeline *)p));
    json_t *root = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:I}, s:I, s:I,"
        " s:f}",
        "file", path, "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes,
        "flows", (json_int_t)s->flows, "hosts", (json_int_t)s->n_hosts, "first_ts",
        c->packets ? (double)c->first_us / 1e6 : 0.0, "last_ts",
        c->packets ? (double)c->last_us / 1e6 : 0.0, "protocols", protocol_mix(c), "services",
        services(s), "top_talkers", top_talkers(s), "malformed", malformed(c), "events",
        "dns", (json_int_t)s->events[APP_EV_DNS], "http", (json_int_t)s->events[APP_EV_HTTP],
        "tls", (json_int_t)s->events[APP_EV_TLS], "fragments", (json_int_t)c->fragments,
        "flows_evicted", (json_int_t)fs->evicted, "elapsed_s", elapsed_s);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}

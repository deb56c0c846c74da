/* detect.c - the detector's bounded tables: window counters (trackers),
 * pending alerts aggregated per (kind, key) until flushed, settings. */
#include "detect_internal.h"

#include "copybuf.h"
#include "rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000LL

void detect_config_defaults(struct detect_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    c->port_scan_ports = 15;   /* Zeek scan.zeek port_scan_threshold */
    c->port_scan_window_us = 300 * SEC;
    c->addr_scan_hosts = 25;   /* Zeek scan.zeek addr_scan_threshold */
    c->addr_scan_window_us = 300 * SEC;
    c->syn_scan_targets = 15;
    c->syn_scan_window_us = 300 * SEC;
    c->stealth_scan_targets = 5; /* sfPortscan low sense: 5 ports in 60 s */
    c->stealth_scan_window_us = 60 * SEC;
    c->syn_flood_pps = 200;    /* Juniper SRX syn-flood attack-threshold */
    c->icmp_flood_pps = 1000;  /* Juniper SRX icmp flood threshold */
    c->udp_flood_pps = 1000;   /* Juniper SRX udp flood threshold */
    c->flood_window_us = 1 * SEC;
    c->dns_label_len = 52;
    c->dns_entropy_min_len = 24;
    c->dns_entropy_bits = 4.0;
    c->dns_subdomains = 100;
    c->dns_window_us = 300 * SEC;
    c->dns_txt_bytes = 512;    /* RFC 1035 4.2.1 */
    c->nxdomain_domains = 50;
    c->nxdomain_window_us = 300 * SEC;
    c->cleartext = c->tls_checks = c->port_checks = c->arp_checks = c->malformed = true;
    c->max_trackers = 16384;
    c->max_alerts = 1024;
    c->arp_entries = 4096;
}

enum opt_type { OT_BOOL, OT_U32, OT_SECONDS, OT_DOUBLE };

struct opt {
    const char *key;
    enum opt_type type;
    size_t off;
    double lo, hi;
};

#define O(k, t, f, lo, hi) {k, t, offsetof(struct detect_config, f), lo, hi}
static const struct opt opts[] = {
    O("detect", OT_BOOL, enabled, 0, 1),
    O("detect-port-scan-ports", OT_U32, port_scan_ports, 2, 256),
    O("detect-port-scan-window", OT_SECONDS, port_scan_window_us, 1, 86400),
    O("detect-address-scan-hosts", OT_U32, addr_scan_hosts, 2, 256),
    O("detect-address-scan-window", OT_SECONDS, addr_scan_window_us, 1, 86400),
    O("detect-syn-scan-targets", OT_U32, syn_scan_targets, 2, 256),
    O("detect-syn-scan-window", OT_SECONDS, syn_scan_window_us, 1, 86400),
    O("detect-stealth-scan-targets", OT_U32, stealth_scan_targets, 1, 256),
    O("detect-stealth-scan-window", OT_SECONDS, stealth_scan_window_us, 1, 86400),
    O("detect-syn-flood-pps", OT_U32, syn_flood_pps, 1, 100000000),
    O("detect-icmp-flood-pps", OT_U32, icmp_flood_pps, 1, 100000000),
    O("detect-udp-flood-pps", OT_U32, udp_flood_pps, 1, 100000000),
    O("detect-flood-window", OT_SECONDS, flood_window_us, 1, 3600),
    O("detect-dns-label-length", OT_U32, dns_label_len, 8, 64),
    O("detect-dns-entropy-min-length", OT_U32, dns_entropy_min_len, 4, 64),
    O("detect-dns-entropy-bits", OT_DOUBLE, dns_entropy_bits, 1, 8),
    O("detect-dns-subdomains", OT_U32, dns_subdomains, 2, 256),
    O("detect-dns-window", OT_SECONDS, dns_window_us, 1, 86400),
    O("detect-dns-txt-bytes", OT_U32, dns_txt_bytes, 64, 65535),
    O("detect-nxdomain-domains", OT_U32, nxdomain_domains, 2, 256),
    O("detect-nxdomain-window", OT_SECONDS, nxdomain_window_us, 1, 86400),
    O("detect-cleartext-credentials", OT_BOOL, cleartext, 0, 1),
    O("detect-tls", OT_BOOL, tls_checks, 0, 1),
    O("detect-service-ports", OT_BOOL, port_checks, 0, 1),
    O("detect-arp", OT_BOOL, arp_checks, 0, 1),
    O("detect-malformed", OT_BOOL, malformed, 0, 1),
    O("detect-max-trackers", OT_U32, max_trackers, 64, 16777216),
    O("detect-max-alerts", OT_U32, max_alerts, 16, 1048576),
    O("detect-arp-entries", OT_U32, arp_entries, 16, 16777216),
};
#undef O

int detect_config_set(struct detect_config *c, const char *key, const char *value)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const struct opt *o = &opts[i];
        if (strcmp(key, o->key) != 0)
            continue;
        char *p = (char *)c + o->off;
        if (o->type == OT_BOOL) {
            int on = !strcmp(value, "on") || !strcmp(value, "yes") || !strcmp(value, "true") ||
                     !strcmp(value, "1");
            int off = !strcmp(value, "off") || !strcmp(value, "no") ||
                      !strcmp(value, "false") || !strcmp(value, "0");
            if (!on && !off)
                return -1;
            *(bool *)p = on;
            return 0;
        }
        char *end;
        double v = strtod(value, &end);
        if (!*value || *end || v != v || v < o->lo || v > o->hi)
            return -1;
        if (o->type == OT_DOUBLE)
            *(double *)p = v;
        else if (o->type == OT_SECONDS)
            *(int64_t *)p = (int64_t)(v * SEC);
        else if (v != floor(v))
            return -1;
        else
            *(uint32_t *)p = (uint32_t)v;
        return 0;
    }
    return -2;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

struct detector *detector_new(const struct detect_config *cfg, uint64_t capture_id,
                              detect_alert_fn emit, void *ctx)
{
    struct detector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = *cfg;
    d->capture_id = capture_id;
    d->emit = emit;
    d->ctx = ctx;
    size_t nt = pow2_at_least(cfg->max_trackers), na = pow2_at_least(cfg->arp_entries);
    d->trk = calloc(nt, sizeof *d->trk);
    d->probe = calloc(nt, sizeof *d->probe);
    d->trk_mask = nt - 1;
    d->alert_cap = cfg->max_alerts;
    d->alerts = calloc(d->alert_cap, sizeof *d->alerts);
    d->arp = calloc(na, sizeof *d->arp);
    d->arp_mask = na - 1;
    if (!d->trk || !d->probe || !d->alerts || !d->arp) {
        detector_free(d);
        return NULL;
    }
    return d;
}

void detector_free(struct detector *d)
{
    if (!d)
        return;
    ruleset_unref(d->rules);
    free(d->trk);
    free(d->probe);
    free(d->alerts);
    free(d->arp);
    free(d);
}

void detector_set_ruleset(struct detector *d, struct ruleset *rs)
{
    struct ruleset *old = d->rules;
    d->rules = ruleset_ref(rs);
    ruleset_unref(old);
}

const struct ruleset *detector_ruleset(const struct detector *d) { return d->rules; }

void detector_get_stats(const struct detector *d, struct detect_stats *out) { *out = d->st; }

/* ---- hashing, formatting ---- */

uint64_t hash64(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = seed ^ 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

const char *addr_str(const struct ps_addr *a, char *buf, size_t len)
{
    ps_addr_format(a, buf, len);
    return buf;
}

/* ---- trackers ---- */

static int64_t window_of(const struct detector *d, int kind)
{
    const struct detect_config *c = &d->cfg;
    switch (kind) {
    case TK_PORTSCAN: return c->port_scan_window_us;
    case TK_ADDRSCAN: case TK_ARPSWEEP: return c->addr_scan_window_us;
    case TK_SYNSCAN: return c->syn_scan_window_us;
    case TK_NULLSCAN: case TK_FINSCAN: case TK_XMASSCAN: return c->stealth_scan_window_us;
    case TK_SYNFLOOD: case TK_ICMPFLOOD: case TK_UDPFLOOD: return c->flood_window_us;
    case TK_DNSSUB: return c->dns_window_us;
    case TK_NXD: return c->nxdomain_window_us;
    default: return 60 * SEC;
    }
}

static int trk_expired(const struct detector *d, const struct trk_probe *p, int64_t now)
{
    return p->kind == TK_NONE || now - p->win_start > window_of(d, p->kind) ||
           now < p->win_start - window_of(d, p->kind); /* time went far back */
}

static void trk_reset(struct tracker *t, struct trk_probe *p, int64_t now)
{
    t->n = 0;
    t->alerted = 0;
    t->n_ev = 0;
    p->win_start = now;
    memset(t->bits, 0, sizeof t->bits);
    memset(t->ev, 0, sizeof t->ev);
}

static bool trk_same_key(const struct tracker *t, const struct tracker *key)
{
    return t->kind == key->kind && t->fam == key->fam && t->port == key->port &&
           t->extra == key->extra && memcmp(t->a, key->a, 32) == 0;
}

/* The slot of key among its probes, or SIZE_MAX with *victim set: an
 * expired slot, else the least recently used one. */
static size_t trk_find(const struct detector *d, const struct tracker *key, uint64_t h,
                       int64_t now, size_t *victim)
{
    *victim = SIZE_MAX;
    for (size_t i = 0; i < TRK_PROBE; i++) {
        size_t s = (h + i) & d->trk_mask;
        const struct trk_probe *p = &d->probe[s];
        if (p->kind == key->kind && p->hash == (uint32_t)(h >> 32) &&
            trk_same_key(&d->trk[s], key))
            return s;
        /* Slots never become empty again and a key goes to the first
         * expired slot of its probes: past a never-used slot the key is
         * not there, and that slot or an earlier expired one is the victim
         * the full scan would pick. */
        int v_old = *victim != SIZE_MAX && trk_expired(d, &d->probe[*victim], now);
        if (p->kind == TK_NONE) {
            if (!v_old)
                *victim = s;
            return SIZE_MAX;
        }
        int t_old = trk_expired(d, p, now);
        if (*victim == SIZE_MAX || (t_old && !v_old) ||
            (!v_old && p->last_us < d->probe[*victim].last_us))
            *victim = s;
    }
    return SIZE_MAX;
}

static void trk_key(struct tracker *key, int kind, const struct ps_addr *a,
                    const struct ps_addr *b, uint16_t port, uint32_t extra)
{
    *key = (struct tracker){.kind = (uint8_t)kind, .port = port, .extra = extra};
    if (a) {
        key->fam = a->family;
        memcpy(key->a, a->b, 16);
    }
    if (b)
        memcpy(key->b, b->b, 16);
}

static uint64_t trk_key_hash(const struct tracker *key)
{
    return hash64(&key->kind, 1,
                  hash64(key->a, 32, key->port ^ ((uint64_t)key->extra << 16)));
}

uint64_t trk_hash(int kind, const struct ps_addr *a, const struct ps_addr *b, uint16_t port,
                  uint32_t extra)
{
    struct tracker key;
    trk_key(&key, kind, a, b, port, extra);
    return trk_key_hash(&key);
}

struct tracker *trk_get(struct detector *d, int kind, const struct ps_addr *a,
                        const struct ps_addr *b, uint16_t port, uint32_t extra, int64_t now)
{
    return trk_get_hashed(d, 0, kind, a, b, port, extra, now);
}

struct tracker *trk_get_hashed(struct detector *d, uint64_t known, int kind, const struct ps_addr *a,
                               const struct ps_addr *b, uint16_t port, uint32_t extra,
                               int64_t now)
{
    struct tracker key;
    trk_key(&key, kind, a, b, port, extra);
    uint64_t h = known ? known : trk_key_hash(&key);
    size_t victim, s = trk_find(d, &key, h, now, &victim);
    if (s != SIZE_MAX) {
        struct tracker *t = &d->trk[s];
        struct trk_probe *p = &d->probe[s];
        if (trk_expired(d, p, now))
            trk_reset(t, p, now);
        p->last_us = now > p->last_us ? now : p->last_us;
        return t;
    }
    struct tracker *t = &d->trk[victim];
    struct trk_probe *p = &d->probe[victim];
    if (!trk_expired(d, p, now))
        d->st.tracker_evictions++;
    *t = key;
    p->kind = key.kind;
    p->hash = (uint32_t)(h >> 32);
    trk_reset(t, p, now);
    p->last_us = now;
    return t;
}

int trk_add_distinct(struct tracker *t, uint64_t item_hash)
{
    unsigned bit = (unsigned)(item_hash % TRK_BITS);
    uint64_t m = 1ULL << (bit % 64);
    if (t->bits[bit / 64] & m)
        return 0;
    t->bits[bit / 64] |= m;
    t->n++;
    return 1;
}

void trk_add_evidence(struct tracker *t, const struct flow *f)
{
    if (!f || t->n_ev >= TRK_EVIDENCE)
        return;
    for (int i = 0; i < t->n_ev; i++)
        if (t->ev[i] == f->id + 1)
            return;
    t->ev[t->n_ev++] = f->id + 1;
}

/* ---- alerts ---- */

static void add_uid(struct pending_alert *p, uint64_t capture_id, uint64_t flow_id)
{
    char uid[20];
    flow_uid(capture_id, flow_id, uid);
    for (int i = 0; i < p->n_ev; i++)
        if (strcmp(p->ev[i], uid) == 0)
            return;
    if (p->n_ev < DETECT_MAX_EVIDENCE)
        memcpy(p->ev[p->n_ev++], uid, sizeof uid);
}

static struct pending_alert *alert_slot(struct detector *d, const char *kind, const char *key,
                                        uint32_t h)
{
    for (size_t i = 0; i < d->alert_cap; i++) {
        struct pending_alert *p = &d->alerts[(h + i) % d->alert_cap];
        if (!p->used || (p->hash == h && strcmp(p->kind, kind) == 0 && strcmp(p->key, key) == 0))
            return p;
    }
    return NULL;
}

void alert_raise(struct detector *d, const char *kind, const char *severity, const char *key,
                 const struct ps_addr *src, const struct ps_addr *dst, int64_t ts,
                 uint64_t count, const struct flow *f, const struct tracker *t,
                 const char *fmt, ...)
{
    if (d->alert_used * 4 >= d->alert_cap * 3) { /* keep probing short: flush early */
        d->st.alert_table_flushes++;
        detector_flush(d);
    }
    uint32_t h = (uint32_t)hash64(key, strlen(key), hash64(kind, strlen(kind), 0));
    struct pending_alert *p = alert_slot(d, kind, key, h);
    if (!p)
        return; /* cannot happen below 3/4 load */
    if (!p->used) {
        memset(p, 0, sizeof *p);
        p->used = 1;
        p->hash = h;
        p->kind = kind;
        snprintf(p->key, sizeof p->key, "%s", key);
        p->first_us = p->last_us = ts;
        d->alert_used++;
    }
    p->severity = severity;
    if (src)
        p->src = *src;
    if (dst)
        p->dst = *dst;
    p->count += count;
    d->st.alerts_raised += count;
    if (ts < p->first_us)
        p->first_us = ts;
    if (ts > p->last_us)
        p->last_us = ts;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->summary, sizeof p->summary, fmt, ap);
    va_end(ap);
    if (f)
        add_uid(p, d->capture_id, f->id);
    for (int i = 0; t && i < t->n_ev; i++)
        add_uid(p, d->capture_id, t->ev[i] - 1);
}

void detector_flush(struct detector *d)
{
    for (size_t i = 0; i < d->alert_cap && d->alert_used; i++) {
        struct pending_alert *p = &d->alerts[i];
        if (!p->used)
            continue;
        const char *ev[DETECT_MAX_EVIDENCE];
        for (int k = 0; k < p->n_ev; k++)
            ev[k] = p->ev[k];
        struct ps_alert a = {.kind = p->kind, .key = p->key, .severity = p->severity,
                             .summary = p->summary, .src = p->src, .dst = p->dst,
                             .count = p->count, .first_us = p->first_us,
                             .last_us = p->last_us, .n_evidence = p->n_ev, .evidence = ev};
        if (d->emit && (p->count > 0 || p->n_ev > 0))
            d->emit(d->ctx, &a);
        d->st.alerts_emitted++;
        p->used = 0;
        d->alert_used--;
    }
}

/* ---- DNS helpers ---- */

double dns_label_entropy(const char *s, size_t n)
{
    unsigned counts[256] = {0};
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        counts[(unsigned char)s[i] | 0x20]++; /* case-folded for letters */
    double e = 0;
    for (int i = 0; i < 256; i++)
        if (counts[i]) {
            double p = (double)counts[i] / (double)n;
            e -= p * log2(p);
        }
    return e;
}

const char *dns_registered_domain(const char *name)
{
    static const char *const second[] = {"co", "com", "net", "org", "gov", "edu", "ac",
                                         "or", "ne", "go", "mil", "gob", "nic"};
    const char *dots[3] = {NULL, NULL, NULL}; /* last, second last, third last dot */
    for (const char *p = name; *p; p++)
        if (*p == '.') {
            dots[2] = dots[1];
            dots[1] = dots[0];
            dots[0] = p;
        }
    if (!dots[1])
        return name;
    const char *tld = dots[0] + 1, *sld = dots[1] + 1;
    size_t sld_len = (size_t)(dots[0] - sld);
    int two_level = 0;
    if (strlen(tld) == 2)
        for (size_t i = 0; i < sizeof second / sizeof second[0]; i++)
            if (strlen(second[i]) == sld_len && strncasecmp(sld, second[i], sld_len) == 0)
                two_level = 1;
    if (!two_level)
        return sld;
    return dots[2] ? dots[2] + 1 : name;
}

/* rules.c - building and matching rulesets: rules checked one by one
 * (they are few), indicators in hash sets (they may be millions). */
#include "rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ind_slot {
    uint32_t hash;
    uint32_t idx;          /* index+1 into ind, 0 = empty */
};

struct ruleset {
    atomic_int refs;
    uint64_t version;
    struct rule *rules;
    size_t n_rules, cap_rules;
    struct indicator *ind;
    size_t n_ind, cap_ind;
    /* address/network keys parallel to ind (family 0 for domains) */
    struct ps_addr *ind_net;
    uint8_t *ind_prefix;
    size_t cap_net;
    struct ind_slot *addr_tab, *dom_tab;
    size_t addr_mask, dom_mask;
    uint8_t prefixes4[33], prefixes6[129]; /* prefix lengths present */
    char **strings;        /* owned strings (list names, values) */
    size_t n_strings, cap_strings;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static char *keep(struct ruleset *rs, const char *s)
{
    char *d = strdup(s);
    if (!d || grow((void **)&rs->strings, &rs->cap_strings, rs->n_strings, sizeof(char *)) < 0) {
        free(d);
        return NULL;
    }
    rs->strings[rs->n_strings++] = d;
    return d;
}

struct ruleset *ruleset_new(uint64_t version)
{
    struct ruleset *rs = calloc(1, sizeof *rs);
    if (rs) {
        atomic_init(&rs->refs, 1);
        rs->version = version;
    }
    return rs;
}

struct ruleset *ruleset_ref(struct ruleset *rs)
{
    if (rs)
        atomic_fetch_add(&rs->refs, 1);
    return rs;
}

void ruleset_unref(struct ruleset *rs)
{
    if (!rs || atomic_fetch_sub(&rs->refs, 1) != 1)
        return;
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct rule *r = &rs->rules[i];
        free(r->name);
        free(r->message);
        free(r->app);
        free(r->dns_query);
        free(r->http_host);
        free(r->sni);
    }
    for (size_t i = 0; i < rs->n_strings; i++)
        free(rs->strings[i]);
    free(rs->strings);
    free(rs->rules);
    free(rs->ind);
    free(rs->ind_net);
    free(rs->ind_prefix);
    free(rs->addr_tab);
    free(rs->dom_tab);
    free(rs);
}

uint64_t ruleset_version(const struct ruleset *rs) { return rs ? rs->version : 0; }
size_t ruleset_rule_count(const struct ruleset *rs) { return rs ? rs->n_rules : 0; }
size_t ruleset_indicator_count(const struct ruleset *rs) { return rs ? rs->n_ind : 0; }
const struct rule *ruleset_rule(const struct ruleset *rs, size_t i) { return &rs->rules[i]; }

/* ---- parsing helpers ---- */

static void mask_addr(struct ps_addr *a, int prefix)
{
    int bytes = a->family == 4 ? 4 : 16;
    for (int i = 0; i < bytes; i++) {
        int bits = prefix - i * 8;
        if (bits >= 8)
            continue;
        a->b[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
    }
}

int ps_cidr_parse(const char *text, struct ps_addr *net, int *prefix)
{
    char buf[64];
    if (!text || strlen(text) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(net, 0, sizeof *net);
    if (inet_pton(AF_INET, buf, net->b) == 1)
        net->family = 4;
    else if (inet_pton(AF_INET6, buf, net->b) == 1)
        net->family = 6;
    else
        return -1;
    int max = net->family == 4 ? 32 : 128;
    *prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > max)
            return -1;
        *prefix = (int)p;
    }
    mask_addr(net, *prefix);
    return 0;
}

int domain_normalise(char *s)
{
    if (s[0] == '*' && s[1] == '.')
        memmove(s, s + 2, strlen(s + 2) + 1);
    size_t n = strlen(s);
    while (n && s[n - 1] == '.')
        s[--n] = '\0';
    if (n == 0 || n > 253 || !strchr(s, '.'))
        return -1; /* a name of two labels at least */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
            return -1;
        s[i] = (char)tolower(c);
    }
    return 0;
}

static char *lower_dup(const char *s)
{
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static int proto_number(const char *t)
{
    static const struct { const char *name; int num; } map[] = {
        {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"icmp6", 58},
        {"ipv6-icmp", 58}, {"sctp", 132}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(t, map[i].name) == 0)
            return map[i].num;
    return -1;
}

static const char *severity_or(const char *s, const char *dflt)
{
    static const char *const ok[] = {"info", "low", "medium", "high", "critical"};
    for (size_t i = 0; s && i < 5; i++)
        if (strcmp(s, ok[i]) == 0)
            return ok[i];
    return dflt;
}

int ruleset_add_rule(struct ruleset *rs, const struct rule_spec *s, char *err, size_t errlen)
{
    if (rs->n_rules >= RULES_MAX_RULES) {
        snprintf(err, errlen, "rule %lld: more than %d rules", (long long)s->id, RULES_MAX_RULES);
        return -1;
    }
    struct rule r = {.id = s->id, .port = -1, .ip_proto = -1};
    const char *bad = NULL;
    if (s->cidr && *s->cidr) {
        if (ps_cidr_parse(s->cidr, &r.net, &r.prefix) < 0)
            bad = "cidr";
        r.has_net = true;
    }
    if (s->port >= 0) {
        if (s->port > 65535)
            bad = "port";
        r.port = s->port;
    }
    if (s->transport && *s->transport && (r.ip_proto = proto_number(s->transport)) < 0)
        bad = "transport";
    const char *texts[] = {s->app, s->dns_query, s->http_host, s->sni, s->message, s->name};
    for (size_t i = 0; i < 6; i++)
        if (texts[i] && strlen(texts[i]) > RULES_MAX_TEXT)
            bad = "text field (too long)";
    if (bad) {
        snprintf(err, errlen, "rule %lld: bad %s", (long long)s->id, bad);
        return -1;
    }
    snprintf(r.severity, sizeof r.severity, "%s", severity_or(s->severity, "medium"));
    r.name = strdup(s->name ? s->name : "");
    r.message = strdup(s->message && *s->message ? s->message : (s->name ? s->name : "rule"));
    r.app = lower_dup(s->app);
    r.dns_query = lower_dup(s->dns_query);
    r.http_host = lower_dup(s->http_host);
    r.sni = lower_dup(s->sni);
    r.needs = (r.app ? RULE_NEED_APP : 0) | (r.dns_query ? RULE_NEED_DNS : 0) |
              (r.http_host ? RULE_NEED_HTTP : 0) | (r.sni ? RULE_NEED_SNI : 0);
    if (!r.name || !r.message ||
        grow((void **)&rs->rules, &rs->cap_rules, rs->n_rules, sizeof r) < 0) {
        snprintf(err, errlen, "rule %lld: out of memory", (long long)s->id);
        free(r.name), free(r.message), free(r.app), free(r.dns_query), free(r.http_host),
            free(r.sni);
        return -1;
    }
    rs->rules[rs->n_rules++] = r;
    return 0;
}

/* Room for one more indicator in ind, ind_net and ind_prefix. */
static int grow_indicators(struct ruleset *rs)
{
    if (grow((void **)&rs->ind, &rs->cap_ind, rs->n_ind, sizeof *rs->ind) < 0)
        return -1;
    if (rs->cap_net >= rs->cap_ind)
        return 0;
    struct ps_addr *n = realloc(rs->ind_net, rs->cap_ind * sizeof *n);
    if (n)
        rs->ind_net = n;
    uint8_t *p = n ? realloc(rs->ind_prefix, rs->cap_ind) : NULL;
    if (p)
        rs->ind_prefix = p;
    if (!n || !p)
        return -1;
    rs->cap_net = rs->cap_ind;
    return 0;
}

int ruleset_add_indicator(struct ruleset *rs, const char *list, const char *kind,
                          const char *value, const char *severity, char *err, size_t errlen)
{
    char v[RULES_MAX_TEXT + 1];
    struct ps_addr net;
    int prefix = 0;
    if (!value || strlen(value) > RULES_MAX_TEXT) {
        snprintf(err, errlen, "indicator too long");
        return -1;
    }
    if (rs->n_ind >= RULES_MAX_INDICATORS) {
        snprintf(err, errlen, "more than %d indicators", RULES_MAX_INDICATORS);
        return -1;
    }
    snprintf(v, sizeof v, "%s", value);
    char k;
    if (ps_cidr_parse(v, &net, &prefix) == 0 && (!kind || strcmp(kind, "domain") != 0)) {
        k = prefix == (net.family == 4 ? 32 : 128) ? 'a' : 'n';
        char a[INET6_ADDRSTRLEN];
        inet_ntop(net.family == 4 ? AF_INET : AF_INET6, net.b, a, sizeof a);
        if (k == 'a')
            snprintf(v, sizeof v, "%s", a);
        else
            snprintf(v, sizeof v, "%s/%d", a, prefix);
    } else if ((!kind || strcmp(kind, "domain") == 0) && domain_normalise(v) == 0) {
        k = 'd';
        memset(&net, 0, sizeof net);
    } else {
        snprintf(err, errlen, "not an address, network or domain: '%.100s'", value);
        return -1;
    }
    if (grow_indicators(rs) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* list names repeat: share the previous entry's copy when equal */
    const char *l = rs->n_ind && strcmp(rs->ind[rs->n_ind - 1].list, list) == 0
                        ? rs->ind[rs->n_ind - 1].list
                        : keep(rs, list);
    const char *val = keep(rs, v);
    if (!l || !val) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rs->ind[rs->n_ind] = (struct indicator){.list = l, .value = val, .kind = k,
                                            .severity = severity_or(severity, "high")};
    rs->ind_net[rs->n_ind] = net;
    rs->ind_prefix[rs->n_ind] = (uint8_t)prefix;
    rs->n_ind++;
    return 0;
}

/* ---- hash sets ---- */

static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static uint32_t addr_hash(const struct ps_addr *a, int prefix)
{
    uint8_t p = (uint8_t)prefix;
    return fnv(a->b, a->family == 4 ? 4 : 16, fnv(&p, 1, fnv(&a->family, 1, 2166136261u)));
}

static uint32_t name_hash(const char *s, size_t n) { return fnv(s, n, 2166136261u); }

static void put(struct ind_slot *tab, size_t mask, uint32_t h, uint32_t idx)
{
    size_t i = h & mask;
    while (tab[i].idx)
        i = (i + 1) & mask;
    tab[i].hash = h;
    tab[i].idx = idx + 1;
}

int ruleset_finish(struct ruleset *rs)
{
    size_t n_addr = 0, n_dom = 0;
    for (size_t i = 0; i < rs->n_ind; i++)
        rs->ind[i].kind == 'd' ? n_dom++ : n_addr++;
    size_t ca = 16, cd = 16;
    while (ca < n_addr * 2)
        ca *= 2;
    while (cd < n_dom * 2)
        cd *= 2;
    rs->addr_tab = calloc(ca, sizeof *rs->addr_tab);
    rs->dom_tab = calloc(cd, sizeof *rs->dom_tab);
    if (!rs->addr_tab || !rs->dom_tab)
        return -1;
    rs->addr_mask = ca - 1;
    rs->dom_mask = cd - 1;
    for (size_t i = 0; i < rs->n_ind; i++) {
        if (rs->ind[i].kind == 'd') {
            put(rs->dom_tab, rs->dom_mask, name_hash(rs->ind[i].value, strlen(rs->ind[i].value)),
                (uint32_t)i);
            continue;
        }
        int p = rs->ind_prefix[i];
        put(rs->addr_tab, rs->addr_mask, addr_hash(&rs->ind_net[i], p), (uint32_t)i);
        if (rs->ind_net[i].family == 4)
            rs->prefixes4[p] = 1;
        else
            rs->prefixes6[p] = 1;
    }
    return 0;
}

const struct indicator *ruleset_match_addr(const struct ruleset *rs, const struct ps_addr *a)
{
    if (!rs || !rs->addr_tab || (a->family != 4 && a->family != 6))
        return NULL;
    const uint8_t *have = a->family == 4 ? rs->prefixes4 : rs->prefixes6;
    int bytes = a->family == 4 ? 4 : 16;
    for (int p = a->family == 4 ? 32 : 128; p >= 0; p--) {
        if (!have[p])
            continue;
        struct ps_addr m = *a;
        mask_addr(&m, p);
        uint32_t h = addr_hash(&m, p);
        for (size_t i = h & rs->addr_mask; rs->addr_tab[i].idx; i = (i + 1) & rs->addr_mask) {
            uint32_t k = rs->addr_tab[i].idx - 1;
            if (rs->addr_tab[i].hash == h && rs->ind_prefix[k] == p &&
                rs->ind_net[k].family == a->family &&
                memcmp(rs->ind_net[k].b, m.b, (size_t)bytes) == 0)
                return &rs->ind[k];
        }
    }
    return NULL;
}

const struct indicator *ruleset_match_domain(const struct ruleset *rs, const char *name)
{
    if (!rs || !rs->dom_tab || !name)
        return NULL;
    char buf[256];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof buf)
        return NULL;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    while (n && buf[n - 1] == '.')
        n--;
    buf[n] = '\0';
    const char *s = buf;
    for (int labels = 0; *s && labels < 128; labels++) {
        size_t len = strlen(s);
        uint32_t h = name_hash(s, len);
        for (size_t i = h & rs->dom_mask; rs->dom_tab[i].idx; i = (i + 1) & rs->dom_mask) {
            const struct indicator *ind = &rs->ind[rs->dom_tab[i].idx - 1];
            if (rs->dom_tab[i].hash == h && strcmp(ind->value, s) == 0)
                return ind;
        }
        const char *dot = strchr(s, '.');
        if (!dot)
            break;
        s = dot + 1;
    }
    return NULL;
}

/* ---- rules ---- */

bool glob_match(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p && (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static bool in_net(const struct ps_addr *a, const struct ps_addr *net, int prefix)
{
    if (!a || a->family != net->family)
        return false;
    struct ps_addr m = *a;
    mask_addr(&m, prefix);
    return memcmp(m.b, net->b, net->family == 4 ? 4 : 16) == 0;
}

bool rule_matches(const struct rule *r, const struct rule_ctx *c)
{
    if (r->has_net && !in_net(c->orig_h, &r->net, r->prefix) &&
        !in_net(c->resp_h, &r->net, r->prefix))
        return false;
    if (r->port >= 0 && (!c->has_ports || c->resp_p != r->port))
        return false;
    if (r->ip_proto >= 0 && c->ip_proto != r->ip_proto)
        return false;
    if (r->app && (!c->app || strcasecmp(r->app, c->app) != 0))
        return false;
    if (r->dns_query && (!c->dns_query || !glob_match(r->dns_query, c->dns_query)))
        return false;
    if (r->http_host && (!c->http_host || !glob_match(r->http_host, c->http_host)))
        return false;
    if (r->sni && (!c->sni || !glob_match(r->sni, c->sni)))
        return false;
    return true;
}

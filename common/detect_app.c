/* detect_app.c - detectors on application events: DNS tunnelling and
 * NXDOMAIN bursts, cleartext logins (user names only; the app layer never
 * hands us a password), TLS without SNI or with a deprecated version
 * (RFC 6176, RFC 7568, RFC 8996), and custom rules and indicators. */
#include "detect_internal.h"

#include "app.h"
#include "app_events.h"
#include "geo.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- DNS ---- */

static int skip_name(const char *q)
{
    size_t n = strlen(q);
    static const char *const tails[] = {".arpa", ".local", ".localdomain", ".home.arpa", ".lan"};
    if (n == 0 || strchr(q, '.') == NULL)
        return 1;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t t = strlen(tails[i]);
        if (n > t && strcasecmp(q + n - t, tails[i]) == 0)
            return 1;
    }
    return 0;
}

static void dns_alert(struct detector *d, const struct app_event *ev, const struct ps_addr *client,
                      const struct ps_addr *server, const char *domain, const char *signal,
                      const char *severity, uint64_t count, const struct tracker *t,
                      const char *detail)
{
    char sc[64], key[512];
    snprintf(key, sizeof key, "%s>%s:%s", addr_str(client, sc, sizeof sc), domain, signal);
    alert_raise(d, "dns_tunnel", severity, key, client, server, ev->ts_us, count, ev->flow, t,
                "possible DNS tunnel or exfiltration from %s via %s: %s", sc, domain, detail);
}

static void dns_event(struct detector *d, const struct app_event *ev)
{
    const struct ev_dns *q = ev->u.dns;
    const struct detect_config *c = &d->cfg;
    if (ev->flow->app.proto != PS_APP_DNS || !q->query || skip_name(q->query))
        return;
    struct ps_addr cl, sv;
    uint16_t cp, sp;
    flow_endpoints(ev->flow, &cl, &cp, &sv, &sp);
    const char *dom = dns_registered_domain(q->query);
    char detail[160];
    /* labels below the registered domain */
    size_t longest = 0;
    double worst = 0;
    const char *lab = q->query, *worst_lab = NULL;
    size_t worst_len = 0;
    for (int i = 0; i < 128 && lab < dom; i++) {
        const char *dot = strchr(lab, '.');
        size_t n = dot ? (size_t)(dot - lab) : strlen(lab);
        if (n > longest)
            longest = n;
        if (n >= c->dns_entropy_min_len) {
            double e = dns_label_entropy(lab, n);
            if (e > worst) {
                worst = e;
                worst_lab = lab;
                worst_len = n;
            }
        }
        if (!dot)
            break;
        lab = dot + 1;
    }
    if (longest >= c->dns_label_len) {
        snprintf(detail, sizeof detail, "query label of %zu characters (threshold %u)", longest,
                 c->dns_label_len);
        dns_alert(d, ev, &cl, &sv, dom, "long_label", "medium", 1, NULL, detail);
    }
    if (worst_lab && worst >= c->dns_entropy_bits) {
        snprintf(detail, sizeof detail, "label '%.*s' has %.2f bits/char of entropy",
                 (int)(worst_len > 63 ? 63 : worst_len), worst_lab, worst);
        dns_alert(d, ev, &cl, &sv, dom, "high_entropy", "medium", 1, NULL, detail);
    }
    if (dom != q->query) {
        uint32_t dh = (uint32_t)hash64(dom, strlen(dom), 3);
        struct tracker *t = trk_get(d, TK_DNSSUB, &cl, NULL, 0, dh, ev->ts_us);
        if (trk_add_distinct(t, hash64(q->query, strlen(q->query), 5))) {
            trk_add_evidence(t, ev->flow);
            if (t->n >= c->dns_subdomains) {
                snprintf(detail, sizeof detail, "%u+ distinct names below it within %llds", t->n,
                         (long long)(c->dns_window_us / 1000000));
                dns_alert(d, ev, &cl, &sv, dom, "many_subdomains", "high", t->alerted ? 0 : 1, t,
                          detail);
                t->alerted = 1;
            }
        }
    }
    if (q->qtype == 16 && q->rcode >= 0 && d->dns_resp_flow == ev->flow &&
        d->dns_resp_len >= c->dns_txt_bytes) {
        snprintf(detail, sizeof detail, "TXT answer in a %u-byte DNS message (threshold %u)",
                 d->dns_resp_len, c->dns_txt_bytes);
        dns_alert(d, ev, &cl, &sv, dom, "large_txt", "medium", 1, NULL, detail);
    }
    if (q->rcode == 3) {
        struct tracker *t = trk_get(d, TK_NXD, &cl, NULL, 0, 0, ev->ts_us);
        if (trk_add_distinct(t, hash64(dom, strlen(dom), 9))) {
            trk_add_evidence(t, ev->flow);
            if (t->n >= c->nxdomain_domains) {
                char sc[64];
                addr_str(&cl, sc, sizeof sc);
                alert_raise(d, "dns_nxdomain_burst", "medium", sc, &cl, NULL, ev->ts_us,
                            t->alerted ? 0 : 1, ev->flow, t,
                            "NXDOMAIN burst (possible DGA): %s got NXDOMAIN for %u+ distinct "
                            "domains within %llds, e.g. %s",
                            sc, t->n, (long long)(c->nxdomain_window_us / 1000000), dom);
                t->alerted = 1;
            }
        }
    }
}

/* ---- cleartext logins ---- */

static void login(struct detector *d, const struct app_event *ev, const char *proto,
                  const char *user)
{
    struct ps_addr cl, sv;
    uint16_t cp, sp;
    flow_endpoints(ev->flow, &cl, &cp, &sv, &sp);
    char sc[64], ss[64], key[512];
    addr_str(&cl, sc, sizeof sc);
    addr_str(&sv, ss, sizeof ss);
    snprintf(key, sizeof key, "%s>%s:%u/%s/%.64s", sc, ss, sp, proto, user ? user : "");
    alert_raise(d, "cleartext_credentials", "medium", key, &cl, &sv, ev->ts_us, 1, ev->flow, NULL,
                "%s login in cleartext from %s to %s:%u%s%.64s%s (password not recorded)", proto,
                sc, ss, sp, user && *user ? " as '" : " (user name not seen)",
                user ? user : "", user && *user ? "'" : "");
}

static void text_event(struct detector *d, const struct app_event *ev)
{
    static const struct { const char *what, *proto; } map[] = {
        {"ftp_user", "FTP"}, {"pop3_user", "POP3"}, {"imap_user", "IMAP"},
        {"telnet_login", "Telnet"}};
    const struct ev_text *t = ev->u.text;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (t->what && strcmp(t->what, map[i].what) == 0)
            login(d, ev, map[i].proto, t->value);
}

/* ---- TLS ---- */

static void tls_event(struct detector *d, const struct app_event *ev)
{
    const struct ev_tls *t = ev->u.tls;
    struct ps_addr cl, sv;
    uint16_t cp, sp;
    flow_endpoints(ev->flow, &cl, &cp, &sv, &sp);
    char sc[64], ss[64], key[512];
    addr_str(&cl, sc, sizeof sc);
    addr_str(&sv, ss, sizeof ss);
    if (!t->server_name && geo_classify(&sv) == GEO_PUBLIC) {
        snprintf(key, sizeof key, "%s>%s:%u", sc, ss, sp);
        alert_raise(d, "tls_no_sni", "low", key, &cl, &sv, ev->ts_us, 1, ev->flow, NULL,
                    "TLS ClientHello without server name (SNI) from %s to public %s:%u%s%s", sc,
                    ss, sp, t->ja4 ? ", JA4 " : "", t->ja4 ? t->ja4 : "");
    }
    static const char *const old[] = {"SSLv2", "SSLv3", "TLSv10", "TLSv11"};
    for (size_t i = 0; t->version && i < 4; i++)
        if (strcmp(t->version, old[i]) == 0) {
            snprintf(key, sizeof key, "%s:%u/%s", ss, sp, t->version);
            alert_raise(d, "tls_outdated_version", i < 2 ? "high" : "medium", key, &cl, &sv,
                        ev->ts_us, 1, ev->flow, NULL,
                        "%s:%u negotiated deprecated %s with %s (%s)", ss, sp, t->version, sc,
                        i == 0 ? "RFC 6176" : i == 1 ? "RFC 7568" : "RFC 8996");
        }
}

/* ---- rules and indicators ---- */

static void rule_alert(struct detector *d, const struct rule *r, const struct flow *f, int64_t ts,
                       const char *what)
{
    struct ps_addr o, rh;
    uint16_t op, rp;
    flow_endpoints(f, &o, &op, &rh, &rp);
    char so[64], sr[64], key[512];
    addr_str(&o, so, sizeof so);
    addr_str(&rh, sr, sizeof sr);
    snprintf(key, sizeof key, "%lld:%s>%s", (long long)r->id, so, sr);
    alert_raise(d, "rule", r->severity, key, &o, &rh, ts, 1, f, NULL,
                "rule %lld \"%.80s\": %.120s%s%.60s", (long long)r->id, r->name, r->message,
                what ? ", matched " : "", what ? what : "");
}

static void indicator_alert(struct detector *d, const struct indicator *ind, const struct flow *f,
                            int64_t ts, const char *seen)
{
    struct ps_addr o, rh;
    uint16_t op, rp;
    flow_endpoints(f, &o, &op, &rh, &rp);
    char so[64], sr[64], key[512];
    addr_str(&o, so, sizeof so);
    addr_str(&rh, sr, sizeof sr);
    snprintf(key, sizeof key, "%.40s:%.80s:%s>%s", ind->list, ind->value, so, sr);
    alert_raise(d, "indicator", ind->severity, key, &o, &rh, ts, 1, f, NULL,
                "threat-intel match: %.80s (list %.40s) seen as %s, %s -> %s", ind->value,
                ind->list, seen, so, sr);
}

static void fill_ctx(struct rule_ctx *c, const struct flow *f, struct ps_addr *o,
                     struct ps_addr *r)
{
    uint16_t op, rp;
    flow_endpoints(f, o, &op, r, &rp);
    memset(c, 0, sizeof *c);
    c->orig_h = o;
    c->resp_h = r;
    c->resp_p = rp;
    c->has_ports = f->key.proto == 6 || f->key.proto == 17 || f->key.proto == 132;
    c->ip_proto = f->key.proto;
    c->app = f->app.guess ? NULL : app_service_name(f->app.proto);
}

/* Flow-level rules: address/port/transport-only ones when the flow starts,
 * those naming an application when it ends (the service is known then). */
void detect_rules_flow(struct detector *d, const struct flow *f, int at_end)
{
    const struct ruleset *rs = d->rules;
    if (!rs)
        return;
    struct rule_ctx c;
    struct ps_addr o, r;
    fill_ctx(&c, f, &o, &r);
    int64_t ts = at_end ? f->last_us : f->first_us;
    for (size_t i = 0; i < ruleset_rule_count(rs); i++) {
        const struct rule *ru = ruleset_rule(rs, i);
        unsigned want = at_end ? RULE_NEED_APP : 0;
        if (ru->needs == want && rule_matches(ru, &c))
            rule_alert(d, ru, f, ts, NULL);
    }
    if (at_end)
        return;
    const struct indicator *ind = ruleset_match_addr(rs, &o);
    if (ind)
        indicator_alert(d, ind, f, ts, "originator address");
    if ((ind = ruleset_match_addr(rs, &r)))
        indicator_alert(d, ind, f, ts, "responder address");
}

static void rules_event(struct detector *d, const struct app_event *ev, unsigned need,
                        const char *name)
{
    const struct ruleset *rs = d->rules;
    char host[256];
    if (!rs || !name || !*name)
        return;
    if (need == RULE_NEED_HTTP) { /* Host may carry a port: "example.com:8080" */
        snprintf(host, sizeof host, "%s", name);
        char *colon = strchr(host, ':');
        if (colon && !strchr(colon + 1, ':'))
            *colon = '\0';
        name = host;
    }
    struct rule_ctx c;
    struct ps_addr o, r;
    fill_ctx(&c, ev->flow, &o, &r);
    if (need == RULE_NEED_DNS)
        c.dns_query = name;
    else if (need == RULE_NEED_HTTP)
        c.http_host = name;
    else
        c.sni = name;
    for (size_t i = 0; i < ruleset_rule_count(rs); i++) {
        const struct rule *ru = ruleset_rule(rs, i);
        if ((ru->needs & need) && (ru->needs & ~(unsigned)RULE_NEED_APP) == need &&
            rule_matches(ru, &c))
            rule_alert(d, ru, ev->flow, ev->ts_us, name);
    }
    const struct indicator *ind = ruleset_match_domain(rs, name);
    if (ind)
        indicator_alert(d, ind, ev->flow, ev->ts_us,
                        need == RULE_NEED_DNS    ? "DNS query"
                        : need == RULE_NEED_HTTP ? "HTTP host"
                                                 : "TLS server name");
}

void detector_event(struct detector *d, const struct app_event *ev)
{
    const struct detect_config *c = &d->cfg;
    if (!c->enabled || !ev->flow)
        return;
    switch (ev->kind) {
    case APP_EV_DNS:
        dns_event(d, ev);
        rules_event(d, ev, RULE_NEED_DNS, ev->u.dns->query);
        break;
    case APP_EV_HTTP:
        if (c->cleartext && ev->u.http->basic_user)
            login(d, ev, "HTTP Basic", ev->u.http->basic_user);
        rules_event(d, ev, RULE_NEED_HTTP, ev->u.http->host);
        break;
    case APP_EV_TLS:
        if (c->tls_checks)
            tls_event(d, ev);
        rules_event(d, ev, RULE_NEED_SNI, ev->u.tls->server_name);
        break;
    case APP_EV_LOGIN:
        if (c->cleartext)
            text_event(d, ev);
        break;
    default:
        break;
    }
}

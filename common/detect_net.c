/* detect_net.c - detectors on packets and flows: vertical/horizontal/
 * half-open scans (Zeek scan.zeek), NULL/FIN/XMAS probes (nmap -sN/-sF/-sX),
 * SYN/ICMP/UDP floods (rate per window), ARP bindings that change (RFC 826
 * has no authentication; a changed MAC is the ARP-spoofing symptom), ARP
 * sweeps, malformed packets, services on ports registered to others. */
#include "detect_internal.h"

#include "app.h"
#include "app_events.h"
#include "decode.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>

#define SEC 1000000LL

static uint64_t target_hash(const struct ps_addr *a, uint16_t port)
{
    return hash64(a->b, 16, port);
}

/* ---- scans ---- */

/* A TCP attempt that never carried a byte either way: refused, unanswered,
 * or torn down right after the handshake (what scanners leave). */
static int failed_attempt(const struct flow *f)
{
    return f->key.proto == 6 && memchr(f->history, 'S', f->history_len) &&
           f->dir[0].payload_bytes == 0 && f->dir[1].payload_bytes == 0;
}

/* The prober sent a SYN and never an ACK, data or FIN: half-open (nmap -sS). */
static int half_open(const struct flow *f)
{
    return !memchr(f->history, 'A', f->history_len) && !memchr(f->history, 'D', f->history_len) &&
           !memchr(f->history, 'F', f->history_len);
}

static void count_failed(struct detector *d, const struct flow *f, int64_t now)
{
    const struct detect_config *c = &d->cfg;
    struct ps_addr o, r;
    uint16_t op, rp;
    char so[64], sr[64], key[512];
    flow_endpoints(f, &o, &op, &r, &rp);

    struct tracker *t = trk_get(d, TK_PORTSCAN, &o, &r, 0, 0, now);
    if (trk_add_distinct(t, rp)) {
        trk_add_evidence(t, f);
        if (t->n >= c->port_scan_ports) {
            snprintf(key, sizeof key, "%s>%s", addr_str(&o, so, sizeof so),
                     addr_str(&r, sr, sizeof sr));
            alert_raise(d, "port_scan", "medium", key, &o, &r, now, t->alerted ? 0 : 1, f, t,
                        "vertical port scan: %s probed %u+ ports of %s without a completed "
                        "exchange within %llds",
                        so, t->n, sr, (long long)(c->port_scan_window_us / SEC));
            t->alerted = 1;
        }
    }
    t = trk_get(d, TK_ADDRSCAN, &o, NULL, rp, 6, now);
    if (trk_add_distinct(t, target_hash(&r, 0))) {
        trk_add_evidence(t, f);
        if (t->n >= c->addr_scan_hosts) {
            snprintf(key, sizeof key, "%s>tcp/%u", addr_str(&o, so, sizeof so), rp);
            alert_raise(d, "address_scan", "medium", key, &o, NULL, now, t->alerted ? 0 : 1, f,
                        t, "horizontal scan: %s probed tcp/%u on %u+ hosts within %llds", so, rp,
                        t->n, (long long)(c->addr_scan_window_us / SEC));
            t->alerted = 1;
        }
    }
    if (!half_open(f))
        return;
    t = trk_get(d, TK_SYNSCAN, &o, NULL, 0, 0, now);
    if (trk_add_distinct(t, target_hash(&r, rp))) {
        trk_add_evidence(t, f);
        if (t->n >= c->syn_scan_targets) {
            snprintf(key, sizeof key, "%s", addr_str(&o, so, sizeof so));
            alert_raise(d, "syn_scan", "medium", key, &o, NULL, now, t->alerted ? 0 : 1, f, t,
                        "SYN (half-open) scan: %s sent %u+ SYN probes to distinct host:port "
                        "targets and never completed a handshake within %llds",
                        so, t->n, (long long)(c->syn_scan_window_us / SEC));
            t->alerted = 1;
        }
    }
}

static void stealth_probe(struct detector *d, const struct ps_packet *pkt, const struct flow *f)
{
    uint8_t fl = pkt->tcp_flags & 0x3f; /* ECE/CWR do not matter */
    int kind;
    const char *name, *what;
    if (fl == 0) {
        kind = TK_NULLSCAN, name = "null_scan", what = "no flags (NULL scan)";
    } else if ((fl & (PS_TH_FIN | PS_TH_PSH | PS_TH_URG)) == (PS_TH_FIN | PS_TH_PSH | PS_TH_URG) &&
               !(fl & (PS_TH_SYN | PS_TH_RST | PS_TH_ACK))) {
        kind = TK_XMASSCAN, name = "xmas_scan", what = "FIN+PSH+URG (XMAS scan)";
    } else if ((fl & PS_TH_FIN) && !(fl & (PS_TH_ACK | PS_TH_RST))) {
        kind = TK_FINSCAN, name = "fin_scan", what = "FIN without ACK (FIN scan)";
    } else {
        return;
    }
    const struct detect_config *c = &d->cfg;
    struct tracker *t = trk_get(d, kind, &pkt->src, NULL, 0, 0, pkt->ts_us);
    if (!trk_add_distinct(t, target_hash(&pkt->dst, pkt->dport)))
        return;
    trk_add_evidence(t, f);
    if (t->n < c->stealth_scan_targets)
        return;
    char s[64], key[512];
    snprintf(key, sizeof key, "%s", addr_str(&pkt->src, s, sizeof s));
    alert_raise(d, name, "medium", key, &pkt->src, NULL, pkt->ts_us, t->alerted ? 0 : 1, f, t,
                "%s: %s sent TCP probes with %s to %u+ distinct host:port targets within %llds",
                name, s, what, t->n, (long long)(c->stealth_scan_window_us / SEC));
    t->alerted = 1;
}

/* ---- floods ---- */

static void flood(struct detector *d, const struct ps_packet *pkt, const struct flow *f, int kind)
{
    const struct detect_config *c = &d->cfg;
    uint32_t pps = kind == TK_SYNFLOOD ? c->syn_flood_pps
                   : kind == TK_ICMPFLOOD ? c->icmp_flood_pps : c->udp_flood_pps;
    uint16_t port = kind == TK_ICMPFLOOD ? 0 : pkt->dport;
    struct tracker *t = trk_get_hashed(d, d->flood_hash, kind, &pkt->dst, NULL, port, 0,
                                       pkt->ts_us);
    t->n++;
    if (t->n_ev < TRK_EVIDENCE)
        trk_add_evidence(t, f);
    double secs = (double)c->flood_window_us / 1e6;
    if (t->alerted || t->n < (uint64_t)(pps * secs + 0.5))
        return;
    t->alerted = 1;
    const char *name = kind == TK_SYNFLOOD ? "syn_flood" : kind == TK_ICMPFLOOD ? "icmp_flood"
                                                                             : "udp_flood";
    const char *what = kind == TK_SYNFLOOD ? "TCP SYN" : kind == TK_ICMPFLOOD ? "ICMP echo request"
                                                                          : "UDP";
    char s[64], key[512];
    addr_str(&pkt->dst, s, sizeof s);
    if (kind == TK_ICMPFLOOD)
        snprintf(key, sizeof key, "%s", s);
    else
        snprintf(key, sizeof key, "%s:%u", s, port);
    alert_raise(d, name, "high", key, NULL, &pkt->dst, pkt->ts_us, 1, f, t,
                "%s flood: %u+ %s packets to %s within %.0fs (threshold %u/s)", what, t->n, what,
                key, secs, pps);
}

/* ---- ARP ---- */

static void arp(struct detector *d, const struct ps_packet *pkt)
{
    static const uint8_t zero_mac[6] = {0};
    if (pkt->arp_spa.family != 4)
        return;
    const uint8_t *b = pkt->arp_spa.b;
    uint32_t ip = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    char s[64], key[512];
    if (pkt->arp_op == 1 && pkt->arp_tpa.family == 4 && ip != 0) {
        struct tracker *t = trk_get(d, TK_ARPSWEEP, &pkt->arp_spa, NULL, 0, 1, pkt->ts_us);
        if (trk_add_distinct(t, target_hash(&pkt->arp_tpa, 0)) &&
            t->n >= d->cfg.addr_scan_hosts) {
            snprintf(key, sizeof key, "%s>arp", addr_str(&pkt->arp_spa, s, sizeof s));
            alert_raise(d, "address_scan", "medium", key, &pkt->arp_spa, NULL, pkt->ts_us,
                        t->alerted ? 0 : 1, NULL, NULL,
                        "ARP sweep: %s asked who-has for %u+ distinct addresses within %llds", s,
                        t->n, (long long)(d->cfg.addr_scan_window_us / SEC));
            t->alerted = 1;
        }
    }
    if (ip == 0 || memcmp(pkt->arp_sha, zero_mac, 6) == 0 || !d->cfg.arp_checks)
        return; /* RFC 5227 probes carry sender 0.0.0.0 */
    size_t slot = SIZE_MAX, oldest = SIZE_MAX;
    uint64_t h = hash64(&ip, 4, 7);
    for (size_t i = 0; i < TRK_PROBE; i++) {
        size_t k = (h + i) & d->arp_mask;
        if (d->arp[k].ip == ip || d->arp[k].ip == 0) {
            slot = k;
            break;
        }
        if (oldest == SIZE_MAX || d->arp[k].last_us < d->arp[oldest].last_us)
            oldest = k;
    }
    if (slot == SIZE_MAX) {
        slot = oldest;
        d->st.arp_evictions++;
        d->arp[slot].ip = 0;
    }
    struct arp_entry *e = &d->arp[slot];
    int gratuitous = pkt->arp_tpa.family == 4 && memcmp(pkt->arp_tpa.b, b, 4) == 0;
    if (e->ip == ip && memcmp(e->mac, pkt->arp_sha, 6) != 0 && (pkt->arp_op == 2 || gratuitous)) {
        const uint8_t *o = e->mac, *n = pkt->arp_sha;
        snprintf(key, sizeof key, "%s", addr_str(&pkt->arp_spa, s, sizeof s));
        alert_raise(d, "arp_mac_change", "high", key, &pkt->arp_spa, NULL, pkt->ts_us, 1, NULL,
                    NULL,
                    "ARP %s changed the MAC of %s from %02x:%02x:%02x:%02x:%02x:%02x to "
                    "%02x:%02x:%02x:%02x:%02x:%02x (possible ARP spoofing)",
                    pkt->arp_op == 2 ? "reply" : "gratuitous request", s, o[0], o[1], o[2], o[3],
                    o[4], o[5], n[0], n[1], n[2], n[3], n[4], n[5]);
    }
    e->ip = ip;
    memcpy(e->mac, pkt->arp_sha, 6);
    e->last_us = pkt->ts_us;
}

/* ---- malformed ---- */

static void malformed(struct detector *d, const struct ps_packet *pkt, const struct flow *f)
{
    enum ps_malformed m = pkt->malformed;
    if (m == PS_MAL_LINK_UNKNOWN)
        return; /* a link type we do not decode says nothing about the sender */
    int truncated = m == PS_MAL_LINK_TRUNC || m == PS_MAL_IP_TRUNC || m == PS_MAL_L4_TRUNC;
    if (truncated && pkt->caplen < pkt->wirelen)
        return; /* cut by the capture's snap length, not on the wire */
    char s[64] = "", key[512];
    if (pkt->src.family)
        addr_str(&pkt->src, s, sizeof s);
    snprintf(key, sizeof key, "%s%s%s", ps_malformed_name(m), s[0] ? ">" : "", s);
    alert_raise(d, "malformed_packet", "low", key, pkt->src.family ? &pkt->src : NULL,
                pkt->dst.family ? &pkt->dst : NULL, pkt->ts_us, 1, f, NULL,
                "malformed packet (%s)%s%s, first at frame %llu", ps_malformed_name(m),
                s[0] ? " from " : "", s, (unsigned long long)pkt->frame);
}

/* ---- services and ports ---- */

static int starttls_port(uint16_t port)
{
    return port == 21 || port == 25 || port == 110 || port == 143 || port == 389 ||
           port == 587 || port == 5222;
}

/* Protocols the engine confirms from payload (others stay port guesses). */
static int payload_confirmed(uint16_t app)
{
    return app == PS_APP_HTTP || app == PS_APP_TLS || app == PS_APP_SSH || app == PS_APP_DNS;
}

static void service_ports(struct detector *d, const struct flow *f)
{
    struct ps_addr o, r;
    uint16_t op, rp;
    flow_endpoints(f, &o, &op, &r, &rp);
    uint8_t proto = f->key.proto;
    if (proto != 6 && proto != 17)
        return;
    uint16_t registered = app_guess_by_port(proto, rp);
    const char *svc = app_service_name(f->app.proto), *reg = app_service_name(registered);
    char so[64], sr[64], key[512];
    int started = proto == 17 || memchr(f->history, 'S', f->history_len);
    if (!f->app.guess && f->app.proto && registered && registered != f->app.proto &&
        payload_confirmed(f->app.proto) && !(f->app.proto == PS_APP_TLS && starttls_port(rp)) &&
        !(registered == PS_APP_QUIC && f->app.proto == PS_APP_TLS)) {
        addr_str(&o, so, sizeof so);
        addr_str(&r, sr, sizeof sr);
        snprintf(key, sizeof key, "%s>%s:%u/%s", so, sr, rp, svc);
        alert_raise(d, "service_unexpected_port", "low", key, &o, &r, f->first_us, 1, f, NULL,
                    "%s spoken on %s/%u, the port of %s (%s -> %s)", svc,
                    proto == 6 ? "tcp" : "udp", rp, reg, so, sr);
        return;
    }
    if (f->app.guess && payload_confirmed(registered) && started &&
        f->dir[0].payload_bytes > 0 && f->dir[1].payload_bytes > 0 &&
        (proto == 6 || registered == PS_APP_DNS)) {
        addr_str(&o, so, sizeof so);
        addr_str(&r, sr, sizeof sr);
        snprintf(key, sizeof key, "%s>%s:%u", so, sr, rp);
        alert_raise(d, "unknown_service_on_port", "low", key, &o, &r, f->first_us, 1, f, NULL,
                    "unrecognised protocol on %s/%u, the port of %s (%s -> %s)",
                    proto == 6 ? "tcp" : "udp", rp, reg, so, sr);
    }
}

/* ---- entry points ---- */

/* The flood tracker detector_packet() updates for pkt (0: none) and its
 * port: a SYN, a UDP datagram, an ICMP echo request. */
static int flood_kind(const struct ps_packet *pkt, uint16_t *port)
{
    *port = pkt->dport;
    if (pkt->ip_proto == 6 && pkt->has_ports)
        return (pkt->tcp_flags & (PS_TH_SYN | PS_TH_ACK)) == PS_TH_SYN ? TK_SYNFLOOD : 0;
    if (pkt->ip_proto == 17 && pkt->has_ports)
        return TK_UDPFLOOD;
    *port = 0;
    if (pkt->has_icmp && ((pkt->ip_proto == 1 && pkt->icmp_type == 8) ||
                          (pkt->ip_proto == 58 && pkt->icmp_type == 128)))
        return TK_ICMPFLOOD;
    return 0;
}

uint64_t detector_flood_hash(const struct detector *d, const struct ps_packet *pkt)
{
    uint16_t port;
    int kind;
    if (!d->cfg.enabled || pkt->l3 == PS_L3_ARP || !(kind = flood_kind(pkt, &port)))
        return 0;
    return trk_hash(kind, &pkt->dst, NULL, port, 0);
}

void detector_prefetch(const struct detector *d, uint64_t flood_hash)
{
    if (flood_hash) {
        size_t s = flood_hash & d->trk_mask;
        __builtin_prefetch(&d->probe[s]);
        __builtin_prefetch(&d->trk[s]);
    }
}

void detector_packet(struct detector *d, const struct ps_packet *pkt, const struct flow *f,
                     int dir, int is_new)
{
    detector_packet_hashed(d, pkt, f, dir, is_new, 0);
}

void detector_packet_hashed(struct detector *d, const struct ps_packet *pkt, const struct flow *f,
                            int dir, int is_new, uint64_t flood_hash)
{
    const struct detect_config *c = &d->cfg;
    if (!c->enabled)
        return;
    d->flood_hash = flood_hash;
    d->dns_resp_flow = NULL;
    if (pkt->malformed != PS_MAL_NONE && c->malformed)
        malformed(d, pkt, f);
    if (pkt->l3 == PS_L3_ARP) {
        arp(d, pkt);
        return;
    }
    if (f && is_new)
        detect_rules_flow(d, f, 0);
    if (pkt->ip_proto == 6 && pkt->has_ports) {
        uint8_t fl = pkt->tcp_flags;
        if ((fl & (PS_TH_SYN | PS_TH_ACK)) == PS_TH_SYN)
            flood(d, pkt, f, TK_SYNFLOOD);
        if (!(fl & (PS_TH_SYN | PS_TH_ACK)) || (fl & (PS_TH_FIN | PS_TH_ACK)) == PS_TH_FIN)
            stealth_probe(d, pkt, f);
        if ((fl & PS_TH_RST) && f && failed_attempt(f))
            count_failed(d, f, pkt->ts_us); /* refused or torn down: count now, not at expiry */
    } else if (pkt->ip_proto == 17 && pkt->has_ports) {
        flood(d, pkt, f, TK_UDPFLOOD);
        if (f && dir == 1 && f->app.proto == PS_APP_DNS) {
            d->dns_resp_flow = f;
            d->dns_resp_len = pkt->payload_wire;
        }
    } else if (pkt->has_icmp && ((pkt->ip_proto == 1 && pkt->icmp_type == 8) ||
                                 (pkt->ip_proto == 58 && pkt->icmp_type == 128))) {
        flood(d, pkt, f, TK_ICMPFLOOD);
    }
    if (pkt->ip_proto == 6 && f && dir == 1 && f->app.proto == PS_APP_DNS) {
        d->dns_resp_flow = f;
        d->dns_resp_len = pkt->payload_wire > 2 ? pkt->payload_wire - 2 : 0;
    }
}

void detector_flow_end(struct detector *d, const struct flow *f)
{
    if (!d->cfg.enabled)
        return;
    if (failed_attempt(f))
        count_failed(d, f, f->last_us);
    if (d->cfg.port_checks)
        service_ports(d, f);
    detect_rules_flow(d, f, 1);
}

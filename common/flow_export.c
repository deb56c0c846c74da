/* flow_export.c - printable views of flows and packets. */
#include "flow_export.h"

#include "app.h"
#include "community_id.h"
#include "copybuf.h"
#include "decode.h"
#include "geo.h"
#include "strutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void flow_export(const struct flow *f, uint64_t capture_id, struct flow_export *x)
{
    memset(x, 0, sizeof *x);
    flow_uid(capture_id, f->id, x->uid);
    flow_endpoints(f, &x->orig_h, &x->orig_p, &x->resp_h, &x->resp_p);
    uint8_t p = f->key.proto;
    x->has_ports = p == 6 || p == 17 || p == 132 || p == 1 || p == 58;
    x->proto = flow_proto_name(p);
    x->service = app_service_name(f->app.proto);
    x->service_guess = f->app.guess;
    x->duration = (double)(f->last_us - f->first_us) / 1e6;
    x->conn_state = flow_conn_state(f);
    memcpy(x->history, f->history, f->history_len);
    x->history[f->history_len] = '\0';
    x->rtt = (f->syn_us && f->ack_us) ? (double)(f->ack_us - f->syn_us) / 1e6 : -1;
    x->rtt_resp = (f->syn_us && f->synack_us) ? (double)(f->synack_us - f->syn_us) / 1e6 : -1;
    x->rtt_orig = (f->synack_us && f->ack_us) ? (double)(f->ack_us - f->synack_us) / 1e6 : -1;
    community_id_v1(0, f->key.family == 6 ? AF_INET6 : AF_INET, x->orig_h.b, x->resp_h.b, p,
                    x->orig_p, x->resp_p, x->community_id);
}

void flow_export_countries(struct flow_export *x)
{
    x->orig_cc = geo_country(geo_default(), &x->orig_h, x->cc_buf[0]);
    x->resp_cc = geo_country(geo_default(), &x->resp_h, x->cc_buf[1]);
}

const char *flow_end_reason_name(enum flow_end_reason why)
{
    switch (why) {
    case FLOW_END_IDLE: return "idle";
    case FLOW_END_ACTIVE: return "active";
    case FLOW_END_EOF: return "eof";
    case FLOW_END_EVICT: return "evicted";
    case FLOW_END_REUSE: return "reused";
    }
    return "unknown";
}

const char *packet_proto_name(const struct ps_packet *pkt)
{
    switch (pkt->l3) {
    case PS_L3_ARP: return "arp";
    case PS_L3_IPV4: case PS_L3_IPV6: return flow_proto_name(pkt->ip_proto);
    case PS_L3_OTHER: return "other";
    default: return "unknown";
    }
}

const char *tcp_flags_str(uint8_t flags, char out[12])
{
    static const char letters[] = "FSRPAUEC";
    int n = 0;
    for (int i = 0; i < 8; i++)
        if (flags & (1u << i))
            out[n++] = letters[i];
    out[n] = '\0';
    return out;
}

/* Per stored packet: built by hand, snprintf was a visible share of ingest. */
static void info_tcp(const struct ps_packet *pkt, char *out, size_t outlen)
{
    char fl[12], tmp[160], *p = tmp;
    p = ps_put_u64(p, pkt->sport);
    p = ps_put_str(p, " → ");
    p = ps_put_u64(p, pkt->dport);
    p = ps_put_str(p, " [");
    p = ps_put_str(p, tcp_flags_str(pkt->tcp_flags, fl));
    p = ps_put_str(p, "] seq=");
    p = ps_put_u64(p, pkt->seq);
    p = ps_put_str(p, " ack=");
    p = ps_put_u64(p, pkt->ack);
    p = ps_put_str(p, " win=");
    p = ps_put_u64(p, pkt->window);
    p = ps_put_str(p, " len=");
    p = ps_put_u64(p, pkt->payload_wire);
    *p = '\0';
    ps_strlcpy(out, tmp, outlen);
}

void packet_info(const struct ps_packet *pkt, char *out, size_t outlen)
{
    char a[64], b[64];
    out[0] = '\0';
    if (pkt->l3 == PS_L3_ARP) {
        ps_addr_format(&pkt->arp_tpa, a, sizeof a);
        ps_addr_format(&pkt->arp_spa, b, sizeof b);
        if (pkt->arp_op == 1)
            snprintf(out, outlen, "who-has %s tell %s", a, b);
        else if (pkt->arp_op == 2)
            snprintf(out, outlen, "%s is-at %02x:%02x:%02x:%02x:%02x:%02x", b, pkt->arp_sha[0],
                     pkt->arp_sha[1], pkt->arp_sha[2], pkt->arp_sha[3], pkt->arp_sha[4],
                     pkt->arp_sha[5]);
    } else if (pkt->is_fragment && !pkt->has_ports && !pkt->has_icmp) {
        snprintf(out, outlen, "fragment id=0x%x off=%u%s", pkt->ip_id, pkt->frag_offset * 8u,
                 pkt->more_fragments ? " MF" : "");
    } else if (pkt->ip_proto == 6 && pkt->has_ports) {
        info_tcp(pkt, out, outlen);
    } else if (pkt->has_ports) {
        snprintf(out, outlen, "%u → %u len=%u", pkt->sport, pkt->dport, pkt->payload_wire);
    } else if (pkt->has_icmp) {
        snprintf(out, outlen, "type=%u code=%u", pkt->icmp_type, pkt->icmp_code);
    }
    if (pkt->malformed != PS_MAL_NONE) {
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s[malformed: %s]", n ? " " : "",
                 ps_malformed_name(pkt->malformed));
    }
}

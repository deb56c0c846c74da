/* flow_update.c - per-packet flow accounting: direction, counters, TCP
 * endpoint states and history letters as Zeek's conn.log defines them. */
#include "flow.h"

#include <string.h>

/* ICMP request/reply pairs share a flow: key ports are (request type,
 * reply type); one-way types use (type, code). */
static int icmp_counterpart(int v6, uint8_t type, uint8_t *peer, int *is_reply)
{
    static const uint8_t v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {17, 18}, {10, 9}};
    static const uint8_t v6t[][2] = {{128, 129}, {133, 134}, {135, 136}, {130, 131}, {144, 145},
                                     {146, 147}};
    const uint8_t(*tab)[2] = v6 ? v6t : v4;
    size_t n = v6 ? sizeof v6t / sizeof v6t[0] : sizeof v4 / sizeof v4[0];
    for (size_t i = 0; i < n; i++) {
        if (tab[i][0] == type || tab[i][1] == type) {
            *is_reply = tab[i][1] == type;
            *peer = *is_reply ? tab[i][0] : tab[i][1];
            return 1;
        }
    }
    return 0;
}

/* Ports used in the key: real ports, or the ICMP mapping (orig side =
 * request type), or 0. */
static void key_ports(const struct ps_packet *pkt, uint16_t *sp, uint16_t *dp)
{
    if (pkt->has_ports) {
        *sp = pkt->sport;
        *dp = pkt->dport;
    } else if (pkt->has_icmp) {
        uint8_t peer;
        int reply;
        if (icmp_counterpart(pkt->src.family == 6, pkt->icmp_type, &peer, &reply)) {
            /* the request type stays with the requester: a reply travels
             * from (reply type) to (request type) */
            *sp = pkt->icmp_type;
            *dp = peer;
        } else {
            *sp = pkt->icmp_type;
            *dp = pkt->icmp_code;
        }
    } else {
        *sp = *dp = 0;
    }
}

void flow_key_from(const struct ps_packet *pkt, struct flow_key *k, int *a_is_src)
{
    uint16_t sp, dp;
    key_ports(pkt, &sp, &dp);
    int c = memcmp(pkt->src.b, pkt->dst.b, 16);
    int src_first = c < 0 || (c == 0 && sp <= dp);
    memset(k, 0, sizeof *k);
    memcpy(k->a, src_first ? pkt->src.b : pkt->dst.b, 16);
    memcpy(k->b, src_first ? pkt->dst.b : pkt->src.b, 16);
    k->pa = src_first ? sp : dp;
    k->pb = src_first ? dp : sp;
    k->proto = pkt->ip_proto;
    k->family = pkt->src.family;
    k->vlan = pkt->vlan;
    *a_is_src = src_first;
}

static int addr_is_group(const struct ps_addr *a)
{
    if (a->family == 4)
        return (a->b[0] & 0xf0) == 0xe0 || (a->b[0] == 255 && a->b[1] == 255 &&
                                            a->b[2] == 255 && a->b[3] == 255);
    return a->family == 6 && a->b[0] == 0xff;
}

/* Ports on which a UDP first packet is taken as the server's reply (the
 * services Zeek registers as likely server ports). */
static int udp_server_port(uint16_t p)
{
    switch (p) {
    case 53: case 67: case 69: case 123: case 137: case 138: case 161: case 443:
    case 500: case 514: case 547: case 1900: case 4500: case 5355:
        return 1;
    default:
        return 0;
    }
}

/* The first packet's sender is the originator, except a SYN-ACK (the
 * receiver sent the SYN we missed), an ICMP reply, and UDP from a server
 * port to a client port. */
int flow_pick_originator(const struct ps_packet *pkt, int a_is_src)
{
    int flip = 0;
    if (pkt->ip_proto == 6 && pkt->has_ports)
        flip = (pkt->tcp_flags & (PS_TH_SYN | PS_TH_ACK)) == (PS_TH_SYN | PS_TH_ACK);
    else if (pkt->ip_proto == 17 && pkt->has_ports)
        flip = udp_server_port(pkt->sport) && !udp_server_port(pkt->dport) &&
               !addr_is_group(&pkt->dst); /* a broadcast is never a reply */
    else if (pkt->has_icmp) {
        uint8_t peer;
        int reply = 0;
        flip = icmp_counterpart(pkt->src.family == 6, pkt->icmp_type, &peer, &reply) && reply;
    }
    return flip ? !a_is_src : a_is_src;
}

/* A SYN on a flow whose previous connection finished starts a new one. */
int flow_is_new_connection(const struct flow *f, const struct ps_packet *pkt, int dir)
{
    if (f->key.proto != 6 || (pkt->tcp_flags & (PS_TH_SYN | PS_TH_ACK | PS_TH_RST)) != PS_TH_SYN)
        return 0;
    const struct flow_dir *o = &f->dir[0], *r = &f->dir[1];
    int finished = (o->state >= EP_CLOSED && r->state >= EP_CLOSED) ||
                   o->state == EP_RESET || r->state == EP_RESET;
    if (finished)
        return 1;
    /* a SYN with a new initial sequence number on an established flow */
    const struct flow_dir *d = &f->dir[dir];
    return d->seq_init && o->state >= EP_ESTABLISHED && pkt->seq + 1u != d->isn;
}

static void history_add(struct flow *f, int dir, char letter)
{
    char c = dir ? (char)(letter | 0x20) : letter;
    if (memchr(f->history, c, f->history_len) || f->history_len + 1u >= sizeof f->history)
        return;
    f->history[f->history_len++] = c;
}

/* Zeek's endpoint state machine, reduced to the transitions conn_state needs. */
static void tcp_states(struct flow *f, const struct ps_packet *pkt, int dir)
{
    struct flow_dir *me = &f->dir[dir], *peer = &f->dir[!dir];
    uint8_t fl = pkt->tcp_flags;
    if (fl & PS_TH_RST) {
        me->state = EP_RESET;
        return;
    }
    if (fl & PS_TH_SYN) {
        if (me->state == EP_INACTIVE)
            me->state = (fl & PS_TH_ACK) ? EP_SYN_ACK_SENT : EP_SYN_SENT;
        if ((fl & PS_TH_ACK) && peer->state == EP_SYN_SENT)
            f->synack_us = f->synack_us ? f->synack_us : pkt->ts_us;
        else if (!(fl & PS_TH_ACK) && !f->syn_us)
            f->syn_us = pkt->ts_us;
    } else if (me->state == EP_INACTIVE) {
        me->state = EP_PARTIAL;
    } else if ((me->state == EP_SYN_SENT || me->state == EP_SYN_ACK_SENT) && (fl & PS_TH_ACK) &&
               (peer->state == EP_SYN_ACK_SENT || peer->state == EP_SYN_SENT ||
                peer->state == EP_ESTABLISHED)) {
        me->state = EP_ESTABLISHED;
        if (peer->state != EP_ESTABLISHED && peer->state < EP_CLOSED)
            peer->state = EP_ESTABLISHED;
        if (!f->ack_us && f->synack_us)
            f->ack_us = pkt->ts_us;
    }
    if ((fl & PS_TH_FIN) && me->state != EP_RESET)
        me->state = EP_CLOSED;
}

static void tcp_history(struct flow *f, const struct ps_packet *pkt, int dir)
{
    uint8_t fl = pkt->tcp_flags;
    if ((fl & (PS_TH_SYN | PS_TH_ACK)) == PS_TH_SYN)
        history_add(f, dir, 'S');
    else if ((fl & (PS_TH_SYN | PS_TH_ACK)) == (PS_TH_SYN | PS_TH_ACK))
        history_add(f, dir, 'H');
    if (fl & PS_TH_FIN)
        history_add(f, dir, 'F');
    if (fl & PS_TH_RST)
        history_add(f, dir, 'R');
    if (pkt->payload_wire > 0)
        history_add(f, dir, 'D');
    else if ((fl & (PS_TH_ACK | PS_TH_SYN | PS_TH_FIN | PS_TH_RST)) == PS_TH_ACK)
        history_add(f, dir, 'A');
}

/* Sequence-space accounting: payload bytes, retransmissions, reordering. */
static void tcp_sequence(struct flow *f, const struct ps_packet *pkt, int dir)
{
    struct flow_dir *d = &f->dir[dir];
    uint32_t len = pkt->payload_wire;
    f->last_retrans = 0;
    uint32_t seq = pkt->seq + ((pkt->tcp_flags & PS_TH_SYN) ? 1u : 0u);
    if (!d->seq_init) {
        d->seq_init = 1;
        d->isn = seq;
        d->next_seq = seq;
    }
    if (len == 0)
        return;
    uint32_t end = seq + len;
    int32_t ahead = (int32_t)(seq - d->next_seq);
    if (ahead < 0 && (int32_t)(end - d->next_seq) <= 0) {
        f->last_retrans = 1;
        d->retrans++;
        history_add(f, dir, 'T');
    } else if (ahead > 0) {
        d->ooo++; /* a gap: an earlier segment is missing or comes later */
    }
    if ((int32_t)(end - d->next_seq) > 0)
        d->next_seq = end;
    d->payload_bytes = (uint32_t)(d->next_seq - d->isn);
}

void flow_packet_update(struct flow *f, const struct ps_packet *pkt, int dir, int new_flow)
{
    struct flow_dir *d = &f->dir[dir];
    if (new_flow && dir == 1) { /* the first packet came from the responder */
        f->flipped = 1;
        history_add(f, 0, '^');
    }
    d->pkts++;
    d->ip_bytes += pkt->ip_len;
    d->l2_bytes += pkt->wirelen;
    if (pkt->ts_us > f->last_us)
        f->last_us = pkt->ts_us;
    if (pkt->ip_proto == 6 && pkt->has_ports) {
        tcp_states(f, pkt, dir);
        tcp_history(f, pkt, dir);
        tcp_sequence(f, pkt, dir);
    } else {
        d->state = 1;
        d->payload_bytes += pkt->payload_wire;
        if (pkt->has_ports)
            history_add(f, dir, 'D');
    }
}

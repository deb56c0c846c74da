/* decode_l4.c - transport layer: TCP (RFC 9293), UDP (RFC 768), ICMP
 * (RFC 792) and ICMPv6 (RFC 4443) with the quoted header of error messages,
 * SCTP (RFC 9260) common header. */
#include "decode.h"

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58
#define P_SCTP 132

static void set_payload(struct ps_packet *pkt, const struct cursor *c, uint32_t wire)
{
    pkt->payload = cur_ptr(c);
    pkt->payload_len = (uint32_t)cur_left(c);
    pkt->payload_wire = wire;
}

static enum ps_result decode_tcp(struct cursor *c, uint32_t wire_len, struct ps_packet *pkt)
{
    uint8_t off_byte, flags;
    if (!cur_u16be(c, &pkt->sport) || !cur_u16be(c, &pkt->dport) ||
        !cur_u32be(c, &pkt->seq) || !cur_u32be(c, &pkt->ack) || !cur_u8(c, &off_byte) ||
        !cur_u8(c, &flags) || !cur_u16be(c, &pkt->window) || !cur_skip(c, 4))
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    pkt->has_ports = true;
    pkt->tcp_flags = flags;
    unsigned hlen = (off_byte >> 4) * 4u;
    if (hlen < 20 || hlen > wire_len)
        return ps_mark(pkt, PS_MAL_L4_INVALID, PS_INVALID);
    if (!cur_skip(c, hlen - 20))
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    set_payload(pkt, c, wire_len - hlen);
    return PS_OK;
}

static enum ps_result decode_udp(struct cursor *c, uint32_t wire_len, struct ps_packet *pkt)
{
    uint16_t len;
    if (!cur_u16be(c, &pkt->sport) || !cur_u16be(c, &pkt->dport) || !cur_u16be(c, &len) ||
        !cur_skip(c, 2))
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    pkt->has_ports = true;
    if (len < 8 || len > wire_len) /* trust the IP length, as most dissectors do */
        len = (uint16_t)(wire_len > 0xffff ? 0xffff : wire_len);
    uint32_t body = len >= 8 ? len - 8u : 0;
    struct cursor pl = cur_make(cur_ptr(c), cur_left(c) < body ? cur_left(c) : body);
    set_payload(pkt, &pl, body);
    return PS_OK;
}

static enum ps_result decode_sctp(struct cursor *c, uint32_t wire_len, struct ps_packet *pkt)
{
    if (!cur_u16be(c, &pkt->sport) || !cur_u16be(c, &pkt->dport) || !cur_skip(c, 8))
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    pkt->has_ports = true;
    set_payload(pkt, c, wire_len >= 12 ? wire_len - 12 : 0);
    return PS_OK;
}

/* The quoted datagram of an ICMP error: its IP header and first 8 bytes. */
static void decode_quoted(struct cursor *c, bool v6, struct ps_packet *pkt)
{
    struct ps_packet inner = {0};
    inner.quoted.present = true; /* stops a quoted error from quoting again */
    if (v6)
        ps_decode_ipv6(c, &inner);
    else
        ps_decode_ipv4(c, &inner);
    if (inner.src.family == 0)
        return;
    pkt->quoted.present = true;
    pkt->quoted.src = inner.src;
    pkt->quoted.dst = inner.dst;
    pkt->quoted.proto = inner.ip_proto;
    pkt->quoted.sport = inner.sport;
    pkt->quoted.dport = inner.dport;
    pkt->quoted.has_ports = inner.has_ports;
    pkt->quoted.has_icmp = inner.has_icmp;
    pkt->quoted.icmp_type = inner.icmp_type;
}

static bool icmp_is_error(bool v6, uint8_t type)
{
    if (v6)
        return type < 128;
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static enum ps_result decode_icmp(struct cursor *c, uint32_t wire_len, bool v6,
                                  struct ps_packet *pkt)
{
    uint16_t id = 0;
    if (!cur_u8(c, &pkt->icmp_type) || !cur_u8(c, &pkt->icmp_code) || !cur_skip(c, 2))
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    pkt->has_icmp = true;
    bool err = icmp_is_error(v6, pkt->icmp_type);
    if (!cur_u16be(c, &id) || !cur_skip(c, 2)) { /* every ICMP header has 8 bytes */
        set_payload(pkt, c, 0);
        return ps_mark(pkt, PS_MAL_L4_TRUNC, PS_TRUNCATED);
    }
    set_payload(pkt, c, wire_len >= 8 ? wire_len - 8 : 0);
    if (err && !pkt->quoted.present) {
        struct cursor q = cur_make(cur_ptr(c), cur_left(c));
        decode_quoted(&q, v6, pkt);
    }
    return PS_OK;
}

enum ps_result ps_decode_transport(uint8_t proto, struct cursor *c, uint32_t wire_len,
                                   struct ps_packet *pkt)
{
    switch (proto) {
    case P_TCP: return decode_tcp(c, wire_len, pkt);
    case P_UDP: return decode_udp(c, wire_len, pkt);
    case P_ICMP: return decode_icmp(c, wire_len, false, pkt);
    case P_ICMP6: return decode_icmp(c, wire_len, true, pkt);
    case P_SCTP: return decode_sctp(c, wire_len, pkt);
    default:
        set_payload(pkt, c, wire_len);
        return PS_OK;
    }
}

/* decode_ip.c - network layer: IPv4 (RFC 791) with options and fragments,
 * IPv6 (RFC 8200) with extension headers, ARP (RFC 826). */
#include "caps.h"
#include "decode.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_AH_ 51
#define IPPROTO_MH_ 135

static enum ps_result decode_arp(struct cursor *c, struct ps_packet *pkt)
{
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    pkt->l3 = PS_L3_ARP;
    if (!cur_u16be(c, &htype) || !cur_u16be(c, &ptype) || !cur_u8(c, &hlen) ||
        !cur_u8(c, &plen) || !cur_u16be(c, &pkt->arp_op))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4)
        return PS_OK; /* not Ethernet/IPv4 ARP: counted as ARP, fields left empty */
    pkt->arp_spa.family = pkt->arp_tpa.family = 4;
    if (!cur_copy(c, pkt->arp_sha, 6) || !cur_copy(c, pkt->arp_spa.b, 4) ||
        !cur_skip(c, 6) || !cur_copy(c, pkt->arp_tpa.b, 4))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    pkt->src = pkt->arp_spa;
    pkt->dst = pkt->arp_tpa;
    return PS_OK;
}

enum ps_result ps_decode_ethertype(uint16_t ethertype, struct cursor *c, struct ps_packet *pkt)
{
    pkt->ethertype = ethertype;
    switch (ethertype) {
    case 0x0800: return ps_decode_ipv4(c, pkt);
    case 0x86dd: return ps_decode_ipv6(c, pkt);
    case 0x0806: return decode_arp(c, pkt);
    default:
        pkt->l3 = PS_L3_OTHER;
        return PS_OK;
    }
}

/* Returns the captured part of the IP payload, clipped to what the header
 * declares (Ethernet padding is not payload). */
static struct cursor ip_payload(const struct cursor *c, size_t declared)
{
    size_t n = cur_left(c) < declared ? cur_left(c) : declared;
    return cur_make(cur_ptr(c), n);
}

enum ps_result ps_decode_ipv4(struct cursor *c, struct ps_packet *pkt)
{
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag;
    pkt->l3 = PS_L3_IPV4;
    size_t start = c->off;
    if (!cur_u8(c, &vihl) || !cur_u8(c, &tos) || !cur_u16be(c, &total) ||
        !cur_u16be(c, &id) || !cur_u16be(c, &frag) || !cur_u8(c, &ttl) ||
        !cur_u8(c, &proto) || !cur_skip(c, 2))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    if (!cur_copy(c, pkt->src.b, 4))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    pkt->src.family = 4; /* an address is reported only once it was read */
    if (!cur_copy(c, pkt->dst.b, 4))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    pkt->dst.family = 4;
    unsigned ihl = (vihl & 0x0f) * 4u;
    if (total == 0 && (vihl >> 4) == 4) /* segmentation offload: length left 0 */
        total = (uint16_t)(cur_left(c) + 20 > 0xffff ? 0xffff : cur_left(c) + 20);
    if ((vihl >> 4) != 4 || ihl < 20 || total < ihl)
        return ps_mark(pkt, PS_MAL_IP_INVALID, PS_INVALID);
    pkt->ttl = ttl;
    pkt->ip_proto = proto;
    pkt->frag_proto = proto;
    pkt->ip_len = total;
    pkt->ip_id = id;
    pkt->frag_offset = frag & 0x1fff;
    pkt->more_fragments = (frag & 0x2000) != 0;
    pkt->is_fragment = pkt->more_fragments || pkt->frag_offset;
    pkt->first_fragment = pkt->frag_offset == 0;
    pkt->ip_options = ihl > 20;
    if (!cur_seek(c, start + ihl))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    struct cursor pl = ip_payload(c, total - ihl);
    pkt->l3_payload = total - ihl;
    pkt->frag_len = pkt->l3_payload;
    if (!pkt->first_fragment) {
        pkt->payload = cur_ptr(&pl);
        pkt->payload_len = (uint32_t)cur_left(&pl);
        pkt->payload_wire = total - ihl;
        return PS_OK;
    }
    return ps_decode_transport(proto, &pl, total - ihl, pkt);
}

/* Walks IPv6 extension headers; returns the upper-layer protocol in *next. */
static enum ps_result ipv6_ext_headers(struct cursor *c, uint8_t *next, uint32_t *left,
                                       struct ps_packet *pkt)
{
    for (int i = 0;; i++) {
        uint8_t nh = *next, hdr_next, hdr_len;
        if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_FRAGMENT_ &&
            nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_AH_ && nh != IPPROTO_MH_)
            return PS_OK;
        if (i >= PS_MAX_IP6_EXT_HDRS)
            return ps_mark(pkt, PS_MAL_EXT_LIMIT, PS_INVALID);
        pkt->ip_options = true;
        size_t start = c->off;
        if (!cur_u8(c, &hdr_next) || !cur_u8(c, &hdr_len))
            return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
        size_t len = nh == IPPROTO_FRAGMENT_ ? 8 : nh == IPPROTO_AH_ ? (hdr_len + 2u) * 4u
                                                                     : (hdr_len + 1u) * 8u;
        if (nh == IPPROTO_FRAGMENT_) {
            uint16_t off;
            uint32_t ident;
            if (!cur_u16be(c, &off) || !cur_u32be(c, &ident))
                return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
            pkt->frag_offset = off >> 3;
            pkt->more_fragments = (off & 1) != 0;
            pkt->is_fragment = pkt->more_fragments || pkt->frag_offset;
            pkt->first_fragment = pkt->frag_offset == 0;
            pkt->ip_id = ident;
        }
        if (len > *left)
            return ps_mark(pkt, PS_MAL_IP_INVALID, PS_INVALID);
        if (!cur_seek(c, start + len))
            return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
        *left -= (uint32_t)len;
        *next = hdr_next;
        if (nh == IPPROTO_FRAGMENT_) { /* what follows the Fragment header is fragmented */
            pkt->frag_len = *left;
            pkt->frag_proto = hdr_next;
        }
        if (nh == IPPROTO_FRAGMENT_ && !pkt->first_fragment)
            return PS_OK;
    }
}

enum ps_result ps_decode_ipv6(struct cursor *c, struct ps_packet *pkt)
{
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t next, hlim;
    pkt->l3 = PS_L3_IPV6;
    if (!cur_u32be(c, &vtcfl) || !cur_u16be(c, &plen) || !cur_u8(c, &next) ||
        !cur_u8(c, &hlim))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    if (!cur_copy(c, pkt->src.b, 16))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    pkt->src.family = 6;
    if (!cur_copy(c, pkt->dst.b, 16))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    pkt->dst.family = 6;
    if ((vtcfl >> 28) != 6)
        return ps_mark(pkt, PS_MAL_IP_INVALID, PS_INVALID);
    pkt->ttl = hlim;
    pkt->ip_len = 40u + plen;
    uint32_t left = plen;
    struct cursor pl = ip_payload(c, plen);
    enum ps_result r = ipv6_ext_headers(&pl, &next, &left, pkt);
    pkt->ip_proto = next;
    pkt->l3_payload = left;
    if (r != PS_OK)
        return r;
    if (pkt->is_fragment && !pkt->first_fragment) {
        pkt->payload = cur_ptr(&pl);
        pkt->payload_len = (uint32_t)cur_left(&pl);
        pkt->payload_wire = left;
        return PS_OK;
    }
    struct cursor rest = cur_make(cur_ptr(&pl), cur_left(&pl));
    return ps_decode_transport(next, &rest, left, pkt);
}

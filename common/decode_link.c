/* decode_link.c - link layers: Ethernet II with 802.1Q/802.1ad tags and
 * PPPoE session (IEEE 802.3, 802.1Q, RFC 2516), Linux cooked SLL/SLL2,
 * BSD loopback (DLT_NULL/DLT_LOOP) and raw IP. */
#include "caps.h"
#include "decode.h"

#include <string.h>

#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_PPPOE_SESS 0x8864

enum ps_result ps_mark(struct ps_packet *pkt, enum ps_malformed kind, enum ps_result r)
{
    if (pkt->malformed == PS_MAL_NONE)
        pkt->malformed = kind;
    return r;
}

bool ps_linktype_supported(int dlt)
{
    switch (dlt) {
    case PS_DLT_NULL: case PS_DLT_EN10MB: case PS_DLT_RAW: case PS_DLT_RAW_OPENBSD:
    case PS_DLT_LOOP: case PS_DLT_LINUX_SLL: case PS_DLT_LINKTYPE_RAW:
    case PS_DLT_IPV4: case PS_DLT_IPV6: case PS_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* PPP protocol field (RFC 1661) inside a PPPoE session frame. */
static enum ps_result decode_pppoe(struct cursor *c, struct ps_packet *pkt)
{
    uint16_t ppp_proto;
    if (!cur_skip(c, 6) || !cur_u16be(c, &ppp_proto))
        return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
    if (ppp_proto == 0x0021)
        return ps_decode_ethertype(0x0800, c, pkt);
    if (ppp_proto == 0x0057)
        return ps_decode_ethertype(0x86dd, c, pkt);
    pkt->l3 = PS_L3_OTHER;
    return PS_OK;
}

static enum ps_result decode_ethernet(struct cursor *c, struct ps_packet *pkt)
{
    uint16_t type;
    if (!cur_skip(c, 12) || !cur_u16be(c, &type))
        return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
        uint16_t tci;
        if (pkt->n_vlan >= PS_MAX_VLAN_TAGS)
            return ps_mark(pkt, PS_MAL_EXT_LIMIT, PS_INVALID);
        if (!cur_u16be(c, &tci) || !cur_u16be(c, &type))
            return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
        pkt->vlan = tci & 0x0fff;
        pkt->n_vlan++;
    }
    if (type == ETH_PPPOE_SESS) {
        pkt->ethertype = type;
        return decode_pppoe(c, pkt);
    }
    if (type <= 1500) { /* 802.3 length field: LLC/SNAP, STP, ... */
        pkt->l3 = PS_L3_OTHER;
        pkt->ethertype = 0;
        return PS_OK;
    }
    return ps_decode_ethertype(type, c, pkt);
}

static enum ps_result decode_sll(struct cursor *c, struct ps_packet *pkt)
{
    uint16_t type;
    if (!cur_skip(c, 14) || !cur_u16be(c, &type))
        return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
    return ps_decode_ethertype(type, c, pkt);
}

static enum ps_result decode_sll2(struct cursor *c, struct ps_packet *pkt)
{
    uint16_t type;
    if (!cur_u16be(c, &type) || !cur_skip(c, 18))
        return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
    return ps_decode_ethertype(type, c, pkt);
}

/* DLT_NULL stores the address family in the capturing host's byte order;
 * DLT_LOOP in network order. Both BSD AF_INET6 values (24, 28, 30) occur. */
static enum ps_result decode_null(struct cursor *c, struct ps_packet *pkt, bool network_order)
{
    uint32_t af;
    bool ok = network_order ? cur_u32be(c, &af) : cur_u32le(c, &af);
    if (!ok)
        return ps_mark(pkt, PS_MAL_LINK_TRUNC, PS_TRUNCATED);
    if (!network_order && (af & 0xffff0000u) && !(af & 0xffff))
        af = __builtin_bswap32(af);
    if (af == 2)
        return ps_decode_ethertype(0x0800, c, pkt);
    if (af == 24 || af == 28 || af == 30 || af == 10)
        return ps_decode_ethertype(0x86dd, c, pkt);
    pkt->l3 = PS_L3_OTHER;
    return PS_OK;
}

static enum ps_result decode_raw(struct cursor *c, struct ps_packet *pkt)
{
    uint8_t v;
    if (!cur_peek_at(c, c->off, &v))
        return ps_mark(pkt, PS_MAL_IP_TRUNC, PS_TRUNCATED);
    if ((v >> 4) == 4)
        return ps_decode_ethertype(0x0800, c, pkt);
    if ((v >> 4) == 6)
        return ps_decode_ethertype(0x86dd, c, pkt);
    return ps_mark(pkt, PS_MAL_IP_INVALID, PS_INVALID);
}

enum ps_result ps_decode_frame(int dlt, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen, struct ps_packet *pkt)
{
    uint64_t frame = pkt->frame;
    int64_t ts = pkt->ts_us;
    memset(pkt, 0, sizeof *pkt);
    pkt->frame = frame;
    pkt->ts_us = ts;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = dlt;
    struct cursor c = cur_make(data, caplen);
    switch (dlt) {
    case PS_DLT_EN10MB: return decode_ethernet(&c, pkt);
    case PS_DLT_LINUX_SLL: return decode_sll(&c, pkt);
    case PS_DLT_LINUX_SLL2: return decode_sll2(&c, pkt);
    case PS_DLT_NULL: return decode_null(&c, pkt, false);
    case PS_DLT_LOOP: return decode_null(&c, pkt, true);
    case PS_DLT_RAW: case PS_DLT_RAW_OPENBSD: case PS_DLT_LINKTYPE_RAW:
        return decode_raw(&c, pkt);
    case PS_DLT_IPV4: return ps_decode_ethertype(0x0800, &c, pkt);
    case PS_DLT_IPV6: return ps_decode_ethertype(0x86dd, &c, pkt);
    default:
        return ps_mark(pkt, PS_MAL_LINK_UNKNOWN, PS_INVALID);
    }
}

const char *ps_malformed_name(enum ps_malformed kind)
{
    static const char *const names[PS_MAL_KINDS] = {
        "none", "link_truncated", "link_unknown", "ip_truncated", "ip_invalid",
        "l4_truncated", "l4_invalid", "header_limit"};
    return (unsigned)kind < PS_MAL_KINDS ? names[kind] : "unknown";
}

/* test_decode.c - ps_decode_frame over hand-built frames of every link type
 * we decode (Ethernet with 802.1Q/QinQ/PPPoE, SLL, SLL2, DLT_NULL both byte
 * orders, raw IPv4/IPv6), IPv6 extension headers, IPv4/IPv6 fragments, ICMP
 * errors quoting a 5-tuple, ARP; then every frame cut at every length.
 * Wire formats: IEEE 802.3/802.1Q, RFC 2516, RFC 791, RFC 8200, RFC 9293,
 * RFC 768, RFC 792, RFC 4443, RFC 826. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "unit.h"

/* ---- frame builder: explicit big-endian stores, no structs over bytes ---- */

struct fb {
    uint8_t b[512];
    size_t n;
};

static void put8(struct fb *f, uint8_t v) { f->b[f->n++] = v; }
static void put16(struct fb *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}
static void put32(struct fb *f, uint32_t v)
{
    put16(f, (uint16_t)(v >> 16));
    put16(f, (uint16_t)v);
}
static void putn(struct fb *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static void zeros(struct fb *f, size_t n)
{
    memset(f->b + f->n, 0, n);
    f->n += n;
}
static void patch16(struct fb *f, size_t at, uint16_t v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static const uint8_t MAC_A[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t MAC_B[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
static const uint8_t IP4_C[4] = {192, 168, 1, 10};
static const uint8_t IP4_S[4] = {93, 184, 216, 34};
static const uint8_t IP6_C[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
static const uint8_t IP6_S[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};

static void eth_addrs(struct fb *f)
{
    putn(f, MAC_B, 6);
    putn(f, MAC_A, 6);
}

/* IPv4 header (20 bytes + optlen of NOP..EOL options); returns the offset
 * of the total-length field so the caller patches it. */
static size_t ipv4(struct fb *f, uint8_t proto, uint16_t id, uint16_t frag, const uint8_t src[4],
                   const uint8_t dst[4], unsigned optlen)
{
    put8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
    put8(f, 0);
    size_t at = f->n;
    put16(f, 0);
    put16(f, id);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    putn(f, src, 4);
    putn(f, dst, 4);
    for (unsigned i = 0; i < optlen; i++)
        put8(f, i + 1 < optlen ? 1 : 0); /* NOP ... EOL */
    return at;
}

/* IPv6 fixed header; returns the offset of the payload-length field. */
static size_t ipv6(struct fb *f, uint8_t next, const uint8_t src[16], const uint8_t dst[16])
{
    put32(f, 0x60000000u);
    size_t at = f->n;
    put16(f, 0);
    put8(f, next);
    put8(f, 61);
    putn(f, src, 16);
    putn(f, dst, 16);
    return at;
}

static void udp(struct fb *f, uint16_t sport, uint16_t dport, const char *data)
{
    size_t n = strlen(data);
    put16(f, sport);
    put16(f, dport);
    put16(f, (uint16_t)(8 + n));
    put16(f, 0);
    putn(f, data, n);
}

static void tcp_plain(struct fb *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, 1000);
    put32(f, 2000);
    put8(f, 0x50);
    put8(f, flags);
    put16(f, 1024);
    put32(f, 0);
}

/* ---- the frames, with where each layer's headers end ---- */

struct frame {
    const char *name;
    int dlt;
    struct fb f;
    size_t link_end, net_end, l4_end; /* cut before these: link/IP/L4 truncated */
    enum ps_malformed link_kind;      /* kind for a cut link header (ARP uses IP) */
    bool icmp;                        /* l4 is an 8-byte ICMP header */
};

static struct frame frames[32];
static int n_frames;

static struct frame *new_frame(const char *name, int dlt)
{
    struct frame *fr = &frames[n_frames++];
    memset(fr, 0, sizeof *fr);
    fr->name = name;
    fr->dlt = dlt;
    fr->link_kind = PS_MAL_LINK_TRUNC;
    return fr;
}

/* Ethernet / IPv4 (with options) / TCP (MSS, SACK-perm, wscale) / "hello". */
static void build_eth_ipv4_tcp(void)
{
    struct frame *fr = new_frame("eth/ipv4+opts/tcp+opts", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x0800);
    fr->link_end = f->n;
    size_t tl = ipv4(f, 6, 0x1234, 0x4000 /* DF */, IP4_C, IP4_S, 4);
    fr->net_end = f->n;
    put16(f, 51000);
    put16(f, 80);
    put32(f, 0x01020304);
    put32(f, 0x0a0b0c0d);
    put8(f, 0x80); /* 32-byte header */
    put8(f, PS_TH_PSH | PS_TH_ACK);
    put16(f, 502);
    put32(f, 0);
    putn(f, "\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x07", 12);
    fr->l4_end = f->n;
    putn(f, "hello", 5);
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
}

static void build_vlan(const char *name, const uint16_t *tags, const uint16_t *tpids, int n)
{
    struct frame *fr = new_frame(name, PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    for (int i = 0; i < n; i++) {
        put16(f, tpids[i]);
        put16(f, tags[i]);
    }
    put16(f, 0x0800);
    fr->link_end = f->n;
    size_t tl = ipv4(f, 17, 7, 0, IP4_C, IP4_S, 0);
    fr->net_end = f->n;
    udp(f, 47000, 53, "");
    fr->l4_end = f->n;
    putn(f, "abcd", 4);
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
    patch16(f, fr->net_end + 4, (uint16_t)(f->n - fr->net_end));
}

static void build_pppoe(const char *name, bool qinq)
{
    struct frame *fr = new_frame(name, PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    if (qinq) { /* as in ndpi__dns.pcap: two 802.1Q tags, then PPPoE */
        put16(f, 0x8100);
        put16(f, 421);
        put16(f, 0x8100);
        put16(f, 785);
    }
    put16(f, 0x8864);
    put8(f, 0x11);
    put8(f, 0x00);
    put16(f, 0x1234);
    size_t plen = f->n;
    put16(f, 0);
    put16(f, 0x0021); /* PPP: IPv4 */
    fr->link_end = f->n;
    size_t tl = ipv4(f, 17, 8, 0, IP4_C, IP4_S, 0);
    fr->net_end = f->n;
    udp(f, 47001, 53, "q");
    fr->l4_end = fr->net_end + 8;
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
    patch16(f, plen, (uint16_t)(f->n - plen - 2)); /* PPP protocol + IP */
}

static void build_sll(void)
{
    struct frame *fr = new_frame("sll/ipv4/tcp", PS_DLT_LINUX_SLL);
    struct fb *f = &fr->f;
    put16(f, 0);      /* packet type: to us */
    put16(f, 1);      /* ARPHRD_ETHER */
    put16(f, 6);      /* address length */
    putn(f, MAC_A, 6);
    put16(f, 0);      /* address padded to 8 */
    put16(f, 0x0800); /* protocol */
    fr->link_end = f->n;
    size_t tl = ipv4(f, 6, 9, 0, IP4_C, IP4_S, 0);
    fr->net_end = f->n;
    tcp_plain(f, 40000, 443, PS_TH_SYN);
    fr->l4_end = f->n;
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
}

static void build_sll2(void)
{
    struct frame *fr = new_frame("sll2/ipv6/udp", PS_DLT_LINUX_SLL2);
    struct fb *f = &fr->f;
    put16(f, 0x86dd); /* protocol first in SLL2 */
    put16(f, 0);      /* reserved */
    put32(f, 2);      /* ifindex */
    put16(f, 1);      /* ARPHRD_ETHER */
    put8(f, 4);       /* packet type: outgoing */
    put8(f, 6);
    putn(f, MAC_A, 6);
    put16(f, 0);
    fr->link_end = f->n;
    size_t pl = ipv6(f, 17, IP6_C, IP6_S);
    fr->net_end = f->n;
    udp(f, 5353, 5353, "mdns");
    fr->l4_end = fr->net_end + 8;
    patch16(f, pl, (uint16_t)(f->n - fr->net_end));
}

/* DLT_NULL: AF_INET (2) with an ICMP echo, AF_INET6 (30, macOS) with TCP;
 * the family in either byte order (the capturing host's). */
static void build_null(const char *name, uint32_t af, bool big_endian)
{
    struct frame *fr = new_frame(name, PS_DLT_NULL);
    struct fb *f = &fr->f;
    if (big_endian) {
        put32(f, af);
    } else {
        put8(f, (uint8_t)af);
        put8(f, (uint8_t)(af >> 8));
        put8(f, (uint8_t)(af >> 16));
        put8(f, (uint8_t)(af >> 24));
    }
    fr->link_end = f->n;
    if (af == 2) {
        size_t tl = ipv4(f, 1, 10, 0, IP4_C, IP4_S, 0);
        fr->net_end = f->n;
        put8(f, 8); /* echo request */
        put8(f, 0);
        put16(f, 0);
        put16(f, 0x4242);
        put16(f, 1);
        fr->l4_end = f->n;
        fr->icmp = true;
        putn(f, "pingping", 8);
        patch16(f, tl, (uint16_t)(f->n - fr->link_end));
    } else {
        size_t pl = ipv6(f, 6, IP6_C, IP6_S);
        fr->net_end = f->n;
        tcp_plain(f, 50000, 443, PS_TH_SYN);
        fr->l4_end = f->n;
        patch16(f, pl, (uint16_t)(f->n - fr->net_end));
    }
}

static void build_raw(const char *name, int dlt, int version)
{
    struct frame *fr = new_frame(name, dlt);
    struct fb *f = &fr->f;
    fr->link_end = 0;
    fr->link_kind = PS_MAL_IP_TRUNC;
    if (version == 4) {
        size_t tl = ipv4(f, 6, 11, 0, IP4_C, IP4_S, 0);
        fr->net_end = f->n;
        tcp_plain(f, 40001, 80, PS_TH_ACK);
        fr->l4_end = f->n;
        putn(f, "GET", 3);
        patch16(f, tl, (uint16_t)f->n);
    } else {
        size_t pl = ipv6(f, 17, IP6_C, IP6_S);
        fr->net_end = f->n;
        udp(f, 40002, 53, "xyz");
        fr->l4_end = fr->net_end + 8;
        patch16(f, pl, (uint16_t)(f->n - fr->net_end));
    }
}

/* IPv6 + Hop-by-Hop (8) + Routing type 0 (24) + Fragment (first, M=1) + UDP. */
static void build_ipv6_ext(void)
{
    struct frame *fr = new_frame("eth/ipv6+hbh+rh+frag/udp", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x86dd);
    fr->link_end = f->n;
    size_t pl = ipv6(f, 0, IP6_C, IP6_S);
    size_t payload_start = f->n;
    put8(f, 43); /* HBH -> routing */
    put8(f, 0);
    putn(f, "\x01\x04\x00\x00\x00\x00", 6); /* PadN */
    put8(f, 44); /* routing -> fragment */
    put8(f, 2);  /* 24 bytes */
    put8(f, 0);  /* type 0 */
    put8(f, 1);  /* segments left */
    put32(f, 0);
    putn(f, IP6_S, 16);
    put8(f, 17); /* fragment -> UDP */
    put8(f, 0);
    put16(f, 0x0001); /* offset 0, M */
    put32(f, 0xdeadbeef);
    fr->net_end = f->n;
    udp(f, 5000, 6000, "0123456789abcdef");
    fr->l4_end = fr->net_end + 8;
    patch16(f, pl, (uint16_t)(f->n - payload_start));
}

/* IPv6 non-first fragment: offset 1480, last. */
static void build_ipv6_frag_tail(void)
{
    struct frame *fr = new_frame("eth/ipv6+frag(tail)", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x86dd);
    fr->link_end = f->n;
    size_t pl = ipv6(f, 44, IP6_C, IP6_S);
    size_t payload_start = f->n;
    put8(f, 17);
    put8(f, 0);
    put16(f, (uint16_t)(185 << 3)); /* offset 185 * 8 = 1480, M = 0 */
    put32(f, 0xdeadbeef);
    fr->net_end = f->n;
    fr->l4_end = f->n; /* no transport header in a tail fragment */
    putn(f, "tail-of-datagram", 16);
    patch16(f, pl, (uint16_t)(f->n - payload_start));
}

/* IPv4 fragments: first (MF, offset 0, with the UDP header), middle, last. */
static void build_ipv4_frag(const char *name, uint16_t fragfield)
{
    struct frame *fr = new_frame(name, PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x0800);
    fr->link_end = f->n;
    size_t tl = ipv4(f, 17, 0x4321, fragfield, IP4_C, IP4_S, 0);
    fr->net_end = f->n;
    if ((fragfield & 0x1fff) == 0) {
        put16(f, 1111);
        put16(f, 2222);
        put16(f, 8 + 3000);
        put16(f, 0);
        fr->l4_end = f->n;
        zeros(f, 16);
    } else {
        fr->l4_end = f->n;
        zeros(f, 24);
    }
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
}

/* ICMP port unreachable from 10.0.0.1 quoting 192.168.1.10:40000 -> 8.8.8.8:53. */
static void build_icmp_error(void)
{
    static const uint8_t router[4] = {10, 0, 0, 1}, dns[4] = {8, 8, 8, 8};
    struct frame *fr = new_frame("eth/ipv4/icmp-unreach(udp)", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x0800);
    fr->link_end = f->n;
    size_t tl = ipv4(f, 1, 12, 0, router, IP4_C, 0);
    fr->net_end = f->n;
    put8(f, 3);
    put8(f, 3);
    put16(f, 0);
    put32(f, 0);
    fr->l4_end = f->n;
    fr->icmp = true;
    size_t inner = ipv4(f, 17, 0x55aa, 0, IP4_C, dns, 0);
    patch16(f, inner, 20 + 8 + 28); /* the original was longer than what is quoted */
    put16(f, 40000);
    put16(f, 53);
    put16(f, 36);
    put16(f, 0);
    patch16(f, tl, (uint16_t)(f->n - fr->link_end));
}

/* ICMPv6 destination unreachable (port) quoting an IPv6 UDP datagram. */
static void build_icmp6_error(void)
{
    struct frame *fr = new_frame("eth/ipv6/icmp6-unreach(udp)", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    eth_addrs(f);
    put16(f, 0x86dd);
    fr->link_end = f->n;
    size_t pl = ipv6(f, 58, IP6_S, IP6_C);
    fr->net_end = f->n;
    put8(f, 1);
    put8(f, 4);
    put16(f, 0);
    put32(f, 0);
    fr->l4_end = f->n;
    fr->icmp = true;
    size_t inner = ipv6(f, 17, IP6_C, IP6_S);
    patch16(f, inner, 100);
    put16(f, 41000);
    put16(f, 123);
    put16(f, 100);
    put16(f, 0);
    patch16(f, pl, (uint16_t)(f->n - fr->net_end));
}

static void build_arp(void)
{
    static const uint8_t gw[4] = {192, 168, 1, 1};
    struct frame *fr = new_frame("eth/arp-request", PS_DLT_EN10MB);
    struct fb *f = &fr->f;
    putn(f, "\xff\xff\xff\xff\xff\xff", 6);
    putn(f, MAC_A, 6);
    put16(f, 0x0806);
    fr->link_end = f->n;
    put16(f, 1);
    put16(f, 0x0800);
    put8(f, 6);
    put8(f, 4);
    put16(f, 1);
    putn(f, MAC_A, 6);
    putn(f, IP4_C, 4);
    zeros(f, 6);
    putn(f, gw, 4);
    fr->net_end = fr->l4_end = f->n;
    zeros(f, 18); /* Ethernet padding to 60 bytes */
}

static void build_all(void)
{
    static const uint16_t tag100[] = {0x2064}, tpid1[] = {0x8100};
    static const uint16_t qinq[] = {13, 10}, tpid2[] = {0x88a8, 0x8100};
    n_frames = 0;
    build_eth_ipv4_tcp();
    build_vlan("eth/802.1q/ipv4/udp", tag100, tpid1, 1);
    build_vlan("eth/qinq/ipv4/udp", qinq, tpid2, 2);
    build_pppoe("eth/pppoe/ipv4/udp", false);
    build_pppoe("eth/802.1q*2/pppoe/ipv4/udp", true);
    build_sll();
    build_sll2();
    build_null("null/af2-le/ipv4/icmp", 2, false);
    build_null("null/af2-be/ipv4/icmp", 2, true);
    build_null("null/af30-le/ipv6/tcp", 30, false);
    build_null("null/af30-be/ipv6/tcp", 30, true);
    build_raw("raw12/ipv4/tcp", PS_DLT_RAW, 4);
    build_raw("raw101/ipv4/tcp", PS_DLT_LINKTYPE_RAW, 4);
    build_raw("ipv4-228/tcp", PS_DLT_IPV4, 4);
    build_raw("raw12/ipv6/udp", PS_DLT_RAW, 6);
    build_raw("raw101/ipv6/udp", PS_DLT_LINKTYPE_RAW, 6);
    build_raw("ipv6-229/udp", PS_DLT_IPV6, 6);
    build_ipv6_ext();
    build_ipv6_frag_tail();
    build_ipv4_frag("eth/ipv4-frag-first", 0x2000);
    build_ipv4_frag("eth/ipv4-frag-middle", 0x2000 | 185);
    build_ipv4_frag("eth/ipv4-frag-last", 370);
    build_icmp_error();
    build_icmp6_error();
    build_arp();
}

static struct frame *frame_named(const char *name)
{
    for (int i = 0; i < n_frames; i++)
        if (strcmp(frames[i].name, name) == 0)
            return &frames[i];
    fprintf(stderr, "no frame %s\n", name);
    exit(2);
}

/* Decodes the first caplen bytes from an exact-size heap copy (ASan sees any
 * over-read); wirelen is the full frame. */
static enum ps_result decode_cut(const struct frame *fr, size_t caplen, struct ps_packet *pkt)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    memcpy(copy, fr->f.b, caplen);
    memset(pkt, 0xa5, sizeof *pkt); /* decode must reset everything */
    pkt->frame = 77;
    pkt->ts_us = 1234567;
    enum ps_result r = ps_decode_frame(fr->dlt, copy, (uint32_t)caplen, (uint32_t)fr->f.n, pkt);
    free(copy);
    pkt->payload = NULL; /* pointed into the freed copy */
    return r;
}

static enum ps_result decode(const char *name, struct ps_packet *pkt)
{
    const struct frame *fr = frame_named(name);
    enum ps_result r = decode_cut(fr, fr->f.n, pkt);
    /* decode again to keep a valid payload pointer into the static frame */
    memset(pkt, 0, sizeof *pkt);
    enum ps_result r2 = ps_decode_frame(fr->dlt, fr->f.b, (uint32_t)fr->f.n,
                                        (uint32_t)fr->f.n, pkt);
    CHECK_INT(r, r2);
    return r;
}

static bool addr_is(const struct ps_addr *a, int family, const uint8_t *b)
{
    return a->family == family && memcmp(a->b, b, family == 4 ? 4 : 16) == 0;
}

/* ---- field checks on the whole frames ---- */

static void test_eth_ipv4_tcp(void)
{
    struct ps_packet p;
    const struct frame *fr = frame_named("eth/ipv4+opts/tcp+opts");
    struct ps_packet q;
    CHECK_INT(decode_cut(fr, fr->f.n, &q), PS_OK);
    CHECK_INT(q.frame, 77); /* kept from the caller */
    CHECK_INT(q.ts_us, 1234567);
    CHECK_INT(decode("eth/ipv4+opts/tcp+opts", &p), PS_OK);
    CHECK_INT(p.malformed, PS_MAL_NONE);
    CHECK_INT(p.linktype, PS_DLT_EN10MB);
    CHECK_INT(p.caplen, 75);
    CHECK_INT(p.wirelen, 75);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK_INT(p.ethertype, 0x0800);
    CHECK_INT(p.vlan, 0);
    CHECK_INT(p.n_vlan, 0);
    CHECK(addr_is(&p.src, 4, IP4_C));
    CHECK(addr_is(&p.dst, 4, IP4_S));
    CHECK_INT(p.ttl, 64);
    CHECK_INT(p.ip_proto, 6);
    CHECK_INT(p.ip_len, 61);
    CHECK_INT(p.l3_payload, 37);
    CHECK_INT(p.ip_id, 0x1234);
    CHECK(p.ip_options);
    CHECK(!p.is_fragment); /* DF alone is not a fragment */
    CHECK(p.first_fragment);
    CHECK(!p.more_fragments);
    CHECK(p.has_ports);
    CHECK_INT(p.sport, 51000);
    CHECK_INT(p.dport, 80);
    CHECK_INT(p.seq, 0x01020304);
    CHECK_INT(p.ack, 0x0a0b0c0d);
    CHECK_INT(p.tcp_flags, PS_TH_PSH | PS_TH_ACK);
    CHECK_INT(p.window, 502);
    CHECK_INT(p.payload_len, 5);
    CHECK_INT(p.payload_wire, 5);
    CHECK(p.payload && memcmp(p.payload, "hello", 5) == 0);
    CHECK(!p.quoted.present);
    CHECK(!p.has_icmp);
}

static void test_vlan(void)
{
    struct ps_packet p;
    CHECK_INT(decode("eth/802.1q/ipv4/udp", &p), PS_OK);
    CHECK_INT(p.vlan, 100); /* the PCP bits are not part of the id */
    CHECK_INT(p.n_vlan, 1);
    CHECK_INT(p.ethertype, 0x0800);
    CHECK_INT(p.ip_proto, 17);
    CHECK_INT(p.sport, 47000);
    CHECK_INT(p.dport, 53);
    CHECK_INT(p.payload_len, 4);

    CHECK_INT(decode("eth/qinq/ipv4/udp", &p), PS_OK);
    CHECK_INT(p.vlan, 10); /* innermost */
    CHECK_INT(p.n_vlan, 2);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK(p.has_ports);
}

static void test_pppoe(void)
{
    struct ps_packet p;
    CHECK_INT(decode("eth/pppoe/ipv4/udp", &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK_INT(p.ethertype, 0x0800);
    CHECK(addr_is(&p.src, 4, IP4_C));
    CHECK_INT(p.sport, 47001);
    CHECK_INT(p.payload_len, 1);

    CHECK_INT(decode("eth/802.1q*2/pppoe/ipv4/udp", &p), PS_OK);
    CHECK_INT(p.vlan, 785);
    CHECK_INT(p.n_vlan, 2);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK_INT(p.dport, 53);

    /* PPPoE carrying LCP (0xc021): not IP, not malformed */
    struct fb f = {{0}, 0};
    eth_addrs(&f);
    put16(&f, 0x8864);
    putn(&f, "\x11\x00\x00\x01\x00\x06", 6);
    put16(&f, 0xc021);
    zeros(&f, 4);
    CHECK_INT(ps_decode_frame(PS_DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_OTHER);
    CHECK_INT(p.malformed, PS_MAL_NONE);
}

static void test_sll(void)
{
    struct ps_packet p;
    CHECK_INT(decode("sll/ipv4/tcp", &p), PS_OK);
    CHECK_INT(p.linktype, PS_DLT_LINUX_SLL);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK(addr_is(&p.dst, 4, IP4_S));
    CHECK_INT(p.dport, 443);
    CHECK_INT(p.tcp_flags, PS_TH_SYN);
    CHECK_INT(p.payload_len, 0);

    CHECK_INT(decode("sll2/ipv6/udp", &p), PS_OK);
    CHECK_INT(p.linktype, PS_DLT_LINUX_SLL2);
    CHECK_INT(p.l3, PS_L3_IPV6);
    CHECK_INT(p.ethertype, 0x86dd);
    CHECK(addr_is(&p.src, 6, IP6_C));
    CHECK(addr_is(&p.dst, 6, IP6_S));
    CHECK_INT(p.ttl, 61);
    CHECK_INT(p.ip_proto, 17);
    CHECK_INT(p.sport, 5353);
    CHECK_INT(p.payload_len, 4);
    CHECK(p.payload && memcmp(p.payload, "mdns", 4) == 0);
}

static void test_null(void)
{
    static const char *const v4[] = {"null/af2-le/ipv4/icmp", "null/af2-be/ipv4/icmp"};
    static const char *const v6[] = {"null/af30-le/ipv6/tcp", "null/af30-be/ipv6/tcp"};
    struct ps_packet p;
    for (int i = 0; i < 2; i++) {
        CHECK_INT(decode(v4[i], &p), PS_OK);
        CHECK_INT(p.l3, PS_L3_IPV4);
        CHECK_INT(p.ip_proto, 1);
        CHECK(p.has_icmp);
        CHECK_INT(p.icmp_type, 8);
        CHECK(!p.has_ports);
        CHECK(!p.quoted.present); /* an echo request quotes nothing */
        CHECK_INT(p.payload_len, 8);
        CHECK_INT(p.payload_wire, 8);
    }
    for (int i = 0; i < 2; i++) {
        CHECK_INT(decode(v6[i], &p), PS_OK);
        CHECK_INT(p.l3, PS_L3_IPV6);
        CHECK(addr_is(&p.src, 6, IP6_C));
        CHECK_INT(p.ip_proto, 6);
        CHECK_INT(p.sport, 50000);
        CHECK_INT(p.dport, 443);
    }
    /* the other BSD AF_INET6 values and DLT_LOOP (network order always) */
    static const uint32_t afs[] = {24, 28, 10};
    for (int i = 0; i < 3; i++) {
        struct fb f = {{0}, 0};
        put8(&f, (uint8_t)afs[i]);
        zeros(&f, 3);
        size_t pl = ipv6(&f, 59, IP6_C, IP6_S);
        patch16(&f, pl, 0);
        CHECK_INT(ps_decode_frame(PS_DLT_NULL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_OK);
        CHECK_INT(p.l3, PS_L3_IPV6);
    }
    struct fb f = {{0}, 0};
    put32(&f, 2);
    size_t tl = ipv4(&f, 17, 1, 0, IP4_C, IP4_S, 0);
    udp(&f, 1, 2, "");
    patch16(&f, tl, 28);
    CHECK_INT(ps_decode_frame(PS_DLT_LOOP, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_IPV4);
    CHECK_INT(p.dport, 2);
    /* an address family we do not know: not IP, not malformed */
    f.b[3] = 7;
    CHECK_INT(ps_decode_frame(PS_DLT_LOOP, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_OTHER);
}

static void test_raw(void)
{
    static const char *const v4[] = {"raw12/ipv4/tcp", "raw101/ipv4/tcp", "ipv4-228/tcp"};
    static const char *const v6[] = {"raw12/ipv6/udp", "raw101/ipv6/udp", "ipv6-229/udp"};
    struct ps_packet p;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(decode(v4[i], &p), PS_OK);
        CHECK_INT(p.l3, PS_L3_IPV4);
        CHECK_INT(p.ip_proto, 6);
        CHECK_INT(p.dport, 80);
        CHECK_INT(p.payload_len, 3);
        CHECK_INT(decode(v6[i], &p), PS_OK);
        CHECK_INT(p.l3, PS_L3_IPV6);
        CHECK_INT(p.ip_proto, 17);
        CHECK_INT(p.dport, 53);
        CHECK_INT(p.payload_len, 3);
    }
    /* version nibble neither 4 nor 6 */
    const uint8_t junk[20] = {0x50};
    CHECK_INT(ps_decode_frame(PS_DLT_RAW, junk, 20, 20, &p), PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_IP_INVALID);
}

static void test_ipv6_ext(void)
{
    struct ps_packet p;
    CHECK_INT(decode("eth/ipv6+hbh+rh+frag/udp", &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_IPV6);
    CHECK(p.ip_options);
    CHECK_INT(p.ip_proto, 17);
    CHECK(p.is_fragment);
    CHECK(p.first_fragment);
    CHECK(p.more_fragments);
    CHECK_INT(p.frag_offset, 0);
    CHECK_INT(p.ip_id, 0xdeadbeef);
    CHECK_INT(p.ip_len, 40 + 8 + 24 + 8 + 24);
    CHECK_INT(p.l3_payload, 24); /* after the extension headers */
    CHECK(p.has_ports);
    CHECK_INT(p.sport, 5000);
    CHECK_INT(p.dport, 6000);
    CHECK_INT(p.payload_len, 16);

    CHECK_INT(decode("eth/ipv6+frag(tail)", &p), PS_OK);
    CHECK(p.is_fragment);
    CHECK(!p.first_fragment);
    CHECK(!p.more_fragments);
    CHECK_INT(p.frag_offset, 185);
    CHECK_INT(p.ip_id, 0xdeadbeef);
    CHECK_INT(p.ip_proto, 17);
    CHECK(!p.has_ports); /* a tail fragment carries no transport header */
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.payload_len, 16);
    CHECK_INT(p.l3_payload, 16);

    /* nine Destination Options headers: more than PS_MAX_IP6_EXT_HDRS */
    struct fb f = {{0}, 0};
    size_t pl = ipv6(&f, 60, IP6_C, IP6_S);
    for (int i = 0; i < 9; i++) {
        put8(&f, i < 8 ? 60 : 59);
        put8(&f, 0);
        putn(&f, "\x01\x04\x00\x00\x00\x00", 6);
    }
    patch16(&f, pl, 72);
    CHECK_INT(ps_decode_frame(PS_DLT_RAW, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_EXT_LIMIT);
    /* an extension header longer than the payload length says */
    f.n = 0;
    pl = ipv6(&f, 0, IP6_C, IP6_S);
    put8(&f, 59);
    put8(&f, 4); /* 40 bytes, but the payload is 8 */
    zeros(&f, 6);
    patch16(&f, pl, 8);
    CHECK_INT(ps_decode_frame(PS_DLT_RAW, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_IP_INVALID);
}

static void test_ipv4_frag(void)
{
    struct ps_packet p;
    CHECK_INT(decode("eth/ipv4-frag-first", &p), PS_OK);
    CHECK(p.is_fragment);
    CHECK(p.first_fragment);
    CHECK(p.more_fragments);
    CHECK_INT(p.frag_offset, 0);
    CHECK_INT(p.ip_id, 0x4321);
    CHECK(p.has_ports);
    CHECK_INT(p.sport, 1111);
    CHECK_INT(p.l3_payload, 24);

    CHECK_INT(decode("eth/ipv4-frag-middle", &p), PS_OK);
    CHECK(p.is_fragment);
    CHECK(!p.first_fragment);
    CHECK(p.more_fragments);
    CHECK_INT(p.frag_offset, 185);
    CHECK(!p.has_ports);
    CHECK_INT(p.payload_len, 24);
    CHECK_INT(p.payload_wire, 24);

    CHECK_INT(decode("eth/ipv4-frag-last", &p), PS_OK);
    CHECK(p.is_fragment);
    CHECK(!p.first_fragment);
    CHECK(!p.more_fragments);
    CHECK_INT(p.frag_offset, 370);
    CHECK(!p.has_ports);
}

static void test_icmp_quote(void)
{
    static const uint8_t router[4] = {10, 0, 0, 1}, dns[4] = {8, 8, 8, 8};
    struct ps_packet p;
    CHECK_INT(decode("eth/ipv4/icmp-unreach(udp)", &p), PS_OK);
    CHECK(addr_is(&p.src, 4, router));
    CHECK(p.has_icmp);
    CHECK_INT(p.icmp_type, 3);
    CHECK_INT(p.icmp_code, 3);
    CHECK(!p.has_ports);
    CHECK(p.quoted.present);
    CHECK(addr_is(&p.quoted.src, 4, IP4_C));
    CHECK(addr_is(&p.quoted.dst, 4, dns));
    CHECK_INT(p.quoted.proto, 17);
    CHECK_INT(p.quoted.sport, 40000);
    CHECK_INT(p.quoted.dport, 53);
    CHECK_INT(p.malformed, PS_MAL_NONE); /* a short quote is normal */

    CHECK_INT(decode("eth/ipv6/icmp6-unreach(udp)", &p), PS_OK);
    CHECK_INT(p.ip_proto, 58);
    CHECK_INT(p.icmp_type, 1);
    CHECK_INT(p.icmp_code, 4);
    CHECK(p.quoted.present);
    CHECK(addr_is(&p.quoted.src, 6, IP6_C));
    CHECK(addr_is(&p.quoted.dst, 6, IP6_S));
    CHECK_INT(p.quoted.proto, 17);
    CHECK_INT(p.quoted.sport, 41000);
    CHECK_INT(p.quoted.dport, 123);
}

static void test_arp(void)
{
    static const uint8_t gw[4] = {192, 168, 1, 1};
    struct ps_packet p;
    CHECK_INT(decode("eth/arp-request", &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_ARP);
    CHECK_INT(p.ethertype, 0x0806);
    CHECK_INT(p.arp_op, 1);
    CHECK(memcmp(p.arp_sha, MAC_A, 6) == 0);
    CHECK(addr_is(&p.arp_spa, 4, IP4_C));
    CHECK(addr_is(&p.arp_tpa, 4, gw));
    CHECK(addr_is(&p.src, 4, IP4_C));
    CHECK(addr_is(&p.dst, 4, gw));
    CHECK_INT(p.ip_proto, 0);
    CHECK(!p.has_ports);
}

static void test_unknown_and_invalid(void)
{
    struct ps_packet p;
    const uint8_t bytes[64] = {0};
    CHECK(!ps_linktype_supported(147));
    CHECK(ps_linktype_supported(PS_DLT_LINUX_SLL2));
    CHECK_INT(ps_decode_frame(147, bytes, 64, 64, &p), PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_LINK_UNKNOWN);
    CHECK_INT(p.l3, PS_L3_NONE);
    CHECK_STR(ps_malformed_name(PS_MAL_LINK_UNKNOWN), "link_unknown");
    CHECK_STR(ps_malformed_name(PS_MAL_KINDS), "unknown");

    /* TCP data offset 4 (16 bytes) */
    struct frame *fr = frame_named("sll/ipv4/tcp");
    struct fb f = fr->f;
    f.b[fr->net_end + 12] = 0x40;
    CHECK_INT(ps_decode_frame(PS_DLT_LINUX_SLL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p),
              PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_L4_INVALID);
    CHECK(p.has_ports); /* the ports were read before the offset */
    /* TCP data offset 15 (60 bytes) beyond the IP length */
    f.b[fr->net_end + 12] = 0xf0;
    CHECK_INT(ps_decode_frame(PS_DLT_LINUX_SLL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p),
              PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_L4_INVALID);
    /* IPv4 version 5, IHL 4, total length below the header */
    f = fr->f;
    f.b[fr->link_end] = 0x55;
    CHECK_INT(ps_decode_frame(PS_DLT_LINUX_SLL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p),
              PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_IP_INVALID);
    f.b[fr->link_end] = 0x44;
    CHECK_INT(ps_decode_frame(PS_DLT_LINUX_SLL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p),
              PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_IP_INVALID);
    f = fr->f;
    patch16(&f, fr->link_end + 2, 19);
    CHECK_INT(ps_decode_frame(PS_DLT_LINUX_SLL, f.b, (uint32_t)f.n, (uint32_t)f.n, &p),
              PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_IP_INVALID);

    /* five VLAN tags: more than PS_MAX_VLAN_TAGS */
    f.n = 0;
    eth_addrs(&f);
    for (int i = 0; i < 5; i++) {
        put16(&f, 0x8100);
        put16(&f, (uint16_t)(i + 1));
    }
    put16(&f, 0x0800);
    zeros(&f, 20);
    CHECK_INT(ps_decode_frame(PS_DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_INVALID);
    CHECK_INT(p.malformed, PS_MAL_EXT_LIMIT);

    /* 802.3 length field (LLC/STP): not IP, not malformed */
    f.n = 0;
    putn(&f, "\x01\x80\xc2\x00\x00\x00", 6);
    putn(&f, MAC_A, 6);
    put16(&f, 39);
    putn(&f, "\x42\x42\x03", 3);
    zeros(&f, 36);
    CHECK_INT(ps_decode_frame(PS_DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), PS_OK);
    CHECK_INT(p.l3, PS_L3_OTHER);
    CHECK_INT(p.malformed, PS_MAL_NONE);
}

/* Ethernet pads short frames to 60 bytes: the padding is not payload. */
static void test_padding_not_payload(void)
{
    struct fb f = {{0}, 0};
    eth_addrs(&f);
    put16(&f, 0x0800);
    size_t tl = ipv4(&f, 17, 1, 0, IP4_C, IP4_S, 0);
    udp(&f, 1000, 2000, "ab");
    patch16(&f, tl, 30);
    zeros(&f, 60 - f.n);
    struct ps_packet p;
    CHECK_INT(ps_decode_frame(PS_DLT_EN10MB, f.b, 60, 60, &p), PS_OK);
    CHECK_INT(p.payload_len, 2);
    CHECK_INT(p.payload_wire, 2);
    CHECK_INT(p.ip_len, 30);
}

/* Snap length shorter than the IP length: the payload is what was captured,
 * payload_wire what the headers declare; not malformed. */
static void test_snaplen_payload(void)
{
    const struct frame *fr = frame_named("eth/ipv4+opts/tcp+opts");
    struct ps_packet p;
    CHECK_INT(decode_cut(fr, fr->l4_end + 2, &p), PS_OK);
    CHECK_INT(p.malformed, PS_MAL_NONE);
    CHECK_INT(p.payload_len, 2);
    CHECK_INT(p.payload_wire, 5);
    CHECK_INT(p.ip_len, 61);
}

/* Every frame cut at every length 0..len: no crash (ASan build), a cut
 * header is never PS_OK and names the layer it was cut in, a cut payload
 * is PS_OK and not malformed. */
static void test_truncation(void)
{
    for (int i = 0; i < n_frames; i++) {
        const struct frame *fr = &frames[i];
        int bad = 0;
        for (size_t n = 0; n <= fr->f.n; n++) {
            struct ps_packet p;
            enum ps_result r = decode_cut(fr, n, &p);
            enum ps_malformed want = n < fr->link_end ? fr->link_kind
                                   : n < fr->net_end  ? PS_MAL_IP_TRUNC
                                   : n < fr->l4_end   ? PS_MAL_L4_TRUNC
                                                      : PS_MAL_NONE;
            CHECK_INT(p.caplen, n);
            if (fr->icmp && n >= fr->l4_end - 4 && n < fr->l4_end) {
                /* the second half of the ICMP header: see test_icmp_header_cut */
                CHECK(p.malformed == PS_MAL_NONE || p.malformed == PS_MAL_L4_TRUNC);
                continue;
            }
            bool ok = want == PS_MAL_NONE ? r == PS_OK && p.malformed == PS_MAL_NONE
                                          : r == PS_TRUNCATED && p.malformed == want;
            if (!ok && bad++ == 0)
                fprintf(stderr, "%s cut at %zu of %zu: result %d, malformed %s, want %s\n",
                        fr->name, n, fr->f.n, r, ps_malformed_name(p.malformed),
                        ps_malformed_name(want));
        }
        CHECK_INT(bad, 0);
    }
}

/* Every ICMP and ICMPv6 message has an 8-byte header (RFC 792, RFC 4443 2.1):
 * a frame cut inside it is truncated like a cut TCP or UDP header. */
static void test_icmp_header_cut(void)
{
    for (int i = 0; i < n_frames; i++) {
        const struct frame *fr = &frames[i];
        if (!fr->icmp)
            continue;
        int wrong = 0;
        for (size_t n = fr->l4_end - 4; n < fr->l4_end; n++) {
            struct ps_packet p;
            enum ps_result r = decode_cut(fr, n, &p);
            if (r != PS_TRUNCATED || p.malformed != PS_MAL_L4_TRUNC) {
                if (wrong++ == 0)
                    fprintf(stderr, "%s: ICMP header cut after %zu of 8 bytes: result %d, "
                            "malformed %s, want %d, l4_truncated\n", fr->name,
                            n - fr->net_end, r, ps_malformed_name(p.malformed), PS_TRUNCATED);
            }
        }
        CHECK_INT(wrong, 0);
    }
}

/* packet.h: fields of a layer not reached stay zero. An IPv4 header cut
 * inside the addresses must not report an address it did not read. */
static void test_cut_addresses_unset(void)
{
    const struct frame *fr = frame_named("eth/ipv4+opts/tcp+opts");
    struct ps_packet p;
    decode_cut(fr, fr->link_end + 16, &p); /* source read, destination cut */
    CHECK_INT(p.src.family, 4);
    if (p.dst.family != 0)
        fprintf(stderr, "IPv4 cut after 16 header bytes: dst.family %d, address not read\n",
                p.dst.family);
    CHECK_INT(p.dst.family, 0);
    decode_cut(fr, fr->link_end + 13, &p); /* source cut */
    if (p.src.family != 0)
        fprintf(stderr, "IPv4 cut after 13 header bytes: src.family %d, address not read\n",
                p.src.family);
    CHECK_INT(p.src.family, 0);
}

UNIT_MAIN({
    build_all();
    test_eth_ipv4_tcp();
    test_vlan();
    test_pppoe();
    test_sll();
    test_null();
    test_raw();
    test_ipv6_ext();
    test_ipv4_frag();
    test_icmp_quote();
    test_arp();
    test_unknown_and_invalid();
    test_padding_not_payload();
    test_snaplen_payload();
    test_truncation();
    test_icmp_header_cut();
    test_cut_addresses_unset();
})

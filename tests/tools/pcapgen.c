/* pcapgen.c - deterministic generator of realistic LAN traffic as an Ethernet pcap.
 *
 * A test tool, not part of the product: it feeds the golden tests, the
 * benchmarks and the fuzz corpus. Wire formats follow RFC 826 (ARP),
 * RFC 791 / RFC 8200 (IPv4 / IPv6), RFC 792 / RFC 4443 (ICMP / ICMPv6),
 * RFC 768 (UDP), RFC 9293 (TCP), RFC 1035 + RFC 7766 (DNS over UDP / TCP),
 * RFC 5905 (NTPv4), RFC 9112 (HTTP/1.1), RFC 8446 / RFC 5246 (TLS 1.3 / 1.2).
 *
 * Every header is written byte by byte with explicit big-endian stores; no
 * structure is laid over packet memory. The same arguments always produce
 * the same bytes (a single splitmix64 stream drives every choice, and each
 * message is rebuilt from its session's seed when it is sent).
 *
 * Model: a pool of sessions is open at once (--concurrent-flows). Each
 * session is planned whole when it opens (a "script" of steps: direction,
 * TCP flags, which message, which slice of it), so its packet count is known
 * and the capture holds exactly --packets packets with every session complete.
 * Each packet comes from a session picked at random, which interleaves the
 * sessions in time the way a busy LAN does.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20
#define UDP_LEN 8
#define SNAPLEN 65535
#define MSG_MAX 65535      /* largest message (HTTP response, TLS flight) */
#define PKT_MAX 2048       /* frames never exceed the Ethernet MTU */
#define SCRIPT_MAX 4096    /* steps in one session's plan */
#define RAND_POOL 65536    /* random bytes reused for ciphertext and keys */
#define NONE UINT32_MAX

#define MAX_PACKETS 2000000000ULL
#define MAX_HOSTS 200000
#define MAX_CONCURRENT 10000000

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };
enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMP6 = 58 };

/* ---- deterministic randomness --------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n == 0 returns 0. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* In [lo, hi], skewed towards lo (mean about lo + (hi - lo) / 4), the way
 * object sizes are: many small, a few large. */
static uint32_t rng_skewed(struct rng *r, uint32_t lo, uint32_t hi)
{
    uint64_t u = rng_below(r, 1024);
    return lo + (uint32_t)((uint64_t)(hi - lo) * u * u * u / (1024ULL * 1024 * 1024));
}

static bool rng_chance(struct rng *r, uint32_t percent)
{
    return rng_below(r, 100) < percent;
}

/* An independent stream derived from a session seed, so a message can be
 * rebuilt identically whenever one of its segments is sent. */
static struct rng rng_sub(uint64_t seed, uint64_t stream)
{
    struct rng r = {seed ^ (stream * 0xd1b54a32d192ed03ULL)};
    rng_next(&r);
    return r;
}

/* ---- byte stores and a bounded writer -------------------------------- */

static inline void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

struct wbuf {
    uint8_t *b;
    size_t n;
    size_t cap;
};

/* Our own messages are bounded by construction; running over is a bug. */
static void w_need(struct wbuf *w, size_t k)
{
    if (w->n + k > w->cap) {
        fprintf(stderr, "ps-pcapgen: internal error: message of %zu bytes over cap %zu\n",
                w->n + k, w->cap);
        abort();
    }
}

static void w8(struct wbuf *w, uint32_t v)
{
    w_need(w, 1);
    w->b[w->n++] = (uint8_t)v;
}

static void w16(struct wbuf *w, uint32_t v)
{
    w_need(w, 2);
    put16(w->b + w->n, v);
    w->n += 2;
}

static void w32(struct wbuf *w, uint32_t v)
{
    w_need(w, 4);
    put32(w->b + w->n, v);
    w->n += 4;
}

static void wmem(struct wbuf *w, const void *p, size_t len)
{
    w_need(w, len);
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

static void wstr(struct wbuf *w, const char *s)
{
    wmem(w, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void wprintf(struct wbuf *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf((char *)w->b + w->n, w->cap - w->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= w->cap - w->n)
        w_need(w, w->cap + 1); /* aborts */
    w->n += (size_t)k;
}

/* Length-prefixed blocks: open writes a zero placeholder, close patches it. */
static size_t w_open8(struct wbuf *w)
{
    w8(w, 0);
    return w->n - 1;
}

static void w_close8(struct wbuf *w, size_t at)
{
    w->b[at] = (uint8_t)(w->n - at - 1);
}

static size_t w_open16(struct wbuf *w)
{
    w16(w, 0);
    return w->n - 2;
}

static void w_close16(struct wbuf *w, size_t at)
{
    put16(w->b + at, (uint32_t)(w->n - at - 2));
}

static size_t w_open24(struct wbuf *w)
{
    w8(w, 0);
    w16(w, 0);
    return w->n - 3;
}

static void w_close24(struct wbuf *w, size_t at)
{
    uint32_t len = (uint32_t)(w->n - at - 3);
    w->b[at] = (uint8_t)(len >> 16);
    put16(w->b + at + 1, len);
}

/* ---- checksums ------------------------------------------------------- */

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ---- header builders (each returns the bytes it wrote) -------------- */

static size_t eth_put(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    put16(p + 12, type);
    return ETH_LEN;
}

static size_t ipv4_put(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                       uint8_t ttl, uint16_t id, bool dont_fragment, size_t payload_len)
{
    p[0] = 0x45; /* version 4, IHL 5 */
    p[1] = 0;    /* DSCP/ECN */
    put16(p + 2, (uint32_t)(IP4_LEN + payload_len));
    put16(p + 4, id);
    put16(p + 6, dont_fragment ? 0x4000 : 0);
    p[8] = ttl;
    p[9] = proto;
    put16(p + 10, 0);
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    put16(p + 10, csum_fold(csum_add(0, p, IP4_LEN)));
    return IP4_LEN;
}

static size_t ipv6_put(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next,
                       uint8_t hop_limit, uint32_t flow_label, size_t payload_len)
{
    put32(p, 0x60000000u | (flow_label & 0xfffff));
    put16(p + 4, (uint32_t)payload_len);
    p[6] = next;
    p[7] = hop_limit;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    return IP6_LEN;
}

static size_t tcp_put(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                      uint8_t flags, uint16_t window, const uint8_t *opts, size_t opt_len)
{
    put16(p, sport);
    put16(p + 2, dport);
    put32(p + 4, seq);
    put32(p + 8, ack);
    p[12] = (uint8_t)(((TCP_LEN + opt_len) / 4) << 4);
    p[13] = flags;
    put16(p + 14, window);
    put16(p + 16, 0); /* checksum, filled by emit_ip */
    put16(p + 18, 0); /* urgent pointer */
    memcpy(p + TCP_LEN, opts, opt_len);
    return TCP_LEN + opt_len;
}

static size_t udp_put(uint8_t *p, uint16_t sport, uint16_t dport, size_t payload_len)
{
    put16(p, sport);
    put16(p + 2, dport);
    put16(p + 4, (uint32_t)(UDP_LEN + payload_len));
    put16(p + 6, 0); /* checksum, filled by emit_ip */
    return UDP_LEN;
}

static size_t icmp_echo_put(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq)
{
    p[0] = type;
    p[1] = 0;
    put16(p + 2, 0); /* checksum, filled by emit_ip */
    put16(p + 4, id);
    put16(p + 6, seq);
    return 8;
}

static size_t arp_put(uint8_t *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
                      const uint8_t tha[6], const uint8_t tpa[4])
{
    put16(p, 1);      /* Ethernet */
    put16(p + 2, 0x0800);
    p[4] = 6;
    p[5] = 4;
    put16(p + 6, op);
    memcpy(p + 8, sha, 6);
    memcpy(p + 14, spa, 4);
    memcpy(p + 18, tha, 6);
    memcpy(p + 24, tpa, 4);
    return 28;
}

/* ---- hosts ----------------------------------------------------------- */

enum lan { LAN_10, LAN_192, LAN_ULA, LAN_DOC6, LAN_COUNT };
enum os { OS_LINUX, OS_WINDOWS, OS_MACOS, OS_COUNT };

struct host {
    uint8_t mac[6];
    uint8_t lan;
    uint8_t os;
    uint8_t ttl; /* TTL / hop limit as seen at the capture point */
    uint8_t a4[4];
    uint8_t a6[16];
    uint16_t next_port; /* clients: next ephemeral port */
    uint16_t icmp_id;
};

#define NAME_MAX_LEN 48

static const uint8_t oui[][3] = {
    {0x3c, 0x22, 0xfb}, /* Apple */
    {0xf4, 0x8e, 0x38}, /* Dell */
    {0x00, 0x1b, 0x21}, /* Intel */
    {0xdc, 0xa6, 0x32}, /* Raspberry Pi */
    {0x00, 0x50, 0x56}, /* VMware */
    {0xa4, 0x83, 0xe7}, /* Apple */
    {0x8c, 0x16, 0x45}, /* Lenovo */
};

static void make_mac(uint8_t mac[6], uint32_t k, uint32_t salt)
{
    const uint8_t *o = oui[(k + salt) % (sizeof oui / sizeof oui[0])];
    uint32_t low = ((k + 1) * 2654435761u + salt) & 0xffffff; /* bijective for k < 2^24 */
    mac[0] = o[0];
    mac[1] = o[1];
    mac[2] = o[2];
    mac[3] = (uint8_t)(low >> 16);
    mac[4] = (uint8_t)(low >> 8);
    mac[5] = (uint8_t)low;
}

static void set_a4(uint8_t a[4], unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
    a[0] = (uint8_t)b0;
    a[1] = (uint8_t)b1;
    a[2] = (uint8_t)b2;
    a[3] = (uint8_t)b3;
}

/* prefix is the first 8 bytes (a /64); iid the interface id's low 32 bits. */
static void set_a6(uint8_t a[16], const uint8_t prefix[8], uint32_t iid_high, uint32_t iid)
{
    memcpy(a, prefix, 8);
    put32(a + 8, iid_high);
    put32(a + 12, iid);
}

static const uint8_t pfx_ula[8] = {0xfd, 0x00, 0x50, 0x53, 0x00, 0x01, 0x00, 0x01};
static const uint8_t pfx_doc_lan[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x01};
static const uint8_t pfx_doc_srv[8] = {0x20, 0x01, 0x0d, 0xb8, 0xf0, 0x0d, 0x00, 0x00};

static const char *const server_labels[] = {"www", "api", "cdn", "static", "img",
                                            "login", "mail", "updates", "telemetry", "assets"};
static const char *const server_domains[] = {"example.com", "example.net", "example.org",
                                             "example.edu", "shop.example", "news.example",
                                             "cloud.example", "video.test"};
#define N_LABELS (sizeof server_labels / sizeof server_labels[0])
#define N_DOMAINS (sizeof server_domains / sizeof server_domains[0])

static void server_name(char out[NAME_MAX_LEN], uint32_t j)
{
    uint32_t n = j / (N_LABELS * N_DOMAINS);
    const char *label = server_labels[j % N_LABELS];
    const char *domain = server_domains[(j / N_LABELS) % N_DOMAINS];
    if (n == 0)
        snprintf(out, NAME_MAX_LEN, "%s.%s", label, domain);
    else
        snprintf(out, NAME_MAX_LEN, "%s%" PRIu32 ".%s", label, n, domain);
}

/* ---- sessions -------------------------------------------------------- */

enum kind { K_DNS, K_DNS_TCP, K_HTTP, K_TLS, K_ICMP, K_ARP, K_REJ, K_S0, K_NTP, K_COUNT };
static const char *const kind_name[K_COUNT] = {"dns", "dns-tcp", "http", "tls", "icmp",
                                               "arp", "rej", "s0", "ntp"};
/* Session mix by count; the short mix has only one- and two-packet flows. */
static const uint8_t mix_normal[K_COUNT] = {28, 2, 18, 24, 5, 7, 5, 4, 7};
static const uint8_t mix_short[K_COUNT] = {45, 0, 0, 0, 15, 0, 15, 15, 10};

struct step {
    uint8_t dir;   /* 0: client to peer, 1: peer to client */
    uint8_t flags; /* TCP flags */
    uint8_t msg;   /* message index within the session */
    uint8_t retx;  /* retransmission: reuse the previous sequence number */
    uint16_t off;  /* slice of the message carried by this packet */
    uint16_t len;
};

struct session {
    uint64_t seed;
    uint64_t start_us;
    struct step *steps; /* inl when nsteps <= 2, else owned heap memory */
    struct step inl[2];
    uint32_t client;
    uint32_t server; /* server index; ARP: target client or NONE for the gateway */
    uint32_t seq[2];
    uint16_t port[2]; /* ICMP: port[0] is the echo id, port[1] the first seq */
    uint16_t ipid[2];
    uint16_t win[2];
    uint16_t step;
    uint16_t nsteps;
    uint8_t kind;
    uint8_t v6;
    uint8_t p[4]; /* kind-specific parameters, see session_plan */
};

struct gen {
    struct rng rng;
    struct host *clients;
    uint32_t nclients;
    struct host *servers;
    char (*names)[NAME_MAX_LEN];
    uint32_t nservers;
    struct host gw[LAN_COUNT];
    struct host resolver[LAN_COUNT];

    struct session *pool;
    uint32_t *free_ids;
    uint32_t nfree;
    uint32_t *active;
    uint32_t nactive;
    uint32_t concurrent;
    bool short_mix;

    uint64_t target;   /* packets to write */
    uint64_t emitted;  /* packets written */
    uint64_t reserved; /* packets still owed by open sessions */
    uint64_t now_us;
    uint32_t gap_us;   /* mean gap between packets */
    uint64_t bytes;
    uint64_t sessions[K_COUNT];

    struct step script[SCRIPT_MAX];
    unsigned nscript;

    /* The last message built, so consecutive segments of it skip a rebuild. */
    const struct session *cache_s;
    uint64_t cache_seed;
    unsigned cache_msg;
    size_t cache_len;
    uint8_t msg[MSG_MAX + 1];

    uint8_t pkt[PKT_MAX];
    uint8_t pool_bytes[RAND_POOL];
    pcap_dumper_t *dumper;
};

/* ---- endpoints and IP framing --------------------------------------- */

struct endpoint {
    const uint8_t *mac;
    const uint8_t *addr;
    uint8_t ttl;
};

static bool kind_is_dns(unsigned k)
{
    return k == K_DNS || k == K_DNS_TCP;
}

static const struct host *session_peer(const struct gen *g, const struct session *s,
                                       const uint8_t **mac)
{
    const struct host *c = &g->clients[s->client];
    const struct host *peer;
    if (kind_is_dns(s->kind)) {
        peer = &g->resolver[c->lan];
        *mac = peer->mac;
    } else if (s->kind == K_ARP) {
        peer = s->server == NONE ? &g->gw[c->lan] : &g->clients[s->server];
        *mac = peer->mac;
    } else {
        peer = &g->servers[s->server]; /* remote: frames go through the gateway */
        *mac = g->gw[c->lan].mac;
    }
    return peer;
}

static void session_endpoints(const struct gen *g, const struct session *s,
                              struct endpoint ep[2])
{
    const struct host *c = &g->clients[s->client];
    const uint8_t *peer_mac;
    const struct host *peer = session_peer(g, s, &peer_mac);
    ep[0] = (struct endpoint){c->mac, s->v6 ? c->a6 : c->a4, c->ttl};
    ep[1] = (struct endpoint){peer_mac, s->v6 ? peer->a6 : peer->a4, peer->ttl};
}

static uint8_t *pkt_l4(struct gen *g, const struct session *s)
{
    return g->pkt + ETH_LEN + (s->v6 ? IP6_LEN : IP4_LEN);
}

static void dump_frame(struct gen *g, size_t len)
{
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(g->now_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(g->now_us % 1000000);
    h.caplen = (bpf_u_int32)len;
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)g->dumper, &h, g->pkt);
    g->bytes += len;
}

/* Frames the L4 segment already at pkt_l4() (l4_len bytes): writes the
 * Ethernet and IP headers in front of it, then the L4 checksum at csum_off
 * (over the IP pseudo-header unless proto is ICMPv4), and dumps the frame. */
static void emit_ip(struct gen *g, struct session *s, int dir, uint8_t proto, size_t l4_len,
                    size_t csum_off)
{
    struct endpoint ep[2];
    session_endpoints(g, s, ep);
    const struct endpoint *src = &ep[dir], *dst = &ep[!dir];
    uint8_t *p = g->pkt;
    uint8_t *l4 = pkt_l4(g, s);
    uint64_t sum = 0;
    size_t alen = s->v6 ? 16 : 4;

    eth_put(p, dst->mac, src->mac, s->v6 ? 0x86dd : 0x0800);
    if (s->v6) {
        uint32_t flow = (uint32_t)(s->seed >> (dir ? 20 : 40));
        ipv6_put(p + ETH_LEN, src->addr, dst->addr, proto, src->ttl, flow, l4_len);
    } else {
        ipv4_put(p + ETH_LEN, src->addr, dst->addr, proto, src->ttl, s->ipid[dir]++,
                 proto != PROTO_UDP, l4_len);
    }
    if (proto != PROTO_ICMP) { /* pseudo-header: addresses, protocol, L4 length */
        sum = csum_add(sum, src->addr, alen);
        sum = csum_add(sum, dst->addr, alen);
        sum += proto;
        sum += (uint32_t)l4_len;
    }
    put16(l4 + csum_off, 0);
    uint16_t c = csum_fold(csum_add(sum, l4, l4_len));
    if (proto == PROTO_UDP && c == 0)
        c = 0xffff;
    put16(l4 + csum_off, c);
    dump_frame(g, ETH_LEN + (s->v6 ? IP6_LEN : IP4_LEN) + l4_len);
}

/* ---- message bodies --------------------------------------------------- */

static const char lorem[] =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
    "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt "
    "mollit anim id est laborum. ";

static void w_filler(struct wbuf *w, size_t len, struct rng *r)
{
    size_t period = sizeof lorem - 1;
    size_t at = rng_below(r, (uint32_t)period);
    w_need(w, len);
    while (len) {
        size_t k = period - at < len ? period - at : len;
        memcpy(w->b + w->n, lorem + at, k);
        w->n += k;
        len -= k;
        at = 0;
    }
}

/* Ciphertext-like bytes: fresh for short fields (randoms, keys, session
 * ids), slices of the shared random pool for bulk records. */
static void w_random(struct gen *g, struct wbuf *w, size_t len, struct rng *r)
{
    if (len <= 64) {
        w_need(w, len);
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = rng_next(r);
            memcpy(w->b + w->n + i, &v, len - i < 8 ? len - i : 8);
        }
        w->n += len;
        return;
    }
    while (len) {
        size_t k = len < RAND_POOL / 2 ? len : RAND_POOL / 2;
        wmem(w, g->pool_bytes + rng_below(r, RAND_POOL / 2), k);
        len -= k;
    }
}

/* ---- HTTP/1.1 ---------------------------------------------------------- */

enum ctype { CT_HTML, CT_CSS, CT_JS, CT_JSON, CT_TEXT, CT_COUNT };
static const char *const ctype_name[CT_COUNT] = {"text/html; charset=utf-8", "text/css",
                                                 "application/javascript",
                                                 "application/json", "text/plain"};

static const struct {
    const char *prefix;
    const char *suffix; /* NULL: no number between prefix and suffix */
    uint8_t ctype;
    uint8_t post;       /* accepts POST */
} http_paths[] = {
    {"/", NULL, CT_HTML, 0},
    {"/index.html", NULL, CT_HTML, 0},
    {"/news/", ".html", CT_HTML, 0},
    {"/static/css/site.css", NULL, CT_CSS, 0},
    {"/static/js/app.", ".js", CT_JS, 0},
    {"/api/v1/status", NULL, CT_JSON, 0},
    {"/api/v1/items?page=", "", CT_JSON, 0},
    {"/api/v1/events", NULL, CT_JSON, 1},
    {"/login", NULL, CT_HTML, 1},
    {"/robots.txt", NULL, CT_TEXT, 0},
    {"/favicon.ico", NULL, CT_HTML, 0}, /* always 404 */
};
#define N_PATHS (sizeof http_paths / sizeof http_paths[0])
#define PATH_FAVICON (N_PATHS - 1)

static const char *const user_agents[OS_COUNT][2] = {
    {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
     "python-requests/2.31.0"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36",
     "Microsoft-CryptoAPI/10.0"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Safari/605.1.15",
     "curl/8.6.0"},
};

struct http_plan {
    unsigned path;
    uint32_t path_num;
    bool post;
    uint32_t post_len;
    unsigned status; /* 200 or 404 */
    unsigned ctype;
    uint32_t body_len;
    unsigned ua;
};

/* Request i of a session, shared by its request and response builders. */
static void http_plan_request(const struct session *s, unsigned i, struct http_plan *hp)
{
    struct rng r = rng_sub(s->seed, 1000 + i);
    hp->path = rng_below(&r, N_PATHS);
    hp->path_num = rng_range(&r, 1, 9999);
    hp->post = http_paths[hp->path].post && rng_chance(&r, 60);
    hp->post_len = rng_range(&r, 40, 900);
    hp->status = (hp->path == PATH_FAVICON || rng_chance(&r, 6)) ? 404 : 200;
    hp->ctype = http_paths[hp->path].ctype;
    hp->ua = rng_chance(&r, 85) ? 0 : 1;
    switch (hp->ctype) {
    case CT_HTML: hp->body_len = rng_skewed(&r, 600, 30000); break;
    case CT_CSS: hp->body_len = rng_skewed(&r, 900, 20000); break;
    case CT_JS: hp->body_len = rng_skewed(&r, 2000, 48000); break;
    case CT_JSON: hp->body_len = rng_skewed(&r, 80, 6000); break;
    default: hp->body_len = rng_range(&r, 60, 600); break;
    }
    if (hp->post)
        hp->ctype = CT_JSON, hp->body_len = rng_range(&r, 60, 200);
}

static const char not_found_body[] =
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not "
    "Found</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n";

/* Writes exactly len bytes of a body of type ctype (len >= 64). */
static void http_body(struct wbuf *w, unsigned ctype, size_t len, struct rng *r)
{
    static const char *const pre[CT_COUNT] = {
        "<!DOCTYPE html>\n<html><head><title>Test page</title></head>\n<body><p>",
        "body{margin:0;font-family:sans-serif}\n/* ",
        "\"use strict\";\n/* ",
        "{\"ok\":true,\"items\":[1,2,3],\"text\":\"",
        "",
    };
    static const char *const post[CT_COUNT] = {"</p></body></html>\n", " */\n", " */\n",
                                               "\"}\n", "\n"};
    size_t fixed = strlen(pre[ctype]) + strlen(post[ctype]);
    wstr(w, pre[ctype]);
    w_filler(w, len - fixed, r);
    wstr(w, post[ctype]);
}

static void http_date(char out[40], uint64_t us)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void build_http(const struct gen *g, const struct session *s, unsigned msg,
                       struct wbuf *w)
{
    unsigned i = msg / 2;
    bool last = i + 1 == s->p[0];
    bool close = last && s->p[1] == 1; /* server closes after the last response */
    struct http_plan hp;
    struct rng r = rng_sub(s->seed, 2000 + msg);
    http_plan_request(s, i, &hp);
    const char *host = g->names[s->server];
    const struct host *c = &g->clients[s->client];

    if (msg % 2 == 0) {
        char path[64];
        if (http_paths[hp.path].suffix)
            snprintf(path, sizeof path, "%s%" PRIu32 "%s", http_paths[hp.path].prefix,
                     hp.path_num, http_paths[hp.path].suffix);
        else
            snprintf(path, sizeof path, "%s", http_paths[hp.path].prefix);
        wprintf(w, "%s %s HTTP/1.1\r\nHost: %s%s\r\nUser-Agent: %s\r\n", hp.post ? "POST" : "GET",
                path, host, s->port[1] == 80 ? "" : ":8080", user_agents[c->os][hp.ua]);
        wstr(w, "Accept: */*\r\nAccept-Language: en-US,en;q=0.9\r\n");
        wprintf(w, "Connection: %s\r\n", close ? "close" : "keep-alive");
        if (hp.post) {
            wprintf(w, "Content-Type: application/json\r\nContent-Length: %" PRIu32 "\r\n\r\n",
                    hp.post_len);
            size_t at = w->n;
            wprintf(w, "{\"event\":\"click\",\"id\":%06" PRIu32 ",\"note\":\"",
                    rng_below(&r, 1000000));
            w_filler(w, hp.post_len - (w->n - at) - 2, &r);
            wstr(w, "\"}");
        } else {
            wstr(w, "\r\n");
        }
        return;
    }

    char date[40];
    http_date(date, s->start_us + (uint64_t)i * 1000);
    bool found = hp.status == 200;
    size_t body_len = found ? hp.body_len : sizeof not_found_body - 1;
    wprintf(w, "HTTP/1.1 %s\r\nServer: nginx/1.24.0\r\nDate: %s\r\n",
            found ? "200 OK" : "404 Not Found", date);
    wprintf(w, "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n",
            found ? ctype_name[hp.ctype] : "text/html", body_len,
            close ? "close" : "keep-alive");
    if (found && hp.ctype != CT_JSON)
        wstr(w, "Cache-Control: max-age=3600\r\n");
    wstr(w, "\r\n");
    if (found)
        http_body(w, hp.ctype, body_len, &r);
    else
        wstr(w, not_found_body);
}

/* ---- TLS --------------------------------------------------------------- */

/* p[0]: 0 TLS 1.3 full handshake, 1 TLS 1.2 abbreviated (resumed) handshake.
 * p[1]: ALPN chosen, 0 h2, 1 http/1.1. p[2]: application-data rounds.
 * Messages: 0 ClientHello, 1 server flight, 2 client finish, then a request
 * and a response per round, then the client's close_notify alert. */

static void tls_record_random(struct gen *g, struct wbuf *w, uint8_t type, size_t len,
                              struct rng *r)
{
    w8(w, type);
    w16(w, 0x0303);
    w16(w, (uint32_t)len);
    w_random(g, w, len, r);
}

static void tls_client_hello(struct gen *g, const struct session *s, struct wbuf *w,
                             struct rng *r)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                      0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                      0x0035};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                                       0x0601};
    bool tls13 = s->p[0] == 0;
    const char *sni = g->names[s->server];
    struct rng sid = rng_sub(s->seed, 3); /* the server echoes the same session id */

    w8(w, 22); /* handshake */
    w16(w, 0x0301);
    size_t rec = w_open16(w);
    w8(w, 1); /* client_hello */
    size_t hs = w_open24(w);
    w16(w, 0x0303);
    w_random(g, w, 32, r);
    w8(w, 32);
    w_random(g, w, 32, &sid);
    size_t cs = w_open16(w);
    for (size_t i = tls13 ? 0 : 3; i < sizeof suites / sizeof suites[0]; i++)
        w16(w, suites[i]);
    w_close16(w, cs);
    w8(w, 1); /* compression methods: null */
    w8(w, 0);
    size_t ext = w_open16(w);

    w16(w, 0x0000); /* server_name */
    size_t e = w_open16(w);
    size_t list = w_open16(w);
    w8(w, 0); /* host_name */
    w16(w, (uint32_t)strlen(sni));
    wstr(w, sni);
    w_close16(w, list);
    w_close16(w, e);

    w16(w, 0x0017); /* extended_master_secret */
    w16(w, 0);
    w16(w, 0xff01); /* renegotiation_info */
    w16(w, 1);
    w8(w, 0);

    w16(w, 0x000a); /* supported_groups: x25519, secp256r1, secp384r1 */
    e = w_open16(w);
    list = w_open16(w);
    w16(w, 0x001d);
    w16(w, 0x0017);
    w16(w, 0x0018);
    w_close16(w, list);
    w_close16(w, e);

    w16(w, 0x000b); /* ec_point_formats: uncompressed */
    w16(w, 2);
    w8(w, 1);
    w8(w, 0);

    w16(w, 0x0023); /* session_ticket */
    w16(w, 0);

    w16(w, 0x0010); /* application_layer_protocol_negotiation */
    e = w_open16(w);
    list = w_open16(w);
    if (s->p[1] == 0) {
        w8(w, 2);
        wstr(w, "h2");
    }
    w8(w, 8);
    wstr(w, "http/1.1");
    w_close16(w, list);
    w_close16(w, e);

    w16(w, 0x0005); /* status_request: OCSP */
    w16(w, 5);
    w8(w, 1);
    w16(w, 0);
    w16(w, 0);

    w16(w, 0x000d); /* signature_algorithms */
    e = w_open16(w);
    list = w_open16(w);
    for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
        w16(w, sigalgs[i]);
    w_close16(w, list);
    w_close16(w, e);

    w16(w, 0x0012); /* signed_certificate_timestamp */
    w16(w, 0);

    if (tls13) {
        w16(w, 0x0033); /* key_share: x25519 */
        e = w_open16(w);
        list = w_open16(w);
        w16(w, 0x001d);
        w16(w, 32);
        w_random(g, w, 32, r);
        w_close16(w, list);
        w_close16(w, e);

        w16(w, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
        w16(w, 2);
        w8(w, 1);
        w8(w, 1);

        w16(w, 0x002b); /* supported_versions: TLS 1.3, TLS 1.2 */
        e = w_open16(w);
        size_t v = w_open8(w);
        w16(w, 0x0304);
        w16(w, 0x0303);
        w_close8(w, v);
        w_close16(w, e);
    }
    w_close16(w, ext);
    w_close24(w, hs);
    w_close16(w, rec);
}

static void tls_server_flight(struct gen *g, const struct session *s, struct wbuf *w,
                              struct rng *r)
{
    bool tls13 = s->p[0] == 0;
    struct rng sid = rng_sub(s->seed, 3);

    w8(w, 22);
    w16(w, 0x0303);
    size_t rec = w_open16(w);
    w8(w, 2); /* server_hello */
    size_t hs = w_open24(w);
    w16(w, 0x0303);
    w_random(g, w, 32, r);
    w8(w, 32);
    w_random(g, w, 32, &sid);
    w16(w, tls13 ? 0x1301 : 0xc02f);
    w8(w, 0);
    size_t ext = w_open16(w);
    if (tls13) {
        w16(w, 0x002b); /* supported_versions: TLS 1.3 */
        w16(w, 2);
        w16(w, 0x0304);
        w16(w, 0x0033); /* key_share */
        w16(w, 36);
        w16(w, 0x001d);
        w16(w, 32);
        w_random(g, w, 32, r);
    } else {
        w16(w, 0xff01);
        w16(w, 1);
        w8(w, 0);
        w16(w, 0x0017);
        w16(w, 0);
        w16(w, 0x0010);
        size_t e = w_open16(w);
        size_t list = w_open16(w);
        if (s->p[1] == 0) {
            w8(w, 2);
            wstr(w, "h2");
        } else {
            w8(w, 8);
            wstr(w, "http/1.1");
        }
        w_close16(w, list);
        w_close16(w, e);
    }
    w_close16(w, ext);
    w_close24(w, hs);
    w_close16(w, rec);

    w8(w, 20); /* change_cipher_spec */
    w16(w, 0x0303);
    w16(w, 1);
    w8(w, 1);
    if (tls13) /* EncryptedExtensions, Certificate, CertificateVerify, Finished */
        tls_record_random(g, w, 23, rng_range(r, 2400, 4800), r);
    else /* encrypted Finished */
        tls_record_random(g, w, 22, 40, r);
}

static void build_tls(struct gen *g, const struct session *s, unsigned msg, struct wbuf *w)
{
    bool tls13 = s->p[0] == 0;
    unsigned rounds = s->p[2];
    struct rng r = rng_sub(s->seed, 4000 + msg);

    if (msg == 0) {
        tls_client_hello(g, s, w, &r);
    } else if (msg == 1) {
        tls_server_flight(g, s, w, &r);
    } else if (msg == 2) {
        w8(w, 20);
        w16(w, 0x0303);
        w16(w, 1);
        w8(w, 1);
        if (tls13)
            tls_record_random(g, w, 23, 53, &r);
        else
            tls_record_random(g, w, 22, 40, &r);
    } else if (msg < 3 + 2 * rounds) {
        bool response = (msg - 3) % 2 == 1;
        size_t len = response ? rng_skewed(&r, 200, 48000) : rng_range(&r, 90, 700);
        while (len) { /* records carry at most 2^14 bytes of plaintext */
            size_t k = len > 16401 ? 16401 : len;
            tls_record_random(g, w, 23, k, &r);
            len -= k;
        }
    } else { /* close_notify: encrypted alert */
        if (tls13)
            tls_record_random(g, w, 23, 19, &r);
        else
            tls_record_random(g, w, 21, 26, &r);
    }
}

/* ---- DNS --------------------------------------------------------------- */

/* p[0]: qtype (1 A, 28 AAAA). p[1]: answer kind, see DNS_*. p[2]: address
 * records in a plain answer. s->server names the server whose name is
 * asked (ignored for NXDOMAIN, which asks a made-up name). */
enum { DNS_ADDR, DNS_CNAME, DNS_NXDOMAIN, DNS_NODATA };

static const char *const nx_hosts[] = {"wpad", "printer", "nas", "files", "intranet",
                                       "vpn", "old-server", "autodiscover"};
static const char *const nx_zones[] = {"corp.example", "lan.example", "home.arpa"};

static void dns_qname(const struct gen *g, const struct session *s, char out[NAME_MAX_LEN])
{
    if (s->p[1] != DNS_NXDOMAIN) {
        memcpy(out, g->names[s->server], NAME_MAX_LEN);
        return;
    }
    struct rng r = rng_sub(s->seed, 5);
    const char *h = nx_hosts[rng_below(&r, sizeof nx_hosts / sizeof nx_hosts[0])];
    const char *z = nx_zones[rng_below(&r, sizeof nx_zones / sizeof nx_zones[0])];
    uint32_t n = rng_below(&r, 40);
    if (n < 20)
        snprintf(out, NAME_MAX_LEN, "%s.%s", h, z);
    else
        snprintf(out, NAME_MAX_LEN, "%s%" PRIu32 ".%s", h, n, z);
}

/* Writes a name as labels; records where each label starts (relative to
 * base, the first byte of the DNS message) so answers can point at them. */
static unsigned dns_put_name(struct wbuf *w, size_t base, const char *name, uint16_t offs[16])
{
    unsigned n = 0;
    const char *p = name;
    while (*p && n < 16) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        offs[n++] = (uint16_t)(w->n - base);
        w8(w, (uint32_t)len);
        wmem(w, p, len);
        p += len + (dot ? 1 : 0);
    }
    w8(w, 0);
    return n;
}

static void dns_ptr(struct wbuf *w, uint16_t off)
{
    w16(w, 0xc000u | off);
}

static void dns_soa(struct wbuf *w, uint16_t zone, struct rng *r)
{
    dns_ptr(w, zone);
    w16(w, 6);  /* SOA */
    w16(w, 1);  /* IN */
    w32(w, rng_range(r, 300, 3600));
    size_t rd = w_open16(w);
    w8(w, 3);
    wstr(w, "ns1");
    dns_ptr(w, zone);
    w8(w, 10);
    wstr(w, "hostmaster");
    dns_ptr(w, zone);
    w32(w, 2025110100 + rng_below(r, 30)); /* serial */
    w32(w, 7200);    /* refresh */
    w32(w, 900);     /* retry */
    w32(w, 1209600); /* expire */
    w32(w, 300);     /* minimum */
    w_close16(w, rd);
}

static void dns_addr_rr(const struct gen *g, struct wbuf *w, uint16_t name, unsigned qtype,
                        uint32_t server, uint32_t ttl)
{
    dns_ptr(w, name);
    w16(w, qtype);
    w16(w, 1);
    w32(w, ttl);
    if (qtype == 28) {
        w16(w, 16);
        wmem(w, g->servers[server].a6, 16);
    } else {
        w16(w, 4);
        wmem(w, g->servers[server].a4, 4);
    }
}

static void build_dns(const struct gen *g, const struct session *s, unsigned msg,
                      struct wbuf *w)
{
    bool tcp = s->kind == K_DNS_TCP;
    unsigned qtype = s->p[0], mode = s->p[1];
    bool edns = (s->seed >> 8) & 1;
    struct rng r = rng_sub(s->seed, 6000 + msg);
    char name[NAME_MAX_LEN];
    uint16_t offs[16];
    size_t prefix = tcp ? w_open16(w) : 0;
    size_t base = w->n;

    dns_qname(g, s, name);
    w16(w, (uint32_t)(s->seed & 0xffff)); /* id */
    if (msg == 0) {
        w16(w, 0x0100); /* RD */
        w16(w, 1);
        w16(w, 0);
        w16(w, 0);
        w16(w, edns);
    } else {
        unsigned an = mode == DNS_ADDR ? s->p[2] : mode == DNS_CNAME ? 2 : 0;
        unsigned ns = mode == DNS_NXDOMAIN || mode == DNS_NODATA;
        w16(w, 0x8180 | (mode == DNS_NXDOMAIN ? 3 : 0)); /* QR RD RA, rcode */
        w16(w, 1);
        w16(w, an);
        w16(w, ns);
        w16(w, edns);
    }
    unsigned nl = dns_put_name(w, base, name, offs);
    w16(w, qtype);
    w16(w, 1);
    if (msg == 1) {
        uint32_t ttl = rng_range(&r, 30, 3600);
        uint16_t zone = offs[nl >= 2 ? nl - 2 : 0];
        if (mode == DNS_ADDR) {
            for (unsigned k = 0; k < s->p[2]; k++)
                dns_addr_rr(g, w, offs[0], qtype, (s->server + k) % g->nservers, ttl);
        } else if (mode == DNS_CNAME) {
            char edge[24];
            dns_ptr(w, offs[0]);
            w16(w, 5); /* CNAME */
            w16(w, 1);
            w32(w, ttl);
            size_t rd = w_open16(w);
            uint16_t target = (uint16_t)(w->n - base);
            snprintf(edge, sizeof edge, "edge%" PRIu32, rng_below(&r, 200));
            w8(w, (uint32_t)strlen(edge));
            wstr(w, edge);
            w8(w, 3);
            wstr(w, "cdn");
            dns_ptr(w, nl >= 2 ? offs[1] : offs[0]); /* edgeN.cdn.<rest of the query name> */
            w_close16(w, rd);
            dns_addr_rr(g, w, target, qtype, s->server, rng_range(&r, 20, 300));
        } else {
            dns_soa(w, zone, &r);
        }
    }
    if (edns) { /* OPT: root name, UDP payload 1232, no options */
        w8(w, 0);
        w16(w, 41);
        w16(w, 1232);
        w32(w, 0);
        w16(w, 0);
    }
    if (tcp)
        w_close16(w, prefix);
}

/* ---- NTP and ICMP payloads --------------------------------------------- */

static void ntp_ts(struct wbuf *w, uint64_t us)
{
    w32(w, (uint32_t)(us / 1000000 + 2208988800ULL));
    w32(w, (uint32_t)(((us % 1000000) << 32) / 1000000));
}

static void build_ntp(const struct session *s, unsigned msg, struct wbuf *w)
{
    uint64_t t = s->start_us;
    struct rng r = rng_sub(s->seed, 7);
    if (msg == 0) {
        w8(w, 0x23); /* LI 0, version 4, mode 3 (client) */
        w8(w, 0);
        w8(w, 6);
        w8(w, 0xe9);
        for (int i = 0; i < 9; i++) /* delay, dispersion, refid, 3 timestamps */
            w32(w, 0);
        ntp_ts(w, t);
        return;
    }
    uint64_t rx = t + rng_range(&r, 2000, 30000);
    w8(w, 0x24); /* LI 0, version 4, mode 4 (server) */
    w8(w, 2);
    w8(w, 6);
    w8(w, 0xe8);
    w32(w, rng_range(&r, 0x100, 0x900)); /* root delay */
    w32(w, rng_range(&r, 0x200, 0x2000)); /* root dispersion */
    w32(w, 0xc0000201 + rng_below(&r, 200)); /* refid: upstream IPv4 */
    ntp_ts(w, t - 64000000ULL - rng_below(&r, 900000000));
    ntp_ts(w, t);
    ntp_ts(w, rx);
    ntp_ts(w, rx + rng_range(&r, 10, 80));
}

static size_t icmp_payload_len(const struct gen *g, const struct session *s)
{
    return g->clients[s->client].os == OS_WINDOWS ? 32 : 56;
}

static void build_icmp(const struct gen *g, const struct session *s, unsigned msg,
                       struct wbuf *w)
{
    if (g->clients[s->client].os == OS_WINDOWS) {
        wstr(w, "abcdefghijklmnopqrstuvwabcdefghi");
        return;
    }
    /* iputils ping: a struct timeval (little-endian) then bytes 0x10.. */
    uint64_t t = s->start_us + (uint64_t)msg * 1000000;
    uint64_t sec = t / 1000000, usec = t % 1000000;
    for (int i = 0; i < 8; i++)
        w8(w, (uint32_t)(sec >> (8 * i)));
    for (int i = 0; i < 8; i++)
        w8(w, (uint32_t)(usec >> (8 * i)));
    for (uint32_t i = 16; i < 56; i++)
        w8(w, i);
}

/* Builds message msg of session s into g->msg (reusing the last one when it
 * is the same); returns it. The bytes are a function of (s->seed, msg) only. */
static const uint8_t *session_msg(struct gen *g, const struct session *s, unsigned msg,
                                  size_t *len)
{
    if (g->cache_s == s && g->cache_seed == s->seed && g->cache_msg == msg) {
        *len = g->cache_len;
        return g->msg;
    }
    struct wbuf w = {g->msg, 0, MSG_MAX};
    switch (s->kind) {
    case K_HTTP: build_http(g, s, msg, &w); break;
    case K_TLS: build_tls(g, s, msg, &w); break;
    case K_DNS:
    case K_DNS_TCP: build_dns(g, s, msg, &w); break;
    case K_NTP: build_ntp(s, msg, &w); break;
    case K_ICMP: build_icmp(g, s, msg, &w); break;
    default: break;
    }
    g->cache_s = s;
    g->cache_seed = s->seed;
    g->cache_msg = msg;
    g->cache_len = w.n;
    *len = w.n;
    return g->msg;
}

/* ---- packet emission ---------------------------------------------------- */

static uint16_t syn_window(const struct host *h)
{
    return h->os == OS_MACOS ? 65535 : 64240;
}

static uint8_t window_scale(const struct host *h)
{
    return h->os == OS_MACOS ? 6 : h->os == OS_WINDOWS ? 8 : 7;
}

static void emit_tcp(struct gen *g, struct session *s, const struct step *st)
{
    int dir = st->dir;
    const uint8_t *mac;
    const struct host *h = dir ? session_peer(g, s, &mac) : &g->clients[s->client];
    uint8_t *l4 = pkt_l4(g, s);
    uint32_t seq = s->seq[dir] - (st->retx ? 1u : 0u);
    uint32_t ack = (st->flags & TH_ACK) ? s->seq[!dir] : 0;
    uint16_t win = (st->flags & TH_RST) ? 0 : s->win[dir];
    uint8_t opts[12];
    size_t opt_len = 0;

    if (st->flags & TH_SYN) { /* MSS, NOP, WS, NOP, NOP, SACK permitted */
        uint32_t mss = s->v6 ? 1440 : 1460;
        opts[0] = 2, opts[1] = 4, put16(opts + 2, mss);
        opts[4] = 1, opts[5] = 3, opts[6] = 3, opts[7] = window_scale(h);
        opts[8] = 1, opts[9] = 1, opts[10] = 4, opts[11] = 2;
        opt_len = 12;
        win = syn_window(h);
    }
    size_t hl = tcp_put(l4, s->port[dir], s->port[!dir], seq, ack, st->flags, win, opts, opt_len);
    if (st->len) {
        size_t mlen;
        const uint8_t *m = session_msg(g, s, st->msg, &mlen);
        memcpy(l4 + hl, m + st->off, st->len);
    }
    emit_ip(g, s, dir, PROTO_TCP, hl + st->len, 16);
    if (!st->retx)
        s->seq[dir] += st->len + !!(st->flags & TH_SYN) + !!(st->flags & TH_FIN);
}

static void emit_udp(struct gen *g, struct session *s, const struct step *st)
{
    uint8_t *l4 = pkt_l4(g, s);
    size_t len;
    const uint8_t *m = session_msg(g, s, st->msg, &len);
    udp_put(l4, s->port[st->dir], s->port[!st->dir], len);
    memcpy(l4 + UDP_LEN, m, len);
    emit_ip(g, s, st->dir, PROTO_UDP, UDP_LEN + len, 6);
}

static void emit_icmp(struct gen *g, struct session *s, const struct step *st)
{
    uint8_t *l4 = pkt_l4(g, s);
    size_t len;
    const uint8_t *m = session_msg(g, s, st->msg, &len);
    uint8_t type = s->v6 ? (st->dir ? 129 : 128) : (st->dir ? 0 : 8);
    icmp_echo_put(l4, type, s->port[0], (uint16_t)(s->port[1] + st->msg));
    memcpy(l4 + 8, m, len);
    emit_ip(g, s, st->dir, s->v6 ? PROTO_ICMP6 : PROTO_ICMP, 8 + len, 2);
}

static void emit_arp(struct gen *g, struct session *s, const struct step *st)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t zero[6] = {0};
    const struct host *c = &g->clients[s->client];
    const uint8_t *mac;
    const struct host *t = session_peer(g, s, &mac);
    uint8_t *p = g->pkt;
    size_t n;
    if (st->dir == 0) {
        n = eth_put(p, broadcast, c->mac, 0x0806);
        n += arp_put(p + n, 1, c->mac, c->a4, zero, t->a4);
    } else { /* received frames are padded to the 60-byte minimum */
        n = eth_put(p, c->mac, t->mac, 0x0806);
        n += arp_put(p + n, 2, t->mac, t->a4, c->mac, c->a4);
        memset(p + n, 0, 60 - n);
        n = 60;
    }
    dump_frame(g, n);
}

/* ---- session planning --------------------------------------------------- */

static void plan_add(struct gen *g, unsigned dir, unsigned flags, unsigned msg, size_t off,
                     size_t len, bool retx)
{
    if (g->nscript >= SCRIPT_MAX) {
        fprintf(stderr, "ps-pcapgen: internal error: session plan over %d steps\n", SCRIPT_MAX);
        abort();
    }
    g->script[g->nscript++] = (struct step){(uint8_t)dir, (uint8_t)flags, (uint8_t)msg,
                                            retx, (uint16_t)off, (uint16_t)len};
}

static void plan_handshake(struct gen *g)
{
    plan_add(g, 0, TH_SYN, 0, 0, 0, false);
    plan_add(g, 1, TH_SYN | TH_ACK, 0, 0, 0, false);
    plan_add(g, 0, TH_ACK, 0, 0, 0, false);
}

/* Sends message msg from dir in MSS-sized segments, PSH on the last; the
 * receiver acknowledges every second segment, and the last one if ack_end. */
static void plan_send(struct gen *g, struct session *s, unsigned dir, unsigned msg,
                      bool ack_end)
{
    size_t len;
    session_msg(g, s, msg, &len);
    size_t mss = s->v6 ? 1440 : 1460;
    unsigned nseg = 0;
    for (size_t off = 0; off < len;) {
        size_t k = len - off < mss ? len - off : mss;
        off += k;
        plan_add(g, dir, TH_ACK | (off == len ? TH_PSH : 0), msg, off - k, k, false);
        if (++nseg % 2 == 0 && off < len)
            plan_add(g, !dir, TH_ACK, 0, 0, 0, false);
    }
    if (ack_end)
        plan_add(g, !dir, TH_ACK, 0, 0, 0, false);
}

/* who: 0 client closes first, 1 peer closes first, 2 client resets. */
static void plan_close(struct gen *g, unsigned who)
{
    if (who == 2) {
        plan_add(g, 0, TH_RST | TH_ACK, 0, 0, 0, false);
        return;
    }
    plan_add(g, who, TH_FIN | TH_ACK, 0, 0, 0, false);
    plan_add(g, !who, TH_FIN | TH_ACK, 0, 0, 0, false);
    plan_add(g, who, TH_ACK, 0, 0, 0, false);
}

static uint32_t pick_client(struct gen *g)
{
    uint32_t c = rng_below(&g->rng, g->nclients);
    if (rng_chance(&g->rng, 25)) /* a few heavy talkers */
        c = rng_below(&g->rng, g->nclients / 20 ? g->nclients / 20 : 1);
    return c;
}

static uint32_t pick_server(struct gen *g)
{
    uint32_t j = rng_below(&g->rng, g->nservers);
    if (rng_chance(&g->rng, 40)) /* popular sites */
        j = rng_below(&g->rng, g->nservers / 50 > 5 ? g->nservers / 50 : 5);
    return j;
}

static uint16_t ephemeral_port(struct gen *g, struct host *c)
{
    uint32_t lo = c->os == OS_LINUX ? 32768 : 49152, hi = c->os == OS_LINUX ? 60999 : 65535;
    uint32_t p = c->next_port + rng_range(&g->rng, 1, 3);
    if (p < lo || p > hi)
        p = lo + (p % (hi - lo + 1));
    c->next_port = (uint16_t)p;
    return (uint16_t)p;
}

static uint16_t established_window(struct gen *g, const struct host *h)
{
    switch (h->os) {
    case OS_WINDOWS: return (uint16_t)rng_range(&g->rng, 255, 1026);
    case OS_MACOS: return (uint16_t)rng_range(&g->rng, 2048, 4096);
    default: return (uint16_t)rng_range(&g->rng, 501, 3000);
    }
}

static enum kind pick_kind(struct gen *g)
{
    const uint8_t *mix = g->short_mix ? mix_short : mix_normal;
    uint32_t x = rng_below(&g->rng, 100);
    for (unsigned k = 0; k < K_COUNT; k++) {
        if (x < mix[k])
            return (enum kind)k;
        x -= mix[k];
    }
    return K_DNS;
}

/* Fills s (parameters, addresses, ports, sequence numbers) and plans its
 * packets into g->script. short_flow limits it to one or two packets. */
static void session_plan(struct gen *g, struct session *s, enum kind kind, uint32_t client,
                         bool short_flow)
{
    static const uint16_t closed_ports[] = {22, 23, 25, 135, 139, 445, 1433, 3306, 3389,
                                            5900, 8443, 9200};
    struct host *c = &g->clients[client];
    struct rng *r = &g->rng;

    memset(s, 0, sizeof *s);
    s->seed = rng_next(r);
    s->start_us = g->now_us;
    s->client = client;
    s->kind = (uint8_t)kind;
    s->v6 = c->lan == LAN_ULA || c->lan == LAN_DOC6;
    s->server = pick_server(g);
    s->seq[0] = (uint32_t)rng_next(r);
    s->seq[1] = (uint32_t)rng_next(r);
    s->ipid[0] = (uint16_t)rng_next(r);
    s->ipid[1] = (uint16_t)rng_next(r);
    s->win[0] = established_window(g, c);
    s->win[1] = established_window(g, &g->servers[s->server]);
    g->nscript = 0;

    switch (kind) {
    case K_DNS:
    case K_DNS_TCP: {
        uint32_t m = rng_below(r, 100);
        s->p[0] = rng_chance(r, 65) ? 1 : 28;
        s->p[1] = m < 62 ? DNS_ADDR : m < 82 ? DNS_CNAME : m < 95 ? DNS_NXDOMAIN : DNS_NODATA;
        s->p[2] = (uint8_t)(rng_chance(r, 70) ? 1 : rng_range(r, 2, 4));
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = 53;
        size_t len;
        if (kind == K_DNS) {
            session_msg(g, s, 0, &len);
            plan_add(g, 0, 0, 0, 0, len, false);
            session_msg(g, s, 1, &len);
            plan_add(g, 1, 0, 1, 0, len, false);
        } else {
            plan_handshake(g);
            plan_send(g, s, 0, 0, false);
            plan_send(g, s, 1, 1, false);
            plan_close(g, 0);
        }
        break;
    }
    case K_HTTP:
        s->p[0] = (uint8_t)(rng_chance(r, 55) ? 1 : rng_range(r, 2, 6));
        s->p[1] = (uint8_t)(rng_chance(r, 15) ? 2 : s->p[0] == 1 ? 1 : rng_below(r, 2));
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = rng_chance(r, 90) ? 80 : 8080;
        plan_handshake(g);
        for (unsigned i = 0; i < s->p[0]; i++) {
            plan_send(g, s, 0, 2 * i, rng_chance(r, 50));
            plan_send(g, s, 1, 2 * i + 1, true);
        }
        plan_close(g, s->p[1]);
        break;
    case K_TLS:
        s->p[0] = (uint8_t)(rng_chance(r, 80) ? 0 : 1);
        s->p[1] = (uint8_t)(rng_chance(r, 70) ? 0 : 1);
        s->p[2] = (uint8_t)rng_range(r, 1, 6);
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = 443;
        plan_handshake(g);
        plan_send(g, s, 0, 0, true);
        plan_send(g, s, 1, 1, false);
        plan_send(g, s, 0, 2, false);
        for (unsigned i = 0; i < s->p[2]; i++) {
            plan_send(g, s, 0, 3 + 2 * i, false);
            plan_send(g, s, 1, 4 + 2 * i, true);
        }
        plan_send(g, s, 0, 3 + 2 * s->p[2], false);
        plan_close(g, rng_chance(r, 10) ? 2 : rng_chance(r, 70) ? 0 : 1);
        break;
    case K_ICMP: {
        s->p[0] = (uint8_t)(short_flow ? 1 : rng_range(r, 1, 4));
        s->port[0] = ++c->icmp_id;
        s->port[1] = (uint16_t)rng_range(r, 1, 20);
        size_t len = icmp_payload_len(g, s);
        for (unsigned i = 0; i < s->p[0]; i++) {
            plan_add(g, 0, 0, i, 0, len, false);
            plan_add(g, 1, 0, i, 0, len, false);
        }
        break;
    }
    case K_ARP:
        s->server = NONE;
        if (rng_chance(r, 50)) { /* a neighbour on the same LAN, else the gateway */
            uint32_t t = rng_below(r, g->nclients);
            if (t != client && g->clients[t].lan == c->lan)
                s->server = t;
        }
        plan_add(g, 0, 0, 0, 0, 0, false);
        if (rng_chance(r, 92))
            plan_add(g, 1, 0, 0, 0, 0, false);
        break;
    case K_REJ:
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = closed_ports[rng_below(r, sizeof closed_ports / sizeof closed_ports[0])];
        s->seq[1] = 0;
        plan_add(g, 0, TH_SYN, 0, 0, 0, false);
        plan_add(g, 1, TH_RST | TH_ACK, 0, 0, 0, false);
        break;
    case K_S0: {
        unsigned syns = short_flow ? 1 : rng_range(r, 1, 3);
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = rng_chance(r, 50)
                          ? 443
                          : closed_ports[rng_below(r, sizeof closed_ports / sizeof closed_ports[0])];
        for (unsigned i = 0; i < syns; i++)
            plan_add(g, 0, TH_SYN, 0, 0, 0, i > 0);
        break;
    }
    case K_NTP:
        s->port[0] = ephemeral_port(g, c);
        s->port[1] = 123;
        plan_add(g, 0, 0, 0, 0, 48, false);
        plan_add(g, 1, 0, 1, 0, 48, false);
        break;
    default: break;
    }
}

/* Opens a session whose packets fit in what is left of the budget; returns
 * its pool index, or NONE when the budget is spent. */
static uint32_t session_open(struct gen *g)
{
    uint64_t avail = g->target - g->emitted - g->reserved;
    if (avail == 0 || g->nfree == 0)
        return NONE;
    uint32_t id = g->free_ids[--g->nfree];
    struct session *s = &g->pool[id];
    uint32_t client = pick_client(g);
    enum kind kind = pick_kind(g);
    bool v6 = g->clients[client].lan >= LAN_ULA;

    if (kind == K_ARP && v6)
        kind = K_ICMP;
    session_plan(g, s, kind, client, g->short_mix);
    if (g->nscript > avail) /* too long for the end of the capture */
        session_plan(g, s, avail >= 2 ? K_DNS : K_S0, client, true);

    s->nsteps = (uint16_t)g->nscript;
    if (g->nscript <= 2) {
        s->steps = s->inl;
    } else {
        s->steps = malloc(g->nscript * sizeof *s->steps);
        if (!s->steps) {
            fprintf(stderr, "ps-pcapgen: out of memory planning a session of %u steps\n",
                    g->nscript);
            exit(1);
        }
    }
    memcpy(s->steps, g->script, g->nscript * sizeof *s->steps);
    g->reserved += s->nsteps;
    g->sessions[s->kind]++;
    g->active[g->nactive++] = id;
    return id;
}

/* Sends the next packet of the session at active[slot]; retires it when done. */
static void session_step(struct gen *g, uint32_t slot)
{
    uint32_t id = g->active[slot];
    struct session *s = &g->pool[id];
    const struct step *st = &s->steps[s->step++];

    g->now_us += 1 + rng_below(&g->rng, 2 * g->gap_us - 1);
    switch (s->kind) {
    case K_DNS:
    case K_NTP: emit_udp(g, s, st); break;
    case K_ICMP: emit_icmp(g, s, st); break;
    case K_ARP: emit_arp(g, s, st); break;
    default: emit_tcp(g, s, st); break;
    }
    g->emitted++;
    g->reserved--;
    if (s->step == s->nsteps) {
        if (s->steps != s->inl)
            free(s->steps);
        s->steps = NULL;
        if (g->cache_s == s)
            g->cache_s = NULL;
        g->active[slot] = g->active[--g->nactive];
        g->free_ids[g->nfree++] = id;
    }
}

/* ---- setup ---------------------------------------------------------------- */

static void hosts_init(struct gen *g)
{
    uint32_t per_lan[LAN_COUNT] = {0};
    for (uint32_t k = 0; k < g->nclients; k++) {
        struct host *h = &g->clients[k];
        uint32_t d = k % 10;
        uint8_t lan = d < 5 ? LAN_10 : d < 8 ? LAN_192 : d == 8 ? LAN_ULA : LAN_DOC6;
        uint32_t i = per_lan[lan]++;
        h->lan = lan;
        h->os = (uint8_t)((k * 7 + k / 3) % OS_COUNT);
        h->ttl = h->os == OS_WINDOWS ? 128 : 64;
        make_mac(h->mac, k, 0);
        switch (lan) {
        case LAN_10:
            set_a4(h->a4, 10, ((i / 254 + 1) >> 8) & 0xff, (i / 254 + 1) & 0xff, i % 254 + 1);
            break;
        case LAN_192:
            set_a4(h->a4, 192, 168, (i / 254 + 1) & 0xff, i % 254 + 1);
            break;
        case LAN_ULA: set_a6(h->a6, pfx_ula, 0, 0x100 + i); break;
        default: set_a6(h->a6, pfx_doc_lan, (uint32_t)(k * 0x9e3779b1u) | 1, i); break;
        }
        h->next_port = (uint16_t)rng_next(&g->rng);
        h->icmp_id = (uint16_t)rng_next(&g->rng);
    }
    for (uint32_t j = 0; j < g->nservers; j++) {
        struct host *h = &g->servers[j];
        static const uint8_t initial_ttl[] = {64, 64, 128, 255};
        uint8_t hops = (uint8_t)(6 + j % 15);
        h->os = (uint8_t)(j % 3 == 2 ? OS_WINDOWS : OS_LINUX);
        h->ttl = (uint8_t)(initial_ttl[j % 4] - hops);
        if (j < 3 * 253) {
            static const uint8_t nets[3][3] = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
            const uint8_t *n = nets[j / 253];
            set_a4(h->a4, n[0], n[1], n[2], j % 253 + 1);
        } else {
            uint32_t v = j - 3 * 253;
            set_a4(h->a4, 198, 18 + (v / 65024) % 2, (v / 254) % 256, v % 254 + 1);
        }
        set_a6(h->a6, pfx_doc_srv, 0, j + 1);
        server_name(g->names[j], j);
    }
    for (unsigned lan = 0; lan < LAN_COUNT; lan++) {
        struct host *gw = &g->gw[lan], *dns = &g->resolver[lan];
        static const uint8_t cisco[3] = {0x00, 0x1b, 0x54};
        memcpy(gw->mac, cisco, 3);
        gw->mac[3] = 0x0a, gw->mac[4] = 0x00, gw->mac[5] = (uint8_t)(lan < LAN_ULA ? lan : 0);
        make_mac(dns->mac, 0xfff000 + lan, 4);
        gw->ttl = 64;
        dns->ttl = 64;
        gw->lan = dns->lan = (uint8_t)lan;
        if (lan == LAN_10) {
            set_a4(gw->a4, 10, 0, 0, 1);
            set_a4(dns->a4, 10, 0, 0, 53);
        } else if (lan == LAN_192) {
            set_a4(gw->a4, 192, 168, 0, 1);
            set_a4(dns->a4, 192, 168, 0, 53);
        }
        set_a6(gw->a6, lan == LAN_ULA ? pfx_ula : pfx_doc_lan, 0, 1);
        set_a6(dns->a6, lan == LAN_ULA ? pfx_ula : pfx_doc_lan, 0, 0x53);
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ps-pcapgen --out FILE [options]\n"
            "\n"
            "Writes a deterministic Ethernet pcap of realistic LAN traffic: HTTP/1.1\n"
            "(keep-alive, 200/404, FIN or RST teardown), TLS 1.3/1.2 on 443 (ClientHello\n"
            "with SNI, ALPN, supported_versions, key_share; ServerHello; application\n"
            "data), DNS over UDP and TCP (A/AAAA/CNAME answers, NXDOMAIN), ICMP echo,\n"
            "ARP, NTP, SYNs to closed ports answered by RST (REJ) and unanswered SYNs\n"
            "(S0). Clients live in 10/8, 192.168/16, fd00::/8 and 2001:db8::/32; servers\n"
            "in the documentation ranges and 198.18/15. Sessions interleave in time.\n"
            "The same options always give the same bytes.\n"
            "\n"
            "  --out FILE             output file ('-' for stdout)\n"
            "  --packets N            packets to write, exactly (default 5000)\n"
            "  --hosts N              client hosts (default 50, max %d); servers: hosts/4,\n"
            "                         at least 20\n"
            "  --seed S               random seed (default 1)\n"
            "  --start EPOCH          timestamp of the first packet (default 1764000000)\n"
            "  --concurrent-flows N   sessions open at once (default 64). When --packets\n"
            "                         is under 4 x N, only one- and two-packet flows\n"
            "                         are made (1.85 packets each on average), so\n"
            "                         --concurrent-flows 1000000 --packets 1850000 gives\n"
            "                         ~1M flows, all opened before any closes\n"
            "  --gap-us N             mean microseconds between packets (default 200;\n"
            "                         3 with the one- and two-packet mix)\n"
            "  --help                 this text\n",
            MAX_HOSTS);
}

static bool parse_u64(const char *opt, const char *arg, uint64_t min, uint64_t max,
                      uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
        fprintf(stderr, "ps-pcapgen: %s: '%s' is not a number in [%" PRIu64 ", %" PRIu64 "]\n",
                opt, arg, min, max);
        return false;
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"packets", required_argument, NULL, 'n'},
        {"hosts", required_argument, NULL, 'H'},
        {"seed", required_argument, NULL, 's'},
        {"start", required_argument, NULL, 't'},
        {"concurrent-flows", required_argument, NULL, 'c'},
        {"gap-us", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    uint64_t packets = 5000, hosts = 50, seed = 1, start = 1764000000, concurrent = 64, gap = 0;
    int opt, rc = 1;
    struct gen *g = NULL;
    pcap_t *dead = NULL;
    FILE *f = NULL;

    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        bool ok = true;
        switch (opt) {
        case 'o': out = optarg; break;
        case 'n': ok = parse_u64("--packets", optarg, 1, MAX_PACKETS, &packets); break;
        case 'H': ok = parse_u64("--hosts", optarg, 2, MAX_HOSTS, &hosts); break;
        case 's': ok = parse_u64("--seed", optarg, 0, UINT64_MAX, &seed); break;
        case 't': ok = parse_u64("--start", optarg, 0, 4000000000ULL, &start); break;
        case 'c':
            ok = parse_u64("--concurrent-flows", optarg, 1, MAX_CONCURRENT, &concurrent);
            break;
        case 'g': ok = parse_u64("--gap-us", optarg, 1, 60000000, &gap); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (!ok)
            return 2;
    }
    if (!out || optind != argc) {
        usage(stderr);
        return 2;
    }

    g = calloc(1, sizeof *g);
    if (!g)
        goto oom;
    g->rng.s = seed;
    g->target = packets;
    g->now_us = start * 1000000;
    g->nclients = (uint32_t)hosts;
    g->nservers = (uint32_t)(hosts / 4 < 20 ? 20 : hosts / 4);
    g->concurrent = (uint32_t)(concurrent < packets ? concurrent : packets);
    g->short_mix = packets < 4 * concurrent;
    g->gap_us = (uint32_t)(gap ? gap : g->short_mix ? 3 : 200);
    g->clients = calloc(g->nclients, sizeof *g->clients);
    g->servers = calloc(g->nservers, sizeof *g->servers);
    g->names = calloc(g->nservers, sizeof *g->names);
    g->pool = calloc(g->concurrent, sizeof *g->pool);
    g->free_ids = calloc(g->concurrent, sizeof *g->free_ids);
    g->active = calloc(g->concurrent, sizeof *g->active);
    if (!g->clients || !g->servers || !g->names || !g->pool || !g->free_ids || !g->active)
        goto oom;
    for (uint32_t i = 0; i < g->concurrent; i++)
        g->free_ids[i] = g->concurrent - 1 - i;
    g->nfree = g->concurrent;
    {
        struct rng r = {seed ^ 0x5eed5eed5eed5eedULL};
        for (size_t i = 0; i < RAND_POOL; i += 8) {
            uint64_t v = rng_next(&r);
            memcpy(g->pool_bytes + i, &v, 8);
        }
    }
    hosts_init(g);

    dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
    if (!dead) {
        fprintf(stderr, "ps-pcapgen: pcap_open_dead failed\n");
        goto out;
    }
    f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "ps-pcapgen: %s: %s\n", out, strerror(errno));
        goto out;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    g->dumper = pcap_dump_fopen(dead, f);
    if (!g->dumper) {
        fprintf(stderr, "ps-pcapgen: %s: %s\n", out, pcap_geterr(dead));
        if (f != stdout)
            fclose(f);
        goto out;
    }

    while (g->emitted < g->target) {
        if (g->nactive < g->concurrent && session_open(g) != NONE) {
            session_step(g, g->nactive - 1);
            continue;
        }
        if (g->nactive == 0)
            break;
        session_step(g, rng_below(&g->rng, g->nactive));
    }

    if (pcap_dump_flush(g->dumper) != 0 || ferror(f)) {
        fprintf(stderr, "ps-pcapgen: %s: write failed: %s\n", out, strerror(errno));
        pcap_dump_close(g->dumper);
        goto out;
    }
    pcap_dump_close(g->dumper);

    uint64_t total = 0;
    for (unsigned k = 0; k < K_COUNT; k++)
        total += g->sessions[k];
    fprintf(stderr, "ps-pcapgen: %s: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64
            " sessions (", out, g->emitted, g->bytes, total);
    for (unsigned k = 0; k < K_COUNT; k++)
        fprintf(stderr, "%s%s %" PRIu64, k ? ", " : "", kind_name[k], g->sessions[k]);
    fprintf(stderr, "), %.3f s of traffic\n", (double)(g->now_us - start * 1000000) / 1e6);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "ps-pcapgen: out of memory (%" PRIu64 " hosts, %" PRIu64 " concurrent flows)\n",
            hosts, concurrent);
out:
    if (dead)
        pcap_close(dead);
    if (g) {
        for (uint32_t i = 0; g->pool && i < g->concurrent; i++)
            if (g->pool[i].steps && g->pool[i].steps != g->pool[i].inl)
                free(g->pool[i].steps);
        free(g->clients);
        free(g->servers);
        free(g->names);
        free(g->pool);
        free(g->free_ids);
        free(g->active);
        free(g);
    }
    return rc;
}

/* community_id.c - Community ID v1 flow hash (github.com/corelight/
 * community-id-spec; ICMP counterparts per pycommunityid icmp.py/icmp6.py). */
#include "community_id.h"
#include "digest.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58
#define P_SCTP 132

struct icmp_pair {
    uint8_t type, counterpart;
};

/* Request/reply types that form one two-way "flow" (Zeek ICMP4_counterpart). */
static const struct icmp_pair icmp4_pairs[] = {
    {8, 0},   {0, 8},   /* echo / echo reply */
    {13, 14}, {14, 13}, /* timestamp */
    {15, 16}, {16, 15}, /* information */
    {10, 9},  {9, 10},  /* router solicitation / advertisement */
    {17, 18}, {18, 17}, /* address mask */
};

static const struct icmp_pair icmp6_pairs[] = {
    {128, 129}, {129, 128}, /* echo */
    {130, 131}, {131, 130}, /* MLD listener query / report */
    {133, 134}, {134, 133}, /* router solicitation / advertisement */
    {135, 136}, {136, 135}, /* neighbor solicitation / advertisement */
    {139, 140}, {140, 139}, /* node information query / reply (WRU) */
    {144, 145}, {145, 144}, /* home agent address discovery */
};

/* Maps (type, code) to port equivalents; returns true for a one-way type. */
static bool icmp_ports(uint8_t proto, uint16_t *sport, uint16_t *dport)
{
    const struct icmp_pair *t = proto == P_ICMP ? icmp4_pairs : icmp6_pairs;
    size_t n = proto == P_ICMP ? sizeof icmp4_pairs / sizeof icmp4_pairs[0]
                               : sizeof icmp6_pairs / sizeof icmp6_pairs[0];
    for (size_t i = 0; i < n; i++)
        if (*sport == t[i].type) {
            *dport = t[i].counterpart;
            return false;
        }
    return true; /* (type, code) as given */
}

void community_id_v1(uint16_t seed, int family, const uint8_t *saddr, const uint8_t *daddr,
                     uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
    size_t alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    out[0] = '\0';
    if (!alen || !saddr || !daddr)
        return;

    bool ports = proto == P_TCP || proto == P_UDP || proto == P_SCTP || proto == P_ICMP ||
                 proto == P_ICMP6;
    bool one_way = false;
    if (proto == P_ICMP || proto == P_ICMP6)
        one_way = icmp_ports(proto, &sport, &dport);

    int cmp = memcmp(saddr, daddr, alen);
    bool ordered = one_way || cmp < 0 || (cmp == 0 && (!ports || sport <= dport));
    const uint8_t *a = ordered ? saddr : daddr, *b = ordered ? daddr : saddr;
    uint16_t pa = ordered ? sport : dport, pb = ordered ? dport : sport;

    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a, alen);
    n += alen;
    memcpy(buf + n, b, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(pa >> 8);
        buf[n++] = (uint8_t)pa;
        buf[n++] = (uint8_t)(pb >> 8);
        buf[n++] = (uint8_t)pb;
    }
    if (!EVP_Digest(buf, n, digest, &dlen, ps_digest_md(PS_SHA1), NULL) || dlen != 20)
        return;
    memcpy(out, "1:", 2);
    /* 20 bytes -> 28 base64 characters + NUL, well inside out. */
    EVP_EncodeBlock((unsigned char *)out + 2, digest, (int)dlen);
}

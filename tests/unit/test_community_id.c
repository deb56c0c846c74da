/* test_community_id.c - Community ID v1 against the spec's baseline tables
 * (github.com/corelight/community-id-spec baseline/baseline_deflt.json and
 * baseline_seed1.json, commit c4ec2bc4), plus direction and edge cases. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "community_id.h"
#include "unit.h"

struct vector {
    uint16_t seed;
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport; /* ICMP: type, then code (or counterpart as in the table) */
    const char *expect;
};

/* Transcribed from the baseline JSON; "null" ports of protocol 46 are 0. */
static const struct vector baseline[] = {
    {0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {0, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
    {0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
    {0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {0, 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {0, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
    {0, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    {0, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {0, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {0, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
    {0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {0, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {0, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {0, 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {0, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {0, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {0, 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {0, 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {1, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {1, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {1, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {1, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {1, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {1, 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {1, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {1, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {1, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
    {1, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {1, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {1, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {1, 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {1, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {1, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {1, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {1, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {1, 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {1, 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

static int family_of(const char *addr) { return strchr(addr, ':') ? AF_INET6 : AF_INET; }

static void cid(uint16_t seed, const char *s, const char *d, uint8_t proto, uint16_t sp,
                uint16_t dp, char out[COMMUNITY_ID_LEN])
{
    uint8_t sa[16], da[16];
    int fam = family_of(s);
    CHECK(inet_pton(fam, s, sa) == 1);
    CHECK(inet_pton(fam, d, da) == 1);
    community_id_v1(seed, fam, sa, da, proto, sp, dp, out);
}

static void test_baseline(void)
{
    char out[COMMUNITY_ID_LEN];
    for (size_t i = 0; i < sizeof baseline / sizeof baseline[0]; i++) {
        const struct vector *v = &baseline[i];
        cid(v->seed, v->saddr, v->daddr, v->proto, v->sport, v->dport, out);
        if (strcmp(out, v->expect) != 0)
            fprintf(stderr, "baseline[%zu] proto %u %s -> %s\n", i, v->proto, v->saddr, v->daddr);
        CHECK_STR(out, v->expect);
    }
}

/* The brief's anchor vector, spelled out. */
static void test_tcp_anchor(void)
{
    char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN];
    cid(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80, a);
    CHECK_STR(a, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    cid(0, "66.35.250.204", "128.232.110.120", 6, 80, 34855, b);
    CHECK_STR(b, a);
    CHECK_INT(strlen(a), 30);
}

static void test_icmp(void)
{
    char req[COMMUNITY_ID_LEN], rep[COMMUNITY_ID_LEN], x[COMMUNITY_ID_LEN];
    /* Echo request and reply with their codes land on one flow: the code of
     * a two-way type is replaced by the counterpart type. */
    cid(0, "192.168.0.89", "192.168.0.1", 1, 8, 0, req);
    cid(0, "192.168.0.1", "192.168.0.89", 1, 0, 0, rep);
    CHECK_STR(req, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    CHECK_STR(rep, req);
    /* Router advertisement/solicitation, timestamp, info, mask pairs. */
    cid(0, "10.0.0.1", "10.0.0.2", 1, 10, 0, req);
    cid(0, "10.0.0.2", "10.0.0.1", 1, 9, 0, rep);
    CHECK_STR(rep, req);
    cid(0, "10.0.0.1", "10.0.0.2", 1, 13, 0, req);
    cid(0, "10.0.0.2", "10.0.0.1", 1, 14, 0, rep);
    CHECK_STR(rep, req);
    cid(0, "10.0.0.1", "10.0.0.2", 1, 17, 0, req);
    cid(0, "10.0.0.2", "10.0.0.1", 1, 18, 0, rep);
    CHECK_STR(rep, req);
    /* One-way types (time exceeded) keep their direction: reversed
     * endpoints give a different ID. */
    cid(0, "10.0.0.1", "10.0.0.2", 1, 11, 0, req);
    cid(0, "10.0.0.2", "10.0.0.1", 1, 11, 0, rep);
    CHECK_STR(req, "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
    CHECK(strcmp(req, rep) != 0);
    /* ... and their code matters. */
    cid(0, "10.0.0.1", "10.0.0.2", 1, 11, 1, x);
    CHECK(strcmp(req, x) != 0);
    /* ICMPv6 echo and neighbor discovery pairs. */
    cid(0, "2001:db8::1", "2001:db8::2", 58, 128, 0, req);
    cid(0, "2001:db8::2", "2001:db8::1", 58, 129, 0, rep);
    CHECK_STR(rep, req);
    cid(0, "2001:db8::1", "2001:db8::2", 58, 144, 0, req);
    cid(0, "2001:db8::2", "2001:db8::1", 58, 145, 0, rep);
    CHECK_STR(rep, req);
    /* ICMPv4's table does not apply to ICMPv6 (8 is not echo there). */
    cid(0, "2001:db8::1", "2001:db8::2", 58, 8, 0, req);
    cid(0, "2001:db8::2", "2001:db8::1", 58, 0, 0, rep);
    CHECK(strcmp(req, rep) != 0);
}

static void test_ordering_and_edges(void)
{
    char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN];
    /* Same address both ways: the ports decide. */
    cid(0, "10.0.0.1", "10.0.0.1", 17, 5000, 53, a);
    cid(0, "10.0.0.1", "10.0.0.1", 17, 53, 5000, b);
    CHECK_STR(a, b);
    /* Protocols without ports ignore the port arguments. */
    cid(0, "10.1.12.1", "10.1.12.2", 46, 1, 2, a);
    CHECK_STR(a, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    /* Seed changes the hash. */
    cid(7, "10.1.12.1", "10.1.12.2", 46, 0, 0, b);
    CHECK(strcmp(a, b) != 0);
    /* Unknown family or missing address: empty string, no crash. */
    uint8_t z[16] = {0};
    strcpy(a, "x");
    community_id_v1(0, AF_UNIX, z, z, 6, 1, 2, a);
    CHECK_STR(a, "");
    strcpy(a, "x");
    community_id_v1(0, AF_INET, NULL, z, 6, 1, 2, a);
    CHECK_STR(a, "");
}

UNIT_MAIN({
    test_baseline();
    test_tcp_anchor();
    test_icmp();
    test_ordering_and_edges();
})

/* test_geo.c - special-purpose range labels (RFC 6890 registries), the
 * tor-geoipdb loader on small files written here (parsing, bad lines,
 * boundaries, refusal of overlapping ranges), known public addresses
 * against Debian's tor-geoipdb, and the cost of one lookup. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "geo.h"
#include "unit.h"

static struct ps_addr addr(const char *s)
{
    struct ps_addr a = {0};
    if (inet_pton(AF_INET, s, a.b) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, s, a.b) == 1)
        a.family = 6;
    return a;
}

static const char *cc_of(const struct geo_db *g, const char *s, char buf[4])
{
    struct ps_addr a = addr(s);
    return geo_country(g, &a, buf);
}

static void labels(void)
{
    static const struct { const char *a, *label; } cases[] = {
        {"10.0.0.1", "PRIVATE"},          {"172.16.5.4", "PRIVATE"},
        {"172.31.255.255", "PRIVATE"},    {"192.168.1.1", "PRIVATE"},
        {"100.64.0.1", "PRIVATE"},        {"fd12:3456::1", "PRIVATE"},
        {"127.0.0.1", "LOOPBACK"},        {"::1", "LOOPBACK"},
        {"169.254.10.20", "LINKLOCAL"},   {"fe80::1", "LINKLOCAL"},
        {"224.0.0.251", "MULTICAST"},     {"239.255.255.250", "MULTICAST"},
        {"ff02::fb", "MULTICAST"},        {"255.255.255.255", "BROADCAST"},
        {"192.0.2.1", "DOCUMENTATION"},   {"198.51.100.7", "DOCUMENTATION"},
        {"203.0.113.9", "DOCUMENTATION"}, {"2001:db8::1", "DOCUMENTATION"},
        {"3fff::1", "DOCUMENTATION"},     {"0.1.2.3", "RESERVED"},
        {"198.18.0.1", "RESERVED"},       {"240.0.0.1", "RESERVED"},
        {"::", "RESERVED"},               {"::ffff:10.1.2.3", "PRIVATE"},
    };
    char buf[4];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(cc_of(NULL, cases[i].a, buf), cases[i].label);
    /* just outside the ranges */
    static const char *const public_[] = {"172.32.0.1", "11.0.0.1", "100.128.0.1", "192.0.3.1",
                                          "198.20.0.1", "223.255.255.255", "fec0::1", "2001:db9::1"};
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++) {
        struct ps_addr a = addr(public_[i]);
        CHECK_INT(geo_classify(&a), GEO_PUBLIC);
        CHECK(cc_of(NULL, public_[i], buf) == NULL);
    }
}

static char *write_tmp(const char *text)
{
    static char paths[4][64];
    static int n;
    char *p = paths[n++ % 4];
    snprintf(p, 64, "/tmp/ps-test-geo-XXXXXX");
    int fd = mkstemp(p);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    return p;
}

static void small_files(void)
{
    char *v4 = write_tmp("# comment\n"
                         "16777216,16777471,AU\n"        /* 1.0.0.0 - 1.0.0.255 */
                         "not,a,line,at,all\n"
                         "16777472,16778239,CN\n"        /* 1.0.1.0 - 1.0.3.255 */
                         "33554432,50331647,??\n"        /* 2.0.0.0 - 2.255.255.255 unknown */
                         "3221225984,3221226239,XX\n");  /* 192.0.2.x: labelled first */
    char *v6 = write_tmp("2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n"
                         "2a00::,2a00:ffff:ffff:ffff:ffff:ffff:ffff:ffff,DE\n");
    char err[256] = "";
    struct geo_db *g = geo_open(&(struct geo_paths){.v4 = v4, .v6 = v6}, err, sizeof err);
    CHECK(g != NULL);
    if (!g) {
        fprintf(stderr, "geo_open: %s\n", err);
        return;
    }
    struct geo_stats st;
    geo_get_stats(g, &st);
    CHECK_INT(st.v4_ranges, 4);
    CHECK_INT(st.v6_ranges, 2);
    CHECK_INT(st.bad_lines, 1);
    char buf[4];
    CHECK_STR(cc_of(g, "1.0.0.0", buf), "AU");
    CHECK_STR(cc_of(g, "1.0.0.255", buf), "AU");
    CHECK_STR(cc_of(g, "1.0.1.0", buf), "CN");
    CHECK_STR(cc_of(g, "1.0.3.255", buf), "CN");
    CHECK(cc_of(g, "1.0.4.0", buf) == NULL);     /* gap */
    CHECK(cc_of(g, "0.255.255.255", buf) != NULL); /* RESERVED label, never a country */
    CHECK(cc_of(g, "2.1.2.3", buf) == NULL);     /* "??" is unknown */
    CHECK_STR(cc_of(g, "192.0.2.1", buf), "DOCUMENTATION");
    CHECK_STR(cc_of(g, "::ffff:1.0.2.3", buf), "CN");
    CHECK_STR(cc_of(g, "2001:200::1", buf), "JP");
    CHECK_STR(cc_of(g, "2a00:1450::1", buf), "DE");
    CHECK(cc_of(g, "2a01::1", buf) == NULL);
    geo_close(g);

    /* overlapping ranges are refused, not answered wrongly */
    char *bad = write_tmp("16777216,16777471,AU\n16777300,16777999,CN\n");
    g = geo_open(&(struct geo_paths){.v4 = bad}, err, sizeof err);
    CHECK(g == NULL);
    CHECK(strstr(err, "overlaps") != NULL);
    g = geo_open(&(struct geo_paths){.v4 = "/nonexistent/geoip"}, err, sizeof err);
    CHECK(g == NULL);
    CHECK(strstr(err, "/nonexistent/geoip") != NULL);
    unlink(v4);
    unlink(v6);
    unlink(bad);
}

/* Addresses whose holders and countries are documented and stable: the
 * RIPE NCC (Amsterdam), the M root server (WIDE project, Tokyo), LACNIC
 * (Montevideo), Google Public DNS (US). */
static void debian_database(void)
{
    if (access(GEO_TOR_V4, R_OK) != 0 || access(GEO_TOR_V6, R_OK) != 0) {
        printf("SKIP: %s not installed (deploy/install-deps.sh installs tor-geoipdb)\n",
               GEO_TOR_V4);
        return;
    }
    char err[256] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct geo_db *g = geo_open(&(struct geo_paths){.v4 = GEO_TOR_V4, .v6 = GEO_TOR_V6}, err,
                                sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(g != NULL);
    if (!g)
        return;
    struct geo_stats st;
    geo_get_stats(g, &st);
    printf("tor-geoipdb: %zu IPv4 + %zu IPv6 ranges, %zu bad lines, %.1f MB, loaded in %.3f s\n",
           st.v4_ranges, st.v6_ranges, st.bad_lines, (double)st.memory / 1e6,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK(st.v4_ranges > 100000);
    CHECK(st.v6_ranges > 50000);
    static const struct { const char *a, *cc; } known[] = {
        {"193.0.6.139", "NL"},                  /* www.ripe.net */
        {"2001:67c:2e8:22::c100:68b", "NL"},    /* www.ripe.net */
        {"202.12.27.33", "JP"},                 /* m.root-servers.net */
        {"2001:dc3::35", "JP"},                 /* m.root-servers.net */
        {"200.3.14.10", "UY"},                  /* LACNIC */
        {"8.8.8.8", "US"},                      /* Google Public DNS */
        {"::ffff:193.0.6.139", "NL"},
        {"10.1.2.3", "PRIVATE"},
        {"fe80::1", "LINKLOCAL"},
    };
    char buf[4];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        CHECK_STR(cc_of(g, known[i].a, buf), known[i].cc);

    /* cost of a lookup on public addresses (the flow path does two per flow) */
    enum { N = 2000000 };
    uint32_t x = 12345;
    unsigned found = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        struct ps_addr a = {.family = 4};
        a.b[0] = (uint8_t)(1 + (x >> 24) % 222);
        a.b[1] = (uint8_t)(x >> 16);
        a.b[2] = (uint8_t)(x >> 8);
        a.b[3] = (uint8_t)x;
        if (i & 1) { /* every other lookup IPv6 in 2000::/3 */
            a.family = 6;
            a.b[0] = (uint8_t)(0x20 | (x >> 28));
            for (int k = 4; k < 16; k++)
                a.b[k] = (uint8_t)(x >> (k % 4 * 8));
        }
        found += geo_country(g, &a, buf) != NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
    printf("geo_country: %.0f ns per lookup (half IPv4, half IPv6; %u of %d known)\n", ns, found,
           N);
    CHECK(ns < 5000); /* sanity: bisection, not a scan */
    geo_close(g);
}

/* geo_parse6 answers as inet_pton: hand-picked forms, then random
 * addresses printed by inet_ntop (which compresses the longest zero run). */
static void parse6_like_inet_pton(void)
{
    static const char *const cases[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:200::", "2a00:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8", "ABCD:ef01::", "::ffff:1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4", "", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "12345::", "1:", ":1", "1::2:", "g::", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", "1 ::", "fe80::1%eth0", "0000:0000::0001", "00000::",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t want[16] = {0}, got[16] = {0};
        int ok_want = inet_pton(AF_INET6, cases[i], want) == 1;
        int ok_got = geo_parse6(cases[i], got) == 0;
        CHECK_INT(ok_got, ok_want);
        if (ok_got != ok_want)
            fprintf(stderr, "  case \"%s\"\n", cases[i]);
        if (ok_want && ok_got)
            CHECK(memcmp(want, got, 16) == 0);
    }
    uint32_t x = 7;
    int same = 0;
    for (int i = 0; i < 20000; i++) {
        uint8_t b[16], got[16];
        for (int k = 0; k < 16; k++) {
            x = x * 1664525u + 1013904223u;
            b[k] = (x >> 24) % 3 == 0 ? 0 : (uint8_t)(x >> 16); /* zero runs */
        }
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, b, text, sizeof text);
        same += geo_parse6(text, got) == 0 && memcmp(b, got, 16) == 0;
    }
    CHECK_INT(same, 20000);
}

UNIT_MAIN({
    parse6_like_inet_pton();
    labels();
    small_files();
    debian_database();
})

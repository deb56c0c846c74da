/* geo.c - special-purpose ranges (RFC 6890), tor-geoipdb country ranges
 * in sorted arrays searched by bisection, optional libmaxminddb. */
#include "geo.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef PS_HAVE_MAXMINDDB
#include <maxminddb.h>
#endif

struct v6 { uint64_t hi, lo; };

struct geo_db {
    size_t n4, n6, bad4, bad6; /* bad lines per file (loaded on two threads) */
    uint32_t *s4, *e4;      /* range start/end, sorted by start */
    char (*c4)[2];
    uint32_t idx4[65537];   /* first range whose start >> 16 >= k (bisection bounds) */
    struct v6 *s6, *e6;
    char (*c6)[2];
#ifdef PS_HAVE_MAXMINDDB
    MMDB_s city, asn;
    bool have_city, have_asn;
#endif
};

static const struct geo_db *default_db;

void geo_set_default(struct geo_db *g) { default_db = g; }
const struct geo_db *geo_default(void) { return default_db; }

bool geo_have_mmdb(void)
{
#ifdef PS_HAVE_MAXMINDDB
    return true;
#else
    return false;
#endif
}

/* ---- special-purpose ranges ---- */

static uint32_t v4_of(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int in4(uint32_t a, uint32_t net, int bits)
{
    return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
}

static enum geo_class classify4(uint32_t a)
{
    if (in4(a, 0x0A000000, 8) || in4(a, 0xAC100000, 12) || in4(a, 0xC0A80000, 16) ||
        in4(a, 0x64400000, 10))
        return GEO_PRIVATE;
    if (in4(a, 0x7F000000, 8))
        return GEO_LOOPBACK;
    if (in4(a, 0xA9FE0000, 16))
        return GEO_LINKLOCAL;
    if (in4(a, 0xE0000000, 4))
        return GEO_MULTICAST;
    if (a == 0xFFFFFFFF)
        return GEO_BROADCAST;
    if (in4(a, 0xC0000200, 24) || in4(a, 0xC6336400, 24) || in4(a, 0xCB007100, 24))
        return GEO_DOCUMENTATION;
    if (in4(a, 0x00000000, 8) || in4(a, 0xC0000000, 24) || in4(a, 0xC6120000, 15) ||
        in4(a, 0xF0000000, 4))
        return GEO_RESERVED;
    return GEO_PUBLIC;
}

static int prefix6(const uint8_t *b, const uint8_t *net, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(b, net, (size_t)full) != 0)
        return 0;
    return rest == 0 || (b[full] >> (8 - rest)) == (net[full] >> (8 - rest));
}

enum geo_class geo_classify(const struct ps_addr *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[16] = {0};
    static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8}, doc2[3] = {0x3f, 0xff, 0x00};
    static const uint8_t discard[8] = {0x01, 0x00};
    static const uint8_t ula[1] = {0xfc}, ll[2] = {0xfe, 0x80}, mc[1] = {0xff};
    if (a->family == 4)
        return classify4(v4_of(a->b));
    if (a->family != 6)
        return GEO_RESERVED;
    const uint8_t *b = a->b;
    if (memcmp(b, mapped, 12) == 0)
        return classify4(v4_of(b + 12));
    if (memcmp(b, zero, 15) == 0)
        return b[15] == 1 ? GEO_LOOPBACK : b[15] == 0 ? GEO_RESERVED : GEO_PUBLIC;
    if (prefix6(b, ula, 7))
        return GEO_PRIVATE;
    if (prefix6(b, ll, 10))
        return GEO_LINKLOCAL;
    if (prefix6(b, mc, 8))
        return GEO_MULTICAST;
    if (prefix6(b, doc, 32) || prefix6(b, doc2, 20))
        return GEO_DOCUMENTATION;
    if (prefix6(b, discard, 64))
        return GEO_RESERVED;
    return GEO_PUBLIC;
}

const char *geo_class_label(enum geo_class c)
{
    switch (c) {
    case GEO_PRIVATE: return "PRIVATE";
    case GEO_LOOPBACK: return "LOOPBACK";
    case GEO_LINKLOCAL: return "LINKLOCAL";
    case GEO_MULTICAST: return "MULTICAST";
    case GEO_BROADCAST: return "BROADCAST";
    case GEO_DOCUMENTATION: return "DOCUMENTATION";
    case GEO_RESERVED: return "RESERVED";
    case GEO_PUBLIC: break;
    }
    return NULL;
}

/* ---- tor-geoipdb files ---- */

static struct v6 v6_of(const uint8_t *b)
{
    struct v6 v = {0, 0};
    for (int i = 0; i < 8; i++) {
        v.hi = v.hi << 8 | b[i];
        v.lo = v.lo << 8 | b[8 + i];
    }
    return v;
}

static int v6_cmp(struct v6 a, struct v6 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The hex groups of an IPv6 address with at most one "::" (the only forms
 * the country files use); 0 on success. Anything else (an embedded IPv4
 * suffix, a zone, junk) returns -1 and the caller asks inet_pton(), so
 * this only ever makes the common case faster. Parsing dominated loading
 * the 280,000 IPv6 ranges. */
static int parse6_fast(const char *s, uint8_t out[16])
{
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0, gap = 0;
    if (s[0] == ':') {
        if (s[1] != ':')
            return -1;
        gap = 1;
        s += 2;
    }
    while (*s) {
        int v = 0, digits = 0, h;
        while ((h = hexval((unsigned char)*s)) >= 0 && digits < 5) {
            v = v << 4 | h;
            digits++;
            s++;
        }
        if (digits == 0 || digits > 4 || nh + nt >= 8)
            return -1;
        if (gap)
            tail[nt++] = (uint16_t)v;
        else
            head[nh++] = (uint16_t)v;
        if (*s == '\0')
            break;
        if (*s != ':')
            return -1;
        s++;
        if (*s == ':') {
            if (gap)
                return -1;
            gap = 1;
            s++;
        } else if (*s == '\0') {
            return -1; /* trailing single colon */
        }
    }
    if ((gap && nh + nt > 7) || (!gap && nh != 8))
        return -1;
    memset(out, 0, 16);
    for (int i = 0; i < nh; i++) {
        out[2 * i] = (uint8_t)(head[i] >> 8);
        out[2 * i + 1] = (uint8_t)head[i];
    }
    for (int i = 0; i < nt; i++) {
        int k = 8 - nt + i;
        out[2 * k] = (uint8_t)(tail[i] >> 8);
        out[2 * k + 1] = (uint8_t)tail[i];
    }
    return 0;
}

int geo_parse6(const char *s, uint8_t out[16])
{
    return parse6_fast(s, out) == 0 || inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 65536;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Splits "a,b,CC" in place; 0 when the line has that shape. */
static int split_line(char *line, char **a, char **b, char **cc)
{
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c2)
        return -1;
    *c1 = *c2 = '\0';
    *a = line;
    *b = c1 + 1;
    *cc = c2 + 1;
    size_t n = strcspn(*cc, "\r\n");
    (*cc)[n] = '\0';
    return n == 2 ? 0 : -1;
}

struct loader { size_t cap_s, cap_e, cap_c; };

static int load_v4(struct geo_db *g, FILE *f, char *err, size_t errlen, const char *path)
{
    char line[256];
    struct loader l = {0};
    while (fgets(line, sizeof line, f)) {
        char *a, *b, *cc, *end1, *end2;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (split_line(line, &a, &b, &cc) < 0) {
            g->bad4++;
            continue;
        }
        unsigned long long s = strtoull(a, &end1, 10), e = strtoull(b, &end2, 10);
        if (*end1 || *end2 || s > e || e > 0xFFFFFFFFull) {
            g->bad4++;
            continue;
        }
        if (g->n4 >= GEO_MAX_RANGES) {
            snprintf(err, errlen, "%s: more than %d ranges", path, GEO_MAX_RANGES);
            return -1;
        }
        if (grow((void **)&g->s4, &l.cap_s, g->n4, sizeof *g->s4) < 0 ||
            grow((void **)&g->e4, &l.cap_e, g->n4, sizeof *g->e4) < 0 ||
            grow((void **)&g->c4, &l.cap_c, g->n4, sizeof *g->c4) < 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
        g->s4[g->n4] = (uint32_t)s;
        g->e4[g->n4] = (uint32_t)e;
        memcpy(g->c4[g->n4], cc, 2);
        g->n4++;
    }
    return 0;
}

static int load_v6(struct geo_db *g, FILE *f, char *err, size_t errlen, const char *path)
{
    char line[256];
    struct loader l = {0};
    while (fgets(line, sizeof line, f)) {
        char *a, *b, *cc;
        uint8_t sb[16], eb[16];
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (split_line(line, &a, &b, &cc) < 0 || geo_parse6(a, sb) < 0 || geo_parse6(b, eb) < 0 ||
            v6_cmp(v6_of(sb), v6_of(eb)) > 0) {
            g->bad6++;
            continue;
        }
        if (g->n6 >= GEO_MAX_RANGES) {
            snprintf(err, errlen, "%s: more than %d ranges", path, GEO_MAX_RANGES);
            return -1;
        }
        if (grow((void **)&g->s6, &l.cap_s, g->n6, sizeof *g->s6) < 0 ||
            grow((void **)&g->e6, &l.cap_e, g->n6, sizeof *g->e6) < 0 ||
            grow((void **)&g->c6, &l.cap_c, g->n6, sizeof *g->c6) < 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
        g->s6[g->n6] = v6_of(sb);
        g->e6[g->n6] = v6_of(eb);
        memcpy(g->c6[g->n6], cc, 2);
        g->n6++;
    }
    return 0;
}

/* The files are sorted; a file that is not gets refused rather than
 * silently answering wrong. */
static int check_sorted(const struct geo_db *g, const char *p4, const char *p6, char *err,
                        size_t errlen)
{
    for (size_t i = 1; i < g->n4; i++)
        if (g->s4[i] <= g->e4[i - 1]) {
            snprintf(err, errlen, "%s: range %zu overlaps or is out of order", p4, i + 1);
            return -1;
        }
    for (size_t i = 1; i < g->n6; i++)
        if (v6_cmp(g->s6[i], g->e6[i - 1]) <= 0) {
            snprintf(err, errlen, "%s: range %zu overlaps or is out of order", p6, i + 1);
            return -1;
        }
    return 0;
}

static void build_index4(struct geo_db *g)
{
    size_t i = 0;
    for (uint32_t k = 0; k <= 65536; k++) {
        while (i < g->n4 && (g->s4[i] >> 16) < k)
            i++;
        g->idx4[k] = (uint32_t)i;
    }
}

static int load_file(struct geo_db *g, const char *path, int v6, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "geo database %s: cannot open", path);
        return -1;
    }
    size_t before = v6 ? g->n6 : g->n4;
    int rc = v6 ? load_v6(g, f, err, errlen, path) : load_v4(g, f, err, errlen, path);
    fclose(f);
    if (rc == 0 && (v6 ? g->n6 : g->n4) == before) {
        snprintf(err, errlen, "geo database %s: no usable range", path);
        rc = -1;
    }
    return rc;
}

#ifdef PS_HAVE_MAXMINDDB
static int open_mmdb(const char *path, MMDB_s *m, char *err, size_t errlen)
{
    int rc = MMDB_open(path, MMDB_MODE_MMAP, m);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "geo database %s: %s", path, MMDB_strerror(rc));
        return -1;
    }
    return 0;
}
#endif

struct v6_load {
    struct geo_db *g;
    const char *path;
    char err[256];
    int rc;
};

static void *v6_main(void *arg)
{
    struct v6_load *l = arg;
    l->rc = load_file(l->g, l->path, 1, l->err, sizeof l->err);
    return NULL;
}

/* The two files fill separate arrays: the IPv6 one loads on a second thread
 * while this one reads the IPv4 file (together they cost a start of
 * `captured --read` about 70 ms on one core). */
static int load_both(struct geo_db *g, const struct geo_paths *paths, char *err, size_t errlen)
{
    struct v6_load l = {.g = g, .path = paths->v6};
    pthread_t th;
    int threaded = paths->v4 && paths->v6 && pthread_create(&th, NULL, v6_main, &l) == 0;
    int rc = paths->v4 ? load_file(g, paths->v4, 0, err, errlen) : 0;
    if (threaded) {
        pthread_join(th, NULL);
        if (rc == 0 && l.rc < 0) {
            snprintf(err, errlen, "%s", l.err);
            rc = -1;
        }
    } else if (rc == 0 && paths->v6) {
        rc = load_file(g, paths->v6, 1, err, errlen);
    }
    return rc;
}

struct geo_db *geo_open(const struct geo_paths *paths, char *err, size_t errlen)
{
    struct geo_db *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "geo: out of memory");
        return NULL;
    }
    int ok = load_both(g, paths, err, errlen) == 0 &&
             check_sorted(g, paths->v4, paths->v6, err, errlen) == 0;
#ifdef PS_HAVE_MAXMINDDB
    if (ok && paths->mmdb && *paths->mmdb)
        ok = open_mmdb(paths->mmdb, &g->city, err, errlen) == 0 && (g->have_city = true);
    if (ok && paths->asn_mmdb && *paths->asn_mmdb)
        ok = open_mmdb(paths->asn_mmdb, &g->asn, err, errlen) == 0 && (g->have_asn = true);
#else
    if (ok && ((paths->mmdb && *paths->mmdb) || (paths->asn_mmdb && *paths->asn_mmdb))) {
        snprintf(err, errlen, "geo: .mmdb configured but captured was built without libmaxminddb");
        ok = 0;
    }
#endif
    if (!ok) {
        geo_close(g);
        return NULL;
    }
    build_index4(g);
    return g;
}

void geo_close(struct geo_db *g)
{
    if (!g)
        return;
#ifdef PS_HAVE_MAXMINDDB
    if (g->have_city)
        MMDB_close(&g->city);
    if (g->have_asn)
        MMDB_close(&g->asn);
#endif
    free(g->s4);
    free(g->e4);
    free(g->c4);
    free(g->s6);
    free(g->e6);
    free(g->c6);
    free(g);
}

/* Index of the last range starting at or before a, or -1. */
static long find4(const struct geo_db *g, uint32_t a)
{
    size_t lo = 0, hi = g->idx4[(a >> 16) + 1]; /* ranges in [lo, hi) start <= block end */
    if ((a >> 16) > 0 && g->idx4[a >> 16] > 0)
        lo = g->idx4[a >> 16] - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->s4[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

static long find6(const struct geo_db *g, struct v6 a)
{
    size_t lo = 0, hi = g->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v6_cmp(g->s6[mid], a) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

static int set_cc(const char cc[2], char out[4])
{
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        return -1; /* "??": not known */
    out[0] = cc[0];
    out[1] = cc[1];
    out[2] = '\0';
    return 0;
}

static int tor_country(const struct geo_db *g, const struct ps_addr *a, char out[4])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == 6 && memcmp(a->b, mapped, 12) == 0) {
        struct ps_addr v4 = {.family = 4};
        memcpy(v4.b, a->b + 12, 4);
        return tor_country(g, &v4, out);
    }
    if (a->family == 4) {
        uint32_t x = v4_of(a->b);
        long i = g->n4 ? find4(g, x) : -1;
        return i >= 0 && x <= g->e4[i] ? set_cc(g->c4[i], out) : -1;
    }
    struct v6 x = v6_of(a->b);
    long i = g->n6 ? find6(g, x) : -1;
    return i >= 0 && v6_cmp(x, g->e6[i]) <= 0 ? set_cc(g->c6[i], out) : -1;
}

#ifdef PS_HAVE_MAXMINDDB
static int mmdb_entry(const MMDB_s *m, const struct ps_addr *a, MMDB_entry_s *e)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (a->family == 4) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        memcpy(&s->sin_addr, a->b, 4);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        memcpy(&s->sin6_addr, a->b, 16);
    }
    int merr = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(m, (struct sockaddr *)&ss, &merr);
    if (merr != MMDB_SUCCESS || !r.found_entry)
        return -1;
    *e = r.entry;
    return 0;
}

static void mmdb_string(MMDB_entry_s *e, char *out, size_t outlen, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) == MMDB_SUCCESS && d.has_data &&
        d.type == MMDB_DATA_TYPE_UTF8_STRING) {
        size_t n = d.data_size < outlen - 1 ? d.data_size : outlen - 1;
        memcpy(out, d.utf8_string, n);
        out[n] = '\0';
    }
}

static void mmdb_fill(const struct geo_db *g, const struct ps_addr *a, struct geo_info *o)
{
    MMDB_entry_s e;
    MMDB_entry_data_s d;
    if (g->have_city && mmdb_entry(&g->city, a, &e) == 0) {
        char cc[8] = "";
        mmdb_string(&e, cc, sizeof cc, (const char *const[]){"country", "iso_code", NULL});
        if (strlen(cc) == 2 && set_cc(cc, o->cc_buf) == 0)
            o->cc = o->cc_buf;
        mmdb_string(&e, o->city, sizeof o->city,
                    (const char *const[]){"city", "names", "en", NULL});
        double lat = 0, lon = 0;
        int n = 0;
        if (MMDB_aget_value(&e, &d, (const char *const[]){"location", "latitude", NULL}) ==
                MMDB_SUCCESS && d.has_data && d.type == MMDB_DATA_TYPE_DOUBLE) {
            lat = d.double_value;
            n++;
        }
        if (MMDB_aget_value(&e, &d, (const char *const[]){"location", "longitude", NULL}) ==
                MMDB_SUCCESS && d.has_data && d.type == MMDB_DATA_TYPE_DOUBLE) {
            lon = d.double_value;
            n++;
        }
        if (n == 2) {
            o->has_coords = true;
            o->latitude = lat;
            o->longitude = lon;
        }
    }
    if (g->have_asn && mmdb_entry(&g->asn, a, &e) == 0) {
        if (MMDB_aget_value(&e, &d, (const char *const[]){"autonomous_system_number", NULL}) ==
                MMDB_SUCCESS && d.has_data && d.type == MMDB_DATA_TYPE_UINT32)
            o->asn = d.uint32;
        mmdb_string(&e, o->as_org, sizeof o->as_org,
                    (const char *const[]){"autonomous_system_organization", NULL});
    }
}
#endif

const char *geo_country(const struct geo_db *g, const struct ps_addr *a, char out[4])
{
    enum geo_class c = geo_classify(a);
    if (c != GEO_PUBLIC)
        return geo_class_label(c);
    if (!g)
        return NULL;
#ifdef PS_HAVE_MAXMINDDB
    if (g->have_city) {
        struct geo_info gi;
        if (geo_lookup(g, a, &gi) == 0 && gi.cc) {
            memcpy(out, gi.cc_buf, 4);
            return out;
        }
        return NULL;
    }
#endif
    return tor_country(g, a, out) == 0 ? out : NULL;
}

int geo_lookup(const struct geo_db *g, const struct ps_addr *a, struct geo_info *out)
{
    memset(out, 0, sizeof *out);
    enum geo_class c = geo_classify(a);
    if (c != GEO_PUBLIC) {
        out->cc = geo_class_label(c);
        return 0;
    }
    if (!g)
        return -1;
    if (tor_country(g, a, out->cc_buf) == 0)
        out->cc = out->cc_buf;
#ifdef PS_HAVE_MAXMINDDB
    mmdb_fill(g, a, out);
#endif
    return out->cc || out->asn ? 0 : -1;
}

void geo_get_stats(const struct geo_db *g, struct geo_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!g)
        return;
    out->v4_ranges = g->n4;
    out->v6_ranges = g->n6;
    out->bad_lines = g->bad4 + g->bad6;
    out->memory = sizeof *g + g->n4 * (2 * sizeof(uint32_t) + 2) +
                  g->n6 * (2 * sizeof(struct v6) + 2);
#ifdef PS_HAVE_MAXMINDDB
    out->mmdb = g->have_city;
    out->asn_mmdb = g->have_asn;
#endif
}

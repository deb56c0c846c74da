/* test_app_dns.c - DNS decoder: hand-built messages, compression abuse,
 * every truncation, and real captures checked against tshark's output. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_dns.h"
#include "cursor.h"
#include "unit.h"

/* ---- message builder ---- */

struct msg {
    uint8_t b[8192];
    size_t n;
};

static void put8(struct msg *m, uint8_t v) { m->b[m->n++] = v; }
static void put16(struct msg *m, uint16_t v) { put8(m, (uint8_t)(v >> 8)); put8(m, (uint8_t)v); }
static void put32(struct msg *m, uint32_t v) { put16(m, (uint16_t)(v >> 16)); put16(m, (uint16_t)v); }
static void putmem(struct msg *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static void putptr(struct msg *m, size_t off) { put16(m, (uint16_t)(0xc000 | off)); }

/* Dotted name as labels; with end, the terminating root byte too. */
static void putlabels(struct msg *m, const char *dotted, int end)
{
    while (*dotted) {
        size_t n = strcspn(dotted, ".");
        put8(m, (uint8_t)n);
        putmem(m, dotted, n);
        dotted += n + (dotted[n] == '.');
    }
    if (end)
        put8(m, 0);
}

static void header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                   uint16_t ns, uint16_t ar)
{
    m->n = 0;
    put16(m, id); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}

static void rrhead(struct msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    put16(m, type); put16(m, 1); put32(m, ttl); put16(m, rdlen);
}

/* Parses from an exact-size heap copy so ASan sees any over-read. */
static struct dns_msg dm;
static enum ps_result parse_exact(const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum ps_result r = dns_parse(copy, len, &dm);
    free(copy);
    return r;
}

/* ---- hand-built messages ---- */

static void build_query(struct msg *m)
{
    header(m, 0x1234, 0x0100, 1, 0, 0, 1);
    putlabels(m, "www.Example.com", 1);
    put16(m, 1); put16(m, 1);
    put8(m, 0); put16(m, 41); put16(m, 4096); put32(m, 0x8000); put16(m, 0); /* OPT, DO bit */
}

static void test_query(void)
{
    struct msg m;
    build_query(&m);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_INT(dm.id, 0x1234);
    CHECK_INT(dm.qr, 0); CHECK_INT(dm.opcode, 0); CHECK_INT(dm.rd, 1); CHECK_INT(dm.ra, 0);
    CHECK_INT(dm.qdcount, 1); CHECK_INT(dm.arcount, 1);
    CHECK_STR(dm.qname, "www.Example.com");
    CHECK_INT(dm.qtype, 1); CHECK_INT(dm.qclass, 1);
    CHECK_INT(dm.nanswers, 0);
    CHECK(dns_looks_like(m.b, m.n));
}

/* www.example.com: CNAME web.example.com, A, AAAA, MX, TXT, NS, + OPT. */
static void build_response(struct msg *m)
{
    header(m, 0xbeef, 0x8180, 1, 6, 0, 1);
    putlabels(m, "www.example.com", 1); /* at 12; example.com at 16 */
    put16(m, 1); put16(m, 1);
    putptr(m, 12); rrhead(m, 5, 300, 6);
    size_t web = m->n;
    putlabels(m, "web", 0); putptr(m, 16);
    putptr(m, web); rrhead(m, 1, 60, 4);
    putmem(m, "\x5d\xb8\xd8\x22", 4);
    putptr(m, web); rrhead(m, 28, 60, 16);
    putmem(m, "\x26\x06\x28\x00\x02\x20\x00\x01\x02\x48\x18\x93\x25\xc8\x19\x46", 16);
    putptr(m, 16); rrhead(m, 15, 3600, 9);
    put16(m, 10); putlabels(m, "mail", 0); putptr(m, 16);
    putptr(m, 16); rrhead(m, 16, 7, 18);
    put8(m, 11); putmem(m, "v=spf1 -all", 11); put8(m, 5); putmem(m, "extra", 5);
    putptr(m, 16); rrhead(m, 2, 86400, 6);
    putlabels(m, "ns1", 0); putptr(m, 16);
    put8(m, 0); rrhead(m, 41, 0, 0);
}

static void test_response(void)
{
    struct msg m;
    build_response(&m);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_INT(dm.qr, 1); CHECK_INT(dm.ra, 1); CHECK_INT(dm.rcode, 0);
    CHECK_STR(dm.qname, "www.example.com");
    CHECK_INT(dm.nanswers, 6);
    CHECK_INT(dm.answers[0].type, 5); CHECK_INT(dm.answers[0].ttl, 300);
    CHECK_STR(dm.answers[0].data, "web.example.com");
    CHECK_INT(dm.answers[1].type, 1); CHECK_STR(dm.answers[1].data, "93.184.216.34");
    CHECK_INT(dm.answers[2].type, 28);
    CHECK_STR(dm.answers[2].data, "2606:2800:220:1:248:1893:25c8:1946");
    CHECK_INT(dm.answers[3].type, 15); CHECK_STR(dm.answers[3].data, "mail.example.com");
    CHECK_INT(dm.answers[4].type, 16); CHECK_STR(dm.answers[4].data, "v=spf1 -all");
    CHECK_INT(dm.answers[5].type, 2); CHECK_INT(dm.answers[5].ttl, 86400);
    CHECK_STR(dm.answers[5].data, "ns1.example.com");
    CHECK(dns_looks_like(m.b, m.n));
}

/* Every proper prefix is TRUNCATED (all pointers point back, so a cut can
 * only ever look like running out of bytes), never OK, never a crash. */
static void test_every_truncation(void)
{
    struct msg m;
    int bad = 0;
    build_response(&m);
    for (size_t len = 0; len < m.n; len++)
        bad += parse_exact(m.b, len) != PS_TRUNCATED;
    CHECK_INT(bad, 0);
    build_query(&m);
    for (size_t len = 0; len < m.n; len++)
        bad += parse_exact(m.b, len) != PS_TRUNCATED;
    CHECK_INT(bad, 0);
    CHECK(!dns_looks_like(m.b, 20));
}

static void test_pointer_abuse(void)
{
    struct msg m;
    /* 12 -> 14 -> 12: forward pointer loop. */
    header(&m, 1, 0, 1, 0, 0, 0);
    putptr(&m, 14); putptr(&m, 12); put16(&m, 1); put16(&m, 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    CHECK(!dns_looks_like(m.b, m.n));
    /* Pointer to itself. */
    header(&m, 1, 0, 1, 0, 0, 0);
    putptr(&m, 12); put16(&m, 1); put16(&m, 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* Back into its own name: before the pointer, not before the name.
     * A lenient reader would end at the 0x00 label byte and accept it. */
    header(&m, 1, 0, 1, 0, 0, 0);
    putmem(&m, "\x01\x00", 2); putptr(&m, 13); put16(&m, 1); put16(&m, 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* Pointer into the header (backwards but garbage labels): 0x00 at 4 ends it. */
    header(&m, 1, 0, 1, 0, 0, 0);
    putptr(&m, 4); put16(&m, 1); put16(&m, 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_STR(dm.qname, ".");
    /* Pointer past the end of the message. */
    header(&m, 1, 0, 1, 0, 0, 0);
    putptr(&m, 0x3fff); put16(&m, 1); put16(&m, 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
}

/* Back to Y, then from Y forward again: refused even though it would end. */
static void test_back_then_forward(void)
{
    struct msg m;
    header(&m, 1, 0x8000, 1, 2, 0, 0);
    putlabels(&m, "a", 1); put16(&m, 1); put16(&m, 1);
    putptr(&m, 12); rrhead(&m, 99, 0, 5);
    size_t y = m.n;
    putptr(&m, y + 2); putlabels(&m, "b", 1);
    putptr(&m, y); rrhead(&m, 1, 0, 4); putmem(&m, "\1\2\3\4", 4);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
}

/* A chain of k pointers, each to the one before, ending at "a"; an A
 * record whose owner points at the last one needs k + 1 jumps. */
static enum ps_result chain(unsigned k)
{
    struct msg m;
    header(&m, 1, 0x8000, 0, 2, 0, 0);
    putlabels(&m, "a", 1); rrhead(&m, 99, 0, (uint16_t)(3 + 2 * k));
    size_t prev = m.n;
    putlabels(&m, "a", 1);
    for (unsigned i = 0; i < k; i++) {
        size_t here = m.n;
        putptr(&m, prev);
        prev = here;
    }
    putptr(&m, prev); rrhead(&m, 5, 0, 2); putptr(&m, prev);
    return parse_exact(m.b, m.n);
}

static void test_pointer_cap(void)
{
    CHECK_INT(chain(PS_MAX_DNS_POINTERS - 1), PS_OK);
    CHECK_STR(dm.answers[1].data, "a");
    CHECK_INT(chain(PS_MAX_DNS_POINTERS), PS_INVALID);
    CHECK_INT(chain(200), PS_INVALID);
}

static void question_raw(struct msg *m, const void *name, size_t n)
{
    header(m, 7, 0, 1, 0, 0, 0);
    putmem(m, name, n);
    put16(m, 1); put16(m, 1);
}

/* Three 63-byte labels and one of `last` bytes; returns the wire length. */
static size_t long_name(uint8_t *name, uint8_t last)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t l = i < 3 ? 63 : last;
        name[n++] = l;
        memset(name + n, 'x', l);
        n += l;
    }
    name[n++] = 0;
    return n;
}

static void test_labels(void)
{
    struct msg m;
    uint8_t name[300];
    /* Length byte 64: too long for a label. */
    memset(name, 'a', sizeof name);
    name[0] = 64; name[65] = 0;
    question_raw(&m, name, 66);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* 0x80 and 0x40 label types. */
    question_raw(&m, "\x80\x01", 2);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    question_raw(&m, "\x41\x00", 2);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* 3 x 63 + 61: exactly 255 octets on the wire - the limit. */
    question_raw(&m, name, long_name(name, 61));
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_INT(strlen(dm.qname), 253);
    /* 3 x 63 + 62: 256 octets. */
    question_raw(&m, name, long_name(name, 62));
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
}

static void test_escapes(void)
{
    struct msg m;
    question_raw(&m, "\x03" "a\x01z" "\x03" "c.d" "\x03" "e\\f" "\x02" "g " "\x00", 16);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_STR(dm.qname, "a\\x01z.c\\.d.e\\\\f.g\\x20");
    question_raw(&m, "\x00", 1);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_STR(dm.qname, ".");
    /* TXT with a control byte and a backslash. */
    header(&m, 1, 0x8000, 0, 1, 0, 0);
    put8(&m, 0); rrhead(&m, 16, 0, 5); put8(&m, 4); putmem(&m, "a\tb\\", 4);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_STR(dm.answers[0].data, "a\\x09b\\\\");
}

static void test_bad_rdata(void)
{
    struct msg m;
    header(&m, 1, 0x8000, 0, 1, 0, 0);
    put8(&m, 0); rrhead(&m, 1, 0, 5); putmem(&m, "\1\2\3\4\5", 5);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    CHECK_INT(dm.nanswers, 0);
    /* CNAME target with trailing junk inside the rdata. */
    header(&m, 1, 0x8000, 0, 1, 0, 0);
    put8(&m, 0); rrhead(&m, 5, 0, 4); putlabels(&m, "a", 1); put8(&m, 9);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* CNAME target running past its rdata (into the next record). */
    header(&m, 1, 0x8000, 0, 2, 0, 0);
    put8(&m, 0); rrhead(&m, 5, 0, 2); putlabels(&m, "abc", 1);
    put8(&m, 0); rrhead(&m, 1, 0, 4); putmem(&m, "\1\2\3\4", 4);
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* An unknown type is skipped whatever it holds; empty TXT is "". */
    header(&m, 1, 0x8000, 0, 2, 0, 0);
    put8(&m, 0); rrhead(&m, 0xff00, 0, 3); putmem(&m, "\xc0\xc0\xc0", 3);
    put8(&m, 0); rrhead(&m, 16, 0, 0);
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_INT(dm.nanswers, 2);
    CHECK_STR(dm.answers[0].data, "");
    CHECK_STR(dm.answers[1].data, "");
}

static void test_caps(void)
{
    static struct msg m;
    header(&m, 1, 0x8180, 1, 70, 0, 0);
    putlabels(&m, "many.test", 1); put16(&m, 1); put16(&m, 1);
    for (unsigned i = 0; i < 70; i++) {
        putptr(&m, 12); rrhead(&m, 1, i, 4);
        put8(&m, 10); put8(&m, 0); put8(&m, 0); put8(&m, (uint8_t)i);
    }
    CHECK_INT(parse_exact(m.b, m.n), PS_OK);
    CHECK_INT(dm.nanswers, PS_MAX_DNS_RRS);
    CHECK_STR(dm.answers[PS_MAX_DNS_RRS - 1].data, "10.0.0.63");
    /* Answers past the kept ones are still checked. */
    CHECK_INT(parse_exact(m.b, m.n - 1), PS_TRUNCATED);
    /* Too many questions. */
    header(&m, 1, 0, DNS_MAX_QUESTIONS + 1, 0, 0, 0);
    for (unsigned i = 0; i <= DNS_MAX_QUESTIONS; i++) {
        put8(&m, 0); put16(&m, 1); put16(&m, 1);
    }
    CHECK_INT(parse_exact(m.b, m.n), PS_INVALID);
    /* Counts far beyond the bytes: TRUNCATED quickly. */
    header(&m, 1, 0x8180, 0, 0xffff, 0xffff, 0xffff);
    CHECK_INT(parse_exact(m.b, m.n), PS_TRUNCATED);
}

static void test_names_of_numbers(void)
{
    CHECK_STR(dns_qtype_name(1), "A");
    CHECK_STR(dns_qtype_name(28), "AAAA");
    CHECK_STR(dns_qtype_name(65), "HTTPS");
    CHECK_STR(dns_qtype_name(64), "SVCB");
    CHECK_STR(dns_qtype_name(255), "ANY");
    CHECK_STR(dns_qtype_name(41), "OPT");
    CHECK(dns_qtype_name(0) == NULL);
    CHECK(dns_qtype_name(9999) == NULL);
    CHECK_STR(dns_rcode_name(0), "NOERROR");
    CHECK_STR(dns_rcode_name(3), "NXDOMAIN");
    CHECK_STR(dns_rcode_name(5), "REFUSED");
    CHECK(dns_rcode_name(12) == NULL);
    CHECK(dns_rcode_name(255) == NULL);
}

static void test_looks_like(void)
{
    struct msg m;
    static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    static const uint8_t zeros[64];
    CHECK(!dns_looks_like((const uint8_t *)http, sizeof http - 1));
    CHECK(!dns_looks_like(zeros, sizeof zeros));
    CHECK(!dns_looks_like(zeros, 5));
    CHECK(!dns_looks_like(NULL, 0));
    header(&m, 1, 0x1800, 1, 0, 0, 0); /* opcode 3 */
    putlabels(&m, "a.b", 1); put16(&m, 1); put16(&m, 1);
    CHECK(!dns_looks_like(m.b, m.n));
    header(&m, 1, 0x0000, 1, 0, 0, 0); /* mDNS-style query */
    putlabels(&m, "printer.local", 1); put16(&m, 12); put16(&m, 0x8001);
    CHECK(dns_looks_like(m.b, m.n));
    header(&m, 1, 0x0000, 0, 1, 0, 0); /* query without a question */
    put8(&m, 0); rrhead(&m, 1, 0, 4); putmem(&m, "\1\2\3\4", 4);
    CHECK(!dns_looks_like(m.b, m.n));
    header(&m, 1, 0x0000, 1, 0, 0, 9); /* counts beyond the length */
    putlabels(&m, "a", 1); put16(&m, 1); put16(&m, 1);
    CHECK(!dns_looks_like(m.b, m.n));
}

/* ---- real captures ---- */

/* UDP payload of an Ethernet (802.1Q ok) / IPv4 or IPv6 / UDP frame. */
static int udp_payload(const uint8_t *f, size_t caplen, uint16_t *sport, uint16_t *dport,
                       struct cursor *pay)
{
    struct cursor c = cur_make(f, caplen);
    uint16_t type, ulen;
    uint8_t vihl, proto = 0;
    if (!cur_skip(&c, 12) || !cur_u16be(&c, &type))
        return 0;
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++)
        if (!cur_skip(&c, 2) || !cur_u16be(&c, &type))
            return 0;
    if (type == 0x0800 && cur_u8(&c, &vihl) && cur_skip(&c, 8) && cur_u8(&c, &proto))
        cur_skip(&c, (size_t)(vihl & 15) * 4 - 10);
    else if (type == 0x86dd && cur_skip(&c, 6) && cur_u8(&c, &proto))
        cur_skip(&c, 33);
    if (proto != 17 || !cur_u16be(&c, sport) || !cur_u16be(&c, dport) || !cur_u16be(&c, &ulen) ||
        ulen < 8 || !cur_skip(&c, 2))
        return 0;
    return cur_sub(&c, cur_left(&c) < ulen - 8u ? cur_left(&c) : ulen - 8u, pay);
}

/* Splits a TSV line in place into at most n fields. */
static int tsv_fields(char *line, char **f, int n)
{
    int k = 0;
    line[strcspn(line, "\r\n")] = '\0';
    while (k < n) {
        f[k++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return k;
}

static void join_type(const struct dns_msg *m, uint16_t type, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < m->nanswers; i++) {
        if (m->answers[i].type != type)
            continue;
        if (out[0])
            strncat(out, ",", size - strlen(out) - 1);
        strncat(out, m->answers[i].data, size - strlen(out) - 1);
    }
}

/* tshark's dns.a lists A records of every section; ours are the answers,
 * which come first: ours must be a whole-item prefix of tshark's list. */
static int list_prefix(const char *ours, const char *theirs)
{
    size_t n = strlen(ours);
    return strncmp(ours, theirs, n) == 0 && (theirs[n] == '\0' || theirs[n] == ',');
}

/* Compares one message with a row of expected/<capture>.dns.tsv. */
static int matches_row(const struct dns_msg *m, char **f)
{
    char a[2048], cname[2048], num[16];
    join_type(m, DNS_TYPE_A, a, sizeof a);
    join_type(m, DNS_TYPE_CNAME, cname, sizeof cname);
    snprintf(num, sizeof num, "%u", m->qtype);
    int ok = atoi(f[1]) == m->qr && strcmp(f[2], m->qname) == 0 && strcmp(f[3], num) == 0;
    ok = ok && (!m->qr || atoi(f[4]) == m->rcode) && list_prefix(a, f[5]);
    ok = ok && strcmp(f[7], cname) == 0;
    if (!ok)
        fprintf(stderr, "  row %s: got qr=%u %s type %s rcode %u a=%s cname=%s\n", f[0], m->qr,
                m->qname, num, m->rcode, a, cname);
    return ok;
}

/* Decodes every UDP/53 frame of a capture and compares it with tshark. */
static void check_capture(const char *shared, const char *name, int want_rows)
{
    char path[1024], err[PCAP_ERRBUF_SIZE], line[8192];
    snprintf(path, sizeof path, "%s/pcaps/%s", shared, name);
    pcap_t *pc = pcap_open_offline(path, err);
    snprintf(path, sizeof path, "%s/pcaps/expected/%s.dns.tsv", shared, name);
    FILE *tsv = fopen(path, "r");
    CHECK(pc != NULL && tsv != NULL);
    if (!pc || !tsv || !fgets(line, sizeof line, tsv))
        goto out;
    struct pcap_pkthdr *h;
    const u_char *data;
    long frame = 0;
    int rows = 0, good = 0, whole_ok = 0, prefix_ok = 0;
    while (fgets(line, sizeof line, tsv)) {
        char *f[8];
        struct cursor pay;
        uint16_t sp, dp;
        if (tsv_fields(line, f, 8) != 8)
            continue;
        while (frame < atol(f[0]) && pcap_next_ex(pc, &h, &data) == 1)
            frame++;
        if (frame != atol(f[0]) || !udp_payload(data, h->caplen, &sp, &dp, &pay))
            continue;
        rows++;
        whole_ok += parse_exact(cur_ptr(&pay), cur_left(&pay)) == PS_OK;
        good += matches_row(&dm, f);
        for (size_t len = 0; len < cur_left(&pay); len++) /* no prefix may pass */
            prefix_ok += parse_exact(cur_ptr(&pay), len) == PS_OK;
    }
    printf("%s: %d rows compared, %d match\n", name, rows, good);
    CHECK_INT(rows, want_rows);
    CHECK_INT(good, rows);
    CHECK_INT(whole_ok, rows);
    CHECK_INT(prefix_ok, 0);
out:
    if (pc)
        pcap_close(pc);
    if (tsv)
        fclose(tsv);
}

static void test_real_captures(void)
{
    const char *shared = getenv("PS_SHARED");
    if (!shared) {
        printf("PS_SHARED not set: real captures skipped\n");
        return;
    }
    check_capture(shared, "zeek__wikipedia.pcap", 28);
    check_capture(shared, "chrissanders__dns_lab.pcapng", 22);
    check_capture(shared, "ndpi__dns.pcap", 3); /* frames 4-5 are PPPoE: not walked here */
}

UNIT_MAIN({
    test_query();
    test_response();
    test_every_truncation();
    test_pointer_abuse();
    test_back_then_forward();
    test_pointer_cap();
    test_labels();
    test_escapes();
    test_bad_rdata();
    test_caps();
    test_names_of_numbers();
    test_looks_like();
    test_real_captures();
})

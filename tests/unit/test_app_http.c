/* test_app_http.c - HTTP/1.x head decoder: hand-built heads, limits, Basic
 * auth, every truncation, and real captures checked against tshark. */
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_http.h"
#include "cursor.h"
#include "unit.h"

static struct http_req rq;
static struct http_resp rs;

/* Parse from exact-size heap copies so ASan sees any over-read. */
static enum ps_result req_n(const void *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum ps_result r = http_parse_request(copy, len, &rq);
    free(copy);
    return r;
}

static enum ps_result resp_n(const void *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum ps_result r = http_parse_response(copy, len, &rs);
    free(copy);
    return r;
}

static enum ps_result req(const char *s) { return req_n(s, strlen(s)); }
static enum ps_result resp(const char *s) { return resp_n(s, strlen(s)); }

static const char get_head[] = "GET /index.html?q=1 HTTP/1.1\r\n"
                               "Host: www.example.com\r\n"
                               "User-Agent: curl/8.5.0\r\n"
                               "Accept: */*\r\n"
                               "\r\n";

static void test_get(void)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%sBODY", get_head);
    CHECK_INT(req(buf), PS_OK);
    CHECK_STR(rq.method, "GET");
    CHECK_STR(rq.uri, "/index.html?q=1");
    CHECK(!rq.uri_truncated);
    CHECK_STR(rq.version, "1.1");
    CHECK_STR(rq.host, "www.example.com");
    CHECK_STR(rq.user_agent, "curl/8.5.0");
    CHECK_INT(rq.content_length, -1);
    CHECK(!rq.chunked);
    CHECK(!rq.has_basic_auth);
    CHECK_INT(rq.header_len, strlen(get_head));
    CHECK(http_is_request_start((const uint8_t *)buf, strlen(buf)));
}

static void test_bare_lf_and_case(void)
{
    static const char head[] = "HEAD / HTTP/1.0\nhOsT:   spaced.example  \nuser-agent:\tx\n\n";
    CHECK_INT(req(head), PS_OK);
    CHECK_STR(rq.method, "HEAD");
    CHECK_STR(rq.version, "1.0");
    CHECK_STR(rq.host, "spaced.example");
    CHECK_STR(rq.user_agent, "x");
    CHECK_INT(rq.header_len, strlen(head));
    /* Mixed line ends, obs-fold continuation and a colon-less line ignored. */
    CHECK_INT(req("GET / HTTP/1.1\r\nX-A: 1\r\n Host: evil\r\nnonsense\nHost: good\r\n\r\n"), PS_OK);
    CHECK_STR(rq.host, "good");
}

static void test_truncated(void)
{
    CHECK_INT(req("GET /a HTTP/1.1\r\nHost: h\r\n"), PS_TRUNCATED);
    CHECK_STR(rq.method, "GET");
    CHECK_STR(rq.host, "h");
    CHECK_INT(rq.header_len, 0);
    CHECK_INT(req("GET /a HTTP/1.1\r\nHost: h\r\n\r"), PS_TRUNCATED);
    CHECK_INT(req(""), PS_TRUNCATED);
    int bad = 0;
    for (size_t len = 0; len < strlen(get_head); len++)
        bad += req_n(get_head, len) != PS_TRUNCATED;
    CHECK_INT(bad, 0);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
    for (size_t len = 0; len < strlen(ok); len++)
        bad += resp_n(ok, len) != PS_TRUNCATED;
    CHECK_INT(bad, 0);
}

/* "GET / HTTP/1.1", then a header line of n bytes before its CR LF. */
static enum ps_result long_line(size_t n, int with_end)
{
    static char buf[PS_MAX_HTTP_LINE * 2];
    size_t k = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nX-Big: ");
    memset(buf + k, 'a', n - 7);
    k += n - 7;
    if (with_end)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "\r\n\r\n");
    return req_n(buf, k);
}

static void test_long_lines(void)
{
    CHECK_INT(long_line(PS_MAX_HTTP_LINE - 1, 1), PS_OK); /* + CR = the cap */
    CHECK_INT(long_line(PS_MAX_HTTP_LINE, 1), PS_INVALID);
    CHECK_INT(long_line(PS_MAX_HTTP_LINE + 500, 1), PS_INVALID);
    CHECK_INT(long_line(100, 0), PS_TRUNCATED);
    CHECK_INT(long_line(PS_MAX_HTTP_LINE + 500, 0), PS_INVALID); /* no LF coming can help */
}

/* A request line of exactly the line cap, with the longest target it can
 * hold: kept whole or cut (flagged) depending on the two caps; one byte
 * more makes the line too long. */
static enum ps_result long_uri(size_t n)
{
    static char buf[PS_MAX_HTTP_LINE + 64];
    size_t k = (size_t)snprintf(buf, sizeof buf, "GET /");
    memset(buf + k, 'u', n - 1);
    k += n - 1;
    snprintf(buf + k, sizeof buf - k, " HTTP/1.1\r\n\r\n");
    return req(buf);
}

static void test_long_uri(void)
{
    size_t most = PS_MAX_HTTP_LINE - strlen("GET  HTTP/1.1\r");
    size_t kept = most < PS_MAX_HTTP_URI - 1 ? most : PS_MAX_HTTP_URI - 1;
    CHECK_INT(long_uri(most), PS_OK);
    CHECK_INT(strlen(rq.uri), kept);
    CHECK_INT(rq.uri_truncated, most > kept);
    CHECK_STR(rq.version, "1.1");
    CHECK_INT(long_uri(most + 1), PS_INVALID);
}

/* No byte sequence of the password may survive anywhere in the struct. */
static int struct_holds(const char *secret)
{
    return memmem(&rq, sizeof rq, secret, strlen(secret)) != NULL;
}

static void test_basic_auth(void)
{
    /* Aladdin:open sesame (RFC 7617 §2). */
    CHECK_INT(req("GET / HTTP/1.1\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"),
              PS_OK);
    CHECK(rq.has_basic_auth);
    CHECK_STR(rq.basic_user, "Aladdin");
    CHECK(!struct_holds("open sesame"));
    /* Scheme case-insensitive, padding omitted ("user:pw"). */
    CHECK_INT(req("GET / HTTP/1.1\r\nauthorization: bAsIc dXNlcjpwdw\r\n\r\n"), PS_OK);
    CHECK_STR(rq.basic_user, "user");
    /* No colon: nothing kept. Garbage: nothing kept. */
    CHECK_INT(req("GET / HTTP/1.1\r\nAuthorization: Basic YWxhZGRpbg==\r\n\r\n"), PS_OK);
    CHECK(rq.has_basic_auth);
    CHECK_STR(rq.basic_user, "");
    CHECK_INT(req("GET / HTTP/1.1\r\nAuthorization: Basic !!!!\r\n\r\n"), PS_OK);
    CHECK(rq.has_basic_auth);
    CHECK_STR(rq.basic_user, "");
    /* Other schemes are not Basic. */
    CHECK_INT(req("GET / HTTP/1.1\r\nAuthorization: Bearer abc.def\r\n\r\n"), PS_OK);
    CHECK(!rq.has_basic_auth);
    /* "bob:" + 600 x 'P' - only the first 512 base64 chars are decoded. */
    static char buf[2048], plain[700], b64[1000];
    memset(plain, 'P', sizeof plain);
    memcpy(plain, "bob:", 4);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, 603);
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nAuthorization: Basic %s\r\n\r\n", b64);
    CHECK_INT(req(buf), PS_OK);
    CHECK_STR(rq.basic_user, "bob");
    CHECK(!struct_holds("PPP"));
}

static void test_body_headers(void)
{
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length:  13 \r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
              PS_OK);
    CHECK_INT(rq.content_length, 13);
    CHECK(rq.chunked);
    CHECK_INT(req("POST /f HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), PS_OK);
    CHECK(!rq.chunked);
    CHECK_INT(req("POST /f HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n"), PS_OK);
    CHECK(rq.chunked);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n"), PS_OK);
    CHECK_INT(rq.content_length, 5);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: 12a\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length:\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("POST /f HTTP/1.1\r\nContent-Length: 123456789012345678\r\n\r\n"), PS_OK);
    CHECK_INT(rq.content_length, 123456789012345678LL);
}

/* n header lines "X-n: v". */
static enum ps_result many_headers(unsigned n)
{
    static char buf[16384];
    size_t k = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\n");
    for (unsigned i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "X-%u: v\r\n", i);
    snprintf(buf + k, sizeof buf - k, "\r\n");
    return req(buf);
}

static void test_header_cap(void)
{
    CHECK_INT(many_headers(PS_MAX_HTTP_HEADERS), PS_OK);
    CHECK_INT(many_headers(PS_MAX_HTTP_HEADERS + 1), PS_INVALID);
}

static void test_bad_request_lines(void)
{
    CHECK_INT(req("G(T / HTTP/1.1\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("GET / HTTP/1\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("GET / http/1.1\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("GET /\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("GET  / HTTP/1.1\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("GET / HTTP/1.1 extra\r\n\r\n"), PS_INVALID);
    CHECK_INT(req("ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n"), PS_INVALID); /* 16-char method */
    CHECK_INT(req("\r\n\r\n"), PS_INVALID);
    CHECK_INT(req_n("GET / HTTP/1.1\r\nUser-Agent: a\x01" "b\x7f\r\n\r\n", 36), PS_OK);
    CHECK_STR(rq.user_agent, "a?b?");
    CHECK_INT(req_n("GET /\0x HTTP/1.1\r\n\r\n", 20), PS_OK);
    CHECK_STR(rq.uri, "/?x");
    CHECK_INT(req("BREW /pot HTTP/1.1\r\n\r\n"), PS_OK); /* any token is a method */
    CHECK_STR(rq.method, "BREW");
}

static void test_responses(void)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; charset=UTF-8\r\n"
                               "Content-Length: 1234\r\n\r\n";
    char buf[256];
    snprintf(buf, sizeof buf, "%s<html>", head);
    CHECK_INT(resp(buf), PS_OK);
    CHECK_STR(rs.version, "1.1");
    CHECK_INT(rs.status_code, 200);
    CHECK_STR(rs.status_msg, "OK");
    CHECK_STR(rs.content_type, "text/html");
    CHECK_INT(rs.content_length, 1234);
    CHECK(!rs.chunked);
    CHECK_INT(rs.header_len, strlen(head));
    CHECK_INT(resp("HTTP/1.0 204\r\n\r\n"), PS_OK);
    CHECK_INT(rs.status_code, 204);
    CHECK_STR(rs.status_msg, "");
    CHECK_INT(rs.content_length, -1);
    CHECK_INT(resp("HTTP/1.1 404 Not Found\ntransfer-encoding: chunked\ncontent-type: application/json\n\n"),
              PS_OK);
    CHECK_STR(rs.status_msg, "Not Found");
    CHECK(rs.chunked);
    CHECK_STR(rs.content_type, "application/json");
    CHECK_INT(resp("HTTP/1.1 20 OK\r\n\r\n"), PS_INVALID);
    CHECK_INT(resp("HTTP/1.1 2x0 OK\r\n\r\n"), PS_INVALID);
    CHECK_INT(resp("HTTP/1.1 200OK\r\n\r\n"), PS_INVALID);
    CHECK_INT(resp("ICY 200 OK\r\n\r\n"), PS_INVALID);
    CHECK_INT(resp("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), PS_INVALID);
    CHECK_INT(resp("HTTP/1.1 301 Moved\r\nLocation: /x\r\n"), PS_TRUNCATED);
    CHECK_INT(rs.status_code, 301);
}

static int is_req(const char *s) { return http_is_request_start((const uint8_t *)s, strlen(s)); }
static int is_resp(const char *s) { return http_is_response_start((const uint8_t *)s, strlen(s)); }

static void test_detection(void)
{
    CHECK(is_req("GET / HTTP/1.1"));
    CHECK(is_req("POST /x"));
    CHECK(is_req("PROPFIND /dav/ HTTP/1.1"));
    CHECK(is_req("OPTIONS * HTTP/1.1"));
    CHECK(is_req("VERSION-CONTROL /"));
    CHECK(!is_req("get / HTTP/1.1"));
    CHECK(!is_req("GETX / HTTP/1.1"));
    CHECK(!is_req("GET"));
    CHECK(!is_req("GET/"));
    CHECK(!is_req(""));
    CHECK(!is_req("\x16\x03\x01\x02\x00"));
    CHECK(!http_is_request_start(NULL, 0));
    CHECK(is_resp("HTTP/1.1 200 OK"));
    CHECK(is_resp("HTTP/1.0 "));
    CHECK(!is_resp("HTTP/1.1"));
    CHECK(!is_resp("HTTP/2 200"));
    CHECK(!is_resp("HTTP/1.x 200"));
    CHECK(!is_resp("SSH-2.0-x"));
}

/* ---- real captures ---- */

/* TCP payload of an Ethernet / IPv4 or IPv6 (no extension headers) frame. */
static int tcp_payload(const uint8_t *f, size_t caplen, struct cursor *pay)
{
    struct cursor c = cur_make(f, caplen);
    uint16_t type, iplen = 0;
    uint8_t vihl, proto = 0, doff;
    size_t hdr = 0;
    if (!cur_skip(&c, 12) || !cur_u16be(&c, &type))
        return 0;
    if (type == 0x0800 && cur_u8(&c, &vihl) && cur_skip(&c, 1) && cur_u16be(&c, &iplen) &&
        cur_skip(&c, 5) && cur_u8(&c, &proto) && cur_skip(&c, (size_t)(vihl & 15) * 4 - 10))
        hdr = (size_t)(vihl & 15) * 4;
    else if (type == 0x86dd && cur_skip(&c, 4) && cur_u16be(&c, &iplen) && cur_u8(&c, &proto) &&
             cur_skip(&c, 33))
        iplen = (uint16_t)(iplen + 40), hdr = 40;
    if (proto != 6 || !cur_skip(&c, 12) || !cur_u8(&c, &doff) || !cur_skip(&c, 7) ||
        !cur_skip(&c, (size_t)(doff >> 4) * 4 - 20) || iplen < hdr + (doff >> 4) * 4u)
        return 0;
    size_t n = iplen - hdr - (doff >> 4) * 4u; /* drops Ethernet padding */
    return cur_sub(&c, n < cur_left(&c) ? n : cur_left(&c), pay);
}

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

/* Row of expected/<capture>.http.tsv vs. the head that starts in that
 * frame. Returns 1 match, 0 mismatch, -1 head not starting in the frame
 * (tshark names the frame where reassembly completed). */
static int compare_row(char **f, const struct cursor *pay)
{
    const uint8_t *p = cur_ptr(pay);
    size_t n = cur_left(pay);
    if (f[1][0]) {
        if (!http_is_request_start(p, n))
            return -1;
        return req_n(p, n) == PS_OK && strcmp(rq.method, f[1]) == 0 &&
               strcmp(rq.host, f[2]) == 0 && strcmp(rq.uri, f[3]) == 0;
    }
    if (!http_is_response_start(p, n))
        return -1;
    enum ps_result r = resp_n(p, n);
    return (r == PS_OK || r == PS_TRUNCATED) && rs.status_code == atoi(f[4]);
}

static void check_capture(const char *shared, const char *name, int want)
{
    char path[1024], err[PCAP_ERRBUF_SIZE], line[8192];
    snprintf(path, sizeof path, "%s/pcaps/%s", shared, name);
    pcap_t *pc = pcap_open_offline(path, err);
    snprintf(path, sizeof path, "%s/pcaps/expected/%s.http.tsv", shared, name);
    FILE *tsv = fopen(path, "r");
    CHECK(pc != NULL && tsv != NULL);
    if (!pc || !tsv || !fgets(line, sizeof line, tsv))
        goto out;
    struct pcap_pkthdr *h;
    const u_char *data;
    long frame = 0;
    int compared = 0, good = 0;
    while (fgets(line, sizeof line, tsv)) {
        char *f[5];
        struct cursor pay;
        if (tsv_fields(line, f, 5) != 5)
            continue;
        while (frame < atol(f[0]) && pcap_next_ex(pc, &h, &data) == 1)
            frame++;
        if (frame != atol(f[0]) || !tcp_payload(data, h->caplen, &pay))
            continue;
        int r = compare_row(f, &pay);
        if (r < 0)
            continue;
        compared++;
        good += r;
        if (!r)
            fprintf(stderr, "  %s frame %s: mismatch\n", name, f[0]);
    }
    printf("%s: %d heads compared, %d match\n", name, compared, good);
    CHECK_INT(compared, want);
    CHECK_INT(good, compared);
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
    check_capture(shared, "zeek__wikipedia.pcap", 30);
    check_capture(shared, "chrissanders__http_ip4and6.pcapng", 4);
    check_capture(shared, "zeek__http__pipelined-requests.pcap", 7); /* 3 rows name the frame where a response ended */
}

UNIT_MAIN({
    test_get();
    test_bare_lf_and_case();
    test_truncated();
    test_long_lines();
    test_long_uri();
    test_basic_auth();
    test_body_headers();
    test_header_cap();
    test_bad_request_lines();
    test_responses();
    test_detection();
    test_real_captures();
})

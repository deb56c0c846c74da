/* app_http.c - HTTP/1.x message head decoder (RFC 9112; semantics RFC 9110; Basic auth RFC 7617). */
#include "app_http.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define HTTP_MAX_CL_DIGITS 18  /* keeps Content-Length inside int64_t */
#define HTTP_BASIC_B64_MAX 512 /* base64 chars of Basic credentials decoded (384 bytes) */

/* ---- spans: a line or a piece of one, held in a cursor ---- */

static uint8_t ascii_lower(uint8_t b) { return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b; }
static bool is_ows(uint8_t b) { return b == ' ' || b == '\t'; }

/* tok gets the bytes of s before the first `stop` and s moves past it.
 * Without a stop, tok gets all of s, s ends empty, and false is returned. */
static bool span_split(struct cursor *s, uint8_t stop, struct cursor *tok)
{
    struct cursor scan = *s;
    size_t n = 0;
    uint8_t b;

    *tok = cur_make(NULL, 0); /* always set, even if cur_sub could fail */

    while (cur_u8(&scan, &b)) { /* bounded by the span */
        if (b == stop) {
            cur_sub(s, n, tok);
            cur_skip(s, 1);
            return true;
        }
        n++;
    }
    cur_sub(s, n, tok);
    return false;
}

/* Drops leading and trailing spaces and tabs. */
static void span_trim(struct cursor *s)
{
    size_t end = s->len;
    uint8_t b;

    while (cur_peek_at(s, s->off, &b) && is_ows(b))
        cur_skip(s, 1);
    while (end > s->off && cur_peek_at(s, end - 1, &b) && is_ows(b))
        end--;
    *s = cur_make(cur_ptr(s), end - s->off);
}

static bool span_eq(const struct cursor *s, const char *lit, bool nocase)
{
    struct cursor t = *s;
    size_t n = strlen(lit);
    uint8_t b;

    if (cur_left(&t) != n)
        return false;
    for (size_t i = 0; i < n && cur_u8(&t, &b); i++) {
        uint8_t want = (uint8_t)lit[i];
        if (nocase ? ascii_lower(b) != ascii_lower(want) : b != want)
            return false;
    }
    return true;
}

/* Copies s into out (size >= 1, NUL included), control bytes as '?'.
 * Returns false when s had to be cut. */
static bool span_copy(const struct cursor *s, char *out, size_t size)
{
    struct cursor t = *s;
    size_t n = 0;
    uint8_t b;

    while (n + 1 < size && cur_u8(&t, &b))
        out[n++] = (b < 0x20 || b == 0x7f) ? '?' : (char)b;
    out[n] = '\0';
    return cur_left(&t) == 0;
}

/* RFC 9110 §5.6.2 token. */
static bool span_is_token(const struct cursor *s)
{
    struct cursor t = *s;
    uint8_t b;

    if (cur_left(&t) == 0)
        return false;
    while (cur_u8(&t, &b)) {
        bool alnum = (b >= '0' && b <= '9') || (ascii_lower(b) >= 'a' && ascii_lower(b) <= 'z');
        if (!alnum && (b == 0 || !strchr("!#$%&'*+-.^_`|~", b)))
            return false;
    }
    return true;
}

/* ---- lines ---- */

/* Splits the next line off c, without its LF or CR LF. TRUNCATED when no LF
 * is in the buffer yet, INVALID when the line exceeds PS_MAX_HTTP_LINE. */
static enum ps_result http_next_line(struct cursor *c, struct cursor *line)
{
    size_t n;
    uint8_t last = 0;

    *line = cur_make(NULL, 0);
    if (!cur_find(c, '\n', PS_MAX_HTTP_LINE + 1, &n))
        return cur_left(c) <= PS_MAX_HTTP_LINE ? PS_TRUNCATED : PS_INVALID;
    if (n > 0)
        cur_peek_at(c, c->off + n - 1, &last);
    size_t keep = (n > 0 && last == '\r') ? n - 1 : n;
    cur_sub(c, keep, line);
    cur_skip(c, n - keep + 1);
    return PS_OK;
}

typedef enum ps_result (*http_header_fn)(const struct cursor *name, const struct cursor *value,
                                         void *ctx);

/* Walks header lines up to the blank line, handing each name/value to fn.
 * Lines without a colon and obs-fold continuations are skipped. */
static enum ps_result http_headers(struct cursor *c, http_header_fn fn, void *ctx,
                                   size_t *header_len)
{
    for (unsigned n = 0; n <= PS_MAX_HTTP_HEADERS; n++) {
        struct cursor line, name;
        uint8_t first;
        enum ps_result r = http_next_line(c, &line);
        if (r != PS_OK)
            return r;
        if (!cur_peek_at(&line, 0, &first)) {
            *header_len = c->off;
            return PS_OK;
        }
        if (is_ows(first) || !span_split(&line, ':', &name))
            continue;
        span_trim(&name);
        span_trim(&line);
        r = fn(&name, &line, ctx);
        if (r != PS_OK)
            return r;
    }
    return PS_INVALID; /* more than PS_MAX_HTTP_HEADERS header lines */
}

/* "HTTP/d.d" exactly; out gets "d.d". */
static enum ps_result http_version(const struct cursor *s, char *out, size_t size)
{
    struct cursor t = *s;
    char v[8];

    if (cur_left(&t) != sizeof v || !cur_copy(&t, v, sizeof v) || memcmp(v, "HTTP/", 5) != 0 ||
        v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
        return PS_INVALID;
    snprintf(out, size, "%c.%c", v[5], v[7]);
    return PS_OK;
}

/* ---- header values ---- */

static enum ps_result http_content_length(const struct cursor *v, int64_t *out)
{
    struct cursor t = *v;
    int64_t n = 0;
    uint8_t b;

    if (cur_left(&t) == 0 || cur_left(&t) > HTTP_MAX_CL_DIGITS)
        return PS_INVALID;
    while (cur_u8(&t, &b)) {
        if (b < '0' || b > '9')
            return PS_INVALID;
        n = n * 10 + (b - '0');
    }
    if (*out >= 0 && *out != n)
        return PS_INVALID; /* conflicting duplicates: RFC 9112 §6.3 */
    *out = n;
    return PS_OK;
}

/* Chunked framing applies when chunked is the final transfer coding. */
static bool http_te_chunked(struct cursor v)
{
    struct cursor coding;

    for (size_t n = 0; n <= PS_MAX_HTTP_LINE && span_split(&v, ',', &coding); n++)
        ;
    span_trim(&coding);
    return span_eq(&coding, "chunked", true);
}

static enum ps_result http_body_header(const struct cursor *name, const struct cursor *value,
                                       int64_t *content_length, bool *chunked)
{
    if (span_eq(name, "content-length", true))
        return http_content_length(value, content_length);
    if (span_eq(name, "transfer-encoding", true))
        *chunked = http_te_chunked(*value);
    return PS_OK;
}

/* Copies a whole number of base64 quanta of tok into out, padding a short
 * last one (some clients omit '='). Returns the length, 0 if unusable. */
static size_t b64_prefix(const struct cursor *tok, unsigned char *out)
{
    struct cursor t = *tok;
    size_t n = cur_left(&t) < HTTP_BASIC_B64_MAX ? cur_left(&t) : HTTP_BASIC_B64_MAX;

    if (n % 4 == 1 || !cur_copy(&t, out, n))
        return 0;
    while (n % 4)
        out[n++] = '=';
    return n;
}

/* Decodes Basic credentials just far enough to find the user-id (RFC 7617
 * §2: user-id ":" password). Both buffers hold the password, so they are
 * wiped before returning; the password is never copied out. */
static void basic_user_from_token(const struct cursor *tok, char *user, size_t size)
{
    unsigned char b64[HTTP_BASIC_B64_MAX + 4], plain[HTTP_BASIC_B64_MAX / 4 * 3 + 4];
    size_t n = b64_prefix(tok, b64);
    int got = n ? EVP_DecodeBlock(plain, b64, (int)n) : -1;
    const unsigned char *colon = got > 0 ? memchr(plain, ':', (size_t)got) : NULL;

    if (colon) {
        struct cursor u = cur_make(plain, (size_t)(colon - plain));
        span_copy(&u, user, size);
    }
    OPENSSL_cleanse(b64, sizeof b64);
    OPENSSL_cleanse(plain, sizeof plain);
}

static void http_authorization(const struct cursor *value, struct http_req *r)
{
    struct cursor rest = *value, scheme;

    if (!span_split(&rest, ' ', &scheme) || !span_eq(&scheme, "basic", true))
        return;
    span_trim(&rest);
    r->has_basic_auth = true;
    basic_user_from_token(&rest, r->basic_user, sizeof r->basic_user);
}

/* Media type without parameters, lowercased (RFC 9110 §8.3.1). */
static void http_media_type(const struct cursor *value, char *out, size_t size)
{
    struct cursor rest = *value, type;

    span_split(&rest, ';', &type);
    span_trim(&type);
    span_copy(&type, out, size);
    for (char *q = out; *q; q++)
        *q = (char)ascii_lower((uint8_t)*q);
}

static enum ps_result http_req_header(const struct cursor *name, const struct cursor *value,
                                      void *ctx)
{
    struct http_req *r = ctx;

    if (span_eq(name, "host", true))
        span_copy(value, r->host, sizeof r->host);
    else if (span_eq(name, "user-agent", true))
        span_copy(value, r->user_agent, sizeof r->user_agent);
    else if (span_eq(name, "authorization", true))
        http_authorization(value, r);
    else
        return http_body_header(name, value, &r->content_length, &r->chunked);
    return PS_OK;
}

static enum ps_result http_resp_header(const struct cursor *name, const struct cursor *value,
                                       void *ctx)
{
    struct http_resp *r = ctx;

    if (span_eq(name, "content-type", true)) {
        http_media_type(value, r->content_type, sizeof r->content_type);
        return PS_OK;
    }
    return http_body_header(name, value, &r->content_length, &r->chunked);
}

/* ---- start lines ---- */

/* method SP request-target SP HTTP-version (RFC 9112 §3). */
static enum ps_result http_request_line(struct cursor *line, struct http_req *r)
{
    struct cursor method, target;

    if (!span_split(line, ' ', &method) || !span_is_token(&method) ||
        cur_left(&method) >= sizeof r->method)
        return PS_INVALID;
    if (!span_split(line, ' ', &target) || cur_left(&target) == 0)
        return PS_INVALID;
    span_copy(&method, r->method, sizeof r->method);
    r->uri_truncated = !span_copy(&target, r->uri, sizeof r->uri);
    return http_version(line, r->version, sizeof r->version);
}

/* HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 §4); a missing
 * SP after the code is tolerated. */
static enum ps_result http_status_line(struct cursor *line, struct http_resp *r)
{
    struct cursor version, code;
    char digits[3];

    if (!span_split(line, ' ', &version) ||
        http_version(&version, r->version, sizeof r->version) != PS_OK)
        return PS_INVALID;
    span_split(line, ' ', &code);
    if (cur_left(&code) != 3 || !cur_copy(&code, digits, 3))
        return PS_INVALID;
    for (int i = 0; i < 3; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return PS_INVALID;
        r->status_code = (uint16_t)(r->status_code * 10 + (digits[i] - '0'));
    }
    span_copy(line, r->status_msg, sizeof r->status_msg);
    return PS_OK;
}

enum ps_result http_parse_request(const uint8_t *p, size_t len, struct http_req *r)
{
    struct cursor c = cur_make(p, len), line;
    enum ps_result res;

    memset(r, 0, sizeof *r);
    r->content_length = -1;
    res = http_next_line(&c, &line);
    if (res == PS_OK)
        res = http_request_line(&line, r);
    if (res == PS_OK)
        res = http_headers(&c, http_req_header, r, &r->header_len);
    return res;
}

enum ps_result http_parse_response(const uint8_t *p, size_t len, struct http_resp *r)
{
    struct cursor c = cur_make(p, len), line;
    enum ps_result res;

    memset(r, 0, sizeof *r);
    r->content_length = -1;
    res = http_next_line(&c, &line);
    if (res == PS_OK)
        res = http_status_line(&line, r);
    if (res == PS_OK)
        res = http_headers(&c, http_resp_header, r, &r->header_len);
    return res;
}

/* ---- detection ---- */

static const char *const http_methods[] = {
    "GET",    "POST",   "HEAD",      "PUT",   "DELETE", "OPTIONS",    "PATCH",
    "CONNECT", "TRACE", "PROPFIND",  "PROPPATCH", "MKCOL", "COPY",    "MOVE",
    "LOCK",   "UNLOCK", "REPORT",    "SEARCH", "MKCALENDAR", "MKACTIVITY", "CHECKOUT",
    "MERGE",  "ACL",    "VERSION-CONTROL",
};

bool http_is_request_start(const uint8_t *p, size_t len)
{
    /* The longest method plus its space fits in 16 bytes. */
    struct cursor c = cur_make(p, len < 16 ? len : 16), method;

    if (!span_split(&c, ' ', &method))
        return false;
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (span_eq(&method, http_methods[i], false))
            return true;
    return false;
}

bool http_is_response_start(const uint8_t *p, size_t len)
{
    struct cursor c = cur_make(p, len);
    char s[9];

    return cur_copy(&c, s, sizeof s) && memcmp(s, "HTTP/1.", 7) == 0 && s[7] >= '0' &&
           s[7] <= '9' && s[8] == ' ';
}

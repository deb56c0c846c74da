/* copybuf.c - COPY text-format row building with correct escaping. */
#include "copybuf.h"

#include "strutil.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void copybuf_init(struct copybuf *b)
{
    memset(b, 0, sizeof *b);
    b->min_ts = INT64_MAX;
    b->max_ts = INT64_MIN;
}

void copybuf_free(struct copybuf *b)
{
    free(b->data);
    copybuf_init(b);
}

void copybuf_reset(struct copybuf *b)
{
    b->len = 0;
    b->rows = 0;
    b->fields = 0;
    b->binary = 0;
    b->min_ts = INT64_MAX;
    b->max_ts = INT64_MIN;
}

static int reserve(struct copybuf *b, size_t n)
{
    if (b->oom)
        return 0;
    if (b->len + n <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + n)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

static void put(struct copybuf *b, const char *s, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
    }
}

static void sep(struct copybuf *b)
{
    if (b->fields++ > 0)
        put(b, "\t", 1);
}

void copy_null(struct copybuf *b)
{
    sep(b);
    put(b, "\\N", 2);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (c >= 0xf5 || len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

/* COPY text escaping. PostgreSQL refuses invalid UTF-8 and NUL, and packet
 * text can hold both: such bytes are written as the four characters \xHH. */
static void put_escaped_in(struct copybuf *b, const char *s, size_t n, int in_array)
{
    static const char hex[] = "0123456789abcdef";
    if (!reserve(b, n * 7))
        return;
    char *o = b->data + b->len;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            *o++ = '\\';
            *o++ = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        } else if (c >= 0x20 && c < 0x7f) {
            *o++ = (char)c;
        } else {
            size_t len = c >= 0x80 ? utf8_len(u + i, n - i) : (c ? 1 : 0);
            if (len == 0) { /* "\\xHH" in COPY is the text \xHH; in an array
                             * element the backslash itself needs escaping */
                const char *esc = in_array ? "\\\\\\\\x" : "\\\\x";
                size_t elen = strlen(esc);
                memcpy(o, esc, elen);
                o += elen;
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
                continue;
            }
            memcpy(o, u + i, len);
            o += len;
            i += len - 1;
        }
    }
    b->len = (size_t)(o - b->data);
}

static void put_escaped(struct copybuf *b, const char *s, size_t n)
{
    put_escaped_in(b, s, n, 0);
}

void copy_textn(struct copybuf *b, const char *s, size_t n)
{
    sep(b);
    put_escaped(b, s, n);
}

void copy_text(struct copybuf *b, const char *s)
{
    if (!s) {
        copy_null(b);
        return;
    }
    copy_textn(b, s, strlen(s));
}

void copy_i64(struct copybuf *b, int64_t v)
{
    char tmp[24], *e = tmp;
    if (v < 0)
        *e++ = '-';
    e = ps_put_u64(e, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    sep(b);
    put(b, tmp, (size_t)(e - tmp));
}

void copy_u64(struct copybuf *b, uint64_t v)
{
    char tmp[24];
    char *e = ps_put_u64(tmp, v);
    sep(b);
    put(b, tmp, (size_t)(e - tmp));
}

void copy_double(struct copybuf *b, double v)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.6f", v);
    sep(b);
    put(b, tmp, (size_t)n);
}

void copy_bool(struct copybuf *b, int v)
{
    sep(b);
    put(b, v ? "t" : "f", 1);
}

void copy_ts(struct copybuf *b, int64_t ts_us)
{
    static __thread int64_t cached_sec = INT64_MIN;
    static __thread char cached[24];
    int64_t sec = ts_us >= 0 ? ts_us / 1000000 : -((-ts_us + 999999) / 1000000);
    int64_t frac = ts_us - sec * 1000000;
    if (sec != cached_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%d %H:%M:%S", &tm);
        cached_sec = sec;
    }
    char tmp[40];
    size_t n = strlen(cached);
    memcpy(tmp, cached, n);
    tmp[n++] = '.';
    for (int i = 5; i >= 0; i--, frac /= 10) /* six digits, zero-padded */
        tmp[n + (size_t)i] = (char)('0' + frac % 10);
    memcpy(tmp + n + 6, "+00", 3);
    sep(b);
    put(b, tmp, n + 9);
    if (ts_us < b->min_ts)
        b->min_ts = ts_us;
    if (ts_us > b->max_ts)
        b->max_ts = ts_us;
}

void ps_addr_format(const struct ps_addr *a, char *out, size_t outlen)
{
    if (a->family == 4 && outlen >= 16) { /* glibc's inet_ntop goes through sprintf */
        char *p = out;
        for (int i = 0; i < 4; i++) {
            p = ps_put_u64(p, a->b[i]);
            *p++ = i < 3 ? '.' : '\0';
        }
    } else if (a->family == 4)
        inet_ntop(AF_INET, a->b, out, (socklen_t)outlen);
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->b, out, (socklen_t)outlen);
    else if (outlen)
        out[0] = '\0';
}

void copy_inet(struct copybuf *b, const struct ps_addr *a)
{
    if (!a || a->family == 0) {
        copy_null(b);
        return;
    }
    char tmp[INET6_ADDRSTRLEN];
    ps_addr_format(a, tmp, sizeof tmp);
    copy_text(b, tmp);
}

/* Array element quoting first ("..." with \" and \\), then COPY escaping. */
void copy_text_array(struct copybuf *b, const char *const *items, size_t n)
{
    sep(b);
    put(b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(b, ",", 1);
        put(b, "\"", 1);
        const char *s = items[i] ? items[i] : "", *run = s;
        for (; *s; s++) {
            if (*s != '"' && *s != '\\')
                continue;
            put_escaped_in(b, run, (size_t)(s - run), 1);
            put_escaped(b, "\\", 1);
            run = s; /* the quote or backslash itself starts the next run */
        }
        put_escaped_in(b, run, (size_t)(s - run), 1);
        put(b, "\"", 1);
    }
    put(b, "}", 1);
}

void copy_end_row(struct copybuf *b)
{
    put(b, "\n", 1);
    b->fields = 0;
    b->rows++;
}

/* ---- binary format ---- */

/* 11-byte signature, 32-bit flags, 32-bit header extension length (the
 * literal's terminating NUL is the extension length's last byte). */
const char copyb_header[COPYB_HEADER_LEN] = "PGCOPY\n\377\r\n\0"
                                            "\0\0\0\0"
                                            "\0\0\0";
const char copyb_trailer[2] = {'\377', '\377'};

static void put_be(struct copybuf *b, uint64_t v, int bytes)
{
    char tmp[8];
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        tmp[i] = (char)(v & 0xff);
    put(b, tmp, (size_t)bytes);
}

void copyb_row(struct copybuf *b, int nfields)
{
    b->binary = 1;
    put_be(b, (uint64_t)nfields, 2);
}
void copyb_null(struct copybuf *b) { put_be(b, 0xffffffffu, 4); }

void copyb_i16(struct copybuf *b, int16_t v)
{
    put_be(b, 2, 4);
    put_be(b, (uint16_t)v, 2);
}

void copyb_i32(struct copybuf *b, int32_t v)
{
    put_be(b, 4, 4);
    put_be(b, (uint32_t)v, 4);
}

void copyb_i64(struct copybuf *b, int64_t v)
{
    put_be(b, 8, 4);
    put_be(b, (uint64_t)v, 8);
}

/* timestamptz: microseconds since 2000-01-01 00:00:00 UTC */
void copyb_ts(struct copybuf *b, int64_t ts_us)
{
    copyb_i64(b, ts_us - 946684800LL * 1000000);
    if (ts_us < b->min_ts)
        b->min_ts = ts_us;
    if (ts_us > b->max_ts)
        b->max_ts = ts_us;
}

/* The value copy_text would store: NUL and bytes of invalid UTF-8 as the
 * text \xHH, everything else as is (no COPY escaping in binary). */
void copyb_text(struct copybuf *b, const char *s)
{
    if (!s) {
        copyb_null(b);
        return;
    }
    size_t n = strlen(s);
    if (!reserve(b, 4 + n * 4))
        return;
    size_t at = b->len;
    char *o = b->data + at + 4;
    const unsigned char *u = (const unsigned char *)s;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        size_t len = c < 0x80 ? 1 : utf8_len(u + i, n - i);
        if (len == 0) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            continue;
        }
        memcpy(o, u + i, len);
        o += len;
        i += len - 1;
    }
    size_t vlen = (size_t)(o - (b->data + at + 4));
    b->len = at;
    put_be(b, vlen, 4);
    b->len = at + 4 + vlen;
}

/* inet (network_send): family (2 = IPv4, 3 = IPv6), bits, is_cidr, length,
 * address bytes. */
void copyb_inet(struct copybuf *b, const struct ps_addr *a)
{
    if (!a || (a->family != 4 && a->family != 6)) {
        copyb_null(b);
        return;
    }
    int nb = a->family == 4 ? 4 : 16;
    char tmp[20] = {a->family == 4 ? 2 : 3, (char)(nb * 8), 0, (char)nb};
    memcpy(tmp + 4, a->b, (size_t)nb);
    put_be(b, (uint64_t)(4 + nb), 4);
    put(b, tmp, (size_t)(4 + nb));
}

void copyb_end_row(struct copybuf *b) { b->rows++; }

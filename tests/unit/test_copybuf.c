/* test_copybuf.c - rows for PostgreSQL COPY text format (PostgreSQL docs,
 * "COPY: Text Format"; array literals: "Arrays: Array Value Input"):
 * escaping of tab/newline/CR/backslash, NUL and invalid UTF-8 as \xHH,
 * valid UTF-8 kept, text[] literals, timestamps, inet. Where a value's
 * meaning matters, the output is decoded the way PostgreSQL decodes it. */
#include <stdlib.h>
#include <string.h>

#include "copybuf.h"
#include "unit.h"

static struct copybuf b;

/* The row text written so far (NUL-terminated copy). */
static const char *row(void)
{
    static char out[8192];
    size_t n = b.len < sizeof out - 1 ? b.len : sizeof out - 1;
    memcpy(out, b.data ? b.data : "", n);
    out[n] = '\0';
    return out;
}

static const char *text1(const char *s, size_t n)
{
    copybuf_reset(&b);
    copy_textn(&b, s, n);
    return row();
}

/* ---- PostgreSQL's decoding, for round trips ---- */

/* COPY text field -> value (backslash sequences of the COPY docs). */
static void copy_unescape(const char *in, size_t n, char *out, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '\\' || i + 1 == n) {
            out[o++] = in[i];
            continue;
        }
        char c = in[++i];
        out[o++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'b' ? '\b'
                 : c == 'f' ? '\f' : c == 'v' ? '\v' : c;
    }
    *outlen = o;
}

/* Array literal {"a","b"} -> elements (quoted elements only, as we write
 * them): inside quotes a backslash takes the next character literally. */
static int array_parse(const char *in, size_t n, char elems[][256], int max)
{
    int k = 0;
    size_t i = 0;
    if (n < 2 || in[0] != '{' || in[n - 1] != '}')
        return -1;
    for (i = 1; i < n - 1 && k < max;) {
        if (in[i] != '"')
            return -1;
        size_t o = 0;
        for (i++; i < n - 1 && in[i] != '"'; i++) {
            if (in[i] == '\\')
                i++;
            elems[k][o++] = in[i];
        }
        elems[k++][o] = '\0';
        i++; /* closing quote */
        if (i < n - 1 && in[i] == ',')
            i++;
    }
    return k;
}

static void test_escapes(void)
{
    CHECK_STR(text1("plain", 5), "plain");
    CHECK_STR(text1("a\tb", 3), "a\\tb");
    CHECK_STR(text1("a\nb", 3), "a\\nb");
    CHECK_STR(text1("a\rb", 3), "a\\rb");
    CHECK_STR(text1("a\\b", 3), "a\\\\b");
    CHECK_STR(text1("\\N", 2), "\\\\N"); /* the text "\N" is not NULL */
    /* NUL: PostgreSQL text cannot hold it; written as the text \x00 */
    CHECK_STR(text1("a\0b", 3), "a\\\\x00b");
    CHECK_INT(b.fields, 1);
}

static void test_utf8(void)
{
    /* valid multibyte sequences are kept as they are */
    CHECK_STR(text1("caf\xc3\xa9", 5), "caf\xc3\xa9");
    CHECK_STR(text1("\xe2\x82\xac", 3), "\xe2\x82\xac");
    CHECK_STR(text1("\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");
    CHECK_STR(text1("\xf4\x8f\xbf\xbf", 4), "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    CHECK_STR(text1("\xed\x9f\xbf", 3), "\xed\x9f\xbf");         /* U+D7FF */
    /* invalid bytes each become \xHH (COPY-escaped: \\xHH) */
    CHECK_STR(text1("\xff", 1), "\\\\xff");
    CHECK_STR(text1("a\x80z", 3), "a\\\\x80z");                     /* lone continuation */
    CHECK_STR(text1("\xc3", 1), "\\\\xc3");                         /* cut at the end */
    CHECK_STR(text1("\xc3(", 2), "\\\\xc3(");                       /* bad continuation */
    CHECK_STR(text1("\xe2\x82", 2), "\\\\xe2\\\\x82");              /* 3-byte cut */
    CHECK_STR(text1("\xc0\xaf", 2), "\\\\xc0\\\\xaf");              /* overlong '/' */
    CHECK_STR(text1("\xe0\x80\xaf", 3), "\\\\xe0\\\\x80\\\\xaf");   /* overlong 3-byte */
    CHECK_STR(text1("\xed\xa0\x80", 3), "\\\\xed\\\\xa0\\\\x80");   /* surrogate */
    CHECK_STR(text1("\xf4\x90\x80\x80", 4), "\\\\xf4\\\\x90\\\\x80\\\\x80"); /* > U+10FFFF */
    CHECK_STR(text1("\xf5\x80\x80\x80", 4), "\\\\xf5\\\\x80\\\\x80\\\\x80");
    /* mixed: escaping resumes right after the bad byte */
    CHECK_STR(text1("\xff\xc3\xa9\t", 4), "\\\\xff\xc3\xa9\\t");
    /* worst case growth: every byte escaped (5 bytes out per byte in) */
    char bad[3000];
    memset(bad, 0xfe, sizeof bad);
    copybuf_reset(&b);
    copy_textn(&b, bad, sizeof bad);
    CHECK_INT(b.len, 5 * sizeof bad);
    CHECK(!b.oom);
}

static void test_row_shape(void)
{
    copybuf_reset(&b);
    copy_i64(&b, -42);
    copy_u64(&b, UINT64_MAX);
    copy_null(&b);
    copy_text(&b, NULL);
    copy_text(&b, "x");
    copy_bool(&b, 1);
    copy_bool(&b, 0);
    copy_double(&b, 0.25);
    copy_end_row(&b);
    CHECK_STR(row(), "-42\t18446744073709551615\t\\N\t\\N\tx\tt\tf\t0.250000\n");
    CHECK_INT(b.rows, 1);
    CHECK_INT(b.fields, 0);
    copy_text(&b, "second");
    copy_end_row(&b);
    CHECK_INT(b.rows, 2);
    CHECK(strstr(row(), "\n") && strcmp(strstr(row(), "\n") + 1, "second\n") == 0);
    copybuf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_INT(b.rows, 0);
    /* growth past the first 64 KiB allocation */
    static char big[200000];
    memset(big, 'a', sizeof big - 1);
    copy_text(&b, big);
    copy_end_row(&b);
    CHECK_INT(b.len, sizeof big);
    CHECK(!b.oom);
}

static void test_arrays(void)
{
    const char *items[] = {"plain", "a\"b", "c\\d", "", "x,y{z}", "tab\there"};
    copybuf_reset(&b);
    copy_text_array(&b, items, 6);
    CHECK_STR(row(), "{\"plain\",\"a\\\\\"b\",\"c\\\\\\\\d\",\"\",\"x,y{z}\",\"tab\\there\"}");
    copybuf_reset(&b);
    copy_text_array(&b, items, 0);
    CHECK_STR(row(), "{}");
    const char *with_null[] = {NULL, "n"};
    copybuf_reset(&b);
    copy_text_array(&b, with_null, 2);
    CHECK_STR(row(), "{\"\",\"n\"}");

    /* round trip: COPY-unescape, then parse the array as PostgreSQL does */
    char un[1024], el[8][256];
    size_t n;
    copybuf_reset(&b);
    copy_text_array(&b, items, 6);
    copy_unescape(b.data, b.len, un, &n);
    CHECK_INT(array_parse(un, n, el, 8), 6);
    for (int i = 0; i < 6; i++)
        CHECK_STR(el[i], items[i]);
}

/* An element with bytes that are not UTF-8 must read back the same as the
 * same bytes in a plain text column: the text \xHH. */
static void test_array_invalid_utf8(void)
{
    static const char *const cases[] = {"h2\xff", "\xc0\xaf", "ok\x80z"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char scalar[256], arr[256], el[2][256];
        size_t ns, na;
        copybuf_reset(&b);
        copy_text(&b, cases[i]);
        copy_unescape(b.data, b.len, scalar, &ns);
        scalar[ns] = '\0';
        copybuf_reset(&b);
        copy_text_array(&b, &cases[i], 1);
        copy_unescape(b.data, b.len, arr, &na);
        CHECK_INT(array_parse(arr, na, el, 2), 1);
        if (strcmp(el[0], scalar) != 0)
            fprintf(stderr, "text[] element reads back as \"%s\", the same bytes in text as "
                            "\"%s\" (COPY field %.*s)\n", el[0], scalar, (int)b.len, b.data);
        CHECK_STR(el[0], scalar);
    }
}

static const char *ts1(int64_t us)
{
    copybuf_reset(&b);
    copy_ts(&b, us);
    return row();
}

static void test_timestamps(void)
{
    CHECK_STR(ts1(0), "1970-01-01 00:00:00.000000+00");
    CHECK_STR(ts1(1500000), "1970-01-01 00:00:01.500000+00");
    CHECK_STR(ts1(1262711585511696LL), "2010-01-05 17:13:05.511696+00");
    CHECK_STR(ts1(1262711585000001LL), "2010-01-05 17:13:05.000001+00"); /* same second, cached */
    CHECK_STR(ts1(4102444799999999LL), "2099-12-31 23:59:59.999999+00");
    /* before the epoch: the fraction is always positive, the second floors */
    CHECK_STR(ts1(-1), "1969-12-31 23:59:59.999999+00");
    CHECK_STR(ts1(-1000000), "1969-12-31 23:59:59.000000+00");
    CHECK_STR(ts1(-1500000), "1969-12-31 23:59:58.500000+00");
    CHECK_STR(ts1(-999999), "1969-12-31 23:59:59.000001+00");
    /* min/max tracking for partition routing */
    copybuf_reset(&b);
    CHECK(b.min_ts == INT64_MAX && b.max_ts == INT64_MIN);
    copy_ts(&b, 5);
    copy_ts(&b, -7);
    copy_ts(&b, 3);
    CHECK_INT(b.min_ts, -7);
    CHECK_INT(b.max_ts, 5);
}

static void test_inet(void)
{
    struct ps_addr a;
    char s[64];
    memset(&a, 0, sizeof a);
    a.family = 4;
    memcpy(a.b, "\xc0\xa8\x01\x0a", 4);
    copybuf_reset(&b);
    copy_inet(&b, &a);
    CHECK_STR(row(), "192.168.1.10");
    ps_addr_format(&a, s, sizeof s);
    CHECK_STR(s, "192.168.1.10");
    memset(&a, 0, sizeof a);
    a.family = 6;
    memcpy(a.b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    ps_addr_format(&a, s, sizeof s);
    CHECK_STR(s, "2001:db8::1");
    memcpy(a.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x02\x03\x04", 16);
    ps_addr_format(&a, s, sizeof s);
    CHECK_STR(s, "::ffff:1.2.3.4");
    memcpy(a.b, "\xfe\x80\0\0\0\0\0\0\x02\x11\x22\xff\xfe\x33\x44\x55", 16);
    copybuf_reset(&b);
    copy_inet(&b, &a);
    CHECK_STR(row(), "fe80::211:22ff:fe33:4455");
    a.family = 0;
    ps_addr_format(&a, s, sizeof s);
    CHECK_STR(s, "");
    copybuf_reset(&b);
    copy_inet(&b, &a);
    copy_inet(&b, NULL);
    CHECK_STR(row(), "\\N\t\\N");
}

/* ---- binary format (PostgreSQL docs, "COPY: Binary Format"; the
 * send/recv functions of int2/int4/int8, timestamptz, text and inet) ---- */

static int bytes_are(const char *want, size_t n)
{
    return b.len == n && memcmp(b.data, want, n) == 0;
}

static void test_binary_header(void)
{
    CHECK_INT(COPYB_HEADER_LEN, 19);
    CHECK(memcmp(copyb_header, "PGCOPY\n\377\r\n\0" "\0\0\0\0" "\0\0\0\0", 19) == 0);
    CHECK(copyb_trailer[0] == '\377' && copyb_trailer[1] == '\377');
}

static void test_binary_numbers(void)
{
    copybuf_reset(&b);
    copyb_row(&b, 3);
    copyb_i16(&b, -2);
    copyb_i32(&b, 0x01020304);
    copyb_i64(&b, 5);
    copyb_end_row(&b);
    CHECK_INT(b.binary, 1);
    CHECK(bytes_are("\0\3" "\0\0\0\2\xff\xfe" "\0\0\0\4\1\2\3\4" "\0\0\0\x08\0\0\0\0\0\0\0\5",
                    2 + 6 + 8 + 12));
    CHECK_INT(b.rows, 1);
    copybuf_reset(&b);
    CHECK_INT(b.binary, 0);
    copyb_null(&b);
    CHECK(bytes_are("\xff\xff\xff\xff", 4));
}

static void test_binary_ts(void)
{
    copybuf_reset(&b);
    copyb_ts(&b, 946684800LL * 1000000 + 1); /* 2000-01-01 00:00:00.000001 UTC */
    CHECK(bytes_are("\0\0\0\x08\0\0\0\0\0\0\0\1", 12));
    CHECK_INT(b.min_ts, 946684800LL * 1000000 + 1);
    copybuf_reset(&b);
    copyb_ts(&b, 0); /* 1970: before the PostgreSQL epoch, negative */
    CHECK(bytes_are("\0\0\0\x08\xff\xfc\xa2\xfe\xc4\xc8\x20\x00", 12));
}

static void test_binary_text(void)
{
    copybuf_reset(&b);
    copyb_text(&b, "a\tb\\c\n");
    CHECK(bytes_are("\0\0\0\6a\tb\\c\n", 10)); /* no COPY escaping in binary */
    copybuf_reset(&b);
    copyb_text(&b, "x\xffy\xc3\xa9"); /* invalid byte as the text \xff, é kept */
    CHECK(bytes_are("\0\0\0\x08x\\xffy\xc3\xa9", 12));
    copybuf_reset(&b);
    copyb_text(&b, NULL);
    copyb_text(&b, "");
    CHECK(bytes_are("\xff\xff\xff\xff\0\0\0\0", 8));
    /* the same value as the text format stores */
    copybuf_reset(&b);
    copy_text(&b, "x\xffy");
    CHECK_STR(row(), "x\\\\xffy");
}

static void test_binary_inet(void)
{
    struct ps_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    memcpy(a.b, "\x0a\x01\x02\x03", 4);
    copybuf_reset(&b);
    copyb_inet(&b, &a);
    CHECK(bytes_are("\0\0\0\x08\2\x20\0\4\x0a\1\2\3", 12));
    a.family = 6;
    memcpy(a.b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    copybuf_reset(&b);
    copyb_inet(&b, &a);
    CHECK(bytes_are("\0\0\0\x14\3\x80\0\x10\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 24));
    a.family = 0;
    copybuf_reset(&b);
    copyb_inet(&b, &a);
    copyb_inet(&b, NULL);
    CHECK(bytes_are("\xff\xff\xff\xff\xff\xff\xff\xff", 8));
}

UNIT_MAIN({
    copybuf_init(&b);
    test_escapes();
    test_utf8();
    test_row_shape();
    test_arrays();
    test_array_invalid_utf8();
    test_timestamps();
    test_inet();
    test_binary_header();
    test_binary_numbers();
    test_binary_ts();
    test_binary_text();
    test_binary_inet();
    copybuf_free(&b);
    copybuf_free(&b); /* freeing twice is safe: free resets */
    CHECK(b.data == NULL);
})

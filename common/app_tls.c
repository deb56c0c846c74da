/* app_tls.c - TLS ClientHello/ServerHello decoding with JA3/JA4 (RFC 8446
 * 4.1.2-4.1.3, RFC 5246 7.4.1, RFC 6066 3, RFC 7301 3.1, RFC 8701). */
#include "app_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cursor.h"
#include "digest.h"

#define TLS_MAX_RECORD 18432 /* 2^14 + 2048: largest TLSCiphertext fragment */
#define TLS_MAX_SNI_ENTRIES 4 /* server_name list entries looked at */

#define EXT_SERVER_NAME 0x0000
#define EXT_SUPPORTED_GROUPS 0x000a
#define EXT_EC_POINT_FORMATS 0x000b
#define EXT_SIGNATURE_ALGORITHMS 0x000d
#define EXT_ALPN 0x0010
#define EXT_PRE_SHARED_KEY 0x0029
#define EXT_EARLY_DATA 0x002a
#define EXT_SUPPORTED_VERSIONS 0x002b
#define EXT_ECH 0xfe0d

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *tls_version_name(uint16_t version)
{
    switch (version) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0xfefc: return "DTLSv13";
    default: return "unknown";
    }
}

static bool record_header(struct cursor *c, uint16_t *version, uint16_t *length, bool *ok)
{
    uint8_t type;
    if (!cur_u8(c, &type) || !cur_u16be(c, version) || !cur_u16be(c, length))
        return false;
    *ok = type == TLS_CONTENT_HANDSHAKE && (*version >> 8) == 3 && (*version & 0xff) <= 4 &&
          *length >= 1 && *length <= TLS_MAX_RECORD;
    return true;
}

bool tls_is_handshake_record(const uint8_t *p, size_t len)
{
    struct cursor c = cur_make(p, len);
    uint16_t version, length;
    bool ok = false;
    return record_header(&c, &version, &length, &ok) && ok;
}

/* Finds the first handshake message of type want in a run of handshake
 * records. When it lies inside the first record's bytes, *msg borrows p;
 * otherwise the fragments are copied into buf (cap bytes) and *msg borrows
 * buf. *records counts the records the message touched. */
static enum ps_result gather_message(const uint8_t *p, size_t len, uint8_t want, uint8_t *buf,
                                     size_t cap, struct cursor *msg, uint16_t *record_version,
                                     unsigned *records)
{
    struct cursor c = cur_make(p, len), rec;
    uint16_t rlen;
    bool ok;
    *records = 1;
    if (!record_header(&c, record_version, &rlen, &ok))
        return PS_TRUNCATED;
    if (!ok)
        return PS_INVALID;
    size_t avail = cur_left(&c) < rlen ? cur_left(&c) : rlen;
    cur_sub(&c, avail, &rec);

    /* Common case: the whole message sits in the first record. */
    struct cursor peek = rec;
    uint8_t type;
    uint32_t mlen;
    if (cur_u8(&peek, &type) && type != want)
        return PS_INVALID;
    if (cur_u24be(&peek, &mlen)) {
        if (mlen > cap - 4)
            return PS_INVALID;
        if (4 + (size_t)mlen <= avail) {
            *msg = cur_make(cur_ptr(&rec), 4 + (size_t)mlen);
            return PS_OK;
        }
        if (4 + (size_t)mlen <= rlen)
            return PS_TRUNCATED; /* this record holds it all, but p ends early */
    }
    if (avail < rlen)
        return PS_TRUNCATED;

    /* The message continues in the next record(s): copy the fragments. */
    size_t have = 0, need = 0; /* need stays 0 until the 4-byte header is in */
    for (;;) {
        /* At most two rounds per record: finish the header, then the body. */
        while (cur_left(&rec) > 0) {
            size_t want_bytes = need ? need - have : 4 - have;
            size_t take = cur_left(&rec) < want_bytes ? cur_left(&rec) : want_bytes;
            cur_copy(&rec, buf + have, take);
            have += take;
            if (!need && have == 4) {
                struct cursor hdr = cur_make(buf, have);
                cur_u8(&hdr, &type);
                cur_u24be(&hdr, &mlen);
                if (type != want || mlen > cap - 4)
                    return PS_INVALID;
                need = 4 + (size_t)mlen;
            }
            if (need && have == need) {
                *msg = cur_make(buf, have);
                return PS_OK;
            }
        }
        if (*records >= PS_MAX_TLS_HELLO_RECORDS)
            return PS_INVALID;
        uint16_t version;
        if (!record_header(&c, &version, &rlen, &ok))
            return PS_TRUNCATED;
        if (!ok)
            return PS_INVALID;
        (*records)++;
        if (!cur_sub(&c, rlen, &rec)) {
            /* Use what there is: only complete the message if it fits. */
            size_t left = cur_left(&c);
            if (!need || left < need - have)
                return PS_TRUNCATED;
            cur_sub(&c, left, &rec);
        }
    }
}

/* Walks a list of 16-bit values of length-prefixed size: keeps non-GREASE
 * entries in dst (up to cap) and reports whether the list was well formed. */
static bool u16_list(struct cursor *list, uint16_t *dst, uint16_t *n, size_t cap, uint32_t *flags)
{
    if (cur_left(list) % 2)
        return false;
    /* *n may be non-zero when an extension repeats; the cap is on *n, and
     * the walk itself stops after cap + 16 entries (room for GREASE). */
    for (size_t i = 0; cur_left(list) > 0; i++) {
        uint16_t v = 0;
        if (*n >= cap || i >= cap + 16) {
            *flags |= TLS_HELLO_LIST_CAPPED;
            break;
        }
        cur_u16be(list, &v);
        if (!tls_is_grease(v))
            dst[(*n)++] = v;
    }
    return true;
}

static bool ext_server_name(struct cursor *e, struct tls_hello *h)
{
    uint16_t list_len;
    struct cursor list;
    if (!cur_u16be(e, &list_len) || !cur_sub(e, list_len, &list))
        return false;
    for (int i = 0; i < TLS_MAX_SNI_ENTRIES && cur_left(&list) > 0; i++) {
        uint8_t name_type;
        uint16_t name_len;
        struct cursor name;
        if (!cur_u8(&list, &name_type) || !cur_u16be(&list, &name_len) ||
            !cur_sub(&list, name_len, &name))
            return false;
        if (name_type != 0 || h->sni_len)
            continue;
        size_t keep = name_len > PS_MAX_SNI ? PS_MAX_SNI : name_len;
        cur_copy(&name, h->sni, keep);
        h->sni[keep] = '\0';
        h->sni_len = (uint16_t)keep;
        if (keep < name_len)
            h->flags |= TLS_HELLO_SNI_TRUNCATED;
    }
    return true;
}

static bool ext_alpn(struct cursor *e, struct tls_hello *h)
{
    uint16_t list_len;
    struct cursor list;
    if (!cur_u16be(e, &list_len) || !cur_sub(e, list_len, &list))
        return false;
    while (cur_left(&list) > 0) {
        uint8_t name_len;
        struct cursor name;
        if (h->n_alpn >= PS_MAX_ALPN) {
            h->flags |= TLS_HELLO_ALPN_TRUNCATED;
            break;
        }
        if (!cur_u8(&list, &name_len) || !cur_sub(&list, name_len, &name))
            return false;
        uint8_t i = h->n_alpn++;
        uint8_t keep = name_len > TLS_ALPN_NAME_MAX ? TLS_ALPN_NAME_MAX : name_len;
        cur_copy(&name, h->alpn[i], keep);
        h->alpn[i][keep] = '\0';
        h->alpn_len[i] = keep;
        if (keep < name_len)
            h->flags |= TLS_HELLO_ALPN_TRUNCATED;
        if (i == 0 && name_len > 0) {
            h->alpn0_full_len = name_len;
            cur_seek(&name, (size_t)name_len - 1);
            cur_u8(&name, &h->alpn0_last);
        }
    }
    return true;
}

static bool ext_supported_versions(struct cursor *e, struct tls_hello *h)
{
    uint8_t list_len;
    struct cursor list;
    if (!cur_u8(e, &list_len) || !cur_sub(e, list_len, &list) || list_len % 2)
        return false;
    for (int i = 0; i < PS_MAX_TLS_VERSIONS && cur_left(&list) > 0; i++) {
        uint16_t v = 0;
        cur_u16be(&list, &v);
        if (!tls_is_grease(v) && v > h->supported_version)
            h->supported_version = v;
    }
    return true;
}

/* One ClientHello extension; false when its body is malformed. */
static bool client_extension(uint16_t type, struct cursor *e, struct tls_hello *h)
{
    struct cursor list;
    uint16_t len16;
    uint8_t len8;
    switch (type) {
    case EXT_SERVER_NAME:
        h->flags |= TLS_HELLO_HAS_SNI_EXT;
        return ext_server_name(e, h);
    case EXT_ALPN:
        h->flags |= TLS_HELLO_HAS_ALPN_EXT;
        return ext_alpn(e, h);
    case EXT_SUPPORTED_GROUPS:
        return cur_u16be(e, &len16) && cur_sub(e, len16, &list) &&
               u16_list(&list, h->groups, &h->n_groups, PS_MAX_TLS_GROUPS, &h->flags);
    case EXT_SIGNATURE_ALGORITHMS:
        return cur_u16be(e, &len16) && cur_sub(e, len16, &list) &&
               u16_list(&list, h->sig_algs, &h->n_sig_algs, PS_MAX_TLS_SIGALGS, &h->flags);
    case EXT_EC_POINT_FORMATS:
        if (!cur_u8(e, &len8) || !cur_sub(e, len8, &list))
            return false;
        while (cur_left(&list) > 0) {
            if (h->n_ec_point_formats >= PS_MAX_TLS_POINT_FORMATS) {
                h->flags |= TLS_HELLO_LIST_CAPPED;
                break;
            }
            cur_u8(&list, &h->ec_point_formats[h->n_ec_point_formats++]);
        }
        return true;
    case EXT_SUPPORTED_VERSIONS:
        h->flags |= TLS_HELLO_HAS_SUPP_VERS;
        return ext_supported_versions(e, h);
    case EXT_ECH:
        h->flags |= TLS_HELLO_HAS_ECH;
        return true;
    case EXT_PRE_SHARED_KEY:
        h->flags |= TLS_HELLO_HAS_PSK;
        return true;
    case EXT_EARLY_DATA:
        h->flags |= TLS_HELLO_HAS_EARLY_DATA;
        return true;
    default:
        return true;
    }
}

/* ClientHello body (after the 4-byte handshake header). */
static enum ps_result client_hello_body(struct cursor *c, struct tls_hello *h)
{
    uint8_t sid_len, comp_len;
    uint16_t cs_len, ext_len;
    struct cursor list;
    if (!cur_u16be(c, &h->legacy_version) || !cur_skip(c, 32) || !cur_u8(c, &sid_len) ||
        sid_len > 32 || !cur_skip(c, sid_len) || !cur_u16be(c, &cs_len) || cs_len % 2 ||
        !cur_sub(c, cs_len, &list))
        return PS_INVALID;
    u16_list(&list, h->ciphers, &h->n_ciphers, PS_MAX_TLS_CIPHERS, &h->flags);
    if (!cur_u8(c, &comp_len) || comp_len < 1 || !cur_skip(c, comp_len))
        return PS_INVALID;
    if (cur_left(c) == 0)
        return PS_OK; /* no extensions: legal before TLS 1.3 */
    if (!cur_u16be(c, &ext_len) || !cur_sub(c, ext_len, &list))
        return PS_INVALID;

    enum ps_result res = PS_OK;
    for (size_t i = 0; cur_left(&list) > 0; i++) {
        uint16_t type, len;
        struct cursor body;
        if (i >= PS_MAX_TLS_EXTENSIONS) {
            h->flags |= TLS_HELLO_LIST_CAPPED;
            break;
        }
        if (!cur_u16be(&list, &type) || !cur_u16be(&list, &len) || !cur_sub(&list, len, &body))
            return PS_INVALID;
        if (tls_is_grease(type))
            continue;
        h->extensions[h->n_extensions++] = type;
        /* A bad body spoils this extension only; the next one is still framed. */
        if (!client_extension(type, &body, h))
            res = PS_INVALID;
    }
    return res;
}

enum ps_result tls_parse_client_hello_msg(const uint8_t *p, size_t len, struct tls_hello *h)
{
    struct cursor c = cur_make(p, len), body;
    uint8_t type;
    uint32_t mlen;
    memset(h, 0, sizeof *h);
    if (!cur_u8(&c, &type))
        return PS_TRUNCATED;
    if (type != TLS_HS_CLIENT_HELLO)
        return PS_INVALID;
    if (!cur_u24be(&c, &mlen))
        return PS_TRUNCATED;
    if (mlen > PS_MAX_TLS_HELLO_BYTES - 4)
        return PS_INVALID;
    if (!cur_sub(&c, mlen, &body))
        return PS_TRUNCATED;
    return client_hello_body(&body, h);
}

enum ps_result tls_parse_record_client_hello(const uint8_t *p, size_t len, struct tls_hello *h)
{
    uint8_t buf[PS_MAX_TLS_HELLO_BYTES];
    struct cursor msg;
    uint16_t record_version = 0;
    unsigned records;
    memset(h, 0, sizeof *h);
    enum ps_result r = gather_message(p, len, TLS_HS_CLIENT_HELLO, buf, sizeof buf, &msg,
                                      &record_version, &records);
    h->record_version = record_version;
    if (r != PS_OK)
        return r;
    r = tls_parse_client_hello_msg(msg.base, msg.len, h);
    h->record_version = record_version;
    if (records > 1)
        h->flags |= TLS_HELLO_MULTI_RECORD;
    return r;
}

static enum ps_result server_hello_body(struct cursor *c, struct tls_server_hello *sh)
{
    uint8_t random[32], sid_len;
    uint16_t ext_len;
    struct cursor list;
    if (!cur_u16be(c, &sh->legacy_version) || !cur_copy(c, random, sizeof random) ||
        !cur_u8(c, &sid_len) || sid_len > 32 || !cur_skip(c, sid_len) ||
        !cur_u16be(c, &sh->cipher) || !cur_u8(c, &sh->compression))
        return PS_INVALID;
    sh->version = sh->legacy_version;
    sh->hello_retry_request = memcmp(random, hrr_random, sizeof random) == 0;
    if (cur_left(c) == 0)
        return PS_OK;
    if (!cur_u16be(c, &ext_len) || !cur_sub(c, ext_len, &list))
        return PS_INVALID;
    enum ps_result res = PS_OK;
    for (size_t i = 0; i < PS_MAX_TLS_EXTENSIONS && cur_left(&list) > 0; i++) {
        uint16_t type, len, alpn_list_len;
        uint8_t name_len;
        struct cursor body, names;
        if (!cur_u16be(&list, &type) || !cur_u16be(&list, &len) || !cur_sub(&list, len, &body))
            return PS_INVALID;
        if (type == EXT_SUPPORTED_VERSIONS) {
            if (len != 2 || !cur_u16be(&body, &sh->selected_version))
                res = PS_INVALID;
            else
                sh->version = sh->selected_version;
        } else if (type == EXT_ALPN) {
            if (!cur_u16be(&body, &alpn_list_len) || !cur_sub(&body, alpn_list_len, &names) ||
                !cur_u8(&names, &name_len) || cur_left(&names) < name_len) {
                res = PS_INVALID;
                continue;
            }
            uint8_t keep = name_len > TLS_ALPN_NAME_MAX ? TLS_ALPN_NAME_MAX : name_len;
            cur_copy(&names, sh->alpn, keep);
            sh->alpn[keep] = '\0';
            sh->alpn_len = keep;
        }
    }
    return res;
}

enum ps_result tls_parse_server_hello_msg(const uint8_t *p, size_t len,
                                          struct tls_server_hello *sh)
{
    struct cursor c = cur_make(p, len), body;
    uint8_t type;
    uint32_t mlen;
    memset(sh, 0, sizeof *sh);
    if (!cur_u8(&c, &type))
        return PS_TRUNCATED;
    if (type != TLS_HS_SERVER_HELLO)
        return PS_INVALID;
    if (!cur_u24be(&c, &mlen))
        return PS_TRUNCATED;
    if (mlen > PS_MAX_TLS_HELLO_BYTES - 4)
        return PS_INVALID;
    if (!cur_sub(&c, mlen, &body))
        return PS_TRUNCATED;
    return server_hello_body(&body, sh);
}

enum ps_result tls_parse_server_hello(const uint8_t *p, size_t len, struct tls_server_hello *sh)
{
    uint8_t buf[PS_MAX_TLS_HELLO_BYTES];
    struct cursor msg;
    uint16_t record_version = 0;
    unsigned records;
    memset(sh, 0, sizeof *sh);
    enum ps_result r = gather_message(p, len, TLS_HS_SERVER_HELLO, buf, sizeof buf, &msg,
                                      &record_version, &records);
    sh->record_version = record_version;
    if (r != PS_OK)
        return r;
    r = tls_parse_server_hello_msg(msg.base, msg.len, sh);
    sh->record_version = record_version;
    return r;
}

/* ---- fingerprints ---------------------------------------------------- */

/* A bounded string builder for fingerprint inputs; sized from the caps, so
 * it cannot overflow, but it still refuses rather than writes past the end. */
struct strbuf {
    char s[8 * (PS_MAX_TLS_CIPHERS + PS_MAX_TLS_EXTENSIONS + PS_MAX_TLS_GROUPS +
                PS_MAX_TLS_POINT_FORMATS + PS_MAX_TLS_SIGALGS) + 64];
    size_t n;
};

/* Appends n bytes; refuses (keeps b unchanged) what would not fit. */
static void sb_put(struct strbuf *b, const char *p, size_t n)
{
    if (n + 1 <= sizeof b->s - b->n) {
        memcpy(b->s + b->n, p, n);
        b->n += n;
        b->s[b->n] = '\0';
    }
}

/* The two number formats of the fingerprints, "%u" and "%04x", written
 * directly: this runs for every list entry of every ClientHello, where
 * snprintf dominated the cost. */
static void sb_dec(struct strbuf *b, unsigned v)
{
    char rev[12];
    size_t r = 0;
    do {
        rev[r++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char tmp[12];
    for (size_t n = 0; n < r; n++)
        tmp[n] = rev[r - 1 - n];
    sb_put(b, tmp, r);
}

static void sb_hex4(struct strbuf *b, uint16_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4] = {hex[v >> 12], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf], hex[v & 0xf]};
    sb_put(b, tmp, 4);
}

static void sb_putc(struct strbuf *b, char ch) { sb_put(b, &ch, 1); }

/* v joined by sep, each as "%04x" (hex) or "%u". */
static void sb_list16(struct strbuf *b, const uint16_t *v, size_t n, bool hex, char sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, sep);
        if (hex)
            sb_hex4(b, v[i]);
        else
            sb_dec(b, v[i]);
    }
}

/* Insertion sort: the lists are short (capped in caps.h) and mostly in
 * order already, where qsort's calls through a comparator cost more. */
static void sort_u16(uint16_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static bool digest_hex(const EVP_MD *md, const char *s, size_t n, char *out, size_t hex_chars)
{
    static const char hexd[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!EVP_Digest(s, n, d, &dlen, md, NULL) || hex_chars > 2 * (size_t)dlen)
        return false;
    for (size_t i = 0; i < hex_chars; i++)
        out[i] = hexd[(d[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
    out[hex_chars] = '\0';
    return true;
}

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool ascii_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void tls_ja4(const struct tls_hello *h, bool quic, char out[37])
{
    static const char hexd[] = "0123456789abcdef";
    uint16_t sorted[PS_MAX_TLS_CIPHERS > PS_MAX_TLS_EXTENSIONS ? PS_MAX_TLS_CIPHERS
                                                                : PS_MAX_TLS_EXTENSIONS];
    struct strbuf b;
    char alpn[3] = "00", hb[13], hc[13];

    uint16_t version = h->supported_version ? h->supported_version : h->legacy_version;
    if (h->n_alpn > 0 && h->alpn0_full_len > 0) {
        uint8_t first = (uint8_t)h->alpn[0][0], last = h->alpn0_last;
        if (ascii_alnum(first) && ascii_alnum(last)) {
            alpn[0] = (char)first;
            alpn[1] = (char)last;
        } else {
            alpn[0] = hexd[first >> 4];
            alpn[1] = hexd[last & 0xf];
        }
    }

    /* ja4_b: ciphers sorted, 4-hex-digit, comma-joined. */
    memcpy(sorted, h->ciphers, h->n_ciphers * sizeof sorted[0]);
    sort_u16(sorted, h->n_ciphers);
    b.n = 0;
    sb_list16(&b, sorted, h->n_ciphers, true, ',');
    if (h->n_ciphers == 0)
        strcpy(hb, "000000000000");
    else if (!digest_hex(ps_digest_md(PS_SHA256), b.s, b.n, hb, 12))
        goto fail;

    /* ja4_c: extensions sorted without SNI and ALPN, then "_" and the
     * signature algorithms in wire order. */
    size_t n = 0;
    for (size_t i = 0; i < h->n_extensions; i++)
        if (h->extensions[i] != EXT_SERVER_NAME && h->extensions[i] != EXT_ALPN)
            sorted[n++] = h->extensions[i];
    sort_u16(sorted, n);
    b.n = 0;
    sb_list16(&b, sorted, n, true, ',');
    if (h->n_sig_algs > 0) {
        sb_putc(&b, '_');
        sb_list16(&b, h->sig_algs, h->n_sig_algs, true, ',');
    }
    if (n == 0)
        strcpy(hc, "000000000000");
    else if (!digest_hex(ps_digest_md(PS_SHA256), b.s, b.n, hc, 12))
        goto fail;

    snprintf(out, 37, "%c%s%c%02u%02u%c%c_%s_%s", quic ? 'q' : 't', ja4_version(version),
             (h->flags & TLS_HELLO_HAS_SNI_EXT) ? 'd' : 'i',
             h->n_ciphers > 99 ? 99u : (unsigned)h->n_ciphers,
             h->n_extensions > 99 ? 99u : (unsigned)h->n_extensions, alpn[0], alpn[1], hb, hc);
    return;
fail:
    out[0] = '\0';
}

void tls_ja3(const struct tls_hello *h, char out[33])
{
    struct strbuf b;
    b.n = 0;
    sb_dec(&b, h->legacy_version);
    sb_putc(&b, ',');
    sb_list16(&b, h->ciphers, h->n_ciphers, false, '-');
    sb_putc(&b, ',');
    sb_list16(&b, h->extensions, h->n_extensions, false, '-');
    sb_putc(&b, ',');
    sb_list16(&b, h->groups, h->n_groups, false, '-');
    sb_putc(&b, ',');
    for (size_t i = 0; i < h->n_ec_point_formats; i++) {
        if (i)
            sb_putc(&b, '-');
        sb_dec(&b, h->ec_point_formats[i]);
    }
    if (!digest_hex(ps_digest_md(PS_MD5), b.s, b.n, out, 32))
        out[0] = '\0';
}

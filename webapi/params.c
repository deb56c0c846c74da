/* params.c - query-string parameters: whitelist, UTF-8, typed values
 * (ISO 8601 dates per RFC 3339 section 5.6, CIDR per RFC 4632). */
#include "params.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int name_allowed(const char *name, const char *const *allowed)
{
    for (; allowed && *allowed; allowed++)
        if (strcmp(*allowed, name) == 0)
            return 1;
    return 0;
}

/* Decodes one "name=value" pair into buf; returns the bytes used or -1. */
static int decode_pair(const char *pair, size_t len, char *buf, size_t room, struct qparam *out)
{
    size_t key_len = strcspn(pair, "=");
    if (key_len > len)
        key_len = len;
    char *name = buf;
    if (http_query_decode(pair, key_len, name, room) < 0)
        return -1;
    size_t used = strlen(name) + 1;
    const char *val = pair + key_len;
    size_t val_len = len - key_len;
    if (val_len > 0) {
        val++;
        val_len--;
    }
    if (http_query_decode(val, val_len, buf + used, room - used) < 0)
        return -1;
    out->name = name;
    out->value = buf + used;
    return (int)(used + strlen(buf + used) + 1);
}

static int check_pair(const struct qparams *qp, const struct qparam *p, const char *const *allowed,
                      struct http_reply *reply)
{
    if (!http_utf8_valid(p->name, strlen(p->name))) {
        http_reply_bad_param(reply, "?", "parameter name is not valid UTF-8");
        return -1;
    }
    if (!name_allowed(p->name, allowed)) {
        http_reply_bad_param(reply, p->name, "unknown parameter");
        return -1;
    }
    if (strlen(p->value) > HTTP_PARAM_MAX) {
        http_reply_bad_param(reply, p->name, "longer than %d bytes", HTTP_PARAM_MAX);
        return -1;
    }
    if (!http_utf8_valid(p->value, strlen(p->value))) {
        http_reply_bad_param(reply, p->name, "not valid UTF-8 text");
        return -1;
    }
    for (int i = 0; i < qp->n; i++) {
        if (strcmp(qp->p[i].name, p->name) == 0) {
            http_reply_bad_param(reply, p->name, "given more than once");
            return -1;
        }
    }
    return 0;
}

int qp_parse(struct qparams *qp, const char *query, const char *const *allowed,
             struct http_reply *reply)
{
    memset(qp, 0, sizeof *qp);
    size_t qlen = query ? strlen(query) : 0;
    qp->buf = malloc(qlen * 2 + 2);
    if (!qp->buf) {
        http_reply_error(reply, 500, "out of memory");
        return -1;
    }
    size_t used = 0;
    const char *p = query ? query : "";
    while (*p) {
        size_t pair_len = strcspn(p, "&;");
        if (pair_len > 0) {
            struct qparam one;
            int n = decode_pair(p, pair_len, qp->buf + used, qlen * 2 + 2 - used, &one);
            if (n < 0) {
                http_reply_bad_param(reply, "?", "malformed query string (bad %%-escape or NUL)");
                goto fail;
            }
            if (qp->n >= QP_MAX) {
                http_reply_bad_param(reply, one.name, "more than %d parameters", QP_MAX);
                goto fail;
            }
            if (check_pair(qp, &one, allowed, reply) < 0)
                goto fail;
            qp->p[qp->n++] = one;
            used += (size_t)n;
        }
        p += pair_len;
        if (*p)
            p++;
    }
    return 0;
fail:
    qp_free(qp);
    return -1;
}

void qp_free(struct qparams *qp)
{
    free(qp->buf);
    qp->buf = NULL;
    qp->n = 0;
}

const char *qp_get(const struct qparams *qp, const char *name)
{
    for (int i = 0; i < qp->n; i++)
        if (strcmp(qp->p[i].name, name) == 0)
            return qp->p[i].value;
    return NULL;
}

int qp_int(const struct qparams *qp, const char *name, long long min, long long max,
           long long *out, struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    const char *digits = (*v == '-') ? v + 1 : v;
    long long x = 0;
    int ok = *digits && strlen(digits) <= 18 && strspn(digits, "0123456789") == strlen(digits);
    if (ok) {
        x = strtoll(v, NULL, 10);
        ok = x >= min && x <= max;
    }
    if (!ok) {
        http_reply_bad_param(reply, name, "must be an integer between %lld and %lld", min, max);
        return -1;
    }
    *out = x;
    return 1;
}

int qp_enum(const struct qparams *qp, const char *name, const char *const *choices, int *out,
            struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], v) == 0) {
            *out = i;
            return 1;
        }
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
    }
    http_reply_bad_param(reply, name, "must be one of: %s", list);
    return -1;
}

/* Reads exactly n digits; -1 when any is missing. */
static int digits(const char **s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**s))
            return -1;
        v = v * 10 + (**s - '0');
        (*s)++;
    }
    return v;
}

/* Optional ".fraction" (1..9 digits) into microseconds (truncated). */
static int fraction_us(const char **s, long *us)
{
    *us = 0;
    if (**s != '.')
        return 0;
    (*s)++;
    int n = 0;
    long scale = 100000;
    while (isdigit((unsigned char)**s)) {
        if (++n > 9)
            return -1;
        *us += (**s - '0') * scale;
        scale /= 10;
        (*s)++;
    }
    return n > 0 ? 0 : -1;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* ISO 8601 date or date-time; *epoch in seconds. 0 or -1. */
static int parse_iso(const char *s, long long *epoch, long *us)
{
    struct tm tm = {0};
    int y = digits(&s, 4), mo, d, h = 0, mi = 0, sec = 0, off = 0;
    *us = 0;
    if (y < 1 || *s++ != '-' || (mo = digits(&s, 2)) < 1 || mo > 12 || *s++ != '-' ||
        (d = digits(&s, 2)) < 1 || d > days_in_month(y, mo))
        return -1;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if ((h = digits(&s, 2)) < 0 || h > 23 || *s++ != ':' || (mi = digits(&s, 2)) < 0 ||
            mi > 59)
            return -1;
        if (*s == ':' && (s++, (sec = digits(&s, 2)) < 0 || sec > 60 || fraction_us(&s, us) < 0))
            return -1;
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int sign = *s++ == '-' ? -1 : 1, oh = digits(&s, 2), om;
            if (*s == ':')
                s++;
            if (oh < 0 || oh > 23 || (om = digits(&s, 2)) < 0 || om > 59)
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*s)
        return -1;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *epoch = (long long)timegm(&tm) - off;
    return 0;
}

/* Epoch seconds with an optional fraction. */
static int parse_epoch(const char *s, long long *epoch, long *us)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 12)
        return -1;
    *epoch = strtoll(s, NULL, 10);
    s += n;
    if (fraction_us(&s, us) < 0 || *s)
        return -1;
    return 0;
}

int parse_time(const char *s, char out[QP_TIME_LEN])
{
    long long epoch;
    long us;
    int iso = strlen(s) >= 10 && s[4] == '-';
    if ((iso ? parse_iso(s, &epoch, &us) : parse_epoch(s, &epoch, &us)) < 0)
        return -1;
    if (epoch < 0 || epoch > 253402300799LL) /* 9999-12-31T23:59:59Z */
        return -1;
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    snprintf(out, QP_TIME_LEN, "%04d-%02d-%02d %02d:%02d:%02d.%06ld+00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    return 0;
}

int qp_time(const struct qparams *qp, const char *name, char out[QP_TIME_LEN],
            struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    if (parse_time(v, out) < 0) {
        http_reply_bad_param(reply, name,
                             "must be ISO 8601 (2025-11-24T16:00:00Z) or epoch seconds");
        return -1;
    }
    return 1;
}

int parse_inet(const char *s, char out[QP_INET_LEN])
{
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr)
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    int v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
        return -1;
    long bits = v6 ? 128 : 32, max = bits;
    if (slash) {
        const char *b = slash + 1;
        if (!*b || strlen(b) > 3 || strspn(b, "0123456789") != strlen(b))
            return -1;
        bits = strtol(b, NULL, 10);
        if (bits > max)
            return -1;
    }
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bin, text, sizeof text))
        return -1;
    snprintf(out, QP_INET_LEN, "%s/%ld", text, bits);
    return 0;
}

int qp_inet(const struct qparams *qp, const char *name, char out[QP_INET_LEN],
            struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    if (parse_inet(v, out) < 0) {
        http_reply_bad_param(reply, name,
                             "must be an IPv4/IPv6 address or CIDR (10.0.0.0/8, 2001:db8::/32)");
        return -1;
    }
    return 1;
}

int qp_token(const struct qparams *qp, const char *name, size_t maxlen, char *out,
             struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    size_t n = strlen(v);
    int ok = n > 0 && n <= maxlen;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)v[i]) || strchr("-_.:/", v[i]) != NULL;
    if (!ok) {
        http_reply_bad_param(reply, name,
                             "must be 1..%zu letters, digits or any of - _ . : /", maxlen);
        return -1;
    }
    memcpy(out, v, n + 1);
    return 1;
}

void like_pattern(const char *s, char *out)
{
    size_t o = 0;
    out[o++] = '%';
    for (; *s; s++) {
        if (*s == '\\' || *s == '%' || *s == '_')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o++] = '%';
    out[o] = '\0';
}

int qp_like(const struct qparams *qp, const char *name, char *out, struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    if (!*v || strlen(v) > QP_LIKE_MAX) {
        http_reply_bad_param(reply, name, "must be 1..%d bytes of text", QP_LIKE_MAX);
        return -1;
    }
    like_pattern(v, out);
    return 1;
}

int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on", NULL};
    static const char *const no[] = {"false", "0", "no", "off", NULL};
    for (int i = 0; yes[i]; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int qp_bool(const struct qparams *qp, const char *name, int *out, struct http_reply *reply)
{
    const char *v = qp_get(qp, name);
    if (!v)
        return 0;
    if (parse_bool(v, out) < 0) {
        http_reply_bad_param(reply, name, "must be true or false");
        return -1;
    }
    return 1;
}

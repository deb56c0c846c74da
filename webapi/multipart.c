/* multipart.c - multipart/form-data as a state machine over a fixed buffer
 * (RFC 2046 section 5.1.1 delimiters, RFC 7578 Content-Disposition). */
#include "multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MP_READ 65536
#define MP_BUF (MP_READ + MP_HEADERS_MAX + 2 * MP_BOUNDARY_MAX + 16)

enum mp_state { MP_PREAMBLE, MP_AFTER_DELIM, MP_HEADERS, MP_BODY, MP_DONE };

struct mp {
    FCGX_Stream *in;
    const struct mp_sink *sink;
    unsigned char buf[MP_BUF];
    size_t len, pos;
    int eof;
    char delim[MP_BOUNDARY_MAX + 8]; /* "\r\n--" boundary */
    size_t dlen;
    enum mp_state state;
    int is_file;
    char name[MP_NAME_MAX + 1];
    char field[MP_FIELD_MAX + 1];
    size_t field_len;
};

int multipart_boundary(const char *ct, char *out)
{
    if (strncasecmp(ct, "multipart/form-data", 19) != 0)
        return -1;
    const char *p = strcasestr(ct, "boundary=");
    if (!p)
        return -1;
    p += 9;
    int quoted = *p == '"';
    p += quoted;
    size_t n = quoted ? strcspn(p, "\"") : strcspn(p, "; \t");
    if (n == 0 || n > MP_BOUNDARY_MAX || (quoted && p[n] != '"'))
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

/* Moves unread bytes to the front and reads more; 0, or -1 at the end. */
static int fill(struct mp *m)
{
    if (m->eof)
        return -1;
    memmove(m->buf, m->buf + m->pos, m->len - m->pos);
    m->len -= m->pos;
    m->pos = 0;
    size_t room = sizeof m->buf - m->len;
    if (room > MP_READ)
        room = MP_READ;
    int n = room ? FCGX_GetStr((char *)m->buf + m->len, (int)room, m->in) : 0;
    if (n <= 0) {
        m->eof = 1;
        return -1;
    }
    m->len += (size_t)n;
    return 0;
}

/* Value of parameter key in a Content-Disposition header ("name",
 * "filename"), copied to out; 1 found, 0 not. */
static int disposition_param(const char *h, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    for (const char *p = strchr(h, ';'); p; p = strchr(p + 1, ';')) {
        const char *k = p + 1;
        while (*k == ' ' || *k == '\t')
            k++;
        if (strncasecmp(k, key, klen) != 0 || k[klen] != '=')
            continue;
        const char *v = k + klen + 1;
        int quoted = *v == '"';
        v += quoted;
        size_t n = quoted ? strcspn(v, "\"") : strcspn(v, "; \t\r\n");
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        return 1;
    }
    return 0;
}

/* Parses the part headers in buf[pos..end); starts the part. */
static int begin_part(struct mp *m, const char *headers, char *err, size_t errlen)
{
    char filename[MP_NAME_MAX + 1] = "";
    m->name[0] = '\0';
    m->is_file = 0;
    m->field_len = 0;
    for (const char *line = headers; line && *line; line = strstr(line, "\r\n")) {
        while (*line == '\r' || *line == '\n')
            line++;
        if (strncasecmp(line, "content-disposition:", 20) != 0)
            continue;
        char h[MP_HEADERS_MAX];
        size_t n = strcspn(line, "\r\n");
        snprintf(h, sizeof h, "%.*s", (int)n, line);
        disposition_param(h, "name", m->name, sizeof m->name);
        m->is_file = disposition_param(h, "filename", filename, sizeof filename);
    }
    if (!m->name[0] && !m->is_file) {
        snprintf(err, errlen, "a part has no Content-Disposition name");
        return -1;
    }
    return m->is_file ? m->sink->file_begin(m->sink->arg, m->name, filename) : 0;
}

static int part_data(struct mp *m, const unsigned char *d, size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    if (m->is_file)
        return m->sink->file_data(m->sink->arg, d, n);
    if (m->field_len + n > MP_FIELD_MAX) {
        snprintf(err, errlen, "field %.64s longer than %d bytes", m->name, MP_FIELD_MAX);
        return -1;
    }
    memcpy(m->field + m->field_len, d, n);
    m->field_len += n;
    return 0;
}

static int end_part(struct mp *m)
{
    if (m->is_file)
        return m->sink->file_end(m->sink->arg);
    m->field[m->field_len] = '\0';
    return m->sink->field(m->sink->arg, m->name, m->field);
}

/* Preamble or part body: pass bytes up to the next delimiter, keeping a
 * tail that could be the start of one. */
static int step_scan(struct mp *m, char *err, size_t errlen)
{
    unsigned char *p = m->buf + m->pos;
    size_t avail = m->len - m->pos;
    unsigned char *hit = memmem(p, avail, m->delim, m->dlen);
    size_t take = hit ? (size_t)(hit - p) : (avail >= m->dlen ? avail - m->dlen + 1 : 0);
    int rc = m->state == MP_BODY ? part_data(m, p, take, err, errlen) : 0;
    m->pos += take;
    if (rc)
        return rc;
    if (!hit)
        return 1;
    m->pos += m->dlen;
    rc = m->state == MP_BODY ? end_part(m) : 0;
    m->state = MP_AFTER_DELIM;
    return rc;
}

/* After a delimiter: "--" ends the body, CRLF starts a part's headers. */
static int step_after_delim(struct mp *m, char *err, size_t errlen)
{
    unsigned char *p = m->buf + m->pos;
    if (m->len - m->pos < 2)
        return 1;
    if (p[0] == '-' && p[1] == '-') {
        m->state = MP_DONE;
        return 0;
    }
    if (p[0] == ' ' || p[0] == '\t') { /* transport padding */
        m->pos++;
        return 0;
    }
    if (p[0] != '\r' || p[1] != '\n') {
        snprintf(err, errlen, "boundary not followed by CRLF");
        return -1;
    }
    m->pos += 2;
    m->state = MP_HEADERS;
    return 0;
}

/* A part's header lines, up to the empty line. */
static int step_headers(struct mp *m, char *err, size_t errlen)
{
    unsigned char *p = m->buf + m->pos;
    size_t avail = m->len - m->pos;
    unsigned char *end = memmem(p, avail, "\r\n\r\n", 4);
    int first_empty = avail >= 2 && p[0] == '\r' && p[1] == '\n';
    size_t hlen = first_empty ? 0 : end ? (size_t)(end - p) : avail;
    if (hlen > MP_HEADERS_MAX) {
        snprintf(err, errlen, "part headers longer than %d bytes", MP_HEADERS_MAX);
        return -1;
    }
    if (!end && !first_empty)
        return 1;
    char headers[MP_HEADERS_MAX + 1];
    memcpy(headers, p, hlen);
    headers[hlen] = '\0';
    m->pos += first_empty ? 2 : hlen + 4;
    m->state = MP_BODY;
    return begin_part(m, headers, err, errlen);
}

/* One step of the machine; 0 go on, 1 need more bytes, else a result. */
static int step(struct mp *m, char *err, size_t errlen)
{
    switch (m->state) {
    case MP_PREAMBLE:
    case MP_BODY:
        return step_scan(m, err, errlen);
    case MP_AFTER_DELIM:
        return step_after_delim(m, err, errlen);
    case MP_HEADERS:
        return step_headers(m, err, errlen);
    case MP_DONE:
    default:
        m->pos = m->len; /* epilogue: ignored */
        return 1;
    }
}

int multipart_read(FCGX_Stream *in, const char *boundary, const struct mp_sink *sink, char *err,
                   size_t errlen)
{
    static struct mp m; /* 90 KiB: not on the stack; one request at a time */
    memset(&m, 0, sizeof m);
    m.in = in;
    m.sink = sink;
    m.state = MP_PREAMBLE;
    m.dlen = (size_t)snprintf(m.delim, sizeof m.delim, "\r\n--%s", boundary);
    /* The first delimiter may open the body: pretend a CRLF before it. */
    m.buf[0] = '\r';
    m.buf[1] = '\n';
    m.len = 2;
    for (;;) {
        int rc = step(&m, err, errlen);
        if (rc == 0)
            continue;
        if (rc != 1)
            return rc;
        if (fill(&m) < 0)
            break;
    }
    if (m.state != MP_DONE) {
        snprintf(err, errlen, "body ends before the closing boundary");
        return -1;
    }
    return 0;
}

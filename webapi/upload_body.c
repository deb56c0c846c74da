/* upload_body.c - raw and multipart upload bodies, upload options. */
#include "upload_body.h"

#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RAW_READ 65536

static const char *const option_names[] = {"name", "max_packets", "store_packets", "filter", NULL};

/* Copies the last path component of s, cut to UPLOAD_NAME_MAX bytes;
 * "upload.pcap" when nothing usable is left. */
static void clean_file_name(const char *s, char *out)
{
    const char *slash = strrchr(s, '/'), *bslash = strrchr(s, '\\');
    if (slash || bslash)
        s = (slash > bslash ? slash : bslash) + 1;
    size_t n = strlen(s);
    if (n > UPLOAD_NAME_MAX)
        n = UPLOAD_NAME_MAX;
    while (n > 0 && !http_utf8_valid(s, n)) /* do not cut a character in two */
        n--;
    memcpy(out, s, n);
    out[n] = '\0';
    if (!*out || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        strcpy(out, "upload.pcap");
}

/* One option; 0 or 400. */
static int set_option(struct upload_opts *o, const char *key, const char *v,
                      struct http_reply *reply)
{
    int i = 0;
    while (option_names[i] && strcmp(option_names[i], key) != 0)
        i++;
    if (!option_names[i] || (i > 0 && !o->options_allowed)) {
        http_reply_bad_param(reply, key, "unknown parameter");
        return 400;
    }
    if (o->given & (1u << i)) {
        http_reply_bad_param(reply, key, "given more than once");
        return 400;
    }
    o->given |= 1u << i;
    size_t len = strlen(v);
    char err[256];
    if (i == 0 && (len == 0 || len > UPLOAD_NAME_MAX || !http_utf8_valid(v, len))) {
        http_reply_bad_param(reply, key, "must be 1..%d bytes of text", UPLOAD_NAME_MAX);
        return 400;
    }
    if (i == 0)
        memcpy(o->name, v, len + 1);
    if (i == 1 && (len == 0 || len > 15 || strspn(v, "0123456789") != len ||
                   (o->max_packets = strtoll(v, NULL, 10)) < 1)) {
        http_reply_bad_param(reply, key, "must be an integer between 1 and 999999999999999");
        return 400;
    }
    if (i == 2 && parse_bool(v, &o->store_packets) < 0) {
        http_reply_bad_param(reply, key, "must be true or false");
        return 400;
    }
    if (i == 3 && (!http_utf8_valid(v, len) || bpf_check(v, 1, err, sizeof err) < 0)) {
        http_reply_bad_param(reply, key, "not a valid capture filter: %s",
                             http_utf8_valid(v, len) ? err : "invalid UTF-8");
        return 400;
    }
    if (i == 3) {
        memcpy(o->filter, v, len + 1);
        o->has_filter = 1;
    }
    return 0;
}

int upload_opts_from_query(struct upload_opts *opts, const struct http_request *req,
                           struct http_reply *reply)
{
    struct qparams qp;
    if (qp_parse(&qp, req->query, option_names, reply) < 0)
        return 400;
    int rc = 0;
    for (int i = 0; i < qp.n && rc == 0; i++)
        rc = set_option(opts, qp.p[i].name, qp.p[i].value, reply);
    qp_free(&qp);
    return rc;
}

/* Multipart adapters. */
struct mp_state {
    struct upload_opts *opts;
    const struct body_sink *sink;
    struct http_reply *reply;
    int files;
};

static int mp_field(void *arg, const char *name, const char *value)
{
    struct mp_state *m = arg;
    return set_option(m->opts, name, value, m->reply);
}

static int mp_file_begin(void *arg, const char *name, const char *filename)
{
    struct mp_state *m = arg;
    if (m->files++ > 0) {
        http_reply_fail(m->reply, 400, "invalid body", "more than one file part");
        return 400;
    }
    clean_file_name(*filename ? filename : name, m->opts->file_name);
    return m->sink->begin(m->sink->arg, m->opts->file_name);
}

static int mp_file_data(void *arg, const unsigned char *d, size_t n)
{
    struct mp_state *m = arg;
    return m->sink->data(m->sink->arg, d, n);
}

static int mp_file_end(void *arg)
{
    struct mp_state *m = arg;
    return m->sink->end(m->sink->arg);
}

static int read_multipart(const struct http_request *req, const char *boundary,
                          struct upload_opts *opts, const struct body_sink *sink,
                          struct http_reply *reply)
{
    struct mp_state m = {opts, sink, reply, 0};
    struct mp_sink mps = {mp_field, mp_file_begin, mp_file_data, mp_file_end, &m};
    char err[256];
    int rc = multipart_read(req->in, boundary, &mps, err, sizeof err);
    if (rc < 0) {
        http_reply_fail(reply, 400, "invalid body", "malformed multipart/form-data: %s", err);
        return 400;
    }
    if (rc == 0 && m.files == 0) {
        http_reply_fail(reply, 400, "invalid body", "multipart body has no file part");
        return 400;
    }
    return rc;
}

static int read_raw(const struct http_request *req, struct upload_opts *opts,
                    const struct body_sink *sink)
{
    static unsigned char buf[RAW_READ];
    const char *hdr = http_env(req, "HTTP_X_FILE_NAME");
    clean_file_name(hdr && *hdr ? hdr : opts->name[0] ? opts->name : "", opts->file_name);
    int rc = sink->begin(sink->arg, opts->file_name);
    while (rc == 0 && req->in) {
        int n = FCGX_GetStr((char *)buf, sizeof buf, req->in);
        if (n <= 0)
            break;
        rc = sink->data(sink->arg, buf, (size_t)n);
    }
    return rc ? rc : sink->end(sink->arg);
}

int upload_body_read(const struct http_request *req, struct upload_opts *opts,
                     const struct body_sink *sink, struct http_reply *reply)
{
    char boundary[MP_BOUNDARY_MAX + 1];
    if (strncasecmp(req->content_type, "multipart/", 10) == 0) {
        if (multipart_boundary(req->content_type, boundary) < 0) {
            http_reply_fail(reply, 400, "invalid body",
                            "multipart/form-data needs a boundary of 1..%d characters",
                            MP_BOUNDARY_MAX);
            return 400;
        }
        return read_multipart(req, boundary, opts, sink, reply);
    }
    return read_raw(req, opts, sink);
}

/* http.c - request meta-variables, JSON replies and query-string parsing
 * (RFC 3875 for the CGI variables, RFC 3986 section 2.1 for percent-encoding). */
#include "http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *env_get(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

size_t http_uri_path_len(const char *uri)
{
    return strcspn(uri, "?");
}

const char *http_env(const struct http_request *req, const char *name)
{
    return env_get(req->envp, name);
}

static long long parse_content_length(const char *s)
{
    if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return -1;
    return strtoll(s, NULL, 10);
}

void http_request_from_env(struct http_request *req, char **envp)
{
    const char *ctype = env_get(envp, "CONTENT_TYPE");
    req->envp = envp;
    req->path_arg = NULL;
    req->path_arg_len = 0;
    req->in = NULL;
    req->out = NULL;
    req->content_length = parse_content_length(env_get(envp, "CONTENT_LENGTH"));
    req->content_type = ctype ? ctype : "";
    const char *method = env_get(envp, "REQUEST_METHOD");
    const char *query = env_get(envp, "QUERY_STRING");
    const char *uri = env_get(envp, "REQUEST_URI");
    if (!uri || !*uri)
        uri = env_get(envp, "DOCUMENT_URI");
    if (!uri || !*uri)
        uri = env_get(envp, "SCRIPT_NAME");
    if (!uri || !*uri)
        uri = "/";

    req->method = method && *method ? method : "GET";
    req->path = uri;
    req->path_len = http_uri_path_len(uri);
    /* QUERY_STRING is nginx's $query_string; fall back to REQUEST_URI's tail. */
    if (!query)
        query = uri[req->path_len] == '?' ? uri + req->path_len + 1 : "";
    req->query = query;
}

void http_reply_set(struct http_reply *reply, int status, json_t *body)
{
    if (reply->body && reply->body != body)
        json_decref(reply->body);
    reply->status = status;
    reply->body = body;
}

void http_reply_error(struct http_reply *reply, int status, const char *message)
{
    http_reply_set(reply, status, json_pack("{s:s, s:s}", "error", message, "detail", message));
}

static json_t *error_body(const char *error, const char *fmt, va_list ap)
{
    char detail[512];
    vsnprintf(detail, sizeof detail, fmt, ap);
    /* Details may quote request text: keep the answer valid UTF-8. */
    if (!http_utf8_valid(detail, strlen(detail)))
        snprintf(detail, sizeof detail, "%s", error);
    return json_pack("{s:s, s:s}", "error", error, "detail", detail);
}

void http_reply_fail(struct http_reply *reply, int status, const char *error, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    http_reply_set(reply, status, error_body(error, fmt, ap));
    va_end(ap);
}

void http_reply_bad_param(struct http_reply *reply, const char *name, const char *fmt, ...)
{
    char msg[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char shown[72];
    snprintf(shown, sizeof shown, "%s", http_utf8_valid(name, strlen(name)) ? name : "?");
    http_reply_fail(reply, 400, "invalid parameter", "%s: %s", shown, msg);
    if (reply->body)
        json_object_set_new(reply->body, "parameter", json_string(shown));
}

int http_stream_begin(const struct http_request *req, struct http_reply *reply, int status,
                      const char *content_type, const char *filename)
{
    if (!req->out)
        return -1;
    FCGX_FPrintF(req->out,
                 "Status: %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
                 "X-Content-Type-Options: nosniff\r\n",
                 status, http_status_text(status), content_type);
    if (filename)
        FCGX_FPrintF(req->out, "Content-Disposition: attachment; filename=\"%s\"\r\n",
                     filename);
    FCGX_PutS("\r\n", req->out);
    reply->status = status;
    reply->streamed = 1;
    return 0;
}

long http_read_body(const struct http_request *req, char *buf, size_t max,
                    struct http_reply *reply)
{
    if (req->content_length > (long long)max) {
        http_reply_fail(reply, 413, "too large", "request body over %zu bytes", max);
        return -1;
    }
    if (!req->in || req->content_length <= 0)
        return 0;
    int n = FCGX_GetStr(buf, (int)req->content_length, req->in);
    if (n != (int)req->content_length) {
        http_reply_fail(reply, 400, "invalid body", "body shorter than its Content-Length");
        return -2;
    }
    return n;
}

json_t *http_read_json_object(const struct http_request *req, struct http_reply *reply,
                              size_t max, unsigned flags)
{
    int typed = http_content_type_is(req, "application/json");
    if (!typed && ((flags & HTTP_JSON_TYPE_REQUIRED) || req->content_type[0])) {
        http_reply_fail(reply, 415, "unsupported media type", "send application/json");
        return NULL;
    }
    char *body = malloc(max + 1);
    if (!body) {
        http_reply_error(reply, 500, "out of memory");
        return NULL;
    }
    long n = http_read_body(req, body, max, reply);
    json_error_t jerr;
    json_t *doc = NULL;
    if (n > 0)
        doc = json_loadb(body, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    else if (n == 0 && (flags & HTTP_JSON_EMPTY_OK))
        doc = json_object();
    free(body);
    if (n < 0)
        return NULL;
    if (!doc || !json_is_object(doc)) {
        http_reply_fail(reply, 400, "invalid body", "expected a JSON object%s%s",
                        n > 0 && !doc ? ": " : "", n > 0 && !doc ? jerr.text : "");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int http_content_type_is(const struct http_request *req, const char *type)
{
    size_t n = strlen(type), len = strcspn(req->content_type, ";");
    while (len > 0 && req->content_type[len - 1] == ' ')
        len--;
    return len == n && strncasecmp(req->content_type, type, n) == 0;
}

int http_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0x80 && c < 0xa0))
            return 0;
        i += n + 1;
    }
    return 1;
}

void http_reply_clear(struct http_reply *reply)
{
    json_decref(reply->body);
    reply->body = NULL;
}

const char *http_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

char *http_reply_render(const struct http_reply *reply, int head_only, size_t *len)
{
    char *body = NULL, *out = NULL;
    size_t body_len = 2;
    /* 15 significant digits: no 24.899999999999999 for 24.9 */
    const size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(15);

    if (reply->body) {
        body_len = json_dumpb(reply->body, NULL, 0, flags);
        if (body_len == 0)
            goto done;
        body = malloc(body_len + 1);
        if (!body || json_dumpb(reply->body, body, body_len, flags) != body_len)
            goto done;
    } else {
        body = strdup("{}");
        if (!body)
            goto done;
    }
    body[body_len++] = '\n'; /* the +1 above; makes curl output readable */

    char head[1024], extra[512];
    int retry = reply->retry_after > 0 ? reply->retry_after : reply->status == 503 ? 5 : 0;
    int m = snprintf(extra, sizeof extra, "%s%s%s", reply->allow ? "Allow: " : "",
                     reply->allow ? reply->allow : "", reply->allow ? "\r\n" : "");
    if (retry > 0 && m >= 0 && (size_t)m < sizeof extra)
        m += snprintf(extra + m, sizeof extra - (size_t)m, "Retry-After: %d\r\n", retry);
    if (reply->www_authenticate && m >= 0 && (size_t)m < sizeof extra)
        m += snprintf(extra + m, sizeof extra - (size_t)m, "WWW-Authenticate: %s\r\n",
                      reply->www_authenticate);
    if (reply->set_cookie[0] && m >= 0 && (size_t)m < sizeof extra)
        m += snprintf(extra + m, sizeof extra - (size_t)m, "Set-Cookie: %s\r\n",
                      reply->set_cookie);
    if (m < 0 || (size_t)m >= sizeof extra)
        goto done;
    int n = snprintf(head, sizeof head,
                     "Status: %d %s\r\n"
                     "Content-Type: application/json; charset=utf-8\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "\r\n",
                     reply->status, http_status_text(reply->status), body_len, extra);
    if (n < 0 || (size_t)n >= sizeof head)
        goto done;
    size_t total = (size_t)n + (head_only ? 0 : body_len);
    out = malloc(total);
    if (!out)
        goto done;
    memcpy(out, head, (size_t)n);
    if (!head_only)
        memcpy(out + n, body, body_len);
    *len = total;
done:
    free(body);
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_query_decode(const char *src, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3)
                return -1;
            int hi = hex_value(src[i + 1]);
            int lo = hex_value(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            if (c == '\0')
                return -1;
            i += 2;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

int http_query_param(const char *query, const char *name, char *out, size_t outlen)
{
    if (outlen > 0)
        out[0] = '\0';
    if (!query)
        return 0;
    const char *p = query;
    while (*p) {
        size_t pair_len = strcspn(p, "&;");
        size_t key_len = strcspn(p, "=&;");
        if (key_len > pair_len)
            key_len = pair_len;
        char key[64];
        if (pair_len > 0 && http_query_decode(p, key_len, key, sizeof key) == 0 &&
            strcmp(key, name) == 0) {
            const char *val = p + key_len;
            size_t val_len = pair_len - key_len;
            if (val_len > 0) { /* skip the '=' */
                val++;
                val_len--;
            }
            return http_query_decode(val, val_len, out, outlen) == 0 ? 1 : -1;
        }
        p += pair_len;
        if (*p)
            p++;
    }
    return 0;
}

int http_parse_positive_id(const char *s, long long *out)
{
    if (!s || !*s || strlen(s) > 19)
        return -1;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9')
            return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1)
        return -1;
    *out = v;
    return 0;
}

json_t *http_json_path(const char *path, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char buf[HTTP_ECHO_PATH_MAX * 3 + 1];
    size_t o = 0;
    if (len > HTTP_ECHO_PATH_MAX)
        len = HTTP_ECHO_PATH_MAX;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c >= 0x21 && c < 0x7f) { /* a '%' is already an escape in the raw URI */
            buf[o++] = (char)c;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    buf[o] = '\0';
    return json_string(buf);
}

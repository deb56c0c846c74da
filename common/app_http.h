/* app_http.h - HTTP/1.x message head decoder (RFC 9112; semantics RFC 9110; Basic auth RFC 7617).
 *
 * Pure: no flow state, no I/O, no allocation. The caller owns every output
 * struct; nothing returned borrows the packet bytes. The buffer must start
 * at the first byte of the message (start line); reassembly is the caller's.
 *
 * Text fields are NUL-terminated copies, cut to their size. Control bytes
 * (0x00-0x1f, 0x7f) are replaced by '?'; bytes >= 0x80 are copied as sent
 * (they need not be valid UTF-8). Header names match case-insensitively;
 * lines may end in CR LF or a bare LF. */
#ifndef PS_APP_HTTP_H
#define PS_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "result.h"

struct http_req {
    char method[16];
    char uri[PS_MAX_HTTP_URI]; /* NUL included */
    bool uri_truncated;      /* request-target longer than uri could hold (only
                                possible while PS_MAX_HTTP_URI < PS_MAX_HTTP_LINE) */
    char version[12];        /* "1.1" from "HTTP/1.1" */
    char host[256];
    char user_agent[512];
    int64_t content_length;  /* -1 when absent */
    bool chunked;            /* Transfer-Encoding ends in "chunked" */
    bool has_basic_auth;     /* Authorization: Basic ... present */
    char basic_user[128];    /* user-id of those credentials; "" if undecodable.
                                The password is never kept anywhere. */
    size_t header_len;       /* bytes up to and including the blank line; 0 unless PS_OK */
};

struct http_resp {
    char version[12];        /* "1.1" */
    uint16_t status_code;
    char status_msg[128];    /* reason phrase, may be "" */
    char content_type[128];  /* media type without parameters, lowercased */
    int64_t content_length;  /* -1 when absent */
    bool chunked;
    size_t header_len;       /* as for http_req */
};

/* True when p starts with a known method token followed by a space
 * (GET, POST, HEAD, PUT, DELETE, OPTIONS, PATCH, CONNECT, TRACE, WebDAV). */
bool http_is_request_start(const uint8_t *p, size_t len);

/* True when p starts with "HTTP/1.<digit> ". */
bool http_is_response_start(const uint8_t *p, size_t len);

/* Decode a request / response head. r is fully reset first.
 * PS_OK: the blank line was found, header_len says where the body starts.
 * PS_TRUNCATED: the buffer ends before the blank line (fields seen so far
 *   are filled; header_len stays 0) - retry with more bytes.
 * PS_INVALID: bad start line, a line longer than PS_MAX_HTTP_LINE, more than
 *   PS_MAX_HTTP_HEADERS header lines, or an unusable/conflicting
 *   Content-Length. Fields seen before the problem stay filled. */
enum ps_result http_parse_request(const uint8_t *p, size_t len, struct http_req *r);
enum ps_result http_parse_response(const uint8_t *p, size_t len, struct http_resp *r);

#endif

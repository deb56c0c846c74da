/* http.h - one HTTP exchange as webapi sees it through FastCGI (RFC 3875
 * meta-variables, RFC 9110 status codes): the request's method, path and query
 * string, a JSON reply, and the query-string helpers handlers use. */
#ifndef PS_WEBAPI_HTTP_H
#define PS_WEBAPI_HTTP_H

#include <fcgiapp.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

/* Longest query-string value a handler may ask for (decoded, without NUL). */
#define HTTP_PARAM_MAX 1024
/* Longest path echoed back in a 404 body; longer paths are cut. */
#define HTTP_ECHO_PATH_MAX 256

struct http_request {
    const char *method; /* "GET", ...; borrowed from the FastCGI environment */
    const char *path;   /* start of the path; NOT NUL-terminated at path_len */
    size_t path_len;    /* bytes of path, query string excluded */
    const char *path_arg; /* the {id} segment of a "/api/x/{id}" route (raw), or NULL */
    size_t path_arg_len;
    const char *query;  /* raw query string without '?', "" when none */
    char **envp;        /* the FastCGI environment (borrowed); may be NULL */
    FCGX_Stream *in;    /* request body; NULL when there is none (unit tests) */
    FCGX_Stream *out;   /* response stream for handlers that stream; may be NULL */
    long long content_length; /* CONTENT_LENGTH, -1 when absent or invalid */
    const char *content_type; /* CONTENT_TYPE, "" when absent */
};

struct http_reply {
    int status;        /* HTTP status code */
    json_t *body;      /* owned by the reply; http_reply_clear() frees it */
    const char *allow; /* static string for the Allow header (405), or NULL */
    int streamed;      /* the handler wrote the whole response to req->out */
    char set_cookie[256]; /* value of a Set-Cookie header, "" for none */
    const char *www_authenticate; /* static value of WWW-Authenticate (401), or NULL */
    int retry_after;   /* seconds for Retry-After; 0: none (503 always gets 5) */
};

/* Fills req from FastCGI parameters (envp as FCGX_Request.envp). The path is
 * the path part of REQUEST_URI, else DOCUMENT_URI, else SCRIPT_NAME; "/" when
 * none is set. All strings are borrowed from envp for the request's lifetime. */
void http_request_from_env(struct http_request *req, char **envp);

/* Sets status and takes ownership of body (which may be NULL: then "{}").
 * A previous body is freed. */
void http_reply_set(struct http_reply *reply, int status, json_t *body);

/* Replies {"error": message, "detail": message} with the given status. */
void http_reply_error(struct http_reply *reply, int status, const char *message);

/* Replies {"error": error, "detail": printf(fmt, ...)} with the given status. */
void http_reply_fail(struct http_reply *reply, int status, const char *error, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

/* 400 {"error": "invalid parameter", "parameter": name, "detail": name + ": " + printf(fmt)}. */
void http_reply_bad_param(struct http_reply *reply, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Value of FastCGI variable `name` ("HTTP_X_FILE_NAME"), or NULL. */
const char *http_env(const struct http_request *req, const char *name);

/* Starts a streamed answer: writes Status, Content-Type, optional
 * Content-Disposition (attachment; filename="<filename>") and the usual
 * security headers to req->out, and marks the reply streamed. The body
 * follows with FCGX_PutStr on req->out. Returns 0, or -1 when there is no
 * output stream. */
int http_stream_begin(const struct http_request *req, struct http_reply *reply, int status,
                      const char *content_type, const char *filename);

/* Frees the body; the reply can be reused. */
void http_reply_clear(struct http_reply *reply);

/* Reason phrase for a status code ("Not Found"); "Unknown" for others. */
const char *http_status_text(int status);

/* Serialises reply as a complete CGI response into a malloc'ed buffer:
 * Status, Content-Type (application/json; charset=utf-8), Cache-Control
 * (no-store), nosniff, Content-Length, Allow/Retry-After when relevant, then
 * the JSON body plus a newline unless head_only. Returns the buffer (caller
 * frees) and its length in *len, or NULL when out of memory. */
char *http_reply_render(const struct http_reply *reply, int head_only, size_t *len);

/* Reads the whole request body into buf (at most max bytes). Returns its
 * length, or -1 with 413 in reply when longer than max, or -2 with 400 when
 * shorter than its Content-Length. */
long http_read_body(const struct http_request *req, char *buf, size_t max,
                    struct http_reply *reply);

/* Flags of http_read_json_object. */
#define HTTP_JSON_EMPTY_OK 1      /* an empty body is {} */
#define HTTP_JSON_TYPE_REQUIRED 2 /* Content-Type must be application/json (else only
                                     a Content-Type that is given must be) */

/* Reads a body of at most max bytes that must be one JSON object (no
 * duplicate keys). Returns it (caller decrefs), or NULL after a 400, 413 or
 * 415 in reply. */
json_t *http_read_json_object(const struct http_request *req, struct http_reply *reply,
                              size_t max, unsigned flags);

/* 1 when the Content-Type's media type (before ';', case-insensitive) is type. */
int http_content_type_is(const struct http_request *req, const char *type);

/* Checks that s[0..len) is well-formed UTF-8 without NUL or C0/C1 control
 * characters other than tab (RFC 3629). Returns 1 when valid. */
int http_utf8_valid(const char *s, size_t len);

/* Percent-decodes src[0..len) ('+' is a space) into out (outlen bytes incl.
 * NUL): 0, or -1 when malformed, holding an encoded NUL, or too long. */
int http_query_decode(const char *src, size_t len, char *out, size_t outlen);

/* Finds parameter `name` in a raw query string ("a=1&b=x%20y") and writes its
 * percent-decoded value ('+' is a space) to out. Returns 1 when found (first
 * occurrence wins), 0 when absent, -1 when the value is malformed (bad %XX
 * escape, an encoded NUL, or longer than outlen - 1 bytes). A parameter
 * without '=' has the empty value. out is always NUL-terminated when
 * outlen > 0; on -1 its contents are unspecified. */
int http_query_param(const char *query, const char *name, char *out, size_t outlen);

/* Parses a database id: decimal digits only (no sign, no spaces), value in
 * 1..INT64_MAX. Returns 0 and sets *out, or -1 leaving *out unchanged. */
int http_parse_positive_id(const char *s, long long *out);

/* Length of the path part of a request URI (everything before '?'). */
size_t http_uri_path_len(const char *uri);

/* A JSON string holding path[0..len) cut to HTTP_ECHO_PATH_MAX bytes, with
 * every byte outside printable ASCII percent-encoded so the result is always
 * valid UTF-8. Caller owns the reference; NULL only when out of memory. */
json_t *http_json_path(const char *path, size_t len);

#endif

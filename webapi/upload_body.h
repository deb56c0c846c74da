/* upload_body.h - the body of an upload, raw or multipart/form-data, fed
 * to a sink piece by piece, plus the upload options (query parameters or
 * form fields: name, max_packets, store_packets, filter). */
#ifndef PS_WEBAPI_UPLOAD_BODY_H
#define PS_WEBAPI_UPLOAD_BODY_H

#include "bpf.h"
#include "http.h"
#include "multipart.h"

#define UPLOAD_NAME_MAX 255 /* bytes of a file or display name */

struct upload_opts {
    int options_allowed;        /* 0: only name (validate-pcap) */
    char name[UPLOAD_NAME_MAX + 1];      /* display name, "" when not given */
    char file_name[UPLOAD_NAME_MAX + 1]; /* from the part, X-File-Name or ?name */
    long long max_packets;      /* 0 when not given */
    int store_packets;          /* -1 when not given */
    char filter[BPF_FILTER_MAX + 1];
    int has_filter;
    unsigned given;             /* bit per option already set */
};

/* Where the file's bytes go. Each returns 0, or an HTTP status after
 * filling the reply. begin and end are called exactly once on success. */
struct body_sink {
    int (*begin)(void *arg, const char *file_name);
    int (*data)(void *arg, const unsigned char *p, size_t n);
    int (*end)(void *arg);
    void *arg;
};

/* Takes the options of the query string into opts. 0 or 400 (reply filled). */
int upload_opts_from_query(struct upload_opts *opts, const struct http_request *req,
                           struct http_reply *reply);

/* Reads the whole body into sink. Returns 0 or an HTTP status (reply filled). */
int upload_body_read(const struct http_request *req, struct upload_opts *opts,
                     const struct body_sink *sink, struct http_reply *reply);

#endif

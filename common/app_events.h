/* app_events.h - application events handed to sinks (one row of the dns,
 * http, tls tables, or a finding for the detectors). All pointers are
 * borrowed for the duration of the sink call. */
#ifndef PS_APP_EVENTS_H
#define PS_APP_EVENTS_H

#include "flow.h"

#include <stdbool.h>
#include <stdint.h>

enum app_event_kind { APP_EV_DNS = 1, APP_EV_HTTP, APP_EV_TLS, APP_EV_DHCP, APP_EV_SSH,
                      APP_EV_LOGIN };

#define PS_EV_MAX_ANSWERS 64

struct ev_dns {
    const char *proto;   /* "udp" or "tcp" */
    uint16_t trans_id;
    int64_t rtt_us;      /* -1: no answer seen */
    const char *query;
    int qclass, qtype;   /* -1: unknown */
    const char *qtype_name;
    int rcode;           /* -1: no answer seen */
    const char *rcode_name;
    bool aa, tc, rd, ra, rejected;
    int n_answers;
    const char *const *answers;
    const uint32_t *ttls;
};

struct ev_http {
    int depth;
    const char *method, *host, *uri, *referrer, *version, *user_agent;
    int64_t request_body_len, response_body_len; /* -1: unknown */
    int status_code;     /* 0: no response seen */
    const char *status_msg, *mime;
    int info_code;       /* last 1xx before the final response, 0 none */
    int64_t rtt_us;      /* -1: no response */
    const char *basic_user; /* user of an Authorization: Basic header, or NULL */
};

struct ev_tls {
    const char *transport; /* "tcp" or "udp" (QUIC) */
    const char *version, *cipher, *server_name;
    int n_alpn;
    const char *const *alpn;
    const char *ja3, *ja4;
    bool established;
};

struct ev_dhcp {
    const char *msg_type;
    uint8_t mac[6];
    const char *host_name;
    struct ps_addr assigned, requested;
};

struct ev_text {           /* SSH banners, cleartext logins */
    const char *what;      /* "ssh_client", "ssh_server", "ftp_user", "telnet", ... */
    const char *value;
};

struct app_event {
    enum app_event_kind kind;
    const struct flow *flow;
    int64_t ts_us;
    union {
        const struct ev_dns *dns;
        const struct ev_http *http;
        const struct ev_tls *tls;
        const struct ev_dhcp *dhcp;
        const struct ev_text *text;
    } u;
};

#endif

/* app_flow_misc.c - small protocols per flow: DHCP (RFC 2131), SSH banners
 * (RFC 4253), NTP (RFC 5905), and cleartext logins (FTP USER, POP3/IMAP
 * LOGIN, Telnet prompts) kept as events for the detectors: user names
 * only, never passwords. */
#include "app_internal.h"
#include "app_misc.h"

#include <string.h>

static void dhcp(struct app_engine *e, struct flow *f, const struct ps_packet *pkt)
{
    static __thread struct dhcp_msg m;
    if (dhcp_parse(pkt->payload, pkt->payload_len, &m) != PS_OK)
        return;
    f->app.proto = PS_APP_DHCP;
    f->app.guess = 0;
    struct ev_dhcp d = {.msg_type = dhcp_msg_type_name(m.msg_type), .host_name = m.host_name};
    memcpy(d.mac, m.client_mac, 6);
    if (m.yiaddr[0] || m.yiaddr[1] || m.yiaddr[2] || m.yiaddr[3]) {
        d.assigned.family = 4;
        memcpy(d.assigned.b, m.yiaddr, 4);
    }
    if (m.has_requested_ip) {
        d.requested.family = 4;
        memcpy(d.requested.b, m.requested_ip, 4);
    }
    app_emit(e, APP_EV_DHCP, f, pkt->ts_us, &d);
}

static void text_event(struct app_engine *e, const struct flow *f, int64_t ts, const char *what,
                       const char *value)
{
    struct ev_text t = {.what = what, .value = value};
    app_emit(e, APP_EV_LOGIN, f, ts, &t);
}

static void tcp_lines(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    char buf[256];
    const uint8_t *p = pkt->payload;
    uint32_t n = pkt->payload_len;
    if (ssh_banner(p, n, buf, sizeof buf)) {
        f->app.proto = PS_APP_SSH;
        f->app.guess = 0;
        struct ev_text t = {.what = dir == 0 ? "ssh_client" : "ssh_server", .value = buf};
        app_emit(e, APP_EV_SSH, f, pkt->ts_us, &t);
        return;
    }
    if (dir == 0 && f->app.proto == PS_APP_FTP && ftp_user(p, n, buf, sizeof buf))
        text_event(e, f, pkt->ts_us, "ftp_user", buf);
    else if (dir == 0 && (f->app.proto == PS_APP_POP3 || f->app.proto == PS_APP_IMAP) &&
             pop_imap_user(p, n, buf, sizeof buf))
        text_event(e, f, pkt->ts_us, f->app.proto == PS_APP_POP3 ? "pop3_user" : "imap_user",
                   buf);
    else if (dir == 1 && f->app.proto == PS_APP_TELNET && telnet_login_prompt(p, n))
        text_event(e, f, pkt->ts_us, "telnet_login", "");
}

void app_misc_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    if (pkt->ip_proto == 17) {
        struct ntp_msg ntp;
        if (f->app.proto == PS_APP_DHCP)
            dhcp(e, f, pkt);
        else if (f->app.proto == PS_APP_NTP && f->app.guess &&
                 ntp_parse(pkt->payload, pkt->payload_len, &ntp))
            f->app.guess = 0;
        return;
    }
    if (f->dir[0].pkts + f->dir[1].pkts <= 12) /* banners and logins come early */
        tcp_lines(e, f, pkt, dir);
}

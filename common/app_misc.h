/* app_misc.h - small application decoders: DHCP (RFC 2131/2132), SSH banner
 * (RFC 4253 §4.2), NTP (RFC 5905), cleartext login names (FTP RFC 959,
 * POP3 RFC 1939, IMAP RFC 9051, Telnet prompts).
 *
 * Pure: no flow state, no I/O, no allocation; the caller owns every output.
 * Text outputs are NUL-terminated and cut to the size given (outlen >= 1).
 * No function here ever copies a password: the login helpers stop reading
 * at the end of the user name. */
#ifndef PS_APP_MISC_H
#define PS_APP_MISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* Caps local to this file until they move into caps.h (STYLE rule 3). */
#define DHCP_MAX_OPTION_STEPS 2048 /* option bytes walked (pads included) */
#define MISC_MAX_LINE         512  /* command line scanned by the FTP/POP/IMAP helpers */

/* ---- DHCP ---- */

struct dhcp_msg {
    uint8_t op;              /* 1 BOOTREQUEST, 2 BOOTREPLY */
    uint8_t htype, hlen;
    uint32_t xid;
    uint8_t ciaddr[4];       /* network order, as on the wire */
    uint8_t yiaddr[4];
    bool has_client_mac;     /* hlen == 6 */
    uint8_t client_mac[6];   /* chaddr */
    uint8_t msg_type;        /* option 53; 0 when absent */
    bool has_requested_ip;
    uint8_t requested_ip[4]; /* option 50 */
    char host_name[256];     /* option 12, control bytes as '?'; "" when absent */
};

/* Decodes a DHCP message (UDP payload, ports 67/68). m is reset first.
 * PS_TRUNCATED: buffer ends before the End option (fields so far kept).
 * PS_INVALID: op not 1/2, hlen > 16, no DHCP magic cookie (plain BOOTP),
 * option 53/50 with a bad length. Option overload (52) is not followed. */
enum ps_result dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m);

/* "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
 * "INFORM", ... (RFC 2132 §9.6, RFC 4388, RFC 3203); NULL if unknown. */
const char *dhcp_msg_type_name(uint8_t type);

/* ---- SSH ---- */

/* True when p starts with an identification line "SSH-protoversion-
 * softwareversion [comments]" ended by CR LF or a bare LF, all printable
 * ASCII; out gets the line without its end (cut to outlen). The line must
 * be complete in p; other lines a server may send first are not skipped. */
bool ssh_banner(const uint8_t *p, size_t len, char *out, size_t outlen);

/* ---- NTP ---- */

struct ntp_msg {
    uint8_t leap, version, mode;
    uint8_t stratum;   /* 0 for modes 6 and 7 */
    int8_t poll, precision; /* log2 seconds; 0 for modes 6 and 7 */
};

/* Heuristic decode: version 1..4; modes 1..5 need 48 bytes and stratum <= 16;
 * mode 6 (control) 12 bytes, mode 7 (private, e.g. monlist) 8 bytes. */
bool ntp_parse(const uint8_t *p, size_t len, struct ntp_msg *m);

/* ---- cleartext logins (user names only, never passwords) ---- */

/* FTP "USER name" as the first line of p (command case-insensitive). */
bool ftp_user(const uint8_t *p, size_t len, char *user, size_t userlen);

/* POP3 "USER name" / "APOP name digest", or IMAP "tag LOGIN user pass"
 * (user as atom or quoted string; literals are not followed). */
bool pop_imap_user(const uint8_t *p, size_t len, char *user, size_t userlen);

/* True when p ends in a "login:" or "username:" prompt (case-insensitive,
 * trailing whitespace allowed), as a Telnet server sends before the user
 * types a name. "Last login: <date>" banners do not match. */
bool telnet_login_prompt(const uint8_t *p, size_t len);

#endif

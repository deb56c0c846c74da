/* app.h - application protocol detection and event extraction on top of
 * flows: DNS, HTTP, TLS, QUIC, DHCP, SSH, NTP and cleartext logins. */
#ifndef PS_APP_H
#define PS_APP_H

#include "flow.h"

enum ps_app {
    PS_APP_NONE = 0, PS_APP_DNS, PS_APP_MDNS, PS_APP_LLMNR, PS_APP_NBNS, PS_APP_HTTP,
    PS_APP_TLS, PS_APP_QUIC, PS_APP_DHCP, PS_APP_DHCPV6, PS_APP_SSH, PS_APP_NTP, PS_APP_FTP,
    PS_APP_TELNET, PS_APP_SMTP, PS_APP_POP3, PS_APP_IMAP, PS_APP_SSDP, PS_APP_SNMP,
    PS_APP_SYSLOG, PS_APP_RDP, PS_APP_SMB, PS_APP_LDAP, PS_APP_RPC, PS_APP_NFS,
    PS_APP_COUNT
};

/* Zeek-style service name ("dns", "http", "ssl", ...), or NULL for none. */
const char *app_service_name(uint16_t app);
/* Port-based fallback for a flow's responder port (marked as a guess). */
uint16_t app_guess_by_port(uint8_t proto, uint16_t port);

#endif

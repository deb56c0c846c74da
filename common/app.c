/* app.c - application protocol names (Zeek's service names) and the
 * port-based fallback (IANA service-names registry). */
#include "app.h"

const char *app_service_name(uint16_t app)
{
    static const char *const names[PS_APP_COUNT] = {
        [PS_APP_NONE] = NULL,     [PS_APP_DNS] = "dns",       [PS_APP_MDNS] = "mdns",
        [PS_APP_LLMNR] = "llmnr", [PS_APP_NBNS] = "nbns",     [PS_APP_HTTP] = "http",
        [PS_APP_TLS] = "ssl",     [PS_APP_QUIC] = "quic",     [PS_APP_DHCP] = "dhcp",
        [PS_APP_DHCPV6] = "dhcpv6", [PS_APP_SSH] = "ssh",     [PS_APP_NTP] = "ntp",
        [PS_APP_FTP] = "ftp",     [PS_APP_TELNET] = "telnet", [PS_APP_SMTP] = "smtp",
        [PS_APP_POP3] = "pop3",   [PS_APP_IMAP] = "imap",     [PS_APP_SSDP] = "ssdp",
        [PS_APP_SNMP] = "snmp",   [PS_APP_SYSLOG] = "syslog", [PS_APP_RDP] = "rdp",
        [PS_APP_SMB] = "smb",     [PS_APP_LDAP] = "ldap",     [PS_APP_RPC] = "rpc",
        [PS_APP_NFS] = "nfs",
    };
    return app < PS_APP_COUNT ? names[app] : NULL;
}

uint16_t app_guess_by_port(uint8_t proto, uint16_t port)
{
    int tcp = proto == 6, udp = proto == 17;
    switch (port) {
    case 53: return PS_APP_DNS;
    case 5353: return udp ? PS_APP_MDNS : PS_APP_NONE;
    case 5355: return PS_APP_LLMNR;
    case 137: return udp ? PS_APP_NBNS : PS_APP_NONE;
    case 80: case 8080: case 8000: return tcp ? PS_APP_HTTP : PS_APP_NONE;
    case 443: return tcp ? PS_APP_TLS : udp ? PS_APP_QUIC : PS_APP_NONE;
    case 853: case 993: case 995: case 465: case 8443: return tcp ? PS_APP_TLS : PS_APP_NONE;
    case 67: case 68: return udp ? PS_APP_DHCP : PS_APP_NONE;
    case 546: case 547: return udp ? PS_APP_DHCPV6 : PS_APP_NONE;
    case 22: return tcp ? PS_APP_SSH : PS_APP_NONE;
    case 123: return udp ? PS_APP_NTP : PS_APP_NONE;
    case 21: return tcp ? PS_APP_FTP : PS_APP_NONE;
    case 23: return tcp ? PS_APP_TELNET : PS_APP_NONE;
    case 25: case 587: return tcp ? PS_APP_SMTP : PS_APP_NONE;
    case 110: return tcp ? PS_APP_POP3 : PS_APP_NONE;
    case 143: return tcp ? PS_APP_IMAP : PS_APP_NONE;
    case 1900: return udp ? PS_APP_SSDP : PS_APP_NONE;
    case 161: case 162: return udp ? PS_APP_SNMP : PS_APP_NONE;
    case 514: return udp ? PS_APP_SYSLOG : PS_APP_NONE;
    case 3389: return tcp ? PS_APP_RDP : PS_APP_NONE;
    case 445: case 139: return tcp ? PS_APP_SMB : PS_APP_NONE;
    case 389: return PS_APP_LDAP;
    case 111: return PS_APP_RPC;
    case 2049: return PS_APP_NFS;
    default: return PS_APP_NONE;
    }
}

/* caps.h - every hard cap on a loop or length driven by packet or file data,
 * in one place (STYLE rule 3). */
#ifndef PS_CAPS_H
#define PS_CAPS_H

#define PS_MAX_VLAN_TAGS      4   /* 802.1Q/802.1ad tags followed per frame */
#define PS_MAX_IP6_EXT_HDRS   8   /* IPv6 extension headers followed */
#define PS_MAX_TUNNEL_DEPTH   2   /* IP-in-IP / GRE / VXLAN nesting */
#define PS_MAX_IP4_OPT_BYTES  40  /* by definition of IHL */
#define PS_MAX_DNS_LABELS     128 /* labels in one name */
#define PS_MAX_DNS_NAME       255 /* presentation bytes of a name */
#define PS_MAX_DNS_POINTERS   16  /* compression jumps while reading one name */
#define PS_MAX_DNS_RRS        64  /* answers kept per message */
#define PS_MAX_HTTP_LINE      8192 /* request/status line or header line */
#define PS_MAX_HTTP_URI      8192 /* request-target bytes kept (as the line cap) */
#define PS_MAX_HTTP_HEADERS   100 /* headers scanned per message */
#define PS_MAX_TLS_EXTENSIONS 64  /* ClientHello extensions walked */
#define PS_MAX_TLS_CIPHERS    256 /* cipher suites walked */
#define PS_MAX_SNI            255 /* server_name bytes kept */
#define PS_MAX_ALPN           8   /* ALPN protocols kept */
#define PS_MAX_FRAME          262144 /* largest caplen we accept from libpcap */

#endif

/* ports.h - IANA service names of well-known ports (RFC 6335 registry, the
 * part a traffic analyst meets daily). */
#ifndef PS_WEBAPI_PORTS_H
#define PS_WEBAPI_PORTS_H

/* The service name for proto ("tcp", "udp") and port, or NULL when unknown. */
const char *port_service_name(const char *proto, int port);

#endif

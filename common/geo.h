/* geo.h - IP geolocation: special-purpose ranges (RFC 6890 registries)
 * labelled, public addresses mapped to a country with the tor-geoipdb
 * files (Debian package tor-geoipdb: /usr/share/tor/geoip and geoip6,
 * converted from the IPFire Location database), and optionally city,
 * coordinates and ASN from MaxMind/DB-IP .mmdb files through libmaxminddb.
 *
 * Labels (the value of flows.orig_cc / resp_cc for non-public space):
 *   PRIVATE       10/8, 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (RFC 6598
 *                 shared CGN space), fc00::/7 (RFC 4193 unique local)
 *   LOOPBACK      127/8, ::1
 *   LINKLOCAL     169.254/16 (RFC 3927), fe80::/10
 *   MULTICAST     224/4, ff00::/8
 *   BROADCAST     255.255.255.255
 *   DOCUMENTATION 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737),
 *                 2001:db8::/32 (RFC 3849), 3fff::/20 (RFC 9637)
 *   RESERVED      0/8, 192.0.0/24, 198.18/15 (RFC 2544 benchmarking),
 *                 240/4, ::, 100::/64 (discard)
 * A public address gets its ISO 3166 alpha-2 code; one the database does
 * not know (tor's "??") gets none (NULL).
 *
 * A loaded database is immutable: lookups from many threads at once are
 * safe. Memory: about 10 bytes per IPv4 range and 34 per IPv6 range
 * (the Debian 12 files: ~385k + ~277k ranges, ~13 MB). */
#ifndef PS_GEO_H
#define PS_GEO_H

#include "packet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEO_TOR_V4 "/usr/share/tor/geoip"
#define GEO_TOR_V6 "/usr/share/tor/geoip6"
#define GEO_MAX_RANGES 4000000 /* lines accepted from one database file */

enum geo_class { GEO_PUBLIC = 0, GEO_PRIVATE, GEO_LOOPBACK, GEO_LINKLOCAL, GEO_MULTICAST,
                 GEO_BROADCAST, GEO_DOCUMENTATION, GEO_RESERVED };

/* Which special-purpose range holds a (an IPv4-mapped IPv6 address is
 * classified as its IPv4 address). Family 0 is GEO_RESERVED. */
enum geo_class geo_classify(const struct ps_addr *a);
/* "PRIVATE", "LOOPBACK", ...; NULL for GEO_PUBLIC. */
const char *geo_class_label(enum geo_class c);

struct geo_paths {
    const char *v4;       /* tor geoip file, NULL = none */
    const char *v6;       /* tor geoip6 file, NULL = none */
    const char *mmdb;     /* city or country .mmdb, NULL = none */
    const char *asn_mmdb; /* ASN .mmdb, NULL = none */
};

struct geo_info {
    const char *cc;       /* country code (points into out->cc_buf) or label; NULL unknown */
    char cc_buf[4];
    char city[64];        /* "" unknown (mmdb only) */
    bool has_coords;
    double latitude, longitude;
    uint32_t asn;         /* 0 unknown */
    char as_org[96];
};

struct geo_db;

/* Loads the configured files (each optional). NULL with err filled when a
 * named file cannot be read or parsed, or an .mmdb is configured but this
 * build has no libmaxminddb. Lines that do not parse are counted and
 * skipped (geo_stats), never fatal; a file with none usable is an error. */
struct geo_db *geo_open(const struct geo_paths *paths, char *err, size_t errlen);
/* NULL is a no-op. */
void geo_close(struct geo_db *g);

/* Country code or label of a; NULL when unknown. out receives the code
 * (the returned pointer is out or a static label). g may be NULL: then
 * only labels are given. */
const char *geo_country(const struct geo_db *g, const struct ps_addr *a, char out[4]);
/* Everything known about a (mmdb fields only with an .mmdb). 0 found, -1 not. */
int geo_lookup(const struct geo_db *g, const struct ps_addr *a, struct geo_info *out);

struct geo_stats {
    size_t v4_ranges, v6_ranges, bad_lines, memory;
    bool mmdb, asn_mmdb;
};
void geo_get_stats(const struct geo_db *g, struct geo_stats *out);

/* Process-wide database used when flows are exported (flows.orig_cc).
 * Set once at start-up before any pipeline runs; NULL = labels only. */
void geo_set_default(struct geo_db *g);
const struct geo_db *geo_default(void);

/* IPv6 text to its 16 bytes, as inet_pton(AF_INET6) (which it calls for
 * the forms it does not parse itself); 0 or -1. */
int geo_parse6(const char *s, uint8_t out[16]);

/* True when geo support for .mmdb files was compiled in. */
bool geo_have_mmdb(void);

#endif

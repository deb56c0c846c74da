/* rules.h - custom detection rules and threat-intelligence indicators as
 * one immutable, reference-counted ruleset (sql/migrations/004_security.sql
 * holds them; captured loads them). Built once, then shared read-only by
 * any number of capture threads: only the reference count changes.
 *
 * A rule matches when every field it sets matches (fields left unset match
 * anything):
 *   cidr       either endpoint inside the network ("10.0.0.0/8", "2001:db8::/32",
 *              a bare address is a /32 or /128)
 *   port       the responder's (server's) port
 *   transport  "tcp", "udp", "icmp", "icmp6", "sctp", ... (flows.proto)
 *   app        the flow's service as in flows.service ("http", "ssl", "dns", ...)
 *   dns_query, http_host, sni
 *              globs over the DNS query name, HTTP Host, TLS server name:
 *              '*' any run of characters (dots included), '?' one character,
 *              case-insensitive; "*.example.com" does not match "example.com".
 * Indicators: an address, a network or a domain (which also matches every
 * name below it), in named lists that can be switched off as a whole. */
#ifndef PS_RULES_H
#define PS_RULES_H

#include "packet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULES_MAX_RULES      10000   /* rules kept in one ruleset */
#define RULES_MAX_INDICATORS 2000000 /* indicators kept in one ruleset */
#define RULES_MAX_TEXT       512     /* bytes of a glob, message or indicator value */

/* Fields of a rule as text (NULL or "" = unset), as they come from the
 * database or a test. */
struct rule_spec {
    int64_t id;
    const char *name, *severity, *message;
    const char *cidr;
    int port;                /* -1 unset */
    const char *transport, *app, *dns_query, *http_host, *sni;
};

enum rule_need { RULE_NEED_APP = 1, RULE_NEED_DNS = 2, RULE_NEED_HTTP = 4, RULE_NEED_SNI = 8 };

struct rule {
    int64_t id;
    char *name, *message;
    char severity[12];
    bool has_net;
    struct ps_addr net;
    int prefix;
    int port;                /* -1 any */
    int ip_proto;            /* -1 any */
    char *app, *dns_query, *http_host, *sni; /* NULL any; globs lowercased */
    unsigned needs;          /* enum rule_need bits */
};

struct indicator {
    const char *list;        /* list name (shared by the list's entries) */
    const char *value;       /* as imported, normalised ("203.0.113.0/24", "evil.example") */
    const char *severity;
    char kind;               /* 'a' address, 'n' network, 'd' domain */
};

/* What a rule is matched against. Pointers may be NULL when unknown. */
struct rule_ctx {
    const struct ps_addr *orig_h, *resp_h;
    uint16_t resp_p;
    bool has_ports;
    uint8_t ip_proto;
    const char *app;
    const char *dns_query, *http_host, *sni;
};

struct ruleset;

/* An empty ruleset with one reference. NULL when out of memory. */
struct ruleset *ruleset_new(uint64_t version);
/* Adds a rule; -1 with err ("rule 7: bad cidr 'x'") when a field is invalid
 * (the rule is then left out). */
int ruleset_add_rule(struct ruleset *rs, const struct rule_spec *spec, char *err, size_t errlen);
/* Adds an indicator of kind "addr", "net" or "domain" (kind NULL: guessed
 * from the value). -1 with err when the value does not parse. */
int ruleset_add_indicator(struct ruleset *rs, const char *list, const char *kind,
                          const char *value, const char *severity, char *err, size_t errlen);
/* Builds the lookup tables; call once after the last add. 0 or -1 (OOM). */
int ruleset_finish(struct ruleset *rs);

struct ruleset *ruleset_ref(struct ruleset *rs);       /* NULL-safe; returns rs */
void ruleset_unref(struct ruleset *rs);                /* NULL-safe; frees at zero */
uint64_t ruleset_version(const struct ruleset *rs);
size_t ruleset_rule_count(const struct ruleset *rs);
size_t ruleset_indicator_count(const struct ruleset *rs);
const struct rule *ruleset_rule(const struct ruleset *rs, size_t i);

/* True when r matches c. Fields r needs but c lacks do not match. */
bool rule_matches(const struct rule *r, const struct rule_ctx *c);

/* The indicator (most specific network first) containing a, or NULL. */
const struct indicator *ruleset_match_addr(const struct ruleset *rs, const struct ps_addr *a);
/* The indicator equal to name or to one of its parent domains, or NULL. */
const struct indicator *ruleset_match_domain(const struct ruleset *rs, const char *name);

/* Case-insensitive glob ('*', '?'); no allocation, linear in practice. */
bool glob_match(const char *pattern, const char *s);
/* Parses "addr" or "addr/len" (IPv4 or IPv6). 0, or -1 when invalid. The
 * network is masked to its prefix. */
int ps_cidr_parse(const char *text, struct ps_addr *net, int *prefix);
/* Normalises a domain indicator in place: lowercase, no trailing dot,
 * no leading "*." ; -1 when empty, a single label or not a host name. */
int domain_normalise(char *s);

#endif

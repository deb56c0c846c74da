/* test_detect_rules.c - custom rules and indicators (rules.h): globs, CIDR
 * parsing, address/network/domain indicators, rule field matching, and
 * reference counting of a shared ruleset. */
#include <arpa/inet.h>

#include "rules.h"
#include "unit.h"

static struct ps_addr addr(const char *s)
{
    struct ps_addr a = {0};
    if (inet_pton(AF_INET, s, a.b) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, s, a.b) == 1)
        a.family = 6;
    return a;
}

static void globs(void)
{
    CHECK(glob_match("*.example.com", "a.b.example.com"));
    CHECK(glob_match("*.EXAMPLE.com", "www.example.COM"));
    CHECK(!glob_match("*.example.com", "example.com"));
    CHECK(glob_match("example.com", "Example.Com"));
    CHECK(glob_match("ex?mple.*", "exAmple.org"));
    CHECK(!glob_match("ex?mple.*", "exmple.org"));
    CHECK(glob_match("*", ""));
    CHECK(glob_match("a*b*c", "axxbyyc"));
    CHECK(!glob_match("a*b*c", "axxbyy"));
    CHECK(glob_match("*evil*", "notevilatall.net"));
}

static void cidrs(void)
{
    struct ps_addr n;
    int p;
    CHECK_INT(ps_cidr_parse("10.1.2.3/8", &n, &p), 0);
    CHECK_INT(p, 8);
    CHECK_INT(n.b[1], 0); /* masked */
    CHECK_INT(ps_cidr_parse("2001:db8::1", &n, &p), 0);
    CHECK_INT(p, 128);
    CHECK_INT(ps_cidr_parse("10.0.0.0/33", &n, &p), -1);
    CHECK_INT(ps_cidr_parse("10.0.0.0/", &n, &p), -1);
    CHECK_INT(ps_cidr_parse("example.com", &n, &p), -1);
}

static void indicators(void)
{
    char err[256];
    struct ruleset *rs = ruleset_new(7);
    CHECK_INT(ruleset_add_indicator(rs, "feed", NULL, "203.0.113.5", "high", err, sizeof err), 0);
    CHECK_INT(ruleset_add_indicator(rs, "feed", NULL, "198.51.100.0/24", NULL, err, sizeof err), 0);
    CHECK_INT(ruleset_add_indicator(rs, "feed", NULL, "2001:db8:bad::/48", "low", err, sizeof err), 0);
    CHECK_INT(ruleset_add_indicator(rs, "dga", "domain", "*.Evil.Example.", "critical", err,
                                    sizeof err), 0);
    CHECK_INT(ruleset_add_indicator(rs, "dga", NULL, "not a value!", NULL, err, sizeof err), -1);
    CHECK_INT(ruleset_finish(rs), 0);
    CHECK_INT(ruleset_indicator_count(rs), 4);
    struct ps_addr a = addr("203.0.113.5");
    const struct indicator *i = ruleset_match_addr(rs, &a);
    CHECK(i && i->kind == 'a');
    CHECK_STR(i ? i->severity : NULL, "high");
    a = addr("203.0.113.6");
    CHECK(ruleset_match_addr(rs, &a) == NULL);
    a = addr("198.51.100.77");
    i = ruleset_match_addr(rs, &a);
    CHECK_STR(i ? i->value : NULL, "198.51.100.0/24");
    CHECK_STR(i ? i->severity : NULL, "high"); /* default */
    a = addr("2001:db8:bad:1::9");
    CHECK(ruleset_match_addr(rs, &a) != NULL);
    a = addr("2001:db8:bae::9");
    CHECK(ruleset_match_addr(rs, &a) == NULL);
    i = ruleset_match_domain(rs, "c2.EVIL.example");
    CHECK_STR(i ? i->value : NULL, "evil.example");
    CHECK_STR(i ? i->list : NULL, "dga");
    CHECK(ruleset_match_domain(rs, "evil.example.") != NULL);
    CHECK(ruleset_match_domain(rs, "notevil.example") == NULL);
    CHECK(ruleset_match_domain(rs, "example") == NULL);

    /* a second holder keeps it alive after the first lets go */
    struct ruleset *held = ruleset_ref(rs);
    ruleset_unref(rs);
    CHECK_INT(ruleset_version(held), 7);
    ruleset_unref(held);
}

static void rules(void)
{
    char err[256];
    struct ruleset *rs = ruleset_new(1);
    CHECK_INT(ruleset_add_rule(rs, &(struct rule_spec){.id = 1, .name = "telnet out",
                                                       .severity = "high", .port = 23,
                                                       .transport = "tcp"},
                               err, sizeof err), 0);
    CHECK_INT(ruleset_add_rule(rs, &(struct rule_spec){.id = 2, .name = "lab net http",
                                                       .cidr = "10.9.0.0/16", .port = -1,
                                                       .app = "HTTP", .http_host = "*.corp"},
                               err, sizeof err), 0);
    CHECK_INT(ruleset_add_rule(rs, &(struct rule_spec){.id = 3, .name = "bad", .cidr = "10.0.0.0/40",
                                                       .port = -1},
                               err, sizeof err), -1);
    CHECK(strstr(err, "rule 3") && strstr(err, "cidr"));
    CHECK_INT(ruleset_add_rule(rs, &(struct rule_spec){.id = 4, .name = "bad", .port = -1,
                                                       .transport = "carrier-pigeon"},
                               err, sizeof err), -1);
    CHECK_INT(ruleset_finish(rs), 0);
    CHECK_INT(ruleset_rule_count(rs), 2);
    const struct rule *telnet = ruleset_rule(rs, 0), *web = ruleset_rule(rs, 1);
    CHECK_INT(telnet->needs, 0);
    CHECK_INT(web->needs, RULE_NEED_APP | RULE_NEED_HTTP);
    CHECK_STR(web->severity, "medium");
    CHECK_STR(web->message, "lab net http"); /* message defaults to the name */

    struct ps_addr o = addr("10.9.1.2"), r = addr("192.0.2.80");
    struct rule_ctx c = {.orig_h = &o, .resp_h = &r, .resp_p = 23, .has_ports = true,
                         .ip_proto = 6};
    CHECK(rule_matches(telnet, &c));
    c.ip_proto = 17;
    CHECK(!rule_matches(telnet, &c));
    c.ip_proto = 6;
    c.resp_p = 2323;
    CHECK(!rule_matches(telnet, &c));
    c.resp_p = 80;
    c.app = "http";
    c.http_host = "intranet.corp";
    CHECK(rule_matches(web, &c));
    c.http_host = "intranet.com";
    CHECK(!rule_matches(web, &c));
    c.http_host = NULL;
    CHECK(!rule_matches(web, &c)); /* a field the rule needs but the context lacks */
    c.http_host = "x.corp";
    o = addr("10.8.1.2");
    CHECK(!rule_matches(web, &c));
    r = addr("10.9.200.1"); /* either endpoint */
    CHECK(rule_matches(web, &c));
    ruleset_unref(rs);
}

UNIT_MAIN({
    globs();
    cidrs();
    indicators();
    rules();
})

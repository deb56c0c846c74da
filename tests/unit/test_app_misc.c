/* test_app_misc.c - DHCP, SSH banner, NTP and cleartext-login helpers:
 * hand-built payloads, every truncation, and a real DHCP capture. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_misc.h"
#include "cursor.h"
#include "unit.h"

static struct dhcp_msg dm;

/* Parses from an exact-size heap copy so ASan sees any over-read. */
static enum ps_result dhcp_n(const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum ps_result r = dhcp_parse(copy, len, &dm);
    free(copy);
    return r;
}

/* ---- DHCP ---- */

/* BOOTP fixed part (xid 0x3903f326, chaddr 00:0b:82:01:fc:42) + options. */
static size_t dhcp_build(uint8_t *b, uint8_t op, const void *opts, size_t optlen)
{
    static const uint8_t mac[6] = {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42};
    memset(b, 0, 240);
    b[0] = op; b[1] = 1; b[2] = 6;
    memcpy(b + 4, "\x39\x03\xf3\x26", 4);
    if (op == 2)
        memcpy(b + 16, "\xc0\xa8\x01\x64", 4); /* yiaddr 192.168.1.100 */
    memcpy(b + 28, mac, 6);
    memcpy(b + 236, "\x63\x82\x53\x63", 4);
    memcpy(b + 240, opts, optlen);
    return 240 + optlen;
}

static const char discover_opts[] = "\x35\x01\x01"             /* DISCOVER */
                                    "\x00\x00"                 /* pads */
                                    "\x32\x04\xc0\xa8\x01\x64" /* requested 192.168.1.100 */
                                    "\x0c\x05host1"            /* host name */
                                    "\x37\x03\x01\x03\x06"     /* parameter list */
                                    "\xff";

static void test_dhcp_discover(void)
{
    uint8_t b[600];
    size_t n = dhcp_build(b, 1, discover_opts, sizeof discover_opts - 1);
    CHECK_INT(dhcp_n(b, n), PS_OK);
    CHECK_INT(dm.op, 1);
    CHECK_INT(dm.xid, 0x3903f326);
    CHECK_INT(dm.msg_type, 1);
    CHECK_STR(dhcp_msg_type_name(dm.msg_type), "DISCOVER");
    CHECK(dm.has_client_mac);
    CHECK(memcmp(dm.client_mac, "\x00\x0b\x82\x01\xfc\x42", 6) == 0);
    CHECK(dm.has_requested_ip);
    CHECK(memcmp(dm.requested_ip, "\xc0\xa8\x01\x64", 4) == 0);
    CHECK_STR(dm.host_name, "host1");
    int bad = 0;
    for (size_t len = 0; len < n; len++) /* End is mandatory: every cut shows */
        bad += dhcp_n(b, len) != PS_TRUNCATED;
    CHECK_INT(bad, 0);
}

static void test_dhcp_offer(void)
{
    uint8_t b[600];
    size_t n = dhcp_build(b, 2, "\x35\x01\x02\x36\x04\xc0\xa8\x01\x01\xff", 10);
    CHECK_INT(dhcp_n(b, n), PS_OK);
    CHECK_INT(dm.op, 2);
    CHECK_STR(dhcp_msg_type_name(dm.msg_type), "OFFER");
    CHECK(memcmp(dm.yiaddr, "\xc0\xa8\x01\x64", 4) == 0);
    CHECK(!dm.has_requested_ip);
    CHECK_STR(dm.host_name, "");
}

static void test_dhcp_bad(void)
{
    uint8_t b[4096];
    size_t n = dhcp_build(b, 1, discover_opts, sizeof discover_opts - 1);
    b[236] = 0x64; /* plain BOOTP / garbage cookie */
    CHECK_INT(dhcp_n(b, n), PS_INVALID);
    n = dhcp_build(b, 3, discover_opts, sizeof discover_opts - 1);
    CHECK_INT(dhcp_n(b, n), PS_INVALID);
    n = dhcp_build(b, 1, discover_opts, sizeof discover_opts - 1);
    b[2] = 17;
    CHECK_INT(dhcp_n(b, n), PS_INVALID);
    n = dhcp_build(b, 1, "\x35\x02\x01\x01\xff", 5);
    CHECK_INT(dhcp_n(b, n), PS_INVALID);
    n = dhcp_build(b, 1, "\x35\x01\x03\x32\x03\x01\x02\x03\xff", 9);
    CHECK_INT(dhcp_n(b, n), PS_INVALID);
    CHECK_INT(dm.msg_type, 3); /* what came before stays */
    n = dhcp_build(b, 1, "\x35\x01\x03\x0c\x40" "ab", 7); /* length past the end */
    CHECK_INT(dhcp_n(b, n), PS_TRUNCATED);
    n = dhcp_build(b, 1, "\x35\x01\x03", 3); /* no End */
    CHECK_INT(dhcp_n(b, n), PS_TRUNCATED);
    n = dhcp_build(b, 1, "\x0c\x03" "a\x01" "b\xff", 6);
    CHECK_INT(dhcp_n(b, n), PS_OK);
    CHECK_STR(dm.host_name, "a?b");
    n = dhcp_build(b, 1, "\xff", 1);
    b[2] = 16; /* not an Ethernet address */
    CHECK_INT(dhcp_n(b, n), PS_OK);
    CHECK(!dm.has_client_mac);
    CHECK_INT(dm.msg_type, 0);
    memset(b + 240, 0, 3000); /* 3000 pads, no End: the cap ends the walk */
    CHECK_INT(dhcp_n(b, 3240), PS_OK);
    CHECK(dhcp_msg_type_name(0) == NULL);
    CHECK_STR(dhcp_msg_type_name(8), "INFORM");
    CHECK(dhcp_msg_type_name(200) == NULL);
}

/* ---- SSH ---- */

static int banner(const char *s, char *out, size_t outlen)
{
    return ssh_banner((const uint8_t *)s, strlen(s), out, outlen);
}

static void test_ssh(void)
{
    char out[256];
    CHECK(banner("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n\0\0\0\x14", out, sizeof out));
    CHECK_STR(out, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13");
    CHECK(banner("SSH-1.99-Cisco-1.25\n", out, sizeof out));
    CHECK_STR(out, "SSH-1.99-Cisco-1.25");
    CHECK(banner("SSH-2.0-dropbear_2022.83\r\n", out, 9));
    CHECK_STR(out, "SSH-2.0-");
    CHECK(!banner("SSH-2.0-OpenSSH_9.6", out, sizeof out)); /* line not complete */
    CHECK_STR(out, "");
    CHECK(!banner("SSH-2.0-\r\n", out, sizeof out));
    CHECK(!banner("SSH-2.0- x\r\n", out, sizeof out));
    CHECK(!banner("SSH-2-x\r\n", out, sizeof out));
    CHECK(!banner("SSH-2.0-a\x01z\r\n", out, sizeof out));
    CHECK(!banner("SSH-2.0-caf\xc3\xa9\r\n", out, sizeof out));
    CHECK(!banner("HTTP/1.1 200 OK\r\n", out, sizeof out));
    CHECK(!banner("", out, sizeof out));
    CHECK(!banner("SSH-2.0-x\r\n", out, 0));
    char big[400];
    memset(big, 'a', sizeof big);
    memcpy(big, "SSH-2.0-", 8);
    memcpy(big + 300, "\r\n", 3);
    CHECK(!banner(big, out, sizeof out)); /* longer than 255 with CR LF */
    memcpy(big + 253, "\r\n", 3);
    CHECK(banner(big, out, sizeof out));  /* exactly 255 */
}

/* ---- NTP ---- */

static void test_ntp(void)
{
    uint8_t p[68] = {0};
    struct ntp_msg m;
    p[0] = 0x23; /* LI 0, v4, client */
    CHECK(ntp_parse(p, 48, &m));
    CHECK_INT(m.version, 4);
    CHECK_INT(m.mode, 3);
    p[0] = 0x24; p[1] = 2; p[2] = 6; p[3] = 0xe9; /* server, stratum 2, poll 6, prec -23 */
    CHECK(ntp_parse(p, 68, &m));
    CHECK_INT(m.mode, 4);
    CHECK_INT(m.stratum, 2);
    CHECK_INT(m.poll, 6);
    CHECK_INT(m.precision, -23);
    CHECK(!ntp_parse(p, 47, &m));
    p[1] = 17;
    CHECK(!ntp_parse(p, 48, &m));
    p[0] = 0x03; /* version 0 */
    CHECK(!ntp_parse(p, 48, &m));
    p[0] = 0x20; /* mode 0 */
    CHECK(!ntp_parse(p, 48, &m));
    p[0] = 0x17; p[1] = 0; p[2] = 3; p[3] = 42; /* v2 mode 7: ntpdc monlist */
    CHECK(ntp_parse(p, 8, &m));
    CHECK_INT(m.mode, 7);
    CHECK_INT(m.stratum, 0);
    CHECK(!ntp_parse(p, 7, &m));
    p[0] = 0x16; /* v2 mode 6: ntpq control */
    CHECK(ntp_parse(p, 12, &m));
    CHECK(!ntp_parse(p, 11, &m));
    CHECK(!ntp_parse(NULL, 0, &m));
}

/* ---- cleartext logins ---- */

static int ftp(const char *s, char *u, size_t n) { return ftp_user((const uint8_t *)s, strlen(s), u, n); }
static int pop(const char *s, char *u, size_t n) { return pop_imap_user((const uint8_t *)s, strlen(s), u, n); }
static int tel(const char *s) { return telnet_login_prompt((const uint8_t *)s, strlen(s)); }

static void test_ftp(void)
{
    char u[64];
    CHECK(ftp("USER anonymous\r\n", u, sizeof u));
    CHECK_STR(u, "anonymous");
    CHECK(ftp("user  bob smith \n", u, sizeof u));
    CHECK_STR(u, "bob smith");
    CHECK(ftp("USER averyveryverylongname\r\n", u, 6));
    CHECK_STR(u, "avery");
    CHECK(!ftp("PASS secret\r\n", u, sizeof u));
    CHECK_STR(u, "");
    CHECK(!ftp("USER \r\n", u, sizeof u));
    CHECK(!ftp("USER bob", u, sizeof u)); /* line not complete */
    CHECK(!ftp("USERbob\r\n", u, sizeof u));
    CHECK(!ftp("USER b\x01o\r\n", u, sizeof u));
    CHECK(!ftp("", u, sizeof u));
}

static void test_pop_imap(void)
{
    char u[64];
    CHECK(pop("USER alice\r\n", u, sizeof u));
    CHECK_STR(u, "alice");
    CHECK(pop("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", u, sizeof u));
    CHECK_STR(u, "mrose");
    CHECK(pop("a001 LOGIN bob s3cret\r\n", u, sizeof u));
    CHECK_STR(u, "bob");
    CHECK(pop("A2 login \"b\\\"o b\" \"s3cret\"\r\n", u, sizeof u));
    CHECK_STR(u, "b\"o b");
    CHECK(pop("USER LOGIN alice s3cret\r\n", u, sizeof u)); /* a tag spelled USER */
    CHECK_STR(u, "alice");
    CHECK(!pop("a3 LOGIN {5}\r\n", u, sizeof u));
    CHECK(!pop("a4 LOGIN \"unterminated\r\n", u, sizeof u));
    CHECK(!pop("a5 SELECT INBOX\r\n", u, sizeof u));
    CHECK(!pop("PASS s3cret\r\n", u, sizeof u));
    CHECK(!pop("a6 LOGIN\r\n", u, sizeof u));
    CHECK(!pop("USER\r\n", u, sizeof u));
    CHECK_STR(u, "");
}

static void test_telnet(void)
{
    CHECK(tel("\xff\xfb\x01Ubuntu 22.04.4 LTS\r\nhost login: "));
    CHECK(tel("login:"));
    CHECK(tel("\r\nUser Access Verification\r\n\r\nUsername: "));
    CHECK(tel("LOGIN:\r\n"));
    CHECK(!tel("Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.1\r\n"));
    CHECK(!tel("Last login: "));
    CHECK(!tel("Password: "));
    CHECK(!tel("ogin:"));
    CHECK(!tel(""));
}

/* ---- a real DHCP exchange (zeek dhcp.pcap; values from tshark) ---- */

static int udp_payload(const uint8_t *f, size_t caplen, struct cursor *pay)
{
    struct cursor c = cur_make(f, caplen);
    uint16_t type, ulen;
    uint8_t vihl, proto;
    if (!cur_skip(&c, 12) || !cur_u16be(&c, &type) || type != 0x0800 || !cur_u8(&c, &vihl) ||
        !cur_skip(&c, 8) || !cur_u8(&c, &proto) || proto != 17 ||
        !cur_skip(&c, (size_t)(vihl & 15) * 4 - 10) || !cur_skip(&c, 4) ||
        !cur_u16be(&c, &ulen) || ulen < 8 || !cur_skip(&c, 2))
        return 0;
    return cur_sub(&c, cur_left(&c) < ulen - 8u ? cur_left(&c) : ulen - 8u, pay);
}

static void test_real_dhcp(void)
{
    static const uint8_t types[] = {1, 2, 3, 6, 3, 5, 4, 7, 8};
    static const int named[] = {1, 0, 1, 0, 1, 0, 0, 0, 1};
    const char *shared = getenv("PS_SHARED");
    char path[1024], err[PCAP_ERRBUF_SIZE];
    if (!shared) {
        printf("PS_SHARED not set: real capture skipped\n");
        return;
    }
    snprintf(path, sizeof path, "%s/pcaps/zeek__dhcp__dhcp.pcap", shared);
    pcap_t *pc = pcap_open_offline(path, err);
    CHECK(pc != NULL);
    if (!pc)
        return;
    struct pcap_pkthdr *h;
    const u_char *data;
    int i = 0, good = 0;
    for (; i < 9 && pcap_next_ex(pc, &h, &data) == 1; i++) {
        struct cursor pay;
        int ok = udp_payload(data, h->caplen, &pay) &&
                 dhcp_n(cur_ptr(&pay), cur_left(&pay)) == PS_OK && dm.msg_type == types[i] &&
                 memcmp(dm.client_mac, "\x90\xb1\x1c\x99\x49\x29", 6) == 0 &&
                 strcmp(dm.host_name, named[i] ? "btest.is.cool" : "") == 0;
        if (i == 4 || i == 8)
            ok = ok && dm.has_requested_ip && memcmp(dm.requested_ip, "\x80\x02\x06\xbd", 4) == 0;
        if (i == 5)
            ok = ok && memcmp(dm.yiaddr, "\x80\x02\x06\xbd", 4) == 0 && dm.xid == 0x7c0;
        good += ok;
    }
    pcap_close(pc);
    CHECK_INT(i, 9);
    CHECK_INT(good, 9);
}

UNIT_MAIN({
    test_dhcp_discover();
    test_dhcp_offer();
    test_dhcp_bad();
    test_ssh();
    test_ntp();
    test_ftp();
    test_pop_imap();
    test_telnet();
    test_real_dhcp();
})

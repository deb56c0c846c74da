/* app_misc.c - small application decoders: DHCP (RFC 2131/2132), SSH banner (RFC 4253 §4.2), NTP (RFC 5905), cleartext logins (RFC 959, RFC 1939, RFC 9051). */
#include "app_misc.h"

#include <string.h>

#include "cursor.h"

#define DHCP_MAGIC     0x63825363u /* RFC 2131 §3 */
#define DHCP_OPT_PAD   0
#define DHCP_OPT_END   255
#define SSH_MAX_BANNER 255 /* RFC 4253 §4.2: CR LF included */
#define NTP_MIN_LEN    48  /* RFC 5905 §7.3, without extensions or MAC */
#define NTP_CTL_MIN    12  /* mode 6 header (RFC 9327) */
#define NTP_PRIV_MIN   8   /* mode 7 header (ntpd private) */

/* ---- spans: a line or a piece of one, held in a cursor ---- */

static uint8_t ascii_lower(uint8_t b) { return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b; }
static bool is_ctl(uint8_t b) { return b < 0x20 || b == 0x7f; }

/* tok gets the bytes of s before the first `stop` and s moves past it.
 * Without a stop, tok gets all of s, s ends empty, and false is returned. */
static bool span_split(struct cursor *s, uint8_t stop, struct cursor *tok)
{
    struct cursor scan = *s;
    size_t n = 0;
    uint8_t b;

    *tok = cur_make(NULL, 0); /* always set, even if cur_sub could fail */

    while (cur_u8(&scan, &b)) { /* bounded by the span */
        if (b == stop) {
            cur_sub(s, n, tok);
            cur_skip(s, 1);
            return true;
        }
        n++;
    }
    cur_sub(s, n, tok);
    return false;
}

static void span_trim(struct cursor *s)
{
    size_t end = s->len;
    uint8_t b;

    while (cur_peek_at(s, s->off, &b) && (b == ' ' || b == '\t'))
        cur_skip(s, 1);
    while (end > s->off && cur_peek_at(s, end - 1, &b) && (b == ' ' || b == '\t'))
        end--;
    *s = cur_make(cur_ptr(s), end - s->off);
}

static bool span_eq_ci(const struct cursor *s, const char *lit)
{
    struct cursor t = *s;
    size_t n = strlen(lit);
    uint8_t b;

    if (cur_left(&t) != n)
        return false;
    for (size_t i = 0; i < n && cur_u8(&t, &b); i++)
        if (ascii_lower(b) != ascii_lower((uint8_t)lit[i]))
            return false;
    return true;
}

/* True when no byte is a control byte; ascii_only also refuses >= 0x80. */
static bool span_clean(const struct cursor *s, bool ascii_only)
{
    struct cursor t = *s;
    uint8_t b;

    while (cur_u8(&t, &b))
        if (is_ctl(b) || (ascii_only && b >= 0x80))
            return false;
    return true;
}

/* Copies s into out (size >= 1, NUL included), control bytes as '?'. */
static void span_copy(const struct cursor *s, char *out, size_t size)
{
    struct cursor t = *s;
    size_t n = 0;
    uint8_t b;

    while (n + 1 < size && cur_u8(&t, &b))
        out[n++] = is_ctl(b) ? '?' : (char)b;
    out[n] = '\0';
}

/* Consumes lit from the front of s. */
static bool span_lit(struct cursor *s, const char *lit)
{
    struct cursor t = *s;
    uint8_t b;

    for (const char *q = lit; *q; q++)
        if (!cur_u8(&t, &b) || b != (uint8_t)*q)
            return false;
    *s = t;
    return true;
}

/* Consumes one or more ASCII digits. */
static bool span_digits(struct cursor *s)
{
    size_t n = 0;
    uint8_t b;

    while (cur_peek_at(s, s->off, &b) && b >= '0' && b <= '9' && cur_skip(s, 1))
        n++;
    return n > 0;
}

/* The first line of p, without LF or CR LF, if it ends within max bytes. */
static bool first_line(const uint8_t *p, size_t len, size_t max, struct cursor *line)
{
    struct cursor c = cur_make(p, len), scan = c;
    uint8_t b, last = 0;

    for (size_t n = 0; n <= max; n++) {
        if (!cur_u8(&scan, &b))
            return false;
        if (b == '\n')
            return cur_sub(&c, (n > 0 && last == '\r') ? n - 1 : n, line);
        last = b;
    }
    return false;
}

/* ---- DHCP ---- */

/* The fixed BOOTP part and the magic cookie (RFC 2131 §2, figure 1). */
static enum ps_result dhcp_fixed(struct cursor *c, struct dhcp_msg *m)
{
    struct cursor chaddr;
    uint32_t magic;

    if (!(cur_u8(c, &m->op) && cur_u8(c, &m->htype) && cur_u8(c, &m->hlen)))
        return PS_TRUNCATED;
    if ((m->op != 1 && m->op != 2) || m->hlen > 16)
        return PS_INVALID;
    if (!(cur_skip(c, 1) && cur_u32be(c, &m->xid) && cur_skip(c, 4) &&
          cur_copy(c, m->ciaddr, 4) && cur_copy(c, m->yiaddr, 4) && cur_skip(c, 8) &&
          cur_sub(c, 16, &chaddr)))
        return PS_TRUNCATED;
    m->has_client_mac = m->hlen == 6 && cur_copy(&chaddr, m->client_mac, 6);
    if (!(cur_skip(c, 64 + 128) && cur_u32be(c, &magic))) /* sname, file */
        return PS_TRUNCATED;
    return magic == DHCP_MAGIC ? PS_OK : PS_INVALID;
}

static enum ps_result dhcp_option(uint8_t code, struct cursor *v, struct dhcp_msg *m)
{
    switch (code) {
    case 53: /* DHCP message type */
        return cur_left(v) == 1 && cur_u8(v, &m->msg_type) ? PS_OK : PS_INVALID;
    case 50: /* requested IP address */
        if (cur_left(v) != 4)
            return PS_INVALID;
        m->has_requested_ip = cur_copy(v, m->requested_ip, 4);
        return PS_OK;
    case 12: /* host name */
        span_copy(v, m->host_name, sizeof m->host_name);
        return PS_OK;
    default:
        return PS_OK;
    }
}

/* RFC 2132 §2: code, length, value; Pad and End are one byte. */
static enum ps_result dhcp_options(struct cursor *c, struct dhcp_msg *m)
{
    for (unsigned step = 0; step < DHCP_MAX_OPTION_STEPS; step++) {
        uint8_t code, olen;
        struct cursor value;
        if (!cur_u8(c, &code))
            return PS_TRUNCATED; /* the End option is mandatory */
        if (code == DHCP_OPT_END)
            return PS_OK;
        if (code == DHCP_OPT_PAD)
            continue;
        if (!(cur_u8(c, &olen) && cur_sub(c, olen, &value)))
            return PS_TRUNCATED;
        enum ps_result r = dhcp_option(code, &value, m);
        if (r != PS_OK)
            return r;
    }
    return PS_OK; /* cap reached: the rest is not looked at */
}

enum ps_result dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
    struct cursor c = cur_make(p, len);
    enum ps_result r;

    memset(m, 0, sizeof *m);
    r = dhcp_fixed(&c, m);
    return r == PS_OK ? dhcp_options(&c, m) : r;
}

const char *dhcp_msg_type_name(uint8_t type)
{
    static const char *const names[] = {
        NULL,           "DISCOVER",        "OFFER",         "REQUEST",
        "DECLINE",      "ACK",             "NAK",           "RELEASE",
        "INFORM",       "FORCERENEW",      "LEASEQUERY",    "LEASEUNASSIGNED",
        "LEASEUNKNOWN", "LEASEACTIVE",     "BULKLEASEQUERY", "LEASEQUERYDONE",
        "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

/* ---- SSH ---- */

bool ssh_banner(const uint8_t *p, size_t len, char *out, size_t outlen)
{
    struct cursor line, t;
    uint8_t first;

    if (outlen == 0)
        return false;
    out[0] = '\0';
    if (!first_line(p, len, SSH_MAX_BANNER - 1, &line) || !span_clean(&line, true))
        return false;
    t = line;
    if (!(span_lit(&t, "SSH-") && span_digits(&t) && span_lit(&t, ".") && span_digits(&t) &&
          span_lit(&t, "-") && cur_peek_at(&t, t.off, &first) && first != ' '))
        return false;
    span_copy(&line, out, outlen);
    return true;
}

/* ---- NTP ---- */

bool ntp_parse(const uint8_t *p, size_t len, struct ntp_msg *m)
{
    struct cursor c = cur_make(p, len);
    uint8_t lvm, stratum, poll, precision;

    memset(m, 0, sizeof *m);
    if (!cur_u8(&c, &lvm))
        return false;
    m->leap = lvm >> 6;
    m->version = (lvm >> 3) & 7;
    m->mode = lvm & 7;
    if (m->version < 1 || m->version > 4 || m->mode == 0)
        return false;
    if (m->mode == 6 || m->mode == 7)
        return len >= (m->mode == 6 ? NTP_CTL_MIN : NTP_PRIV_MIN);
    if (len < NTP_MIN_LEN || !(cur_u8(&c, &stratum) && cur_u8(&c, &poll) && cur_u8(&c, &precision)))
        return false;
    if (stratum > 16) /* 17..255 reserved */
        return false;
    m->stratum = stratum;
    m->poll = (int8_t)poll;
    m->precision = (int8_t)precision;
    return true;
}

/* ---- cleartext logins ---- */

/* Copies a non-empty name without control bytes. */
static bool copy_name(const struct cursor *s, char *out, size_t size)
{
    if (cur_left(s) == 0 || !span_clean(s, false))
        return false;
    span_copy(s, out, size);
    return true;
}

bool ftp_user(const uint8_t *p, size_t len, char *user, size_t userlen)
{
    struct cursor line, cmd;

    if (userlen == 0)
        return false;
    user[0] = '\0';
    if (!first_line(p, len, MISC_MAX_LINE, &line) || !span_split(&line, ' ', &cmd) ||
        !span_eq_ci(&cmd, "USER"))
        return false;
    span_trim(&line);
    return copy_name(&line, user, userlen);
}

/* IMAP quoted string (RFC 9051 §4.3): backslash escapes '"' and '\'. */
static bool imap_quoted(struct cursor *s, char *out, size_t size)
{
    size_t n = 0;
    uint8_t b;

    cur_skip(s, 1);
    while (cur_u8(s, &b)) { /* bounded by the line */
        if (b == '"') {
            out[n] = '\0';
            return n > 0;
        }
        if ((b == '\\' && !cur_u8(s, &b)) || is_ctl(b))
            break;
        if (n + 1 < size)
            out[n++] = (char)b;
    }
    out[0] = '\0';
    return false;
}

/* IMAP astring: atom or quoted string. A literal ({n}) carries the name on
 * the next line, which we do not follow. */
static bool imap_astring(struct cursor *s, char *out, size_t size)
{
    struct cursor atom;
    uint8_t first;

    if (!cur_peek_at(s, s->off, &first) || first == '{')
        return false;
    if (first == '"')
        return imap_quoted(s, out, size);
    span_split(s, ' ', &atom);
    return copy_name(&atom, out, size);
}

bool pop_imap_user(const uint8_t *p, size_t len, char *user, size_t userlen)
{
    struct cursor line, word1, word2, rest;

    if (userlen == 0)
        return false;
    user[0] = '\0';
    if (!first_line(p, len, MISC_MAX_LINE, &line) || !span_split(&line, ' ', &word1))
        return false;
    rest = line;
    /* IMAP first, so that a tag spelled "USER" never yields "LOGIN <pass>". */
    if (span_split(&rest, ' ', &word2) && span_eq_ci(&word2, "LOGIN"))
        return imap_astring(&rest, user, userlen);
    if (!span_eq_ci(&word1, "USER") && !span_eq_ci(&word1, "APOP"))
        return false;
    span_split(&line, ' ', &word2); /* the name ends at the first space */
    return copy_name(&word2, user, userlen);
}

/* True when s[0..end) ends with lit, case-insensitively. */
static bool ends_with_ci(const struct cursor *s, size_t end, const char *lit)
{
    size_t n = strlen(lit);
    uint8_t b;

    if (end < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!cur_peek_at(s, end - n + i, &b) || ascii_lower(b) != (uint8_t)lit[i])
            return false;
    return true;
}

bool telnet_login_prompt(const uint8_t *p, size_t len)
{
    struct cursor c = cur_make(p, len);
    size_t end = c.len;
    uint8_t b;

    while (end > 0 && cur_peek_at(&c, end - 1, &b) &&
           (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0))
        end--;
    if (ends_with_ci(&c, end, "last login:"))
        return false;
    return ends_with_ci(&c, end, "login:") || ends_with_ci(&c, end, "username:");
}

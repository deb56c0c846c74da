/* app_dns.c - DNS message decoder (RFC 1035; AAAA RFC 3596; EDNS OPT RFC 6891). */
#include "app_dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "copybuf.h"
#include "cursor.h"

#define DNS_HEADER_LEN    12
#define DNS_MAX_WIRE_NAME 255 /* RFC 1035 §2.3.4: octets of an uncompressed name */
#define DNS_MAX_LABEL     63
#define DNS_MIN_QUESTION  5  /* root name + QTYPE + QCLASS */
#define DNS_MIN_RR        11 /* root name + TYPE, CLASS, TTL, RDLENGTH */

/* Text written into a fixed buffer. Once a piece does not fit nothing more
 * is appended, so the text is always a clean prefix (never half an escape).
 * A NULL buffer discards everything (names we only need to skip). */
struct text_out {
    char *buf;
    size_t size;
    size_t len;
    bool full;
};

static struct text_out text_make(char *buf, size_t size)
{
    struct text_out o = {buf, size, 0, false};
    if (buf && size)
        buf[0] = '\0';
    return o;
}

static void text_put(struct text_out *o, const char *s, size_t n)
{
    if (!o->buf || o->full)
        return;
    if (o->len + n >= o->size) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* One byte of a label (in_label) or TXT string; see app_dns.h for the form. */
static void text_put_byte(struct text_out *o, uint8_t b, bool in_label)
{
    char s[5] = {'\\', (char)b, 0, 0, 0};

    if (b == '\\' || (in_label && b == '.'))
        text_put(o, s, 2);
    else if ((b > 0x20 && b < 0x7f) || (!in_label && b == ' '))
        text_put(o, s + 1, 1);
    else {
        snprintf(s, sizeof s, "\\x%02x", b);
        text_put(o, s, 4);
    }
}

/* ---- names (RFC 1035 §4.1.4) ---- */

/* State while reading one possibly compressed name. */
struct name_walk {
    struct cursor w; /* walks the message, jumping at pointers */
    size_t limit;    /* a pointer must land strictly before this offset */
    size_t resume;   /* where the name ends in place (after its first pointer) */
    unsigned jumps;
    unsigned labels;
    size_t wire;     /* octets of the uncompressed name so far */
};

/* Follows a pointer. Each target lies strictly before the name (or the
 * previous target), so a walk can never revisit a byte. */
static enum ps_result name_pointer(struct name_walk *nw, uint8_t first)
{
    uint8_t second;

    if (!cur_u8(&nw->w, &second))
        return PS_TRUNCATED;
    size_t target = ((size_t)(first & 0x3f) << 8) | second;
    if (target >= nw->limit || ++nw->jumps > PS_MAX_DNS_POINTERS)
        return PS_INVALID;
    if (nw->jumps == 1)
        nw->resume = nw->w.off;
    nw->limit = target;
    return cur_seek(&nw->w, target) ? PS_OK : PS_INVALID;
}

static enum ps_result name_label(struct name_walk *nw, uint8_t len, struct text_out *o)
{
    uint8_t label[DNS_MAX_LABEL];

    nw->wire += (size_t)len + 1;
    if (len > DNS_MAX_LABEL || ++nw->labels > PS_MAX_DNS_LABELS ||
        nw->wire > DNS_MAX_WIRE_NAME)
        return PS_INVALID;
    if (!cur_copy(&nw->w, label, len))
        return PS_TRUNCATED;
    if (nw->labels > 1)
        text_put(o, ".", 1);
    for (size_t i = 0; i < len; i++)
        text_put_byte(o, label[i], true);
    return PS_OK;
}

/* Reads the name at c's offset into o. On PS_OK c is past the name as stored
 * in place; otherwise c is unchanged. TRUNCATED when the bytes run out. */
static enum ps_result dns_name(struct cursor *c, struct text_out *o)
{
    struct name_walk nw = {.w = *c, .limit = c->off, .wire = 1};

    /* Every step eats a label or a pointer, both capped. */
    for (unsigned step = 0; step <= PS_MAX_DNS_LABELS + PS_MAX_DNS_POINTERS; step++) {
        uint8_t len;
        enum ps_result r;
        if (!cur_u8(&nw.w, &len))
            return PS_TRUNCATED;
        if (len == 0) {
            if (nw.labels == 0)
                text_put(o, ".", 1);
            cur_seek(c, nw.jumps ? nw.resume : nw.w.off);
            return PS_OK;
        }
        if ((len & 0xc0) == 0xc0)
            r = name_pointer(&nw, len);
        else if (len & 0xc0)
            r = PS_INVALID; /* 01/10: extended label types (RFC 6891 §5) */
        else
            r = name_label(&nw, len, o);
        if (r != PS_OK)
            return r;
    }
    return PS_INVALID;
}

/* ---- header and question ---- */

struct dns_head {
    uint16_t id, flags, qd, an, ns, ar;
};

static bool dns_read_head(struct cursor *c, struct dns_head *h)
{
    return cur_u16be(c, &h->id) && cur_u16be(c, &h->flags) && cur_u16be(c, &h->qd) &&
           cur_u16be(c, &h->an) && cur_u16be(c, &h->ns) && cur_u16be(c, &h->ar);
}

static void dns_fill_head(const struct dns_head *h, struct dns_msg *m)
{
    m->id = h->id;
    m->qr = (h->flags >> 15) & 1;
    m->opcode = (h->flags >> 11) & 0xf;
    m->aa = (h->flags >> 10) & 1;
    m->tc = (h->flags >> 9) & 1;
    m->rd = (h->flags >> 8) & 1;
    m->ra = (h->flags >> 7) & 1;
    m->rcode = h->flags & 0xf;
    m->qdcount = h->qd;
    m->ancount = h->an;
    m->nscount = h->ns;
    m->arcount = h->ar;
}

static enum ps_result dns_question(struct cursor *c, struct dns_msg *m, bool keep)
{
    struct text_out o = text_make(keep ? m->qname : NULL, sizeof m->qname);
    uint16_t type, class;
    enum ps_result r = dns_name(c, &o);

    if (r == PS_OK && !(cur_u16be(c, &type) && cur_u16be(c, &class)))
        r = PS_TRUNCATED;
    if (r != PS_OK) {
        if (keep)
            m->qname[0] = '\0';
        return r;
    }
    if (keep) {
        m->qtype = type;
        m->qclass = class;
    }
    return PS_OK;
}

static enum ps_result dns_questions(struct cursor *c, struct dns_msg *m)
{
    for (unsigned i = 0; i < m->qdcount && i < DNS_MAX_QUESTIONS; i++) {
        enum ps_result r = dns_question(c, m, i == 0);
        if (r != PS_OK)
            return r;
    }
    return m->qdcount > DNS_MAX_QUESTIONS ? PS_INVALID : PS_OK;
}

/* ---- resource records ---- */

static enum ps_result rdata_addr(struct cursor *rd, int af, size_t n, struct text_out *o)
{
    struct ps_addr a = {.family = af == AF_INET ? 4 : 6};
    char text[INET6_ADDRSTRLEN];

    if (cur_left(rd) != n || !cur_copy(rd, a.b, n))
        return PS_INVALID;
    ps_addr_format(&a, text, sizeof text); /* IPv4 without sprintf */
    text_put(o, text, strlen(text));
    return PS_OK;
}

/* A name that must fill the rest of the rdata exactly. */
static enum ps_result rdata_name(struct cursor *rd, struct text_out *o)
{
    enum ps_result r = dns_name(rd, o);
    if (r == PS_OK && cur_left(rd) != 0)
        r = PS_INVALID;
    return r;
}

/* First character-string of a TXT record (RFC 1035 §3.3.14). */
static enum ps_result rdata_txt(struct cursor *rd, struct text_out *o)
{
    uint8_t n, b;
    struct cursor s;

    if (cur_left(rd) == 0)
        return PS_OK; /* empty rdata: sent by some mDNS responders */
    if (!cur_u8(rd, &n) || !cur_sub(rd, n, &s))
        return PS_INVALID;
    while (cur_u8(&s, &b)) /* at most 255 steps */
        text_put_byte(o, b, false);
    return PS_OK;
}

/* Renders the rdata at c (rdlen bytes, known to be in the buffer). */
static enum ps_result dns_rdata(const struct cursor *c, uint16_t type, uint16_t rdlen,
                                struct dns_rr *rr)
{
    /* The message up to the end of this rdata: names inside may point back
     * anywhere earlier but cannot run past it. */
    struct cursor rd = cur_make(c->base, c->off + rdlen);
    struct text_out o = text_make(rr->data, sizeof rr->data);
    enum ps_result r = PS_OK;

    cur_seek(&rd, c->off);
    switch (type) {
    case DNS_TYPE_A:     r = rdata_addr(&rd, AF_INET, 4, &o); break;
    case DNS_TYPE_AAAA:  r = rdata_addr(&rd, AF_INET6, 16, &o); break;
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:   r = rdata_name(&rd, &o); break;
    case DNS_TYPE_MX:    r = cur_skip(&rd, 2) ? rdata_name(&rd, &o) : PS_INVALID; break;
    case DNS_TYPE_TXT:   r = rdata_txt(&rd, &o); break;
    default:             break; /* OPT, SOA, SRV, ...: skipped */
    }
    /* The whole rdata is present, so running out inside it is malformed. */
    return r == PS_TRUNCATED ? PS_INVALID : r;
}

static enum ps_result dns_record(struct cursor *c, struct dns_msg *m, bool is_answer)
{
    struct text_out skip = text_make(NULL, 0);
    uint16_t type, class, rdlen;
    uint32_t ttl;
    enum ps_result r = dns_name(c, &skip);

    if (r != PS_OK)
        return r;
    if (!(cur_u16be(c, &type) && cur_u16be(c, &class) && cur_u32be(c, &ttl) &&
          cur_u16be(c, &rdlen)) || cur_left(c) < rdlen)
        return PS_TRUNCATED;
    if (is_answer && m->nanswers < PS_MAX_DNS_RRS) {
        struct dns_rr *rr = &m->answers[m->nanswers];
        rr->data[0] = '\0';
        r = dns_rdata(c, type, rdlen, rr);
        if (r != PS_OK) {
            memset(rr, 0, sizeof *rr);
            return r;
        }
        rr->type = type;
        rr->ttl = ttl;
        m->nanswers++;
    }
    cur_skip(c, rdlen);
    return PS_OK;
}

static enum ps_result dns_records(struct cursor *c, struct dns_msg *m)
{
    size_t total = (size_t)m->ancount + m->nscount + m->arcount;

    for (size_t i = 0; i < total && i < DNS_MAX_RRS_WALKED; i++) {
        enum ps_result r = dns_record(c, m, i < m->ancount);
        if (r != PS_OK)
            return r;
    }
    return PS_OK;
}

enum ps_result dns_parse(const uint8_t *p, size_t len, struct dns_msg *m)
{
    struct cursor c = cur_make(p, len);
    struct dns_head h;
    enum ps_result r;

    /* the answers array is large: records are reset as they are filled */
    memset(m, 0, offsetof(struct dns_msg, answers));
    if (!dns_read_head(&c, &h))
        return PS_TRUNCATED;
    dns_fill_head(&h, m);
    r = dns_questions(&c, m);
    if (r == PS_OK)
        r = dns_records(&c, m);
    return r;
}

/* ---- detection heuristic ---- */

static bool dns_head_sane(const struct dns_head *h, size_t len)
{
    unsigned opcode = (h->flags >> 11) & 0xf, rcode = h->flags & 0xf;
    bool is_query = !(h->flags & 0x8000);
    size_t rrs = (size_t)h->an + h->ns + h->ar;

    if (opcode == 3 || opcode > 5 || (h->flags & 0x0040)) /* unassigned opcode, Z bit */
        return false;
    if (h->qd > 4 || (is_query && (h->qd == 0 || rcode != 0)) || rcode > 11)
        return false;
    if (h->qd + rrs == 0)
        return false;
    return DNS_HEADER_LEN + DNS_MIN_QUESTION * (size_t)h->qd + DNS_MIN_RR * rrs <= len;
}

bool dns_looks_like(const uint8_t *p, size_t len)
{
    struct cursor c = cur_make(p, len);
    struct text_out skip = text_make(NULL, 0);
    struct dns_head h;

    if (!dns_read_head(&c, &h) || !dns_head_sane(&h, len))
        return false;
    return h.qd == 0 || (dns_name(&c, &skip) == PS_OK && cur_skip(&c, 4));
}

/* ---- names of numbers ---- */

struct dns_type_name {
    uint16_t type;
    const char *name;
};

static const struct dns_type_name dns_types[] = {
    {1, "A"},         {2, "NS"},         {5, "CNAME"},     {6, "SOA"},      {10, "NULL"},
    {11, "WKS"},      {12, "PTR"},       {13, "HINFO"},    {14, "MINFO"},   {15, "MX"},
    {16, "TXT"},      {17, "RP"},        {18, "AFSDB"},    {24, "SIG"},     {25, "KEY"},
    {28, "AAAA"},     {29, "LOC"},       {33, "SRV"},      {35, "NAPTR"},   {36, "KX"},
    {37, "CERT"},     {39, "DNAME"},     {41, "OPT"},      {42, "APL"},     {43, "DS"},
    {44, "SSHFP"},    {45, "IPSECKEY"},  {46, "RRSIG"},    {47, "NSEC"},    {48, "DNSKEY"},
    {49, "DHCID"},    {50, "NSEC3"},     {51, "NSEC3PARAM"}, {52, "TLSA"},  {53, "SMIMEA"},
    {55, "HIP"},      {59, "CDS"},       {60, "CDNSKEY"},  {61, "OPENPGPKEY"}, {62, "CSYNC"},
    {63, "ZONEMD"},   {64, "SVCB"},      {65, "HTTPS"},    {99, "SPF"},     {249, "TKEY"},
    {250, "TSIG"},    {251, "IXFR"},     {252, "AXFR"},    {253, "MAILB"},  {254, "MAILA"},
    {255, "ANY"},     {256, "URI"},      {257, "CAA"},
};

const char *dns_qtype_name(uint16_t qtype)
{
    for (size_t i = 0; i < sizeof dns_types / sizeof dns_types[0]; i++)
        if (dns_types[i].type == qtype)
            return dns_types[i].name;
    return NULL;
}

const char *dns_rcode_name(uint8_t rcode)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",  "NOTZONE", "DSOTYPENI",
    };
    return rcode < sizeof names / sizeof names[0] ? names[rcode] : NULL;
}

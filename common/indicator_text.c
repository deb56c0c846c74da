/* indicator_text.c - CSV splitting and header recognition for indicator
 * imports (RFC 4180 quoting, one record per line). */
#include "indicator_text.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Splits a CSV line in place (quotes honoured, no embedded newlines). */
int csv_split(char *line, char **cols, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *start = p, *w = p;
        if (*p == '"') {
            start = w = ++p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            while (*p && *p != ',')
                p++;
        } else {
            while (*p && *p != ',')
                w = ++p;
        }
        char *next = *p == ',' ? p + 1 : NULL;
        *w = '\0';
        while (w > start && isspace((unsigned char)w[-1]))
            *--w = '\0';
        cols[n++] = start;
        if (!next)
            break;
        p = next;
    }
    return n;
}

int value_column(char **cols, int n)
{
    static const char *const names[] = {"value", "indicator", "ioc", "ip", "address", "domain",
                                        "host", "network", "cidr"};
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strcasecmp(cols[i], names[k]) == 0)
                return i;
    return -1;
}

static int put(struct text_array *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 65536;
        while (c < b->len + n + 1)
            c *= 2;
        char *d = realloc(b->data, c);
        if (!d)
            return -1;
        b->data = d;
        b->cap = c;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int text_array_add(struct text_array *b, const char *v)
{
    if (put(b, b->n ? ",\"" : "{\"", 2) < 0)
        return -1;
    for (; *v; v++) {
        if ((*v == '"' || *v == '\\') && put(b, "\\", 1) < 0)
            return -1;
        if (put(b, v, 1) < 0)
            return -1;
    }
    b->n++;
    return put(b, "\"", 1);
}

int text_array_close(struct text_array *b) { return put(b, "}", 1); }

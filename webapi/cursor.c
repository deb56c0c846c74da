/* cursor.c - opaque page cursors: base64url (RFC 4648 section 5, no
 * padding) of {"l": list, "s": sort, "o": order, "k": [key texts]}. The
 * keys reach SQL only as parameters, so a forged cursor can at most select
 * another page of the same list. */
#include "list.h"

#include <stdlib.h>
#include <string.h>

#define CURSOR_MAX_TEXT 2048 /* encoded length accepted */
#define CURSOR_MAX_KEY 512   /* bytes of one key */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64_encode(const unsigned char *in, size_t len)
{
    char *out = malloc(len / 3 * 4 + 5);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = b64[v >> 6 & 63];
        if (i + 2 < len)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
    return out;
}

/* Decodes into out (room for len*3/4+1); returns the length or -1. */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    unsigned v = 0;
    int bits = 0;
    long o = 0;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        const char *p = memchr(b64, in[i], 64);
        if (!p || !in[i])
            return -1;
        v = v << 6 | (unsigned)(p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits & 0xff);
        }
    }
    return o;
}

char *cursor_encode(const char *list, const char *sort, const char *order,
                    const char *const *keys, int nkeys)
{
    json_t *k = json_array();
    for (int i = 0; k && i < nkeys; i++)
        json_array_append_new(k, json_string(keys[i]));
    json_t *c = json_pack("{s:s, s:s, s:s, s:o}", "l", list, "s", sort, "o", order, "k", k);
    char *text = c ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(c);
    char *out = text ? b64_encode((const unsigned char *)text, strlen(text)) : NULL;
    free(text);
    return out;
}

static int field_is(json_t *c, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(c, key));
    return v && strcmp(v, want) == 0;
}

int cursor_decode(const char *text, const char *list, const char *sort, const char *order,
                  char **keys, int nkeys)
{
    size_t len = strlen(text);
    if (len == 0 || len > CURSOR_MAX_TEXT)
        return -1;
    unsigned char buf[CURSOR_MAX_TEXT];
    long n = b64_decode(text, len, buf);
    json_t *c = n > 0 ? json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL)
                      : NULL;
    json_t *k = json_object_get(c, "k");
    int ok = c && json_object_size(c) == 4 && field_is(c, "l", list) && field_is(c, "s", sort) &&
             field_is(c, "o", order) && json_is_array(k) && (int)json_array_size(k) == nkeys;
    for (int i = 0; ok && i < nkeys; i++) {
        json_t *v = json_array_get(k, i);
        ok = json_is_string(v) && json_string_length(v) <= CURSOR_MAX_KEY &&
             strlen(json_string_value(v)) == json_string_length(v);
        if (ok && !(keys[i] = strdup(json_string_value(v))))
            ok = 0;
    }
    json_decref(c);
    if (!ok) {
        for (int i = 0; i < nkeys; i++) {
            free(keys[i]);
            keys[i] = NULL;
        }
    }
    return ok ? 0 : -1;
}

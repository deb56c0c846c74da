/* strutil.h - bounded string copies for hot paths (snprintf("%s") costs a
 * format parse per call). */
#ifndef PS_STRUTIL_H
#define PS_STRUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copies at most size-1 bytes of src and terminates; size 0 writes nothing.
 * Returns dst. */
static inline char *ps_strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return dst;
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

/* Writes v in decimal at p (no terminator); returns the end. At most 20
 * bytes are written. */
static inline char *ps_put_u64(char *p, uint64_t v)
{
    char rev[20];
    int n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = rev[--n];
    return p;
}

/* Appends s (NUL-terminated) at p; returns the end. */
static inline char *ps_put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

#endif

/* cursor.h - bounds-checked reads of packet bytes (STYLE rule 1).
 *
 * A cursor borrows the bytes it walks; it never owns or copies them. Every
 * read either succeeds and advances, or fails (returns false) and leaves the
 * cursor unchanged. Nothing outside this header indexes packet memory. */
#ifndef PS_CURSOR_H
#define PS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const uint8_t *base; /* start of the buffer (for backward DNS pointers) */
    size_t len;          /* bytes in the buffer */
    size_t off;          /* next byte to read */
};

static inline struct cursor cur_make(const uint8_t *p, size_t len)
{
    struct cursor c = {p, p ? len : 0, 0};
    return c;
}

static inline size_t cur_left(const struct cursor *c) { return c->len - c->off; }
static inline const uint8_t *cur_ptr(const struct cursor *c) { return c->base + c->off; }

static inline bool cur_skip(struct cursor *c, size_t n)
{
    if (cur_left(c) < n)
        return false;
    c->off += n;
    return true;
}

static inline bool cur_u8(struct cursor *c, uint8_t *v)
{
    if (cur_left(c) < 1)
        return false;
    *v = c->base[c->off++];
    return true;
}

static inline bool cur_u16be(struct cursor *c, uint16_t *v)
{
    if (cur_left(c) < 2)
        return false;
    const uint8_t *p = c->base + c->off;
    *v = (uint16_t)((p[0] << 8) | p[1]);
    c->off += 2;
    return true;
}

static inline bool cur_u16le(struct cursor *c, uint16_t *v)
{
    if (cur_left(c) < 2)
        return false;
    const uint8_t *p = c->base + c->off;
    *v = (uint16_t)((p[1] << 8) | p[0]);
    c->off += 2;
    return true;
}

static inline bool cur_u24be(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 3)
        return false;
    const uint8_t *p = c->base + c->off;
    *v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    c->off += 3;
    return true;
}

static inline bool cur_u32be(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 4)
        return false;
    const uint8_t *p = c->base + c->off;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    c->off += 4;
    return true;
}

static inline bool cur_u32le(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 4)
        return false;
    const uint8_t *p = c->base + c->off;
    *v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    c->off += 4;
    return true;
}

/* Copies n bytes out; fails without copying when fewer remain. */
static inline bool cur_copy(struct cursor *c, void *dst, size_t n)
{
    if (cur_left(c) < n)
        return false;
    memcpy(dst, c->base + c->off, n);
    c->off += n;
    return true;
}

/* Borrows n bytes as a sub-cursor (its own offset 0) and advances past them. */
static inline bool cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
    if (cur_left(c) < n)
        return false;
    *sub = cur_make(c->base + c->off, n);
    c->off += n;
    return true;
}

/* Reads the byte at absolute offset pos without moving (for lookahead). */
static inline bool cur_peek_at(const struct cursor *c, size_t pos, uint8_t *v)
{
    if (pos >= c->len)
        return false;
    *v = c->base[pos];
    return true;
}

/* Where the first byte equal to v lies, counted from the current position,
 * among the next max bytes (fewer when fewer are left): true with *at set,
 * false when none of them is v. Does not move. */
static inline bool cur_find(const struct cursor *c, uint8_t v, size_t max, size_t *at)
{
    size_t n = cur_left(c) < max ? cur_left(c) : max;
    const uint8_t *p = n ? memchr(c->base + c->off, v, n) : NULL;
    if (!p)
        return false;
    *at = (size_t)(p - (c->base + c->off));
    return true;
}

/* Moves to an absolute offset inside the buffer. */
static inline bool cur_seek(struct cursor *c, size_t pos)
{
    if (pos > c->len)
        return false;
    c->off = pos;
    return true;
}

#endif

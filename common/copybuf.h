/* copybuf.h - building rows for PostgreSQL COPY ... FROM STDIN (text format).
 *
 * A copybuf owns a growable byte buffer of complete rows. Field writers
 * escape backslash, tab, newline and carriage return; NULL is \N. */
#ifndef PS_COPYBUF_H
#define PS_COPYBUF_H

#include "packet.h"

#include <stddef.h>
#include <stdint.h>

struct copybuf {
    char *data;
    size_t len, cap;
    size_t rows;
    int fields;     /* fields written in the current row */
    int oom;        /* an allocation failed: the buffer is unusable */
    int64_t min_ts, max_ts; /* µs range of the rows (for partitions) */
    int binary;     /* rows are in binary COPY format (copyb_row was used) */
};

void copybuf_init(struct copybuf *b);
void copybuf_free(struct copybuf *b);
void copybuf_reset(struct copybuf *b);

void copy_null(struct copybuf *b);
void copy_text(struct copybuf *b, const char *s);          /* NULL -> \N */
void copy_textn(struct copybuf *b, const char *s, size_t n);
void copy_i64(struct copybuf *b, int64_t v);
void copy_u64(struct copybuf *b, uint64_t v);
void copy_double(struct copybuf *b, double v);
void copy_bool(struct copybuf *b, int v);
void copy_ts(struct copybuf *b, int64_t ts_us);             /* timestamptz, UTC */
void copy_inet(struct copybuf *b, const struct ps_addr *a); /* family 0 -> \N */
/* text[] literal from n strings */
void copy_text_array(struct copybuf *b, const char *const *items, size_t n);
void copy_end_row(struct copybuf *b);

/* Binary COPY (COPY ... WITH (FORMAT binary); PostgreSQL docs, "COPY:
 * Binary Format"): the same kind of buffer, rows only; whoever ships it
 * sends copyb_header first and copyb_trailer last. Each row starts with
 * copyb_row(nfields) and has exactly that many fields, each of the column's
 * own type (int2/int4/int8 widths matter). Text is sanitised as copy_text
 * does (NUL and invalid UTF-8 become the four characters \xHH), so a value
 * is stored the same in either format. */
#define COPYB_HEADER_LEN 19
extern const char copyb_header[COPYB_HEADER_LEN];
extern const char copyb_trailer[2];
void copyb_row(struct copybuf *b, int nfields);
void copyb_null(struct copybuf *b);
void copyb_i16(struct copybuf *b, int16_t v);
void copyb_i32(struct copybuf *b, int32_t v);
void copyb_i64(struct copybuf *b, int64_t v);
void copyb_ts(struct copybuf *b, int64_t ts_us);             /* timestamptz */
void copyb_text(struct copybuf *b, const char *s);          /* NULL -> NULL */
void copyb_inet(struct copybuf *b, const struct ps_addr *a); /* family 0 -> NULL */
void copyb_end_row(struct copybuf *b);

/* Formats an address the way PostgreSQL's inet prints it. */
void ps_addr_format(const struct ps_addr *a, char *out, size_t outlen);

#endif

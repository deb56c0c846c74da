/* indicator_text.h - reading indicator lists from text or CSV lines, shared
 * by `captured --import-indicators` and POST /api/indicators/import. */
#ifndef PS_INDICATOR_TEXT_H
#define PS_INDICATOR_TEXT_H

#include <stddef.h>

/* Splits a CSV line in place (quotes honoured, no embedded newlines) into at
 * most max columns; returns how many. The columns borrow the line. */
int csv_split(char *line, char **cols, int max);
/* The column of a header row that holds the values (value, indicator, ioc,
 * ip, address, domain, host, network, cidr; case-insensitive), or -1. */
int value_column(char **cols, int n);

/* A text[] literal built value by value ("{\"a\",\"b\"}", with " and \
 * escaped), sent as one parameter. data is owned; free() it. */
struct text_array {
    char *data;
    size_t len, cap;
    int n; /* values added */
};

/* Appends one value; 0, or -1 when out of memory. */
int text_array_add(struct text_array *b, const char *v);
/* Closes the literal with '}' (after at least one value). 0 or -1. */
int text_array_close(struct text_array *b);

#endif

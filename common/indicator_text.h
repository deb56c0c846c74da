/* indicator_text.h - reading indicator lists from text or CSV lines, shared
 * by `captured --import-indicators` and POST /api/indicators/import. */
#ifndef PS_INDICATOR_TEXT_H
#define PS_INDICATOR_TEXT_H

/* Splits a CSV line in place (quotes honoured, no embedded newlines) into at
 * most max columns; returns how many. The columns borrow the line. */
int csv_split(char *line, char **cols, int max);
/* The column of a header row that holds the values (value, indicator, ioc,
 * ip, address, domain, host, network, cidr; case-insensitive), or -1. */
int value_column(char **cols, int n);

#endif

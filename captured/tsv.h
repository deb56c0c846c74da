/* tsv.h - --no-db --tsv KIND: rows printed as tab-separated lines with a
 * header (Zeek-like column names), for quick looks and golden tests. */
#ifndef PS_TSV_H
#define PS_TSV_H

#include "pipeline.h"

#include <stdio.h>

enum tsv_kind { TSV_NONE = 0, TSV_FLOWS, TSV_DNS, TSV_HTTP, TSV_TLS, TSV_PACKETS };

/* Returns TSV_NONE for an unknown name. */
enum tsv_kind tsv_kind_from(const char *name);
/* out is borrowed for the sink's lifetime; the header is printed at once. */
struct ps_sink tsv_sink(enum tsv_kind kind, FILE *out, struct ps_sink chain);

#endif

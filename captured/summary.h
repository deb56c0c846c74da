/* summary.h - the --no-db --json view of a capture: totals, protocol mix,
 * services and top talkers, built from the pipeline's sinks. */
#ifndef PS_SUMMARY_H
#define PS_SUMMARY_H

#include "pipeline.h"

#include <stdio.h>

struct summary;

struct summary *summary_new(void);
void summary_free(struct summary *s);
struct ps_sink summary_sink(struct summary *s);
/* Prints the JSON document (one object) for the finished pipeline. */
void summary_print_json(FILE *out, const struct summary *s, const char *path,
                        const struct ps_pipeline *p, double elapsed_s);

#endif

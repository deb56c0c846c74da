/* sqlq.h - a parameterised SQL statement assembled from constant fragments.
 * Request values never enter the SQL text: sqlq_addv() stores the value as
 * a parameter and writes its number where the fragment says "$?". */
#ifndef PS_WEBAPI_SQLQ_H
#define PS_WEBAPI_SQLQ_H

#include <stddef.h>

#define SQLQ_MAX_PARAMS 32

struct sqlq {
    char *sql;  /* NUL-terminated; owned */
    size_t len, cap;
    int failed; /* out of memory or too many parameters: do not run */
    int nparams;
    char *params[SQLQ_MAX_PARAMS]; /* owned copies; NULL is SQL NULL */
};

void sqlq_init(struct sqlq *q);
void sqlq_free(struct sqlq *q);

/* Appends constant SQL text (never request data). */
void sqlq_add(struct sqlq *q, const char *sql);

/* Appends fragment with every "$?" replaced by the number of a new parameter
 * holding a copy of value (NULL for SQL NULL). Returns the parameter number. */
int sqlq_addv(struct sqlq *q, const char *fragment, const char *value);

/* Same with an integer value. */
int sqlq_addi(struct sqlq *q, const char *fragment, long long value);

/* The parameters as libpq wants them. */
const char *const *sqlq_params(const struct sqlq *q);

#endif

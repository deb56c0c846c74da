/* sqlq.c - growing SQL text plus its parameter list. */
#include "sqlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sqlq_init(struct sqlq *q)
{
    memset(q, 0, sizeof *q);
}

void sqlq_free(struct sqlq *q)
{
    free(q->sql);
    for (int i = 0; i < q->nparams; i++)
        free(q->params[i]);
    memset(q, 0, sizeof *q);
}

static void append(struct sqlq *q, const char *s, size_t n)
{
    if (q->failed)
        return;
    if (q->len + n + 1 > q->cap) {
        size_t cap = q->cap ? q->cap : 1024;
        while (cap < q->len + n + 1)
            cap *= 2;
        char *grown = realloc(q->sql, cap);
        if (!grown) {
            q->failed = 1;
            return;
        }
        q->sql = grown;
        q->cap = cap;
    }
    memcpy(q->sql + q->len, s, n);
    q->len += n;
    q->sql[q->len] = '\0';
}

void sqlq_add(struct sqlq *q, const char *sql)
{
    append(q, sql, strlen(sql));
}

int sqlq_addv(struct sqlq *q, const char *fragment, const char *value)
{
    if (q->nparams >= SQLQ_MAX_PARAMS) {
        q->failed = 1;
        return 0;
    }
    char *copy = NULL;
    if (value && !(copy = strdup(value))) {
        q->failed = 1;
        return 0;
    }
    int num = ++q->nparams;
    q->params[num - 1] = copy;
    char ref[16];
    int reflen = snprintf(ref, sizeof ref, "$%d", num);
    for (const char *p = fragment; *p;) {
        const char *hole = strstr(p, "$?");
        size_t n = hole ? (size_t)(hole - p) : strlen(p);
        append(q, p, n);
        if (!hole)
            break;
        append(q, ref, (size_t)reflen);
        p = hole + 2;
    }
    return num;
}

int sqlq_addi(struct sqlq *q, const char *fragment, long long value)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", value);
    return sqlq_addv(q, fragment, v);
}

const char *const *sqlq_params(const struct sqlq *q)
{
    return (const char *const *)q->params;
}

/* indicators.c - captured --import-indicators FILE [--list NAME]: a plain
 * text or CSV list of addresses, networks and domains into a named
 * indicator list, through the SQL function ps_indicators_add (which
 * validates and normalises every value) in batches, in one transaction. */
#include "indicator_text.h"
#include "alerts.h"

#include "db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMPORT_BATCH 5000      /* values per ps_indicators_add call */
#define IMPORT_MAX_LINE 4096   /* longer lines are skipped */
#define IMPORT_MAX_COLUMNS 64

static int send_batch(PGconn *db, struct text_array *b, const char *list, const char *source,
                      long *added, long *rejected, char *err, size_t errlen)
{
    if (b->n == 0)
        return 0;
    if (text_array_close(b) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *params[3] = {list, b->data, source};
    PGresult *r = PQexecParams(db,
                               "SELECT added, coalesce(array_length(rejected, 1), 0),"
                               " array_to_string(rejected[1:3], ', ')"
                               " FROM ps_indicators_add($1, $2::text[], $3)",
                               3, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        *added += atol(PQgetvalue(r, 0, 0));
        long rej = atol(PQgetvalue(r, 0, 1));
        if (rej && *rejected == 0)
            fprintf(stderr, "captured: not an address, network or domain: %s%s\n",
                    PQgetvalue(r, 0, 2), rej > 3 ? ", ..." : "");
        *rejected += rej;
    } else {
        snprintf(err, errlen, "importing indicators: %s", PQerrorMessage(db));
    }
    PQclear(r);
    b->len = 0;
    b->n = 0;
    return ok ? 0 : -1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Reads the file into batches; 0, 1 database error, 2 bad input. */
static int import_file(PGconn *db, FILE *f, const char *list, const char *source, long *added,
                       long *rejected, char *err, size_t errlen)
{
    struct text_array b = {0};
    char line[IMPORT_MAX_LINE];
    long lineno = 0;
    int col = -1, csv = -1, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        if (line[n] == '\0' && !feof(f)) { /* longer than the buffer: skip it */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            fprintf(stderr, "captured: line %ld longer than %d bytes: skipped\n", lineno,
                    IMPORT_MAX_LINE);
            continue;
        }
        line[n] = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || *s == '#' || (*s == '/' && s[1] == '/'))
            continue;
        char *cols[IMPORT_MAX_COLUMNS];
        if (csv < 0) { /* first data line decides: a comma means CSV */
            csv = strchr(s, ',') != NULL;
            if (csv) {
                int nc = csv_split(s, cols, IMPORT_MAX_COLUMNS);
                col = value_column(cols, nc);
                if (col >= 0)
                    continue; /* a header line */
                col = 0;
            }
        }
        const char *v = s;
        if (csv) {
            int nc = csv_split(s, cols, IMPORT_MAX_COLUMNS);
            if (col >= nc)
                continue;
            v = cols[col];
        } else {
            char *sp = s + strcspn(s, " \t#;"); /* "value  # comment" */
            *sp = '\0';
        }
        if (!*v)
            continue;
        if (text_array_add(&b, v) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = 1;
        } else if (b.n >= IMPORT_BATCH &&
                   send_batch(db, &b, list, source, added, rejected, err, errlen) < 0) {
            rc = 1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "reading the file failed at line %ld", lineno);
        rc = 2;
    }
    if (rc == 0 && send_batch(db, &b, list, source, added, rejected, err, errlen) < 0)
        rc = 1;
    free(b.data);
    return rc;
}

int cmd_import_indicators(const struct options *o)
{
    char err[PS_ERRBUF] = "";
    const char *list = o->import_list ? o->import_list : "default";
    if (!o->db[0]) {
        fprintf(stderr, "captured: no database: give --db or set PACKETSIGHT_DB\n");
        return 2;
    }
    FILE *f = fopen(o->import_path, "r");
    if (!f) {
        fprintf(stderr, "captured: %s: cannot open\n", o->import_path);
        return 2;
    }
    PGconn *db = ps_db_connect(o->db, err, sizeof err);
    if (!db || ps_db_check_schema(db, err, sizeof err) < 0) {
        fprintf(stderr, "captured: %s\n", err);
        PQfinish(db);
        fclose(f);
        return 1;
    }
    long added = 0, rejected = 0;
    char rb[PS_ERRBUF];
    int rc = ps_db_exec(db, "BEGIN", "BEGIN", err, sizeof err) < 0 ? 1 : 0;
    if (rc == 0)
        rc = import_file(db, f, list, base_name(o->import_path), &added, &rejected, err,
                         sizeof err);
    if (rc == 0 && ps_db_exec(db, "COMMIT", "COMMIT", err, sizeof err) < 0)
        rc = 1;
    if (rc) {
        ps_db_exec(db, "ROLLBACK", "ROLLBACK", rb, sizeof rb); /* err keeps the cause */
        fprintf(stderr, "captured: %s: %s\n", o->import_path, err);
    } else {
        printf("list=%s added=%ld rejected=%ld file=%s\n", list, added, rejected,
               o->import_path);
    }
    fclose(f);
    PQfinish(db);
    return rc;
}

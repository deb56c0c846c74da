/* log.c - one line per event, safe from several threads. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int journal;
static int max_level = LOG_INFO_;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void log_init(int verbose)
{
    journal = getenv("JOURNAL_STREAM") != NULL;
    max_level = verbose ? LOG_DEBUG_ : LOG_INFO_;
}

void log_after_fork(void) { pthread_mutex_init(&lock, NULL); }

static const char *level_name(enum log_level l)
{
    switch (l) {
    case LOG_ERR_: return "error";
    case LOG_WARN_: return "warning";
    case LOG_INFO_: return "info";
    default: return "debug";
    }
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if ((int)lvl > max_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) /* one event, one line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    pthread_mutex_lock(&lock);
    if (journal) {
        fprintf(stderr, "<%d>%s\n", (int)lvl, msg);
    } else {
        char ts[32];
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ captured[%d] %s: %s\n", ts, now.tv_nsec / 1000000,
                (int)getpid(), level_name(lvl), msg);
    }
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

/* shipper.c - a bounded producer/consumer queue in front of batch_ship(). */
#include "shipper.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct shipper {
    PGconn *db;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch *head, *tail;
    int queued, max_queued, done, failed;
    char err[512];
};

static void *ship_main(void *arg)
{
    struct shipper *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->done)
            pthread_cond_wait(&s->cv, &s->mu);
        struct batch *b = s->head;
        if (!b)
            break;
        s->head = b->next;
        if (!s->head)
            s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        char err[512];
        int rc = s->failed ? 0 : batch_ship(s->db, b, err, sizeof err);
        batch_free_bufs(b);
        free(b);
        pthread_mutex_lock(&s->mu);
        if (rc < 0 && !s->failed) {
            s->failed = 1;
            snprintf(s->err, sizeof s->err, "%s", err);
        }
        s->queued--;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct shipper *shipper_start(PGconn *db, int max_queued)
{
    struct shipper *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->db = db;
    s->max_queued = max_queued > 0 ? max_queued : 1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->th, NULL, ship_main, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

int shipper_put(struct shipper *s, struct batch *b)
{
    struct batch *copy = malloc(sizeof *copy);
    if (!copy) {
        batch_free_bufs(b);
        return -1;
    }
    *copy = *b;
    copy->next = NULL;
    batch_init(b);
    pthread_mutex_lock(&s->mu);
    while (s->queued >= s->max_queued && !s->failed)
        pthread_cond_wait(&s->cv, &s->mu);
    /* queued even after a failure: the thread frees it without shipping */
    if (s->tail)
        s->tail->next = copy;
    else
        s->head = copy;
    s->tail = copy;
    s->queued++;
    int failed = s->failed;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return failed ? -1 : 0;
}

int shipper_finish(struct shipper *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    int failed = s->failed;
    if (failed)
        snprintf(err, errlen, "%s", s->err);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
    return failed ? -1 : 0;
}

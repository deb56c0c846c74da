/* users.h - account changes shared by the API and the command line. */
#ifndef PS_WEBAPI_USERS_H
#define PS_WEBAPI_USERS_H

#include "webdb.h"

/* Creates user `name` or resets it: sets role and password hash, enables
 * it, ends its sessions and clears its failed-login lock. Returns its id,
 * or -1 (*st says why). */
long long users_set(struct webdb *db, const char *name, const char *role, const char *hash,
                    enum webdb_status *st);

/* Creates an API token; writes the token (shown once) to out (outlen >= 48)
 * and returns its id, or -1. expires_days 0: never expires. created_by 0:
 * none (the command line). */
long long tokens_create(struct webdb *db, const char *name, const char *role, int expires_days,
                        long long created_by, char *out, size_t outlen, char *expires_at,
                        size_t exlen, enum webdb_status *st);

#endif

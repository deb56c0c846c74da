/* privs.h - least privilege: the daemon keeps only CAP_NET_RAW (live
 * capture) under its own user; job workers, which parse untrusted files,
 * keep no capability at all. Both set no_new_privs. */
#ifndef PS_PRIVS_H
#define PS_PRIVS_H

#include <stddef.h>

/* As root: switch to user (keeping CAP_NET_RAW). Not root: drop every
 * capability but CAP_NET_RAW. Then no_new_privs. 0 or -1 (err filled). */
int privs_drop_to_capture(const char *user, char *err, size_t errlen);
/* Drops every capability (and, as root, switches to user). 0 or -1. */
int privs_drop_all(const char *user, char *err, size_t errlen);

#endif

/* commands.h - captured's sub-commands; each returns the process exit code. */
#ifndef PS_CAPTURED_COMMANDS_H
#define PS_CAPTURED_COMMANDS_H

#include "options.h"

int cmd_read(const struct options *o);
int cmd_migrate(const struct options *o);
int cmd_check_schema(const struct options *o);
int cmd_daemon(struct options *o, int argc, char **argv);

/* sha256 of a file as 64 hex characters; -1 when unreadable. */
int file_sha256(const char *path, char out[65]);

#endif

/* weblog.h - webapi's diagnostics: one line per event on stderr (or the
 * --log file), "2024-05-01T12:00:00Z webapi[PID]: message". To be replaced by
 * common/'s logger once it exists. */
#ifndef PS_WEBAPI_WEBLOG_H
#define PS_WEBAPI_WEBLOG_H

/* printf-style; trailing newlines in the message are dropped, one is added. */
void weblog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Points stderr (fd 2) at `path`, appending, creating it 0640. Returns 0, or
 * -1 with errno set and stderr unchanged. */
int weblog_to_file(const char *path);

#endif

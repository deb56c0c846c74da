/* log.h - captured's log lines on stderr: journald priority prefixes
 * ("<3>...") when stderr is the journal, else "TIME captured[PID] LEVEL: ...". */
#ifndef PS_LOG_H
#define PS_LOG_H

enum log_level { LOG_ERR_ = 3, LOG_WARN_ = 4, LOG_INFO_ = 6, LOG_DEBUG_ = 7 };

void log_init(int verbose);
/* In a child after fork(): the lock may have been held by another thread. */
void log_after_fork(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERR_, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN_, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO_, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG_, __VA_ARGS__)

#endif

/* sdnotify.h - systemd's notification protocol (sd_notify(3)) without
 * libsystemd: a datagram to $NOTIFY_SOCKET. No-op when it is unset. */
#ifndef PS_SDNOTIFY_H
#define PS_SDNOTIFY_H

void sd_notify_msg(const char *msg);

#endif

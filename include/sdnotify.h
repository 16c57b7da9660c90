/* sdnotify: readiness, reload, stop and status datagrams to the service manager ($NOTIFY_SOCKET).
 */
#ifndef VXTAP_SDNOTIFY_H
#define VXTAP_SDNOTIFY_H

#include "sdproto.h"

struct sdnotify;

/*
 * Read $NOTIFY_SOCKET, open a datagram socket for it, and unset the variable
 * so that nothing vxtap may run inherits it. Returns NULL when it is not set
 * (not run by a service manager) or cannot be used (logged once): every
 * function below takes NULL and then does nothing. Call before privileges
 * are dropped.
 */
struct sdnotify *sdnotify_open(void);

/* READY=1 with the STATUS line for st: call once the TAP is up and the
 * sockets are bound (with etcd: once the lease is held), and after a reload. */
void sdnotify_ready(struct sdnotify *n, const struct sdproto_status *st);

/* STATUS only: call when what st tells changes (the peer count). */
void sdnotify_status(struct sdnotify *n, const struct sdproto_status *st);

/* RELOADING=1: call before re-reading configuration on SIGHUP; follow it
 * with sdnotify_ready() when done, whether the reload worked or not. */
void sdnotify_reloading(struct sdnotify *n);

/* STOPPING=1: call once, as shutdown begins. */
void sdnotify_stopping(struct sdnotify *n);

/* Close the socket and free n. NULL is fine. */
void sdnotify_close(struct sdnotify *n);

#endif

/* ctl: the control socket and its clients. */
#ifndef VXTAP_CTL_H
#define VXTAP_CTL_H

#include <stdbool.h>

#include "ctlexec.h"

struct vxtap;
struct ctl;

#define CTL_MAX_CLIENTS 64			/* more are told "error: too many clients" */
#define CTL_INBUF	(4 * CTLPROTO_LINE_MAX) /* unparsed input per client */
#define CTL_OUT_SOFT	(256 * 1024)		/* a client's lines wait while more is unsent */
#define CTL_OUT_MAX	(64 * 1024 * 1024)	/* a client whose unsent output passes this goes */
#define CTL_IDLE_S	60.0			/* a client with no progress for this long goes */

struct ctl_conf {
	const char *path;  /* the socket */
	bool rmdir_parent; /* remove the socket's directory at exit if empty */
	struct ctlproto_net net;
};

/* Bind and listen on cc->path: its directory is created (0755) if missing, a
 * socket left by a dead daemon replaced, and one a running daemon answers on
 * is fatal. The socket is 0600. Call before the TAP is created. Dies on
 * failure; the socket is removed at exit, fatal exits included. */
struct ctl *ctl_open(struct vxtap *vx, const struct ctl_conf *cc);

/* The socket's path. */
const char *ctl_path(const struct ctl *ctl);

/* Start accepting clients on vx->loop (after loop_init). NULL is fine. */
void ctl_start(struct ctl *ctl);

/* Close every client and the socket and remove it. NULL is fine. */
void ctl_free(struct ctl *ctl);

#endif

/* reload: what SIGHUP re-reads: the peers file (applied as a difference) and, in secure mode,
 * the key file; "key load" from the control socket lands here too. */
#ifndef VXTAP_RELOAD_H
#define VXTAP_RELOAD_H

#include <stddef.h>
#include <sys/types.h>

#include "ctlproto.h"

struct vxtap;
struct reload;

struct reload_conf {
	const char *peers_file; /* NULL: none */
	const char *key_file;	/* NULL: plain mode */
	uid_t key_owner;	/* who besides root may own key files (keyfile_read) */
	struct ctlproto_net net;
};

/* Remember what to re-read. Dies when out of memory. */
struct reload *reload_new(struct vxtap *vx, const struct reload_conf *rc);

/* Read the peers file (if any) into the tables at start-up. Dies naming the
 * file, line and problem on any error. */
void reload_load(struct reload *r);

/* Handle SIGHUP on vx->loop from now on. */
void reload_start(struct reload *r);

/* Move to the private key in path (NULL: the key file again): every
 * session is renegotiated under it at once (sessions of the old key carry
 * data until then), and path becomes the key file SIGHUP re-reads. Returns
 * 0, or -1 with the problem in err (the running key and file are kept). */
int reload_key(struct reload *r, const char *path, char *err, size_t errlen);

void reload_free(struct reload *r);

#endif

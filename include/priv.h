/* priv: giving up root for --user once the daemon is set up. */
#ifndef VXTAP_PRIV_H
#define VXTAP_PRIV_H

#include <sys/types.h>

struct conf;

/*
 * Become user c->user (nothing to do when NULL): its supplementary groups
 * (initgroups), then its group, then its uid, each real, effective and
 * saved, and check that root cannot be had back. Call once every privileged
 * set-up is done (TAP, addresses, sockets) and before the loop runs: what
 * happens later needs no privilege (the descriptors are open), except
 * re-reading --peers-file on SIGHUP, which the user must be able to read
 * (checked here), re-reading --key-file for a key reload (a warning here
 * when it cannot), and removing the control socket at exit, which needs
 * write access to its directory (told here when missing: the socket then
 * stays, and the next start replaces it). Dies (exit 1) naming the user
 * when it does not exist or any step fails.
 */
void priv_drop(const struct conf *c);

/* The uid the daemon runs as once set up: --user's (dies naming it when
 * there is no such user), else its own. Key files may belong to it. */
uid_t priv_run_uid(const struct conf *c);

#endif

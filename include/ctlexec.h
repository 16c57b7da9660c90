/* ctlexec: the daemon's side of the control protocol: requests carried out on the tables through
 * the change API, and their answers. */
#ifndef VXTAP_CTLEXEC_H
#define VXTAP_CTLEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"

struct dp;
struct counters_snap;
struct crypto_peer_info;

/* What a request runs against. Every hook may be NULL. */
struct ctlexec_env {
	struct dp *dp;
	struct ctlproto_net net; /* what request addresses are checked against */
	const char *dev;	 /* the device, a label in Prometheus output */
	/* after a request changed a table (for the log) */
	void (*changed)(const struct ctlproto_req *req, void *arg);
	/* key load: move to the key in path; 0, or -1 with err filled. NULL
	 * when the daemon has no secure mode to offer. */
	int (*key_load)(const char *path, char *err, size_t errlen, void *arg);
	/* peer show: what secure mode knows of listed peer ip at now; false
	 * when nothing (NULL: plain mode) */
	bool (*peer_secure)(const struct ipaddr *ip, uint64_t now, struct crypto_peer_info *info,
			    void *arg);
	/* stats: take every counter into s (without it: dp's alone) */
	void (*snapshot)(struct counters_snap *s, void *arg);
	/* lease, etcd and route show: the etcd control plane's answer. NULL
	 * when there is none (no --etcd-endpoints). */
	void (*plane_show)(enum ctlproto_cmd cmd, enum ctlproto_fmt fmt, uint64_t now,
			   struct ctlproto_buf *out, void *arg);
	void *arg;
};

/* Carry out req at time now (ms, the clock of the tables) and append the
 * whole reply, status line included, to out. Returns true on "ok". */
bool ctlexec_run(const struct ctlexec_env *env, const struct ctlproto_req *req, uint64_t now,
		 struct ctlproto_buf *out);

/* Parse and carry out one line; blank and comment lines append nothing.
 * Returns false when the reply is an error. */
bool ctlexec_handle(const struct ctlexec_env *env, const char *line, size_t len, uint64_t now,
		    struct ctlproto_buf *out);

#endif

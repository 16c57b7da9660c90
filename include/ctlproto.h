/* ctlproto: the control protocol: request lines in, changes to the tables and replies out. */
#ifndef VXTAP_CTLPROTO_H
#define VXTAP_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"

struct crypto;
struct dp;
struct peer;

/*
 * One request per line, at most CTLPROTO_LINE_MAX bytes with the newline.
 * The reply is zero or more body lines, then one status line: "ok" or
 * "error: MESSAGE". No body line starts with "ok" or "error:". Blank lines
 * and lines starting with '#' get no reply at all. man/vxtapctl.8 has the
 * grammar and the output formats.
 */
#define CTLPROTO_LINE_MAX 4096
#define CTLPROTO_ERRLEN	  256
#define CTLPROTO_ARGS_MAX 8 /* words in a request, options included */
#define CTLPROTO_PATH_MAX 1024

/* A growable output buffer. Appends that fail for memory set failed and
 * leave the content as it was; the owner frees data. */
struct ctlproto_buf {
	char *data;
	size_t len, cap;
	bool failed;
};

bool ctlproto_buf_put(struct ctlproto_buf *b, const char *s, size_t n);
bool ctlproto_buf_printf(struct ctlproto_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (they were sent). */
void ctlproto_buf_consume(struct ctlproto_buf *b, size_t n);
void ctlproto_buf_free(struct ctlproto_buf *b);

enum ctlproto_cmd {
	CTLPROTO_HELP,
	CTLPROTO_PEER_ADD,
	CTLPROTO_PEER_DEL,
	CTLPROTO_PEER_SHOW,
	CTLPROTO_FDB_ADD,
	CTLPROTO_FDB_DEL,
	CTLPROTO_FDB_SHOW,
	CTLPROTO_FDB_FLUSH,
	CTLPROTO_NEIGH_ADD,
	CTLPROTO_NEIGH_DEL,
	CTLPROTO_NEIGH_SHOW,
	CTLPROTO_NEIGH_FLUSH,
	CTLPROTO_STATS,
	CTLPROTO_KEY_LOAD,
};

enum ctlproto_fmt {
	CTLPROTO_TEXT,
	CTLPROTO_JSON,
	CTLPROTO_PROMETHEUS, /* stats only */
};

struct ctlproto_req {
	enum ctlproto_cmd cmd;
	enum ctlproto_fmt fmt;
	struct endpoint ep;	      /* peer add/del; fdb add: the dst */
	struct mac mac;		      /* fdb add/del, neigh add */
	struct ipaddr ip;	      /* neigh add/del */
	char path[CTLPROTO_PATH_MAX]; /* key load */
};

/* What addresses are checked against, and the port an address without one
 * gets. local.family 0 (the client side) skips the checks against local. */
struct ctlproto_net {
	struct ipaddr local;
	uint16_t port;
};

enum ctlproto_parse_result {
	CTLPROTO_OK,
	CTLPROTO_EMPTY,	 /* blank or comment: no reply */
	CTLPROTO_EUSAGE, /* unknown command or option, wrong number of words */
	CTLPROTO_EVALUE, /* the words are right but a value is not */
};

/* Parse one line of len bytes (no newline; a trailing '\r' is ignored).
 * On CTLPROTO_EUSAGE and CTLPROTO_EVALUE, err gets a one-line message in
 * which bytes from the line are quoted and escaped. */
enum ctlproto_parse_result ctlproto_parse(const struct ctlproto_net *net, const char *line,
					  size_t len, struct ctlproto_req *req,
					  char err[static CTLPROTO_ERRLEN]);

/* The same for a line already split into words ("fdb", "add", ...). */
enum ctlproto_parse_result ctlproto_parse_argv(const struct ctlproto_net *net, int argc,
					       char *const argv[], struct ctlproto_req *req,
					       char err[static CTLPROTO_ERRLEN]);

/* Split the NUL-terminated s in place into words separated by spaces and
 * tabs. Returns the number of words, or -1 when there are more than max. */
int ctlproto_split(char *s, char *argv[], int max);

/* Caps on what the control socket may add: a full table refuses more. */
struct ctlproto_limits {
	size_t peers;
	size_t fdb_static;
	size_t neigh_static;
};

#define CTLPROTO_LIMITS_DEFAULT                                              \
	{                                                                    \
		.peers = 16384, .fdb_static = 262144, .neigh_static = 262144 \
	}

/* What a request runs against. peer_gone, when set, is called with a peer
 * just before it is freed, so the shell can drop pointers it holds;
 * changed, when set, after a request changed a table (for the log). */
struct ctlproto_env {
	struct dp *dp;
	struct ctlproto_net net;
	struct ctlproto_limits lim;
	void (*peer_gone)(const struct peer *p, void *arg);
	void (*changed)(const struct ctlproto_req *req, void *arg);
	/* key load: move to the key in path; 0, or -1 with err filled. NULL
	 * when the shell has no secure mode to offer. */
	int (*key_load)(const char *path, char *err, size_t errlen, void *arg);
	/* Secure-mode counters for stats, or NULL in plain mode. */
	const struct crypto *crypto;
	void *arg;
};

/* Carry out req at time now (ms, the clock of the tables) and append the
 * whole reply, status line included, to out. Returns true on "ok". */
bool ctlproto_exec(const struct ctlproto_env *env, const struct ctlproto_req *req, uint64_t now,
		   struct ctlproto_buf *out);

/* Parse and carry out one line; blank and comment lines append nothing.
 * Returns false when the reply is an error. */
bool ctlproto_handle(const struct ctlproto_env *env, const char *line, size_t len, uint64_t now,
		     struct ctlproto_buf *out);

/* The changes behind the requests, shared with the peers file. Each returns
 * 0 or -errno: -EEXIST (peer already listed), -ENOENT, -ENOSPC (a limit),
 * -ENOMEM. ep->port 0 means net.port. Deleting a peer also drops the FDB
 * entries it taught (static ones stay). */
int ctlproto_peer_add(const struct ctlproto_env *env, const struct endpoint *ep);
int ctlproto_peer_del(const struct ctlproto_env *env, const struct ipaddr *ip);
int ctlproto_fdb_add(const struct ctlproto_env *env, const struct mac *mac,
		     const struct endpoint *dst);
int ctlproto_neigh_add(const struct ctlproto_env *env, const struct ipaddr *ip,
		       const struct mac *mac);

#endif

/* ctlproto: the control protocol's grammar (request lines into requests) and output buffer,
 * shared by the daemon and vxtapctl. */
#ifndef VXTAP_CTLPROTO_H
#define VXTAP_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"

/*
 * One request per line, at most CTLPROTO_LINE_MAX bytes with the newline.
 * The reply is zero or more body lines, then one status line: "ok" or
 * "error: MESSAGE". No body line starts with "ok" or "error:". Blank lines
 * and lines starting with '#' get no reply at all. man/vxtapctl.8 has the
 * grammar and the output formats.
 */
#define CTLPROTO_LINE_MAX 4096
#define CTLPROTO_ERRLEN	  256
#define CTLPROTO_ARGS_MAX 32 /* words in a request, options and shown words included */
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
	CTLPROTO_PEER_FLUSH,
	CTLPROTO_FDB_ADD,
	CTLPROTO_FDB_DEL,
	CTLPROTO_FDB_SHOW,
	CTLPROTO_FDB_FLUSH,
	CTLPROTO_NEIGH_ADD,
	CTLPROTO_NEIGH_DEL,
	CTLPROTO_NEIGH_SHOW,
	CTLPROTO_NEIGH_FLUSH,
	CTLPROTO_STATS,
	CTLPROTO_LEASE_SHOW,
	CTLPROTO_ETCD_SHOW,
	CTLPROTO_ROUTE_SHOW,
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
	bool has_key;		      /* peer add ... key PUBKEY */
	bool noflood;		      /* peer add ... noflood */
	uint8_t key[32];	      /* the peer's public key */
	struct mac mac;		      /* fdb add/del, neigh add */
	struct ipaddr ip;	      /* neigh add/del */
	char path[CTLPROTO_PATH_MAX]; /* key load */
};

/* What addresses are checked against, and the port an address without one
 * gets. local.family 0 (the client side) skips the checks against local and
 * secure. */
struct ctlproto_net {
	struct ipaddr local;
	uint16_t port;
	bool secure; /* secure mode: "peer add" needs a key; without it, refuses one */
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

/* Framing of the byte stream, both ways: the next line in buf (avail
 * bytes, no NUL needed). CTLPROTO_FRAME_LINE with *len its length without
 * the newline; CTLPROTO_FRAME_MORE when no newline has come yet and the line
 * may still be short enough; CTLPROTO_FRAME_TOO_LONG when CTLPROTO_LINE_MAX
 * bytes came without one. */
enum ctlproto_frame { CTLPROTO_FRAME_LINE, CTLPROTO_FRAME_MORE, CTLPROTO_FRAME_TOO_LONG };
enum ctlproto_frame ctlproto_next_line(const char *buf, size_t avail, size_t *len);

/* True when a request line (n bytes) is blank or a comment: it gets no reply. */
bool ctlproto_is_blank(const char *s, size_t n);

/* What a reply line (n bytes, no newline) is: a body line, or the status
 * line that ends a reply ("ok", or "error: MESSAGE" with *msg and *msglen
 * set to MESSAGE). */
enum ctlproto_reply { CTLPROTO_REPLY_BODY, CTLPROTO_REPLY_OK, CTLPROTO_REPLY_ERROR };
enum ctlproto_reply ctlproto_reply_line(const char *s, size_t n, const char **msg, size_t *msglen);

/* The usage line of every request, one a line (the "help" answer's body). */
void ctlproto_help(struct ctlproto_buf *out);

#endif

/* etcdgw: etcd v3 JSON-gateway messages -- request bodies, parsed answers, the watch line stream.
 */
#ifndef VXTAP_ETCDGW_H
#define VXTAP_ETCDGW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * etcd (3.4 and later) serves its gRPC API as JSON at /v3/... (grpc-gateway):
 * every request is a POST of one JSON object; keys and values are base64;
 * int64 fields are written as decimal strings; members with a zero value are
 * left out (an empty value, a txn whose compare failed has no "succeeded", a
 * keepalive for a gone lease has no "TTL"). Failures answer an HTTP error
 * status with {"error":"...","message":"...","code":N} (N a gRPC code).
 * Streaming calls (watch, lease keepalive) answer one JSON object a line,
 * wrapped as {"result":{...}} or, on failure, {"error":{...}}.
 *
 * etcd 3.4.23 as packaged in Debian 12 was checked by hand: see
 * testing-notes.md. A watch that starts at a compacted revision answers
 * "created" and then {"result":{"canceled":true,"compact_revision":"N"}}; a
 * delete event has "type":"DELETE" and a kv with only key and mod_revision; a
 * put event has no "type".
 */

#define ETCDGW_PATH_RANGE     "/v3/kv/range"
#define ETCDGW_PATH_TXN	      "/v3/kv/txn"
#define ETCDGW_PATH_GRANT     "/v3/lease/grant"
#define ETCDGW_PATH_KEEPALIVE "/v3/lease/keepalive"
#define ETCDGW_PATH_REVOKE    "/v3/lease/revoke"
#define ETCDGW_PATH_WATCH     "/v3/watch"

#define ETCDGW_ERRLEN	256
#define ETCDGW_LINE_MAX (4u << 20) /* a default cap for one watch line */

/* gRPC codes worth telling apart (google.golang.org/grpc/codes). */
#define ETCDGW_CODE_INVALID_ARGUMENT 3
#define ETCDGW_CODE_NOT_FOUND	     5
#define ETCDGW_CODE_OUT_OF_RANGE     11 /* e.g. "mvcc: required revision has been compacted" */
#define ETCDGW_CODE_UNAVAILABLE	     14

/* --- request bodies --------------------------------------------------- */
/* Each returns a malloc'd NUL-terminated JSON body for the path named, or
 * NULL when out of memory. Keys and values are raw bytes of the given length.
 * With prefix, the range covers every key that starts with key (range_end is
 * key with its last byte below 0xff incremented, as etcd's GetPrefixRangeEnd). */

/* ETCDGW_PATH_RANGE: one key, or every key under a prefix. */
char *etcdgw_range(const void *key, size_t keylen, bool prefix);
/* ETCDGW_PATH_GRANT: a lease of ttl seconds, ID chosen by etcd. */
char *etcdgw_grant(int64_t ttl);
/* ETCDGW_PATH_KEEPALIVE and ETCDGW_PATH_REVOKE for lease id. */
char *etcdgw_keepalive(int64_t id);
char *etcdgw_revoke(int64_t id);
/* ETCDGW_PATH_TXN: put key=value attached to lease (0: none) only if key does
 * not exist (create_revision == 0); otherwise read key back. */
char *etcdgw_txn_create(const void *key, size_t keylen, const void *value, size_t valuelen,
			int64_t lease);
/* ETCDGW_PATH_TXN: put only if key's mod_revision is still mod_revision;
 * otherwise read key back. */
char *etcdgw_txn_update(const void *key, size_t keylen, const void *value, size_t valuelen,
			int64_t lease, int64_t mod_revision);
/* ETCDGW_PATH_TXN: delete only if key's mod_revision is still mod_revision;
 * otherwise read key back. */
char *etcdgw_txn_delete(const void *key, size_t keylen, int64_t mod_revision);
/* ETCDGW_PATH_WATCH: a create_request from start_revision (0: from now). */
char *etcdgw_watch(const void *key, size_t keylen, bool prefix, int64_t start_revision,
		   bool prev_kv, bool progress_notify);

/* --- answers ---------------------------------------------------------- */

enum etcdgw_status {
	ETCDGW_OK,    /* a well-formed answer */
	ETCDGW_ERROR, /* etcd's error object: err holds "MESSAGE (code N)", resp->code N */
	ETCDGW_BAD,   /* not an answer of that kind: err says what is wrong */
	ETCDGW_NOMEM,
};

enum etcdgw_kind {
	ETCDGW_RANGE,	  /* header, kvs, more, count */
	ETCDGW_TXN,	  /* header, succeeded; kvs from a failure branch's range */
	ETCDGW_GRANT,	  /* header, ID, TTL */
	ETCDGW_KEEPALIVE, /* one {"result":{...}} line: ID, TTL (0: the lease is gone) */
	ETCDGW_REVOKE,	  /* header */
};

/* One key-value as etcd reports it. key and value are decoded, each followed
 * by a NUL that is not counted (value is "" with valuelen 0 when absent). */
struct etcdgw_kv {
	char *key;
	size_t keylen;
	char *value;
	size_t valuelen;
	int64_t create_revision, mod_revision, version, lease;
};

struct etcdgw_resp {
	int64_t revision; /* header.revision */
	struct etcdgw_kv *kvs;
	size_t nkvs;
	bool more;	 /* range: more keys than returned */
	int64_t count;	 /* range: keys in the range */
	bool succeeded;	 /* txn: the compare held */
	int64_t id, ttl; /* grant, keepalive */
	int code;	 /* ETCDGW_ERROR: the gRPC code */
};

/* Parse body[0..len) as an answer of kind. out is filled on ETCDGW_OK and
 * must be released with etcdgw_resp_free() whatever the status. */
enum etcdgw_status etcdgw_parse(enum etcdgw_kind kind, const char *body, size_t len,
				struct etcdgw_resp *out, char err[static ETCDGW_ERRLEN]);
void etcdgw_resp_free(struct etcdgw_resp *r);

/* --- the watch stream ------------------------------------------------- */

struct etcdgw_event {
	bool is_delete;	     /* "type":"DELETE"; a put has no type */
	struct etcdgw_kv kv; /* a delete's kv has key and mod_revision only */
	bool has_prev;
	struct etcdgw_kv prev;
};

/* One line of a watch stream. */
struct etcdgw_watch {
	int64_t revision; /* header.revision; 0 when absent (a cancel has none) */
	int64_t watch_id;
	bool created;
	bool canceled;
	int64_t compact_revision; /* canceled because start_revision was compacted */
	struct etcdgw_event *events;
	size_t nevents;
	int code; /* ETCDGW_ERROR: the gRPC code */
};

/* Parse one line (without its newline). A {"error":...} line gives
 * ETCDGW_ERROR. out must be released with etcdgw_watch_free() whatever the
 * status. */
enum etcdgw_status etcdgw_parse_watch(const char *line, size_t len, struct etcdgw_watch *out,
				      char err[static ETCDGW_ERRLEN]);
void etcdgw_watch_free(struct etcdgw_watch *w);

/*
 * Splits a byte stream that arrives in arbitrary chunks (libcurl write
 * callbacks) into lines. A line longer than max is dropped whole (counted in
 * toolong) and the stream goes on with the next line. '\r' before '\n' and
 * empty lines are dropped.
 */
struct etcdgw_lines {
	char *buf;
	size_t len, cap, max;
	bool skipping;	  /* inside a line past max */
	uint64_t toolong; /* lines dropped for length */
	uint64_t lines;	  /* lines handed out */
};

typedef void etcdgw_line_fn(void *arg, const char *line, size_t len);

void etcdgw_lines_init(struct etcdgw_lines *l, size_t max);
/* Feed n bytes; calls fn(arg, line, len) for every complete line, in order.
 * fn must not feed or free l. Returns 0, or -ENOMEM (the partial line is
 * then dropped, as one too long). */
int etcdgw_lines_feed(struct etcdgw_lines *l, const char *data, size_t n, etcdgw_line_fn *fn,
		      void *arg);
/* Bytes of an unfinished line held (a stream that ends with some is cut). */
size_t etcdgw_lines_pending(const struct etcdgw_lines *l);
void etcdgw_lines_free(struct etcdgw_lines *l);

#endif

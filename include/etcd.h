/* etcd: the etcd transport -- JSON POSTs and watch streams over libcurl's multi interface on libev.
 */
#ifndef VXTAP_ETCD_H
#define VXTAP_ETCD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Requests are HTTP POSTs of a JSON body to ENDPOINT + PATH (etcd's v3 JSON
 * gateway, see etcdgw.h). Everything runs on the caller's libev loop:
 * libcurl's socket callback becomes ev_io watchers and its timer callback one
 * ev_timer, and curl_multi_socket_action is called from those; nothing
 * blocks and no thread is started by this module.
 *
 * Name resolution: libcurl resolves host names itself. Debian's libcurl uses
 * its threaded resolver (etcd_resolver() says which one is built in): a
 * host name costs a helper thread inside libcurl, never a blocked loop. With
 * a resolver that blocks ("blocking"), give endpoints as IP addresses.
 *
 * Dead peers: a watch stream has no overall timeout, so TCP keepalive is on
 * (10 s idle, 3 probes 5 s apart) and TCP_USER_TIMEOUT is 25 s: a member that
 * vanishes without a reset ends the stream within about half a minute.
 * Streams also send "Grpc-Metadata-hasleader: true", etcd's require-leader
 * flag: a member cut off from its cluster's quorum ends the watch instead of
 * holding it open without news. Proxies from the environment are ignored.
 *
 * Callbacks may start and cancel requests (both take effect before the loop
 * next waits); they must not call etcd_free.
 */

#define ETCD_ERRLEN 256

struct ev_loop;
struct etcd;
struct etcd_req;

struct etcd_opts {
	const char *cafile;	 /* --etcd-cafile; NULL: the system's CAs */
	const char *certfile;	 /* --etcd-certfile; NULL: no client certificate */
	const char *keyfile;	 /* --etcd-keyfile */
	long connect_timeout_ms; /* 0: 3000 */
	size_t max_body;	 /* largest unary answer; 0: 64 MiB */
	size_t max_line;	 /* largest watch line; 0: ETCDGW_LINE_MAX */
};

/* Called once when a request ends: status is the HTTP status (0 when none
 * came) and body[0..len) the answer (unary; NULL for a stream that ended
 * cleanly), or error is why it failed (a libcurl message; one that TLS
 * itself failed starts with ETCD_TLS_PREFIX). Not called for canceled
 * requests. */
#define ETCD_TLS_PREFIX "TLS: "
typedef void etcd_done_fn(void *arg, long status, const char *body, size_t len, const char *error);
/* One line of a stream, without its newline. */
typedef void etcd_line_fn(void *arg, const char *line, size_t len);

/* A transport on loop. Files named in opts must be readable now: otherwise
 * NULL with err saying which. NULL with err also without memory or libcurl. */
struct etcd *etcd_new(struct ev_loop *loop, const struct etcd_opts *opts,
		      char err[static ETCD_ERRLEN]);
/* Abort every request (no callbacks) and release everything. */
void etcd_free(struct etcd *e);

/* POST body to base + path ("http://192.168.56.10:2379" + "/v3/kv/range")
 * with an overall timeout (0: none); done reports the answer. body is copied.
 * NULL without memory (nothing is called back then). */
struct etcd_req *etcd_post(struct etcd *e, const char *base, const char *path, const char *body,
			   long timeout_ms, etcd_done_fn *done, void *arg);
/* The same as a stream: every line of a 200 answer goes to line; done
 * reports the end (an answer other than 200 comes whole to done). */
struct etcd_req *etcd_stream(struct etcd *e, const char *base, const char *path, const char *body,
			     etcd_line_fn *line, etcd_done_fn *done, void *arg);
/* Stop r: no callback for it runs any more. r must not be used after. */
void etcd_cancel(struct etcd_req *r);

/* Requests under way (for tests and "etcd show"). */
size_t etcd_active(const struct etcd *e);
/* Lines dropped for length, over all streams so far. */
unsigned long long etcd_lines_dropped(const struct etcd *e);
/* "c-ares", "threaded" or "blocking": how libcurl resolves host names. */
const char *etcd_resolver(void);

#endif

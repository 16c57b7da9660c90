/* metrics: the HTTP endpoint for /metrics and /healthz (libmicrohttpd, driven by the libev loop).
 */
#ifndef VXTAP_METRICS_H
#define VXTAP_METRICS_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/* Bounds on what clients may take: a client that floods, stalls or holds
 * connections open is cut off, and the loop never waits for one. */
#define METRICS_MAX_CONNS   32		/* connections at once */
#define METRICS_MAX_PER_IP  8		/* connections at once from one address */
#define METRICS_TIMEOUT_S   5		/* a connection idle this long is closed */
#define METRICS_CONN_MEMORY (32 * 1024) /* request buffer per connection */

struct metrics;

struct metrics_conf {
	struct endpoint listen; /* address and TCP port; "::" takes IPv4 too */
	/* The /metrics body: a malloc'ed buffer (the server frees it) of *len
	 * bytes in the Prometheus text format, or NULL (500). */
	char *(*body)(size_t *len, void *arg);
	/* /healthz: true when healthy; otherwise a one-line reason in reason. */
	bool (*health)(char *reason, size_t size, void *arg);
	void *arg;
};

/*
 * Bind and listen on mc->listen and serve on loop: MHD runs without a
 * thread of its own; its epoll descriptor is watched by an ev_io and its
 * timeouts by an ev_timer, so requests are handled between batches of
 * frames. Returns NULL with errno set when the socket cannot be had.
 */
struct metrics *metrics_start(struct ev_loop *loop, const struct metrics_conf *mc);

/* Stop the watchers, close every connection and the socket. NULL is fine. */
void metrics_stop(struct metrics *m);

#endif

/* service: what the service manager and monitoring see of a running vxtap: sd_notify and /metrics.
 */
#ifndef VXTAP_SERVICE_H
#define VXTAP_SERVICE_H

struct conf;
struct service;
struct vxtap;

/*
 * After loop_init (the TAP is up, the sockets bound) and before priv_drop
 * (a port below 1024 needs root): open $NOTIFY_SOCKET when set, and start
 * the HTTP endpoint when c asks for one (--metrics). Dies naming the
 * address when it cannot listen. Nothing is sent yet.
 */
struct service *service_start(struct vxtap *vx, const struct conf *c);

/*
 * Tell the service manager vxtap is ready (READY=1 and the STATUS line),
 * and from now on: RELOADING=1 then READY=1 around each SIGHUP reload, and a
 * new STATUS line when the peer count changes. Call once, as the loop is
 * about to run.
 */
void service_ready(struct service *s);

/* After the loop ends: STOPPING=1, then the endpoint and the watchers go
 * and s is freed. NULL is fine. */
void service_stop(struct service *s);

#endif

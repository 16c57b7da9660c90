/* service: sd_notify at start, reload, peer changes and exit; /metrics from the stats; /healthz
 * from the TAP. */
#include "service.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conf.h"
#include "flnode.h"
#include "counters.h"
#include "ctlexec.h"
#include "log.h"
#include "loop.h"
#include "method.h"
#include "metrics.h"
#include "sdnotify.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct service {
	struct vxtap *vx;
	struct sdnotify *notify;
	struct metrics *metrics;
	/* SIGHUP is also watched by ctl (the reload itself, at the default
	 * priority): pending watchers run highest priority first, so
	 * "reloading" goes out before the reload and "ready" after it. */
	ev_signal hup_before, hup_after;
	ev_check peers_check; /* after each loop iteration: did the peer count change? */
	size_t peers_told;
	char lease[FLANNEL_CIDRLEN];
};

static struct sdproto_status status_of(struct service *s)
{
	struct sdproto_status st = {.peers = peers_count(s->vx->dp.peers),
				    .secure = method_keyed(s->vx->method)};

	if (s->vx->flnode != NULL && flnode_lease_held(s->vx->flnode)) {
		struct flannel_subnet sn = flnode_subnet(s->vx->flnode);

		st.lease = flannel_cidr_format(&sn, s->lease);
	}
	return st;
}

/* The counters as "vxtapctl stats --prometheus" prints them, without the
 * protocol's closing "ok" line. */
static void snapshot(struct counters_snap *snap, void *arg)
{
	loop_snapshot(arg, snap);
}

static char *metrics_body(size_t *len, void *arg)
{
	struct service *s = arg;
	const struct ctlexec_env env = {
		.dp = &s->vx->dp, .dev = s->vx->dev, .snapshot = snapshot, .arg = s->vx};
	const struct ctlproto_req req = {.cmd = CTLPROTO_STATS, .fmt = CTLPROTO_PROMETHEUS};
	struct ctlproto_buf out = {0};

	if (!ctlexec_run(&env, &req, loop_now_ms(), &out) || out.failed || out.len < 3 ||
	    memcmp(out.data + out.len - 3, "ok\n", 3) != 0) {
		ctlproto_buf_free(&out);
		return NULL;
	}
	*len = out.len - 3;
	return out.data;
}

/* Healthy while the TAP exists and is up: someone running "ip link set
 * DEV down" (or deleting it) stops all forwarding. */
static bool health(char *reason, size_t size, void *arg)
{
	const struct service *s = arg;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, s->vx->dev, sizeof(ifr.ifr_name) - 1);
	if (ioctl(s->vx->fds.udp, SIOCGIFFLAGS, &ifr) != 0) {
		snprintf(reason, size, "%s: %s", s->vx->dev, strerror(errno));
		return false;
	}
	if ((ifr.ifr_flags & IFF_UP) == 0) {
		snprintf(reason, size, "%s is down", s->vx->dev);
		return false;
	}
	if (s->vx->flnode != NULL && !flnode_lease_held(s->vx->flnode)) {
		snprintf(reason, size, "no subnet lease held in etcd");
		return false;
	}
	return true;
}

static void hup_before_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	sdnotify_reloading(container_of(w, struct service, hup_before)->notify);
}

static void hup_after_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct service *s = container_of(w, struct service, hup_after);
	struct sdproto_status st = status_of(s);

	(void)loop;
	(void)revents;
	s->peers_told = st.peers;
	sdnotify_ready(s->notify, &st);
}

static void peers_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct service *s = container_of(w, struct service, peers_check);
	struct sdproto_status st;

	(void)loop;
	(void)revents;
	if (peers_count(s->vx->dp.peers) == s->peers_told)
		return;
	st = status_of(s);
	s->peers_told = st.peers;
	sdnotify_status(s->notify, &st);
}

struct service *service_start(struct vxtap *vx, const struct conf *c)
{
	struct service *s = calloc(1, sizeof(*s));
	char a[ADDR_STRLEN];

	if (s == NULL)
		fatalx("out of memory");
	s->vx = vx;
	s->notify = sdnotify_open();
	if (c->have_metrics) {
		const struct metrics_conf mc = {
			.listen = c->metrics, .body = metrics_body, .health = health, .arg = s};

		s->metrics = metrics_start(vx->loop, &mc);
		if (s->metrics == NULL)
			fatal("--metrics %s: cannot serve HTTP there",
			      endpoint_fmt(&c->metrics, a));
		log_info("metrics on http://%s/metrics", endpoint_fmt(&c->metrics, a));
	}
	return s;
}

void service_ready(struct service *s)
{
	struct sdproto_status st = status_of(s);

	s->peers_told = st.peers;
	sdnotify_ready(s->notify, &st);
	if (s->notify == NULL)
		return;
	ev_signal_init(&s->hup_before, hup_before_cb, SIGHUP);
	ev_set_priority(&s->hup_before, EV_MAXPRI);
	ev_signal_init(&s->hup_after, hup_after_cb, SIGHUP);
	ev_set_priority(&s->hup_after, EV_MINPRI);
	ev_check_init(&s->peers_check, peers_check_cb);
	ev_set_priority(&s->peers_check, EV_MINPRI);
	ev_signal_start(s->vx->loop, &s->hup_before);
	ev_signal_start(s->vx->loop, &s->hup_after);
	ev_check_start(s->vx->loop, &s->peers_check);
}

void service_stop(struct service *s)
{
	if (s == NULL)
		return;
	sdnotify_stopping(s->notify);
	if (s->notify != NULL) {
		ev_signal_stop(s->vx->loop, &s->hup_before);
		ev_signal_stop(s->vx->loop, &s->hup_after);
		ev_check_stop(s->vx->loop, &s->peers_check);
	}
	metrics_stop(s->metrics);
	sdnotify_close(s->notify);
	free(s);
}

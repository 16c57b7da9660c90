/* loop: libev glue: watchers call the forwarding engine, timers age the tables, signals stop or
 * dump; what the engine reports is logged, rate-limited. */
#include "loop.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "ctlexec.h"
#include "flnode.h"
#include "tap.h"
#include "udp.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define VX_OF(w, member)		((struct vxtap *)container_of(w, struct vxtap, w.member))

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t loop_wall_ns(void *unused)
{
	struct timespec ts;

	(void)unused;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- what the engine reports --------------------------------------------------- */

static void on_event(void *arg, const struct dp_action *act, uint64_t now)
{
	struct vxtap *vx = arg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], b[ADDR_STRLEN];
	uint32_t held;

	if (act->event == DP_EV_FROZEN) {
		if (ratelimit_ok(&vx->logs.frozen, now, &held))
			log_warnx("fdb %s moves between peers too often: kept on %s for %u s, "
				  "claimed by %s (%u more not logged)",
				  mac_fmt(&act->ev_mac, m), endpoint_fmt(&act->ev_old, a),
				  DP_MOVE_WINDOW_MS / 1000, endpoint_fmt(&act->peer->ep, b), held);
		return;
	}
	if (act->event == DP_EV_CAP) {
		if (ratelimit_ok(&vx->logs.cap, now, &held))
			log_debug("fdb %s from %s: %s (%u more not logged)",
				  mac_fmt(&act->ev_mac, m), endpoint_fmt(&act->peer->ep, a),
				  act->ev_evicted
					  ? "learned; the least recently used entry made room"
					  : "not learned: a cap is reached",
				  held);
		return;
	}
	if (act->event != DP_EV_MOVED || !ratelimit_ok(&vx->logs.move, now, &held))
		return;
	log_info("fdb %s moved from %s to %s (%u more moves not logged)", mac_fmt(&act->ev_mac, m),
		 endpoint_fmt(&act->ev_old, a), endpoint_fmt(&act->peer->ep, b), held);
}

/* -v: one line per address and what happened (a drop's reason, a handshake
 * completed) per LOOP_NOTE_MS at most, with how many went unlogged; -vv:
 * every one. */
static void note(void *arg, const struct ipaddr *src, const char *what, const char *desc,
		 uint64_t now)
{
	struct vxtap *vx = arg;
	char a[ADDR_STRLEN], more[48] = "";
	uint32_t held;

	if (!notes_ok(&vx->logs.notes, src, what, now, log_level() >= 2, &held))
		return;
	if (held != 0)
		snprintf(more, sizeof(more), "; %u more like it not logged", held);
	if (desc != NULL)
		log_debug("dropped a datagram from %s: %s (%s)%s", ipaddr_fmt(src, a), what, desc,
			  more);
	else
		log_debug("%s: %s%s", ipaddr_fmt(src, a), what, more);
}

static void on_drop(void *arg, const struct ipaddr *src, const struct dp_action *act, uint64_t now)
{
	note(arg, src, dp_drop_name(act->drop),
	     act->drop_hint != NULL ? act->drop_hint : dp_drop_desc(act->drop), now);
}

static void on_error(void *arg, enum fwd_error what, int err, uint64_t now)
{
	static const char *const doing[] = {[FWD_ERR_TAP_READ] = "read from",
					    [FWD_ERR_TAP_WRITE] = "write to",
					    [FWD_ERR_UDP_RECV] = "receive for"};
	struct vxtap *vx = arg;
	struct ratelimit *rl = what == FWD_ERR_TAP_READ	   ? &vx->logs.tap_read
			       : what == FWD_ERR_TAP_WRITE ? &vx->logs.tap_write
							   : &vx->logs.udp_recv;
	uint32_t held;

	if (fwd_tap_gone(what, err)) {
		if (vx->status == 0)
			log_warnx("%s: the TAP device is gone (deleted under vxtap): exiting",
				  vx->dev);
		vx->status = 1;
		ev_break(vx->loop, EVBREAK_ALL);
		return;
	}
	if (!ratelimit_ok(rl, now, &held))
		return;
	if (fwd_tap_down(what, err)) {
		/* Not a failure: someone set the device down (or it is being
		 * deleted, which the next read says). Counted as drop_tap_down. */
		log_debug("%s is down: frames for it are dropped (%u more not logged)", vx->dev,
			  held);
		return;
	}
	errno = err;
	if (what == FWD_ERR_UDP_RECV)
		log_warn("%s %s on the UDP socket (%u more not logged)", doing[what], vx->dev,
			 held);
	else
		log_warn("%s %s (%u more not logged)", doing[what], vx->dev, held);
}

/* A datagram the kernel refused (no route while the underlay is down, its
 * address gone): counted as drop_udp_send; logged here, rate-limited. */
static void on_send_refused(void *arg, int err)
{
	struct vxtap *vx = arg;
	uint32_t held;

	if (!ratelimit_ok(&vx->logs.udp_send, loop_now_ms(), &held))
		return;
	errno = err;
	log_warn("send on the UDP socket failed (%u more not logged)", held);
}

static void on_peer_gone(const struct peer *p, void *arg)
{
	fwd_peer_gone(&((struct vxtap *)arg)->fwd, p);
}

static int on_peer_key(const struct ipaddr *ip, const uint8_t key[static PEER_KEY_LEN], void *arg)
{
	struct method *m = ((struct vxtap *)arg)->method;

	return m->ops->peer_key(m, ip, key);
}

void loop_set_hooks(struct vxtap *vx)
{
	if (log_level() >= 1) {
		vx->method->note = note; /* secure mode's drops and handshakes */
		vx->method->note_arg = vx;
	}
	vx->dp.hooks = (struct dp_hooks){
		.peer_gone = on_peer_gone,
		.peer_key = vx->method->ops->peer_key != NULL ? on_peer_key : NULL,
		.arg = vx,
	};
}

/* --- the devices ------------------------------------------------------------------ */

/* The socket is full: hold the TAP until the queued datagrams are out, so the
 * backlog waits in the TAP's queue instead of being dropped here. */
static void backpressure(struct vxtap *vx)
{
	ev_io_stop(vx->loop, &vx->w.tap_r);
	ev_io_start(vx->loop, &vx->w.udp_w);
}

/* The method started a handshake: its timed work may now come sooner than
 * the timer is set for, so let the timer ask it at once. */
static void method_sooner(struct vxtap *vx)
{
	if (!vx->method->tick_sooner || vx->method->ops->tick == NULL)
		return;
	vx->method->tick_sooner = false;
	ev_timer_stop(vx->loop, &vx->w.method);
	ev_timer_set(&vx->w.method, 0., 0.);
	ev_timer_start(vx->loop, &vx->w.method);
}

/* Traffic moved (frames or datagrams out, as the counters before and after
 * say): poll on for a window instead of sleeping, so what follows soon (an
 * answer, the rest of a burst) finds vxtap awake. */
static void traffic(struct vxtap *vx, uint64_t out_before)
{
	if (vx->dp.st.udp_tx_packets + vx->dp.st.tap_tx_packets == out_before)
		return;
	if (spin_traffic(&vx->spin, loop_now_us()) != 0 && !vx->opts.busy_poll)
		ev_idle_start(vx->loop, &vx->w.spin);
}

static void tap_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = VX_OF(w, tap_r);
	uint64_t out = vx->dp.st.udp_tx_packets + vx->dp.st.tap_tx_packets;

	(void)loop;
	(void)revents;
	if (fwd_tap(&vx->fwd, loop_now_ms()) == FWD_BLOCKED)
		backpressure(vx);
	method_sooner(vx);
	traffic(vx, out);
}

static void udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = VX_OF(w, udp_r);
	uint64_t out = vx->dp.st.udp_tx_packets + vx->dp.st.tap_tx_packets;

	(void)loop;
	(void)revents;
	if (fwd_udp(&vx->fwd, loop_now_ms()) == FWD_BLOCKED)
		backpressure(vx);
	method_sooner(vx);
	traffic(vx, out);
}

/* An open polling window: libev polls with a zero timeout while this idle
 * watcher runs. Yielding each time lets the program vxtap just woke (the
 * other end of a request, often queued on this core) run first. */
static void spin_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct vxtap *vx = VX_OF(w, spin);

	(void)revents;
	if (spin_poll(&vx->spin, loop_now_us()))
		sched_yield();
	else
		ev_idle_stop(loop, w);
}

static void udp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = VX_OF(w, udp_w);

	(void)revents;
	if (fwd_flush(&vx->fwd) == FWD_BLOCKED)
		return;
	ev_io_stop(loop, &vx->w.udp_w);
	ev_io_start(loop, &vx->w.tap_r);
}

void loop_start_method(struct vxtap *vx)
{
	if (fwd_start(&vx->fwd, loop_now_ms()) == FWD_BLOCKED)
		backpressure(vx);
	method_sooner(vx);
}

/* --- timers and signals ----------------------------------------------------------- */

static void arm_age_timer(struct vxtap *vx, uint64_t now, uint64_t next)
{
	uint64_t delay;

	if (vx->ageing_ms == 0)
		return;
	/* With nothing learned, nothing can expire before a full lifetime. */
	delay = next == UINT64_MAX ? vx->ageing_ms : (next > now ? next - now : 0);
	if (delay < 10)
		delay = 10;
	ev_timer_set(&vx->w.age, (double)delay / 1000.0, 0.);
	ev_timer_start(vx->loop, &vx->w.age);
}

static void age_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vxtap *vx = VX_OF(w, age);
	uint64_t now = loop_now_ms(), next;

	(void)loop;
	(void)revents;
	dp_age(&vx->dp, now, &next);
	arm_age_timer(vx, now, next);
}

/* The method's timers, re-armed for its next deadline (10 ms to 10 s). */
static void method_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vxtap *vx = VX_OF(w, method);
	uint64_t now = loop_now_ms(), next = fwd_tick(&vx->fwd, now);
	double delay = next == UINT64_MAX ? 1.0 : (double)(next > now ? next - now : 10) / 1000.0;

	(void)revents;
	ev_timer_set(w, delay < 0.01 ? 0.01 : delay > 10.0 ? 10.0 : delay, 0.);
	ev_timer_start(loop, w);
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("signal %d: exiting", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	loop_dump(VX_OF(w, sig_usr1));
}

static void busy_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	/* Nothing to do: an active idle watcher makes libev poll without
	 * sleeping, which is the point. */
	(void)loop;
	(void)w;
	(void)revents;
}

/* --- the dump ---------------------------------------------------------------------- */

/* One table in the dump: the lines "vxtapctl CMD show" prints, sorted, each
 * after prefix (so the dump and vxtapctl agree, and both read back). */
static void dump_table(struct vxtap *vx, enum ctlproto_cmd cmd, const char *prefix, uint64_t now)
{
	const struct ctlexec_env env = {.dp = &vx->dp, .dev = vx->dev};
	const struct ctlproto_req req = {.cmd = cmd};
	struct ctlproto_buf out = {0};
	const char *p, *nl;

	ctlexec_run(&env, &req, now, &out);
	if (out.failed) {
		log_warnx("dump: out of memory for the %stable", prefix);
	} else {
		for (p = out.data; (nl = memchr(p, '\n', out.len - (size_t)(p - out.data))) != NULL;
		     p = nl + 1)
			if (nl - p != 2 || memcmp(p, "ok", 2) != 0)
				log_info("%s%.*s", prefix, (int)(nl - p), p);
	}
	ctlproto_buf_free(&out);
}

static void dump_counter(const char *text, void *arg)
{
	(void)arg;
	log_info("counter %s", text);
}

void loop_snapshot(struct vxtap *vx, struct counters_snap *s)
{
	counters_snap_dp(s, &vx->dp);
	s->loop.poll_windows = vx->spin.windows;
	s->loop.poll_caught = vx->spin.caught;
	/* Unknown stays 0: a kernel without the counter dropped nothing we can see. */
	(void)tap_tx_dropped(vx->dev, &s->kernel.tap_queue);
	(void)udp_rx_drops(vx->fds.udp, &s->kernel.socket_rcvbuf);
	if (vx->method->ops->stats != NULL)
		vx->method->ops->stats(vx->method, s);
	if (vx->flnode != NULL) {
		flnode_stats(vx->flnode, &s->etcd);
		s->etcd_on = true;
	}
}

void loop_dump(struct vxtap *vx)
{
	uint64_t now = loop_now_ms();
	struct counters_snap snap;

	log_info("dump begin");
	dump_table(vx, CTLPROTO_FDB_SHOW, "fdb ", now);
	dump_table(vx, CTLPROTO_NEIGH_SHOW, "neigh ", now);
	dump_table(vx, CTLPROTO_PEER_SHOW, "peer ", now);
	loop_snapshot(vx, &snap);
	counters_lines(&snap, dump_counter, NULL);
	log_info("dump end");
}

/* --- set-up ---------------------------------------------------------------------- */

int loop_init(struct vxtap *vx)
{
	struct fwd_hooks hooks = {.event = on_event, .error = on_error, .arg = vx};

	if (log_level() >= 1)
		hooks.drop = on_drop;

	if (vx->loop == NULL)
		vx->loop = ev_default_loop(EVFLAG_AUTO);
	if (vx->loop == NULL)
		return -ENOMEM;
	vx->io = io_fd_make(&vx->fds);
	if (fwd_init(&vx->fwd, &vx->dp, &vx->caps, &vx->io, vx->method, &hooks) != 0)
		return -ENOMEM;
	loop_set_hooks(vx);
	vx->fwd.txq.refused = on_send_refused;
	vx->fwd.txq.refused_arg = vx;
	vx->logs.move = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.frozen = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.tap_read = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.tap_write = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.udp_recv = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.udp_send = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->logs.cap = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	notes_init(&vx->logs.notes, LOOP_NOTE_MS);

	ev_io_init(&vx->w.tap_r, tap_read_cb, vx->fds.tap, EV_READ);
	ev_io_init(&vx->w.udp_r, udp_read_cb, vx->fds.udp, EV_READ);
	ev_io_init(&vx->w.udp_w, udp_write_cb, vx->fds.udp, EV_WRITE);
	ev_init(&vx->w.age, age_cb);
	ev_signal_init(&vx->w.sig_int, stop_cb, SIGINT);
	ev_signal_init(&vx->w.sig_term, stop_cb, SIGTERM);
	ev_signal_init(&vx->w.sig_usr1, usr1_cb, SIGUSR1);
	ev_io_start(vx->loop, &vx->w.tap_r);
	ev_io_start(vx->loop, &vx->w.udp_r);
	ev_signal_start(vx->loop, &vx->w.sig_int);
	ev_signal_start(vx->loop, &vx->w.sig_term);
	ev_signal_start(vx->loop, &vx->w.sig_usr1);
	if (vx->opts.busy_poll) {
		ev_idle_init(&vx->w.busy, busy_cb);
		ev_idle_start(vx->loop, &vx->w.busy);
	}
	spin_init(&vx->spin, vx->opts.busy_poll ? 0 : vx->opts.spin_us);
	ev_idle_init(&vx->w.spin, spin_cb);
	arm_age_timer(vx, loop_now_ms(), UINT64_MAX);
	if (vx->method->ops->tick != NULL) {
		ev_timer_init(&vx->w.method, method_cb, 1.0, 0.);
		ev_timer_start(vx->loop, &vx->w.method);
	}
	return 0;
}

int loop_run(struct vxtap *vx)
{
	ev_run(vx->loop, 0);
	return vx->status;
}

void loop_free(struct vxtap *vx)
{
	fwd_free(&vx->fwd);
	if (vx->loop != NULL)
		ev_loop_destroy(vx->loop);
	vx->loop = NULL;
}

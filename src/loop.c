/* loop: libev glue that reads batches, asks the core, and carries out its verdicts. */
#include "loop.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void tap_write(struct vxtap *vx, const uint8_t *data, size_t len, uint64_t now)
{
	uint32_t held;

	if (write(vx->tap_fd, data, len) == (ssize_t)len) {
		vx->dp.st.tap_tx_packets++;
		vx->dp.st.tap_tx_bytes += len;
		return;
	}
	vx->dp.st.drops[DROP_TAP_WRITE]++;
	if (ratelimit_ok(&vx->rl_tap, now, &held))
		log_warn("write to %s (%u more not logged)", vx->dev, held);
}

static void log_event(struct vxtap *vx, const struct dp_action *act, uint64_t now)
{
	char m[MAC_STRLEN], a[ADDR_STRLEN], b[ADDR_STRLEN];
	uint32_t held;

	if (act->event != DP_EV_MOVED || !ratelimit_ok(&vx->rl_move, now, &held))
		return;
	log_info("fdb %s moved from %s to %s (%u more moves not logged)", mac_fmt(&act->ev_mac, m),
		 endpoint_fmt(&act->ev_old, a), endpoint_fmt(&act->peer->ep, b), held);
}

/* The socket is full: hold the TAP until the queued datagrams are out, so the
 * backlog waits in the TAP's queue instead of being dropped here. */
static void backpressure(struct vxtap *vx)
{
	ev_io_stop(vx->loop, &vx->tap_r);
	ev_io_start(vx->loop, &vx->udp_w);
}

/* Queue a flood copy for every peer. Returns false when the socket filled;
 * the copies that found no room are counted as send drops. */
static bool queue_flood(struct vxtap *vx, const struct dp_action *act)
{
	size_t np = peers_count(vx->dp.peers);

	for (size_t i = 0; i < np; i++) {
		struct peer *p = peers_at(vx->dp.peers, i);

		if (udp_txq_full(&vx->txq) &&
		    udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN) {
			vx->dp.st.drops[DROP_UDP_SEND] += np - i;
			return false;
		}
		udp_txq_push(&vx->txq, act->data, act->len, &p->ep, p);
	}
	return true;
}

static void tap_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, tap_r);
	uint64_t now = loop_now_ms();
	struct dp_action act;

	(void)loop;
	(void)revents;
	for (int burst = 0; burst < LOOP_BURSTS; burst++) {
		bool drained = false;

		for (size_t n = 0; n < LOOP_BATCH; n++) {
			uint8_t *frame = vx->tap_slots + n * LOOP_SLOT + LOOP_HEADROOM;
			ssize_t r = read(vx->tap_fd, frame, LOOP_SLOT - LOOP_HEADROOM);

			if (r < 0) {
				if (errno != EAGAIN && errno != EINTR)
					log_warn("read from %s", vx->dev);
				drained = true;
				break;
			}
			dp_from_tap(&vx->dp, frame, (size_t)r, now, &act);
			switch (act.verdict) {
			case DP_UNICAST:
				if (udp_txq_full(&vx->txq) &&
				    udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN) {
					vx->dp.st.drops[DROP_UDP_SEND]++;
					backpressure(vx);
					return;
				}
				udp_txq_push(&vx->txq, act.data, act.len, &act.dst, act.peer);
				break;
			case DP_FLOOD:
				if (!queue_flood(vx, &act)) {
					backpressure(vx);
					return;
				}
				break;
			case DP_REPLY_TAP:
			case DP_TO_TAP:
				tap_write(vx, act.data, act.len, now);
				break;
			case DP_DROP:
				break;
			}
		}
		/* Slots are reused by the next burst: send what points into them. */
		if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN) {
			backpressure(vx);
			return;
		}
		if (drained)
			break;
	}
}

static void udp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, udp_w);

	(void)revents;
	if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN)
		return;
	ev_io_stop(loop, &vx->udp_w);
	ev_io_start(loop, &vx->tap_r);
}

static void udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, udp_r);
	uint64_t now = loop_now_ms();
	struct dp_action act;
	struct ipaddr src;

	(void)loop;
	(void)revents;
	for (int burst = 0; burst < LOOP_BURSTS; burst++) {
		for (size_t i = 0; i < LOOP_BATCH; i++)
			vx->rx_msgs[i].msg_hdr.msg_namelen = sizeof(vx->rx_sa[i]);
		int n = recvmmsg(vx->udp_fd, vx->rx_msgs, LOOP_BATCH, MSG_DONTWAIT, NULL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("receive on the UDP socket");
			return;
		}
		for (int i = 0; i < n; i++) {
			const uint8_t *dgram = vx->rx_iov[i].iov_base;

			if (!udp_ipaddr(&vx->rx_sa[i], &src))
				memset(&src, 0, sizeof(src));
			dp_from_udp(&vx->dp, &src, dgram, vx->rx_msgs[i].msg_len, now, &act);
			if (act.verdict == DP_TO_TAP)
				tap_write(vx, act.data, act.len, now);
			if (act.event != DP_EV_NONE)
				log_event(vx, &act, now);
		}
		if (n < LOOP_BATCH)
			return;
	}
}

static void arm_age_timer(struct vxtap *vx, uint64_t now, uint64_t next)
{
	uint64_t delay;

	if (vx->ageing_ms == 0)
		return;
	/* With nothing learned, nothing can expire before a full lifetime. */
	delay = next == UINT64_MAX ? vx->ageing_ms : (next > now ? next - now : 0);
	if (delay < 10)
		delay = 10;
	ev_timer_set(&vx->age_timer, (double)delay / 1000.0, 0.);
	ev_timer_start(vx->loop, &vx->age_timer);
}

static void age_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, age_timer);
	uint64_t now = loop_now_ms(), next;

	(void)loop;
	(void)revents;
	dp_age(&vx->dp, now, &next);
	arm_age_timer(vx, now, next);
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
	loop_dump(container_of(w, struct vxtap, sig_usr1));
}

struct dump_ctx {
	uint64_t now;
};

static void age_suffix(char *buf, size_t len, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		snprintf(buf, len, "static");
	else
		snprintf(buf, len, "learned age %llus",
			 (unsigned long long)((now - updated) / 1000u));
}

static void dump_fdb(const struct fdb_view *v, void *arg)
{
	const struct dump_ctx *d = arg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], s[48];

	age_suffix(s, sizeof(s), v->is_static, v->updated, d->now);
	log_info("fdb %s dst %s %s", mac_fmt(&v->mac, m), endpoint_fmt(&v->dst, a), s);
}

static void dump_neigh(const struct neigh_view *v, void *arg)
{
	const struct dump_ctx *d = arg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], s[48];

	age_suffix(s, sizeof(s), v->is_static, v->updated, d->now);
	log_info("neigh %s lladdr %s %s", ipaddr_fmt(&v->ip, a), mac_fmt(&v->mac, m), s);
}

void loop_dump(struct vxtap *vx)
{
	struct dump_ctx d = {.now = loop_now_ms()};
	const struct dp_stats *st = &vx->dp.st;
	char a[ADDR_STRLEN];

	log_info("dump begin");
	fdb_foreach(vx->dp.fdb, dump_fdb, &d);
	neigh_foreach(vx->dp.neigh, dump_neigh, &d);
	for (size_t i = 0; i < peers_count(vx->dp.peers); i++) {
		const struct peer *p = peers_at(vx->dp.peers, i);

		log_info("peer %s rx_packets %llu rx_bytes %llu tx_packets %llu tx_bytes %llu",
			 endpoint_fmt(&p->ep, a), (unsigned long long)p->st.rx_packets,
			 (unsigned long long)p->st.rx_bytes, (unsigned long long)p->st.tx_packets,
			 (unsigned long long)p->st.tx_bytes);
	}
#define DUMP_COUNTER(name, desc) log_info("counter " #name " %llu", (unsigned long long)st->name);
	DP_COUNTERS(DUMP_COUNTER)
#undef DUMP_COUNTER
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		log_info("counter drop_%s %llu", dp_drop_name((enum dp_drop)r),
			 (unsigned long long)st->drops[r]);
	log_info("dump end");
}

int loop_init(struct vxtap *vx)
{
	vx->loop = ev_default_loop(EVFLAG_AUTO);
	vx->tap_slots = aligned_alloc(64, (size_t)LOOP_BATCH * LOOP_SLOT);
	vx->udp_slots = aligned_alloc(64, (size_t)LOOP_BATCH * LOOP_SLOT);
	vx->rx_msgs = calloc(LOOP_BATCH, sizeof(*vx->rx_msgs));
	vx->rx_iov = calloc(LOOP_BATCH, sizeof(*vx->rx_iov));
	vx->rx_sa = calloc(LOOP_BATCH, sizeof(*vx->rx_sa));
	if (vx->loop == NULL || vx->tap_slots == NULL || vx->udp_slots == NULL ||
	    vx->rx_msgs == NULL || vx->rx_iov == NULL || vx->rx_sa == NULL ||
	    udp_txq_init(&vx->txq, LOOP_TXQ) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < LOOP_BATCH; i++) {
		struct msghdr *h = &vx->rx_msgs[i].msg_hdr;

		vx->rx_iov[i].iov_base = vx->udp_slots + i * LOOP_SLOT;
		vx->rx_iov[i].iov_len = LOOP_SLOT;
		h->msg_name = &vx->rx_sa[i];
		h->msg_namelen = sizeof(vx->rx_sa[i]);
		h->msg_iov = &vx->rx_iov[i];
		h->msg_iovlen = 1;
	}
	vx->rl_move = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->rl_tap = (struct ratelimit)RATELIMIT_INIT(10000, 5);

	ev_io_init(&vx->tap_r, tap_read_cb, vx->tap_fd, EV_READ);
	ev_io_init(&vx->udp_r, udp_read_cb, vx->udp_fd, EV_READ);
	ev_io_init(&vx->udp_w, udp_write_cb, vx->udp_fd, EV_WRITE);
	ev_init(&vx->age_timer, age_cb);
	ev_signal_init(&vx->sig_int, stop_cb, SIGINT);
	ev_signal_init(&vx->sig_term, stop_cb, SIGTERM);
	ev_signal_init(&vx->sig_usr1, usr1_cb, SIGUSR1);
	ev_io_start(vx->loop, &vx->tap_r);
	ev_io_start(vx->loop, &vx->udp_r);
	ev_signal_start(vx->loop, &vx->sig_int);
	ev_signal_start(vx->loop, &vx->sig_term);
	ev_signal_start(vx->loop, &vx->sig_usr1);
	arm_age_timer(vx, loop_now_ms(), UINT64_MAX);
	return 0;
}

void loop_run(struct vxtap *vx)
{
	ev_run(vx->loop, 0);
}

void loop_free(struct vxtap *vx)
{
	free(vx->tap_slots);
	free(vx->udp_slots);
	free(vx->rx_msgs);
	free(vx->rx_iov);
	free(vx->rx_sa);
	udp_txq_free(&vx->txq);
	if (vx->loop != NULL)
		ev_loop_destroy(vx->loop);
}

/* loop: the libev watchers that move frames between the TAP and the socket. */
#ifndef VXTAP_LOOP_H
#define VXTAP_LOOP_H

#include <ev.h>
#include <stdint.h>

#include "conf.h"
#include "dp.h"
#include "log.h"
#include "udp.h"

#define LOOP_BATCH    64 /* frames or datagrams per read burst */
#define LOOP_BURSTS   4	 /* bursts per callback, so neither side starves */
#define LOOP_TXQ      (LOOP_BATCH * 16)
#define LOOP_HEADROOM 64	  /* room for outer headers before each frame */
#define LOOP_SLOT     (64 * 1024) /* one frame or datagram, with headroom */

struct ctl;

/* The running daemon: descriptors, watchers, buffers and the core context. */
struct vxtap {
	struct ev_loop *loop;
	char dev[CONF_IFNAMSIZ];
	int tap_fd;
	int udp_fd;
	struct dp dp;

	ev_io tap_r;
	ev_io udp_r;
	ev_io udp_w; /* started only while sends wait for room */
	ev_timer age_timer;
	ev_signal sig_int, sig_term, sig_usr1;

	uint8_t *tap_slots; /* LOOP_BATCH slots of LOOP_SLOT bytes */
	uint8_t *udp_slots;
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	struct sockaddr_storage *rx_sa;
	struct udp_txq txq;

	uint64_t ageing_ms;
	struct ratelimit rl_move, rl_tap;
	struct ctl *ctl; /* the control socket and peers file (ctl.h) */
};

/* Allocate buffers and start the watchers; fds and dp must be set up.
 * Returns 0 or -ENOMEM. */
int loop_init(struct vxtap *vx);

/* Run until SIGINT or SIGTERM. */
void loop_run(struct vxtap *vx);

void loop_free(struct vxtap *vx);

/* Log the FDB, the neighbour table, the peers and every counter. */
void loop_dump(struct vxtap *vx);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

#endif

/* loop: the libev watchers that drive the forwarding engine, and the daemon's state. */
#ifndef VXTAP_LOOP_H
#define VXTAP_LOOP_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "dp.h"
#include "fwd.h"
#include "io_fd.h"
#include "log.h"
#include "method.h"
#include "spin.h"

/* Data-path switches, fixed at start. */
struct loop_opts {
	bool offload;	  /* vnet TAP with TSO/USO, UDP GSO and GRO where the kernel has them */
	bool busy_poll;	  /* never sleep in the kernel: spin on the descriptors */
	uint32_t spin_us; /* the polling window after traffic (spin.h); 0: none */
};

struct ctl;
struct flnode;
struct reload;

/* The libev watchers, each embedded so its callback finds the daemon. */
struct loop_watchers {
	ev_io tap_r;
	ev_io udp_r;
	ev_io udp_w; /* started only while sends wait for room */
	ev_timer age;
	ev_timer method; /* the datagram method's timed work */
	ev_signal sig_int, sig_term, sig_usr1;
	ev_idle busy; /* keeps the loop polling with a zero timeout */
	ev_idle spin; /* the same, while a polling window after traffic is open */
};

/* -v: one line per address and what (a drop's reason, a handshake) per 10 s. */
#define LOOP_NOTE_MS 10000

/* Rate limits for what the data path logs. */
struct loop_logs {
	struct ratelimit move, frozen, cap, tap_read, tap_write, udp_recv, udp_send;
	struct notes notes;
};

/* The running daemon. */
struct vxtap {
	struct ev_loop *loop;
	char dev[CONF_IFNAMSIZ];
	struct loop_opts opts;
	struct io_fd fds;      /* the TAP and the socket */
	struct io_ops io;      /* the I/O seam over fds */
	struct fwd_caps caps;  /* what the TAP and the socket turned out to take */
	struct dp dp;	       /* the core: configuration, tables, counters */
	struct method *method; /* plain or sealed */
	struct fwd fwd;	       /* the engine between the devices and the core */
	struct loop_watchers w;
	struct loop_logs logs;
	struct spin spin; /* until when to poll on after traffic instead of sleeping */
	uint64_t ageing_ms;
	struct ctl *ctl;       /* the control socket (ctl.h) */
	struct reload *reload; /* SIGHUP: the peers file and the key (reload.h) */
	struct flnode *flnode; /* the etcd control plane, or NULL (flnode.h) */
	int status;	       /* exit status once the loop ends: 1 when the TAP went away */
};

/* Point vx->dp's hooks at the engine and the method (keys of peers go to
 * the method from now on). vx->method must be set; call before any peer is
 * added. */
void loop_set_hooks(struct vxtap *vx);

/* Make the engine and start the watchers (on vx->loop if already made, else
 * the default loop); fds, caps, dp, method and opts must be set up. Returns
 * 0 or -ENOMEM. */
int loop_init(struct vxtap *vx);

/* Run until SIGINT or SIGTERM (then 0), or until the TAP device is deleted
 * under the daemon (then 1, logged once): the exit status. */
int loop_run(struct vxtap *vx);

void loop_free(struct vxtap *vx);

struct counters_snap;

/* Every counter, now. */
void loop_snapshot(struct vxtap *vx, struct counters_snap *s);

/* Log the FDB, the neighbour table, the peers and every counter. */
void loop_dump(struct vxtap *vx);

/* Monotonic milliseconds and microseconds, and the wall clock in ns. */
uint64_t loop_now_ms(void);
uint64_t loop_now_us(void);
uint64_t loop_wall_ns(void *unused);

/* Start the method's conversations with every peer now (secure mode: a
 * handshake each), at start and after a key change. */
void loop_start_method(struct vxtap *vx);

#endif

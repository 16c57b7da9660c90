/* loop: the libev watchers that move frames between the TAP and the socket. */
#ifndef VXTAP_LOOP_H
#define VXTAP_LOOP_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "dp.h"
#include "gro.h"
#include "gso.h"
#include "log.h"
#include "udp.h"

#define LOOP_BATCH	64 /* frames or datagrams per read burst */
#define LOOP_BURSTS	4  /* bursts per callback, so neither side starves */
#define LOOP_TXQ	(LOOP_BATCH * 16)
#define LOOP_HEADROOM	64			    /* room for outer headers before each frame */
#define LOOP_SLOT	(64 * 1024 + LOOP_HEADROOM) /* one frame or datagram, with headroom */
#define LOOP_SEGS	64			    /* segments one super-frame may be cut into */
#define LOOP_SEG_STRIDE 256			    /* VXLAN header + one segment's headers */

/* Data-path switches, fixed at start. */
struct loop_opts {
	bool offload;	/* vnet TAP with TSO/USO, UDP GSO and GRO where the kernel has them */
	bool busy_poll; /* never sleep in the kernel: spin on the descriptors */
};

struct ctl;
struct crypto;

/* Room for sealed datagrams (secure mode) and handshake messages between
 * flushes of the send queue. */
#define LOOP_SEAL_ARENA (4u << 20)

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
	ev_idle busy; /* keeps the loop polling with a zero timeout */

	uint8_t *tap_slots; /* LOOP_BATCH slots of LOOP_SLOT bytes */
	uint8_t *udp_slots;
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	struct sockaddr_storage *rx_sa;
	struct udp_txq txq;
	uint8_t (*rx_cmsg)[64];
	uint8_t *seg_arena; /* per TAP slot: LOOP_SEGS headers of LOOP_SEG_STRIDE */
	struct gso_seg *segs;
	uint8_t *rx_seg_arena; /* headers when a kernel peer's super-packet is cut here */
	struct gro gro;
	struct iovec gro_iov[GRO_MAX_SEGS + 1];

	struct loop_opts opts;
	bool vnet;    /* TAP reads and writes carry a virtio-net header */
	bool tap_uso; /* the TAP takes UDP super-frames (kernel 6.2 and later) */
	bool udp_gso; /* UDP_SEGMENT works */
	bool udp_gro; /* UDP_GRO is on */

	uint64_t ageing_ms;
	struct ratelimit rl_move, rl_tap, rl_frozen;
	struct ctl *ctl; /* the control socket and peers file (ctl.h) */

	/* Secure mode (NULL crypto: plain VXLAN). */
	struct crypto *crypto;
	const char *key_file; /* re-read on SIGHUP and "key load" */
	ev_timer crypto_timer;
	uint8_t *seal_arena; /* bump-allocated, reset when the send queue empties */
	size_t seal_used;
};

/* Allocate buffers and start the watchers; fds, dp and opts must be set up,
 * and vnet must say whether the TAP was opened with a virtio-net header.
 * Returns 0 or -ENOMEM. */
int loop_init(struct vxtap *vx);

/* Run until SIGINT or SIGTERM. */
void loop_run(struct vxtap *vx);

void loop_free(struct vxtap *vx);

/* Log the FDB, the neighbour table, the peers and every counter. */
void loop_dump(struct vxtap *vx);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

/* Secure mode: start a handshake with every peer now (at start, and after a
 * key change), and forget a removed peer's sessions. No-ops without a key. */
void loop_handshake_all(struct vxtap *vx);
void loop_forget_peer(struct vxtap *vx, const struct ipaddr *ip);

/* Move to the key in path (NULL: the --key-file again): new handshakes use
 * it at once, the old key stays accepted for LOOP_KEY_GRACE_MS. Returns 0,
 * or -1 with the problem in err (the running key is kept). */
#define LOOP_KEY_GRACE_MS 60000
int loop_load_key(struct vxtap *vx, const char *path, char *err, size_t errlen);

#endif

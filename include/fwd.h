/* fwd: the forwarding engine: frames and datagrams read in batches through the I/O seam, the
 * core's verdicts carried out through the datagram method, the send queue and GRO. */
#ifndef VXTAP_FWD_H
#define VXTAP_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dp.h"
#include "gro.h"
#include "gso.h"
#include "io.h"
#include "method.h"
#include "txq.h"

#define FWD_BATCH      64 /* frames or datagrams per read burst */
#define FWD_BURSTS     4  /* bursts per call, so neither side starves */
#define FWD_TXQ	       (FWD_BATCH * 16)
#define FWD_HEADROOM   64			  /* room for outer headers before each frame */
#define FWD_SLOT       (64 * 1024 + FWD_HEADROOM) /* one frame or datagram, with headroom */
#define FWD_SEGS       64			  /* segments one super-frame may be cut into */
#define FWD_SEG_STRIDE 256			  /* VXLAN header + one segment's headers */

/* What the devices can do, found out by the shell when it opened them. */
struct fwd_caps {
	bool vnet;    /* TAP reads and writes carry a virtio-net header */
	bool tap_uso; /* the TAP takes UDP super-frames (kernel 6.2 and later) */
	bool udp_gso; /* UDP_SEGMENT works */
	bool udp_gro; /* UDP_GRO is on: reads may hold several datagrams */
};

enum fwd_error {
	FWD_ERR_TAP_READ,  /* reading the TAP failed (err) */
	FWD_ERR_TAP_WRITE, /* writing to the TAP failed (err; EMSGSIZE: short) */
	FWD_ERR_UDP_RECV,  /* receiving on the socket failed (err) */
};

/* What the shell hears about (to log, rate-limited). Any may be NULL. */
struct fwd_hooks {
	/* a MAC moved or froze, or a cap was reached (act->event) */
	void (*event)(void *arg, const struct dp_action *act, uint64_t now);
	/* a datagram from src was dropped for act->drop (set only when wanted:
	 * it is called per datagram) */
	void (*drop)(void *arg, const struct ipaddr *src, const struct dp_action *act,
		     uint64_t now);
	void (*error)(void *arg, enum fwd_error what, int err, uint64_t now);
	void *arg;
};

struct fwd {
	struct dp *dp;
	struct method *method;
	const struct io_ops *io;
	struct fwd_caps caps;
	struct fwd_hooks hooks;
	struct txq txq;
	struct gro gro;
	struct iovec gro_iov[GRO_MAX_SEGS + 1];
	/* TAP side: FWD_BATCH slots, each with the segment headers its frame
	 * may be cut into */
	uint8_t *tap_slots;
	uint8_t *seg_arena;
	struct gso_seg *segs;
	/* socket side */
	uint8_t *udp_slots;
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	struct sockaddr_storage *rx_sa;
	uint8_t (*rx_cmsg)[64];
	uint8_t *rx_seg_arena; /* headers when a kernel peer's super-packet is cut here */
};

/* Set up f over dp, sending and receiving through io and m. 0 or -ENOMEM
 * (nothing held). */
int fwd_init(struct fwd *f, struct dp *dp, const struct fwd_caps *caps, const struct io_ops *io,
	     struct method *m, const struct fwd_hooks *hooks);
void fwd_free(struct fwd *f);

enum fwd_status {
	FWD_DRAINED, /* read until there was nothing more */
	FWD_MORE,    /* stopped after FWD_BURSTS bursts: there may be more */
	FWD_BLOCKED, /* the socket is full: read no more from the TAP until
			fwd_flush says FWD_DRAINED */
};

/* Read frames from the TAP, up to FWD_BURSTS bursts of FWD_BATCH, and send
 * what the core says to send; each burst's sends are flushed before the
 * next burst reuses its slots. */
enum fwd_status fwd_tap(struct fwd *f, uint64_t now);

/* Receive datagrams, up to FWD_BURSTS bursts, and write what they carry to
 * the TAP (coalesced where GRO can). FWD_BLOCKED when answers the method
 * queued (handshakes) could not all go out. */
enum fwd_status fwd_udp(struct fwd *f, uint64_t now);

/* Send what is queued: FWD_DRAINED, or FWD_BLOCKED while the socket is full. */
enum fwd_status fwd_flush(struct fwd *f);

/* The method's timed work (handshakes, expiry): when it next has some (ms),
 * UINT64_MAX for none. */
uint64_t fwd_tick(struct fwd *f, uint64_t now);

/* Start the method's conversations with every listed peer (secure mode:
 * handshakes) and try to send them. */
enum fwd_status fwd_start(struct fwd *f, uint64_t now);

/* p is about to be freed: nothing queued counts into it any more, and the
 * method forgets it. */
void fwd_peer_gone(struct fwd *f, const struct peer *p);

/* The error hook's (what, err) says the TAP device is gone for good (deleted
 * under the daemon: its descriptor is detached, EBADFD) rather than down or
 * busy: nothing will pass through that descriptor again. */
bool fwd_tap_gone(enum fwd_error what, int err);

/* The error hook's (what, err) says the TAP is down (set down by someone, or
 * on its way out while it is deleted: tun refuses writes with EIO then).
 * Not an I/O failure: the frames are counted as DROP_TAP_DOWN. */
bool fwd_tap_down(enum fwd_error what, int err);

#endif

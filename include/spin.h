/* spin: how long the loop keeps polling after traffic before it sleeps: one window per kind of
 * traffic, widened when the next traffic came soon after the loop slept, narrowed when it came
 * late. */
#ifndef VXTAP_SPIN_H
#define VXTAP_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#define SPIN_DEFAULT_US 100   /* --spin-us */
#define SPIN_MAX_US	10000 /* the largest --spin-us accepted */
#define SPIN_MIN_US	10    /* a window narrowed below this is closed (0) */
#define SPIN_LONG	4     /* a wait over this many max_us narrows a window */

/*
 * Why a window: a sleeping vxtap is woken by the kernel, which costs more
 * than the work a small packet needs (a wake-up on another core that is
 * idle is the dearest). After sending a request to a peer, its answer comes
 * back within a round trip; polling until then catches it without a
 * wake-up. Traffic that does not come within the window only costs the
 * window, and windows that keep missing close, so an idle vxtap sleeps.
 */
enum spin_kind {
	SPIN_SENT, /* datagrams went to a peer: its answer may follow within a round trip */
	SPIN_TAP,  /* frames went to the TAP: a local program's answer may follow */
	SPIN_KINDS,
};

struct spin {
	uint32_t max_us;	     /* the widest window; 0: never poll */
	uint32_t win_us[SPIN_KINDS]; /* the window after each kind of traffic */
	enum spin_kind last;	     /* the kind of the latest traffic */
	uint64_t last_at;	     /* when it moved (µs); 0: none yet */
	uint64_t until;		     /* the current window's end (µs); 0: none open */
	uint64_t windows;	     /* windows opened */
	uint64_t caught;	     /* traffic that came while a window was open */
};

/* Windows of at most max_us (0: never poll), all max_us wide to start with. */
void spin_init(struct spin *s, uint32_t max_us);

/* Traffic of kind k moved at now (µs, monotonic). The window of the previous
 * traffic's kind learns from the wait: kept when this came inside it,
 * widened (to 1.5 times the wait, at least twice what it was, at most
 * max_us) when it came within max_us, halved when it came after more than
 * SPIN_LONG times max_us, kept otherwise. Returns the end of the window
 * now open for k, or 0 when the loop should sleep at once. */
uint64_t spin_traffic(struct spin *s, enum spin_kind k, uint64_t now);

/* The loop polled at now and found nothing: true to poll again, false when
 * the window is over (the loop sleeps). */
bool spin_poll(struct spin *s, uint64_t now);

#endif

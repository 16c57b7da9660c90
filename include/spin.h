/* spin: how long the loop keeps polling after traffic before it sleeps, and how often that
 * caught more traffic. */
#ifndef VXTAP_SPIN_H
#define VXTAP_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#define SPIN_DEFAULT_US 100   /* --spin-us */
#define SPIN_MAX_US	10000 /* the largest --spin-us accepted */

/*
 * Why a window: a sleeping vxtap is woken by the kernel for each packet, and
 * on a virtual machine that costs more than forwarding the packet. Polling
 * for a while after traffic catches what follows soon (a peer's answer, the
 * next packet of a burst) without a wake-up. With no traffic there is no
 * window, so an idle vxtap sleeps.
 *
 * The window is fixed. Windows learned per kind of traffic (widened when
 * traffic followed soon, closed after silences) were measured too, and were
 * slower than both a fixed window and none: on the machines measured, the
 * windows that learning closed (after a request was answered, after an
 * answer was sent) were the ones that paid.
 */
struct spin {
	uint32_t win_us;  /* the window; 0: never poll */
	uint64_t until;	  /* the current window's end (µs); 0: none open */
	uint64_t windows; /* windows opened */
	uint64_t caught;  /* traffic that came while a window was open */
};

/* Windows of win_us (capped at SPIN_MAX_US; 0: never poll). */
void spin_init(struct spin *s, uint32_t win_us);

/* Traffic moved at now (µs, monotonic): counts it as caught when a window
 * was open, and returns the end of the window now open, or 0 when the loop
 * should sleep at once. */
uint64_t spin_traffic(struct spin *s, uint64_t now);

/* The loop polled at now and found nothing: true to poll again, false when
 * the window is over (the loop sleeps). */
bool spin_poll(struct spin *s, uint64_t now);

#endif

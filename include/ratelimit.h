/* ratelimit: how often a log line may go out: a window per kind of line, and
 * one per address and reason for what -v says about datagrams. */
#ifndef VXTAP_RATELIMIT_H
#define VXTAP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/* At most burst messages per interval_ms; the rest are counted and their
 * number reported with the next message that passes. */
struct ratelimit {
	uint64_t interval_ms;
	uint32_t burst;
	uint64_t window_start;
	uint32_t in_window;
	uint32_t suppressed;
};

#define RATELIMIT_INIT(ms, n)                     \
	{                                         \
		.interval_ms = (ms), .burst = (n) \
	}

/* True when a message may go out at now (ms); *suppressed_out gets how many
 * were held back since the last one that did. */
bool ratelimit_ok(struct ratelimit *rl, uint64_t now, uint32_t *suppressed_out);

/* One line per address and reason per interval: a small hash table of the
 * last line for each (address, what). A collision only lets a line out
 * sooner; it never holds one back. */
#define NOTES_SLOTS 256
struct note_slot {
	struct ipaddr src;
	const char *what; /* a static string: compared by address */
	uint64_t last;	  /* when a line last went out; 0: never */
	uint32_t held;
};
struct notes {
	uint64_t interval_ms;
	struct note_slot slot[NOTES_SLOTS];
};

/* Empty, with lines interval_ms apart per address and reason. */
void notes_init(struct notes *ns, uint64_t interval_ms);

/* True when a line about (src, what) may go out at now (ms): the first one,
 * or interval_ms after the last that did, or always when every is true
 * (-vv). *held gets how many lines about the same (src, what) were held back
 * since. */
bool notes_ok(struct notes *ns, const struct ipaddr *src, const char *what, uint64_t now,
	      bool every, uint32_t *held);

#endif

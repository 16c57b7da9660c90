/* storm: storm control, a token bucket per source MAC for flooded frames. */
#ifndef VXTAP_STORM_H
#define VXTAP_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eth.h"
#include "table.h"

/* Each source MAC may send rate_pps frames a second on average and burst
 * frames at once; a MAC not seen for burst / rate_pps seconds has its whole
 * burst again. Buckets live in a table of at most max_macs, the least
 * recently used one dropped for a new MAC, so a sender that cycles through
 * more source MACs than that gets a fresh bucket for each. */
struct storm;

/* New limiter; rate_pps and burst at least 1, max_macs at least 1. NULL on
 * bad arguments or allocation failure. seed keys the MAC hash. */
struct storm *storm_new(uint32_t rate_pps, uint32_t burst, size_t max_macs,
			const uint8_t seed[static TABLE_SEED_LEN]);
void storm_free(struct storm *s);

/* Take cost frames' worth of tokens from src's bucket at now (ms): true when
 * there were enough (the frames may go), false otherwise (nothing taken; a
 * cost above the burst counts as the burst). Out of memory: true. */
bool storm_allow(struct storm *s, const struct mac *src, uint32_t cost, uint64_t now);

/* How many MACs have a bucket. */
size_t storm_count(const struct storm *s);

#endif
